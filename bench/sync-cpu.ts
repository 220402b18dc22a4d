// The full sync of the mixed dataset (the --quick size), redstate -> redstate beside redis ->
// redis, and beside another build's redstate when given one: wall time from REPLICAOF until
// in sync, and the CPU time the master's and the replica's main threads spent meanwhile
// (/proc/<pid>/schedstat). On a shared 2-core host the wall time is mostly waiting for a
// core; the CPU time says what the work costs. Redis's master forks: its child's CPU is not
// counted. Rounds alternate the servers.
//   node --import ./bench/register.js bench/sync-cpu.ts [rounds] [disk|diskless] [other/dist/cli.js]
import { presets } from './config.js';
import { loadMixed } from './measures/datasets.js';
import { syncArgs, waitSynced } from './measures/replicas.js';
import { mainThreadMs } from './proc.js';
import { cleanUpEverything, makeTempDir, removeTempDir, startServer, type ServerSpec } from './servers.js';
import { alternatingRounds, loadRange, percentile } from './stats.js';

const [roundsArg = '5', mode = 'disk', other] = process.argv.slice(2);
const config = presets.quick;
const signal = new AbortController().signal;

const servers: Array<{ label: string; spec: ServerSpec }> = [
  { label: 'redstate', spec: { name: 'redstate', command: ['node', 'dist/cli.js'] } },
  ...(other ? [{ label: `redstate ${other}`, spec: { name: 'redstate' as const, command: ['node', other] } }] : []),
  { label: 'redis', spec: { name: 'redis', command: ['redis-server'] } },
];

/** One sync: [wall, master CPU, replica CPU] in ms. */
async function sync(spec: ServerSpec): Promise<number[]> {
  const dirs = [makeTempDir(), makeTempDir()];
  const master = await startServer(spec, { dir: dirs[0]!, args: syncArgs(mode === 'diskless') });
  const replica = await startServer(spec, { dir: dirs[1]! });
  const [m, r] = await Promise.all([master.client(), replica.client()]);
  try {
    const keys = await loadMixed(m, config, signal);
    const cpu0 = [mainThreadMs(master.pid), mainThreadMs(replica.pid)];
    const t0 = performance.now();
    await r.call('REPLICAOF', '127.0.0.1', master.port);
    await waitSynced(r, keys, signal);
    return [performance.now() - t0, mainThreadMs(master.pid) - cpu0[0]!, mainThreadMs(replica.pid) - cpu0[1]!];
  } finally {
    m.close();
    r.close();
    await replica.stop();
    await master.stop();
    dirs.forEach(removeTempDir);
  }
}

const { runs: results, loads } = await alternatingRounds(Number(roundsArg), servers.length, (i) => sync(servers[i]!.spec));
const median = (runs: number[][], k: number): string => percentile(runs.map((r) => r[k]!), 50).toFixed(0);
console.log(`full sync, mixed dataset (${config.mixed.keys} small keys and the large ones), ${mode}, ${roundsArg} rounds, ` +
  `load average ${loadRange(loads)}; medians in ms:`);
servers.forEach(({ label }, i) => {
  const runs = results[i]!;
  console.log(`${label}: wall ${median(runs, 0)}, master main-thread CPU ${median(runs, 1)}, replica main-thread CPU ${median(runs, 2)}`);
});
cleanUpEverything();
