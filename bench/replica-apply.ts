// What applying its master's stream costs a replica, without the noise of a shared machine:
// a redstate in this process is the replica of a scripted master (a child process) that
// answers PSYNC with an empty payload, then per round a FLUSHALL and `writes` SETs of
// redis-benchmark's keys (-r 100000, 3-byte values) in chunks of `batch` commands, one chunk
// per event-loop turn as a master writes them, as the lag and propagation measures' loads
// reach a replica. Prints the CPU µs per applied write of this process
// (process.cpuUsage, user + system) and its collections (count and pause per 1000 writes),
// median over rounds. `root` is a checkout whose src/ to run (another build to compare
// with). With --alloc, one more round under V8's sampling heap profiler (collected objects
// included): bytes allocated per applied write, and their sites.
//   node --import ./bench/register.js bench/replica-apply.ts [writes] [batch] [rounds] [root] [--alloc]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { allocationSites, printSites } from './alloc-sites.js';
import { loadCheckout } from './checkout.js';
import { loadRange, percentile } from './stats.js';

const args = process.argv.slice(2);
const alloc = args.includes('--alloc');
const [writesArg = '20000', batchArg = '50', roundsArg = '5', rootArg = '.'] = args.filter((a) => a !== '--alloc');
const writes = Number(writesArg);
const { root, Client, startServer } = await loadCheckout(rootArg);
const { Keyspace } = await import(join(root, 'src/store/keyspace.ts'));
const { RdbSnapshot, writeSnapshotSync } = await import(join(root, 'src/store/snapshot.ts'));

const rdbParts: Buffer[] = [];
writeSnapshotSync(RdbSnapshot.now(new Keyspace(16), { compression: false, aux: [] }), (b: Buffer) => void rdbParts.push(Buffer.from(b)));
const rdb = Buffer.concat(rdbParts).toString('hex');

// The master: the handshake's replies, an empty payload, then a round of SETs per line on stdin.
const MASTER = `
const net = require('net');
const [writes, batch, rdbHex] = [+process.argv[1], +process.argv[2], process.argv[3]];
const rdb = Buffer.from(rdbHex, 'hex');
const cmd = () => { const k = 'key:' + String(Math.floor(Math.random() * 100000)).padStart(12, '0'); return '*3\\r\\n$3\\r\\nSET\\r\\n$' + k.length + '\\r\\n' + k + '\\r\\n$3\\r\\nxxx\\r\\n'; };
let sock = null;
const srv = net.createServer({ noDelay: true }, (s) => {
  sock = s;
  s.on('error', () => {});
  let buf = '';
  let synced = false;
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (let i; (i = buf.indexOf('\\r\\n')) >= 0; ) {
      const line = buf.slice(0, i); buf = buf.slice(i + 2);
      // After the payload every line is the replica's REPLCONF ACK, which gets no reply.
      if (synced) continue;
      if (/PSYNC/i.test(line)) {
        synced = true;
        s.write(Buffer.concat([Buffer.from('+FULLRESYNC ' + 'a'.repeat(40) + ' 0\\r\\n$' + rdb.length + '\\r\\n'), rdb]));
      } else if (/^\\*|^\\$/.test(line)) continue;
      else if (/PING|REPLCONF|AUTH/i.test(line) && !/ACK/i.test(line)) s.write(/PING/i.test(line) ? '+PONG\\r\\n' : '+OK\\r\\n');
    }
  });
});
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
process.stdin.on('data', () => {
  let sent = 0;
  const turn = () => {
    let chunk = sent === 0 ? '*1\\r\\n$8\\r\\nFLUSHALL\\r\\n' : '';
    for (let i = 0; i < batch && sent < writes; i++, sent++) chunk += cmd();
    sock.write(Buffer.from(chunk, 'latin1'));
    if (sent < writes) setImmediate(turn);
  };
  turn();
});`;

const dir = mkdtempSync(join(tmpdir(), 'redstate-apply-'));
const master = spawn(process.execPath, ['-e', MASTER, String(writes), batchArg, rdb], { stdio: ['pipe', 'pipe', 'inherit'] });
process.on('exit', () => {
  master.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const port = await new Promise<number>((r) => master.stdout!.once('data', (d: Buffer) => r(Number(d.toString().trim()))));

const server = await startServer(dir);
new Client(server, null).run(['REPLICAOF', '127.0.0.1', String(port)]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
while (!server.replicaLink?.linkUp) await sleep(5);

// Collections of this process: count and total pause (ms).
const gc = { count: 0, ms: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.ms += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

/** CPU µs per write, and collections and their pause per 1000 writes, while a round of `writes` SETs is applied. */
async function round(): Promise<{ cpu: number; gcs: number; gcMs: number }> {
  // FLUSHALL, then SETs of 45 bytes each
  const target = server.replication.masterReplOffset + 18 + writes * 45;
  const [count, ms] = [gc.count, gc.ms];
  const start = process.cpuUsage();
  master.stdin!.write('\n');
  while (server.replication.masterReplOffset < target) await sleep(1);
  const used = process.cpuUsage(start);
  return { cpu: (used.user + used.system) / writes, gcs: ((gc.count - count) * 1000) / writes, gcMs: ((gc.ms - ms) * 1000) / writes };
}

await round(); // a warm JIT first
const results: Array<{ cpu: number; gcs: number; gcMs: number }> = [];
const loads: number[] = [];
for (let i = 0; i < Number(roundsArg); i++) {
  results.push(await round());
  loads.push(loadavg()[0]!);
}
const spread = (key: 'cpu' | 'gcs' | 'gcMs', digits: number) => {
  const list = results.map((r) => r[key]);
  return `${percentile(list, 50).toFixed(digits)} (${Math.min(...list).toFixed(digits)}-${Math.max(...list).toFixed(digits)})`;
};
console.log(`${root}: ${writes} SETs in chunks of ${batchArg}, ${roundsArg} rounds, load average ` +
  `${loadRange(loads)}; replica CPU µs per write: median ${spread('cpu', 2)}; ` +
  `per 1000 writes: ${spread('gcs', 2)} collections, ${spread('gcMs', 3)} ms of pause`);

if (alloc) {
  const { total, sites } = await allocationSites(round);
  console.log(`~${(total / writes).toFixed(0)} bytes allocated per applied write (sampled every 512 bytes)`);
  printSites(sites, writes);
}
await server.close();
process.exit(0);
