// What a client waits for during one BGSAVE of redstate, next to what V8's collector did
// meanwhile: the stalls measure's load (DEBUG POPULATE, 3000 SETs/s, a PING every ms from
// a worker) on one server started with --trace-gc, printing the slow pings and the
// collections of the save on one time line (ms since BGSAVE was sent). --smaps also reads
// the server's /proc/<pid>/smaps_rollup every 50 ms, as the bench once did.
//   node --import ./bench/register.js bench/stall-probe.ts [keys] [--smaps] [-- node flags...]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPinger, startWriteLoad } from './measures/snapshot-stalls.js';
import { bgsaveDone, RespClient } from './resp.js';
import { makeTempDir, projectRoot, spawnTracked } from './servers.js';
import { percentile } from './stats.js';

const SLOW_MS = 2.5;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dash = process.argv.indexOf('--');
const args = process.argv.slice(2, dash < 0 ? undefined : dash);
const nodeFlags = dash < 0 ? [] : process.argv.slice(dash + 1);
const keys = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const port = 20000 + Math.floor(Math.random() * 20000);

const spawnedAt = now();
const server = spawnTracked(['node', '--trace-gc', ...nodeFlags, join(projectRoot, 'dist/cli.js'), '--port', String(port),
  '--dir', makeTempDir(), '--save', '', '--enable-debug-command', 'yes', '--loglevel', 'warning']);
/** --trace-gc lines: "[pid:isolate]  1234 ms: Scavenge ..., 1.23 / 0.00 ms ...", ms since start-up. */
const collections: Array<{ at: number; line: string }> = [];
let pending = '';
server.stdout!.on('data', (chunk: Buffer) => {
  const lines = (pending + chunk.toString()).split('\n');
  pending = lines.pop()!;
  for (const line of lines) {
    const m = /\]\s+(\d+) ms: (.*?)\s+\(average/.exec(line);
    if (m) collections.push({ at: spawnedAt + Number(m[1]), line: m[2]! });
  }
});

const client = await RespClient.connectWhenUp(port);
const writer = await RespClient.connect(port);
await client.call('DEBUG', 'POPULATE', String(keys), 'key', '100');
const pinger = await startPinger(port, 1);
const load = startWriteLoad(writer, keys, 100, 3000);
const smaps = args.includes('--smaps')
  ? setInterval(() => readFileSync(`/proc/${server.pid}/smaps_rollup`), 50)
  : undefined;
await sleep(200);

const sentAt = now();
await client.call('BGSAVE');
await bgsaveDone(client, 10);
const doneAt = now();
const pings = await pinger.stop();
load.stop();
clearInterval(smaps);

const during: number[] = [];
const slow: string[] = [];
pings.sentAt.forEach((t, i) => {
  if (t < sentAt || t > doneAt) return;
  during.push(pings.latencies[i]!);
  if (pings.latencies[i]! > SLOW_MS) slow.push(`${(t - sentAt).toFixed(0)}:${pings.latencies[i]!.toFixed(1)}`);
});
const ms = (p: number) => percentile(during, p).toFixed(2);
console.log(`BGSAVE of ${keys} keys took ${(doneAt - sentAt).toFixed(0)} ms${smaps ? ', smaps_rollup read every 50 ms' : ''}`);
console.log(`${during.length} pings: p50 ${ms(50)} p90 ${ms(90)} p99 ${ms(99)} max ${ms(100)} ms`);
console.log(`pings over ${SLOW_MS} ms (ms since BGSAVE:latency): ${slow.join(' ') || 'none'}`);
console.log('collections during the save (ms since BGSAVE, give or take the start-up of node):');
for (const c of collections) if (c.at >= sentAt - 50 && c.at <= doneAt) console.log(`  ${(c.at - sentAt).toFixed(0)}: ${c.line}`);
client.close();
writer.close();
process.exit(0);
