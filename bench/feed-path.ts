// A master's feed path alone, without sockets: turns of `perTurn` SETs of redis-benchmark's
// keys (3-byte values), each encoded into the turn's StreamBatch and copied into the Backlog,
// the turn's pieces taken at its end and held until the next turn's (as a replica's socket
// holds them), of several checkouts in one process, rounds alternating their order; CPU ns
// per write (process.cpuUsage), median and min over rounds, steady on a loaded host.
//   node --import ./bench/register.js bench/feed-path.ts [turns] [perTurn] [rounds] checkout...
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRange, percentile } from './stats.js';

const [turnsArg = '20000', perTurnArg = '30', roundsArg = '21', ...rootArgs] = process.argv.slice(2);
const [turns, perTurn, rounds] = [Number(turnsArg), Number(perTurnArg), Number(roundsArg)];
const checkouts = await Promise.all((rootArgs.length === 0 ? ['.'] : rootArgs).map(async (arg) => {
  const root = resolve(arg);
  const { StreamBatch } = await import(join(root, 'src/io/stream-batch.ts'));
  const { Backlog } = await import(join(root, 'src/store/backlog.ts'));
  return { root, StreamBatch, Backlog, ns: [] as number[] };
}));
const keys = Array.from({ length: 4096 }, (_, i) => `key:${String((i * 7919) % 100000).padStart(12, '0')}`);

let held: Buffer[] = [];
/** CPU ns per write of one run of a checkout's batch and backlog. */
function run(c: (typeof checkouts)[number]): number {
  const batch = new c.StreamBatch();
  const backlog = new c.Backlog(1024 * 1024, 1);
  let k = 0;
  const start = process.cpuUsage();
  for (let t = 0; t < turns; t++) {
    for (let j = 0; j < perTurn; j++) {
      batch.command(['SET', keys[k++ & 4095]!, 'xxx']);
      backlog.feed(batch.last, batch.lastStart, batch.lastEnd);
    }
    held = batch.take();
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / (turns * perTurn);
}

const loads: number[] = [];
for (let r = 0; r <= rounds; r++) {
  const order = r % 2 === 0 ? checkouts : [...checkouts].reverse();
  for (const c of order) {
    const ns = run(c);
    if (r > 0) c.ns.push(ns); // round 0 warms the JIT
  }
  loads.push(loadavg()[0]!);
}
console.log(`${turns} turns of ${perTurn} SETs, ${rounds} rounds, load average ${loadRange(loads)}; CPU ns per write:`);
for (const c of checkouts) console.log(`  ${c.root}: median ${percentile(c.ns, 50).toFixed(1)}, min ${Math.min(...c.ns).toFixed(1)}`);
void held;
