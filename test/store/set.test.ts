// The packed set encoding (Redis 7.2's listpack set, issue 21): when a set is packed, when
// it becomes a hashtable for good, and that it answers as Redis 7.0's hashtable would
// ("hashtable" for OBJECT ENCODING), whichever way it was built: added one by one or
// adopted from an RDB's members.
import { describe, expect, it } from 'vitest';
import { setPackedLimits } from '../../src/store/limits.js';
import { BodyBuilder } from '../../src/store/packed.js';
import { SetValue } from '../../src/store/set.js';

const { maxEntries, maxValue } = setPackedLimits;
const names = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `member:${from + i}`);
const ints = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i * 3 - 50));
const b = new BodyBuilder();
const packedBody = (members: string[]): string => {
  for (const m of members) b.item(m);
  return b.take();
};

/** The members, checked one by one, and the set's own listing (sorted). */
function expectMembers(s: SetValue, members: string[]): void {
  expect(s.size).toBe(members.length);
  expect([...s.values()].sort()).toEqual([...members].sort());
  for (const m of members) expect(s.has(m), m).toBe(true);
  expect(s.has('nosuch')).toBe(false);
}

describe('packed sets', () => {
  it('hold small sets of strings, called "hashtable" as Redis 7.0 calls them, in the order added', () => {
    const s = SetValue.from(names(10));
    expect(s.packed).not.toBeNull();
    expect(s.encoding).toBe('hashtable');
    expect([...s.values()]).toEqual(names(10));
    expect([s.add('member:3'), s.add('7'), s.add('7'), s.has('07'), s.has('7')]).toEqual([false, true, false, false, true]);
    expectMembers(s, [...names(10), '7']);
  });

  it('become a hashtable for good past maxEntries members, keeping every member and their order', () => {
    const s = SetValue.from(names(maxEntries));
    expect(s.packed).not.toBeNull();
    expect(s.add(`member:${maxEntries}`)).toBe(true);
    expect(s.packed).toBeNull();
    expect([...s.values()]).toEqual(names(maxEntries + 1));
    for (let i = 0; i <= maxEntries - 5; i++) s.delete(`member:${i}`);
    expect(s.packed).toBeNull();
    expectMembers(s, names(5, maxEntries - 4));
  });

  it('take members up to maxValue bytes; a longer one makes a hashtable, and is never found in a packed one', () => {
    const edge = 'x'.repeat(maxValue);
    const s = SetValue.from(['a', edge, '']);
    expect(s.packed).not.toBeNull();
    expect(s.has('x'.repeat(maxValue + 1))).toBe(false);
    expect(s.delete('x'.repeat(maxValue + 1))).toBe(false);
    expect(s.add('y'.repeat(maxValue + 1))).toBe(true);
    expect([s.packed, s.encoding]).toEqual([null, 'hashtable']);
    expectMembers(s, ['a', edge, '', 'y'.repeat(maxValue + 1)]);
  });

  it('come from an intset given a non-integer member, as in Redis 7.2, while it fits', () => {
    const s = SetValue.from(ints(maxEntries - 1));
    expect(s.encoding).toBe('intset');
    s.add('a');
    expect(s.packed).not.toBeNull();
    // The intset's members in ascending order, then the new one.
    expect([...s.values()]).toEqual([...ints(maxEntries - 1), 'a']);
    expect(s.delete('a')).toBe(true);
    expect([s.encoding, s.packed === null]).toEqual(['hashtable', false]);
    expectMembers(s, ints(maxEntries - 1));

    const full = SetValue.from(ints(maxEntries));
    full.add('a');
    expect(full.packed).toBeNull();
    expectMembers(full, [...ints(maxEntries), 'a']);
    const long = SetValue.from(['1', '2']);
    long.add('z'.repeat(maxValue + 1));
    expect(long.packed).toBeNull();
    const empty = new SetValue();
    empty.add('a');
    expect([...empty.values()]).toEqual(['a']);
    expect(empty.packed).not.toBeNull();
  });

  it('lose members to SREM and SPOP down to empty, and grow again', () => {
    const s = SetValue.from(names(20));
    expect(s.delete('member:0')).toBe(true);
    expect(s.delete('member:0')).toBe(false);
    expect(s.delete('member:19')).toBe(true);
    expectMembers(s, names(18, 1));
    const popped: string[] = [];
    while (s.size > 0) popped.push(s.pop());
    expect(popped.sort()).toEqual(names(18, 1).sort());
    expect([s.size, [...s.values()], s.has('member:1'), s.packed]).toEqual([0, [], false, '']);
    s.add('again');
    expectMembers(s, ['again']);
    expect(s.packed).not.toBeNull();
  });

  it('pick members at every position, at random, and in copies that share nothing', () => {
    const s = SetValue.from(names(30));
    expect(Array.from({ length: 30 }, (_, i) => s.at(i))).toEqual(names(30));
    for (let i = 0; i < 50; i++) expect(s.has(s.random())).toBe(true);
    expect([...s.values(true)]).toEqual(names(30));
    const copy = s.clone();
    copy.delete('member:1');
    copy.add('new');
    expectMembers(s, names(30));
    expectMembers(copy, [...names(30).filter((m) => m !== 'member:1'), 'new']);
    expect(copy.packed).not.toBeNull();
  });

  it('are scanned in steps over the body they had, past 16 members, whatever changes meanwhile', () => {
    expect(SetValue.from(names(16)).scanOrder()).toBeNull();
    const s = SetValue.from(names(40));
    const walk = s.scanOrder()!;
    const seen = [walk.next().value];
    s.delete('member:39');
    for (let i = 0; i < 200; i++) s.add(`more:${i}`);
    expect(s.packed).toBeNull();
    for (const m of walk) seen.push(m);
    expect(seen).toEqual(names(40));
  });

  it('keep a hashtable of integers a hashtable when copied, as setTypeDup does', () => {
    const s = SetValue.from(['a', '1', '2']);
    s.delete('a');
    expect(s.clone().encoding).toBe('hashtable');
    const big = SetValue.from([...ints(600)]);
    for (const m of ints(590)) big.delete(m);
    const copy = big.clone();
    expect(copy.encoding).toBe('hashtable');
    expectMembers(copy, ints(600).slice(590));
    expect(SetValue.from(ints(5)).clone().encoding).toBe('intset');
  });
});

describe('SetValue.fromPacked and fromMembers (an RDB\'s plain set)', () => {
  it('adopt a small set of strings as it is, packed', () => {
    const body = packedBody(names(10));
    const s = SetValue.fromPacked(body, 10)!;
    expect(s.packed).toBe(body);
    expect([...s.values()]).toEqual(names(10));
    expect(SetValue.fromMembers(names(10))!.packed).toBe(body);
  });

  it('make an intset of integers within set-max-intset-entries, as rdbLoadObject does', () => {
    for (const s of [SetValue.fromPacked(packedBody(['5', '-1', '3']), 3)!, SetValue.fromMembers(['5', '-1', '3'])!]) {
      expect(s.encoding).toBe('intset');
      expect([...s.values()]).toEqual(['-1', '3', '5']);
    }
    expect(SetValue.fromPacked(packedBody(['5', '05']), 2)!.packed).not.toBeNull();
    // Ascending, as a redstate master saves an intset: built at once, long and negative values too.
    const ascending = ['-9223372036854775808', '-1000000000000000', '-999999999999999', '-1', '0', '7', '999999999999999',
      '1000000000000000', '9223372036854775807'];
    const s = SetValue.fromPacked(packedBody(ascending), ascending.length)!;
    expect([s.encoding, [...s.values()]]).toEqual(['intset', ascending]);
    expect(SetValue.fromPacked(packedBody(['1', '1']), 2)).toBeNull();
  });

  it('make a hashtable past the packed limits', () => {
    const many = names(maxEntries + 1);
    const long = ['a', 'b'.repeat(maxValue + 1)];
    for (const [members, s] of [[many, SetValue.fromPacked(packedBody(many), many.length)], [long, SetValue.fromPacked(packedBody(long), 2)],
      [many, SetValue.fromMembers(many)], [long, SetValue.fromMembers(long)]] as const) {
      expect(s!.packed).toBeNull();
      expect(s!.encoding).toBe('hashtable');
      expectMembers(s!, [...members]);
    }
  });

  it('are null when a member repeats, in every encoding', () => {
    for (const members of [['a', 'b', 'a'], ['1', '2', '1'], [...names(maxEntries + 5), 'member:3'], ['x'.repeat(100), 'x'.repeat(100)]]) {
      expect(SetValue.fromPacked(packedBody(members), members.length), members[0]).toBeNull();
      expect(SetValue.fromMembers(members), members[0]).toBeNull();
    }
  });
});
