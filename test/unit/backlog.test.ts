import { describe, expect, it } from 'vitest';
import { Backlog, BACKLOG_MIN_SIZE } from '../../src/store/backlog.js';

const S = BACKLOG_MIN_SIZE;
const bytes = (n: number, from = 0): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (from + i) % 251));
const cat = (bs: Buffer[]): Buffer => Buffer.concat(bs);

describe('Backlog', () => {
  it('starts empty at the offset it was given and grows with what is fed', () => {
    const b = new Backlog(S, 101);
    expect([b.offset, b.histlen, b.end, b.size]).toEqual([101, 0, 101, S]);
    expect(b.covers(101)).toBe(true);
    expect(b.read(101)).toEqual([]);
    b.feed(bytes(10));
    expect([b.offset, b.histlen, b.end]).toEqual([101, 10, 111]);
    expect(cat(b.read(105))).toEqual(bytes(6, 4));
    expect(b.covers(100)).toBe(false);
    expect(b.covers(112)).toBe(false);
  });

  it('keeps the newest size bytes and reads across the end of the ring in two pieces', () => {
    const b = new Backlog(S, 1);
    const all = bytes(S + 1000);
    b.feed(all.subarray(0, S - 100));
    b.feed(all.subarray(S - 100));
    expect(b.histlen).toBe(S);
    expect(b.offset).toBe(1 + 1000);
    const pieces = b.read(b.offset);
    expect(pieces.length).toBe(2);
    expect(cat(pieces)).toEqual(all.subarray(1000));
    expect(cat(b.read(b.end - 50))).toEqual(all.subarray(all.length - 50));
  });

  it('takes a feed larger than the whole ring', () => {
    const b = new Backlog(S, 1);
    b.feed(bytes(7));
    const big = bytes(3 * S + 5, 7);
    b.feed(big);
    expect([b.histlen, b.end]).toEqual([S, 1 + 7 + big.length]);
    expect(cat(b.read(b.offset))).toEqual(big.subarray(big.length - S));
  });

  it('resizes keeping the newest history that fits', () => {
    const b = new Backlog(4 * S, 1);
    const all = bytes(3 * S);
    b.feed(all);
    b.resize(S);
    expect([b.size, b.histlen, b.end]).toEqual([S, S, 1 + 3 * S]);
    expect(cat(b.read(b.offset))).toEqual(all.subarray(2 * S));
    b.feed(bytes(10, 3));
    expect(cat(b.read(b.end - 10))).toEqual(bytes(10, 3));
    b.resize(8 * S);
    expect([b.size, b.histlen]).toEqual([8 * S, S]);
    expect(cat(b.read(b.offset))).toEqual(Buffer.concat([all.subarray(2 * S + 10), bytes(10, 3)]));
    b.resize(10);
    expect(b.size).toBe(S);
  });

  it('holds memory for the history it has, up to size, and reads the same as a ring of size would', () => {
    let size = 200_000;
    const b = new Backlog(size, 1);
    expect(b.memory).toBeLessThanOrEqual(16 * 1024);
    let all = Buffer.alloc(0);
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 400; i++) {
      const piece = bytes(i % 50 === 49 ? 70_000 : next(3000), all.length);
      b.feed(Buffer.concat([bytes(5), piece]), 5);
      all = Buffer.concat([all, piece]).subarray(-size);
      expect(b.histlen).toBe(all.length);
      expect(b.memory).toBeLessThanOrEqual(Math.min(size, Math.max(16 * 1024, 2 * b.histlen)));
      const from = b.offset + next(b.histlen + 1);
      expect(cat(b.read(from)).equals(all.subarray(from - b.offset))).toBe(true);
      if (i === 200) {
        size = 300_000;
        b.resize(size);
        expect(cat(b.read(b.offset)).equals(all)).toBe(true);
      }
    }
    expect(b.memory).toBe(300_000);
  });

  it('grows again after a resize to less than its history', () => {
    const b = new Backlog(4 * S, 1);
    b.feed(bytes(3 * S));
    b.resize(2 * S);
    expect([b.memory, b.histlen]).toEqual([2 * S, 2 * S]);
    b.resize(6 * S);
    expect(b.memory).toBe(2 * S);
    b.feed(bytes(10, 9));
    expect(b.memory).toBe(4 * S);
    expect(cat(b.read(b.offset))).toEqual(Buffer.concat([bytes(2 * S, S), bytes(10, 9)]));
  });
});
