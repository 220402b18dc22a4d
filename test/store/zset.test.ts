// The sorted set's two bodies against a naive model (a map and a sorted array), with
// random operations, across the listpack -> skiplist conversion.
import { afterEach, describe, expect, it } from 'vitest';
import { encodingLimits } from '../../src/store/limits.js';
import { compareEntries, ZSet, type LexRange, type ScoreRange } from '../../src/store/zset.js';

/** A small deterministic PRNG, so that a failure replays. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

class Model {
  scores = new Map<string, number>();
  sorted(): Array<[string, number]> {
    return [...this.scores].sort((a, b) => compareEntries(a[1], a[0], b[1], b[0]));
  }
}

function walkAll(z: ZSet, start: number, reverse: boolean): string[] {
  const out: string[] = [];
  z.walk(start, reverse, (m) => {
    out.push(m);
  });
  return out;
}

const defaults = { ...encodingLimits };
afterEach(() => Object.assign(encodingLimits, defaults));

describe('ZSet against a model', () => {
  for (const [name, size, scores] of [['listpack', 60, 20], ['skiplist', 700, 50], ['skiplist, distinct scores', 500, 1e9]] as const) {
    it(`${name}: random set/delete/rank/range/deleteRanks`, () => {
      const rand = rng(size);
      const z = new ZSet();
      const model = new Model();
      // "" is a member too; "m1", "m11", "m21"... end alike.
      const member = (): string => {
        const k = Math.floor(rand() * size);
        return k === 0 ? '' : `m${k}`;
      };
      const score = (): number => Math.floor(rand() * scores) - scores / 4;
      for (let step = 0; step < size * 6; step++) {
        const op = rand();
        if (op < 0.55) {
          const m = member();
          const s = score();
          expect(z.set(m, s)).toBe(!model.scores.has(m));
          model.scores.set(m, s);
        } else if (op < 0.8) {
          const m = member();
          expect(z.delete(m)).toBe(model.scores.delete(m));
        } else if (op < 0.83) {
          const sorted = model.sorted();
          const a = Math.floor(rand() * (sorted.length + 1));
          const b = a + Math.floor(rand() * 5);
          const gone = z.deleteRanks(a, Math.min(b, sorted.length - 1));
          expect(gone).toBe(Math.max(0, Math.min(b, sorted.length - 1) - a + 1));
          for (const [m] of sorted.slice(a, b + 1)) model.scores.delete(m);
        } else {
          const sorted = model.sorted();
          const m = member();
          expect(z.rank(m)).toBe(sorted.findIndex(([x]) => x === m));
          expect(z.score(m)).toBe(model.scores.get(m));
          const r: ScoreRange = { min: score(), max: score(), minex: rand() < 0.5, maxex: rand() < 0.5 };
          const inRange = sorted.map(([, s], i) => [s, i] as const)
            .filter(([s]) => (r.minex ? s > r.min : s >= r.min) && (r.maxex ? s < r.max : s <= r.max));
          expect(z.firstInScoreRange(r, false)).toBe(inRange.length ? inRange[0]![1] : -1);
          expect(z.firstInScoreRange(r, true)).toBe(inRange.length ? inRange.at(-1)![1] : -1);
          if (sorted.length > 0) {
            const at = Math.floor(rand() * sorted.length);
            expect(walkAll(z, at, false)).toEqual(sorted.slice(at).map(([x]) => x));
            expect(walkAll(z, at, true)).toEqual(sorted.slice(0, at + 1).reverse().map(([x]) => x));
          }
        }
        expect(z.size).toBe(model.scores.size);
      }
      expect([...z.entries()]).toEqual(model.sorted());
      expect(z.encoding).toBe(name === 'listpack' ? 'listpack' : 'skiplist');
    });
  }

  it('a tree several levels deep stays consistent as it grows and shrinks', () => {
    const rand = rng(42);
    const z = new ZSet();
    const model = new Model();
    const check = (): void => {
      const sorted = model.sorted();
      expect([...z.entries()]).toEqual(sorted);
      for (let k = 0; k < 50; k++) {
        const i = Math.floor(rand() * sorted.length);
        expect(z.rank(sorted[i]![0])).toBe(i);
        expect(walkAll(z, i, false).length).toBe(sorted.length - i);
      }
    };
    for (let i = 0; i < 20000; i++) {
      const m = `m${Math.floor(rand() * 12000)}`;
      const s = rand() * 100;
      z.set(m, s);
      model.scores.set(m, s);
    }
    check();
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 1500; i++) {
        const m = `m${Math.floor(rand() * 12000)}`;
        if (rand() < 0.3) {
          z.set(m, rand() * 100);
          model.scores.set(m, z.score(m)!);
        } else {
          expect(z.delete(m)).toBe(model.scores.delete(m));
        }
      }
      const sorted = model.sorted();
      const a = Math.floor(rand() * sorted.length);
      const b = Math.min(sorted.length - 1, a + 300);
      z.deleteRanks(a, b);
      for (const [m] of sorted.slice(a, b + 1)) model.scores.delete(m);
      check();
    }
  });

  it('entries added in order at either end', () => {
    const z = new ZSet();
    for (let i = 0; i < 5000; i++) z.set(`a${i}`, i);
    for (let i = 0; i < 5000; i++) z.set(`b${i}`, -i - 1);
    const all = [...z.entries()];
    expect(all.length).toBe(10000);
    expect(all[0]).toEqual(['b4999', -5000]);
    expect(all[9999]).toEqual(['a4999', 4999]);
    for (let i = 0; i < 10000; i += 97) expect(z.rank(all[i]![0])).toBe(i);
    expect(z.deleteRanks(100, 9899)).toBe(9800);
    expect([...z.entries()].map(([m]) => m)).toEqual([...all.slice(0, 100), ...all.slice(9900)].map(([m]) => m));
  });

  it('lex ranges over equal scores, both encodings', () => {
    for (const n of [50, 500]) {
      const z = new ZSet();
      const rand = rng(n);
      const names = Array.from({ length: n }, (_, i) => `k${(i * 7919) % 1000}`);
      for (const m of names) z.set(m, 0);
      const sorted = [...new Set(names)].sort();
      for (let t = 0; t < 300; t++) {
        const pick = (): LexRange['min'] => {
          const x = rand();
          return x < 0.1 ? -1 : x < 0.2 ? 1 : `k${Math.floor(rand() * 1000)}`;
        };
        const r: LexRange = { min: pick(), max: pick(), minex: rand() < 0.5, maxex: rand() < 0.5 };
        const cmp = (a: string, b: LexRange['min']): number => (b === -1 ? 1 : b === 1 ? -1 : a < b ? -1 : a > b ? 1 : 0);
        const inside = sorted.map((m, i) => [m, i] as const).filter(([m]) =>
          (r.minex ? cmp(m, r.min) > 0 : cmp(m, r.min) >= 0) && (r.maxex ? cmp(m, r.max) < 0 : cmp(m, r.max) <= 0));
        expect(z.firstInLexRange(r, false)).toBe(inside.length ? inside[0]![1] : -1);
        expect(z.firstInLexRange(r, true)).toBe(inside.length ? inside.at(-1)![1] : -1);
      }
    }
  });

  it('converts once, at zset-max-listpack-entries or -value', () => {
    const z = new ZSet();
    for (let i = 0; i < 128; i++) z.set(`m${i}`, i);
    expect(z.encoding).toBe('listpack');
    z.set('m128', 1);
    expect(z.encoding).toBe('skiplist');
    for (let i = 0; i < 120; i++) z.delete(`m${i}`);
    expect(z.encoding).toBe('skiplist');
    const long = new ZSet();
    long.set('x'.repeat(64), 1);
    expect(long.encoding).toBe('listpack');
    long.set('x'.repeat(65), 1);
    expect(long.encoding).toBe('skiplist');
    encodingLimits.zsetMaxListpackEntries = 0;
    const none = new ZSet();
    none.set('a', 1);
    expect(none.encoding).toBe('skiplist');
  });

  it('keeps -0 only in the skiplist, as Redis 7.0 does', () => {
    const small = new ZSet();
    small.set('a', -0);
    expect(Object.is(small.score('a'), 0)).toBe(true);
    encodingLimits.zsetMaxListpackEntries = 0;
    const big = new ZSet();
    big.set('a', -0);
    expect(Object.is(big.score('a'), -0)).toBe(true);
  });

  it('moves a member in place or across the list', () => {
    const z = new ZSet();
    for (let i = 0; i < 300; i++) z.set(`m${i}`, i);
    z.set('m10', 10.5);
    z.set('m20', 500);
    z.set('m0', -1);
    expect(z.rank('m10')).toBe(10);
    expect(z.score('m10')).toBe(10.5);
    expect(z.scoreAt(10)).toBe(10.5);
    expect(z.firstInScoreRange({ min: 10.25, max: 10.75, minex: false, maxex: false }, false)).toBe(10);
    expect(walkAll(z, 8, false).slice(0, 4)).toEqual(['m8', 'm9', 'm10', 'm11']);
    // Between its neighbours' scores but past one of them: out and back in.
    z.set('m30', 31.5);
    expect(walkAll(z, 28, false).slice(0, 5)).toEqual(['m29', 'm31', 'm30', 'm32', 'm33']);
    expect(z.rank('m20')).toBe(299);
    expect(z.rank('m0')).toBe(0);
    expect(z.set('m20', 500)).toBe(false);
  });

  it('an update after the lookup of another member, or after the table changed, moves the member named', () => {
    const z = new ZSet();
    for (let i = 0; i < 300; i++) z.set(`m${i}`, i);
    const a = z.score('m1')!;
    const b = z.score('m2')!;
    z.score('m1');
    z.update('m2', b, 1000);
    z.score('m1');
    // Enough adds to resize the member table, whose slots then moved.
    for (let i = 300; i < 3000; i++) z.add(`m${i}`, i);
    z.update('m1', a, 2000);
    // m1000 (1000) sorts before m2, m1 before m2000 (2000).
    expect([z.score('m1'), z.score('m2'), z.rank('m1'), z.rank('m2')]).toEqual([2000, 1000, 1999, 999]);
    z.score('m5');
    z.delete('m4');
    z.deleteRanks(0, 0);
    z.update('m5', 5, 3000);
    expect([z.score('m5'), z.rank('m5'), z.score('m0'), z.size]).toEqual([3000, 2997, undefined, 2998]);
  });
});
