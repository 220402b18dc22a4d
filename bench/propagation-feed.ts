// What feeding replicas costs the master, without the noise of a shared machine: a redstate
// in this process runs SETs of a pseudo-client in turns of `batch` commands (a turn as 50
// pipelining clients make them), the event loop turning between them, with 0, 1 and 3
// replicas online: each a child process that takes +CONTINUE and reads the stream into the
// void, so that only the master's work is in this process's CPU time (process.cpuUsage,
// user + system: socket writes included). Prints CPU µs per write and the extra per replica.
// `root` is a checkout whose src/ to run (another build to compare with); rounds alternate
// the replica counts.
//   node --import ./bench/register.js bench/propagation-feed.ts [writes] [batch] [rounds] [root]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckout } from './checkout.js';
import { loadRange, percentile } from './stats.js';

const [writesArg = '200000', batchArg = '800', roundsArg = '5', rootArg = '.'] = process.argv.slice(2);
const writes = Number(writesArg);
const batch = Number(batchArg);
const { root, Client, startServer } = await loadCheckout(rootArg);

const dir = mkdtempSync(join(tmpdir(), 'redstate-feed-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const server = await startServer(dir);
server.replication.createBacklogIfNeeded();

// A replica that asks for the stream from the master's next byte and discards it.
const READER = `
const s = require('net').connect(+process.argv[1], '127.0.0.1', () =>
  s.write('*3\\r\\n$5\\r\\nPSYNC\\r\\n$40\\r\\n' + process.argv[2] + '\\r\\n$' + process.argv[3].length + '\\r\\n' + process.argv[3] + '\\r\\n'));
s.on('data', () => {});
s.on('error', () => process.exit(0));`;

const replicasOnline = () => [...server.replication.replicas].filter((r) => r.state === 'online').length;

async function attachReplica(): Promise<void> {
  const want = replicasOnline() + 1;
  const repl = server.replication;
  children.push(spawn(process.execPath, ['-e', READER, String(server.port), repl.replid, String(repl.masterReplOffset + 1)], { stdio: 'ignore' }));
  while (replicasOnline() < want) await new Promise((r) => setTimeout(r, 5));
}

const client = new Client(server, null);
const turn = () => new Promise<void>((r) => setImmediate(r));
let seq = 0;

/** CPU µs per write over `writes` SETs in turns of `batch`. */
async function load(): Promise<number> {
  const start = process.cpuUsage();
  for (let done = 0; done < writes; done += batch) {
    for (let i = 0; i < batch; i++) client.run(['SET', `key:${String(seq++ % 100000).padStart(12, '0')}`, 'xxx']);
    await turn();
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / writes;
}

const counts = [0, 1, 3];
const results = new Map<number, number[]>(counts.map((n) => [n, []]));
await load(); // a warm JIT and a grown keyspace first
const loads: number[] = [];
for (let round = 0; round < Number(roundsArg); round++) {
  for (const n of counts) {
    while (replicasOnline() < n) await attachReplica();
    // fewer replicas: the last ones go
    while (replicasOnline() > n) {
      const r = [...server.replication.replicas].pop()!;
      r.close();
      await turn();
    }
    results.get(n)!.push(await load());
  }
  loads.push(loadavg()[0]!);
}
const med = (n: number) => percentile(results.get(n)!, 50);
console.log(`${root}: ${writes} SETs in turns of ${batch}, ${roundsArg} rounds, load average ` +
  `${loadRange(loads)}; CPU µs per write (median): ` +
  counts.map((n) => `${n} replicas ${med(n).toFixed(2)}`).join(', ') +
  `; per replica: 1st ${(med(1) - med(0)).toFixed(2)}, next two ${((med(3) - med(1)) / 2).toFixed(2)}`);
await server.close();
process.exit(0);
