// How soon the tail of a short burst of writes reaches a replica: three SETs, each sent when
// the last one's reply came (so each runs in a turn of its own, within 0.2 ms of the one
// before: the stream's pacing holds them), then quiet; the ms from the last reply until the
// replica answers GET with its value (polled back to back). 200 bursts 5 ms apart per round,
// on a fresh master and replica of the same server; rounds alternate the servers. A cli.js
// runs as the bin does, with its #! line's node options.
//   node --import ./bench/register.js bench/burst-tail.ts [rounds] [redis | path/to/cli.js ...]
import { setTimeout as sleep } from 'node:timers/promises';
import { waitSynced } from './measures/replicas.js';
import { RespClient } from './resp.js';
import { cleanUpEverything, makeTempDir, serverSpecs, startServer, type ServerSpec } from './servers.js';
import { alternatingRounds, loadRange, now, percentile } from './stats.js';

const [roundsArg = '5', ...args] = process.argv.slice(2);
const names = args.length > 0 ? args : ['dist/cli.js', 'redis'];
const specs: ServerSpec[] = names.map((n) => (n === 'redis' ? serverSpecs().redis : { name: 'redstate', command: [n] }));
const BURSTS = 200;
const signal = new AbortController().signal;

/** One round: the ms each burst's last write took to be readable on the replica. */
async function round(spec: ServerSpec): Promise<number[]> {
  const master = await startServer(spec, { dir: makeTempDir() });
  const replica = await startServer(spec, { dir: makeTempDir() });
  const writers = await Promise.all([0, 1, 2].map(() => RespClient.connect(master.port)));
  const reader = await replica.client();
  try {
    await reader.call('REPLICAOF', '127.0.0.1', String(master.port));
    await waitSynced(reader, 0, signal);
    const ms: number[] = [];
    for (let k = 0; k < BURSTS; k++) {
      for (const [i, w] of writers.entries()) await w.call('SET', `burst:${i}`, String(k));
      const wrote = now();
      while ((await reader.call('GET', 'burst:2')) !== String(k));
      ms.push(now() - wrote);
      await sleep(5);
    }
    return ms;
  } finally {
    for (const w of writers) w.close();
    reader.close();
    await replica.stop();
    await master.stop();
  }
}

const { runs, loads } = await alternatingRounds(Number(roundsArg), specs.length, (i) => round(specs[i]!));
console.log(`${roundsArg} rounds, load average ${loadRange(loads)}; ms until the replica has a burst's last write:`);
for (const [i, name] of names.entries()) {
  const ms = runs[i]!.flat();
  console.log(`${name}: p50 ${percentile(ms, 50).toFixed(3)}, p90 ${percentile(ms, 90).toFixed(3)}, p99 ${percentile(ms, 99).toFixed(3)}, max ${percentile(ms, 100).toFixed(3)}`);
}
cleanUpEverything();
