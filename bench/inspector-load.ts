// The inspector must not slow the server: redis-benchmark's SET/GET throughput on a redstate
// master with --inspect-port and a replica (live actors ticking), without pages and then with
// 1,000 idle pages plus one that never reads, alternating rounds. Printed, never asserted.
//   npm run build && node --import ./bench/register.js bench/inspector-load.ts [rounds]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const ROOT = join(import.meta.dirname, '..');
const ROUNDS = Number(process.argv[2] ?? 3);
const PAGES = 1000;

const freePort = (): Promise<number> => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const a = s.address();
    s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
  });
});

async function up(port: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ port, host: '127.0.0.1' }, () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** redis-benchmark's req/s for SET and GET. */
function benchmark(port: number): { set: number; get: number } {
  const csv = execFileSync('redis-benchmark', ['-p', String(port), '-c', '50', '-n', '100000', '-r', '100000', '-t', 'set,get', '--csv'], { encoding: 'utf8' });
  const rps = (name: string): number => Number(new RegExp(`^"${name}","([\\d.]+)"`, 'm').exec(csv)?.[1]);
  return { set: rps('SET'), get: rps('GET') };
}

async function openPages(port: number): Promise<{ pages: WebSocket[]; stuck: Socket }> {
  const pages: WebSocket[] = [];
  for (let i = 0; i < PAGES; i += 100) {
    await Promise.all(Array.from({ length: 100 }, () => new Promise<void>((r) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      pages.push(ws);
      ws.once('open', () => r());
      ws.once('error', () => r());
    })));
  }
  const stuck = await new Promise<Socket>((r) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      s.once('data', () => (s.pause(), r(s)));
    });
  });
  return { pages, stuck };
}

const dir = mkdtempSync(join(tmpdir(), 'redstate-inspector-load-'));
const procs: ChildProcess[] = [];
try {
  const port = await freePort();
  const inspect = await freePort();
  procs.push(spawn(process.execPath, [join(ROOT, 'dist/cli.js'), '--port', String(port), '--dir', dir, '--save', '',
    '--loglevel', 'warning', '--inspect-port', String(inspect), '--repl-diskless-sync-delay', '0'], { stdio: 'ignore' }));
  await up(port);
  const replicaPort = await freePort();
  procs.push(spawn('redis-server', ['--port', String(replicaPort), '--dir', dir, '--save', '', '--replicaof', '127.0.0.1', String(port),
    '--dbfilename', 'replica.rdb'], { stdio: 'ignore' }));
  await up(replicaPort);
  const rows: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const base = benchmark(port);
    const { pages, stuck } = await openPages(inspect);
    const loaded = benchmark(port);
    rows.push(`round ${round}: no pages SET ${base.set} GET ${base.get} req/s | ${PAGES} idle pages + 1 never reading: SET ${loaded.set} GET ${loaded.get} req/s`);
    for (const p of pages) p.terminate();
    stuck.destroy();
    await new Promise((r) => setTimeout(r, 500));
  }
  process.stdout.write(`${rows.join('\n')}\n`);
} finally {
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
