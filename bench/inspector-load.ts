// The inspector must not slow the server: redis-benchmark's SET/GET throughput on a redstate
// master with --inspect-port and a replica (live actors ticking), without pages and with
// 1,000 idle pages plus one that never reads; each round measures both, which first
// alternating, with the server's CPU time per request (less shaken by a busy host than req/s).
// Then the server's CPU over an idle window, without and with the pages.
// Printed with medians and the load average, never asserted.
//   npm run build && node --import ./bench/register.js bench/inspector-load.ts [rounds]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { processCpuMs } from './proc.js';
import { spread } from './stats.js';

const ROOT = join(import.meta.dirname, '..');
const ROUNDS = Number(process.argv[2] ?? 3);
const PAGES = 1000;
/** Requests of each of SET and GET a benchmark makes. */
const REQUESTS = 100_000;
/** The idle window over which the server's CPU is read. */
const IDLE_MS = 10_000;

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

interface Figures {
  set: number;
  get: number;
  /** The server's CPU time (user + system) per request, in µs. */
  cpuUs: number;
}

/** redis-benchmark's req/s for SET and GET, and the server's (pid) CPU per request meanwhile. */
function benchmark(port: number, pid: number): Figures {
  const before = processCpuMs(pid);
  const csv = execFileSync('redis-benchmark', ['-p', String(port), '-c', '50', '-n', String(REQUESTS), '-r', '100000', '-t', 'set,get', '--csv'], { encoding: 'utf8' });
  const rps = (name: string): number => Number(new RegExp(`^"${name}","([\\d.]+)"`, 'm').exec(csv)?.[1]);
  return { set: rps('SET'), get: rps('GET'), cpuUs: ((processCpuMs(pid) - before) * 1000) / (2 * REQUESTS) };
}

/** The pages, once each has its first batch (the join): what is measured is idle pages, not their joining. */
async function openPages(port: number): Promise<{ pages: WebSocket[]; stuck: Socket }> {
  const pages: WebSocket[] = [];
  const joined: Promise<void>[] = [];
  for (let i = 0; i < PAGES; i += 100) {
    await Promise.all(Array.from({ length: 100 }, () => new Promise<void>((r) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      pages.push(ws);
      joined.push(new Promise((j) => ws.once('message', () => j())));
      ws.once('open', () => r());
      ws.once('error', () => r());
    })));
  }
  await Promise.all(joined);
  const stuck = await new Promise<Socket>((r) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      s.once('data', () => (s.pause(), r(s)));
    });
  });
  return { pages, stuck };
}

function closePages({ pages, stuck }: { pages: WebSocket[]; stuck: Socket }): Promise<unknown> {
  for (const p of pages) p.terminate();
  stuck.destroy();
  return new Promise((r) => setTimeout(r, 500));
}

/** The server's CPU per second of an idle window (no client, the replica's ACKs and the crons ticking). */
async function idleCpu(pid: number): Promise<number> {
  const before = processCpuMs(pid);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  return ((processCpuMs(pid) - before) * 1000) / IDLE_MS;
}

const median = (xs: number[]): string => `${(spread(xs).median / 1000).toFixed(1)}k`;

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
  const load = [loadavg()[0]!];
  const rows: string[] = [];
  const server = procs[0]!.pid!;
  const base: Figures[] = [];
  const loaded: Figures[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    if (round % 2 === 1) base.push(benchmark(port, server));
    const pages = await openPages(inspect);
    loaded.push(benchmark(port, server));
    await closePages(pages);
    if (round % 2 === 0) base.push(benchmark(port, server));
    const [b, l] = [base.at(-1)!, loaded.at(-1)!];
    rows.push(`round ${round} (${round % 2 === 1 ? 'no pages first' : 'pages first'}): no pages SET ${b.set} GET ${b.get} req/s, ${b.cpuUs.toFixed(2)} µs CPU/req | ${PAGES} idle pages + 1 never reading: SET ${l.set} GET ${l.get} req/s, ${l.cpuUs.toFixed(2)} µs CPU/req`);
    load.push(loadavg()[0]!);
  }
  rows.push(`median req/s: no pages SET ${median(base.map((r) => r.set))} GET ${median(base.map((r) => r.get))} | with pages SET ${median(loaded.map((r) => r.set))} GET ${median(loaded.map((r) => r.get))}`);
  rows.push(`median server CPU per request: no pages ${spread(base.map((r) => r.cpuUs)).median.toFixed(2)} µs | with pages ${spread(loaded.map((r) => r.cpuUs)).median.toFixed(2)} µs`);
  rows.push(`GET lower with pages in ${base.filter((b, i) => loaded[i]!.get < b.get).length} of ${ROUNDS} rounds, SET in ${base.filter((b, i) => loaded[i]!.set < b.set).length}`);
  const quiet = await idleCpu(server);
  const pages = await openPages(inspect);
  const watched = await idleCpu(server);
  await closePages(pages);
  load.push(loadavg()[0]!);
  rows.push(`server CPU over ${IDLE_MS / 1000} s idle: ${quiet.toFixed(1)} ms/s without pages, ${watched.toFixed(1)} ms/s with ${PAGES} + 1`);
  rows.push(`load average (1 min) during the run: ${Math.min(...load).toFixed(2)}–${Math.max(...load).toFixed(2)}`);
  process.stdout.write(`${rows.join('\n')}\n`);
} finally {
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
