// The replica's half of a full sync, phase by phase: one master (redstate or redis) holding
// a dataset, then fresh redstate replicas told REPLICAOF one after another, builds
// alternating when two are given. For each sync: the wall time until in sync, the CPU time
// of the replica's main thread and of all its threads (/proc/<pid>/task/*/schedstat, so GC
// helpers count), its peak resident set (VmHWM: the process is small before the sync), and
// when each log line of the sync came, from REPLICAOF: connect, handshake, transfer, load,
// done. On a shared host the CPU time and the peak memory are the figures to compare.
//   node --import ./bench/register.js bench/replica-sync.ts [rounds] [populate|mixed] [disk|diskless]
//     [redstate|redis master] [A/dist/cli.js [B/dist/cli.js]]
// BENCH_KEYS overrides the dataset size (DEBUG POPULATE keys, or the mixed dataset's small keys);
// Replicas run with their cli.js's #! V8 flags, as the bench runs them; REPLICA_NODE_FLAGS adds node flags to them (e.g. "--cpu-prof --cpu-prof-dir=DIR").
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { presets, type BenchConfig } from './config.js';
import { loadMixed, populate } from './measures/datasets.js';
import { syncArgs, waitSynced } from './measures/replicas.js';
import { mainThreadMs, schedStat } from './proc.js';
import { binFlags, buildSpec, cleanUpEverything, makeTempDir, removeTempDir, startServer, type ServerSpec } from './servers.js';
import { alternatingRounds, loadRange, percentile } from './stats.js';

const [roundsArg = '5', dataset = 'mixed', mode = 'disk', masterName = 'redstate', ...builds] = process.argv.slice(2);
const keysOverride = Number(process.env.BENCH_KEYS ?? 0);
const base = presets.quick;
const config: BenchConfig = keysOverride > 0
  ? { ...base, populate: { ...base.populate, keys: keysOverride }, mixed: { ...base.mixed, keys: keysOverride } }
  : base;
const signal = new AbortController().signal;
const nodeFlags = (process.env.REPLICA_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const replicas = (builds.length > 0 ? builds : ['dist/cli.js']).map((cli) => ({
  label: cli,
  spec: { name: 'redstate', command: ['node', ...binFlags(dirname(cli)), ...nodeFlags, cli] } as ServerSpec,
}));

/** CPU of the main thread and of every thread of pid, ms. */
function cpu(pid: number): [number, number] {
  let all = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      all += schedStat(`/proc/${pid}/task/${t}/schedstat`).cpu;
    } catch {
      // the thread ended
    }
  }
  return [mainThreadMs(pid), all];
}

/** The most memory the process held resident so far, MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN) / 1024;
}

/** The sync's log lines, each as [ms since REPLICAOF, text]; the log's clock is local time. */
function phases(logFile: string, askedAt: number): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const m = /^\d+:\w (\d+ \w+ \d+ [\d:.]+) . (.*)$/.exec(line);
    if (m === null) continue;
    const at = new Date(m[1]!).getTime() - askedAt;
    if (at >= -1) out.push([at, m[2]!]);
  }
  return out;
}

const masterSpec: ServerSpec = masterName === 'redis'
  ? { name: 'redis', command: ['redis-server'] }
  : buildSpec('dist');
const masterDir = makeTempDir();
const master = await startServer(masterSpec, { dir: masterDir, args: syncArgs(mode === 'diskless') });
const m = await master.client();
const keys = dataset === 'mixed' ? await loadMixed(m, config, signal) : (await populate(m, config), config.populate.keys);

/** One sync of a fresh replica: [wall, main-thread CPU, all-threads CPU] ms, peak RSS MB, and its log lines. */
async function sync(spec: ServerSpec): Promise<{ figures: number[]; log: Array<[number, string]> }> {
  const dir = makeTempDir();
  const logFile = join(dir, 'replica.log');
  const replica = await startServer(spec, { dir, args: ['--loglevel', 'notice', '--logfile', logFile] });
  const r = await replica.client();
  try {
    const cpu0 = cpu(replica.pid);
    const askedAt = Date.now();
    const t0 = performance.now();
    await r.call('REPLICAOF', '127.0.0.1', master.port);
    await waitSynced(r, keys, signal, 1);
    const wall = performance.now() - t0;
    const cpu1 = cpu(replica.pid);
    return { figures: [wall, cpu1[0] - cpu0[0], cpu1[1] - cpu0[1], peakRssMb(replica.pid)], log: phases(logFile, askedAt) };
  } finally {
    r.close();
    await replica.stop();
    removeTempDir(dir);
  }
}

const { runs: results, loads } = await alternatingRounds(Number(roundsArg), replicas.length, async (i, round) => {
  const { figures, log } = await sync(replicas[i]!.spec);
  if (round === 0) {
    console.log(`${replicas[i]!.label}, first round's log (ms since REPLICAOF):`);
    for (const [at, text] of log) console.log(`  ${String(at).padStart(5)}  ${text}`);
  }
  return figures;
});
m.close();
await master.stop();
const median = (runs: number[][], k: number): string => percentile(runs.map((r) => r[k]!), 50).toFixed(0);
const range = (runs: number[][], k: number): string =>
  `${Math.min(...runs.map((r) => r[k]!)).toFixed(0)}-${Math.max(...runs.map((r) => r[k]!)).toFixed(0)}`;
console.log(`${masterName} master, ${dataset} (${keys} keys), ${mode}, ${roundsArg} rounds, load average ` +
  `${loadRange(loads)}; replica medians (min-max) in ms:`);
replicas.forEach(({ label }, i) => {
  const runs = results[i]!;
  console.log(`${label}: wall ${median(runs, 0)} (${range(runs, 0)}), main-thread CPU ${median(runs, 1)} (${range(runs, 1)}), ` +
    `all threads ${median(runs, 2)} (${range(runs, 2)}), peak RSS ${median(runs, 3)} MB (${range(runs, 3)})`);
});
cleanUpEverything();
