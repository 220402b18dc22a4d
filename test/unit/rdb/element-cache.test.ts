// The load's element cache (ElementCache): collections that share elements share their
// strings, elements that do not repeat soon stop being looked up, and what comes out is
// always the bytes read, whatever the cache held.
import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { decodeRdb } from '../../../src/io/rdb-decoder.js';
import { ElementCache, Latin1Cutter } from '../../../src/io/rdb-format.js';
import { collectGarbage } from '../../../src/store/settle-heap.js';
import { plain, rdbFile, rdbKey, rdbLength, rdbString } from './rdb-bytes.js';

const SETS = 200;
const MEMBERS = 500;

/** An RDB of SETS plain sets (type 2) of MEMBERS members each, member(set, i) the i-th of a set. */
function setsFile(member: (set: number, i: number) => string): Buffer {
  const body: Buffer[] = [];
  for (let s = 0; s < SETS; s++) {
    const members = Array.from({ length: MEMBERS }, (_, i) => rdbString(member(s, i)));
    body.push(rdbKey(2, `set:${s}`, Buffer.concat([rdbLength(MEMBERS), ...members])));
  }
  return rdbFile(10, body);
}

/** Heap bytes the decode of buf keeps, once the garbage is collected. */
function heapKept(buf: Buffer): number {
  expect(collectGarbage()).toBe(true);
  const before = getHeapStatistics().used_heap_size;
  const rdb = decodeRdb(buf, { now: -Infinity });
  collectGarbage();
  const kept = getHeapStatistics().used_heap_size - before;
  expect(rdb.keysLoaded).toBe(SETS);
  return kept;
}

describe('ElementCache', () => {
  it('gives the string it kept for equal bytes, and never one for other bytes', () => {
    const cache = new ElementCache();
    const buf = Buffer.from('member:1|member:1|member:2|member:10', 'latin1');
    const cutter = new Latin1Cutter(buf, buf.length, cache);
    expect(cache.find(buf, 0, 8)).toBeUndefined();
    expect(cutter.element(0, 8)).toBe('member:1');
    expect(cache.find(buf, 9, 17)).toBe('member:1');
    expect(cutter.element(18, 26)).toBe('member:2');
    expect(cutter.element(27, 36)).toBe('member:10');
    // Every element of many, distinct or repeated, is its own bytes, whatever slots they share.
    const words = Array.from({ length: 30_000 }, (_, i) => `w${(i * 7919) % 20_000}`);
    const text = Buffer.from(words.join(' '), 'latin1');
    const many = new Latin1Cutter(text, text.length, new ElementCache());
    let at = 0;
    for (const w of words) {
      expect(many.element(at, at + w.length)).toBe(w);
      at += w.length + 1;
    }
  });

  it('keeps a few thousand elements used in turn: colliding ones share a set, not push each other out', () => {
    const cache = new ElementCache();
    const words = Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? `member:${i}` : `member:${i}:value`.padEnd(24, '.')));
    const text = Buffer.from(words.join(''), 'latin1');
    let hits = 0;
    for (let round = 0; round < 5; round++) {
      let at = 0;
      for (const w of words) {
        const found = cache.find(text, at, at + w.length);
        if (found !== undefined && round > 0) hits++;
        expect(found ?? cache.keep(w)).toBe(w);
        at += w.length;
      }
    }
    // One string a slot kept 79% of these; two a set, 92%.
    expect(hits).toBeGreaterThan(0.9 * 4 * words.length);
  });

  it('is skipped for a while after a window of lookups with few hits, then judged again', () => {
    const cache = new ElementCache();
    const text = Buffer.from(Array.from({ length: 1024 }, (_, i) => `e${String(i).padStart(4, '0')}`).join(''), 'latin1');
    const word = (i: number) => text.toString('latin1', 5 * i, 5 * i + 5);
    for (let i = 0; i < 1024; i++) {
      expect(cache.wanted()).toBe(true);
      expect(cache.find(text, 5 * i, 5 * i + 5) ?? cache.keep(word(i))).toBe(word(i));
    }
    let skipped = 0;
    while (!cache.wanted()) skipped++;
    expect(skipped).toBe(16384);
    // A window of hits keeps it on.
    expect(cache.find(text, 0, 5) ?? cache.keep(word(0))).toBe('e0000');
    for (let i = 1; i < 1024; i++) expect(cache.find(text, 0, 5)).toBe('e0000');
    for (let i = 0; i < 1024; i++) expect(cache.wanted()).toBe(true);
  });

  it('makes a load of sets sharing their members keep one string per member', () => {
    const shared = setsFile((_, i) => `member:${i}`);
    const distinct = setsFile((s, i) => `m:${s}:${i}`.padEnd(10, '.'));
    const sharedBytes = heapKept(shared);
    const distinctBytes = heapKept(distinct);
    // SETS * MEMBERS strings of 32 bytes each, all but MEMBERS of them not made.
    expect(distinctBytes - sharedBytes).toBeGreaterThan(0.6 * SETS * MEMBERS * 32);
    const members = (s: number, f: (s: number, i: number) => string) => ({ set: Array.from({ length: MEMBERS }, (_, i) => f(s, i)).sort() });
    const sharedDict = decodeRdb(shared, { now: -Infinity }).dbs[0]!.dict;
    const distinctDict = decodeRdb(distinct, { now: -Infinity }).dbs[0]!.dict;
    for (const s of [0, 7, SETS - 1]) {
      expect(plain(sharedDict.get(`set:${s}`)!)).toEqual(members(s, (_, i) => `member:${i}`));
      expect(plain(distinctDict.get(`set:${s}`)!)).toEqual(members(s, (t, i) => `m:${t}:${i}`.padEnd(10, '.')));
    }
  });
});
