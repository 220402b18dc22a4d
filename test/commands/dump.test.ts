// DUMP and RESTORE with redis-server 7.0: every type dumped by one server and restored by
// the other gives the same DEBUG DIGEST; strings and streams dump to the very bytes Redis
// makes; bad payloads and options get Redis's errors.
import { describe, expect, it } from 'vitest';
import { digest, writeEveryType } from '../helpers/dataset.js';
import type { RespClient } from '../helpers/resp-client.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same } = pair;

/** Every key of db 0 of `from` dumped and restored into `to` (emptied first), TTLs kept. */
async function move(from: RespClient, to: RespClient): Promise<number> {
  await to.call('FLUSHALL');
  const keys = (await from.call('KEYS', '*')) as string[];
  for (const key of keys) {
    const payload = (await from.call('DUMP', key)) as string;
    const ttl = (await from.call('PTTL', key)) as number;
    const r = await to.call('RESTORE', key, Math.max(ttl, 0), Buffer.from(payload, 'latin1'));
    expect(r, `RESTORE ${key}`).toBe('OK');
  }
  return keys.length;
}

describe('DUMP and RESTORE', () => {
  it('moves every type from redis-server to redstate and back with the same digest', async () => {
    await writeEveryType(pair.r);
    for (const db of [1, 5, 15]) await pair.r.call('SELECT', db).then(() => pair.r.call('FLUSHDB'));
    await pair.r.call('SELECT', 0);
    const want = await digest(pair.r);
    expect(await move(pair.r, pair.s)).toBeGreaterThan(20);
    expect(await digest(pair.s)).toBe(want);
    expect(await move(pair.s, pair.r)).toBeGreaterThan(20);
    expect(await digest(pair.r)).toBe(want);
  });

  it('dumps values that Redis restores to its own bytes (strings exactly)', async () => {
    await same('SET int 12345', 'SET neg -7', 'SET big 12345678901234', 'SET short hello', 'DUMP int', 'DUMP neg', 'DUMP big', 'DUMP short', 'DUMP missing');
    await same(`SET long ${'abc'.repeat(50)}`, 'XADD s 1-1 a 1 b 2', 'XADD s 1-2 a 3 b 4', 'XADD s 2-0 c x', 'XGROUP CREATE s g 0');
    for (const key of ['long', 's']) {
      const want = await pair.r.call('DUMP', key);
      const ours = (await pair.s.call('DUMP', key)) as string;
      expect(await pair.r.call('RESTORE', `${key}:ours`, 0, Buffer.from(ours, 'latin1'))).toBe('OK');
      expect(await pair.r.call('DUMP', `${key}:ours`)).toEqual(want);
    }
  });

  it("compresses strings to Redis's very bytes: DUMP of compressible strings of every shape is byte for byte redis-server's", async () => {
    let seed = 7;
    const rnd = (n: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
    const values: string[] = ['x'.repeat(100), 'ab'.repeat(300), 'abc'.repeat(50), 'a'.repeat(21), 'a'.repeat(20_000)];
    for (let i = 0; i < 300; i++) {
      // Words from a small alphabet, repeats near and far (past the 8 KB window too), runs at the end.
      const n = 21 + rnd(i % 10 === 0 ? 20_000 : 600);
      const alphabet = 2 + rnd(40);
      let v = '';
      while (v.length < n) {
        const r = rnd(4);
        if (r === 0 && v.length > 10) v += v.slice(rnd(v.length), rnd(v.length) + 3 + rnd(300));
        else if (r === 1) v += String.fromCharCode(97 + rnd(alphabet)).repeat(1 + rnd(30));
        else v += String.fromCharCode(33 + rnd(alphabet) * 2 % 94);
      }
      values.push(v.slice(0, n));
    }
    const cmds = values.flatMap((v, i) => [['SET', `c${i}`, v], ['DUMP', `c${i}`]]);
    await pair.samePipelined(cmds);
  });

  it('dumps strings uncompressed under rdbcompression no, byte for byte as redis-server does', async () => {
    await same('CONFIG SET rdbcompression no', `SET long ${'abc'.repeat(50)}`, 'DUMP long', 'CONFIG SET rdbcompression yes', 'DUMP long');
  });

  it('a listpack sorted set or hash past a lowered max-listpack-value dumps as a listpack and stays one through DEBUG RELOAD', async () => {
    await same('CONFIG SET rdbcompression no', 'CONFIG SET zset-max-listpack-value 8', 'CONFIG SET hash-max-listpack-value 8',
      'ZADD z 1 b 2.5 abcdefgh -0 12345 1e17 x 4611686018427387904 y 9223372036854775807 w -inf v 0.1 u',
      'HSET h f abcdefgh 12 -5 long 1234567 g ""', 'HDEL h 12', 'HSET h 12 x',
      'CONFIG SET zset-max-listpack-value 4', 'CONFIG SET hash-max-listpack-value 4', 'OBJECT ENCODING z', 'OBJECT ENCODING h',
      'DUMP z', 'DUMP h', 'DEBUG RELOAD', 'OBJECT ENCODING z', 'OBJECT ENCODING h', 'ZRANGE z 0 -1 WITHSCORES', 'HGETALL h',
      'DEBUG DIGEST-VALUE z h', 'CONFIG SET zset-max-listpack-value 64', 'CONFIG SET hash-max-listpack-value 64',
      'CONFIG SET rdbcompression yes');
  });

  it("RESTORE's IDLETIME sets the idle time under an LRU policy, FREQ the counter under an LFU one (dump.tcl)", async () => {
    await same('SET foo bar');
    const payload = Buffer.from((await pair.r.call('DUMP', 'foo')) as string, 'latin1');
    await same(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], ['RESTORE', 'lru', 0, payload, 'IDLETIME', 1000],
      ['RESTORE', 'lru-freq', 0, payload, 'FREQ', 100], ['OBJECT', 'IDLETIME', 'lru-freq']);
    const [want, got] = await Promise.all([pair.r.call('OBJECT', 'IDLETIME', 'lru'), pair.s.call('OBJECT', 'IDLETIME', 'lru')]);
    expect(Math.abs((got as number) - (want as number))).toBeLessThanOrEqual(1);
    expect(got).toBeGreaterThanOrEqual(1000);
    // A read is an access again.
    await same(['GET', 'lru'], ['OBJECT', 'IDLETIME', 'lru']);
    await same(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'], ['RESTORE', 'lfu', 0, payload, 'FREQ', 100],
      ['OBJECT', 'FREQ', 'lfu'], ['RESTORE', 'lfu-idle', 0, payload, 'IDLETIME', 1000], ['OBJECT', 'FREQ', 'lfu-idle'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'], ['DEL', 'lru', 'lru-freq', 'lfu', 'lfu-idle']);
  });

  it('answers bad payloads, busy keys and options as Redis does', async () => {
    await same('SET k v');
    const good = (await pair.r.call('DUMP', 'k')) as string;
    const bytes = Buffer.from(good, 'latin1');
    const badCrc = Buffer.from(bytes);
    badCrc[badCrc.length - 1]! ^= 1;
    const v11 = Buffer.from(bytes);
    v11.writeUInt16LE(11, v11.length - 10);
    const garbage = Buffer.concat([Buffer.from([0, 0xc3, 5]), bytes.subarray(bytes.length - 10)]);
    for (const payload of [badCrc, v11, Buffer.from('short'), Buffer.alloc(0)]) {
      await same(['RESTORE', 'n', 0, payload]);
    }
    await same(['RESTORE', 'k', 0, bytes], ['RESTORE', 'n', -1, bytes], ['RESTORE', 'n', 'x', bytes], ['RESTORE', 'n', 0, bytes, 'FOO']);
    await same(['RESTORE', 'n', 0, bytes, 'IDLETIME', -1], ['RESTORE', 'n', 0, bytes, 'FREQ', 256], ['RESTORE', 'n', 0, bytes, 'IDLETIME', 1, 'FREQ', 1]);
    await same(['RESTORE', 'n', 0, bytes, 'IDLETIME'], ['RESTORE', 'n', 0, bytes, 'FREQ', 'x'], ['RESTORE', 'n', 0, bytes, 'IDLETIME', 10, 'REPLACE']);
    await same(['RESTORE', 'k', 0, bytes, 'REPLACE', 'FREQ', 5], ['RESTORE', 'e', 1, bytes, 'ABSTTL'], 'EXISTS e', ['RESTORE', 'k', 1, bytes, 'ABSTTL', 'REPLACE'], 'EXISTS k');
    await same(['RESTORE', 't', 100000, bytes], ['RESTORE', 'u', 4102444800000, bytes, 'ABSTTL'], 'PEXPIRETIME u', 'GET t');
    await pair.sameTtl('t');
    const crcOk = Buffer.from(garbage);
    const { Crc64 } = await import('../../src/io/crc64.js');
    new Crc64().update(crcOk, 0, crcOk.length - 8).writeLE(crcOk, crcOk.length - 8);
    await same(['RESTORE', 'g', 0, crcOk], 'EXISTS g', 'DUMP', 'RESTORE k 0');
    // Outside a cluster RESTORE-ASKING is RESTORE.
    await same(['RESTORE-ASKING', 'a', 0, bytes], 'GET a', ['RESTORE-ASKING', 'a', 0, bytes], ['RESTORE-ASKING', 'a', 1000, bytes, 'REPLACE'], 'GET a', 'RESTORE-ASKING a');
    await pair.sameTtl('a');
  });

  it('DEBUG SET-SKIP-CHECKSUM-VALIDATION 1 has RESTORE take a payload whatever its checksum', async () => {
    await same('SET k v');
    const bad = Buffer.from((await pair.r.call('DUMP', 'k')) as string, 'latin1');
    bad[bad.length - 1]! ^= 1;
    try {
      await same(['RESTORE', 'n', 0, bad], 'DEBUG SET-SKIP-CHECKSUM-VALIDATION 1', ['RESTORE', 'n', 0, bad], 'GET n',
        'DEBUG SET-SKIP-CHECKSUM-VALIDATION 0', ['RESTORE', 'm', 0, bad], 'DEBUG SET-SKIP-CHECKSUM-VALIDATION');
    } finally {
      await same('DEBUG SET-SKIP-CHECKSUM-VALIDATION 0');
    }
  });
});
