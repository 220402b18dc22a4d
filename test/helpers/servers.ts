// Servers for tests: redstate in-process or as a process, and Debian's real redis-server,
// each on a free loopback port with its own temp dir, each stopped by close().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Config } from '../../src/config/config.js';
import { startReplicationFromConfig } from '../../src/actors/replica-link.js';
import { Server } from '../../src/actors/server.js';
import { Logger } from '../../src/log.js';
import { cliArgv } from './bin.js';
import { backlogCommandsSince, until } from './replication.js';
import { RespClient } from './resp-client.js';

export { CLI, cliArgv, ROOT } from './bin.js';

/** Every temp dir the importing test file made: whatever its tests left in them goes after them. */
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'redstate-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface Running {
  port: number;
  dir: string;
  close(): Promise<void>;
}

export interface InProcess extends Running {
  server: Server;
}

/** redstate in this process: config directives as name -> value(s). */
export async function startRedstate(directives: Record<string, string | string[]> = {}): Promise<InProcess> {
  const dir = tempDir();
  const config = new Config();
  const log = new Logger();
  log.level = process.env.REDSTATE_TEST_LOGLEVEL === undefined ? 'nothing' : (process.env.REDSTATE_TEST_LOGLEVEL as Logger['level']);
  const all: Record<string, string | string[]> = { port: '0', dir, save: '', 'enable-debug-command': 'local', ...directives };
  for (const [name, v] of Object.entries(all)) config.set(name, Array.isArray(v) ? v : [v], false);
  const server = new Server(config, log);
  await server.persistence.loadAtStart();
  await server.listen();
  startReplicationFromConfig(server);
  return {
    server,
    port: server.port,
    dir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Proc extends Running {
  proc: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Its exit code once it has exited (null when a signal ended it). */
  exited: Promise<number | null>;
}

/**
 * Spawns cmd with argsFor(port) and waits for its PONG. With no port given, a free one: when
 * another test's server took it before ours bound it ("Failed listening on port"), another.
 */
async function startProcess(cmd: string, argsFor: (port: number) => string[], dir: string, given?: number): Promise<Proc> {
  for (let tries = 1; ; tries++) {
    const port = given ?? await freePort();
    const proc = spawn(cmd, argsFor(port), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
    try {
      await waitForPing(port, () => proc.exitCode !== null, () => out, proc.pid);
    } catch (e) {
      // One that never answered is not left running; its output is read once all of it is in.
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
      if (given === undefined && tries < 5 && out.includes(`Failed listening on port ${port}`)) continue;
      throw e;
    }
    return {
      proc,
      port,
      dir,
      output: () => out,
      exited,
      async close() {
        if (proc.exitCode === null) {
          proc.kill('SIGKILL');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** Debian's redis-server 7.0 with extra argv (e.g. ['--dbfilename', 'x.rdb']); DEBUG allowed locally, as in Redis's own tests. */
export async function startRedis(args: string[] = [], dir = tempDir('redis-test-'), port?: number): Promise<Proc> {
  // A config file, when given, must come first.
  const file = args[0]?.endsWith('.conf') === true ? args.slice(0, 1) : [];
  return startProcess('redis-server', (p) => [...file,
    '--port', String(p), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
    '--enable-debug-command', 'local', ...args.slice(file.length),
  ], dir, port);
}

/** redstate as its own process, from the build, as its bin runs. */
export async function startRedstateProcess(args: string[] = [], dir = tempDir(), port?: number): Promise<Proc> {
  // A config file, when given, must come first, as redis-server takes it.
  const file = args[0]?.endsWith('.conf') === true ? args.slice(0, 1) : [];
  return startProcess(process.execPath, (p) => cliArgv([...file,
    '--port', String(p), '--dir', dir, '--save', '', '--enable-debug-command', 'local', ...args.slice(file.length)]), dir, port);
}

/**
 * The port a process started with --inspect-port 0 took, from its start-up log: a port chosen
 * before the start (freePort()) may be taken by another test's server before ours binds it.
 */
export async function inspectorPort(p: Proc): Promise<number> {
  let m: RegExpExecArray | null = null;
  await until(() => (m = /watch the statecharts at http:\/\/\S+:(\d+)\//.exec(p.output())) !== null, 20_000,
    () => `(no inspector in the log:\n${p.output()})`);
  return Number(m![1]);
}

/**
 * Polls until PING answers PONG on port; with pid, only when INFO server's process_id is
 * pid too: another test's server may take a port freePort() found before ours binds it.
 */
export async function waitForPing(port: number, gaveUp: () => boolean = () => false, log: () => string = () => '', pid?: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (gaveUp()) throw new Error(`server exited before answering PING:\n${log()}`);
    try {
      const c = await RespClient.connect(port);
      const r = await c.call('PING');
      const info = pid === undefined ? undefined : await c.call('INFO', 'server');
      // An INFO refused (renamed, needing AUTH) cannot tell: then PONG is taken as ours.
      const ours = typeof info !== 'string' || info.includes(`\r\nprocess_id:${pid}\r\n`);
      c.close();
      if (r === 'PONG' && ours) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no PONG on port ${port}:\n${log()}`);
}

/** A file's in-process redstate (config as given) with its backlog made, as a first replica makes it, and a client of it. */
export interface BacklogFeed {
  srv: InProcess;
  cli: RespClient;
  /** The commands fed from replication offset `from` on, as a replica would get them. */
  streamSince(from: number): string[][];
}

/** Starts the BacklogFeed before the file's tests and stops it after them. */
export function backlogFeed(config: Record<string, string> = {}): BacklogFeed {
  const feed = { streamSince: (from: number) => backlogCommandsSince(feed.srv.server, from) } as BacklogFeed;
  beforeAll(async () => {
    feed.srv = await startRedstate(config);
    feed.srv.server.replication.createBacklogIfNeeded();
    feed.cli = await RespClient.connect(feed.srv.port);
  });
  afterAll(async () => {
    feed.cli.close();
    await feed.srv.close();
  });
  return feed;
}
