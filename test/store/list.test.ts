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

  it('agrees with an array through random operations, growing past many blocks and shrinking back', () => {
    let seed = 7;
    // mulberry32
    const rand = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) % n);
    };
    const list = new List();
    const model: string[] = [];
    const ranged: string[] = [];
    const sink = {
      bulkRun: (run: readonly (string | undefined)[], from: number, n: number) => { for (let k = from; k < from + n; k++) ranged.push(run[k]!); },
      bulkSpan: (s: string, from: number, n: number) => { ranged.push(s.slice(from, from + n)); },
    };
    let longest = 0;
    const drained: number[] = [];
    // Phases: grow past 6000 (pushes win), churn, then drain (pops win), twice.
    for (let step = 0; step < 60_000; step++) {
      const phase = Math.floor(step / 10_000) % 3;
      const op = rand(100);
      const v = `v${step}`;
      if (op < (phase === 0 ? 85 : phase === 1 ? 45 : 10)) {
        if (rand(2) === 0) { list.pushHead(v); model.unshift(v); } else { list.pushTail(v); model.push(v); }
      } else if (op < 90) {
        if (rand(2) === 0) expect(list.popHead()).toBe(model.shift());
        else expect(list.popTail()).toBe(model.pop());
      } else if (op < 93 && model.length > 0) {
        const i = rand(model.length + 1);
        list.insert(i, v);
        model.splice(i, 0, v);
      } else if (op < 95 && model.length > 0) {
        const i = rand(model.length);
        list.set(i, v);
        model[i] = v;
      } else if (op < 96 && model.length > 0) {
        const target = model[rand(model.length)]!;
        const limit = rand(3);
        const fromTail = rand(2) === 0;
        const expected = model.filter((x) => x === target).length;
        expect(list.remove(target, limit, fromTail)).toBe(limit === 0 ? expected : Math.min(limit, expected));
        let left = limit === 0 ? expected : Math.min(limit, expected);
        if (fromTail) {
          for (let k = model.length - 1; k >= 0 && left > 0; k--) if (model[k] === target) { model.splice(k, 1); left--; }
        } else {
          for (let k = 0; k < model.length && left > 0; k++) if (model[k] === target) { model.splice(k--, 1); left--; }
        }
      } else if (op < 97 && model.length > 2 && rand(20) === 0) {
        const start = rand(Math.ceil(model.length / 8));
        const end = model.length - 1 - rand(Math.ceil(model.length / 8));
        list.trim(start, end);
        model.splice(end + 1);
        model.splice(0, start);
      } else if (model.length > 0) {
        const a = rand(model.length);
        const b = a + rand(Math.min(3000, model.length - a));
        ranged.length = 0;
        list.writeRange(a, b, sink);
        expect(ranged).toEqual(model.slice(a, b + 1));
        expect(list.at(a)).toBe(model[a]);
        expect(list.at(-1 - a)).toBe(model[model.length - 1 - a]);
      }
      expect(list.length).toBe(model.length);
      longest = Math.max(longest, model.length);
      if (phase === 2 && step % 10_000 === 9_999) drained.push(model.length);
      if (step % 997 === 0) expect(list.toArray()).toEqual(model);
    }
    expect([...list]).toEqual(model);
    // The walk went through many blocks and back to a lone small one.
    expect(longest).toBeGreaterThan(6 * 1024);
    expect(Math.min(...drained)).toBeLessThan(100);
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
