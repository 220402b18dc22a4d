// The decoder against hand-built files: every value encoding and opcode Redis has written
// over the versions, including those our encoder never writes.
import { describe, expect, it } from 'vitest';
import { lzfCompress } from '../../../src/io/lzf.js';
import { decodeRdb } from '../../../src/io/rdb-decoder.js';
import { RdbError, RdbOpcode as Op, RdbType as T } from '../../../src/io/rdb-format.js';
import { encodingLimits } from '../../../src/store/limits.js';
import type { Hash } from '../../../src/store/hash.js';
import type { List } from '../../../src/store/list.js';
import type { SetValue } from '../../../src/store/set.js';
import type { Value, ZSet } from '../../../src/store/values.js';
import { intset, listpack, plain, rdbFile, rdbKey, rdbLength, rdbString, ziplist, zipmap } from './rdb-bytes.js';

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);

function lzfString(data: Buffer): Buffer {
  const packed = lzfCompress(data)!;
  return cat(b(0xc3), rdbLength(packed.length), rdbLength(data.length), packed);
}

function binaryDouble(d: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeDoubleLE(d);
  return out;
}

function asciiDouble(d: number | string): Buffer {
  if (d === Infinity) return b(254);
  if (d === -Infinity) return b(255);
  if (typeof d === 'number' && Number.isNaN(d)) return b(253);
  const text = Buffer.from(String(d), 'latin1');
  return cat(b(text.length), text);
}

/** Decodes a one-key version-10 file and returns the key's value, plainly. */
function load(type: number, value: Buffer, version = 10): unknown {
  const d = decodeRdb(rdbFile(version, [rdbKey(type, 'k', value)], version >= 5 ? 'crc' : 'none'));
  const loaded = d.dbs[0]!.dict.get('k');
  return loaded === undefined ? undefined : plain(loaded);
}

const list = (...items: string[]): unknown => ({ list: items });
const set = (...members: string[]): unknown => ({ set: [...members].sort() });
const hash = (...kv: string[]): unknown => {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < kv.length; i += 2) pairs.push([kv[i]!, kv[i + 1]!]);
  return { hash: pairs.sort((x, y) => (x[0] < y[0] ? -1 : 1)) };
};
const zset = (...pairs: Array<[string, number]>): unknown => ({ zset: pairs });

const long300 = 'L'.repeat(300);
const long20k = 'M'.repeat(20_000);

describe('decodeRdb value encodings', () => {
  it('strings: raw, INT8/16/32, LZF', () => {
    expect(load(T.STRING, rdbString('hello'))).toBe('hello');
    expect(load(T.STRING, b(0xc0, 0x80))).toBe('-128');
    expect(load(T.STRING, b(0xc1, 0x00, 0x80))).toBe('-32768');
    expect(load(T.STRING, b(0xc2, 0xff, 0xff, 0xff, 0x7f))).toBe('2147483647');
    expect(load(T.STRING, lzfString(Buffer.from('abc'.repeat(100))))).toBe('abc'.repeat(100));
    expect(load(T.STRING, rdbString(long20k))).toBe(long20k);
  });

  it('plain types 1 to 5, with ascii doubles and their special lengths', () => {
    expect(load(T.LIST, cat(rdbLength(3), rdbString('a'), b(0xc0, 5), rdbString('')))).toEqual(list('a', '5', ''));
    expect(load(T.SET, cat(rdbLength(2), rdbString('x'), rdbString('y')))).toEqual(set('x', 'y'));
    expect(load(T.HASH, cat(rdbLength(2), rdbString('f'), rdbString('v'), rdbString('g'), b(0xc0, 1)))).toEqual(hash('f', 'v', 'g', '1'));
    expect(load(T.ZSET, cat(rdbLength(4), rdbString('a'), asciiDouble(1.5), rdbString('b'), asciiDouble(Infinity),
      rdbString('c'), asciiDouble(-Infinity), rdbString('d'), asciiDouble('-1.0000000000000001e+300'))))
      .toEqual(zset(['c', -Infinity], ['d', -1e300], ['a', 1.5], ['b', Infinity]));
    expect(load(T.ZSET_2, cat(rdbLength(2), rdbString('a'), binaryDouble(2), rdbString('b'), binaryDouble(-0.5))))
      .toEqual(zset(['b', -0.5], ['a', 2]));
  });

  it('rejects NaN scores, as Redis does', () => {
    expect(() => load(T.ZSET, cat(rdbLength(1), rdbString('a'), asciiDouble(NaN)))).toThrow(/Zset with NAN score detected/);
    expect(() => load(T.ZSET, cat(rdbLength(1), rdbString('a'), asciiDouble('nan')))).toThrow(/Zset with NAN score detected/);
    expect(() => load(T.ZSET, cat(rdbLength(1), rdbString('a'), asciiDouble('1.5x')))).toThrow(/not a number/);
    expect(() => load(T.ZSET_2, cat(rdbLength(1), rdbString('a'), binaryDouble(NaN)))).toThrow(/Zset with NAN score detected/);
  });

  it('zipmap hashes (type 9), with free bytes and 5-byte lengths', () => {
    const zm = zipmap([['f1', 'v1'], ['f2', long300], [long300, '']], 3);
    expect(load(T.HASH_ZIPMAP, rdbString(zm), 3)).toEqual(hash('f1', 'v1', 'f2', long300, long300, ''));
    expect(load(T.HASH_ZIPMAP, lzfString(zipmap([['a', 'b'.repeat(100)]])))).toEqual(hash('a', 'b'.repeat(100)));
  });

  const zlItems = ['a', 0, 12, 13, -1, -128, 127, 128, -32768, 32767, 40000, -8388608, 8388607, 2147483647,
    -2147483648, 2147483648, 9007199254740993n, -9223372036854775808n, 9223372036854775807n, '', long300, long20k, 'z'];
  const zlText = zlItems.map(String);

  it('ziplist lists (type 10): every integer encoding, 6/14/32-bit strings, 5-byte prevlens', () => {
    expect(load(T.LIST_ZIPLIST, rdbString(ziplist(zlItems)))).toEqual(list(...zlText));
    expect(load(T.LIST_ZIPLIST, lzfString(ziplist(['x'.repeat(50), 'y'.repeat(50)])))).toEqual(list('x'.repeat(50), 'y'.repeat(50)));
  });

  it('intsets (type 11) of 16, 32 and 64-bit members', () => {
    expect(load(T.SET_INTSET, rdbString(intset(2, [3, -32768, 32767])))).toEqual(set('-32768', '3', '32767'));
    expect(load(T.SET_INTSET, rdbString(intset(4, [-2147483648, 0, 2147483647])))).toEqual(set('-2147483648', '0', '2147483647'));
    expect(load(T.SET_INTSET, rdbString(intset(8, [-9223372036854775808n, -1n, 4294967296n, 9223372036854775807n]))))
      .toEqual(set('-9223372036854775808', '-1', '4294967296', '9223372036854775807'));
  });

  it('ziplist zsets (12) and hashes (13)', () => {
    expect(load(T.ZSET_ZIPLIST, rdbString(ziplist(['a', 1, 'b', '2.5', 'c', 'inf', 'd', '-inf', 'e', -3]))))
      .toEqual(zset(['d', -Infinity], ['e', -3], ['a', 1], ['b', 2.5], ['c', Infinity]));
    expect(load(T.HASH_ZIPLIST, rdbString(ziplist(['f1', 'v1', 'f2', 7])))).toEqual(hash('f1', 'v1', 'f2', '7'));
  });

  it('quicklists of ziplists (14), skipping empty nodes', () => {
    const v = cat(rdbLength(3), rdbString(ziplist(['a', 1])), rdbString(ziplist([])), lzfString(ziplist(['q'.repeat(40), 'r'.repeat(40)])));
    expect(load(T.LIST_QUICKLIST, v)).toEqual(list('a', '1', 'q'.repeat(40), 'r'.repeat(40)));
  });

  const lpItems = ['a', 0, 127, 128, -1, -4096, 4095, 4096, -32768, 32767, 32768, -8388608, 8388607, 8388608,
    -2147483648, 2147483647, 2147483648, -9223372036854775808n, 9223372036854775807n, '', 'x'.repeat(63),
    'y'.repeat(64), 'z'.repeat(4095), 'w'.repeat(4096), long20k];
  const lpText = lpItems.map(String);

  it('listpack hashes (16), zsets (17), sets (20)', () => {
    expect(load(T.HASH_LISTPACK, rdbString(listpack(['f', 'v', 'n', -5])))).toEqual(hash('f', 'v', 'n', '-5'));
    expect(load(T.ZSET_LISTPACK, rdbString(listpack(['a', 1, 'b', '1.5', 'c', 3000000000])))).toEqual(zset(['a', 1], ['b', 1.5], ['c', 3e9]));
    expect(load(T.SET_LISTPACK, rdbString(listpack(['a', 1, 'b'])), 11)).toEqual(set('a', '1', 'b'));
  });

  it('listpack hashes and first quicklist nodes go straight into a packed body: every encoding, LZF, errors', () => {
    // Fields of every listpack encoding, each with the next one as its value (a long one converts the hash).
    const pairs = lpItems.flatMap((item, i) => [`f${i}`, item]);
    expect(load(T.HASH_LISTPACK, rdbString(listpack(pairs)))).toEqual(hash(...pairs.map(String)));
    const small = ['f', 'x'.repeat(63), 'n', -4096, 'big', 9223372036854775807n, 'e', ''];
    expect(load(T.HASH_LISTPACK, lzfString(listpack(small)))).toEqual(hash(...small.map(String)));
    const first = lzfString(listpack(['s'.repeat(30), 7, 's'.repeat(30)]));
    expect(load(T.LIST_QUICKLIST_2, cat(rdbLength(2), rdbLength(2), first, rdbLength(2), rdbString(listpack([-1, 'q'])))))
      .toEqual(list('s'.repeat(30), '7', 's'.repeat(30), '-1', 'q'));
    expect(() => load(T.HASH_LISTPACK, rdbString(listpack(['f', 'v', 'g'])))).toThrow(/odd number/);
    expect(() => load(T.HASH_LISTPACK, rdbString(listpack(['f', 1, 'g', 2, 'f', 3, 'h', 4])))).toThrow(/duplicate fields/);
  });

  it('quicklist 2 (18): PACKED listpack nodes with every encoding and PLAIN nodes', () => {
    const v = cat(rdbLength(4),
      rdbLength(2), rdbString(listpack(lpItems)),
      rdbLength(1), rdbString(long20k + '!'),
      rdbLength(1), lzfString(Buffer.from('p'.repeat(9000))),
      rdbLength(2), lzfString(listpack(['s'.repeat(30), 's'.repeat(30)])));
    expect(load(T.LIST_QUICKLIST_2, v)).toEqual(list(...lpText, long20k + '!', 'p'.repeat(9000), 's'.repeat(30), 's'.repeat(30)));
    expect(() => load(T.LIST_QUICKLIST_2, cat(rdbLength(1), rdbLength(3), rdbString('x')))).toThrow("Quicklist integrity check failed. (a node's container is 3)");
  });

  it('a listpack whose header count is unknown (65535)', () => {
    const items = Array.from({ length: 70_000 }, (_, i) => i % 2 ? `s${i}` : i);
    expect(load(T.LIST_QUICKLIST_2, cat(rdbLength(1), rdbLength(2), rdbString(listpack(items))))).toEqual(list(...items.map(String)));
  });

  it('skips empty keys, as Redis does, and logs the first ones', () => {
    const logs: string[] = [];
    const d = decodeRdb(rdbFile(10, [
      rdbKey(T.LIST, 'l', rdbLength(0)),
      rdbKey(T.LIST_QUICKLIST, 'q', cat(rdbLength(1), rdbString(ziplist([])))),
      rdbKey(T.HASH_LISTPACK, 'h', rdbString(listpack([]))),
      rdbKey(T.STRING, 'ok', rdbString('v')),
    ]), { log: (_l, m) => logs.push(m) });
    expect([...d.dbs[0]!.dict.keys()]).toEqual(['ok']);
    expect(d.emptyKeysSkipped).toBe(3);
    expect(logs).toEqual(['rdbLoadObject skipping empty key: l', 'rdbLoadObject skipping empty key: q', 'rdbLoadObject skipping empty key: h']);
  });

  it('rejects duplicates: keys, set members, hash fields, zset members', () => {
    const one = (type: number, v: Buffer): Buffer => rdbFile(10, [rdbKey(type, 'k', v)]);
    expect(() => decodeRdb(rdbFile(10, [rdbKey(T.STRING, 'k', rdbString('a')), rdbKey(T.STRING, 'k', rdbString('b'))]))).toThrow(/duplicated key 'k' in DB 0/);
    expect(() => decodeRdb(one(T.SET, cat(rdbLength(2), rdbString('x'), rdbString('x'))))).toThrow(/Duplicate set members detected/);
    expect(() => decodeRdb(one(T.SET_LISTPACK, rdbString(listpack(['x', 'x']))))).toThrow(/duplicate members/);
    expect(() => decodeRdb(one(T.HASH_LISTPACK, rdbString(listpack(['f', 1, 'f', 2]))))).toThrow(/duplicate fields/);
    expect(() => decodeRdb(one(T.ZSET_ZIPLIST, rdbString(ziplist(['m', 1, 'm', 1]))))).toThrow(/duplicate members/);
    expect(() => decodeRdb(one(T.SET_INTSET, rdbString(Buffer.from([2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0]))))).toThrow(/strictly ascending/);
  });

  it('plain hashes (type 4) load in the encoding their size calls for, a large one straight into a table', () => {
    const fields = (n: number, dup = false): Buffer => cat(rdbLength(n), ...Array.from({ length: n }, (_, i) =>
      cat(rdbString(dup && i === n - 1 ? 'f0' : `f${i}`), rdbString(`v${i}`))));
    const loaded = (v: Buffer): Hash => decodeRdb(rdbFile(10, [rdbKey(T.HASH, 'k', v)])).dbs[0]!.dict.get('k') as Hash;
    const big = encodingLimits.hashMaxListpackEntries + 1;
    const large = loaded(fields(big));
    expect([large.encoding, large.size, large.get('f0'), large.get(`f${big - 1}`)]).toEqual(['hashtable', big, 'v0', `v${big - 1}`]);
    const small = loaded(fields(3));
    expect([small.encoding, [...small.entries()]]).toEqual(['listpack', [['f0', 'v0'], ['f1', 'v1'], ['f2', 'v2']]]);
    expect(() => loaded(fields(big, true))).toThrow(/Duplicate hash fields detected/);
  });

  it('plain lists, sets and sorted sets load in one pass in the encoding their size calls for', () => {
    const value = (v: Buffer): Value => decodeRdb(rdbFile(10, [rdbKey(v[0]!, 'k', v.subarray(1))])).dbs[0]!.dict.get('k')!;
    const strings = (items: string[]): Buffer => cat(rdbLength(items.length), ...items.map((s) => rdbString(s)));
    const names = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `m${from + i}`);
    const typed = (type: number, body: Buffer): Buffer => cat(b(type), body);

    // A list: packed up to 128 elements (LZF and integer strings included), a ring past them.
    const withLzf = cat(rdbLength(3), rdbString('a'), lzfString(Buffer.from('x'.repeat(200))), b(0xc1, 0x39, 0x30));
    const small = value(typed(T.LIST, withLzf)) as List;
    expect([small.toArray(), small.length]).toEqual([['a', 'x'.repeat(200), '12345'], 3]);
    const ring = value(typed(T.LIST, strings(names(300)))) as List;
    expect(ring.toArray()).toEqual(names(300));
    ring.pushHead('h');
    ring.pushTail('t');
    expect([ring.at(0), ring.at(301), ring.length]).toEqual(['h', 't', 302]);

    // A set: an intset when small and all integers, else a table (indexed past 16 members).
    expect((value(typed(T.SET, strings(['3', '1', '2']))) as SetValue).encoding).toBe('intset');
    for (const n of [5, 40]) {
      const s = value(typed(T.SET, strings(names(n)))) as SetValue;
      expect([s.encoding, s.size, s.has('m0'), s.has(`m${n - 1}`), s.has('zz')]).toEqual(['hashtable', n, true, true, false]);
      expect(() => value(typed(T.SET, strings([...names(n), 'm1'])))).toThrow(/Duplicate set members detected/);
    }

    // A sorted set saved highest first (as Redis and our encoder write them), lowest first, or
    // in no order: the same entries; a listpack turns -0 into 0, the skiplist keeps it.
    const entries = (pairs: Array<[string, number]>): Buffer => cat(rdbLength(pairs.length), ...pairs.map(([m, s]) => cat(rdbString(m), binaryDouble(s))));
    for (const n of [10, 300]) {
      const asc: Array<[string, number]> = names(n).map((m, i) => [m, i === 0 ? -0 : i % 7]);
      asc.sort(([m1, s1], [m2, s2]) => (s1 !== s2 ? s1 - s2 : m1 < m2 ? -1 : 1));
      const shuffled = asc.map((e, i) => [e, (i * 7919) % n] as const).sort((x, y) => x[1] - y[1]).map(([e]) => e);
      for (const order of [[...asc].reverse(), asc, shuffled]) {
        const z = value(typed(T.ZSET_2, entries(order))) as ZSet;
        expect([z.encoding, [...z.entries()]]).toEqual([n === 10 ? 'listpack' : 'skiplist', asc.map(([m, s]) => [m, n === 10 && s === 0 ? 0 : s])]);
        expect(Object.is(z.score('m0'), n === 10 ? 0 : -0)).toBe(true);
      }
      expect(() => value(typed(T.ZSET_2, entries([...asc, ['m1', 99]])))).toThrow(/Duplicate zset fields detected/);
      expect(() => value(typed(T.ZSET_2, entries([...asc, asc[1]!])))).toThrow(/Duplicate zset fields detected/);
    }
    // Small ones are built from the file's bytes: ties ordered by member bytes (a prefix
    // first, high bytes after low ones); an int- or LZF-encoded member, or one too long for a
    // listpack, takes the general way to the same entries.
    const tied: Array<[string, number]> = [['', 1], ['a', 1], ['ab', 1], ['b', 1], ['\xe9', 1]];
    for (const order of [[...tied].reverse(), tied]) {
      const z = value(typed(T.ZSET_2, entries(order))) as ZSet;
      expect([z.encoding, [...z.entries()]]).toEqual(['listpack', tied]);
    }
    expect(plain(value(typed(T.ZSET_2, entries([['b', 1], ['a', 1], ['c', 1]]))))).toEqual(zset(['a', 1], ['b', 1], ['c', 1]));
    const intMember = cat(rdbLength(2), rdbString('m'), binaryDouble(2), b(0xc0, 5), binaryDouble(1));
    expect(plain(value(typed(T.ZSET_2, intMember)))).toEqual(zset(['5', 1], ['m', 2]));
    const lzfMember = cat(rdbLength(2), lzfString(Buffer.from('y'.repeat(40))), binaryDouble(2), rdbString('m'), binaryDouble(1));
    expect(plain(value(typed(T.ZSET_2, lzfMember)))).toEqual(zset(['m', 1], ['y'.repeat(40), 2]));
    const longMember = 'x'.repeat(encodingLimits.zsetMaxListpackValue + 1);
    const withLong = value(typed(T.ZSET_2, entries([[longMember, 2], ['m', 1]]))) as ZSet;
    expect([withLong.encoding, [...withLong.entries()]]).toEqual(['skiplist', [['m', 1], [longMember, 2]]]);
    expect(() => value(typed(T.ZSET_2, entries([['m', 2], ['n', 1], ['m', 0]])))).toThrow(/Duplicate zset fields detected/);
    expect(() => value(typed(T.ZSET_2, entries([['m', 2], ['n', NaN]])))).toThrow(/Zset with NAN score detected/);

    // A skiplist built whole takes changes as one built by inserts does.
    const big = value(typed(T.ZSET_2, entries(names(1000).map((m, i) => [m, i])))) as ZSet;
    for (let i = 0; i < 1000; i += 3) big.delete(`m${i}`);
    big.set('m1', -1);
    big.set('new', 500.5);
    expect([big.size, big.rank('m1'), big.rank('new'), big.memberAt(big.size - 1)]).toEqual([667, 0, 334, 'm998']);
  });

  it('loads streams of type 15 (Redis 5-6) and 21 (Redis 7.2), groups and PELs included', () => {
    const id = (ms: number, seq: number): Buffer => {
      const out = Buffer.alloc(16);
      out.writeBigUInt64BE(BigInt(ms));
      out.writeBigUInt64BE(BigInt(seq), 8);
      return out;
    };
    const ms = (t: number): Buffer => {
      const out = Buffer.alloc(8);
      out.writeBigInt64LE(BigInt(t));
      return out;
    };
    // One node at 5-1: the master entry (1 live, 0 deleted, fields f and g), then 5-1 with
    // the same fields, and 6-0 with its own (the seq delta is -1).
    const node = cat(rdbLength(1), rdbString(id(5, 1)),
      rdbString(listpack([2, 0, 2, 'f', 'g', 0, 2, 0, 0, 'a', 'b', 5, 0, 1, -1, 1, 'h', 'c', 6])));
    const group = (extra: Buffer): Buffer => cat(rdbLength(1), rdbString('grp'), rdbLength(5), rdbLength(1), extra,
      rdbLength(1), id(5, 1), ms(1_700_000_000_000), rdbLength(3),
      rdbLength(1), rdbString('alice'), ms(1_700_000_000_123));
    const alicePel = cat(rdbLength(1), id(5, 1));
    const entries = [['5-1', ['f', 'a', 'g', 'b']], ['6-0', ['h', 'c']]];
    const groups = (entriesRead: number): unknown => [{
      name: 'grp', lastId: '5-1', entriesRead,
      pel: [['5-1', 1_700_000_000_000, 3, 'alice']], consumers: [['alice', 1_700_000_000_123, ['5-1']]],
    }];
    expect(load(T.STREAM_LISTPACKS, cat(node, rdbLength(2), rdbLength(6), rdbLength(0), group(Buffer.alloc(0)), alicePel))).toEqual({
      stream: entries, length: 2, lastId: '6-0', firstId: '5-1', maxDeletedId: '0-0', entriesAdded: 2, groups: groups(1),
    });
    const v3 = cat(node, rdbLength(2), rdbLength(6), rdbLength(0), rdbLength(5), rdbLength(1), rdbLength(3), rdbLength(2), rdbLength(7),
      group(rdbLength(1)), ms(1_700_000_000_999), alicePel);
    expect(load(T.STREAM_LISTPACKS_3, v3, 11)).toEqual({
      stream: entries, length: 2, lastId: '6-0', firstId: '5-1', maxDeletedId: '3-2', entriesAdded: 7, groups: groups(1),
    });
    expect(() => load(T.STREAM_LISTPACKS_2, cat(node, rdbLength(3)))).toThrow(/Stream length inconsistent with rax entries \(3 against 2\)/);
  });

  it('refuses module values with a clear error', () => {
    expect(() => load(T.MODULE_2, rdbLength(0))).toThrow(/module value/);
    expect(() => load(T.MODULE_PRE_GA, rdbLength(0))).toThrow(/module value/);
    expect(() => load(8, rdbLength(0))).toThrow(/unknown value type 8/);
  });
});

describe('decodeRdb opcodes and versions', () => {
  it('reads every opcode of versions up to 11', () => {
    const logs: Array<[string, string]> = [];
    // MODULE_AUX of a module named "testmodul" (id = name in 6-bit chars, then 10 bits of version).
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let id = 0n;
    for (const c of 'testmodul') id = (id << 6n) | BigInt(chars.indexOf(c));
    id = (id << 10n) | 3n;
    const idBytes = Buffer.alloc(9);
    idBytes[0] = 0x81;
    idBytes.writeBigUInt64BE(id, 1);
    const moduleAux = cat(b(Op.MODULE_AUX), idBytes, rdbLength(2), rdbLength(2),
      rdbLength(1), b(0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // SINT, a full 64-bit value
      rdbLength(3), Buffer.alloc(4), rdbLength(4), Buffer.alloc(8), rdbLength(5), rdbString('payload'), rdbLength(0));
    const file = rdbFile(11, [
      b(Op.AUX), rdbString('redis-ver'), rdbString('7.2.4'),
      b(Op.AUX), rdbString('%info'), rdbString('shown'),
      moduleAux,
      b(Op.FUNCTION2), rdbString('#!lua name=lib\nredis.register_function("f", function() return 1 end)'),
      b(Op.FUNCTION_PRE_GA), rdbString('lib'), rdbString('LUA'), rdbLength(1), rdbString('desc'), rdbString('code'),
      b(Op.FUNCTION_PRE_GA), rdbString('lib2'), rdbString('LUA'), rdbLength(0), rdbString('code'),
      b(Op.SELECTDB), rdbLength(0), b(Op.RESIZEDB), rdbLength(2), rdbLength(1),
      b(Op.IDLE), rdbLength(1000), b(Op.EXPIRETIME_MS), Buffer.from('0040e59c30120000', 'hex'), rdbKey(T.STRING, 'ms', rdbString('a')),
      b(Op.FREQ, 7), b(Op.EXPIRETIME), Buffer.from('80f0fa7f', 'hex'), rdbKey(T.STRING, 's', rdbString('b')),
      b(Op.SELECTDB), rdbLength(9), rdbKey(T.STRING, 'in9', rdbString('c')),
    ]);
    const d = decodeRdb(file, { now: 0, log: (level, msg) => logs.push([level, msg]) });
    expect(d.version).toBe(11);
    expect(d.aux.get('redis-ver')).toBe('7.2.4');
    expect(d.dbs[0]!.expires.get('ms')).toBe(0x1230_9ce5_4000);
    expect(d.dbs[0]!.expires.get('s')).toBe(0x7ffaf080 * 1000);
    expect(plain(d.dbs[9]!.dict.get('in9')!)).toBe('c');
    expect(d.keysLoaded).toBe(3);
    expect(d.functions).toEqual(['#!lua name=lib\nredis.register_function("f", function() return 1 end)']);
    expect(logs).toEqual([
      ['notice', "RDB '%info': shown"],
      ['notice', "Skipping AUX data of module 'testmodul' in the RDB: redstate has no modules"],
      ['notice', 'Skipping a function library (Redis 7.0 rc format) in the RDB: redstate does not load functions'],
      ['notice', 'Skipping a function library (Redis 7.0 rc format) in the RDB: redstate does not load functions'],
    ]);
  });

  it('puts the keys of every db in its own table, however its keys fall into the batches of inserts', () => {
    const keys = (prefix: string, n: number): Buffer[] => Array.from({ length: n }, (_, i) => rdbKey(T.STRING, `${prefix}${i}`, rdbString(`${prefix}v${i}`)));
    const file = rdbFile(10, [
      ...keys('a', 45),
      b(Op.SELECTDB), rdbLength(3), b(Op.RESIZEDB), rdbLength(70), rdbLength(0), ...keys('b', 70),
      b(Op.SELECTDB), rdbLength(0), ...keys('c', 5),
      b(Op.SELECTDB), rdbLength(5), ...keys('a', 3),
    ]);
    const d = decodeRdb(file);
    expect(d.keysLoaded).toBe(123);
    expect([0, 3, 5].map((db) => d.dbs[db]!.dict.size)).toEqual([50, 70, 3]);
    for (const [db, prefix, n] of [[0, 'a', 45], [3, 'b', 70], [0, 'c', 5], [5, 'a', 3]] as const) {
      for (let i = 0; i < n; i++) expect(plain(d.dbs[db]!.dict.get(`${prefix}${i}`)!)).toBe(`${prefix}v${i}`);
    }
    // A key repeated far from its first record, and one repeated in another db only.
    const dup = rdbFile(10, [...keys('a', 45), rdbKey(T.STRING, 'a2', rdbString('again'))]);
    expect(() => decodeRdb(dup)).toThrow(/duplicated key 'a2' in DB 0/);
  });

  it('loads versions 1 to 4 without a checksum, 5 and up with one', () => {
    const body = [rdbKey(T.STRING, 'k', rdbString('v'))];
    for (let v = 1; v <= 4; v++) expect(decodeRdb(rdbFile(v, body, 'none')).dbs[0]!.dict.size).toBe(1);
    for (let v = 5; v <= 11; v++) expect(decodeRdb(rdbFile(v, body)).dbs[0]!.dict.size).toBe(1);
    expect(() => decodeRdb(rdbFile(4, body))).toThrow(/8 bytes after its end/);
    expect(() => decodeRdb(rdbFile(5, body, 'none'))).toThrow(/truncated/);
  });

  it('refuses other versions and signatures', () => {
    expect(() => decodeRdb(rdbFile(12, []))).toThrow(/format version "0012" is not one we can load/);
    expect(() => decodeRdb(rdbFile(0, []))).toThrow(/format version "0000"/);
    expect(() => decodeRdb(Buffer.from('REDIS00x9\xff', 'latin1'))).toThrow(/format version "00x9"/);
    expect(() => decodeRdb(Buffer.from('RADIS0009\xff', 'latin1'))).toThrow(/signature/);
    expect(() => decodeRdb(Buffer.alloc(0))).toThrow(RdbError);
    expect(() => decodeRdb(rdbFile(10, [b(Op.SELECTDB), rdbLength(16)]))).toThrow(/selects DB 16/);
  });
});
