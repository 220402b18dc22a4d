// Starting and stopping the two servers (and the tools run against them) on
// loopback, with every child in a process group of its own and every temp dir
// remembered, so that cleanUpEverything() can leave nothing behind: it runs on
// exit, and bench/run.ts calls it on SIGINT/SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseInfo, RespClient, ReplyError } from './resp.js';

export type ServerName = 'redstate' | 'redis';
export const serverNames: ServerName[] = ['redstate', 'redis'];

export interface ServerSpec {
  name: ServerName;
  /** The command and its own arguments; the common settings are appended. */
  command: string[];
}

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The servers under test. REDSTATE_CMD (default `dist/cli.js`, run from the
 * project root: the package's bin, which its #! line starts as `node` with the V8 options
 * it runs with) and REDIS_CMD (default `redis-server`) may name other
 * commands, e.g. REDSTATE_CMD=redis-server to try the bench against two
 * redis-servers. Arguments split on whitespace.
 */
export function serverSpecs(env: NodeJS.ProcessEnv = process.env): Record<ServerName, ServerSpec> {
  const split = (cmd: string) => cmd.trim().split(/\s+/);
  return {
    redstate: { name: 'redstate', command: split(env.REDSTATE_CMD ?? 'dist/cli.js') },
    redis: { name: 'redis', command: split(env.REDIS_CMD ?? 'redis-server') },
  };
}

/** The same settings for both servers: loopback only, no persistence of their own, DEBUG POPULATE allowed. */
/** The V8 flags a build's cli.js gives node on its #! line: what a tool that runs node on the build itself adds. */
export function binFlags(dist: string): string[] {
  const line = readFileSync(join(dist, 'cli.js'), 'utf8').split('\n', 1)[0]!;
  return /^#!.*\bnode (.*)$/.exec(line)?.[1]!.trim().split(/\s+/) ?? [];
}

/** A server named by a tool's argument: `redis` is redis-server, anything else a dist/ folder run as its bin runs it. */
export function buildSpec(build: string): ServerSpec {
  return build === 'redis'
    ? { name: 'redis', command: ['redis-server'] }
    : { name: 'redstate', command: ['node', ...binFlags(build), `${build}/cli.js`] };
}

export function commonArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
    '--loglevel', 'warning', '--enable-debug-command', 'local'];
}

const liveGroups = new Set<number>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
  liveGroups.delete(pid);
}

/** Kills every process group we started and removes every temp dir; synchronous. */
export function cleanUpEverything(): void {
  for (const pid of [...liveGroups]) killGroup(pid);
  for (const dir of [...tempDirs]) removeTempDir(dir);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', cleanUpEverything);
}

export function makeTempDir(prefix = 'redstate-bench-'): string {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Spawns a child in its own process group, remembered until it exits. */
export function spawnTracked(command: string[], cwd = projectRoot): ChildProcess {
  installExitHook();
  const child = spawn(command[0]!, command.slice(1), {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) {
    const pid = child.pid;
    liveGroups.add(pid);
    child.once('exit', () => liveGroups.delete(pid));
  }
  return child;
}

/** Runs a tool to completion and returns its stdout; a non-zero exit throws. */
export function runTool(command: string[], onSpawn?: (child: ChildProcess) => void): Promise<string> {
  const child = spawnTracked(command);
  onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command[0]} exited with ${code ?? signal}: ${(stderr || stdout).trim().slice(-500)}`));
    });
  });
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StartOptions {
  dir: string;
  /** Settings appended after the common ones (the same for both servers). */
  args?: string[];
  /** Ready once PING answers PONG and this holds (e.g. DBSIZE == n); default PING only. */
  ready?: (client: RespClient) => Promise<boolean>;
  timeoutMs?: number;
}

export class RunningServer {
  private output = '';
  /** Told everything the server prints (a tool reading its --trace-gc lines). */
  onOutput: ((text: string) => void) | null = null;
  private exitInfo: string | undefined;
  /** Milliseconds from spawn until the server was ready. */
  readyMs = NaN;
  readonly exited: Promise<void>;

  constructor(
    readonly name: ServerName,
    readonly port: number,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (d: Buffer) => {
      this.output = (this.output + d).slice(-2000);
      this.onOutput?.(String(d));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = `exited with ${code ?? signal}`;
        resolve();
      });
      child.once('error', (err) => {
        this.exitInfo = `failed to start: ${err.message}`;
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  private stopping = false;
  /** Whether the port was seen answering as this process: until then stop() sends it nothing. */
  private ours = false;

  /** Why the server is gone when we did not stop it, with the tail of what it printed. */
  get failure(): string | undefined {
    if (this.stopping || !this.exitInfo) return undefined;
    return `${this.name} ${this.exitInfo}: ${this.output.trim().slice(-500)}`;
  }

  client(): Promise<RespClient> {
    return RespClient.connect(this.port);
  }

  /**
   * True when INFO server's process_id is this child's: the port freePort() found may be
   * bound by another process (a test's server, in a parallel run) before ours binds it,
   * and then that one answers PING and would get our commands (a populated server once
   * held 2001 keys: 2000 of ours and one of the stranger's).
   */
  private async answersAsItself(client: RespClient): Promise<boolean> {
    this.ours = parseInfo(await client.call('INFO', 'server')).process_id === String(this.pid);
    return this.ours;
  }

  /** Polls until the server answers (redis says -LOADING while it loads) and `ready` holds. */
  async waitReady(ready: StartOptions['ready'], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let client: RespClient | undefined;
    let last = 'no answer';
    try {
      while (Date.now() < deadline) {
        if (this.failure) throw new Error(this.failure);
        try {
          client ??= await this.client();
          const pong = await client.call('PING');
          if (pong !== 'PONG') last = `PING answered ${String(pong)}`;
          else if (!(await this.answersAsItself(client))) last = 'another process answers on its port';
          else if (!ready || (await ready(client))) return;
        } catch (err) {
          last = (err as Error).message;
          if (!(err instanceof ReplyError)) {
            client?.close();
            client = undefined;
          }
        }
        await sleep(5);
      }
      throw new Error(`${this.name} not ready after ${timeoutMs} ms (${last})`);
    } finally {
      client?.close();
    }
  }

  /** SHUTDOWN NOSAVE, then SIGKILL to the whole group whatever happened. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.exitInfo && this.ours) {
      try {
        const client = await this.client();
        client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
        await Promise.race([this.exited, sleep(2000)]);
        client.close();
      } catch {
        // it will be killed below
      }
    }
    killGroup(this.pid);
    await this.exited;
  }
}

/** Starts before giving up on a server that exits while starting (its port taken meanwhile). */
const START_ATTEMPTS = 3;

/** Starts a server on a free loopback port in `dir` and waits until it is ready. */
export async function startServer(spec: ServerSpec, options: StartOptions): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const spawnedAt = performance.now();
    const child = spawnTracked([...spec.command, ...commonArgs(port, options.dir), ...(options.args ?? [])]);
    const server = new RunningServer(spec.name, port, options.dir, child);
    try {
      await server.waitReady(options.ready, options.timeoutMs ?? 30_000);
      server.readyMs = performance.now() - spawnedAt;
      return server;
    } catch (err) {
      const exited = server.failure !== undefined;
      await server.stop();
      if (!exited || attempt === START_ATTEMPTS) throw err;
    }
  }
}
