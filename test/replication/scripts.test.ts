// Scripts and functions on a redstate master with a real redis-server 7.0 replica: EVAL and
// FCALL reach the replica as their effects (the replica never runs them: it has no script
// cache entry and would refuse a write of its own), wrapped in MULTI/EXEC when there are
// several, a script past busy-reply-threshold included; FUNCTION LOAD/DELETE propagate as
// commands, and FCALL gives equal results on both; the datasets' digests agree. The stream
// a redstate master sends for scripts (and redis.set_repl) is the one redis-server sends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caughtUp, digest } from '../helpers/replication.js';
import { StreamReplica } from '../helpers/replica-stream.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

let master: InProcess;
let replica: Proc;
let m: RespClient;
let r: RespClient;

beforeAll(async () => {
  master = await startRedstate({ 'repl-diskless-sync-delay': '0', 'busy-reply-threshold': '100' });
  replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
  [m, r] = await Promise.all([RespClient.connect(master.port), RespClient.connect(replica.port)]);
  await caughtUp(master.port, replica.port);
});
afterAll(async () => {
  m.close();
  r.close();
  await replica.close();
  await master.close();
});

const LIB = "#!lua name=lib\nredis.register_function('incr2', function(keys, args) " +
  "redis.call('incr', keys[1]) return redis.call('incrby', keys[1], args[1]) end)";

describe('scripts and functions replicated by their effects', () => {
  it('EVAL, EVALSHA and FCALL reach a redis-server 7.0 replica', async () => {
    expect(await m.call('EVAL', "redis.call('set', KEYS[1], ARGV[1]) redis.call('rpush', KEYS[2], 'a', 'b') " +
      "redis.call('set', 'tmp', 'x', 'EX', 100) return redis.call('incr', 'n')", '2', 'k', 'l', 'v')).toBe(1);
    const sha = String(await m.call('SCRIPT', 'LOAD', "return redis.call('incrby', KEYS[1], ARGV[1])"));
    expect(await m.call('EVALSHA', sha, '1', 'n', '10')).toBe(11);
    expect(await m.call('EVAL', "return redis.call('get', 'k')", '0')).toBe('v');
    expect(await m.call('FUNCTION', 'LOAD', LIB)).toBe('lib');
    expect(await m.call('FCALL', 'incr2', '1', 'f', '5')).toBe(6);
    // Past busy-reply-threshold: the effects still leave together when it ends.
    expect(await m.call('EVAL', "redis.call('set', 'slow', '1') local t = redis.call('time')[1] " +
      "while redis.call('time')[1] - t < 1 do end redis.call('set', 'slow', '2') return 'done'", '0')).toBe('done');
    await caughtUp(master.port, replica.port);
    expect(await r.call('MGET', 'k', 'n', 'f', 'slow')).toEqual(['v', '11', '6', '2']);
    expect(await r.call('LRANGE', 'l', '0', '-1')).toEqual(['a', 'b']);
    expect(await r.call('FCALL_RO', 'incr2', '1', 'f', '1')).toBeInstanceOf(Error);
    expect(await r.call('FUNCTION', 'LIST')).toEqual(await m.call('FUNCTION', 'LIST'));
    expect(await r.call('SCRIPT', 'EXISTS', sha)).toEqual([0]);
    expect(await digest(replica.port)).toBe(await digest(master.port));
    expect(await m.call('FUNCTION', 'DELETE', 'lib')).toBe('OK');
    await caughtUp(master.port, replica.port);
    expect(await r.call('FUNCTION', 'LIST')).toEqual([]);
  });

  it('sends the same stream as a redis-server 7.0 master: effects in MULTI/EXEC, one write alone', async () => {
    const redis = await startRedis();
    const streams: string[][][] = [];
    for (const port of [redis.port, master.port]) {
      const c = await RespClient.connect(port);
      const sr = await StreamReplica.start(port, { psync: ['?', -1] });
      await sr.payload;
      await c.call('EVAL', "redis.call('set', KEYS[1], '1') redis.call('get', KEYS[1]) redis.call('lpush', KEYS[2], 'x') " +
        "return redis.call('del', 'nokey')", '2', 'sk', 'sl');
      await c.call('EVAL', "return redis.call('incr', 'one')", '0');
      await c.call('EVAL', "return redis.call('get', 'one')", '0');
      // redis.set_repl: writes made without REPL_REPLICA stay off the stream.
      await c.call('EVAL', "redis.call('set', 'a1', '1') redis.set_repl(redis.REPL_NONE) redis.call('set', 'a2', '2') " +
        "redis.set_repl(redis.REPL_AOF) redis.call('incr', 'a2') redis.set_repl(redis.REPL_ALL) redis.call('set', 'a3', '3')", '0');
      await c.call('EVAL', "redis.set_repl(redis.REPL_NONE) redis.call('set', 'a4', '4') redis.set_repl(redis.REPL_REPLICA) " +
        "return redis.call('set', 'a5', '5')", '0');
      await c.call('SET', 'end', '1');
      await sr.waitFor((cmds) => cmds.some((x) => x[0] === 'SET' && x[1] === 'end'));
      streams.push(sr.commands.filter((x) => x[0]!.toUpperCase() !== 'PING' && x[0]!.toUpperCase() !== 'SELECT'));
      sr.close();
      c.close();
    }
    await redis.close();
    expect(streams[1]).toEqual(streams[0]);
    expect(streams[0]![0]).toEqual(['MULTI']);
  });
});
