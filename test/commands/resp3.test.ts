// RESP3 after HELLO 3, byte for byte against redis-server 7.0: the same commands sent on a
// raw socket get the same bytes back (maps, sets, doubles, nulls, push messages), and HELLO 2
// turns them back into RESP2.
import { describe, expect, it } from 'vitest';
import { bytes, session, w } from '../helpers/raw-session.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });

/**
 * What differs between the servers and not by protocol: HELLO's id (each counts its own
 * connections), a consumer's idle time and the stream timestamps XINFO FULL shows.
 */
const ids = (s: string): string =>
  s.replace(/\$2\r\nid\r\n:\d+/g, '$2\r\nid\r\n:N').replace(/\$4\r\nidle\r\n:\d+/g, 'idle:N').replace(/:\d{13}\r\n/g, ':T\r\n');

async function same(cmds: string[][]): Promise<string> {
  const [want, got] = await Promise.all([bytes(pair.redis.port, cmds), bytes(pair.redstate.port, cmds)]);
  expect(ids(got)).toBe(ids(want));
  return got;
}

describe('RESP3', () => {
  it('HELLO 3 with AUTH and SETNAME answers a map; bad versions and options as Redis', async () => {
    const got = await same([w('CONFIG SET requirepass pw'), w('HELLO 4'), w('HELLO x'), w('HELLO 3 AUTH default nope'),
      w('HELLO 3 SETNAME a'), w('HELLO 3 AUTH default pw SETNAME me'), w('CLIENT GETNAME'), w('HELLO 3 FOO'),
      ['CONFIG', 'SET', 'requirepass', '']]);
    expect(got).toContain('%7\r\n');
  });

  it('nulls, doubles, maps and sets take their RESP3 types; HELLO 2 goes back', async () => {
    const cmds = [w('HELLO 3'), w('GET nokey'), w('LPOP nokey 2'), w('HSET h f v'), w('HGETALL h'),
      w('HGETALL nokey'), w('ZADD z 1.5 m'), w('ZSCORE z m'), w('ZSCORE z x'), w('ZINCRBY z 1 m'), w('SADD s 3 1 2'),
      w('SMEMBERS s'), w('SINTER s nokey'), w('SUNION s'), w('CONFIG GET maxmemory-policy'), w('BLPOP nokey 0.01'),
      w('MULTI'), w('BLPOP nokey 0'), w('EXEC'), w('XADD x 1-1 f v'), w('XADD y 1-1 g w'), w('XREAD STREAMS x y 0 0'),
      w('XREAD STREAMS nokey 0'), w('XGROUP CREATE x g 0'), w('XREADGROUP GROUP g c STREAMS x >'), w('XREAD BLOCK 1 STREAMS x $'),
      w('HELLO 2'), w('GET nokey'), w('HGETALL h'), w('ZSCORE z m'), w('XREAD STREAMS x y 0 0')];
    await same(cmds);
  });

  it('pairs, maps, sets, doubles, booleans and verbatim strings of every family as Redis 7.0 sends them', async () => {
    const got = await same([w('HELLO 3'), w('ZADD z 1 a 2.5 b 3 c'), w('ZADD z2 1 a 5 e'),
      // Sorted sets: WITH SCORES replies are [member, double] pairs; ZPOPMIN without a count stays flat.
      w('ZRANGE z 0 -1 WITHSCORES'), w('ZRANGE z 0 -1 REV WITHSCORES'), w('ZRANGE z (1 3 BYSCORE WITHSCORES'),
      w('ZRANGEBYSCORE z -inf +inf WITHSCORES'), w('ZREVRANGEBYSCORE z +inf -inf WITHSCORES'), w('ZREVRANGE z 0 -1 WITHSCORES'),
      w('ZRANGE z 5 9 WITHSCORES'), w('ZRANDMEMBER z 5 WITHSCORES'), w('ZRANDMEMBER z 0 WITHSCORES'), w('ZUNION 2 z z2 WITHSCORES'),
      w('ZINTER 2 z z2 WITHSCORES'), w('ZDIFF 2 z z2 WITHSCORES'), w('ZMSCORE z a x'), w('ZADD z INCR 1 a'), w('ZADD z XX INCR 1 x'),
      w('ZPOPMIN z'), w('ZPOPMIN z 1'), w('ZPOPMAX z 5'), w('ZPOPMIN nokey 1'), w('ZADD z 1 a 2 b'), w('MULTI'), w('ZPOPMAX z 1'),
      w('ZRANGE z 0 -1 WITHSCORES'), w('EXEC'), w('ZMPOP 1 z MIN COUNT 3'), w('BZPOPMIN z2 0'),
      // Hashes and sets.
      w('HSET h a 1 b 2'), w('HRANDFIELD h 2 WITHVALUES'), w('HRANDFIELD h 9 WITHVALUES'), w('HRANDFIELD h 9'), w('HINCRBYFLOAT h a 1.5'),
      w('SADD st 3 1 2'), w('SPOP st 0'), w('SPOP nokey 2'), w('SMEMBERS st'), w('SMISMEMBER st 2 x'), w('SRANDMEMBER st 9'), w('SPOP st 9'),
      // Streams: XINFO answers maps.
      w('XADD x 1-1 f v'), w('XADD x 2-1 g w'), w('XGROUP CREATE x g 0'), w('XREADGROUP GROUP g c COUNT 1 STREAMS x >'),
      w('XINFO STREAM x'), w('XINFO STREAM x FULL'), w('XINFO GROUPS x'), w('XINFO CONSUMERS x g'), w('XINFO STREAM nokey'),
      // Geo coordinates are doubles; distances stay bulks.
      w('GEOADD g 13.36 38.11 a 15.08 37.50 b'), w('GEOPOS g a nokey'), w('GEODIST g a b'),
      w('GEORADIUS g 15 37 200 km WITHDIST WITHCOORD WITHHASH ASC'), w('GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD ASC'),
      // LCS IDX, FUNCTION LIST and STATS answer maps; flags are sets.
      w('SET k1 hello'), w('SET k2 hallo'), w('LCS k1 k2 IDX WITHMATCHLEN'),
      ['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function{function_name='f', callback=function() return 1 end, flags={'no-writes'}}"],
      w('FUNCTION LIST'), w('FUNCTION LIST WITHCODE'), w('FUNCTION STATS'), w('FUNCTION FLUSH'),
      // Verbatim strings, and DEBUG PROTOCOL's sample of every type (attribute and push included).
      w('INFO keyspace'), w('LATENCY DOCTOR'), w('SCRIPT EXISTS a'), ...['string', 'integer', 'double', 'bignum', 'null', 'array', 'set',
        'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'nope'].map((t) => ['DEBUG', 'PROTOCOL', t]),
      w('HELLO 2'), w('ZRANGE z2 0 -1 WITHSCORES'), w('HRANDFIELD h 9 WITHVALUES'), w('XINFO GROUPS x'), w('GEOPOS g a'),
      w('INFO keyspace'), w('DEBUG PROTOCOL attrib'), w('DEBUG PROTOCOL push'), w('DEBUG PROTOCOL true'), w('DEBUG PROTOCOL map')]);
    expect(got).toContain('*2\r\n$1\r\nb\r\n,2.5\r\n');
    expect(got).toMatch(/=\d+\r\ntxt:# Keyspace\r\ndb0:keys=/);
  });

  it('INFO, CLIENT INFO and CLIENT LIST are verbatim text in RESP3 and bulks in RESP2', async () => {
    for (const port of [pair.redis.port, pair.redstate.port]) {
      const got = await bytes(port, [w('HELLO 3'), w('CLIENT INFO'), w('CLIENT LIST'), w('INFO server'), w('HELLO 2'), w('CLIENT INFO')]);
      expect(got).toMatch(/\r\n=\d+\r\ntxt:id=\d+ .*\n\r\n=\d+\r\ntxt:id=\d+ .*\n\r\n=\d+\r\ntxt:# Server\r\n.*\r\n\$\d+\r\nid=/s);
    }
  });

  it('pub/sub messages are push messages, and other commands still run while subscribed', async () => {
    const run = async (port: number): Promise<string> => {
      const sub = await session(port);
      let out = await sub([w('HELLO 3'), w('SUBSCRIBE ch'), w('PSUBSCRIBE o*'), w('GET nokey'), w('PING')]);
      await bytes(port, [w('PUBLISH ch hello'), w('PUBLISH other x')]);
      out += await sub([w('UNSUBSCRIBE'), w('PING')]);
      sub.close();
      return out;
    };
    const [want, got] = await Promise.all([run(pair.redis.port), run(pair.redstate.port)]);
    expect(ids(got)).toBe(ids(want));
    expect(got).toContain('>3\r\n$7\r\nmessage\r\n');
  });
});
