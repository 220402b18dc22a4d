// The incremental RDB decoder (RdbStream, what a diskless load runs) against the whole-file
// one, on a file redis-server 7.0 SAVEd with every type and encoding: fed in chunks of any
// size, records cut anywhere, it decodes the same data, fails with the same errors, and
// holds no more than the record it is reading (plus the chunk that brought it, and what it
// gathers before a try, RUN_MIN). decodeRdbFile
// (start-up and DEBUG RELOAD) reads a file through it in chunks of 1 MB.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_MIN, RdbStream, decodeRdb, decodeRdbFile, type DecodedRdb } from '../../../src/io/rdb-decoder.js';
import { writeEveryType } from '../../helpers/dataset.js';
import { RespClient } from '../../helpers/resp-client.js';
import { startRedis, type Proc } from '../../helpers/servers.js';
import { plain, rdbFile, rdbKey, rdbLength, rdbString } from './rdb-bytes.js';

let redis: Proc;
let file: Buffer;

beforeAll(async () => {
  redis = await startRedis();
  const c = await RespClient.connect(redis.port);
  await writeEveryType(c);
  expect(await c.call('SAVE')).toBe('OK');
  c.close();
  file = readFileSync(join(redis.dir, 'dump.rdb'));
}, 60_000);
afterAll(() => redis.close());

/** Everything a decode gives, as plain data. */
function contents(r: DecodedRdb): unknown {
  return {
    version: r.version, aux: [...r.aux], functions: r.functions, counts: [r.keysLoaded, r.keysExpired, r.emptyKeysSkipped],
    dbs: r.dbs.map((db) => ({ keys: [...db.dict.entries()].map(([k, v]) => [k, plain(v)]).sort(), expires: [...db.expires].sort() })),
  };
}

/** buf through an RdbStream in chunks of the given sizes (cycled); runMin 0 tries every cut. */
async function streamed(buf: Buffer, sizes: number[], runMin = 0): Promise<{ rdb: DecodedRdb; peak: number }> {
  const s = new RdbStream({ now: -Infinity }, runMin);
  for (let off = 0, i = 0; off < buf.length; i++) {
    const n = sizes[i % sizes.length]!;
    s.feed(buf.subarray(off, off + n));
    off += n;
  }
  const rdb = await s.end(10, () => {});
  return { rdb, peak: s.peakHeld };
}

/** The error a decode throws, as text. */
async function failure(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    return String(e);
  }
  return 'no error';
}

describe('RdbStream', () => {
  it('decodes plain sorted sets (type 5, as our encoder writes them) cut anywhere as decodeRdb does', async () => {
    const score = (d: number): Buffer => {
      const out = Buffer.alloc(8);
      out.writeDoubleLE(d);
      return out;
    };
    const zset = (n: number, width: number): Buffer => Buffer.concat([rdbLength(n), ...Array.from({ length: n }, (_, i) =>
      Buffer.concat([rdbString(`member:${n - i}`.padEnd(width, '.')), score(n - i)]))]);
    const body = [rdbKey(5, 'a', zset(10, 0)), rdbKey(5, 'b', zset(3, 60)), rdbKey(5, 'c', zset(200, 0)), rdbKey(5, 'd', zset(1, 0))];
    const buf = rdbFile(10, body);
    const whole = contents(decodeRdb(buf));
    for (const sizes of [[1], [3], [17, 5]]) expect(contents((await streamed(buf, sizes)).rdb), `chunks of ${sizes.join(',')}`).toEqual(whole);
  });

  it('decodes small plain lists, sets and hashes cut anywhere, their items under 64 bytes or not, raw or int-encoded', async () => {
    const int8 = (v: number): Buffer => Buffer.from([0xc0, v & 0xff]);
    const items = (...parts: Buffer[]): Buffer => Buffer.concat([rdbLength(parts.length), ...parts]);
    const pairs = (...parts: Buffer[]): Buffer => Buffer.concat([rdbLength(parts.length / 2), ...parts]);
    const [w63, w64] = ['x'.repeat(63), 'y'.repeat(64)];
    const body = [
      rdbKey(1, 'list', items(rdbString('a'), rdbString(''), rdbString(w63))),
      rdbKey(1, 'list-long', items(rdbString('a'), rdbString(w64))),
      rdbKey(1, 'list-int', items(rdbString('a'), int8(-5))),
      rdbKey(2, 'set', items(rdbString('m1'), rdbString('m2'))),
      rdbKey(2, 'set-int', items(int8(7), rdbString('m'))),
      rdbKey(4, 'hash', pairs(rdbString('f1'), rdbString('v1'), rdbString('f2'), rdbString(w63))),
      rdbKey(4, 'hash-long', pairs(rdbString('f1'), rdbString(w64))),
      rdbKey(4, 'hash-int', pairs(rdbString('f1'), int8(12))),
    ];
    const buf = rdbFile(10, body);
    const whole = contents(decodeRdb(buf, { now: -Infinity }));
    expect((whole as { dbs: Array<{ keys: unknown[] }> }).dbs[0]!.keys).toEqual([
      ['hash', { hash: [['f1', 'v1'], ['f2', w63]] }], ['hash-int', { hash: [['f1', '12']] }], ['hash-long', { hash: [['f1', w64]] }],
      ['list', { list: ['a', '', w63] }], ['list-int', { list: ['a', '-5'] }], ['list-long', { list: ['a', w64] }],
      ['set', { set: ['m1', 'm2'] }], ['set-int', { set: ['7', 'm'] }],
    ]);
    for (const sizes of [[1], [2, 3], [40]]) expect(contents((await streamed(buf, sizes)).rdb), `chunks of ${sizes.join(',')}`).toEqual(whole);
  });

  it('reads on from the last whole element of a large plain list, set, hash or sorted set a chunk cuts, as decodeRdb decodes it', async () => {
    const n = 300;
    const strings = (f: (i: number) => string): Buffer[] => Array.from({ length: n }, (_, i) => rdbString(f(i)));
    const binary = (d: number): Buffer => {
      const out = Buffer.alloc(8);
      out.writeDoubleLE(d);
      return out;
    };
    const ascii = (d: number): Buffer => Buffer.concat([Buffer.from([String(d).length]), Buffer.from(String(d))]);
    const zset = (score: (d: number) => Buffer): Buffer => Buffer.concat([rdbLength(n), ...Array.from({ length: n }, (_, i) =>
      Buffer.concat([rdbString(`member:${i}`), score(i % 7 === 0 ? i / 2 : i)]))]);
    const pairs = Array.from({ length: n }, (_, i) => Buffer.concat([rdbString(`field:${i}`), rdbString(`value:${i}`.padEnd(30, '.'))]));
    const body = [
      Buffer.from([0xfe, 0]),
      rdbKey(1, 'list', Buffer.concat([rdbLength(n), ...strings((i) => `item:${i}`)])),
      rdbKey(2, 'set', Buffer.concat([rdbLength(n), ...strings((i) => `member:${i}`)])),
      rdbKey(4, 'hash', Buffer.concat([rdbLength(n), ...pairs])),
      rdbKey(3, 'zset-ascii', zset(ascii)),
      rdbKey(5, 'zset', zset(binary)),
      rdbKey(0, 'after', rdbString('last')),
    ];
    const buf = rdbFile(10, body);
    const whole = contents(decodeRdb(buf, { now: -Infinity }));
    expect((whole as { counts: number[] }).counts[0]).toBe(6);
    for (const sizes of [[1], [5, 900], [4096], [RUN_MIN]]) {
      expect(contents((await streamed(buf, sizes)).rdb), `chunks of ${sizes.join(',')}`).toEqual(whole);
    }
    // A field that repeats past a cut: the same error, at the record's offset, after a resumed read.
    const dup = rdbFile(10, [Buffer.from([0xfe, 0]), rdbKey(0, 'a', rdbString('b')),
      rdbKey(4, 'dup', Buffer.concat([rdbLength(n), ...pairs.slice(0, n - 1), pairs[0]!]))]);
    const want = await failure(() => decodeRdb(dup, { now: -Infinity }));
    expect(want).toMatch(/Duplicate hash fields detected/);
    for (const sizes of [[1], [100], [4096]]) expect(await failure(() => streamed(dup, sizes)), `chunks of ${sizes[0]}`).toBe(want);
  });

  it('decodes a redis-server 7.0 file of every type as decodeRdb does, whatever the chunks', async () => {
    const whole = contents(decodeRdb(file, { now: -Infinity }));
    for (const sizes of [[1], [7], [64, 3, 1000], [4096], [65536], [file.length]]) {
      expect(contents((await streamed(file, sizes)).rdb), `chunks of ${sizes.join(',')}`).toEqual(whole);
    }
  });

  it('fails as decodeRdb does: a bad checksum, a cut file, bytes after the end, a bad record', async () => {
    const badCrc = Buffer.from(file);
    badCrc[badCrc.length - 1]! ^= 0xff;
    const badType = rdbFile(10, [Buffer.from([0xfe, 0]), rdbKey(0, 'a', rdbString('b')), rdbKey(200, 'k', rdbString('v'))]);
    for (const [what, bad] of [['bad crc', badCrc], ['cut', file.subarray(0, file.length - 100)], ['extra byte', Buffer.concat([file, Buffer.from('x')])], ['bad type', badType]] as const) {
      const want = await failure(() => decodeRdb(bad, { now: -Infinity }));
      expect(want, what).toMatch(/RdbError|RDB/);
      for (const sizes of [[1], [100], [65536]]) expect(await failure(() => streamed(bad, sizes)), `${what}, chunks of ${sizes[0]}`).toBe(want);
    }
  });

  it('holds at most the record it reads and the chunk that brought it: 20 MB of 1 kB values in 64 kB chunks', async () => {
    const records: Buffer[] = [Buffer.from([0xfe, 0])];
    const value = 'v'.repeat(1000);
    for (let i = 0; i < 20_000; i++) records.push(rdbKey(0, `key:${i}`, rdbString(value)));
    const big = rdbFile(10, records);
    const { rdb, peak } = await streamed(big, [65536]);
    expect(rdb.keysLoaded).toBe(20_000);
    expect(big.length).toBeGreaterThan(20_000_000);
    expect(peak).toBeLessThanOrEqual(65536 + 1100);
    // One record of 5 MB made of small parts (a hash), cut by every chunk: held whole once, at most twice over.
    const fields: Buffer[] = [];
    for (let i = 0; i < 100_000; i++) fields.push(rdbString(`f${i}`), rdbString('x'.repeat(40)));
    const hash = rdbKey(4, 'hash', Buffer.concat([rdbLength(100_000), ...fields]));
    const one = rdbFile(10, [Buffer.from([0xfe, 0]), hash]);
    const h = await streamed(one, [65536]);
    expect(h.rdb.keysLoaded).toBe(1);
    expect(h.peak).toBeLessThanOrEqual(2 * hash.length + 65536);
    // As a replica runs it: small chunks gathered to RUN_MIN before a try, the same data, at most RUN_MIN and a record more held.
    const gathered = await streamed(big, [1, 700, 3000], RUN_MIN);
    expect(contents(gathered.rdb)).toEqual(contents(rdb));
    expect(gathered.peak).toBeLessThanOrEqual(RUN_MIN + 3000 + 1100);
  });

  it('decodeRdbFile reads a file in chunks as decodeRdb decodes it whole, and fails as it does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redstate-rdb-file-'));
    try {
      // Values of 1 kB past 3 MB: records cut by the 1 MB reads.
      const records: Buffer[] = [Buffer.from([0xfe, 0])];
      for (let i = 0; i < 3_500; i++) records.push(rdbKey(0, `key:${i}`, rdbString(`${i}:`.padEnd(1000, 'v'))));
      for (const [what, buf] of [['every type', file], ['3.5 MB', rdbFile(10, records)]] as const) {
        writeFileSync(join(dir, 'dump.rdb'), buf);
        expect(contents(decodeRdbFile(join(dir, 'dump.rdb'), { now: -Infinity })), what).toEqual(contents(decodeRdb(buf, { now: -Infinity })));
      }
      const cut = file.subarray(0, file.length - 100);
      writeFileSync(join(dir, 'dump.rdb'), cut);
      expect(await failure(() => decodeRdbFile(join(dir, 'dump.rdb'), { now: -Infinity }))).toBe(await failure(() => decodeRdb(cut, { now: -Infinity })));
      expect(await failure(() => decodeRdbFile(join(dir, 'none.rdb')))).toMatch(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
