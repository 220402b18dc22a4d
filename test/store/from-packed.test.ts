// The bulk constructors the RDB decoder uses (issue 9: load speed): each body built in one
// pass with BodyBuilder must give the collection that adding the elements one by one gives,
// in the same encoding, and refuse what one-by-one adding would refuse.
import { afterEach, describe, expect, it } from 'vitest';
import { Hash } from '../../src/store/hash.js';
import { encodingLimits } from '../../src/store/limits.js';
import { List } from '../../src/store/list.js';
import { BodyBuilder, packItem } from '../../src/store/packed.js';
import { appendIntsetEntry, SetValue } from '../../src/store/set.js';
import { appendZsetEntry, ZSet } from '../../src/store/zset.js';

const defaults = { ...encodingLimits };
afterEach(() => Object.assign(encodingLimits, defaults));

const b = new BodyBuilder();
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');

function packed(items: string[]): string {
  for (const s of items) b.item(s);
  return b.take();
}

function pairs(n: number, value = (i: number) => `v${i}`): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`f${i}`, value(i));
  return out;
}

function hashOneByOne(items: string[]): Hash {
  const h = new Hash();
  for (let i = 0; i < items.length; i += 2) h.set(items[i]!, items[i + 1]!);
  return h;
}

describe('BodyBuilder', () => {
  it('writes packed items as packItem does, across varint boundaries and every byte value', () => {
    const items = ['', 'a', BINARY, 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(16384), BINARY.repeat(70)];
    expect(packed(items)).toBe(items.map(packItem).join(''));
    expect(b.take()).toBe('');
  });

  it('grows past its first buffer and starts over after take() and clear()', () => {
    const big = 'q'.repeat(10_000);
    b.bytes(big);
    b.clear();
    b.bytes(big);
    b.byte(7);
    expect(b.take()).toBe(big + '\x07');
  });
});

describe('Hash.fromPacked', () => {
  it('equals the hash built field by field, in a listpack', () => {
    const items = [...pairs(10), '', 'empty field', BINARY.slice(0, 64), BINARY.slice(192)];
    const h = Hash.fromPacked(packed(items), items.length / 2)!;
    const ref = hashOneByOne(items);
    expect(h.encoding).toBe('listpack');
    expect([...h.entries()]).toEqual([...ref.entries()]);
    expect([h.size, h.get('f3'), h.get('')]).toEqual([ref.size, 'v3', 'empty field']);
    expect(h.set('f3', 'new')).toBe(false);
    expect(h.set('g', '1')).toBe(true);
    expect(h.get('f3')).toBe('new');
  });

  it('is null when a field repeats, whatever the encoding', () => {
    expect(Hash.fromPacked(packed(['a', '1', 'b', '2', 'a', '3']), 3)).toBeNull();
    expect(Hash.fromPacked(packed(['ab', '1', 'ba', '2']), 2)).not.toBeNull();
    const many = [...pairs(600), 'f5', 'again'];
    expect(Hash.fromPacked(packed(many), many.length / 2)).toBeNull();
  });

  it('converts as set() would: over the entries limit or a long field or value', () => {
    for (const items of [pairs(513), pairs(3, (i) => 'v'.repeat(64 + i)), [...pairs(3), 'k'.repeat(65), 'v']]) {
      const h = Hash.fromPacked(packed(items), items.length / 2)!;
      const ref = hashOneByOne(items);
      expect(h.encoding).toBe(ref.encoding);
      expect([...h.entries()]).toEqual([...ref.entries()]);
    }
    expect(Hash.fromPacked(packed(pairs(3, () => 'v'.repeat(64))), 3)!.encoding).toBe('listpack');
    encodingLimits.hashMaxListpackEntries = 2;
    expect(Hash.fromPacked(packed(pairs(3)), 3)!.encoding).toBe('hashtable');
  });
});

describe('List.fromPacked', () => {
  it('equals the list pushed element by element, packed or a ring past the limits', () => {
    for (const items of [['a', '', BINARY], Array.from({ length: 128 }, (_, i) => `e${i}`),
      Array.from({ length: 129 }, (_, i) => `e${i}`), ['x'.repeat(9000)]]) {
      const l = List.fromPacked(packed(items), items.length);
      expect([l.length, ...l]).toEqual([items.length, ...List.from(items)]);
      l.pushHead('h');
      l.pushTail('t');
      expect(l.toArray()).toEqual(['h', ...items, 't']);
    }
  });
});

describe('SetValue.fromIntset', () => {
  const ints = (vs: (number | string)[]): string => {
    for (const v of vs) appendIntsetEntry(b, v);
    return b.take();
  };
  const members = ['-9223372036854775808', String(-(2 ** 53)), '-70000', '-1', '0', '1', '65536', String(2 ** 53), '9223372036854775807'];
  const values = members.map((m) => (Math.abs(Number(m)) <= 2 ** 53 ? Number(m) : m));

  it('equals the set added member by member, as an intset', () => {
    const s = SetValue.fromIntset(ints(values))!;
    const ref = SetValue.from(members);
    expect(s.encoding).toBe('intset');
    expect([...s.values()]).toEqual([...ref.values()]);
    expect([s.has('-70000'), s.has('2'), s.add('2'), s.add('65536')]).toEqual([true, false, true, false]);
  });

  it('is null unless strictly ascending', () => {
    expect(SetValue.fromIntset(ints([1, 2, 2]))).toBeNull();
    expect(SetValue.fromIntset(ints([2, 1]))).toBeNull();
    expect(SetValue.fromIntset(ints(['9223372036854775807', 0]))).toBeNull();
    expect(SetValue.fromIntset('1234567')).toBeNull();
  });

  it('converts over set-max-intset-entries, the members in ascending order', () => {
    const many = Array.from({ length: 513 }, (_, i) => i * 3 - 700);
    const s = SetValue.fromIntset(ints(many))!;
    const ref = SetValue.from(many.map(String));
    expect([s.encoding, s.size]).toEqual(['hashtable', 513]);
    expect([...s.values()]).toEqual([...ref.values()]);
    expect(s.has('-700')).toBe(true);
    encodingLimits.setMaxIntsetEntries = 2;
    expect(SetValue.fromIntset(ints([1, 2, 3]))!.encoding).toBe('hashtable');
  });
});

describe('ZSet.fromPacked', () => {
  const body = (entries: [string, number][]): string => {
    for (const [m, s] of entries) appendZsetEntry(b, m, s);
    return b.take();
  };
  const oneByOne = (entries: [string, number][]): ZSet => {
    const z = new ZSet();
    for (const [m, s] of entries) z.set(m, s);
    return z;
  };
  const sorted: [string, number][] = [['a', -Infinity], ['x', -1.5], ['b', -0], ['c', 0], ['', 1], ['a2', 1], ['ab', 1],
    [BINARY.slice(0, 64), 2], ['z'.repeat(300).slice(0, 64), 1e300], ['inf', Infinity]];

  it('equals the sorted set added member by member, as a listpack', () => {
    const z = ZSet.fromPacked(body(sorted), sorted.length)!;
    const ref = oneByOne(sorted);
    expect(z.encoding).toBe('listpack');
    expect([...z.entries()]).toEqual([...ref.entries()]);
    expect([z.score('x'), z.rank('ab'), z.set('a2', 5), z.set('new', 0)]).toEqual([-1.5, 6, false, true]);
    expect(Object.is([...z.entries()].find(([m]) => m === 'b')![1], 0)).toBe(true);
  });

  it('is null out of order or with a member twice', () => {
    expect(ZSet.fromPacked(body([['a', 2], ['b', 1]]), 2)).toBeNull();
    expect(ZSet.fromPacked(body([['b', 1], ['a', 1]]), 2)).toBeNull();
    expect(ZSet.fromPacked(body([['a', 1], ['a', 1]]), 2)).toBeNull();
    expect(ZSet.fromPacked(body([['a', 1], ['b', 2], ['a', 3]]), 3)).toBeNull();
    const many = Array.from({ length: 200 }, (_, i): [string, number] => [`m${i}`, i]);
    expect(ZSet.fromPacked(body([...many, ['m7', 500]]), 201)).toBeNull();
  });

  it('converts as set() would: over the entries limit or a long member', () => {
    const many = Array.from({ length: 129 }, (_, i): [string, number] => [`m${i}`, i / 2]);
    const long: [string, number][] = [['a', 1], ['m'.repeat(65), 2]];
    for (const entries of [many, long]) {
      const z = ZSet.fromPacked(body(entries), entries.length)!;
      const ref = oneByOne(entries);
      expect([z.encoding, ref.encoding]).toEqual(['skiplist', 'skiplist']);
      expect([...z.entries()]).toEqual([...ref.entries()]);
      expect(z.rank(entries[1]![0])).toBe(1);
    }
    encodingLimits.zsetMaxListpackEntries = 1;
    expect(ZSet.fromPacked(body(long.slice(0, 1)), 1)!.encoding).toBe('listpack');
    expect(ZSet.fromPacked(body([['a', 1], ['b', 2]]), 2)!.encoding).toBe('skiplist');
  });
});
