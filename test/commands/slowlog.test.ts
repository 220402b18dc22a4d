// SLOWLOG against redis-server 7.0: with slowlog-log-slower-than 0 both servers log the same
// commands, with the same arguments (long ones cut, credentials redacted), client names and
// order; ids, times, durations and addresses are each server's own. Errors and HELP compared.
import { afterAll, describe, expect, it } from 'vitest';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });

afterAll(async () => {
  for (const c of [pair.r, pair.s]) await c?.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128');
});

/** A fresh connection's commands with every command logged, then what SLOWLOG GET -1 shows of them. */
async function logged(port: number, cmds: Array<Array<string | number>>): Promise<unknown> {
  const c = await RespClient.connect(port);
  try {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('SLOWLOG', 'RESET');
    for (const cmd of cmds) await c.call(...cmd);
    const entries = (await c.call('SLOWLOG', 'GET', '-1')) as Reply[][];
    const [len] = await c.pipeline([['SLOWLOG', 'LEN']]);
    // id, time, duration and the client's address differ by server; their shapes must not.
    for (const e of entries) {
      expect(typeof e[0]).toBe('number');
      expect(e[2]).toBeGreaterThanOrEqual(0);
      expect(String(e[4])).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    const ids = entries.map((e) => e[0] as number);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    return { len, entries: entries.map((e) => [e[3], e[5]]) };
  } finally {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128');
    c.close();
  }
}

/** Polls f until its result matches re (a deadline of 10 s). */
async function until(f: () => Promise<string>, re: RegExp): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!re.test(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SLOWLOG', () => {
  it('logs every command at threshold 0, newest first, arguments cut as Redis cuts them', async () => {
    const long = 'x'.repeat(300);
    const many = Array.from({ length: 40 }, (_, i) => `a${i}`);
    const cmds = [['CLIENT', 'SETNAME', 'logger'], ['SET', 'k', long], ['GET', 'k'], ['RPUSH', 'l', ...many],
      ['MULTI'], ['INCR', 'n'], ['EXEC'], ['AUTH', 'secret'], ['AUTH', 'u', 'p'], ['AUTH', 'a', 'b', 'c'],
      ['HELLO', '2', 'AUTH', 'default', 'pw'], ['CONFIG', 'SET', 'requirepass', ''], ['NOSUCH'], ['GET'], ['PING']];
    const [want, got] = await Promise.all([logged(pair.redis.port, cmds), logged(pair.redstate.port, cmds)]);
    expect(got).toEqual(want);
  });

  it('keeps slowlog-max-len entries; a negative threshold logs nothing', async () => {
    const cmds = [['CONFIG', 'SET', 'slowlog-max-len', '3'], ['PING'], ['ECHO', 'a'], ['ECHO', 'b'], ['ECHO', 'c'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'], ['ECHO', 'not logged']];
    const [want, got] = await Promise.all([logged(pair.redis.port, cmds), logged(pair.redstate.port, cmds)]);
    expect(got).toEqual(want);
  });

  it('logs a blocked command once it is served, not while it waits nor when it times out', async () => {
    const run = async (port: number): Promise<unknown> => {
      const [c, waiter] = await Promise.all([RespClient.connect(port), RespClient.connect(port)]);
      try {
        await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
        await c.call('SLOWLOG', 'RESET');
        const served = waiter.call('BLPOP', 'q', '0');
        await until(async () => (await c.call('INFO', 'clients')) as string, /blocked_clients:1/);
        const whileBlocked = ((await c.call('SLOWLOG', 'GET', '-1')) as Reply[][]).map((e) => e[3]);
        await c.call('RPUSH', 'q', 'job');
        await served;
        await waiter.call('BLPOP', 'none', '0.05');
        const entries = ((await c.call('SLOWLOG', 'GET', '-1')) as Reply[][]).map((e) => e[3]);
        return { whileBlocked, entries };
      } finally {
        await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
        c.close();
        waiter.close();
      }
    };
    const [want, got] = await Promise.all([run(pair.redis.port), run(pair.redstate.port)]);
    expect(got).toEqual(want);
    expect(JSON.stringify(got)).toContain('["BLPOP","q","0"]');
  });

  it('answers bad counts and subcommands as Redis does', async () => {
    await pair.same('SLOWLOG', 'SLOWLOG HELP', 'SLOWLOG foo', 'SLOWLOG GET -2', 'SLOWLOG GET x', 'SLOWLOG GET 1 2',
      'SLOWLOG LEN x', 'SLOWLOG RESET x', 'SLOWLOG RESET', 'SLOWLOG LEN', 'SLOWLOG GET 0', 'CONFIG SET slowlog-log-slower-than -2');
    // redis-server lists a pattern's parameters in its dict's (seeded) order.
    await pair.sameSorted('CONFIG GET slowlog-*');
  });
});
