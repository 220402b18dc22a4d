// keyspace_hits and keyspace_misses of INFO stats after each command, on a missing key and on
// one that holds a value, compared with redis-server 7.0: Redis counts lookupKeyRead's finds
// and misses, and never lookupKeyWrite's (nor DEL's expireIfNeeded), whatever the command's
// family.
import { describe, expect, it } from 'vitest';
import { sideBySide, type Arg } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same, sameSorted } = pair;

const lookups = async (c: typeof pair.r): Promise<string[]> =>
  String(await c.call('INFO', 'stats')).split('\r\n').filter((l) => l.startsWith('keyspace_'));

/** Each command run after FLUSHALL, then after the setup: the counts must match (every mismatch listed). */
async function sameCounts(setup: Arg[][], commands: Arg[][]): Promise<void> {
  const mismatches: string[] = [];
  for (const cmd of commands) {
    for (const before of [[], setup]) {
      await same(['FLUSHALL'], ...before, ['CONFIG', 'RESETSTAT']);
      await sameSorted(cmd);
      const [want, got] = await Promise.all([lookups(pair.r), lookups(pair.s)]);
      const where = `${before.length ? 'present' : 'missing'}; ${cmd.join(' ')}`;
      if (got.join() !== want.join()) mismatches.push(`${where}: ${got.join()} (redis ${want.join()})`);
    }
  }
  expect(mismatches).toEqual([]);
}

describe('keyspace hits and misses', () => {
  it('strings: reads count, writes (lookupKeyWrite) do not', async () => {
    await sameCounts([['SET', 'k', '1'], ['SET', 'j', '2']], [['GET', 'k'], ['GETSET', 'k', '2'], ['GETDEL', 'k'],
      ['GETEX', 'k'], ['STRLEN', 'k'], ['GETRANGE', 'k', '0', '-1'], ['MGET', 'k', 'k'], ['APPEND', 'k', '1'],
      ['SETRANGE', 'k', '1', 'x'], ['SETRANGE', 'k', '0', ''], ['INCR', 'k'], ['DECR', 'k'], ['INCRBY', 'k', '2'],
      ['DECRBY', 'k', '2'], ['INCRBYFLOAT', 'k', '1.5'], ['SET', 'k', '1', 'GET'], ['SET', 'k', '1', 'NX'],
      ['SET', 'k', '1', 'XX'], ['SET', 'k', '1', 'NX', 'GET'], ['SETNX', 'k', '1'], ['MSETNX', 'j', '1', 'k', '1'],
      ['LCS', 'k', 'j']]);
  });

  it('generic key commands', async () => {
    await sameCounts([['SET', 'k', '1'], ['SET', 'j', '2']], [['EXISTS', 'k', 'j'], ['TOUCH', 'k'], ['TYPE', 'k'],
      ['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'], ['OBJECT', 'ENCODING', 'k'], ['DEL', 'k', 'j'],
      ['UNLINK', 'k'], ['EXPIRE', 'k', '100'], ['PEXPIRE', 'k', '100000'], ['EXPIREAT', 'k', '9999999999'],
      ['PERSIST', 'k'], ['RENAME', 'k', 'n'], ['RENAMENX', 'k', 'j'], ['MOVE', 'k', '1'], ['COPY', 'k', 'n'],
      ['COPY', 'k', 'j', 'REPLACE'], ['DUMP', 'k'], ['SORT', 'k'], ['SORT_RO', 'k']]);
  });

  it('collections: reads count, writes do not', async () => {
    await sameCounts([['HSET', 'h', 'f', '1'], ['RPUSH', 'l', 'a', 'b'], ['SADD', 's', 'a', 'b'],
      ['ZADD', 'z', '1', 'a', '2', 'b'], ['XADD', 'x', '1-1', 'f', 'v']], [
      ['HSET', 'h', 'f', '2'], ['HGET', 'h', 'f'], ['HDEL', 'h', 'f'], ['HINCRBY', 'h', 'n', '1'], ['HGETALL', 'h'],
      ['HSETNX', 'h', 'f', '1'], ['LPUSH', 'l', 'c'], ['LPUSHX', 'l', 'c'], ['LPOP', 'l'], ['LRANGE', 'l', '0', '-1'],
      ['LINDEX', 'l', '0'], ['LSET', 'l', '0', 'x'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['SADD', 's', 'c'],
      ['SREM', 's', 'a'], ['SISMEMBER', 's', 'a'], ['SMEMBERS', 's'], ['SPOP', 's', '2'], ['SMOVE', 's', 's2', 'a'],
      ['SUNION', 's', 's2'], ['SUNIONSTORE', 'd', 's', 's2'], ['SINTERCARD', '1', 's'], ['ZADD', 'z', '3', 'c'],
      ['ZINCRBY', 'z', '1', 'a'], ['ZSCORE', 'z', 'a'], ['ZRANGE', 'z', '0', '-1'], ['ZPOPMIN', 'z'],
      ['ZUNION', '2', 'z', 's'], ['ZUNIONSTORE', 'd', '2', 'z', 's'], ['ZRANGESTORE', 'd', 'z', '0', '-1'],
      ['XADD', 'x', '2-1', 'f', 'v'], ['XLEN', 'x'], ['XRANGE', 'x', '-', '+'], ['XDEL', 'x', '1-1'], ['XTRIM', 'x', 'MAXLEN', '0'],
      ['XGROUP', 'CREATE', 'x', 'g', '0'], ['XINFO', 'STREAM', 'x'], ['HINCRBYFLOAT', 'h', 'f', '1'],
      ['HSTRLEN', 'h', 'f'], ['LINSERT', 'l', 'BEFORE', 'a', 'z'], ['LPOS', 'l', 'b'], ['LTRIM', 'l', '0', '0'],
      ['LREM', 'l', '0', 'a'], ['RPOPLPUSH', 'l', 'l'], ['SMISMEMBER', 's', 'a', 'x'], ['SCARD', 's'],
      ['SINTERSTORE', 'd', 's', 's2'], ['SDIFFSTORE', 'd', 's', 's2'], ['ZREM', 'z', 'a'],
      ['ZMSCORE', 'z', 'a'], ['ZRANGEBYSCORE', 'z', '-inf', '+inf'], ['ZINTERSTORE', 'd', '1', 'z'], ['ZCARD', 'z'],
      ['ZREMRANGEBYRANK', 'z', '0', '0'], ['GEOADD', 'g', '1', '1', 'a'], ['GEOPOS', 'z', 'a'],
      ['GEOSEARCHSTORE', 'd', 'z', 'FROMLONLAT', '1', '1', 'BYRADIUS', '10', 'km']]);
  });

  it('hyperloglogs and bitmaps', async () => {
    await sameCounts([['PFADD', 'p', 'a'], ['PFADD', 'p2', 'b'], ['SET', 'b', 'x']], [['PFADD', 'p', 'a'], ['PFCOUNT', 'p'],
      ['PFCOUNT', 'p', 'p2'], ['PFMERGE', 'p', 'p2'], ['PFMERGE', 'n', 'p'], ['SETBIT', 'b', '1', '1'],
      ['GETBIT', 'b', '1'], ['BITCOUNT', 'b'], ['BITPOS', 'b', '1'], ['BITFIELD', 'b', 'SET', 'u8', '0', '1'],
      ['BITFIELD', 'b', 'GET', 'u8', '0'], ['BITFIELD_RO', 'b', 'GET', 'u8', '0'], ['BITOP', 'OR', 'd', 'b', 'p']]);
  });
});
