// DEBUG side by side with redis-server 7.0: its errors, POPULATE and the digests of what it
// builds, SLEEP blocking the server, SET-ACTIVE-EXPIRE, RELOAD, enable-debug-command.
import { describe, expect, it } from 'vitest';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate } from '../helpers/servers.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide();
const { same } = pair;

describe('DEBUG', () => {
  it('answers errors as Redis does', async () => {
    await same(
      ['DEBUG'], ['DEBUG', 'bogus'], ['DEBUG', 'digest', 'x'], ['DEBUG', 'DIGEST-VALUE'], ['DEBUG', 'sleep'],
      ['DEBUG', 'SLEEP', '0'], ['DEBUG', 'SLEEP', 'abc'], ['DEBUG', 'set-active-expire', '1'], ['DEBUG', 'POPULATE'],
      ['DEBUG', 'POPULATE', 'x'], ['DEBUG', 'POPULATE', '-1'], ['DEBUG', 'POPULATE', '3', 'p', 'x'],
      ['DEBUG', 'POPULATE', '3', 'p', '-5'], ['DEBUG', 'POPULATE', '3', 'p', '5', 'x'], ['DEBUG', 'RELOAD', 'x'],
      ['DEBUG', 'LOG', 'hello'], ['DEBUG', 'ERROR', 'FOO bar baz'], ['DEBUG', 'HELP', 'x'], ['DEBUG', 'DIGEST'],
    );
  });

  it('POPULATE builds what Redis builds: same digests, existing keys kept, no changes counted', async () => {
    await same('FLUSHALL');
    await same(
      ['DEBUG', 'POPULATE', '1000'], ['DEBUG', 'POPULATE', '1500'], ['DEBUG', 'POPULATE', '10', 'p', '3'],
      ['DEBUG', 'POPULATE', '10', 'pad', '20'], ['SELECT', '9'], ['DEBUG', 'POPULATE', '7', 'other', '0'],
      ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'], ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE', 'key:0', 'key:1499', 'p:3', 'pad:9', 'nokey'],
    );
    const changes = (x: unknown): string => /rdb_changes_since_last_save:(\d+)/.exec(String(x))![1]!;
    const before = changes(await pair.s.call('INFO', 'persistence'));
    await same(['DEBUG', 'POPULATE', '2000']);
    expect(changes(await pair.s.call('INFO', 'persistence'))).toBe(before);
    await same('FLUSHALL');
    await same(['DEBUG', 'DIGEST']);
  });

  // Its speed is bench/'s to measure, not a test's: a loaded machine made a deadline here flaky.
  it("OBJECT shows a value's refcount, encoding, serialized length and idle time as Redis does", async () => {
    await same('FLUSHALL');
    const big = Array.from({ length: 100 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join('');
    await same(
      ['SET', 'int', '123'], ['SET', 'shared', '9999'], ['SET', 'neg', '-5'], ['SET', 'emb', 'hello'], ['SET', 'raw', big], ['SET', 'packed', 'x'.repeat(100)],
      ['SET', 'float', '1.5'], ['APPEND', 'appended', 'ab'], ['HSET', 'h', 'f', 'v', 'n', '12'], ['SADD', 'iset', '1', '2', '3'],
      ['SADD', 'lset', 'a', 'b'], ['ZADD', 'z', '1', 'a', '2.5', 'b'], ['HSET', 'bigh', 'f', big],
      ['PFADD', 'hll', 'a', 'b', 'c'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'gone', 'v', 'PX', '1'],
    );
    await new Promise((r) => setTimeout(r, 10));
    // Refcount, encoding and serialized length: not the address and the LRU clock, which differ
    // by nature, nor the idle time, whose 1 s clock ticks at another time in each server; nor
    // the serialized length of a collection (redstate's RDB writes small ones in the plain types).
    const fields = (x: unknown, sized: boolean): unknown => {
      if (typeof x !== 'string') return x;
      const f = Object.fromEntries(x.split(' ').map((kv) => kv.split(':')));
      return { refcount: f.refcount, encoding: f.encoding, ...(sized ? { serializedlength: f.serializedlength } : {}) };
    };
    for (const key of ['int', 'shared', 'neg', 'emb', 'raw', 'packed', 'float', 'appended', 'gone', 'nokey', 'hll', 'h', 'iset', 'lset', 'z', 'bigh']) {
      const [want, got] = await Promise.all([pair.r.call('DEBUG', 'OBJECT', key), pair.s.call('DEBUG', 'OBJECT', key)]);
      const sized = (await pair.r.call('TYPE', key)) === 'string';
      expect(fields(got, sized), key).toEqual(fields(want, sized));
    }
    await same(['DEBUG', 'OBJECT'], ['DEBUG', 'OBJECT', 'a', 'b']);
    expect(await pair.s.call('DEBUG', 'OBJECT', 'emb')).toMatch(/^Value at:\(nil\) refcount:1 encoding:embstr serializedlength:6 lru:\d+ lru_seconds_idle:[01]$/);
    await same('FLUSHALL', 'DEBUG SET-ACTIVE-EXPIRE 1');
  });

  it('POPULATE makes a million keys', async () => {
    expect(await pair.s.call('DEBUG', 'POPULATE', '1000000')).toBe('OK');
    expect(await pair.s.call('DBSIZE')).toBe(1_000_000);
    expect(await pair.s.call('FLUSHALL')).toBe('OK');
  });

  it('SLEEP blocks the whole server', async () => {
    const other = await RespClient.connect(pair.redstate.port);
    const start = performance.now();
    const sleeping = pair.s.call('DEBUG', 'SLEEP', '0.3');
    await new Promise((r) => setTimeout(r, 20));
    expect(await other.call('PING')).toBe('PONG');
    expect(performance.now() - start).toBeGreaterThanOrEqual(250);
    expect(await sleeping).toBe('OK');
    other.close();
  });

  it('SET-ACTIVE-EXPIRE switches the active expire cycle of this server', async () => {
    const server = pair.redstate.server;
    expect(await pair.s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toBe('OK');
    expect(server.keyspace.activeExpireEnabled).toBe(false);
    expect(await pair.s.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1')).toBe('OK');
    expect(server.keyspace.activeExpireEnabled).toBe(true);
  });

  it('RELOAD saves and loads back the same dataset; NOSAVE loads what is on disk', async () => {
    await pair.s.call('DEBUG', 'POPULATE', '100', 'k', '10');
    const digest = await pair.s.call('DEBUG', 'DIGEST');
    expect(await pair.s.call('DEBUG', 'RELOAD')).toBe('OK');
    expect(await pair.s.call('DEBUG', 'DIGEST')).toBe(digest);
    await pair.s.call('DEBUG', 'POPULATE', '5', 'extra');
    expect(await pair.s.call('DEBUG', 'DIGEST')).not.toBe(digest);
    expect(await pair.s.call('DEBUG', 'RELOAD', 'NOSAVE')).toBe('OK');
    expect(await pair.s.call('DEBUG', 'DIGEST')).toBe(digest);
    await pair.s.call('FLUSHALL');
  });

  it("RELOAD NOFLUSH adds the file's keys and libraries to the dataset, MERGE replacing those it holds too (Redis's unit/functions.tcl)", async () => {
    const lib = ['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 'hello' end)"];
    const state = [['MGET', 'a', 'b', 'c'], ['PEXPIRETIME', 'b'], ['FUNCTION', 'LIST'], ['FCALL', 'f', '0'], ['DBSIZE']];
    await same('FLUSHALL', 'SET a 1', 'SET b 2 PXAT 4102444800000', lib, 'DEBUG RELOAD',
      // The library is there already: the load fails before any key.
      'DEL a', 'DEBUG RELOAD NOSAVE NOFLUSH', ...state,
      'SET c 3', 'SET b changed', 'DEBUG RELOAD NOSAVE NOFLUSH MERGE', ...state,
      'DEBUG RELOAD MERGE', ...state, ['FUNCTION', 'FLUSH'], 'FLUSHALL');
  });

  it('RELOAD NOFLUSH without MERGE refuses a file holding a key the dataset has, and changes nothing (where Redis panics)', async () => {
    await pair.s.call('SET', 'dup', 'file');
    expect(await pair.s.call('DEBUG', 'RELOAD')).toBe('OK');
    await pair.s.call('SET', 'dup', 'memory');
    await pair.s.call('SET', 'other', 'x');
    expect(String(await pair.s.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'))).toBe('Error: ERR Error trying to load the RDB dump');
    expect(await pair.s.call('MGET', 'dup', 'other')).toEqual(['memory', 'x']);
    await pair.s.call('FLUSHALL');
  });

  it("QUICKLIST-PACKED-THRESHOLD takes Redis's sizes; lists of elements past it read, change and reload alike (Redis's unit/type/list.tcl)", async () => {
    const big = (ch: string): string => ch.repeat(500);
    await same('DEBUG QUICKLIST-PACKED-THRESHOLD 4gb', 'DEBUG QUICKLIST-PACKED-THRESHOLD x', 'DEBUG QUICKLIST-PACKED-THRESHOLD -1',
      'DEBUG QUICKLIST-PACKED-THRESHOLD 4095mb', 'DEBUG QUICKLIST-PACKED-THRESHOLD 1b',
      ['LPUSH', 'l', big('a'), big('b'), '9'], ['LINSERT', 'l', 'AFTER', big('b'), big('e')], ['LSET', 'l', '0', big('d')],
      ['LINDEX', 'l', '1'], ['LTRIM', 'l', '1', '-1'], 'DEBUG RELOAD', ['LRANGE', 'l', '0', '-1'], ['RPOP', 'l'],
      'DEBUG QUICKLIST-PACKED-THRESHOLD 0', 'DEL l');
  });

  it("PAUSE-CRON 1 stops the cron's work (active expiry here) until PAUSE-CRON 0 (Redis's unit/tracking.tcl)", async () => {
    const dbsize = async (): Promise<unknown[]> => Promise.all([pair.r.call('DBSIZE'), pair.s.call('DBSIZE')]);
    await same('FLUSHALL', 'DEBUG PAUSE-CRON 1', 'SET k v PX 20');
    await new Promise((r) => setTimeout(r, 400));
    expect(await dbsize()).toEqual([1, 1]);
    // atoi: a word is 0.
    await same('DEBUG PAUSE-CRON x');
    await new Promise((r) => setTimeout(r, 400));
    expect(await dbsize()).toEqual([0, 0]);
  });

  it('RELOAD gives every key a fresh access word, as Redis creates each object anew', async () => {
    const idle = async (): Promise<unknown[]> => Promise.all([pair.r.call('OBJECT', 'IDLETIME', 'idle'), pair.s.call('OBJECT', 'IDLETIME', 'idle')]);
    await same('SET idle v');
    await new Promise((r) => setTimeout(r, 2100));
    for (const seconds of await idle()) expect(seconds).toBeGreaterThanOrEqual(2);
    await same('DEBUG RELOAD');
    for (const seconds of await idle()) expect(seconds).toBeLessThan(2);
    await same('DEL idle');
  });

  it('is refused unless enable-debug-command allows it, as in Redis 7.0: before AUTH, and before MULTI queues it', async () => {
    const [redis, redstate] = await Promise.all([
      startRedis(['--enable-debug-command', 'no']), startRedstate({ 'enable-debug-command': 'no' })]);
    const [admin, sadmin] = await Promise.all([RespClient.connect(redis.port), RespClient.connect(redstate.port)]);
    await Promise.all([admin.call('CONFIG', 'SET', 'requirepass', 'pw'), sadmin.call('CONFIG', 'SET', 'requirepass', 'pw')]);
    admin.close();
    sadmin.close();
    const [r, s] = await Promise.all([RespClient.connect(redis.port), RespClient.connect(redstate.port)]);
    const both = (...cmd: string[]) => Promise.all([r.call(...cmd), s.call(...cmd)]).then(([want, got]) => {
      expect(String(got), cmd.join(' ')).toBe(String(want));
      return String(got);
    });
    try {
      // Unauthenticated: the protection answers first, the arity before it.
      expect(await both('DEBUG', 'DIGEST')).toMatch(/^Error: ERR DEBUG command not allowed/);
      await both('DEBUG');
      await both('MODULE', 'LOAD', '/x.so');
      await both('GET', 'k');
      await both('AUTH', 'pw');
      expect(await both('DEBUG', 'DIGEST')).toMatch(/^Error: ERR DEBUG command not allowed/);
      for (const cmd of [['MULTI'], ['SET', 'k', 'v'], ['DEBUG', 'DIGEST'], ['EXEC'], ['GET', 'k']]) await both(...cmd);
    } finally {
      r.close();
      s.close();
      await Promise.all([redis.close(), redstate.close()]);
    }
    const local = await startRedstate({ 'enable-debug-command': 'local' });
    const c = await RespClient.connect(local.port);
    expect(await c.call('DEBUG', 'DIGEST')).toBe('0'.repeat(40));
    c.close();
    await local.close();
  });
});
