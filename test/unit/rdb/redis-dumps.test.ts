// The RDB codecs against a real redis-server 7.0: we decode what it SAVEs, in every
// encoding it writes; it loads what our encoder writes; and for the encodings of older
// versions (zipmap, ziplist, intset, quicklist 1, ascii-double zsets), it RESTOREs our
// hand-built payloads with deep sanitization on and must see what our decoder sees.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRdb, type DecodedRdb } from '../../../src/io/rdb-decoder.js';
import { RdbEncoder } from '../../../src/io/rdb-encoder.js';
import { RdbType as T } from '../../../src/io/rdb-format.js';
import { Hash, List, SetValue, ZSet, type Value } from '../../../src/store/values.js';
import { dumpPayload, intset, listpack, plain, rdbFile, rdbKey, rdbLength, rdbString, ziplist, zipmap } from './rdb-bytes.js';
import { readDatabase, startRedis, type PeerClient, type RedisPeer } from './redis-peer.js';

const CHECK_RDB = '/usr/bin/redis-check-rdb';
const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
const HOUR = 3_600_000;

/** Deterministic pseudo-random latin1 text (incompressible). */
function noise(n: number, seed: number): string {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b.toString('latin1');
}

/** Every key of every database, redis's view against the decoded file's. */
async function expectSameData(client: PeerClient, decoded: DecodedRdb): Promise<number> {
  let compared = 0;
  for (let db = 0; db < 16; db++) {
    const live = await readDatabase(client, db);
    const dict = decoded.dbs[db]!.dict;
    expect([...dict.keys()].sort()).toEqual([...live.keys()].sort());
    for (const [key, { value, expireMs }] of live) {
      expect(plain(dict.get(key)!), `db ${db} key ${JSON.stringify(key)}`).toEqual(value);
      expect(decoded.dbs[db]!.expires.get(key), `expiry of ${JSON.stringify(key)}`).toBe(expireMs);
      compared++;
    }
  }
  return compared;
}

function checkRdb(path: string): string {
  return execFileSync(CHECK_RDB, [path], { encoding: 'latin1' });
}

describe('against redis-server 7.0', () => {
  const dirs: string[] = [];
  const peers: RedisPeer[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'redstate-rdb-'));
    dirs.push(d);
    return d;
  };
  let source: RedisPeer;
  let sourceDir: string;

  beforeAll(async () => {
    sourceDir = tmp();
    source = await startRedis(sourceDir);
    peers.push(source);
  });

  afterAll(async () => {
    for (const p of peers) await p.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('decodes a dump holding every encoding Redis 7.0 writes', async () => {
    const r = source.client;
    const expireAt = Date.now() + HOUR;
    const cmds: Array<Array<string | number>> = [
      ['SELECT', 0],
      // strings: embstr, int, raw, LZF-compressible, binary, empty, large incompressible
      ['SET', 's:plain', 'hello world'], ['SET', 's:int', '12345'], ['SET', 's:neg', '-98765'],
      ['SET', 's:i8', '-128'], ['SET', 's:i16', '32767'], ['SET', 's:i32', '-2147483648'],
      ['SET', 's:int64', '9223372036854775807'], ['SET', 's:lzf', 'abc'.repeat(500)],
      ['SET', 's:bin', allBytes], ['SET', 's:empty', ''], ['SET', 's:noise', noise(200_000, 1)],
      ['SET', allBytes, 'binary key'],
      ['SET', 's:exp', 'v', 'PXAT', expireAt],
      // lists: small listpack node with every integer width, many nodes, binary
      ['RPUSH', 'l:small', 'a', 'b', '', '0', '127', '128', '-4096', '4095', '4096', '32767', '32768',
        '8388607', '8388608', '2147483647', '2147483648', '-9223372036854775808', '9223372036854775807', '1.5'],
      ['RPUSH', 'l:bin', allBytes, '\0', '\r\n'],
      ['RPUSH', 'l:long', ...Array.from({ length: 20_000 }, (_, i) => `elem-${i}`)],
      ['PEXPIREAT', 'l:long', expireAt + 1],
      // hashes: listpack, hashtable by count, hashtable by value size
      ['HSET', 'h:small', 'f1', 'v1', 'n', '42', 'neg', '-7', '', 'empty', 'bin', allBytes.slice(0, 60)],
      ['HSET', 'h:big', ...Array.from({ length: 1000 }, (_, i) => [`field:${i}`, `value:${i}`]).flat()],
      ['HSET', 'h:longval', 'f', 'v'.repeat(100), 'g', allBytes],
      // sets: intsets of each width, hashtable of integers and of strings
      ['SADD', 'set:i16', '1', '2', '3', '-5', '32767'],
      ['SADD', 'set:i32', '100000', '-100000', '7'],
      ['SADD', 'set:i64', '5000000000', '-9223372036854775808', '9223372036854775807', '0'],
      ['SADD', 'set:manyints', ...Array.from({ length: 600 }, (_, i) => String(i * 3))],
      ['SADD', 'set:str', 'a', 'b', allBytes, ''],
      ['PEXPIREAT', 'set:str', expireAt + 2],
      // hashtables in Redis 7.0 that redstate loads packed (up to 128 members of up to 64 bytes), and past either limit
      ['SADD', 'set:small', 'a', '', '12', '-7', allBytes.slice(0, 64), allBytes.slice(192)],
      ['SADD', 'set:128', ...Array.from({ length: 128 }, (_, i) => `member:${i}`)],
      ['SADD', 'set:129', ...Array.from({ length: 129 }, (_, i) => `member:${i}`)],
      ['SADD', 'set:long', 'a', 'x'.repeat(65)],
      // zsets: listpack with awkward scores, skiplist by count and by member size
      ['ZADD', 'z:small', '1', 'a', '1.5', 'b', '-inf', 'c', '+inf', 'd', '1e300', 'e', '3.141592653589793', 'f',
        '-0.1', 'g', '5000000000', 'h', '0', allBytes.slice(0, 50)],
      ['ZADD', 'z:big', ...Array.from({ length: 200 }, (_, i) => [String((i * 37) % 101 - 50.5), `m${i}`]).flat()],
      ['ZADD', 'z:longmember', '2', 'x'.repeat(100), '1', 'y'],
      // PLAIN quicklist nodes: elements above the packed threshold (first element big)
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1000'],
      ['RPUSH', 'l:plain', 'P'.repeat(3000), 'small', noise(5000, 2), '42', 'Q'.repeat(1500)],
      ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', String(1 << 30)],
      // LZF-compressed quicklist nodes in memory (list-compress-depth), saved as LZF blobs
      ['CONFIG', 'SET', 'list-compress-depth', '1'],
      ['RPUSH', 'l:compressed', ...Array.from({ length: 5000 }, (_, i) => `compressible-element-${i % 100}`)],
      ['CONFIG', 'SET', 'list-compress-depth', '0'],
      // other databases
      ['SELECT', 1], ['SET', 'db1:a', '1'], ['RPUSH', 'db1:l', 'x'],
      ['SELECT', 3], ['DEBUG', 'POPULATE', '20000', 'pop', '20'],
      ['SELECT', 15], ['HSET', 'db15:h', 'f', 'v'], ['SET', 'db15:exp', 'x', 'PXAT', expireAt + 3],
      ['SELECT', 0],
    ];
    const replies = await r.pipeline(cmds);
    for (const [i, reply] of replies.entries()) expect(reply, JSON.stringify(cmds[i]).slice(0, 80)).not.toBeInstanceOf(Error);

    const enc = async (k: string): Promise<unknown> => r.call('OBJECT', 'ENCODING', k);
    expect(await enc('s:int')).toBe('int');
    expect(await enc('s:plain')).toBe('embstr');
    expect(await enc('s:lzf')).toBe('raw');
    expect(await enc('l:small')).toBe('quicklist');
    expect(await enc('h:small')).toBe('listpack');
    expect(await enc('h:big')).toBe('hashtable');
    expect(await enc('h:longval')).toBe('hashtable');
    expect(await enc('set:i64')).toBe('intset');
    expect(await enc('set:manyints')).toBe('hashtable');
    expect(await enc('set:str')).toBe('hashtable');
    expect(await enc('z:small')).toBe('listpack');
    expect(await enc('z:big')).toBe('skiplist');
    expect(await enc('z:longmember')).toBe('skiplist');

    expect(await r.call('SAVE')).toBe('OK');
    const file = readFileSync(join(sourceDir, 'dump.rdb'));
    const t0 = performance.now();
    const decoded = decodeRdb(file);
    console.log(`decoded redis-server's ${file.length} byte dump in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(decoded.version).toBe(10);
    expect(decoded.aux.get('redis-ver')).toBe('7.0.15');
    expect(decoded.keysLoaded).toBe(20_000 + 37);
    const packed = (k: string): boolean => (decoded.dbs[0]!.dict.get(k) as SetValue).packed !== null;
    expect(['set:small', 'set:128', 'set:129', 'set:long', 'set:str'].map(packed)).toEqual([true, true, false, false, false]);

    // l:plain really was saved as QUICKLIST_2 with a PLAIN first node.
    const at = file.indexOf(Buffer.from('\x07l:plain', 'latin1'));
    expect(file[at - 1]).toBe(T.LIST_QUICKLIST_2);
    expect(file[at + 9]).toBe(1);

    expect(await expectSameData(r, decoded)).toBe(decoded.keysLoaded);

    // Loading as a master later drops the keys that expired meanwhile.
    const later = decodeRdb(file, { now: expireAt + 2 });
    expect(later.keysExpired).toBe(2);
    expect(later.dbs[0]!.dict.has('set:str')).toBe(true);
    expect(later.dbs[0]!.dict.has('l:long')).toBe(false);

    if (existsSync(CHECK_RDB)) expect(checkRdb(join(sourceDir, 'dump.rdb'))).toMatch(/RDB looks OK/);
  });

  it('redis-server 7.0 loads a file our encoder writes, and redis-check-rdb accepts it', async () => {
    const dir = tmp();
    const expireAt = Date.now() + HOUR;
    const hash = (pairs: Array<[string, string]>): Hash => {
      const h = new Hash();
      for (const [f, v] of pairs) h.set(f, v);
      return h;
    };
    const zset = (pairs: Array<[string, number]>): ZSet => {
      const z = new ZSet();
      for (const [m, s] of pairs) z.set(m, s);
      return z;
    };
    const db0: Array<[string, Value, number?]> = [
      ['s', 'hello'], ['empty', ''], [allBytes, allBytes], ['lzf', 'xyz'.repeat(10_000)], ['noise', noise(100_000, 3)],
      ...['0', '-1', '127', '-128', '128', '32767', '-32768', '32768', '2147483647', '-2147483648', '2147483648', '007', '-0', '1e3']
        .map((v, i): [string, Value] => [`int${i}`, v]),
      ['list', List.from(['a', '1', allBytes, '', 'x'.repeat(5000), 'long-compressible-'.repeat(50)])],
      ['biglist', List.from(Array.from({ length: 30_000 }, (_, i) => `e${i}`)), expireAt],
      ['intset', SetValue.from(['1', '-9223372036854775808', '9223372036854775807', '70000'])],
      ['set', SetValue.from(['a', allBytes, '', '5'])],
      ['bigset', SetValue.from(Array.from({ length: 2000 }, (_, i) => `m${i}`))],
      ['packedset', SetValue.from(['a', '', '5', '-70000', '2147483648', 'x'.repeat(64), allBytes.slice(100, 164)])],
      ['packedints', SetValue.from(['a', '1', '-3', '300000'])],
      ['zset', zset([['a', 1.5], ['b', -Infinity], ['c', Infinity], ['d', 1e300], ['e', 0.1 + 0.2], [allBytes, -3]])],
      ['bigzset', zset(Array.from({ length: 1000 }, (_, i): [string, number] => [`m${i}`, (i * 7919) % 1009 / 7]))],
      ['hash', hash([['f', 'v'], ['n', '12'], ['', ''], [allBytes, allBytes]])],
      ['bighash', hash(Array.from({ length: 1000 }, (_, i): [string, string] => [`f${i}`, `v${i}`])), expireAt + 1],
      ['exp', 'v', expireAt + 2],
      ['smallhash', hash([['a', '1'], ['b', 'x']])],
      ['smallzset', zset([['a', 1], ['b', 2.5]])],
    ];
    const db5: Array<[string, Value, number?]> = [['a', 'b'], ['l', List.from(['1'])]];
    (db0.find(([k]) => k === 'packedints')![1] as SetValue).delete('a');
    const enc = new RdbEncoder({ compression: true });
    const chunks: Buffer[] = [];
    enc.header([['redis-ver', '7.0.15'], ['redis-bits', '64'], ['ctime', String(Math.floor(Date.now() / 1000))], ['used-mem', '1000000'], ['aof-base', '0']]);
    for (const [id, keys] of [[0, db0], [5, db5]] as const) {
      enc.selectDb(id, keys.length, keys.filter((k) => k[2] !== undefined).length);
      for (const [k, v, e] of keys) {
        enc.entry(k, v, e);
        if (enc.buffered > 10_000) chunks.push(enc.take()!);
      }
    }
    enc.end();
    chunks.push(enc.take()!);
    const file = Buffer.concat(chunks);
    writeFileSync(join(dir, 'x.rdb'), file);
    if (existsSync(CHECK_RDB)) expect(checkRdb(join(dir, 'x.rdb'))).toMatch(/RDB looks OK/);

    const loaded = await startRedis(dir, ['--dbfilename', 'x.rdb']);
    peers.push(loaded);
    expect(await loaded.client.call('DBSIZE')).toBe(db0.length);
    expect(await expectSameData(loaded.client, decodeRdb(file))).toBe(db0.length + db5.length);
    // Redis picked its compact encodings on load, as it does for its own plain types.
    await loaded.client.call('SELECT', 0);
    expect(await loaded.client.call('OBJECT', 'ENCODING', 'intset')).toBe('intset');
    expect(await loaded.client.call('OBJECT', 'ENCODING', 'packedset')).toBe('hashtable');
    expect(await loaded.client.call('OBJECT', 'ENCODING', 'packedints')).toBe('intset');
    expect(await loaded.client.call('OBJECT', 'ENCODING', 'smallhash')).toBe('listpack');
    expect(await loaded.client.call('OBJECT', 'ENCODING', 'hash')).toBe('hashtable');
    expect(await loaded.client.call('OBJECT', 'ENCODING', 'smallzset')).toBe('listpack');
    expect(await loaded.client.call('OBJECT', 'ENCODING', 'zset')).toBe('skiplist');
    expect(await loaded.client.call('OBJECT', 'ENCODING', 'bigzset')).toBe('skiplist');
    expect(await loaded.client.call('OBJECT', 'ENCODING', 'int4')).toBe('int');
  });

  it('RESTOREs the encodings of older versions with deep sanitization as our decoder reads them', async () => {
    const r = source.client;
    await r.call('FLUSHALL');
    await r.call('SELECT', 0);
    await r.call('CONFIG', 'SET', 'sanitize-dump-payload', 'yes');
    const long300 = 'L'.repeat(300);
    const cases: Array<[string, number, Buffer]> = [
      ['zipmap', T.HASH_ZIPMAP, rdbString(zipmap([['f1', 'v1'], ['f2', long300], ['n', '5']], 2))],
      ['ziplist list', T.LIST_ZIPLIST, rdbString(ziplist(['a', 0, 12, 13, -1, -128, 127, 128, -32768, 32767, 40000,
        -8388608, 8388607, 2147483647, -2147483648, 2147483648, 9007199254740993n, -9223372036854775808n, '', long300, 'z'.repeat(20_000)]))],
      ['intset16', T.SET_INTSET, rdbString(intset(2, [-32768, 3, 32767]))],
      ['intset32', T.SET_INTSET, rdbString(intset(4, [-2147483648, 0, 2147483647]))],
      ['intset64', T.SET_INTSET, rdbString(intset(8, [-9223372036854775808n, -1n, 9223372036854775807n]))],
      ['ziplist zset', T.ZSET_ZIPLIST, rdbString(ziplist(['d', '-inf', 'e', -3, 'a', 1, 'b', '2.5', 'c', 'inf']))],
      ['ziplist hash', T.HASH_ZIPLIST, rdbString(ziplist(['f1', 'v1', 'f2', 7, 'f3', long300]))],
      ['quicklist', T.LIST_QUICKLIST, Buffer.concat([rdbLength(2), rdbString(ziplist(['a', 1])), rdbString(ziplist(['b', long300]))])],
      ['listpack set (7.2)', T.SET_LISTPACK, rdbString(listpack(['a', 1]))],
      ['listpack hash', T.HASH_LISTPACK, rdbString(listpack(['f', 'v', 'n', -5, 'big', 2 ** 40]))],
      ['listpack zset', T.ZSET_LISTPACK, rdbString(listpack(['a', 1, 'b', '1.5']))],
      ['quicklist 2', T.LIST_QUICKLIST_2, Buffer.concat([rdbLength(2), rdbLength(2),
        rdbString(listpack(['a', 0, 127, 128, -4096, 4095, 4096, 32768, 8388608, 2147483648, -9223372036854775808n, 'y'.repeat(64), 'w'.repeat(4096)])),
        rdbLength(1), rdbString('plain element')])],
      ['ascii zset', T.ZSET, Buffer.concat([rdbLength(3), rdbString('a'), Buffer.from('\x031.5', 'latin1'), rdbString('b'),
        Buffer.from([254]), rdbString('c'), Buffer.from([255])])],
      ['plain list', T.LIST, Buffer.concat([rdbLength(2), rdbString('x'), Buffer.from([0xc0, 0xff])])],
    ];
    for (const [name, type, value] of cases) {
      const key = `k:${name}`;
      const reply = await r.pipeline([['RESTORE', key, 0, dumpPayload(type, value)]]);
      if (type === T.SET_LISTPACK) {
        // Redis 7.0 does not know type 20 (7.2 added it); we load it all the same.
        expect(String(reply[0])).toMatch(/Bad data format/);
        expect(plain(decodeRdb(rdbFile(11, [rdbKey(type, key, value)])).dbs[0]!.dict.get(key)!)).toEqual({ set: ['1', 'a'] });
        continue;
      }
      expect(reply[0], name).toBe('OK');
    }
    const file = rdbFile(10, cases.filter(([, type]) => type !== T.SET_LISTPACK).map(([name, type, value]) => rdbKey(type, `k:${name}`, value)));
    expect(await expectSameData(r, decodeRdb(file))).toBe(cases.length - 1);
  });
});
