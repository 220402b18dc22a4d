// redstate as its own process with the real redis-cli in front of it, and SHUTDOWN ending
// that process (run `npm run build` first).
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp-client.js';

const run = promisify(execFile);

async function cli(port: number, args: string[], input?: string): Promise<string> {
  const child = run('redis-cli', ['-p', String(port), ...args]);
  if (input !== undefined) child.child.stdin!.end(input);
  return (await child).stdout;
}

const started: Proc[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.close()));
});

async function both(args: string[] = []): Promise<[Proc, Proc]> {
  const procs = await Promise.all([startRedis(args), startRedstateProcess(args)]);
  started.push(...procs);
  return procs;
}

describe('redis-cli against redstate', () => {
  it('runs INFO, CONFIG GET and piped commands as it does against redis-server', async () => {
    const [redis, redstate] = await both();
    const info = await cli(redstate.port, ['info']);
    expect(info).toMatch(/^# Server\r?\nredis_version:7\.0\.15\r?\n/);
    expect(info).toContain(`tcp_port:${redstate.port}`);
    expect(await cli(redstate.port, ['config', 'get', 'port'])).toBe(`port\n${redstate.port}\n`);
    for (const [args, input] of [
      [[], 'ping\n'], [[], 'config get maxclients\nconfig get nosuch\n'], [['config', 'get', 'maxmemory'], undefined],
      [['command', 'count'], undefined], [['client', 'setname', 'a b'], undefined], [['--no-raw', 'debug', 'bogus'], undefined],
    ] as const) {
      const [want, got] = await Promise.all([cli(redis.port, [...args], input), cli(redstate.port, [...args], input)]);
      if (args[0] === 'command') expect(got).toMatch(/^\d+\n$/);
      else expect(got, `${args.join(' ')} ${input ?? ''}`).toBe(want);
    }
    expect(await cli(redstate.port, ['client', 'list'])).toMatch(/^id=\d+ addr=.* cmd=client\|list user=default redir=-1 resp=2\n$/);
  });
});

describe('SHUTDOWN', () => {
  it('NOSAVE ends the process without a reply, as redis-server does', async () => {
    const [redis, redstate] = await both();
    const [want, got] = await Promise.all([cli(redis.port, ['shutdown', 'nosave']), cli(redstate.port, ['shutdown', 'nosave'])]);
    expect(got).toBe(want);
    expect(await redstate.exited).toBe(0);
    expect(await redis.exited).toBe(0);
    expect(existsSync(join(redstate.dir, 'dump.rdb'))).toBe(false);
  });

  it('NOSAVE stops listening before it drops the clients: one that reconnects at once is refused (Redis\'s unit/scripting.tcl)', async () => {
    /** SHUTDOWN NOSAVE from the first of many clients, which reconnects the moment its connection ends. */
    async function reconnectAtShutdown(port: number): Promise<string> {
      const open = (): Promise<Socket> => new Promise((resolve, reject) => {
        const s = connect({ port, host: '127.0.0.1' }, () => resolve(s)).once('error', reject);
      });
      const first = await open();
      // The other clients are dropped after it: the wider the gap before the listener closes.
      const others = await Promise.all(Array.from({ length: 1000 }, open));
      const outcome = new Promise<string>((resolve) => first.once('close', () => {
        const again = connect({ port, host: '127.0.0.1' });
        again.once('connect', () => { again.destroy(); resolve('accepted'); });
        again.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      }));
      for (const o of others) o.on('error', () => {});
      first.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
      return outcome;
    }
    const [redis, redstate] = await both();
    const [want, got] = [await reconnectAtShutdown(redis.port), await reconnectAtShutdown(redstate.port)];
    expect([got, want]).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    expect(await redstate.exited).toBe(0);
  });

  it('SAVE writes the dataset before exiting', async () => {
    const [, redstate] = await both(['--enable-debug-command', 'yes']);
    const c = await RespClient.connect(redstate.port);
    expect(await c.call('DEBUG', 'POPULATE', '10')).toBe('OK');
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
    await c.waitClosed();
    expect(await redstate.exited).toBe(0);
    expect(existsSync(join(redstate.dir, 'dump.rdb'))).toBe(true);
  });

  it('answers an error when the save fails, and FORCE exits anyway', async () => {
    const [redis, redstate] = await both();
    const [r, s] = await Promise.all([RespClient.connect(redis.port), RespClient.connect(redstate.port)]);
    rmSync(redis.dir, { recursive: true, force: true });
    rmSync(redstate.dir, { recursive: true, force: true });
    const [want, got] = await Promise.all([r.call('SHUTDOWN', 'SAVE'), s.call('SHUTDOWN', 'SAVE')]);
    expect(String(got)).toBe(String(want));
    expect(String(got)).toBe('Error: ERR Errors trying to SHUTDOWN. Check logs.');
    s.write('*3\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n$5\r\nFORCE\r\n');
    await s.waitClosed();
    expect(await redstate.exited).toBe(0);
    r.close();
  });
});
