// Keyspace notifications compared with redis-server 7.0: the same commands under the same
// notify-keyspace-events give the same __keyspace@0__ and __keyevent@0__ messages in the same
// order, read by a raw subscriber and by ioredis.
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });

const COMMANDS = [
  'SET s v EX 100', 'INCR n', 'INCRBY n 5', 'DECR n', 'INCRBYFLOAT f 1.5', 'APPEND s x', 'MSET a 1 b 2', 'SETNX a 3',
  'DEL a b nokey', 'EXPIRE s 100', 'PERSIST s', 'PERSIST s', 'EXPIRE s -1', 'EXPIRE nokey 10',
  'LPUSH l a b c', 'RPUSH l d', 'RPOP l', 'LPOP l 2', 'LREM l 0 x', 'LMOVE l l2 LEFT RIGHT', 'RPOPLPUSH l2 l3',
  'HSET h f v g w', 'HDEL h f', 'HDEL h g', 'SADD st m n', 'SADD st m', 'SREM st m', 'SREM st n',
  'ZADD z 1 a 2 b 3 c', 'ZADD z 1 a', 'ZINCRBY z 1 a', 'ZREM z a', 'ZPOPMIN z', 'ZPOPMAX z 5', 'SET e v PX 1',
];

/** Runs the commands with notify-keyspace-events set to flags; returns every message a pattern subscriber got. */
async function messages(port: number, flags: string): Promise<Reply[]> {
  const [sub, cmd] = [await RespClient.connect(port), await RespClient.connect(port)];
  try {
    await cmd.call('CONFIG', 'SET', 'notify-keyspace-events', flags);
    await sub.call('PSUBSCRIBE', '__key*__:*', 'done');
    for (const c of COMMANDS) await cmd.call(...c.split(' '));
    await new Promise((r) => setTimeout(r, 20));
    await cmd.call('GET', 'e');
    await cmd.call('PUBLISH', 'done', 'x');
    const out: Reply[] = [];
    for (;;) {
      const m = (await sub.next()) as string[];
      if (m[2] === 'done') return out;
      out.push(m.slice(2));
    }
  } finally {
    await cmd.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    sub.close();
    cmd.close();
  }
}

describe('keyspace notifications', () => {
  for (const flags of ['KEA', 'Kg', 'E$lx', 'Ehsz', 'KA']) {
    it(`the same messages as Redis with notify-keyspace-events ${flags}`, async () => {
      const [want, got] = await Promise.all([messages(pair.redis.port, flags), messages(pair.redstate.port, flags)]);
      expect(got).toEqual(want);
      expect(got.length).toBeGreaterThan(0);
    });
  }

  it('CONFIG SET checks the classes and CONFIG GET shows them canonically', async () => {
    for (const v of ['KEA', 'AKE', 'Elg$xK', 'g$lshzxetd', 'Kx1', 'KEm', 'n', '']) {
      await pair.same(['CONFIG', 'SET', 'notify-keyspace-events', v], 'CONFIG GET notify-keyspace-events');
    }
  });

  it('ioredis receives keyevent messages on a pattern', async () => {
    const run = async (port: number): Promise<string[]> => {
      const sub = new Redis({ port });
      const cmd = new Redis({ port });
      try {
        await cmd.config('SET', 'notify-keyspace-events', 'E$l');
        const got: string[] = [];
        const done = new Promise<void>((r) => sub.on('pmessage', (_p: string, ch: string, key: string) => {
          got.push(`${ch} ${key}`);
          if (key === 'last') r();
        }));
        await sub.psubscribe('__keyevent@0__:*');
        await cmd.set('k', 'v');
        await cmd.rpush('q', 'job');
        await cmd.lpop('q');
        await cmd.set('last', '1');
        await done;
        await cmd.config('SET', 'notify-keyspace-events', '');
        return got;
      } finally {
        sub.disconnect();
        cmd.disconnect();
      }
    };
    const [want, got] = await Promise.all([run(pair.redis.port), run(pair.redstate.port)]);
    expect(got).toEqual(want);
  });
});
