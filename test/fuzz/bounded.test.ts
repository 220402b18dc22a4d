// Bounded work per command, compared with redis-server 7.0: extreme indexes and counts, growth
// past proto-max-bulk-len, numeric overflow, invalid expire times and deep MULTI queues each get
// Redis's answer, and a huge count never turns into work beyond the data a command touches.
import { describe, expect, it } from 'vitest';
import { encodeCommand, RespClient } from '../helpers/resp-client.js';
import { MAX, MIN, plain, sideBySide } from '../commands/side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same, sameSorted } = pair;

describe('bounded work per command', () => {
  it('ranges with int64 extremes answer from the data they touch', async () => {
    await same('RPUSH l a b c', 'SET s hello', 'ZADD z 1 a 2 b 3 c');
    for (const [a, b] of [[MIN, MAX], [MAX, MIN], [MIN, MIN], [MAX, MAX], ['-1', MAX], [MIN, '0'], ['0', '-9223372036854775809']]) {
      await same(['LRANGE', 'l', a, b], ['GETRANGE', 's', a, b], ['ZRANGE', 'z', a, b], ['ZREVRANGE', 'z', a, b],
        ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', a, b], ['LTRIM', 'l', a, b], ['LRANGE', 'l', '0', '-1']);
      await same('RPUSH l a b c');
    }
    await same(['LINDEX', 'l', MIN], ['LSET', 'l', MAX, 'x'], ['LPOS', 'l', 'a', 'RANK', MIN], ['LPOS', 'l', 'a', 'COUNT', MAX, 'MAXLEN', MAX],
      ['ZREMRANGEBYRANK', 'z', MIN, MAX], ['ZCARD', 'z']);
  });

  it('huge counts are bounded by the collection', async () => {
    await same('SADD s a b c 1 2', 'HSET h a 1 b 2', 'ZADD z 1 a 2 b', 'RPUSH l a b', 'MSET k1 1 k2 2');
    await sameSorted(['SRANDMEMBER', 's', MAX], ['HRANDFIELD', 'h', MAX], ['HRANDFIELD', 'h', MAX, 'WITHVALUES'],
      ['ZRANDMEMBER', 'z', MAX, 'WITHSCORES'], ['SCAN', '0', 'COUNT', MAX], ['SSCAN', 's', '0', 'COUNT', MAX],
      ['HSCAN', 'h', '0', 'COUNT', MAX], ['ZSCAN', 'z', '0', 'COUNT', MAX]);
    await same(['HRANDFIELD', 'h', MIN], ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'],
      ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'], ['SRANDMEMBER', 's', MIN], ['SCAN', '0', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT', MIN], ['SPOP', 's', '-1'], ['LPOP', 'l', MAX], ['RPOP', 'l', MIN], ['ZPOPMIN', 'z', MAX],
      ['ZMPOP', '1', 'z', 'MIN', 'COUNT', MAX], ['SINTERCARD', '1', 's', 'LIMIT', MAX], ['ZINTERCARD', '1', 'z', 'LIMIT', MIN]);
    await sameSorted(['SPOP', 's', MAX]);
    await same('EXISTS s z l', 'DEBUG DIGEST');
  });

  it('growth past proto-max-bulk-len gets "string exceeds maximum allowed size"', async () => {
    const big = 'x'.repeat(700_000);
    await same('CONFIG SET proto-max-bulk-len 1mb', ['SET', 's', big], ['APPEND', 's', big], 'STRLEN s',
      'SETRANGE s 1048576 x', 'SETRANGE s 1048575 x', 'STRLEN s', 'SETRANGE n 1048576 ""', 'SETRANGE n 1048576 x',
      ['SETRANGE', 's', MAX, 'x'], 'SETRANGE s -1 x', 'EXISTS n', 'CONFIG SET proto-max-bulk-len 512mb',
      'SETRANGE n 536870912 x', 'SETRANGE n 4294967296 x', 'APPEND s ""', 'DEBUG DIGEST');
  });

  it('numeric overflow and inf/nan are refused as Redis refuses them', async () => {
    await same(['SET', 'i', MAX], 'INCR i', 'INCRBY i 0', ['INCRBY', 'i', MIN], 'GET i', ['SET', 'j', MIN], 'DECR j',
      ['DECRBY', 'j', MIN], ['INCRBY', 'j', MAX], ['DECRBY', 'i', '-9223372036854775807'], ['INCRBY', 'i', '9223372036854775808'],
      'SET f 1.5', 'INCRBYFLOAT f inf', 'INCRBYFLOAT f 1e308', 'INCRBYFLOAT f 1e308', 'INCRBYFLOAT f nan',
      'INCRBYFLOAT f -1.7976931348623157e308', 'GET f', 'HSET h n 1', ['HINCRBY', 'h', 'n', MAX], 'HINCRBYFLOAT h n inf',
      'HINCRBYFLOAT h n 1e308', 'HINCRBYFLOAT h n 1e308', 'ZADD z inf a', 'ZINCRBY z -inf a', 'ZADD z INCR -inf a',
      'ZADD z nan b', 'ZINCRBY z nan a', 'ZSCORE z a', 'DEBUG DIGEST');
  });

  it('expire times that overflow are "invalid expire time"', async () => {
    await same('SET k v', ['EXPIRE', 'k', MAX], ['EXPIRE', 'k', '9223372036854776'], ['PEXPIRE', 'k', MAX],
      ['EXPIREAT', 'k', MAX], ['PEXPIREAT', 'k', MAX], 'PTTL k', ['EXPIRE', 'k', MIN], ['SET', 'k', 'v', 'EX', MAX],
      ['SET', 'k', 'v', 'PX', MAX], ['SET', 'k', 'v', 'EX', '0'], ['SET', 'k', 'v', 'EXAT', '-1'], ['SETEX', 'k', '-1', 'v'],
      ['PSETEX', 'k', '9223372036854775807', 'v'], ['GETEX', 'k', 'EX', MAX], ['GETEX', 'k', 'PXAT', '0'], 'EXISTS k');
  });

  it('blocking timeouts: seconds * 1000 in long double rounded up (0.0001 s waits 1 ms), a deadline that wraps past int64 never comes', async () => {
    await same('RPUSH l a b c d e f g', 'ZADD z 1 a 2 b', 'BLPOP l 9223372036854775', 'BLPOP l 9223372036854776',
      'BLPOP l 9223372036854775.807', 'BLPOP l 9223372036854775.808', 'BRPOP l 0.0001', 'BRPOP l -0.0001', 'BLPOP l -0.001',
      'BLMPOP 9223372036854775 1 l LEFT', 'BZPOPMIN z 0x1p62', 'BZPOPMAX z 0x1p63', 'BLMOVE l d LEFT RIGHT 1e16',
      'BLPOP l 1e-4000', 'BLPOP l 0x10', 'LLEN l', 'BLPOP empty 0.0001', 'BRPOP empty 1e-300');
    // The wrapped deadline: a push a while later still finds the client waiting on both servers.
    const waited = async (port: number, client: RespClient): Promise<unknown> => {
      const waiter = await RespClient.connect(port);
      const reply = waiter.call('BLPOP', 'empty', '9223372036854775');
      await new Promise((r) => setTimeout(r, 300));
      await client.call('RPUSH', 'empty', 'x');
      const got = await reply;
      waiter.close();
      return got;
    };
    const [want, got] = await Promise.all([waited(pair.redis.port, pair.r), waited(pair.redstate.port, pair.s)]);
    expect(got).toEqual(want);
    expect(got).toEqual(['empty', 'x']);
  });

  // redis-server takes a string up to 512 MB (+1 byte through BITFIELD); a JS string ends 24
  // bytes short of that. redstate refuses those lengths with Redis's growth error where it
  // leaked "Invalid string length" (a bulk argument that long is a protocol error once it has
  // arrived: checked by hand, it takes 512 MB on the wire).
  it('growth past the longest JS string gets the growth error, and the server stays up', async () => {
    const { s } = pair;
    const tooLong = { error: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)' };
    for (const cmd of [['SETRANGE', 'k', '536870888', 'x'], ['SETBIT', 'k', '4294967104', '1'], ['BITFIELD', 'k', 'SET', 'u8', '4294967295', '1'],
      ['BITFIELD', 'k', 'INCRBY', 'i8', '#536870888', '1'], ['APPEND', 'k', 'x'], ['SETRANGE', 'k', '536870887', 'xy']]) {
      expect(plain(await s.call(...cmd)), cmd.join(' ')).toEqual(cmd[0] === 'APPEND' ? 1 : tooLong);
    }
    expect(await s.call('GET', 'k')).toBe('x');
  });

  it('a MULTI of 20,000 queued commands runs as one EXEC', async () => {
    const cmds = [['MULTI'], ...Array.from({ length: 20_000 }, (_, i) => ['INCR', `k${i % 10}`]), ['EXEC'], ['GET', 'k3']];
    const [want, got] = await Promise.all([pair.r.pipeline(cmds), pair.s.pipeline(cmds)]);
    expect(got.length).toBe(want.length);
    expect(got.at(-1)).toEqual(want.at(-1));
    expect((got.at(-2) as unknown[]).length).toBe(20_000);
    expect(JSON.stringify(got)).toBe(JSON.stringify(want));
  });

  // redis-server 7.0 builds these replies whole and aborts out of memory (or, with an output
  // limit set, still loops 2^63 times): redstate stops at the limit and closes that client only.
  it('SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with a count of -LONG_MAX close the asking client at the output limit', async () => {
    const { s } = pair;
    await s.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 1mb 0');
    await s.call('SADD', 'set', 'a', 'b');
    await s.call('HSET', 'hash', 'a', '1');
    await s.call('ZADD', 'zset', '1', 'a');
    const HALF = '-4611686018427387903';
    for (const args of [['SRANDMEMBER', 'set', '-9223372036854775807'], ['HRANDFIELD', 'hash', '-9223372036854775807'],
      ['HRANDFIELD', 'hash', HALF, 'WITHVALUES'], ['ZRANDMEMBER', 'zset', '-9223372036854775807'], ['ZRANDMEMBER', 'zset', HALF, 'WITHSCORES']]) {
      const asker = await RespClient.connect(pair.redstate.port);
      asker.write(Buffer.concat([encodeCommand(args), encodeCommand(['PING'])]));
      await asker.waitClosed();
      expect(await s.call('PING'), args.join(' ')).toBe('PONG');
    }
    expect(await s.call('SCARD', 'set')).toBe(2);
    await s.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0');
  });
});
