// The keyspace's hash table against a Map model: same contents after any mix of inserts,
// overwrites and deletes (through growth, shrinking and tombstone reuse), and walks that
// see every key present for their whole length.
import { describe, expect, it } from 'vitest';
import { Dict } from '../../src/store/dict.js';
import { prng } from '../persistence/dataset.js';

function contents(d: Dict<number>): Map<string, number> {
  return new Map([...d]);
}

describe('Dict', () => {
  it('agrees with a Map through random inserts, overwrites and deletes', () => {
    const rand = prng(3);
    const d = new Dict<number>();
    const model = new Map<string, number>();
    for (let round = 0; round < 4; round++) {
      // Grow to thousands of keys, then delete most of them (rebuilds both ways).
      for (let n = 0; n < 20_000; n++) {
        const key = `k${Math.floor(rand() * 5000)}`;
        const op = rand();
        const i = d.find(key);
        expect(i >= 0).toBe(model.has(key));
        if (op < (round % 2 === 0 ? 0.7 : 0.2)) {
          if (i < 0) d.add(key, n, 1);
          else d.setValueAt(i, n);
          model.set(key, n);
        } else if (i >= 0) {
          d.deleteAt(i);
          model.delete(key);
        }
        expect(d.size).toBe(model.size);
      }
      expect(contents(d)).toEqual(model);
    }
  });

  it('reuses the slots deleted keys left without growing', () => {
    const d = new Dict<string>(100);
    const cap = d.capacity;
    for (let n = 0; n < 100_000; n++) {
      d.add(`churn:${n}`, 'v', 0);
      if (n >= 50) d.deleteAt(d.find(`churn:${n - 50}`));
    }
    expect(d.size).toBe(50);
    expect(d.capacity).toBe(cap);
    for (let n = 99_950; n < 100_000; n++) expect(d.get(`churn:${n}`)).toBe('v');
    expect(d.get('churn:0')).toBeUndefined();
  });

  it('tells a duplicate in addIfAbsent, and keeps the first value', () => {
    const d = new Dict<string>();
    expect(d.addIfAbsent('a', '1', 0)).toBe(true);
    expect(d.addIfAbsent('a', '2', 0)).toBe(false);
    expect(d.get('a')).toBe('1');
    expect(d.size).toBe(1);
  });

  it('keeps each key epoch through rebuilds', () => {
    const d = new Dict<number>();
    for (let n = 0; n < 1000; n++) d.add(`e${n}`, n, n % 7);
    for (let n = 0; n < 900; n++) d.deleteAt(d.find(`e${n}`));
    for (let n = 900; n < 1000; n++) expect(d.epochAt(d.find(`e${n}`))).toBe(n % 7);
  });

  it('walks every key that stays for the whole walk, across rebuilds, and each once without one', () => {
    const d = new Dict<number>();
    for (let n = 0; n < 3000; n++) d.add(`stay:${n}`, n, 0);
    const quiet = [...d.keys()];
    expect(quiet.length).toBe(3000);
    expect(new Set(quiet).size).toBe(3000);

    const seen = new Set<string>();
    let steps = 0;
    const generation = d.generation;
    for (const key of d.keys()) {
      seen.add(key);
      // Churn while walking: enough inserts to grow the table, deletes of what came and went.
      d.add(`tmp:${steps}`, steps, 0);
      if (steps % 3 === 0 && steps > 0) d.deleteAt(d.find(`tmp:${steps - 1}`));
      steps++;
    }
    expect(d.generation).toBeGreaterThan(generation);
    for (let n = 0; n < 3000; n++) expect(seen.has(`stay:${n}`)).toBe(true);
  });

  it('walks every key that stays while the table shrinks under the walk', () => {
    const d = new Dict<number>();
    for (let n = 0; n < 200; n++) d.add(`stay:${n}`, n, 0);
    for (let n = 0; n < 5000; n++) d.add(`gone:${n}`, n, 0);
    const seen = new Set<string>();
    let deleted = false;
    for (const key of d.keys()) {
      seen.add(key);
      if (!deleted && seen.size === 2000) {
        for (let n = 0; n < 5000; n++) if (d.has(`gone:${n}`)) d.deleteAt(d.find(`gone:${n}`));
        deleted = true;
      }
    }
    expect(deleted).toBe(true);
    for (let n = 0; n < 200; n++) expect(seen.has(`stay:${n}`)).toBe(true);
  });

  it('picks random keys among the live ones', () => {
    const d = new Dict<number>();
    for (let n = 0; n < 64; n++) d.add(`r${n}`, n, 0);
    for (let n = 0; n < 60; n++) d.deleteAt(d.find(`r${n}`));
    const picked = new Set<string>();
    for (let t = 0; t < 200; t++) picked.add(d.keyAt(d.randomSlot()));
    expect([...picked].sort()).toEqual(['r60', 'r61', 'r62', 'r63']);
    expect(new Dict<number>().randomSlot()).toBe(-1);
  });

  it('finds the same slots after a prefetch of present, absent and deleted keys, past its first 64', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 500; i++) d.add(`p${i}`, i, 0);
    for (let i = 0; i < 500; i += 3) d.deleteAt(d.find(`p${i}`));
    const before = new Map<string, number>();
    const argv = ['MSET'];
    for (let i = 0; i < 200; i++) {
      argv.push(`p${i * 3 + 1}`, 'v', `q${i}`, 'v', `p${i * 3}`, 'v');
      for (const k of [`p${i * 3 + 1}`, `q${i}`, `p${i * 3}`]) before.set(k, d.find(k));
    }
    d.prefetch(argv, 1, 2);
    for (const [k, slot] of before) expect(d.find(k)).toBe(slot);
    expect(d.size).toBe(333);
  });
});
