// IdMap, the PELs' ordered map, against a plain sorted reference over random adds, deletes
// (oldest first, as acknowledgements go, and anywhere) and walks that delete as they go.
import { describe, expect, it } from 'vitest';
import { IdMap } from '../../src/store/id-map.js';
import { streamId } from '../../src/store/stream-id.js';
import { prng } from '../persistence/dataset.js';

describe('IdMap', () => {
  it('keeps order, size, first and last through random adds, deletes and walks', () => {
    const rand = prng(42);
    const m = new IdMap<number>();
    const ref = new Map<string, number>();
    const sorted = (): string[] => [...ref.keys()].sort();
    let next = 0;
    for (let step = 0; step < 6000; step++) {
      const op = rand();
      if (op < 0.45) {
        // Mostly new IDs at the end, some older ones (claims, SETID re-deliveries).
        const id = rand() < 0.8 ? streamId(next++, 0) : streamId(Math.floor(rand() * next), 0);
        expect(m.set(id, step)).toBe(!ref.has(id));
        ref.set(id, step);
      } else if (op < 0.75) {
        const keys = sorted();
        if (keys.length === 0) continue;
        const id = rand() < 0.7 ? keys[0]! : keys[Math.floor(rand() * keys.length)]!;
        expect(m.delete(id)).toBe(true);
        ref.delete(id);
        expect(m.delete(id)).toBe(false);
      } else if (op < 0.8) {
        const start = streamId(Math.floor(rand() * (next + 1)), 0);
        const seen: string[] = [];
        for (const [id, v] of m.from(start)) {
          expect(v).toBe(ref.get(id));
          seen.push(id);
          if (rand() < 0.3) {
            m.delete(id);
            ref.delete(id);
          }
        }
        expect(seen).toEqual(sorted().concat(seen.filter((id) => !ref.has(id))).filter((id) => id >= start).sort());
      }
      expect(m.size).toBe(ref.size);
      const keys = sorted();
      expect(m.first()).toBe(keys[0]);
      expect(m.last()).toBe(keys[keys.length - 1]);
    }
    expect([...m.from(streamId(0, 0))].map(([id]) => id)).toEqual(sorted());
  });
});
