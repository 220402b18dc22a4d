// How soon the tail of a short burst of writes reaches a replica: three SETs, each sent when
// the last one's reply came (so each runs in a turn of its own, within 0.2 ms of the one
// before: the stream's pacing holds them), then quiet; the ms from the last reply until the
// replica answers GET with its value (polled back to back). 200 bursts 5 ms apart per round,
// on a fresh master and replica of the same server; rounds alternate the servers.
//   node --import ./bench/register.js bench/burst-tail.ts [rounds] [redis | path/to/cli.js ...]
import { RespClient } from './resp.js';
import { cleanUpEverything, makeTempDir, serverSpecs, startServer, type ServerSpec } from './servers.js';
import { now, percentile } from './stats.js';

const [roundsArg = '5', ...names] = process.argv.slice(2);
const specs: Array<[string, ServerSpec]> = (names.length > 0 ? names : ['dist/cli.js', 'redis']).map((n) =>
  [n, n === 'redis' ? serverSpecs().redis : { name: 'redstate', command: ['node', n] }]);
const BURSTS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One round: the ms each burst's last write took to be readable on the replica. */
async function round(spec: ServerSpec): Promise<number[]> {
  const master = await startServer(spec, { dir: makeTempDir() });
  const replica = await startServer(spec, { dir: makeTempDir() });
  const writers = await Promise.all([0, 1, 2].map(() => RespClient.connect(master.port)));
  const reader = await replica.client();
  try {
    await reader.call('REPLICAOF', '127.0.0.1', String(master.port));
    while (!String(await reader.call('INFO', 'replication')).includes('master_link_status:up')) await sleep(20);
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

const results = new Map<string, number[]>(specs.map(([n]) => [n, []]));
for (let r = 0; r < Number(roundsArg); r++) {
  for (const [name, spec] of r % 2 === 0 ? specs : [...specs].reverse()) results.get(name)!.push(...await round(spec));
}
for (const [name, ms] of results) {
  console.log(`${name}: ms until the replica has a burst's last write: p50 ${percentile(ms, 50).toFixed(3)}, p90 ${percentile(ms, 90).toFixed(3)}, p99 ${percentile(ms, 99).toFixed(3)}, max ${percentile(ms, 100).toFixed(3)}`);
}
cleanUpEverything();
