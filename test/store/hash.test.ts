// The Hash store class: the packed listpack string (item lengths across the varint's byte
// boundaries, every byte value), the one-way conversion to a Map at either limit, and the
// memory a small hash costs, which is why the listpack is one string.
import { afterEach, describe, expect, it } from 'vitest';
import { fresh, heapBytesEach } from '../helpers/heap.js';
import { Hash } from '../../src/store/hash.js';
import { encodingLimits } from '../../src/store/limits.js';

const defaults = { ...encodingLimits };
afterEach(() => Object.assign(encodingLimits, defaults));

const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');

function filled(n: number): Hash {
  const h = new Hash();
  for (let i = 0; i < n; i++) h.set(`f${i}`, `v${i}`);
  return h;
}

describe('Hash', () => {
  it('sets, updates, gets and deletes in a listpack, in insertion order', () => {
    const h = new Hash();
    expect(h.set('a', '1')).toBe(true);
    expect(h.set('b', '')).toBe(true);
    expect(h.set('', 'empty field')).toBe(true);
    expect(h.set('a', 'one')).toBe(false);
    expect([h.size, h.encoding, h.get('a'), h.get('b'), h.get(''), h.get('c')]).toEqual([3, 'listpack', 'one', '', 'empty field', undefined]);
    expect([h.has('b'), h.has('c'), h.has('')]).toEqual([true, false, true]);
    expect([...h.entries()]).toEqual([['a', 'one'], ['b', ''], ['', 'empty field']]);
    expect(h.delete('b')).toBe(true);
    expect(h.delete('b')).toBe(false);
    expect([...h.keys()]).toEqual(['a', '']);
    expect([...h.values()]).toEqual(['one', 'empty field']);
    h.delete('a');
    h.delete('');
    expect([h.size, [...h.entries()]]).toEqual([0, []]);
  });

  it('does not confuse a field with a value or a prefix of another field', () => {
    const h = new Hash();
    h.set('ab', 'x');
    h.set('x', 'ab');
    h.set('a', 'abc');
    expect([h.get('ab'), h.get('x'), h.get('a'), h.get('abc'), h.get('b')]).toEqual(['x', 'ab', 'abc', undefined, undefined]);
  });

  it('packs items of every length class and every byte', () => {
    encodingLimits.hashMaxListpackValue = 1 << 20;
    const h = new Hash();
    const lengths = [0, 1, 127, 128, 129, 255, 256, 16383, 16384, 70000];
    const item = (n: number, salt: number): string => {
      let s = '';
      while (s.length < n) s += BINARY.slice(salt % 256) + BINARY;
      return s.slice(0, n);
    };
    lengths.forEach((n, i) => h.set(item(n, i), item(lengths[lengths.length - 1 - i]!, i + 7)));
    expect(h.encoding).toBe('listpack');
    expect(h.size).toBe(lengths.length);
    lengths.forEach((n, i) => expect(h.get(item(n, i))).toBe(item(lengths[lengths.length - 1 - i]!, i + 7)));
    h.set(item(128, 3), 'short now');
    h.delete(item(16383, 7));
    expect(h.get(item(128, 3))).toBe('short now');
    expect(h.has(item(16383, 7))).toBe(false);
    expect([...h.keys()]).toEqual(lengths.filter((n) => n !== 16383).map((n) => item(n, lengths.indexOf(n))));
  });

  it('becomes a hashtable past hash-max-listpack-entries, for good', () => {
    const h = filled(512);
    expect(h.encoding).toBe('listpack');
    h.set('f0', 'again');
    expect(h.encoding).toBe('listpack');
    h.set('new', 'x');
    expect([h.encoding, h.size, h.get('f0'), h.get('f511'), h.get('new')]).toEqual(['hashtable', 513, 'again', 'v511', 'x']);
    for (let i = 0; i < 512; i++) h.delete(`f${i}`);
    expect([h.encoding, h.size, [...h.entries()]]).toEqual(['hashtable', 1, [['new', 'x']]]);
  });

  it('becomes a hashtable for a field or value past hash-max-listpack-value', () => {
    const long = 'x'.repeat(65);
    for (const [f, v] of [[long, 'v'], ['f', long]]) {
      const h = filled(3);
      h.set('y'.repeat(64), 'z'.repeat(64));
      expect(h.encoding).toBe('listpack');
      h.set(f!, v!);
      expect([h.encoding, h.size, h.get(f!), h.get('f2')]).toEqual(['hashtable', 5, v, 'v2']);
      expect(new Set(h.keys())).toEqual(new Set(['f0', 'f1', 'f2', 'y'.repeat(64), f]));
    }
  });

  it('a lowered entries limit converts at the next write, even an update (as Redis does)', () => {
    const h = filled(5);
    encodingLimits.hashMaxListpackEntries = 4;
    expect(h.encoding).toBe('listpack');
    expect(h.get('f4')).toBe('v4');
    h.set('f1', 'updated');
    expect([h.encoding, h.get('f1'), h.size]).toEqual(['hashtable', 'updated', 5]);
    encodingLimits.hashMaxListpackEntries = 0;
    const z = new Hash();
    z.set('a', '1');
    expect(z.encoding).toBe('hashtable');
  });

  it('randomEntry reaches every pair, in both encodings', () => {
    for (const n of [7, 600]) {
      const h = filled(n);
      const seen = new Set<string>();
      for (let i = 0; i < n * 20 && seen.size < n; i++) {
        const [f, v] = h.randomEntry();
        expect(v).toBe(`v${f.slice(1)}`);
        seen.add(f);
      }
      expect(seen.size).toBe(n);
    }
  });

  it('a small hash costs little more than its bytes', () => {
    const perHash = heapBytesEach(20_000, (i) => {
      const h = new Hash();
      for (let j = 0; j < 5; j++) h.set(fresh(`field${j}`), fresh(`value-${String(i).padStart(6, '0')}`));
      return h;
    });
    // 100 bytes of items; a Map of five string pairs costs about 600.
    expect(perHash).toBeLessThan(250);
  });
});
