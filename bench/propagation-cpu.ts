// What propagation costs in CPU, which the machine's load does not change: redis-benchmark
// SET on a master alone, then with replicas (the same server) online; CPU time of the master
// (all threads, /proc/<pid>/stat) and of each replica per write, and their write and read
// syscalls (/proc/<pid>/io: the master's writes beyond its no-replica run are the replicas'
// socket writes; a replica reads little else than its master's stream meanwhile). Rounds
// alternate the servers; with another build's dist/cli.js it runs beside this one.
//   node --import ./bench/register.js bench/propagation-cpu.ts [rounds] [pipeline] [replicas] [requests] [other/dist/cli.js]
import { dirname } from 'node:path';
import { benchmarkSet, syncArgs, waitCaughtUp, waitOnline } from './measures/replicas.js';
import type { RoundContext } from './measure.js';
import { ioCounts, processCpuMs } from './proc.js';
import { RoundServers } from './round-servers.js';
import { buildSpec, cleanUpEverything, runTool, type RunningServer, type ServerSpec } from './servers.js';
import { alternatingRounds, loadRange, percentile } from './stats.js';

const [roundsArg = '3', pipeArg = '1', replicasArg = '1', requestsArg = '50000', other] = process.argv.slice(2);
const pipeline = Number(pipeArg);
const requests = Number(requestsArg);
const signal = new AbortController().signal;

const servers: Array<{ label: string; spec: ServerSpec }> = [
  { label: 'redstate', spec: buildSpec('dist') },
  ...(other ? [{ label: `redstate ${other}`, spec: buildSpec(dirname(other)) }] : []),
  { label: 'redis', spec: { name: 'redis', command: ['redis-server'] } },
];

/** One load: req/s, master CPU µs and write syscalls per write, replicas' CPU µs and read syscalls per write (means). */
async function load(master: RunningServer, replicas: RunningServer[], ctx: RoundContext): Promise<number[]> {
  const pids = [master.pid, ...replicas.map((r) => r.pid)];
  const cpu0 = pids.map(processCpuMs);
  const io0 = pids.map(ioCounts);
  const rps = await benchmarkSet(ctx, master.port, pipeline);
  const cpu = pids.map((p, i) => ((processCpuMs(p) - cpu0[i]!) * 1000) / requests);
  const io = pids.map((p, i) => {
    const s = ioCounts(p);
    return { r: (s.syscr - io0[i]!.syscr) / requests, w: (s.syscw - io0[i]!.syscw) / requests };
  });
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  return [rps, cpu[0]!, io[0]!.w, mean(cpu.slice(1)), mean(io.slice(1).map((x) => x.r))];
}

/** A master alone, then with the replicas: the two loads' figures. */
async function oneRound(spec: ServerSpec): Promise<number[][]> {
  const round = new RoundServers(requests);
  const { ctx } = round;
  const start = (args: string[] = []) => round.start(spec, args);
  try {
    const master = await start(syncArgs(true));
    await benchmarkSet(ctx, master.s.port, pipeline);
    await master.c.call('FLUSHALL');
    const alone = await load(master.s, [], ctx);
    const replicas = [];
    for (let i = 0; i < Number(replicasArg); i++) {
      const r = await start();
      await r.c.call('REPLICAOF', '127.0.0.1', master.s.port);
      replicas.push(r);
    }
    await waitOnline(master.c, replicas.length, signal);
    await master.c.call('FLUSHALL');
    await waitCaughtUp(master.c, replicas.map((r) => r.c), signal);
    const withReplicas = await load(master.s, replicas.map((r) => r.s), ctx);
    await waitCaughtUp(master.c, replicas.map((r) => r.c), signal);
    return [alone, withReplicas];
  } finally {
    await round.close();
  }
}

await runTool(['redis-benchmark', '--version']);
const { runs: results, loads } = await alternatingRounds(Number(roundsArg), servers.length, (i) => oneRound(servers[i]!.spec));
const med = (runs: number[][][], phase: number, k: number, digits: number): string =>
  percentile(runs.map((x) => x[phase]![k]!), 50).toFixed(digits);
console.log(`SET -c 50 -n ${requests} -P ${pipeline}, ${replicasArg} replica(s), ${roundsArg} rounds, ` +
  `load average ${loadRange(loads)}; medians:`);
servers.forEach(({ label }, i) => {
  const runs = results[i]!;
  console.log(`${label}: alone ${med(runs, 0, 0, 0)} req/s, master ${med(runs, 0, 1, 2)} µs CPU/write, ${med(runs, 0, 2, 3)} writes/write; ` +
    `with replicas ${med(runs, 1, 0, 0)} req/s, master ${med(runs, 1, 1, 2)} µs CPU/write, ${med(runs, 1, 2, 3)} writes/write; ` +
    `each replica ${med(runs, 1, 3, 2)} µs CPU/write, ${med(runs, 1, 4, 4)} reads/write`);
});
cleanUpEverything();
