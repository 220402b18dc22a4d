import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeRdb } from '../../../src/io/rdb-decoder.js';
import { RdbEncoder } from '../../../src/io/rdb-encoder.js';
import { RdbError } from '../../../src/io/rdb-format.js';
import { Hash, List, SetValue, ZSet, type Value } from '../../../src/store/values.js';
import { plain } from './rdb-bytes.js';

type Key = { key: string; value: Value; expireMs?: number };

/** Encodes dbs (index -> keys), taking bytes at random points as a sliced snapshot would. */
function encode(dbs: Map<number, Key[]>, compression = true, aux: Array<[string, string]> = []): Buffer {
  const enc = new RdbEncoder({ compression });
  const out: Buffer[] = [];
  const maybeTake = (): void => {
    if (Math.random() < 0.3) {
      const b = enc.take();
      if (b) out.push(b);
    }
  };
  enc.header(aux);
  maybeTake();
  for (const [id, keys] of dbs) {
    enc.selectDb(id, keys.length, keys.filter((k) => k.expireMs !== undefined).length);
    for (const k of keys) {
      enc.entry(k.key, k.value, k.expireMs);
      maybeTake();
    }
  }
  enc.end();
  const rest = enc.take();
  if (rest) out.push(rest);
  expect(enc.buffered).toBe(0);
  expect(enc.take()).toBeNull();
  return Buffer.concat(out);
}

function expectSame(file: Buffer, dbs: Map<number, Key[]>, now = 0): void {
  const decoded = decodeRdb(file, { now });
  for (let id = 0; id < 16; id++) {
    const keys = dbs.get(id) ?? [];
    const db = decoded.dbs[id]!;
    expect(db.dict.size).toBe(keys.length);
    for (const k of keys) {
      expect(plain(db.dict.get(k.key)!)).toEqual(plain(k.value));
      expect(db.dict.epochAt(db.dict.find(k.key))).toBe(0);
      expect(db.expires.get(k.key)).toBe(k.expireMs);
    }
  }
}

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');

function zset(pairs: Array<[string, number]>): ZSet {
  const z = new ZSet();
  for (const [m, s] of pairs) z.set(m, s);
  return z;
}

function hash(pairs: Array<[string, string]>): Hash {
  const h = new Hash();
  for (const [f, v] of pairs) h.set(f, v);
  return h;
}

describe('RdbEncoder -> decodeRdb', () => {
  it('writes what Redis 7.0 writes in the header and loads the aux fields back', () => {
    const file = encode(new Map(), true, [['redis-ver', '7.0.15'], ['redis-bits', '64'], ['ctime', '1700000000']]);
    expect(file.toString('latin1', 0, 9)).toBe('REDIS0010');
    const decoded = decodeRdb(file);
    expect(decoded.version).toBe(10);
    expect([...decoded.aux]).toEqual([['redis-ver', '7.0.15'], ['redis-bits', '64'], ['ctime', '1700000000']]);
    expect(decoded.dbs).toHaveLength(16);
  });

  it('round-trips every type, binary keys and values, expiries', () => {
    const keys: Key[] = [
      { key: 'str', value: 'hello' },
      { key: 'empty', value: '' },
      { key: allBytes, value: allBytes },
      { key: 'bin\0key\r\n', value: '\0\xff\x80' },
      { key: 'list', value: List.from(['a', '1', allBytes, '', '-5', 'x'.repeat(100)]) },
      { key: 'intset', value: SetValue.from(['1', '-2', '300', '70000', '-9223372036854775808', '9223372036854775807']) },
      { key: 'set', value: SetValue.from(['a', allBytes, '', '42']) },
      { key: 'zset', value: zset([['a', 1.5], ['b', -Infinity], ['c', Infinity], ['d', 0], ['e', -0], ['f', 1e300], ['g', 5e-324], [allBytes, 3]]) },
      { key: 'hash', value: hash([['f', 'v'], ['', ''], ['n', '12'], [allBytes, allBytes]]) },
      { key: 'exp1', value: 'v', expireMs: 4102444800000 },
      { key: 'exp2', value: List.from(['x']), expireMs: 1 },
      { key: 'exp3', value: 'v', expireMs: 2 ** 53 - 1 },
    ];
    const dbs = new Map([[0, keys]]);
    expectSame(encode(dbs, true), dbs);
    expectSame(encode(dbs, false), dbs);
  });

  it('keeps scores bit-exact', () => {
    const exact = [-Number.MAX_VALUE, -1e-300, Number.MIN_VALUE, 0.1 + 0.2, 1 / 3, 2 ** 53 + 2];
    const dbs = new Map([[0, [{ key: 'z', value: zset(exact.map((s, i) => [`m${i}`, s])) }]]]);
    const z = decodeRdb(encode(dbs)).dbs[0]!.dict.get('z') as ZSet;
    expect([...z.entries()].map(([, s]) => s)).toEqual(exact);
  });

  it('writes a packed list or hash from its body byte for byte as it writes the same elements as strings', () => {
    // Runs of raw items between integers, and every length where the prefix or the way a string goes out changes (copied as they are up to 20 bytes, or 63 without LZF).
    const items = ['0', '-1', '127', '-129', '2147483647', '-2147483648', '2147483648', '007', '-0', '+1', '',
      'y'.repeat(17), 'x'.repeat(30), allBytes, 'abc'.repeat(40), 'a', 'b', '12345678901', '1234567890', 'c',
      'z'.repeat(20), 'w'.repeat(21), 'v'.repeat(63), 'u'.repeat(64), 't'.repeat(127), 's'.repeat(128), 'd', '5'];
    const packed = List.from(items);
    expect(packed.packed).not.toBeNull();
    // A list that became a ring stays one: the same elements, written one string at a time.
    const ring = List.from([...items, ...Array.from({ length: 200 }, (_, i) => `pad${i}`)]);
    while (ring.length > items.length) ring.popTail();
    const bytes = (value: Value, compression: boolean): Buffer => {
      const enc = new RdbEncoder({ compression });
      enc.typedValue(value);
      return enc.take()!;
    };
    for (const compression of [true, false]) expect(bytes(packed, compression)).toEqual(bytes(ring, compression));
    // Values within hash-max-listpack-value (64 bytes), so that the hash stays packed.
    const pairs: Array<[string, string]> = items.filter((v) => v.length <= 64).map((v, i) => [`f${i}`, v]);
    const small = hash(pairs);
    expect(small.encoding).toBe('listpack');
    // Its fields and values, after the type and count bytes, are those of a ring list of them.
    const flat = List.from([...pairs.flat(), ...Array.from({ length: 200 }, (_, i) => `pad${i}`)]);
    while (flat.length > 2 * pairs.length) flat.popTail();
    for (const compression of [true, false]) {
      expect(bytes(small, compression).subarray(2)).toEqual(bytes(flat, compression).subarray(2));
    }
  });

  it('writes a listpack sorted set from its body byte for byte as it writes the same entries from a skiplist', () => {
    const members = ['0', '-1', '127', '2147483648', '12345678901', '007', '', 'a', 'y'.repeat(17), 'z'.repeat(20), 'w'.repeat(21),
      'v'.repeat(63), 'u'.repeat(64), allBytes.slice(0, 60), 'm'];
    const scores = [0, -0.5, 1 / 3, -Infinity, Infinity, 2 ** 53 + 2, -1e-300, 7, 7, 7, -Number.MAX_VALUE, 42, 1e300, 3, 3];
    const pairs = members.map((m, i): [string, number] => [m, scores[i]!]);
    const packed = zset(pairs);
    expect(packed.packed).not.toBeNull();
    const tree = zset(pairs);
    tree.toSkiplist();
    expect(tree.encoding).toBe('skiplist');
    const bytes = (value: Value, compression: boolean): Buffer => {
      const enc = new RdbEncoder({ compression });
      enc.typedValue(value);
      return enc.take()!;
    };
    for (const compression of [true, false]) expect(bytes(packed, compression)).toEqual(bytes(tree, compression));
  });

  it('writes a packed set from its body byte for byte as it writes the same members from a hashtable, and loads it packed', () => {
    const members = ['a', '0', '-1', '127', '2147483648', '12345678901', '007', '', 'y'.repeat(17), 'z'.repeat(20), 'w'.repeat(21),
      'v'.repeat(63), 'u'.repeat(64), allBytes.slice(0, 60), 'm'];
    const packed = SetValue.from(members);
    expect(packed.packed).not.toBeNull();
    // A hashtable of the same members in the same order: padded past the packed limits, the pads then removed from the end.
    const pads = Array.from({ length: 200 }, (_, i) => `pad${i}`);
    const table = SetValue.from([...members, ...pads]);
    for (const pad of pads.reverse()) table.delete(pad);
    expect([table.packed, [...table.values()]]).toEqual([null, members]);
    for (const compression of [true, false]) {
      const bytes = (value: Value): Buffer => {
        const enc = new RdbEncoder({ compression });
        enc.typedValue(value);
        return enc.take()!;
      };
      expect(bytes(packed)).toEqual(bytes(table));
      const loaded = decodeRdb(encode(new Map([[0, [{ key: 's', value: packed }]]]), compression)).dbs[0]!.dict.get('s') as SetValue;
      expect(loaded.packed).toBe(packed.packed);
    }
  });

  it('int-encodes exactly the canonical 32-bit integers and round-trips the rest as text', () => {
    const ints = ['0', '1', '-1', '127', '-128', '128', '-129', '32767', '-32768', '32768', '-32769',
      '2147483647', '-2147483648'];
    const texts = ['2147483648', '-2147483649', '-0', '007', '+1', ' 1', '1 ', '1.0', '12345678901', '99999999999', '', '-'];
    const keys: Key[] = [...ints, ...texts].map((v, i) => ({ key: `k${i}`, value: v }));
    const dbs = new Map([[0, keys]]);
    expectSame(encode(dbs), dbs);

    const width = (s: string): number => {
      const enc = new RdbEncoder({ compression: false });
      enc.entry('k', s, undefined);
      return enc.take()!.length - 3; // type, key length, 'k', then the value
    };
    expect(width('127')).toBe(2);
    expect(width('-128')).toBe(2);
    expect(width('128')).toBe(3);
    expect(width('-32768')).toBe(3);
    expect(width('32768')).toBe(5);
    expect(width('-2147483648')).toBe(5);
    expect(width('2147483648')).toBe(11); // raw: length byte + 10 chars
    expect(width('007')).toBe(4);
  });

  it('compresses large compressible values with LZF only when asked', () => {
    const big = 'abcdefgh'.repeat(200_000);
    const dbs = new Map([[0, [{ key: 'big', value: big }, { key: 'l', value: List.from([big, 'x'.repeat(21)]) }]]]);
    const packed = encode(dbs, true);
    const raw = encode(dbs, false);
    expect(packed.length).toBeLessThan(raw.length / 20);
    expect(raw.length).toBeGreaterThan(2 * big.length);
    expectSame(packed, dbs);
    expectSame(raw, dbs);
  });

  it('round-trips large incompressible values and large collections', () => {
    const rnd = randomBytes(3_000_000).toString('latin1');
    const list = List.from(Array.from({ length: 100_000 }, (_, i) => (i % 3 ? `item-${i}` : String(i))));
    const set = SetValue.from(Array.from({ length: 20_000 }, (_, i) => `m${i}`));
    const z = zset(Array.from({ length: 5_000 }, (_, i) => [`m${i}`, (i * 7919) % 1000 - 500.25] as [string, number]));
    const h = hash(Array.from({ length: 5_000 }, (_, i) => [`f${i}`, `v${i}`] as [string, string]));
    const dbs = new Map([[3, [{ key: 'rnd', value: rnd }, { key: 'list', value: list }, { key: 'set', value: set },
      { key: 'z', value: z }, { key: 'h', value: h }]]]);
    expectSame(encode(dbs), dbs);
  });

  it('round-trips many databases', () => {
    const dbs = new Map<number, Key[]>();
    for (let id = 0; id < 16; id++) {
      if (id % 3 === 1) continue;
      dbs.set(id, Array.from({ length: id + 1 }, (_, i) => ({ key: `db${id}:k${i}`, value: `v${i}`, expireMs: i % 2 ? 5e12 + i : undefined })));
    }
    const file = encode(dbs);
    expectSame(file, dbs);
    expect(() => decodeRdb(file, { databases: 15 })).toThrow(/selects DB 15, but the server is configured with 15 databases/);
  });

  it('drops keys that expired before now and counts them', () => {
    const keys: Key[] = [
      { key: 'past', value: 'v', expireMs: 1000 },
      { key: 'future', value: 'v', expireMs: 3000 },
      { key: 'forever', value: 'v' },
    ];
    const file = encode(new Map([[0, keys]]));
    const d = decodeRdb(file, { now: 2000 });
    expect([...d.dbs[0]!.dict.keys()].sort()).toEqual(['forever', 'future']);
    expect(d.dbs[0]!.expires.get('future')).toBe(3000);
    expect(d.keysLoaded).toBe(2);
    expect(d.keysExpired).toBe(1);
    expect(decodeRdb(file, { now: -Infinity }).dbs[0]!.dict.size).toBe(3);
    expect(decodeRdb(file).keysExpired).toBe(2); // now defaults to the clock
  });

  it('emits bytes incrementally: take() at any point yields a file whose CRC verifies', () => {
    const dbs = new Map([[0, Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(i % 50) }))]]);
    for (let i = 0; i < 5; i++) expectSame(encode(dbs), dbs);
    const enc = new RdbEncoder({ compression: false });
    enc.header([]);
    expect(enc.buffered).toBe(9);
    const first = enc.take()!;
    enc.entry('a', 'b', undefined);
    const second = enc.take()!;
    enc.end();
    const file = Buffer.concat([first, second, enc.take()!]);
    expect(first.toString('latin1')).toBe('REDIS0010');
    expect(plain(decodeRdb(file).dbs[0]!.dict.get('a')!)).toBe('b');
  });

  it('rejects a file with a wrong checksum but accepts a zero (disabled) one', () => {
    const file = encode(new Map([[0, [{ key: 'a', value: 'b' }]]]));
    const bad = Buffer.from(file);
    bad[bad.length - 1]! ^= 1;
    expect(() => decodeRdb(bad)).toThrow(RdbError);
    expect(() => decodeRdb(bad)).toThrow(/CRC error: checksum mismatch/);
    const zero = Buffer.from(file);
    zero.fill(0, zero.length - 8);
    const logs: string[] = [];
    expect(decodeRdb(zero, { log: (_l, m) => logs.push(m) }).dbs[0]!.dict.size).toBe(1);
    expect(logs).toEqual(['RDB file was saved with checksum disabled: no check performed.']);
  });
});
