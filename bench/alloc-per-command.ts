// Garbage per command, the young-generation scavenges behind the latency tail: a redstate
// in this process under redis-benchmark (50 clients, no pipelining unless PIPELINE=<n>), with
// V8's sampling heap profiler counting every allocation, collected ones included. Prints the
// sampled bytes per request and the allocation sites. `root` is a checkout whose src/ to run
// (another build to compare with).
//   [PIPELINE=16] node --import ./bench/register.js bench/alloc-per-command.ts [test] [requests] [root]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { allocationSites, printSites } from './alloc-sites.js';
import { loadCheckout } from './checkout.js';

const [test = 'set', requestsArg = '100000', rootArg = '.'] = process.argv.slice(2);
const requests = Number(requestsArg);
const pipeline = process.env.PIPELINE ?? '1';
const { startServer } = await loadCheckout(rootArg);

const dir = mkdtempSync(join(tmpdir(), 'redstate-alloc-'));
// On exit, whatever happened: the server's close may still be pending when the loop runs dry.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const server = await startServer(dir);

const benchmark = async (n: number): Promise<string> =>
  (await promisify(execFile)('redis-benchmark', ['-p', String(server.port), '-c', '50', '-n', String(n), '-r', '100000',
    '-P', pipeline, '-t', test, '--csv'])).stdout;

try {
  await benchmark(Math.max(1, requests / 5)); // a warm JIT and a grown keyspace first
  const { result: csv, total, sites } = await allocationSites(() => benchmark(requests));
  console.log(csv.trim().split('\n').pop());
  console.log(`${test}: ~${(total / requests).toFixed(0)} bytes allocated per request (sampled every 512 bytes)`);
  printSites(sites, requests);
} finally {
  await server.close();
}
