// Garbage per command, the young-generation scavenges behind the latency tail: a redstate
// in this process under redis-benchmark (50 clients, no pipelining), with V8's sampling heap
// profiler counting every allocation, collected ones included. Prints the sampled bytes per
// request and the allocation sites. `root` is a checkout whose src/ to run (another build
// to compare with).
//   node --import ./bench/register.js bench/alloc-per-command.ts [test] [requests] [root]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadCheckout } from './checkout.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const [test = 'set', requestsArg = '100000', rootArg = '.'] = process.argv.slice(2);
const requests = Number(requestsArg);
const { startServer } = await loadCheckout(rootArg);

const dir = mkdtempSync(join(tmpdir(), 'redstate-alloc-'));
// On exit, whatever happened: the server's close may still be pending when the loop runs dry.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const server = await startServer(dir);

const benchmark = async (n: number): Promise<string> =>
  (await promisify(execFile)('redis-benchmark', ['-p', String(server.port), '-c', '50', '-n', String(n), '-r', '100000',
    '-t', test, '--csv'])).stdout;

try {
  await benchmark(Math.max(1, requests / 5)); // a warm JIT and a grown keyspace first
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
  });
  const csv = await benchmark(requests);
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  session.disconnect();

  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode, caller: string): void => {
    const f = node.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const key = `${site}  < ${caller}`;
      bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, site);
  };
  walk(profile.head, '');
  console.log(csv.trim().split('\n').pop());
  console.log(`${test}: ~${(total / requests).toFixed(0)} bytes allocated per request (sampled every 512 bytes)`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`${(bytes / requests).toFixed(0).padStart(6)}  ${site}`);
  }
} finally {
  await server.close();
}
