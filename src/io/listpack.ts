// Reads a listpack (listpack.c): the blob of Redis 7's small hashes, sets, sorted sets
// and quicklist nodes. Layout: total bytes (u32 LE), element count (u16 LE, 65535 when
// unknown), entries, 0xFF. Each entry is an encoding byte, its data, then "backlen": the
// entry's own length in 1..5 bytes of 7 bits, most significant first, every byte but the
// first with its high bit set.
//
// Every read is bounds-checked against the blob; errors carry offsets within the blob.
import type { BodyBuilder } from '../store/packed.js';
import { type BlobItems, checkBlobLength, type Latin1Cutter, RdbError, int64Item } from './rdb-format.js';

const HEADER = 6;
const EOF = 0xff;
const COUNT_UNKNOWN = 0xffff;

/** How many bytes lpEncodeBacklen uses for an entry of len bytes (its odd limits included). */
function backlenSize(len: number): number {
  return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
}

/**
 * The elements of the listpack src.buf[start, end) into out[0..]; returns their count. Given
 * a body, they go into it instead, as packed items (integers in decimal): a small hash's or
 * list's body is then copied from the blob's bytes, with no string made per element.
 */
export function readListpack(src: Latin1Cutter, start: number, end: number, out: BlobItems, body: BodyBuilder | null = null): number {
  const lp = src.buf;
  checkBlobLength('listpack', lp, start, end, HEADER);
  const last = end - 1;
  if (lp[last] !== EOF) throw new RdbError('listpack does not end with 0xFF', last - start);

  let count = 0;
  let p = start + HEADER;
  while (p < last) {
    const entry = p;
    const b = lp[p]!;
    if (b < 0x80) {
      integer(b, out, count++, body);
      p += 1;
    } else if (b < 0xc0) {
      p += 1;
      text(src, p, b & 0x3f, last, entry - start, out, count++, body);
      p += b & 0x3f;
    } else if (b < 0xe0) {
      need(p, 2, last, start);
      const u = ((b & 0x1f) << 8) | lp[p + 1]!;
      integer(u >= 4096 ? u - 8192 : u, out, count++, body);
      p += 2;
    } else if (b < 0xf0) {
      need(p, 2, last, start);
      const n = ((b & 0x0f) << 8) | lp[p + 1]!;
      p += 2;
      text(src, p, n, last, entry - start, out, count++, body);
      p += n;
    } else {
      p = special(src, p, last, start, out, count++, body);
    }
    // The backlen: one byte for the short entries that are nearly all of them.
    const len = p - entry;
    if (len <= 127 && p < last && lp[p] === len) p++;
    else p = checkBacklen(lp, entry, p, last, start);
  }
  const header = lp.readUInt16LE(start + 4);
  if (header !== COUNT_UNKNOWN && header !== count) {
    throw new RdbError(`listpack header counts ${header} elements, found ${count}`, 4);
  }
  return count;
}

/** The entries whose encoding byte is 0xF0 and above: 32-bit strings and 16..64-bit integers. */
function special(src: Latin1Cutter, p: number, last: number, start: number, out: BlobItems, i: number, body: BodyBuilder | null): number {
  const lp = src.buf;
  switch (lp[p]) {
    case 0xf0: {
      need(p, 5, last, start);
      const n = lp.readUInt32LE(p + 1);
      text(src, p + 5, n, last, p - start, out, i, body);
      return p + 5 + n;
    }
    case 0xf1:
      need(p, 3, last, start);
      integer(lp.readInt16LE(p + 1), out, i, body);
      return p + 3;
    case 0xf2:
      need(p, 4, last, start);
      integer(lp.readIntLE(p + 1, 3), out, i, body);
      return p + 4;
    case 0xf3:
      need(p, 5, last, start);
      integer(lp.readInt32LE(p + 1), out, i, body);
      return p + 5;
    case 0xf4:
      need(p, 9, last, start);
      integer(int64Item(lp, p + 1), out, i, body);
      return p + 9;
    default:
      throw new RdbError(`listpack entry has invalid encoding byte 0x${lp[p]!.toString(16)}`, p - start);
  }
}

/** Throws unless n bytes from p lie before the end marker at `last`. */
function need(p: number, n: number, last: number, start: number): void {
  if (n > last - p) throw new RdbError('listpack entry runs past the end', p - start);
}

/** The string element of n bytes at p: out[i], or the body's next item. */
function text(src: Latin1Cutter, p: number, n: number, last: number, entryOffset: number, out: BlobItems, i: number, body: BodyBuilder | null): void {
  if (n > last - p) throw new RdbError(`listpack string of ${n} bytes runs past the end`, entryOffset);
  if (body === null) out[i] = src.element(p, p + n);
  else body.itemBytes(src.buf, p, p + n);
}

/** An integer element (an int64 beyond 2^53 as its decimal text): out[i], or the body's next item in decimal. */
function integer(v: number | string, out: BlobItems, i: number, body: BodyBuilder | null): void {
  if (body === null) out[i] = v;
  else body.item(String(v));
}

/** Verifies the backlen after an entry that spans [entry, p); returns the next entry's offset. */
function checkBacklen(lp: Buffer, entry: number, p: number, last: number, start: number): number {
  const len = p - entry;
  const n = backlenSize(len);
  need(p, n, last, start);
  let v = lp[p]!;
  if (v & 0x80) throw new RdbError('listpack backlen is malformed', p - start);
  for (let k = 1; k < n; k++) {
    const b = lp[p + k]!;
    if (!(b & 0x80)) throw new RdbError('listpack backlen is malformed', p - start);
    v = v * 128 + (b & 0x7f);
  }
  if (v !== len) throw new RdbError(`listpack backlen says ${v}, entry has ${len} bytes`, p - start);
  return p + n;
}
