// Writes listpacks (listpack.c) as Redis 7.0 encodes them: an element that is the canonical
// decimal form of an int64 goes in as an integer in the smallest encoding that holds it,
// every other as a string; each entry ends with its backlen. The sizes are exported too,
// because a stream closes a node when its listpack would pass stream-node-max-bytes, and
// redstate must close its nodes where Redis does for `~` trims to remove the same entries.
import { isIntegerString } from '../store/numbers.js';

const HEADER = 6;
const EOF = 0xff;
const COUNT_UNKNOWN = 0xffff;

/** lpEncodeBacklen's size for an entry of len bytes. */
function backlenSize(len: number): number {
  return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
}

/** Encoded size of an integer entry (without backlen). */
function intEncodedSize(v: number | bigint): number {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

/** Encoded size of a string entry of n bytes (without backlen). */
function strEncodedSize(n: number): number {
  return n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
}

/** Bytes an integer element takes in a listpack, backlen included. */
export function lpIntSize(v: number | bigint): number {
  const n = intEncodedSize(v);
  return n + backlenSize(n);
}

/** Bytes a string element takes in a listpack, backlen included (integers as integers). */
export function lpElementSize(s: string): number {
  const n = isIntegerString(s) ? intEncodedSize(s.length < 16 ? Number(s) : BigInt(s)) : strEncodedSize(s.length);
  return n + backlenSize(n);
}

/** The size of a listpack with no elements: header and end marker. */
export const LP_EMPTY_SIZE = HEADER + 1;

/** Builds one listpack into a growing buffer; take() returns it and starts the next. */
export class ListpackWriter {
  private buf = Buffer.allocUnsafe(4096);
  private pos = HEADER;
  private count = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private backlen(len: number): void {
    const n = backlenSize(len);
    // Most significant 7 bits first; every byte but the first has its high bit set.
    for (let k = n - 1; k >= 0; k--) {
      const b = Math.floor(len / 2 ** (7 * k)) & 127;
      this.buf[this.pos++] = k === n - 1 ? b : b | 128;
    }
  }

  /** lpAppendInteger. */
  integer(v: number | bigint): void {
    this.ensure(14);
    const start = this.pos;
    const buf = this.buf;
    const size = intEncodedSize(v);
    if (size === 1) {
      buf[this.pos++] = Number(v);
    } else if (size === 2) {
      const u = Number(v) & 0x1fff;
      buf[this.pos++] = 0xc0 | (u >> 8);
      buf[this.pos++] = u & 255;
    } else if (size === 9) {
      buf[this.pos++] = 0xf4;
      buf.writeBigInt64LE(BigInt(v), this.pos);
      this.pos += 8;
    } else {
      buf[this.pos++] = size === 3 ? 0xf1 : size === 4 ? 0xf2 : 0xf3;
      buf.writeIntLE(Number(v), this.pos, size - 1);
      this.pos += size - 1;
    }
    this.backlen(this.pos - start);
    this.count++;
  }

  /** lpAppend: integers in integer encodings, the rest as strings. */
  element(s: string): void {
    if (isIntegerString(s)) return this.integer(s.length < 16 ? Number(s) : BigInt(s));
    const n = s.length;
    this.ensure(n + 10);
    const start = this.pos;
    const buf = this.buf;
    if (n < 64) {
      buf[this.pos++] = 0x80 | n;
    } else if (n < 4096) {
      buf[this.pos++] = 0xe0 | (n >> 8);
      buf[this.pos++] = n & 255;
    } else {
      buf[this.pos++] = 0xf0;
      buf.writeUInt32LE(n, this.pos);
      this.pos += 4;
    }
    this.pos += buf.write(s, this.pos, 'latin1');
    this.backlen(this.pos - start);
    this.count++;
  }

  /** The finished listpack (a copy); the writer is empty again. */
  take(): Buffer {
    this.ensure(1);
    this.buf[this.pos++] = EOF;
    this.buf.writeUInt32LE(this.pos, 0);
    this.buf.writeUInt16LE(this.count < COUNT_UNKNOWN ? this.count : COUNT_UNKNOWN, 4);
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = HEADER;
    this.count = 0;
    return out;
  }
}
