// What an idle client costs, redstate beside redis-server 7.0 (and beside another redstate
// build when given one): N connections each send one PING, read its PONG, then stay idle
// past both servers' 2 s idle threshold (clientsCron's buffer resizing) and one more cron
// round; then MEMORY PURGE. Printed per client: the growth of used_memory and of the
// resident set over the server with only the control connection, and what the server
// itself accounts for them (MEMORY STATS clients.normal, CLIENT LIST tot-mem of one idle
// client). Then the client sends one 1 MB SET and goes idle again: its tot-mem must fall
// back. Memory figures hardly depend on the host's load; the load average is printed anyway.
// V8 gives back the young generation the connection burst grew (16 MB) only once its memory
// reducer has seen the server idle for a while: idle-seconds 20 measures that steady state.
// This process holds the N sockets: `ulimit -n` must exceed the largest N.
//   node --import ./bench/register.js bench/client-memory.ts [counts=1000,10000] [rounds=1] [idle-seconds=5] [other/dist/cli.js]
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseInfo, type RespClient } from './resp.js';
import { buildSpec, cleanUpEverything, makeTempDir, removeTempDir, startServer, type ServerSpec } from './servers.js';
import { loadRange, percentile } from './stats.js';

const [countsArg = '1000,10000', roundsArg = '1', idleArg = '5', other] = process.argv.slice(2);
const counts = countsArg.split(',').map(Number);

const servers: Array<{ label: string; spec: ServerSpec }> = [
  { label: 'redstate', spec: buildSpec('dist') },
  ...(other ? [{ label: `redstate ${other}`, spec: buildSpec(dirname(other)) }] : []),
  { label: 'redis', spec: { name: 'redis', command: ['redis-server'] } },
];

/** Connections opened at once: within both servers' listen backlog (511). */
const WAVE = 250;
/** At least past Redis's idle threshold (idle seconds > 2, counted in whole seconds) and one more pass of both client crons. */
const IDLE_WAIT_MS = Math.max(5, Number(idleArg)) * 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A process's resident set in bytes. */
function rss(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
}

/** One connection that has sent PING and read its PONG. */
function idleClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.once('error', reject);
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', () => resolve(sock));
  });
}

interface Figures {
  /** Per client, bytes: used_memory and RSS growth, clients.normal growth, one idle client's tot-mem. */
  used: number;
  rss: number;
  accounted: number;
  totMem: number;
  /** One client's tot-mem after a 1 MB SET, once idle again. */
  totMemAfterBig: number;
}

/** used_memory, RSS and clients.normal after MEMORY PURGE. */
async function settled(c: RespClient, pid: number): Promise<[number, number, number]> {
  await c.call('MEMORY', 'PURGE');
  await sleep(300);
  const used = Number(parseInfo(await c.call('INFO', 'memory')).used_memory);
  const stats = (await c.call('MEMORY', 'STATS')) as Array<string | number>;
  return [used, rss(pid), Number(stats[stats.indexOf('clients.normal') + 1])];
}

/** tot-mem of the connection whose CLIENT LIST line has this local port as its addr. */
async function totMemOf(c: RespClient, sock: Socket): Promise<number> {
  const list = String(await c.call('CLIENT', 'LIST'));
  const line = list.split('\n').find((l) => l.includes(`addr=127.0.0.1:${sock.localPort} `))!;
  return Number(/tot-mem=(\d+)/.exec(line)![1]);
}

async function measure(spec: ServerSpec, n: number): Promise<Figures> {
  const dir = makeTempDir();
  const server = await startServer(spec, { dir, args: ['--maxclients', String(n + 100)] });
  const c = await server.client();
  const socks: Socket[] = [];
  try {
    await sleep(500);
    const before = await settled(c, server.pid);
    for (let i = 0; i < n; i += WAVE) socks.push(...(await Promise.all(Array.from({ length: Math.min(WAVE, n - i) }, () => idleClient(server.port)))));
    await sleep(IDLE_WAIT_MS);
    const after = await settled(c, server.pid);
    const totMem = await totMemOf(c, socks[0]!);
    const big = socks[0]!;
    const value = 'v'.repeat(1024 * 1024);
    await new Promise<void>((resolve) => {
      big.once('data', () => resolve());
      big.write(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${value.length}\r\n${value}\r\n`);
    });
    await sleep(5000);
    const totMemAfterBig = await totMemOf(c, big);
    return {
      used: (after[0] - before[0]) / n,
      rss: (after[1] - before[1]) / n,
      accounted: (after[2] - before[2]) / n,
      totMem,
      totMemAfterBig,
    };
  } finally {
    for (const s of socks) s.destroy();
    c.close();
    await server.stop();
    removeTempDir(dir);
  }
}

const rounds = Number(roundsArg);
const loads: number[] = [loadavg()[0]!];
const results = counts.map(() => servers.map(() => [] as Figures[]));
for (let round = 0; round < rounds; round++) {
  for (const [k, n] of counts.entries()) {
    const order = servers.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) results[k]![i]!.push(await measure(servers[i]!.spec, n));
    loads.push(loadavg()[0]!);
  }
}

const med = (runs: Figures[], f: keyof Figures): number => percentile(runs.map((r) => r[f]), 50);
const kb = (b: number): string => (b / 1024).toFixed(2);
const redisIndex = servers.length - 1;
console.log(`idle clients (idle ${IDLE_WAIT_MS / 1000} s), ${rounds} round(s), load average ${loadRange(loads)}; ` +
  'medians in kB per client (ratio to redis): used_memory growth, RSS growth, clients.normal growth, tot-mem of one idle client, its tot-mem idle after a 1 MB SET');
for (const [k, n] of counts.entries()) {
  for (const [i, { label }] of servers.entries()) {
    const runs = results[k]![i]!;
    const redis = results[k]![redisIndex]!;
    const cell = (f: keyof Figures): string => `${kb(med(runs, f))}${i === redisIndex ? '' : ` (${(med(runs, f) / med(redis, f)).toFixed(2)}x)`}`;
    console.log(`${String(n).padStart(6)} ${label.padEnd(12)} used ${cell('used')}  rss ${cell('rss')}  clients.normal ${cell('accounted')}  ` +
      `tot-mem ${cell('totMem')}  after 1 MB ${cell('totMemAfterBig')}`);
  }
}
cleanUpEverything();
