// How a server answers while other processes hold the cores, without any replica: the
// syncstalls measure's PING every ms and its SET load (`rate` a second, in batches every
// 10 ms) against a fresh server of each build given (or redis-server), while `hogs` busy
// processes spin on the host's cores, the servers in alternating order round by round.
// In the 3-replica sync the replicas' loads are such hogs; this sets apart what the master
// itself does with the cores it gets. Prints per run the pings' p50, p99 and max, and the
// server's main thread: its turns on a core, its CPU per turn, and its time waiting for a core.
//   node --import ./bench/register.js bench/contention-pings.ts [rounds] [hogs] [keys] [rate] [dist|redis ...]
// keys: DEBUG POPULATE first (0: an empty server); default 3 rounds, 3 hogs, 1000000 keys, 3000 SETs/s, dist and redis.
import type { ChildProcess } from 'node:child_process';
import { startPinger, startWriteLoad } from './measures/snapshot-stalls.js';
import { schedStat } from './proc.js';
import { buildSpec, cleanUpEverything, makeTempDir, removeTempDir, spawnTracked, startServer, type ServerSpec } from './servers.js';
import { alternatingRounds, loadRange, percentile } from './stats.js';

const MEASURED_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const [roundsArg = '3', hogsArg = '3', keysArg = '1000000', rateArg = '3000', ...buildArgs] = process.argv.slice(2);
const builds = buildArgs.length > 0 ? buildArgs : ['dist', 'redis'];
const specs: ServerSpec[] = builds.map(buildSpec);

/** The main thread's turns on a core in a window, from /proc/<pid>/schedstat before and after. */
function turnsOf(pid: number, run: () => Promise<unknown>): Promise<{ cpuPerTurnUs: number; turns: number; waited: number }> {
  const path = `/proc/${pid}/schedstat`;
  const before = schedStat(path);
  return run().then(() => {
    const after = schedStat(path);
    const turns = after.turns - before.turns;
    return { cpuPerTurnUs: ((after.cpu - before.cpu) * 1000) / turns, turns, waited: after.waited - before.waited };
  });
}

const { runs, loads } = await alternatingRounds(Number(roundsArg), specs.length, async (i) => {
  const dir = makeTempDir();
  const server = await startServer(specs[i]!, { dir });
  const client = await server.client();
  const writer = await server.client();
  // Tracked, so that an interrupted run leaves none spinning.
  const hogs: ChildProcess[] = [];
  try {
    if (Number(keysArg) > 0) await client.call('DEBUG', 'POPULATE', keysArg, 'key', '100');
    for (let h = 0; h < Number(hogsArg); h++) hogs.push(spawnTracked(['node', '-e', 'for (;;);']));
    await sleep(300);
    const pinger = await startPinger(server.port, 1);
    const load = Number(rateArg) > 0 ? startWriteLoad(writer, Math.max(1, Number(keysArg)), 100, Number(rateArg)) : null;
    const sched = await turnsOf(server.pid, () => sleep(MEASURED_MS));
    load?.stop();
    const { latencies } = await pinger.stop();
    return { latencies, ...sched };
  } finally {
    for (const h of hogs) h.kill('SIGKILL');
    client.close();
    writer.close();
    await server.stop();
    removeTempDir(dir);
  }
});
cleanUpEverything();

console.log(`${hogsArg} hogs, ${keysArg} keys, ${rateArg} SETs/s and a PING every ms for ${MEASURED_MS} ms, ` +
  `${roundsArg} rounds, load average ${loadRange(loads)}:`);
builds.forEach((b, i) => {
  for (const r of runs[i]!) {
    const l = r.latencies;
    console.log(`${b}: ${l.length} pings p50 ${percentile(l, 50).toFixed(2)} p99 ${percentile(l, 99).toFixed(2)} ` +
      `max ${Math.max(...l).toFixed(2)} ms; main thread ${r.turns} turns of ${r.cpuPerTurnUs.toFixed(1)} µs CPU, ` +
      `${r.waited.toFixed(1)} ms waiting for a core`);
  }
});
