// latin1Slice makes short strings itself and leaves longer ones to node: both must give
// what buf.toString('latin1') gives, for every byte value and every length.
import { describe, expect, it } from 'vitest';
import { latin1Slice } from '../../src/io/latin1.js';

describe('latin1Slice', () => {
  it('equals toString("latin1") for lengths 0 to 40 at any offset', () => {
    const buf = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 151 + 7) % 256));
    for (let len = 0; len <= 40; len++) {
      for (const at of [0, 1, 255, 599 - len]) {
        expect(latin1Slice(buf, at, at + len)).toBe(buf.toString('latin1', at, at + len));
      }
    }
  });

  it('keeps every byte value one char', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (let i = 0; i < 256; i += 16) {
      const s = latin1Slice(all, i, i + 16);
      expect([...s].map((c) => c.charCodeAt(0))).toEqual([...all.subarray(i, i + 16)]);
    }
  });
});
