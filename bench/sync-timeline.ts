// A full sync's time line on both sides, as the fullsync measure runs it: for each pair
// (master>replica, each `redis` or a build's cli.js), every round a fresh master loaded with
// the dataset and a fresh replica told REPLICAOF, both at loglevel verbose; the wall time
// until in sync (link up and DBSIZE equal, polled every ms), the main-thread CPU of master
// and replica during it, and the log lines of both, timed from REPLICAOF (M: master, R:
// replica), in the first round or every one with --all. Pairs alternate by round.
//   node --import ./bench/register.js bench/sync-timeline.ts [rounds] [populate|mixed] [disk|diskless]
//     [--all] [--full] A>B ...   (e.g. redis>redis dist/cli.js>dist/cli.js)
// --strace: strace -f -tt -T of both servers' file syscalls and epoll waits during the sync, in /tmp/sync-timeline-<pair>-<round>.{master,replica}.strace.
// --windows: also each side's main-thread CPU/wait/idle and its other threads' CPU per 100 ms from
// REPLICAOF (where in the sync a side waited, and whether its GC and compiler threads ran meanwhile).
// --full: the full bench's sizes (200k mixed keys, 1M populate), else --quick's; BENCH_KEYS overrides.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { presets, type BenchConfig } from './config.js';
import { loadMixed, populate } from './measures/datasets.js';
import { syncArgs, waitSynced } from './measures/replicas.js';
import { mainThreadMs, schedStat } from './proc.js';
import { buildSpec, cleanUpEverything, makeTempDir, removeTempDir, startServer, type ServerSpec } from './servers.js';
import { alternatingRounds, loadRange, percentile } from './stats.js';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const [roundsArg = '3', dataset = 'mixed', mode = 'disk', ...pairArgs] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const base = flags.includes('--full') ? presets.full : presets.quick;
const keysOverride = Number(process.env.BENCH_KEYS ?? 0);
const config: BenchConfig = keysOverride > 0
  ? { ...base, populate: { ...base.populate, keys: keysOverride }, mixed: { ...base.mixed, keys: keysOverride } }
  : base;
const signal = new AbortController().signal;

function spec(name: string): ServerSpec {
  return buildSpec(name === 'redis' ? name : dirname(name));
}
const pairs = (pairArgs.length > 0 ? pairArgs : ['redis>redis', 'dist/cli.js>dist/cli.js']).map((p) => {
  const [m, r] = p.split('>');
  return { label: p, master: spec(m!), replica: spec(r ?? m!) };
});

type Sample = [number, number, number, number];

/** The CPU ms of pid's threads other than the main one. */
function otherThreadsCpu(pid: number): number {
  let cpu = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    if (t === String(pid)) continue;
    try {
      cpu += schedStat(`/proc/${pid}/task/${t}/schedstat`).cpu;
    } catch {
      // the thread ended
    }
  }
  return cpu;
}

/** A process's [ms since t0, main-thread CPU ms, its wait ms, other threads' CPU ms] every 2 ms until stopped. */
function sampleSched(pid: number, t0: number): { samples: Sample[]; stop: () => void } {
  const samples: Sample[] = [];
  const take = () => {
    try {
      const s = schedStat(`/proc/${pid}/schedstat`);
      samples.push([Date.now() - t0, s.cpu, s.waited, otherThreadsCpu(pid)]);
    } catch {
      // the process ended
    }
  };
  take();
  const timer = setInterval(take, 2);
  return { samples, stop: () => (clearInterval(timer), take()) };
}

/** The last sample at or before `at` (the first one if none). */
function sampleAt(samples: Sample[], at: number): Sample {
  let found = samples[0]!;
  for (const s of samples) if (s[0] <= at) found = s;
  return found;
}

/** Each line with its side's CPU, wait for a core and idle since that side's previous line (or REPLICAOF). */
function annotate(log: Array<[number, string]>, sched: Record<string, Sample[]>): string[] {
  const prev: Record<string, Sample> = { M: sampleAt(sched.M!, 0), R: sampleAt(sched.R!, 0) };
  return log.map(([at, text]) => {
    const side = text[0]!;
    const s = sampleAt(sched[side]!, at);
    const p = prev[side]!;
    prev[side] = s;
    const cpu = s[1] - p[1];
    const wait = s[2] - p[2];
    const idle = Math.max(0, s[0] - p[0] - cpu - wait);
    return `  ${String(at).padStart(5)}  cpu ${cpu.toFixed(0).padStart(4)} wait ${wait.toFixed(0).padStart(4)} idle ${idle.toFixed(0).padStart(4)}  ${text}`;
  });
}

/** Each 100 ms window's CPU, wait and idle of both sides, as lines. */
function windows(sched: Record<string, Sample[]>, wall: number): string[] {
  const out: string[] = [];
  const cell = (side: string, from: number, to: number) => {
    const a = sampleAt(sched[side]!, from);
    const b = sampleAt(sched[side]!, to);
    const cpu = b[1] - a[1];
    const wait = b[2] - a[2];
    const others = b[3] - a[3];
    return `${cpu.toFixed(0).padStart(3)}/${wait.toFixed(0).padStart(3)}/${Math.max(0, b[0] - a[0] - cpu - wait).toFixed(0).padStart(3)} +${others.toFixed(0).padStart(3)}`;
  };
  out.push('  per 100 ms, main thread cpu/wait/idle + other threads\' cpu:');
  for (let from = 0; from < wall; from += 100) out.push(`  ${String(from).padStart(5)}  M ${cell('M', from, from + 100)}  R ${cell('R', from, from + 100)}`);
  return out;
}

/** A log's lines as [ms since t0, text]; both servers log local time with ms. */
function logLines(file: string, t0: number, tag: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\d+:\w (\d+ \w+ \d+ [\d:.]+) . (.*)$/.exec(line);
    if (m === null) continue;
    const at = new Date(m[1]!).getTime() - t0;
    if (at >= -1) out.push([at, `${tag} ${m[2]!}`]);
  }
  return out;
}

/** strace of pid's file syscalls (all threads) to file, once attached. */
async function strace(pid: number, file: string): Promise<ChildProcess> {
  const child = spawn('strace', ['-f', '-tt', '-T', '-o', file, '-p', String(pid),
    '-e', 'trace=epoll_wait,epoll_pwait,fdatasync,fsync,sync_file_range,rename,renameat,openat,unlink,ftruncate,pwrite64,write,writev,pwritev,read,pread64'], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => { if (d.includes('attached')) resolve(); }));
  return child;
}

async function sync(pair: (typeof pairs)[number], tag: string) {
  const mdir = makeTempDir();
  const rdir = makeTempDir();
  const mlog = join(mdir, 'master.log');
  const rlog = join(rdir, 'replica.log');
  const verbose = (file: string) => ['--loglevel', 'verbose', '--logfile', file];
  const master = await startServer(pair.master, { dir: mdir, args: [...syncArgs(mode === 'diskless'), ...verbose(mlog)] });
  const m = await master.client();
  const keys = dataset === 'mixed' ? await loadMixed(m, config, signal) : (await populate(m, config), config.populate.keys);
  // Started once the master is loaded, and told REPLICAOF at once, as the measure does.
  const replica = await startServer(pair.replica, { dir: rdir, args: verbose(rlog) });
  const r = await replica.client();
  try {
    const traces = flags.includes('--strace')
      ? [await strace(master.pid, `/tmp/sync-timeline-${tag}.master.strace`), await strace(replica.pid, `/tmp/sync-timeline-${tag}.replica.strace`)]
      : [];
    const cpu0 = [mainThreadMs(master.pid), mainThreadMs(replica.pid)];
    const t0 = Date.now();
    const ms = sampleSched(master.pid, t0);
    const rs = sampleSched(replica.pid, t0);
    const start = performance.now();
    await r.call('REPLICAOF', '127.0.0.1', master.port);
    await waitSynced(r, keys, signal, 1);
    const wall = performance.now() - start;
    ms.stop();
    rs.stop();
    for (const t of traces) t.kill('SIGINT');
    const cpu = [mainThreadMs(master.pid) - cpu0[0]!, mainThreadMs(replica.pid) - cpu0[1]!];
    const log = [...logLines(mlog, t0, 'M'), ...logLines(rlog, t0, 'R')].sort((a, b) => a[0] - b[0]);
    const sched = { M: ms.samples, R: rs.samples };
    return { figures: [wall, ...cpu], log: [...annotate(log, sched), ...(flags.includes('--windows') ? windows(sched, wall) : [])] };
  } finally {
    m.close();
    r.close();
    await replica.stop();
    await master.stop();
    removeTempDir(mdir);
    removeTempDir(rdir);
  }
}

const { runs, loads } = await alternatingRounds(Number(roundsArg), pairs.length, async (i, round) => {
  const { figures, log } = await sync(pairs[i]!, `${i}-${round}`);
  if (round === 0 || flags.includes('--all')) {
    console.log(`${pairs[i]!.label}, round ${round + 1}: wall ${figures[0]!.toFixed(0)} ms; log (ms since REPLICAOF):`);
    for (const line of log) console.log(line);
  }
  return figures;
});
const med = (rs: number[][], k: number) => percentile(rs.map((x) => x[k]!), 50).toFixed(0);
const rng = (rs: number[][], k: number) => `${Math.min(...rs.map((x) => x[k]!)).toFixed(0)}-${Math.max(...rs.map((x) => x[k]!)).toFixed(0)}`;
console.log(`${dataset}, ${mode}, ${roundsArg} rounds, load average ${loadRange(loads)}; medians (min-max), ms:`);
pairs.forEach(({ label }, i) => {
  const rs = runs[i]!;
  console.log(`${label}: wall ${med(rs, 0)} (${rng(rs, 0)}), master main-thread CPU ${med(rs, 1)} (${rng(rs, 1)}), ` +
    `replica main-thread CPU ${med(rs, 2)} (${rng(rs, 2)})`);
});
cleanUpEverything();
