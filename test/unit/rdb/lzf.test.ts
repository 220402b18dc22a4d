import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lzfCompress, lzfDecompress } from '../../../src/io/lzf.js';

function roundTrip(input: Buffer): Buffer | null {
  const packed = lzfCompress(input);
  if (packed !== null) {
    expect(packed.length).toBeLessThan(input.length);
    expect(lzfDecompress(packed, input.length).equals(input)).toBe(true);
  }
  return packed;
}

describe('lzf', () => {
  it('returns null for empty, tiny and incompressible input', () => {
    expect(lzfCompress(Buffer.alloc(0))).toBeNull();
    expect(lzfCompress(Buffer.from('a'))).toBeNull();
    expect(lzfCompress(Buffer.from('abc'))).toBeNull();
    expect(roundTrip(randomBytes(10_000))).toBeNull();
    expect(lzfDecompress(Buffer.alloc(0), 0).length).toBe(0);
  });

  it('compresses repetitive input hard and round-trips it', () => {
    const input = Buffer.alloc(100_000, 'a');
    const packed = roundTrip(input)!;
    expect(packed.length).toBeLessThan(input.length / 80);
    const text = Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(2000), 'latin1');
    expect(roundTrip(text)!.length).toBeLessThan(text.length / 10);
  });

  it('round-trips random inputs of every shape', () => {
    for (let i = 0; i < 500; i++) {
      const n = Math.floor(Math.random() * 3000);
      const alphabet = 1 + Math.floor(Math.random() * 255);
      const input = Buffer.alloc(n);
      for (let j = 0; j < n; j++) input[j] = Math.floor(Math.random() * alphabet);
      roundTrip(input);
      // Runs and repeats at distances around the 8 KB window and the 264-byte match cap.
      const block = randomBytes(1 + Math.floor(Math.random() * 300));
      const mixed = Buffer.concat([block, randomBytes(Math.floor(Math.random() * 9000)), block, block, Buffer.alloc(n % 600, 7)]);
      roundTrip(mixed);
    }
  });

  it('round-trips large inputs and is deterministic', () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < 20_000; i++) parts.push(Buffer.from(`key:${i % 777}:value:${(i * 7919) % 10007};`, 'latin1'));
    const input = Buffer.concat(parts);
    const a = roundTrip(input)!;
    lzfCompress(randomBytes(5000));
    const b = lzfCompress(input)!;
    expect(a.equals(b)).toBe(true);
  });

  it('decompresses a stream written by hand from the format description', () => {
    // literal "abc" (ctrl 2), then copy 6 bytes from offset 3 back (len field 4, offset 2)
    const stream = Buffer.from([2, 0x61, 0x62, 0x63, (4 << 5) | 0, 2]);
    expect(lzfDecompress(stream, 9).toString('latin1')).toBe('abcabcabc');
    // long back-reference: len field 7 + extra byte 10 -> 19 bytes, offset 0 (repeat last byte)
    const long = Buffer.from([0, 0x7a, (7 << 5) | 0, 10, 0]);
    expect(lzfDecompress(long, 20).toString('latin1')).toBe('z'.repeat(20));
  });

  it('throws on corrupt input', () => {
    const good = lzfCompress(Buffer.from('hello hello hello hello hello hello', 'latin1'))!;
    expect(() => lzfDecompress(good, 34)).toThrow(/expected 34|end of the output/);
    expect(() => lzfDecompress(good, 36)).toThrow();
    expect(() => lzfDecompress(good.subarray(0, good.length - 1), 35)).toThrow();
    expect(() => lzfDecompress(Buffer.from([5, 1, 2]), 6)).toThrow(/end of the input/);
    expect(() => lzfDecompress(Buffer.from([0, 1, 0x20, 5]), 4)).toThrow(/before the start/);
    expect(() => lzfDecompress(Buffer.from([0, 1, 0xe0]), 300)).toThrow(/cut short|cannot expand/);
    expect(() => lzfDecompress(Buffer.from([0, 1]), 1_000_000)).toThrow(/cannot expand/);
    for (let i = 0; i < 2000; i++) {
      const junk = randomBytes(1 + (i % 40));
      try {
        const out = lzfDecompress(junk, i % 200);
        expect(out.length).toBe(i % 200);
      } catch (e) {
        expect((e as Error).message).toMatch(/^LZF: /);
      }
    }
  });
});
