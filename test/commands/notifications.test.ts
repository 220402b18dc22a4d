// Keyspace notifications compared with redis-server 7.0: the same commands under the same
// notify-keyspace-events give the same __keyspace@0__ and __keyevent@0__ messages in the same
// order, read by a raw subscriber, by redis-cli --csv psubscribe and by ioredis.
import { spawn } from 'node:child_process';
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
  'ZADD z 1 a 2 b 3 c', 'ZADD z 1 a', 'ZINCRBY z 1 a', 'ZREM z a', 'ZPOPMIN z', 'ZPOPMAX z 5',
  'SET r v', 'RENAME r r2', 'RENAME r2 r2', 'RENAMENX r2 r3', 'COPY r3 r4', 'SETRANGE r4 1 xyz', 'SETRANGE r5 0 ""',
  'GETDEL r4', 'GETEX r3 EX 100', 'GETEX r3 PERSIST', 'MSETNX m1 1 m2 2', 'SETEX se 100 v', 'PSETEX pse 100000 v',
  'RPUSH L a b c d e', 'LSET L 0 x', 'LINSERT L BEFORE x y', 'LTRIM L 1 3', 'LPUSHX L z', 'RPUSHX L w', 'LMPOP 1 L LEFT COUNT 2',
  'LTRIM L 5 10', 'SORT L2 STORE L4', 'RPUSH L5 3 1 2', 'SORT L5 STORE L6',
  'HINCRBY h2 f 1', 'HINCRBYFLOAT h2 f 1.5', 'HSETNX h2 g 1', 'HSETNX h2 g 2', 'HMSET h2 a 1',
  'SADD s1 a b c d', 'SADD sp x', 'SPOP sp', 'SMOVE s1 s2 c', 'SMOVE s1 s2 nomember', 'SADD s3 b d', 'SINTERSTORE s4 s1 s3', 'SUNIONSTORE s5 s1 s3',
  'SDIFFSTORE s6 s1 s3', 'SINTERSTORE s4 s1 nokey', 'SPOP s2 5',
  'ZADD z1 1 a 2 b 3 c 4 d 5 e', 'ZREMRANGEBYRANK z1 0 0', 'ZREMRANGEBYSCORE z1 2 2', 'ZREMRANGEBYLEX z1 [c [c', 'ZADD z2 1 d',
  'ZUNIONSTORE z3 2 z1 z2', 'ZINTERSTORE z4 2 z1 z2', 'ZDIFFSTORE z5 2 z1 z2', 'ZRANGESTORE z6 z1 0 -1', 'ZINTERSTORE z4 2 z1 nokey',
  'ZMPOP 1 z1 MIN', 'ZADD z7 GT CH 1 a', 'ZADD z7 INCR 2 a', 'ZREMRANGEBYRANK z7 0 -1',
  'RESTORE rs 0 "\x00\x01a\n\x00\xbe\x9f\xb1\xca\xbeo\x95\x89"', 'GET nokey', 'HGET nokey f',
  'XADD x 1-1 f v', 'XADD x MAXLEN 1 2-1 f v', 'XTRIM x MAXLEN 0', 'XADD x 3-1 f v', 'XDEL x 3-1', 'XDEL x 9-9',
  'XGROUP CREATE x g 0', 'XGROUP CREATECONSUMER x g c', 'XGROUP SETID x g 0', 'XGROUP DELCONSUMER x g c', 'XGROUP DESTROY x g',
  'XSETID x 5-5', 'XGROUP CREATE x2 g $ MKSTREAM', 'PFADD p a', 'PFADD p a', 'PFMERGE p2 p', 'SETBIT b 1 1', 'SETBIT b 1 1', 'BITOP OR b2 b',
  'BITOP OR b2 nokey', 'BITFIELD b SET u8 0 1', 'BITFIELD b SET u8 0 1', 'BITFIELD b GET u8 0', 'GEOADD g 1 1 m', 'GEOSEARCHSTORE g2 g FROMMEMBER m BYRADIUS 10 km',
  'GEORADIUS g 1 1 10 km STORE g3', 'GEOSEARCHSTORE g2 nokey FROMLONLAT 1 1 BYRADIUS 10 km',
  'XREADGROUP GROUP g c STREAMS x2 >', 'XADD x2 1-1 f v', 'XREADGROUP GROUP g c2 STREAMS x2 >', 'XCLAIM x2 g c3 0 1-1',
  'XAUTOCLAIM x2 g c4 0 0', 'XREADGROUP GROUP g c5 NOACK STREAMS x2 0', 'SET e v PX 1',
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
  for (const flags of ['KEA', 'Kg', 'E$lx', 'Ehsz', 'KA', 'KEAn', 'Em']) {
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

  it('redis-cli --csv psubscribe prints keyspace and keyevent messages as they come', async () => {
    const run = async (port: number): Promise<string> => {
      const cmd = await RespClient.connect(port);
      const cli = spawn('redis-cli', ['-p', String(port), '--csv', 'psubscribe', '__key*@0__:*']);
      let out = '';
      cli.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
      try {
        await cmd.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
        while ((await cmd.call('PUBSUB', 'NUMPAT')) !== 1) await new Promise((r) => setTimeout(r, 10));
        for (const c of ['SET k v', 'EXPIRE k 100', 'LPUSH q a', 'DEL k q']) await cmd.call(...c.split(' '));
        // Twelve whole lines: redis-cli's banner, the subscription, then two messages (keyspace and
        // keyevent) for each of 5 events.
        while (out.split('\n').length - 1 < 12) await new Promise((r) => setTimeout(r, 10));
        return out;
      } finally {
        cli.kill();
        await cmd.call('CONFIG', 'SET', 'notify-keyspace-events', '');
        cmd.close();
      }
    };
    const [want, got] = await Promise.all([run(pair.redis.port), run(pair.redstate.port)]);
    expect(got).toBe(want);
    expect(got).toContain('"pmessage","__key*@0__:*","__keyevent@0__:expire","k"');
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
