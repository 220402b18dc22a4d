// The List store class: the packed body and the ring agree on every operation across the
// switch between them, and a small list costs little more than its bytes. (Replies against
// redis-server are in test/commands/lists.test.ts.)
import { describe, expect, it } from 'vitest';
import { fresh, heapBytesEach } from '../helpers/heap.js';
import { List } from '../../src/store/list.js';

const items = (n: number, prefix = 'e'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('List', () => {
  it('keeps its elements across the switch to a ring, at 129 elements or past 8 KB', () => {
    for (const [list, n] of [[List.from(items(200)), 200], [List.from(['a', 'x'.repeat(9000), 'b']), 3]] as const) {
      expect(list.length).toBe(n);
      expect([...list]).toEqual(list.toArray());
      expect(list.at(-1)).toBe(list.toArray()[n - 1]);
    }
    const l = List.from(items(128));
    l.pushHead('first');
    expect([l.length, l.at(0), l.at(128), l.slice(1, 3)]).toEqual([129, 'first', 'e127', ['e0', 'e1', 'e2']]);
  });

  it('answers alike packed and as a ring', () => {
    const small = List.from(['a', 'b', 'a', 'c', 'a', '', 'b']);
    const ring = List.from([...items(200), 'a', 'b', 'a', 'c', 'a', '', 'b']);
    ring.trim(200, 206);
    for (const l of [small, ring]) {
      expect(l.toArray()).toEqual(['a', 'b', 'a', 'c', 'a', '', 'b']);
      expect([...l.matches('a', false, 7)]).toEqual([0, 2, 4]);
      expect([...l.matches('a', true, 7)]).toEqual([4, 2, 0]);
      expect([...l.matches('a', true, 3)]).toEqual([4]);
      expect([...l.matches('a', false, 2)]).toEqual([0]);
      expect(l.remove('a', 1, true)).toBe(1);
      expect(l.remove('b', 0, false)).toBe(2);
      l.insert(0, 'h');
      l.insert(l.length, 't');
      l.insert(2, 'm');
      l.set(1, 'A');
      expect(l.toArray()).toEqual(['h', 'A', 'm', 'a', 'c', '', 't']);
      expect([l.popHead(), l.popTail(), l.at(0), l.at(-1), l.at(5), l.at(-6)]).toEqual(['h', 't', 'A', '', undefined, undefined]);
      l.trim(1, 2);
      expect(l.toArray()).toEqual(['m', 'a']);
    }
  });

  it('a small list costs little more than its bytes', () => {
    const perList = heapBytesEach(20_000, () => {
      const l = new List();
      for (let j = 0; j < 10; j++) l.pushTail(fresh(`member:${j}`));
      return l;
    });
    // 90 bytes of items; a ring of ten strings costs about 480.
    expect(perList).toBeLessThan(260);
  });
});
