// ACL users from files, side by side with redis-server 7.0 (each its own process, run
// `npm run build` first): `user` lines of the config file and the command line, an aclfile
// with ACL SAVE and ACL LOAD (all or nothing), CONFIG REWRITE writing the users, and the
// start-up refused when both kinds are given.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliArgv, freePort, startRedis, startRedstateProcess, tempDir, type Proc } from '../helpers/servers.js';
import { sortedRules } from '../helpers/acl-rules.js';
import { RespClient, RespError, type Reply } from '../helpers/resp-client.js';

const running: Proc[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.close();
});

async function both(args: (dir: string) => string[]): Promise<[Proc, Proc]> {
  const [rd, sd] = [tempDir('acl-redis-'), tempDir('acl-redstate-')];
  const started = await Promise.allSettled([startRedis(args(rd), rd), startRedstateProcess(args(sd), sd)]);
  for (const s of started) if (s.status === 'fulfilled') running.push(s.value);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  return running.slice(-2) as [Proc, Proc];
}

const shown = (x: Reply): unknown =>
  x instanceof RespError ? { error: x.message } : Array.isArray(x) ? x.map(shown) : typeof x === 'string' ? sortedRules(x) : x;

/** The same command on both; the replies must agree once each server's dir is written <dir>. */
async function same(procs: [Proc, Proc], cmd: string[], user?: [string, string]): Promise<unknown> {
  const replies = await Promise.all(procs.map(async (p) => {
    const c = await RespClient.connect(p.port);
    try {
      if (user !== undefined) expect(await c.call('AUTH', ...user)).toBe('OK');
      return JSON.parse(JSON.stringify(shown(await c.call(...cmd))).replaceAll(p.dir, '<dir>')) as unknown;
    } finally {
      c.close();
    }
  }));
  expect(replies[1], cmd.join(' ')).toEqual(replies[0]);
  return replies[0];
}

const userLines = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('user '));

describe('ACL users from files', () => {
  it('takes user lines from the config file and the command line', async () => {
    const procs = await both((dir) => {
      writeFileSync(join(dir, 'redis.conf'), 'user alice on >pw ~a* +get +set\nuser default on nopass ~* &* +@all -flushall\n');
      return [join(dir, 'redis.conf'), '--user', 'bob', 'on', 'nopass', '(~b*', '+get)'];
    });
    await same(procs, ['ACL', 'LIST']);
    await same(procs, ['GET', 'a1'], ['alice', 'pw']);
    await same(procs, ['GET', 'b1'], ['alice', 'pw']);
    await same(procs, ['GET', 'b1'], ['bob', 'any']);
  });

  it('loads and saves an aclfile, and ACL LOAD changes nothing when a line is bad', async () => {
    // A relative path, from another working directory: it is under dir, as after Redis's chdir there.
    const procs = await both((dir) => {
      writeFileSync(join(dir, 'users.acl'), 'user default on nopass ~* &* +@all\nuser carl on >pw ~c* +get\n');
      return ['--aclfile', 'users.acl'];
    });
    await same(procs, ['ACL', 'LIST']);
    await same(procs, ['ACL', 'SETUSER', 'dan', 'on', '>x', '+@hash', '+@string', '-hdel', '-set']);
    await same(procs, ['ACL', 'SAVE']);
    const files = procs.map((p) => readFileSync(join(p.dir, 'users.acl'), 'latin1'));
    expect(files[1]!.split('\n').length).toBe(files[0]!.split('\n').length);
    expect(userLines(files[1]!).map((l) => sortedRules(l))).toEqual(userLines(files[0]!).map((l) => sortedRules(l)));
    // (An unclosed selector in the file is left out: redis-server 7.0.15 crashes on it.)
    for (const p of procs) writeFileSync(join(p.dir, 'users.acl'), 'user erin on +nosuch\nuser erin off\nnot a user\n');
    await same(procs, ['ACL', 'LOAD']);
    await same(procs, ['ACL', 'USERS']);
    for (const p of procs) writeFileSync(join(p.dir, 'users.acl'), 'user gail on >pw +@all ~*\n');
    await same(procs, ['ACL', 'LOAD']);
    await same(procs, ['ACL', 'LIST']);
    for (const p of procs) writeFileSync(join(p.dir, 'users.acl'), '');
  });

  it('writes the users into the config file on CONFIG REWRITE', async () => {
    const procs = await both((dir) => {
      writeFileSync(join(dir, 'redis.conf'), `port 0\nuser alice on >pw ~* +@all\nuser old off\n`);
      return [join(dir, 'redis.conf')];
    });
    await same(procs, ['ACL', 'DELUSER', 'old']);
    await same(procs, ['ACL', 'SETUSER', 'bob', 'on', '#' + 'a'.repeat(64), '~b*', '+get']);
    await same(procs, ['CONFIG', 'REWRITE']);
    const files = procs.map((p) => userLines(readFileSync(join(p.dir, 'redis.conf'), 'latin1')).map((l) => sortedRules(l)));
    expect(files[1]).toEqual(files[0]);
  });

  it('refuses to start with both user lines and an aclfile, or with a bad user line', async () => {
    const dir = tempDir('acl-refused-');
    writeFileSync(join(dir, 'users.acl'), '');
    for (const args of [['--user', 'x', 'on', '--aclfile', join(dir, 'users.acl')], ['--user', 'y', 'on', '+nosuch']]) {
      const codes = await Promise.all([
        exitCode('redis-server', ['--port', String(await freePort()), ...args]),
        exitCode(process.execPath, cliArgv(['--port', String(await freePort()), ...args])),
      ]);
      expect(codes[1], args.join(' ')).toBe(codes[0]);
      expect(codes[0]).not.toBe(0);
    }
  });
});

function exitCode(cmd: string, args: string[]): Promise<number | null> {
  const p = spawn(cmd, args, { stdio: 'ignore' });
  const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
  return new Promise((r) => p.once('exit', (code) => {
    clearTimeout(timer);
    r(code);
  }));
}
