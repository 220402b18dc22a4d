// npm run demo: a redstate master and two redstate replicas (processes on free ports, each
// with its inspector), a light write load, and every few seconds one replica's link cut
// (CLIENT KILL TYPE master), so that the page shows connect -> handshake -> connected and
// a partial resync happen. Ctrl-C stops everything and removes what it made.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const CUT_EVERY_MS = Number(process.env.DEMO_CUT_MS ?? 6000);
const WRITES_PER_SECOND = 200;

interface Node {
  name: string;
  port: number;
  inspect: number;
  proc: ChildProcess;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

/** One RESP command, as redis-cli would send it. */
function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** A connection that writes commands and throws the replies away (the demo only needs traffic). */
function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
    s.on('data', () => {});
  });
}

async function waitForPort(port: number, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`redstate on port ${port} exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redstate did not listen on port ${port}`);
}

const dir = mkdtempSync(join(tmpdir(), 'redstate-demo-'));
const nodes: Node[] = [];
const timers: NodeJS.Timeout[] = [];
const sockets: Socket[] = [];
let stopping = false;

async function start(name: string, extra: string[]): Promise<Node> {
  const port = await freePort();
  const inspect = await freePort();
  const home = join(dir, name);
  mkdirSync(home);
  const proc = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), '--port', String(port), '--dir', home, '--save', '',
    '--inspect-port', String(inspect), '--logfile', join(home, 'redstate.log'), ...extra], { stdio: 'ignore' });
  const node = { name, port, inspect, proc };
  nodes.push(node);
  proc.once('exit', (code, signal) => {
    if (!stopping) {
      process.stdout.write(`${name} exited (${signal ?? code}); stopping the demo\n`);
      void stop(1);
    }
  });
  await waitForPort(port, proc);
  return node;
}

/** Stops the servers (SIGTERM, then SIGKILL for any still up after 3 s) and removes the temp dir. */
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
  const exits = nodes.map((n) => (n.proc.exitCode !== null || n.proc.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => n.proc.once('exit', () => r()))));
  for (const n of nodes) n.proc.kill('SIGTERM');
  const force = setTimeout(() => nodes.forEach((n) => n.proc.kill('SIGKILL')), 3000);
  await Promise.all(exits);
  clearTimeout(force);
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write('demo stopped, nothing left behind\n');
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  const master = await start('master', []);
  const replicas = [
    await start('replica-1', ['--replicaof', '127.0.0.1', String(master.port)]),
    await start('replica-2', ['--replicaof', '127.0.0.1', String(master.port)]),
  ];
  const writer = await client(master.port);
  sockets.push(writer);
  let n = 0;
  timers.push(setInterval(() => {
    for (let i = 0; i < WRITES_PER_SECOND / 10; i++, n++) writer.write(command('SET', `demo:${n % 1000}`, `value ${n} at ${Date.now()}`));
  }, 100));
  const killers = await Promise.all(replicas.map((r) => client(r.port)));
  sockets.push(...killers);
  let turn = 0;
  timers.push(setInterval(() => {
    const i = turn++ % replicas.length;
    killers[i]!.write(command('CLIENT', 'KILL', 'TYPE', 'master'));
    process.stdout.write(`cut ${replicas[i]!.name}'s link to the master (CLIENT KILL TYPE master)\n`);
  }, CUT_EVERY_MS));
  const others = replicas.map((x) => `127.0.0.1:${x.inspect}`).join(',');
  process.stdout.write([
    `master    redis://127.0.0.1:${master.port}`,
    ...replicas.map((r) => `${r.name} redis://127.0.0.1:${r.port}`),
    '',
    `data and logs in ${dir}`,
    `watch the statecharts: http://127.0.0.1:${master.inspect}/?servers=${others}`,
    `(a replica link is cut every ${CUT_EVERY_MS / 1000} s; Ctrl-C stops everything)`,
    '',
  ].join('\n'));
} catch (e) {
  process.stdout.write(`${(e as Error).message}\n`);
  await stop(1);
}
