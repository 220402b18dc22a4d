// The keyspace's hash table against a Map model: same contents after any mix of inserts,
// overwrites and deletes (through growth, shrinking and tombstone reuse, each an incremental
// resize), and walks that see every key present for their whole length.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Dict, SlotWalk, tagOf, tagOfBytes } from '../../src/store/dict.js';
import { collectGarbage } from '../../src/store/settle-heap.js';
import { prng } from '../persistence/dataset.js';

function ok(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

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

  it("holds no epochs or access words in a collection's table", () => {
    const d = new Dict<number>();
    const i = d.add('member', 1, 0);
    expect(() => d.epochAt(i)).toThrow(/no epochs/);
    expect(() => d.setAccessAt(i, 5)).toThrow(/no epochs/);
    expect(d.get('member')).toBe(1);
  });

  it('keeps each key epoch through rebuilds', () => {
    const d = new Dict<number>(0, true);
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
    const capacity = d.capacity;
    for (const key of d.keys()) {
      seen.add(key);
      // Churn while walking: enough inserts to grow the table, deletes of what came and went.
      d.add(`tmp:${steps}`, steps, 0);
      if (steps % 3 === 0 && steps > 0) d.deleteAt(d.find(`tmp:${steps - 1}`));
      steps++;
    }
    expect(d.capacity).toBeGreaterThan(capacity);
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

  it.each([
    ['a key table', true],
    ["a collection's table", false],
  ])('agrees with a Map model through interleaved inserts, deletes, lookups and walks across many incremental resizes: %s', (_, keyTable) => {
    const rand = prng(21);
    const d = new Dict<number>(0, keyTable);
    /** key -> [value, epoch, access word] (a collection's: 0 and 0) */
    const model = new Map<string, [number, number, number]>();
    /** Walks in progress: what they have seen, and the keys present since each began. */
    const walks: Array<{ walk: SlotWalk; seen: Set<string>; present: Set<string> }> = [];
    let resizes = 0;
    let rehashingSeen = 0;
    let walksDone = 0;
    let wasRehashing = false;
    const sample = new Int32Array(5);
    // Plain checks in the loop (expect() per operation would take most of the test's time).
    const check = (key: string): void => {
      const i = d.find(key);
      const want = model.get(key);
      ok((i >= 0) === (want !== undefined), `find ${key}`);
      if (want === undefined) return;
      const got = [d.keyAt(i), d.valueAt(i), keyTable ? d.epochAt(i) : 0, keyTable ? d.accessAt(i) : 0];
      ok(got.join() === [key, ...want].join(), `slot of ${key}: ${got.join()} for ${want.join()}`);
    };
    // Phases grow to a few thousand keys and shrink to a few, each more than once.
    const phases = [3000, 20, 5000, 5, 8000, 0, 2000];
    let n = 0;
    for (const target of phases) {
      while (target > model.size ? model.size < target : model.size > target) {
        n++;
        const growing = target > model.size;
        const key = `k${Math.floor(rand() * (growing ? 4 * target + 10 : 20_000))}`;
        const r = rand();
        if (r < (growing ? 0.75 : 0.25)) {
          if (model.has(key)) continue;
          const epoch = keyTable ? n % 97 : 0;
          const access = keyTable ? n % 13 : 0;
          if (r < 0.4) d.add(key, n, epoch, access);
          else {
            ok(d.addIfAbsent(key, n, epoch), `addIfAbsent ${key}`);
            if (keyTable) d.setAccessAt(d.find(key), access);
          }
          model.set(key, [n, epoch, access]);
        } else {
          // Delete a key of the model (found by a random slot: randomSlot must give a live one).
          const i = d.randomSlot();
          if (i < 0) {
            ok(model.size === 0, 'randomSlot found no key');
            continue;
          }
          const victim = d.keyAt(i);
          ok(model.has(victim), `randomSlot gave ${victim}`);
          d.deleteAt(i);
          model.delete(victim);
          for (const w of walks) w.present.delete(victim);
        }
        if (d.rehashing && !wasRehashing) resizes++;
        wasRehashing = d.rehashing;
        if (d.rehashing) rehashingSeen++;
        ok(d.size === model.size, 'size');
        if (n % 7 === 0) {
          check(key);
          const i = d.find(key);
          if (i >= 0) {
            d.setValueAt(i, -n);
            if (keyTable) d.setEpochAt(i, 200);
            model.set(key, [-n, keyTable ? 200 : 0, model.get(key)![2]]);
            check(key);
          }
        }
        if (n % 11 === 0) {
          const got = d.sampleSlots(sample);
          for (let j = 0; j < got; j++) ok(model.has(d.keyAt(sample[j]!)), 'sampleSlots');
        }
        if (n % 53 === 0 && model.has(key) && d.addIfAbsent(key, 0, 0)) throw new Error(`addIfAbsent took ${key}, which is here`);
        // Walks start now and then and take a few steps after each operation.
        if (n % 500 === 0) walks.push({ walk: new SlotWalk(), seen: new Set(), present: new Set(model.keys()) });
        for (let w = walks.length - 1; w >= 0; w--) {
          const walk = walks[w]!;
          for (let step = 0; step < 3; step++) {
            const i = walk.walk.next(d);
            if (i < 0) {
              for (const key of walk.present) ok(walk.seen.has(key), `walk missed ${key}`);
              walks.splice(w, 1);
              walksDone++;
              break;
            }
            walk.seen.add(d.keyAt(i));
          }
        }
      }
      expect(new Map([...d].map(([k, v]) => [k, v]))).toEqual(new Map([...model].map(([k, v]) => [k, v[0]])));
      for (const key of model.keys()) check(key);
    }
    // The run went through many resizes both ways and spent much of its time mid-resize.
    expect(resizes).toBeGreaterThan(15);
    expect(rehashingSeen).toBeGreaterThan(n / 40);
    expect(walksDone).toBeGreaterThan(20);
  });

  it('walks the old table first and then the new one, carrying on through resizes that begin and end mid-walk', () => {
    const d = new Dict<number>();
    for (let n = 0; n < 3000; n++) d.add(`stay:${n}`, n, 0);
    while (d.rehashMs(1));
    const walk = new SlotWalk();
    const seen = new Set<string>();
    const step = (n: number): void => {
      for (let t = 0; t < n; t++) {
        const i = walk.next(d);
        expect(i).toBeGreaterThanOrEqual(0);
        seen.add(d.keyAt(i));
      }
    };
    let tmp = 0;
    /** Adds keys until a resize begins. */
    const grow = (): void => {
      while (!d.rehashing) d.add(`tmp:${tmp++}`, 0, 0);
    };
    step(500);
    // A resize begins with the walk in the table that becomes the old one, and ends (the
    // table dropped) with the walk still in it: the walk goes on in the new table from its start.
    grow();
    step(500);
    while (d.rehashMs(1));
    step(500);
    // Another begins with the walk in the new table: the walk stays in it, now the old one,
    // then walks the newer one.
    grow();
    step(100);
    d.deleteAt(d.find('stay:7'));
    for (let i = walk.next(d); i >= 0; i = walk.next(d)) seen.add(d.keyAt(i));
    for (let n = 0; n < 3000; n++) if (n !== 7) expect(seen.has(`stay:${n}`), `stay:${n}`).toBe(true);
    expect(d.size).toBe(2999 + tmp);
  });

  it('finishes a resize from rehashMs, and a resize left to inserts before the new table fills', () => {
    const d = new Dict<number>();
    for (let n = 0; n < 6145; n++) d.add(`a${n}`, n, 0);
    expect(d.rehashing).toBe(true);
    const both = d.capacity;
    while (d.rehashMs(1));
    expect(d.rehashing).toBe(false);
    expect(d.capacity).toBeLessThan(both);
    for (let n = 0; n < 6145; n++) expect(d.get(`a${n}`)).toBe(n);
    // Inserts alone: every resize is over before the next must begin.
    const e = new Dict<number>();
    for (let n = 0; n < 50_000; n++) {
      e.add(`b${n}`, n, 0);
      if (e.rehashing) expect(e.capacity).toBeLessThan(4 * 2 * e.size + 64);
    }
    for (let n = 0; n < 50_000; n += 7) expect(e.get(`b${n}`)).toBe(n);
  });

  it('draws random slots from both tables mid-resize: the new one nearly empty, and a shrink\'s sparse old one', () => {
    const d = new Dict<number>();
    // The 6145th key begins a grow: the new table holds it alone, the old one the others.
    for (let n = 0; n < 6145; n++) d.add(`r${n}`, n, 0);
    expect(d.rehashing).toBe(true);
    const drawn = (): Set<string> => {
      const picked = new Set<string>();
      for (let t = 0; t < 500; t++) {
        const key = d.keyAt(d.randomSlot());
        expect(d.has(key), key).toBe(true);
        picked.add(key);
      }
      return picked;
    };
    expect(drawn().size).toBeGreaterThan(400);
    while (d.rehashMs(1));
    // Deletes down to an eighth of the 16384 slots begin a shrink into 4096: about one slot
    // in twelve of the two tables holds a key, where draws miss most.
    let n = 0;
    while (!d.rehashing) d.deleteAt(d.find(`r${n++}`));
    expect(d.size).toBe(2047);
    expect(drawn().size).toBeGreaterThan(400);
    // Down to three keys, wherever the resizes are.
    while (d.size > 3) d.deleteAt(d.find(`r${n++}`));
    expect([...drawn()].sort()).toEqual(['r6142', 'r6143', 'r6144']);
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

  it('tags a key from its latin1 bytes as from its string', () => {
    const keys = ['', 'key:000000012345', Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1')];
    for (const k of keys) {
      const wire = Buffer.from(`xx${k}yy`, 'latin1');
      expect(tagOfBytes(wire, 2, 2 + k.length)).toBe(tagOf(k));
    }
  });

  it('finds the same slots after a prefetch of keys as bytes, in both tables while a resize runs', () => {
    const d = new Dict<number>(0, true);
    let n = 0;
    while (n < 3000 || !d.rehashing) d.add(`b${n++}`, n, 0);
    // Present keys (most still in the old table) and absent ones.
    const keys = Array.from({ length: 80 }, (_, i) => `b${i * 3}`).concat(['absent', 'b-1']);
    const before = keys.map((k) => d.find(k));
    const wire = Buffer.from(keys.join(''), 'latin1');
    const starts = new Int32Array(keys.length);
    const ends = new Int32Array(keys.length);
    keys.reduce((at, k, i) => ((starts[i] = at), (ends[i] = at + k.length), at + k.length), 0);
    d.prefetchBytes(wire, starts, ends, keys.length);
    expect(d.rehashing).toBe(true);
    expect(keys.map((k) => d.find(k))).toEqual(before);
    expect(before.filter((s) => s < 0)).toHaveLength(2);
  });

  it('prefetches up to its end only, and for inserts into chunks not made yet', () => {
    const d = new Dict<number>(100_000);
    const keys = Array.from({ length: 40 }, (_, i) => `new${i}`);
    d.prefetch(keys, 0, 1, 30);
    for (const k of keys) expect(d.find(k)).toBe(-1);
    for (const k of keys.slice(0, 30)) expect(d.addIfAbsent(k, 1, 0)).toBe(true);
    d.prefetch(keys, 0, 1);
    keys.forEach((k, i) => expect(d.addIfAbsent(k, 2, 0)).toBe(i >= 30));
    expect(d.size).toBe(40);
  });

  it('adds a batch of keys with an access word, past the 64 a prefetch loads, up to the first already there', () => {
    const d = new Dict<number>(0, true);
    d.add('k70', -1, 0, 5);
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    const values = keys.map((_, i) => i);
    expect(d.addBatch(keys, values, 100, 1234)).toBe(70);
    expect(d.size).toBe(71);
    for (let i = 0; i < 70; i++) expect(d.get(`k${i}`)).toBe(i);
    for (let i = 0; i < 70; i++) expect([d.epochAt(d.find(`k${i}`)), d.accessAt(d.find(`k${i}`))]).toEqual([0, 1234]);
    expect(d.get('k70')).toBe(-1);
    expect(d.accessAt(d.find('k70'))).toBe(5);
    expect(d.get('k71')).toBeUndefined();
    expect(d.addBatch(keys.slice(71), values.slice(71), 29, 99)).toBe(-1);
    expect(d.size).toBe(100);
    expect(d.get('k99')).toBe(99);
    expect(d.accessAt(d.find('k99'))).toBe(99);
  });

  it('is empty and usable after release(), even released mid-resize', () => {
    const d = new Dict<number>();
    for (let n = 0; n < 3000; n++) d.add(`k${n}`, n, 1);
    while (!d.rehashing) d.add(`r${d.size}`, 0, 1);
    d.release();
    expect(d.size).toBe(0);
    expect(d.rehashing).toBe(false);
    expect(d.find('k1')).toBe(-1);
    expect([...d]).toEqual([]);
    for (let n = 0; n < 100; n++) d.add(`n${n}`, n, 1);
    expect(d.size).toBe(100);
    expect(d.get('n42')).toBe(42);
    expect(d.get('k42')).toBeUndefined();
  });

  it('lets go of what a released table held within a few turns, or at once before a full collection', async () => {
    const filled = (): [Dict<object>, Array<WeakRef<object>>] => {
      const d = new Dict<object>();
      const refs: Array<WeakRef<object>> = [];
      for (let n = 0; n < 300_000; n++) {
        const value = { n };
        if (n % 1000 === 0) refs.push(new WeakRef(value));
        d.add(`k${n}`, value, 0);
      }
      return [d, refs];
    };
    const alive = (refs: Array<WeakRef<object>>) => refs.filter((r) => r.deref() !== undefined).length;
    const turn = () => new Promise((r) => setImmediate(r));
    // A plain gc(), which does not empty the dropped chunks itself: the slices did.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const [later, laterRefs] = filled();
    later.release();
    for (let i = 0; i < 100; i++) await turn();
    gc();
    expect(alive(laterRefs)).toBe(0);
    // A WeakRef's target lives on to the end of the turn that made it.
    const [now, nowRefs] = filled();
    await turn();
    now.release();
    expect(collectGarbage()).toBe(true);
    expect(alive(nowRefs)).toBe(0);
  });

  it('keeps every key through resizes between small-chunk and large-chunk tables, both ways', () => {
    const d = new Dict<number>();
    const n = 210_000; // past 196608 keys the table grows beyond 2^18 slots, to 1 MB chunks
    for (let i = 0; i < n; i++) d.add(`key:${i}`, i, 0);
    for (let i = 0; i < n; i += 7) expect(d.get(`key:${i}`)).toBe(i);
    for (let i = 0; i < n; i += 3) d.setValueAt(d.find(`key:${i}`), -i);
    // Deleting most keys shrinks the table back below the bound, to small chunks.
    for (let i = 0; i < n; i++) if (i % 100 !== 0) d.deleteAt(d.find(`key:${i}`));
    while (d.rehashMs(10));
    expect(d.size).toBe(n / 100);
    expect(d.capacity).toBeLessThan(1 << 18);
    for (let i = 0; i < n; i += 100) expect(d.get(`key:${i}`)).toBe(i % 3 === 0 ? -i : i);
    expect(d.get('key:1')).toBeUndefined();
  });
});
