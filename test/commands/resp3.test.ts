// RESP3 after HELLO 3, byte for byte against redis-server 7.0: the same commands sent on a
// raw socket get the same bytes back (maps, sets, doubles, nulls, push messages), and HELLO 2
// turns them back into RESP2.
import { describe, expect, it } from 'vitest';
import { bytes, session, w } from '../helpers/raw-session.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });

/** HELLO's id field differs between the servers (each counts its own connections). */
const ids = (s: string): string => s.replace(/\$2\r\nid\r\n:\d+/g, '$2\r\nid\r\n:N');

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
