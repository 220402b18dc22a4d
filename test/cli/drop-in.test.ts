// redstate started the way scripts start redis-server: argv, config files, logs, signals.
import { spawn } from 'node:child_process';
import { totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { connect, createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { CLI, cliArgv, freePort, tempDir, waitForPing } from '../helpers/servers.js';
import { mayRaiseHardLimit } from '../../src/io/open-files.js';

interface Run {
  output(): string;
  exited: Promise<number | null>;
  /** The signal that ended it, once exited. */
  signal(): NodeJS.Signals | null;
  /** Closes our end of its stdout: its next writes there fail (EPIPE). */
  closeStdout(): void;
  pid: number;
  kill(sig?: NodeJS.Signals): void;
}

const running: Run[] = [];

/**
 * Runs `node <the #! line's flags> dist/cli.js args`, or with asBin the file itself, as the
 * package's bin runs it; with redis, redis-server with these args.
 */
function run(args: string[], asBin = false, redis = false, openFiles?: number): Run {
  const [command, argv] = redis ? ['redis-server', args] : asBin ? [CLI, args] : [process.execPath, cliArgv(args)];
  // With openFiles, a shell sets `ulimit -n` (soft and hard) and then becomes the server.
  const proc = openFiles === undefined
    ? spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` } })
    : spawn('sh', ['-c', `ulimit -n ${openFiles} && exec "$@"`, 'sh', command, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
  let signal: NodeJS.Signals | null = null;
  const exited = new Promise<number | null>((r) => proc.once('close', (code, sig) => {
    signal = sig;
    r(code);
  }));
  const r: Run = {
    output: () => out, exited, signal: () => signal, closeStdout: () => proc.stdout.destroy(), pid: proc.pid!, kill: (sig = 'SIGKILL') => proc.kill(sig),
  };
  running.push(r);
  return r;
}

async function waitFor(r: Run, text: string | RegExp): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (typeof text === 'string' ? r.output().includes(text) : text.test(r.output())) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`never printed ${text}:\n${r.output()}`);
}

/**
 * Starts redstate on a free port and waits until it is ready. Another test's server may take
 * the port between freePort() and the bind: then it says "Failed listening" and we try another.
 */
async function runOnFreePort(args: (port: number) => string[], asBin = false, redis = false): Promise<{ r: Run; port: number }> {
  for (let tries = 1; ; tries++) {
    const port = await freePort();
    const r = run(args(port), asBin, redis);
    await waitFor(r, /Ready to accept connections|Failed listening on port/);
    if (r.output().includes('Ready to accept connections')) return { r, port };
    if (tries === 5) throw new Error(`no free port in 5 tries:\n${r.output()}`);
  }
}

/** SIGSTOP leaves the server silent for half a second; SIGCONT has it answer again. */
async function expectStopAndContinue(r: Run, port: number): Promise<void> {
  r.kill('SIGSTOP');
  const stalled = await Promise.race([
    waitForPing(port).then(() => 'answered'),
    new Promise((res) => setTimeout(() => res('stalled'), 500)),
  ]);
  expect(stalled).toBe('stalled');
  r.kill('SIGCONT');
  await waitForPing(port);
}

/** Whether process pid still runs (a zombie counts as gone: /proc says so where kill(0) would not). */
function isAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'latin1'));
  } catch {
    return false;
  }
}

afterEach(() => {
  for (const r of running.splice(0)) r.kill();
});

describe('redstate as a drop-in for redis-server', () => {
  it('prints the banner with its PID and "Ready to accept connections" to stdout', async () => {
    const { r } = await runOnFreePort((port) => ['--port', String(port), '--dir', tempDir(), '--always-show-logo', 'yes', '--logfile', '']);
    expect(r.output()).toContain(`PID: ${r.pid}`);
    // As redis-server's, the lines before the server is made name the role C.
    expect(r.output()).toMatch(new RegExp(`^${r.pid}:C [^#]+ # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo$`, 'm'));
    expect(r.output()).toMatch(new RegExp(`^${r.pid}:M \\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\* Ready to accept connections$`, 'm'));
  });

  it('says "Failed listening on port N" and exits non-zero when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    const r = run(['--port', String(port), '--dir', tempDir()]);
    expect(await r.exited).toBe(1);
    expect(r.output()).toContain(`Failed listening on port ${port} (TCP), aborting.`);
    blocker.close();
  });

  it("loads Debian's full redis.conf, logging directives it does not implement once", async () => {
    const dir = tempDir();
    const { r, port } = await runOnFreePort((p) => ['/etc/redis/redis.conf', '--port', String(p), '--dir', dir, '--daemonize', 'no',
      '--logfile', '', '--pidfile', join(dir, 'redstate.pid'), '--loglevel', 'notice']);
    await waitForPing(port);
    expect(r.output()).toContain('Configuration loaded');
    const ignored = r.output().match(/Config directive 'appendfsync' is not implemented/g) ?? [];
    expect(ignored.length).toBe(1);
    expect(r.output()).not.toContain('FATAL');
  });

  it('includes every file a wildcard include matches, sorted, dotfiles left out, and none where it matches none, as redis-server 7.0 does', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', 'b.conf'), 'maxmemory 13mb\nmaxmemory-policy allkeys-lru\n');
    writeFileSync(join(dir, 'conf.d', 'a.conf'), 'maxmemory 12mb\n');
    writeFileSync(join(dir, 'conf.d', '.hidden.conf'), 'maxmemory 14mb\n');
    const conf = join(dir, 'main.conf');
    writeFileSync(conf, `include ${join(dir, 'conf.d', '*.conf')}\ninclude ${join(dir, 'empty.d', '*.conf')}\n`);
    const got: unknown[] = [];
    for (const redis of [true, false]) {
      const { r, port } = await runOnFreePort((p) => [conf, '--port', String(p), '--dir', dir, '--save', '', '--logfile', ''], false, redis);
      const c = await RespClient.connect(port);
      got.push([await c.call('CONFIG', 'GET', 'maxmemory'), await c.call('CONFIG', 'GET', 'maxmemory-policy')]);
      c.close();
      r.kill('SIGTERM');
      await r.exited;
    }
    expect(got[0]).toEqual([['maxmemory', String(13 * 1024 * 1024)], ['maxmemory-policy', 'allkeys-lru']]);
    expect(got[1]).toEqual(got[0]);
  });

  it('says once that appendonly yes is not implemented, from the argv and from CONFIG SET', async () => {
    const { r, port } = await runOnFreePort((p) => ['--port', String(p), '--dir', tempDir(), '--appendonly', 'yes', '--logfile', '']);
    await waitForPing(port);
    const admin = await RespClient.connect(port);
    expect(await admin.call('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await admin.call('CONFIG', 'SET', 'appendonly', 'no')).toBe('OK');
    expect(await admin.call('CONFIG', 'SET', 'appendonly', 'yes')).toBe('OK');
    admin.close();
    const ignored = r.output().match(/Config directive 'appendonly' is not implemented/g) ?? [];
    expect(ignored.length).toBe(1);
  });

  it('refuses an unknown directive with Redis\'s fatal config error', async () => {
    const dir = tempDir();
    const conf = join(dir, 'bad.conf');
    writeFileSync(conf, 'port 7777\nno-such-directive yes\n');
    const r = run([conf]);
    expect(await r.exited).toBe(1);
    expect(r.output()).toContain('*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***');
    expect(r.output()).toContain(">>> 'no-such-directive yes'");
    expect(r.output()).toContain('Bad directive or wrong number of arguments');
  });

  it('takes sentinel lines as redis-server does outside sentinel mode, and refuses --sentinel in words that name the program for it', async () => {
    const dir = tempDir();
    const monitor = join(dir, 'monitor.conf');
    writeFileSync(monitor, 'port 0\nsentinel monitor m 127.0.0.1 6379 2\n');
    const fatal = (out: string): string => /^>>> .*\n.*$/m.exec(out)?.[0] ?? out;
    const redis = run([monitor], false, true);
    expect(await redis.exited).toBe(1);
    const r = run([monitor]);
    expect(await r.exited).toBe(1);
    expect(fatal(r.output())).toBe(fatal(redis.output()));
    expect(fatal(r.output())).toContain('sentinel directive while not in sentinel mode');

    // A lone `sentinel` line is left alone (main()'s mode switch is the argv's --sentinel).
    const lone = join(dir, 'lone.conf');
    writeFileSync(lone, 'sentinel\n');
    const { r: served } = await runOnFreePort((port) => [lone, '--port', String(port), '--dir', dir]);
    expect(served.output()).not.toContain("'sentinel'");

    const asSentinel = run(['--port', '0', '--sentinel']);
    expect(await asSentinel.exited).toBe(1);
    expect(asSentinel.output()).toMatch(new RegExp(`^${asSentinel.pid}:X [^#]+ # Sentinel mode is not implemented by redstate: run redis-sentinel for it\\. Exiting\\.\\.\\.$`, 'm'));
    expect(asSentinel.output()).not.toContain('Ready to accept connections');
  });

  it("stops, in redis-server's words, on a log file it cannot open and on a config file that is not there", async () => {
    for (const redis of [true, false]) {
      const bad = run(['--port', '0', '--logfile', join(tempDir(), 'no-such-dir', 'server.log')], false, redis);
      expect(await bad.exited).toBe(1);
      expect(bad.output()).toContain("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n");
      const missing = join(tempDir(), 'missing.conf');
      const none = run([missing], false, redis);
      expect(await none.exited).toBe(1);
      const quoted = missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(none.output()).toMatch(new RegExp(`^\\d+:C [^#]+ # Fatal error, can't open config file '${quoted}': No such file or directory$`, 'm'));
    }
  });

  it("reads argv as redis-server 7.0 does: an option with no value takes the next word, `--` or not, and errs as Redis's", async () => {
    const fatal = (out: string): string => /^>>> .*\n.*$/m.exec(out)?.[0] ?? out;
    const dir = tempDir();
    const conf = join(dir, 'empty.conf');
    writeFileSync(conf, '');
    const renames = ['rename-command nosuch x', 'rename-command get set', 'rename-command get'].map((line, i) => {
      const path = join(dir, `rename${i}.conf`);
      writeFileSync(path, `${line}\n`);
      return [path];
    });
    for (const args of [...renames, [conf, 'loglevel', 'bogus'], [conf, 'loglevel', '--port', '0', '--save'], ['--port'], ['--port', '6380', '--loglevel'], ['--port', '6379', '6380'], ['--port', '--loglevel', 'verbose'],
      ['--port', '--bla', '--loglevel', 'verbose'], ['--logfile', '--my--log--file', '--loglevel', '--bla'], ['--shutdown-on-sigint'],
      ['--shutdown-on-sigint', 'now force', '--shutdown-on-sigterm'], ['--save', '--port', '0', '--loglevel', 'bogus']]) {
      const redis = spawn('redis-server', args);
      let fromRedis = '';
      redis.stdout.on('data', (b: Buffer) => (fromRedis += b.toString()));
      redis.stderr.on('data', (b: Buffer) => (fromRedis += b.toString()));
      expect(await new Promise((r) => redis.once('close', r)), args.join(' ')).toBe(1);
      const r = run(args);
      expect(await r.exited, args.join(' ')).toBe(1);
      expect(fatal(r.output()), args.join(' ')).toBe(fatal(fromRedis));
    }
  });

  it('takes words after the config file as its first line, as Redis 7.0 does ("wrong usage that we support anyway")', async () => {
    const dir = tempDir();
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, `dir ${dir}\n`);
    const { port } = await runOnFreePort((p) => [conf, 'loglevel', 'verbose', `--port ${p}`, "--maxmemory '700mb'", "--maxmemory-policy 'volatile-lru'"]);
    await waitForPing(port);
    const c = await RespClient.connect(port);
    expect(await c.call('CONFIG', 'GET', 'loglevel')).toEqual(['loglevel', 'verbose']);
    expect(await c.call('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '734003200']);
    expect(await c.call('CONFIG', 'GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'volatile-lru']);
    c.close();
  });

  it('takes rename-command lines as redis-server does: the command answers to its new name alone, or to none', async () => {
    const dir = tempDir();
    const conf = join(dir, 'renames.conf');
    writeFileSync(conf, 'rename-command flushdb badger\nrename-command CONFIG ""\n');
    const redisPort = await freePort();
    const redis = spawn('redis-server', [conf, '--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '']);
    const { port } = await runOnFreePort((p) => [conf, '--port', String(p), '--dir', tempDir(), '--save', '']);
    try {
      await waitForPing(redisPort);
      const [rc, sc] = await Promise.all([RespClient.connect(redisPort), RespClient.connect(port)]);
      for (const cmd of [['SET', 'k', 'v'], ['FLUSHDB'], ['DBSIZE'], ['BADGER'], ['badger'], ['DBSIZE'], ['CONFIG', 'GET', 'port'],
        ['COMMAND', 'INFO', 'flushdb'], ['COMMAND', 'INFO', 'badger']]) {
        expect(String(await sc.call(...cmd)), cmd.join(' ')).toBe(String(await rc.call(...cmd)));
      }
      rc.close();
      sc.close();
    } finally {
      redis.kill('SIGKILL');
    }
  });

  it('refuses a bad value with the reason', async () => {
    const r = run(['--port', 'abc']);
    expect(await r.exited).toBe(1);
    expect(r.output()).toContain("argument couldn't be parsed into an integer");
  });

  it('shuts down cleanly on SIGTERM, saying so as redis-server says it from its signal handler', async () => {
    for (const redis of [true, false]) {
      const { r } = await runOnFreePort((port) => ['--port', String(port), '--dir', tempDir(), '--save', '', '--logfile', ''], false, redis);
      r.kill('SIGTERM');
      expect(await r.exited).toBe(0);
      expect(r.output()).toMatch(new RegExp(`^${r.pid}:signal-handler \\(\\d+\\) Received SIGTERM scheduling shutdown\\.\\.\\.$`, 'm'));
      expect(r.output()).toContain('ready to exit, bye bye');
    }
  });

  it('shuts down on a SIGTERM that comes while it loads its RDB, as redis-server does', async () => {
    const dir = tempDir();
    const maker = await runOnFreePort((p) => ['--port', String(p), '--dir', dir, '--save', '', '--logfile', '', '--enable-debug-command', 'yes'], false, true);
    const c = await RespClient.connect(maker.port);
    expect(await c.call('DEBUG', 'POPULATE', '1000000', 'key', '100')).toBe('OK');
    expect(await c.call('SAVE')).toBe('OK');
    c.close();
    maker.r.kill('SIGTERM');
    await maker.r.exited;
    for (const redis of [true, false]) {
      const r = run(['--port', String(await freePort()), '--dir', dir, '--save', '', '--logfile', ''], false, redis);
      await waitFor(r, 'Loading RDB produced by');
      r.kill('SIGTERM');
      expect(await r.exited).toBe(0);
      expect(r.output()).toMatch(new RegExp(`^${r.pid}:signal-handler \\(\\d+\\) Received shutdown signal during loading, scheduling shutdown\\.$`, 'm'));
      expect(r.output()).not.toContain('Done loading RDB');
    }
  });

  it('says why it cannot open its unix socket in a directory that is not there, as redis-server does', async () => {
    for (const redis of [true, false]) {
      const r = run(['--port', '0', '--unixsocket', join(tempDir(), 'no-such-dir', 'server.sock'), '--logfile', ''], false, redis);
      expect(await r.exited).toBe(1);
      expect(r.output()).toContain('# Failed opening Unix socket: bind: No such file or directory');
    }
  });

  it('exits on SIGTERM while a client it closed has not read its output', async () => {
    const { r, port } = await runOnFreePort((p) => ['--port', String(p), '--dir', tempDir(), '--save', '']);
    const admin = await RespClient.connect(port);
    expect(await admin.call('SET', 'big', 'x'.repeat(1 << 20))).toBe('OK');
    // It reads nothing: its replies fill the socket's buffers and the rest stays queued.
    const sink = connect({ port, host: '127.0.0.1' }, () => {
      sink.pause();
      sink.write('GET big\r\n'.repeat(64));
    });
    await until(async () => /omem=[1-9]/.test((await admin.call('CLIENT', 'LIST')) as string));
    expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')).toBe(1);
    r.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.output()).toContain('ready to exit, bye bye');
    sink.destroy();
    admin.close();
  });

  it('stops answering on SIGSTOP and answers again on SIGCONT', async () => {
    const { r, port } = await runOnFreePort((p) => ['--port', String(p), '--dir', tempDir()]);
    await expectStopAndContinue(r, port);
  });

  it("goes on when its log cannot be written, as redis-server does: stdout's reader gone, the log file's directory removed", async () => {
    const logSome = async (port: number) => {
      const c = await RespClient.connect(port);
      for (let i = 0; i < 20; i++) expect(await c.call('DEBUG', 'LOG', 'x'.repeat(1000))).toBe('OK');
      expect(await c.call('PING')).toBe('PONG');
      c.close();
    };
    for (const redis of [true, false]) {
      const common = ['--dir', tempDir(), '--save', '', '--enable-debug-command', 'yes'];
      const { r, port } = await runOnFreePort((p) => ['--port', String(p), ...common, '--logfile', ''], false, redis);
      r.closeStdout();
      await logSome(port);
      const logDir = tempDir();
      const logPort = await freePort();
      const logged = run(['--port', String(logPort), ...common, '--logfile', join(logDir, 'server.log')], false, redis);
      await waitForPing(logPort, () => false, () => logged.output());
      rmSync(logDir, { recursive: true, force: true });
      await logSome(logPort);
      for (const x of [r, logged]) {
        x.kill('SIGTERM');
        expect(await x.exited).toBe(0);
      }
    }
  });

  it('fits maxclients to a low open-file limit as redis-server does: the same lines, the same clients refused, CONFIG SET refused past it', async () => {
    // A process with CAP_SYS_RESOURCE may raise its hard limit: redis-server then does, where
    // node cannot. Without it (a user's process, most containers) both are held at 64.
    const raisable = mayRaiseHardLimit();
    const logs: string[][] = [];
    for (const redis of [true, false]) {
      const port = await freePort();
      const r = run(['--port', String(port), '--dir', tempDir(), '--save', '', '--logfile', ''], false, redis, 64);
      await waitFor(r, 'Ready to accept connections');
      if (redis && raisable) {
        expect(r.output()).toContain('Increased maximum number of open files to 10032 (it was originally set to 64).');
        r.kill('SIGTERM');
        await r.exited;
        continue;
      }
      const clients = await Promise.all(Array.from({ length: 40 }, () => RespClient.connect(port)));
      const replies = [];
      for (const c of clients) {
        const reply = await c.call('PING');
        replies.push(reply instanceof Error ? reply.message : reply);
      }
      expect(replies.filter((x) => x === 'PONG').length).toBe(32);
      expect(replies.filter((x) => x === 'ERR max number of clients reached').length).toBe(8);
      for (const c of clients) c.close();
      await until(async () => {
        const admin = await RespClient.connect(port).catch(() => null);
        const ok = admin !== null && (await admin.call('PING').catch(() => null)) === 'PONG';
        admin?.close();
        return ok;
      });
      const admin = await RespClient.connect(port);
      expect(await admin.call('CONFIG', 'GET', 'maxclients')).toEqual(['maxclients', '32']);
      expect(((await admin.call('CONFIG', 'SET', 'maxclients', '100')) as Error).message).toBe(
        "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with 32");
      expect(await admin.call('CONFIG', 'GET', 'maxclients')).toEqual(['maxclients', '32']);
      admin.close();
      r.kill('SIGTERM');
      await r.exited;
      logs.push(r.output().split('\n').filter((l) => /maxclients|open files|Restoring/.test(l)).map((l) => l.replace(/^\d+:M [^#]+# /, '')));
    }
    const ours = logs.at(-1)!;
    expect(ours).toHaveLength(7);
    if (raisable) expect(ours[1]).toBe("Server can't set maximum open files to 10032 because of OS error: redstate cannot raise it past the hard limit.");
    else expect(ours).toEqual(logs[0]);
  });

  it('goes on after SIGHUP and dies of SIGUSR1, as redis-server does (node would open its debugger)', async () => {
    for (const redis of [true, false]) {
      const { r, port } = await runOnFreePort((p) => ['--port', String(p), '--dir', tempDir(), '--save', '', '--logfile', ''], false, redis);
      r.kill('SIGHUP');
      await new Promise((res) => setTimeout(res, 200));
      await waitForPing(port);
      r.kill('SIGUSR1');
      expect(await r.exited).toBe(null);
      expect(r.signal()).toBe('SIGUSR1');
    }
  });

  it('runs as its bin: the #! line makes node itself the process, with its V8 options, and signals reach it', async () => {
    // Its command line as exec'd: no process title over it.
    const { r, port } = await runOnFreePort((p) => ['--port', String(p), '--dir', tempDir(), '--save', '', '--set-proc-title', 'no'], true);
    const cmdline = readFileSync(`/proc/${r.pid}/cmdline`, 'latin1').split('\0');
    expect(basename(cmdline[0]!)).toMatch(/^node/);
    expect(cmdline).toContain('--max-semi-space-size=32');
    expect(cmdline).toContain('--v8-pool-size=0');
    expect(cmdline).toContain(CLI);
    // The heap may take all of the machine's memory, as Redis's may; V8's own limit is a quarter.
    const c = await RespClient.connect(port);
    const heapLimit = Number(/heap_size_limit: (\d+)/.exec(String(await c.call('MEMORY', 'MALLOC-STATS')))![1]);
    c.close();
    expect(heapLimit).toBeGreaterThan(totalmem());
    await expectStopAndContinue(r, port);
    r.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.output()).toContain('Received SIGTERM scheduling shutdown...');
  });

  it('shows the process title proc-title-template makes, as redis-server does, and takes a new template at run time', async () => {
    const title = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ');
    const dir = tempDir();
    const redisPort = await freePort();
    const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '']);
    const { r, port } = await runOnFreePort((p) => ['--port', String(p), '--dir', tempDir(), '--save', ''], true);
    try {
      await waitForPing(redisPort);
      // {title} is the program as run: redis-server's name, our bin's path.
      expect(title(redis.pid!)).toBe(`redis-server 127.0.0.1:${redisPort}`);
      expect(title(r.pid)).toBe(`${CLI} 127.0.0.1:${port}`);
      const template = ['CONFIG', 'SET', 'proc-title-template', 'T {listen-addr} {port} {tls-port} {{ {server-mode}'];
      const [rc, sc] = await Promise.all([RespClient.connect(redisPort), RespClient.connect(port)]);
      expect([await rc.call(...template), await sc.call(...template)]).toEqual(['OK', 'OK']);
      expect(title(r.pid)).toBe(title(redis.pid!).replace(String(redisPort), String(port)).replace(String(redisPort), String(port)));
      for (const bad of ['{bogus}', '{title', '{title}', 'x {']) {
        const refused = ['CONFIG', 'SET', 'proc-title-template', bad];
        expect(String(await sc.call(...refused)), bad).toBe(String(await rc.call(...refused)));
      }
      rc.close();
      sc.close();
    } finally {
      redis.kill('SIGKILL');
    }
  });

  it('works in its dir, as redis-server chdirs to it, and in a new one after CONFIG SET dir', async () => {
    const dir = tempDir();
    // dir is a protected config: CONFIG SET takes it under enable-protected-configs.
    const { r, port } = await runOnFreePort((p) => ['--port', String(p), '--dir', dir, '--save', '', '--enable-protected-configs', 'yes'], true);
    expect(realpathSync(`/proc/${r.pid}/cwd`)).toBe(realpathSync(dir));
    const other = tempDir();
    const c = await RespClient.connect(port);
    expect(await c.call('CONFIG', 'SET', 'dir', other)).toBe('OK');
    expect(realpathSync(`/proc/${r.pid}/cwd`)).toBe(realpathSync(other));
    c.close();
  });

  it('is a bin of ASCII alone, which V8 holds and scans at a byte a character', () => {
    const bin = readFileSync(CLI);
    expect(bin.length).toBeGreaterThan(100_000);
    expect(bin.findIndex((b) => b > 0x7f)).toBe(-1);
  });

  it('daemonizes as redis-server: the command exits 0 at once, and the daemon writes its pid file, says daemonize yes and removes the file at SHUTDOWN', async () => {
    for (const redis of [true, false]) {
      const dir = tempDir();
      const pidfile = join(dir, 'server.pid');
      const logfile = join(dir, 'server.log');
      const port = await freePort();
      const r = run(['--port', String(port), '--dir', dir, '--save', '', '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', logfile], false, redis);
      expect(await r.exited).toBe(0);
      await until(() => existsSync(pidfile) && readFileSync(pidfile, 'latin1').endsWith('\n'), 15_000);
      const pid = Number(readFileSync(pidfile, 'latin1'));
      expect(pid).not.toBe(r.pid);
      try {
        await waitForPing(port, () => false, () => readFileSync(logfile, 'latin1'), pid);
        const c = await RespClient.connect(port);
        expect(await c.call('CONFIG', 'GET', 'daemonize')).toEqual(['daemonize', 'yes']);
        expect(await c.call('CONFIG', 'GET', 'pidfile')).toEqual(['pidfile', pidfile]);
        await c.call('SHUTDOWN', 'NOSAVE').catch(() => null);
        c.close();
        await until(() => !isAlive(pid), 15_000);
        expect(existsSync(pidfile)).toBe(false);
        expect(readFileSync(logfile, 'latin1')).toMatch(/Removing the pid file\.\n(?:.*\n)*.*ready to exit, bye bye/);
      } finally {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
    }
  });

  it('serves with a pid file it cannot write, as redis-server does: the pid file is best effort', async () => {
    for (const redis of [true, false]) {
      const pidfile = join(tempDir(), 'no-such-dir', 'server.pid');
      const { r, port } = await runOnFreePort((p) => ['--port', String(p), '--dir', tempDir(), '--save', '', '--pidfile', pidfile, '--logfile', ''], false, redis);
      await waitForPing(port);
      r.kill('SIGTERM');
      expect(await r.exited).toBe(0);
      expect(r.output()).toContain('Removing the pid file.');
    }
  });

  it('prints its version like redis-server', async () => {
    const r = run(['--version']);
    expect(await r.exited).toBe(0);
    expect(r.output()).toMatch(/^Redis server v=7\.0\.15 /);
  });
});
