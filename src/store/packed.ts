// Packed items: a sequence of byte strings kept in ONE latin1 string, each item its length
// as a varint (7 bits per char, low first, high bit = more follows) and then its bytes. The
// JS counterpart of Redis's listpack: the small hashes and lists live in one of these, so
// that one of them costs a single string instead of a string object per element (issue 9:
// memory per key). Walks are linear, as in a listpack; every change builds a new string.
//
// A substring of a packed string may be a V8 "sliced string" that keeps the whole packed
// string alive: what is read out for a reply is fine, what is kept must go through copyOut
// or unpack.
import { latin1Slice } from '../io/latin1.js';

/** The varint prefix of an n-byte item; one char up to 127 bytes. */
export function lengthPrefix(n: number): string {
  let s = '';
  while (n >= 128) {
    s += String.fromCharCode(128 | (n & 127));
    n >>>= 7;
  }
  return s + String.fromCharCode(n);
}

/** An item as stored: prefix and bytes. */
export function packItem(s: string): string {
  return lengthPrefix(s.length) + s;
}

export function prefixSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    size++;
    n >>>= 7;
  }
  return size;
}

/** The byte length of the item at `at`. */
export function itemLength(lp: string, at: number): number {
  let c = lp.charCodeAt(at);
  if (c < 128) return c;
  let n = 0;
  let scale = 1;
  while (c >= 128) {
    n += (c & 127) * scale;
    scale *= 128;
    c = lp.charCodeAt(++at);
  }
  return n + c * scale;
}

/** Index just past the item at `at`. */
export function skipItem(lp: string, at: number): number {
  const n = itemLength(lp, at);
  return at + prefixSize(n) + n;
}

/** Index of item i (0 is the first), walking from the start; lp.length for i = the count. */
export function itemOffset(lp: string, i: number): number {
  let at = 0;
  while (i-- > 0) at = skipItem(lp, at);
  return at;
}

/** The bytes of the item at `at` (a substring of lp: see the note above). */
export function readItem(lp: string, at: number): string {
  const n = itemLength(lp, at);
  const start = at + prefixSize(n);
  return lp.slice(start, start + n);
}

/** True when the item at `at` is s. */
export function itemEquals(lp: string, at: number, s: string): boolean {
  const n = itemLength(lp, at);
  return n === s.length && holdsAt(lp, at + prefixSize(n), s);
}

/**
 * True when lp holds the bytes of s from `start` on. A plain loop, several times faster
 * than startsWith here, and from the end: elements often share a prefix ("user:1", "user:2").
 */
export function holdsAt(lp: string, start: number, s: string): boolean {
  for (let k = s.length - 1; k >= 0; k--) if (lp.charCodeAt(start + k) !== s.charCodeAt(k)) return false;
  return true;
}

/** Spans of a packed string, filled by one walk for hasDuplicateSpan (one walk at a time). */
export const spanStarts: number[] = [];
export const spanLengths: number[] = [];

/**
 * True when two of the first n spans (spanStarts/spanLengths) of s hold the same bytes:
 * each against the later ones, for a small body, allocating nothing.
 */
export function hasDuplicateSpan(s: string, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const a = spanStarts[i]!;
    const len = spanLengths[i]!;
    next: for (let j = i + 1; j < n; j++) {
      if (spanLengths[j] !== len) continue;
      const b = spanStarts[j]!;
      // From the end: elements often share a prefix ("field:1", "field:2").
      for (let k = len - 1; k >= 0; k--) if (s.charCodeAt(a + k) !== s.charCodeAt(b + k)) continue next;
      return true;
    }
  }
  return false;
}

/** Every item, each copied out of lp (a body leaving the packed form keeps no slice of it). */
export function unpack(lp: string): string[] {
  const bytes = Buffer.from(lp, 'latin1');
  const out: string[] = [];
  for (let at = 0; at < lp.length;) {
    const n = itemLength(lp, at);
    const start = at + prefixSize(n);
    out.push(latin1Slice(bytes, start, start + n));
    at = start + n;
  }
  return out;
}

/** s as a string of its own. V8 copies substrings shorter than 13 chars already. */
export function copyOut(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'latin1').toString('latin1');
}

/**
 * A concatenation is a V8 rope holding every piece (the client's argv strings included)
 * until something reads it. Reading one char flattens it in place into a single string,
 * so a packed string's memory is its bytes. Every one-string body goes through this: packed
 * items, intsets, sorted-set listpacks. The check keeps the read from being optimized away.
 */
export function flatten(s: string): string {
  if (s.charCodeAt(0) > 255) throw new Error('packed items are bytes');
  return s;
}

/**
 * Builds one body (packed items, an intset, a sorted-set listpack) in a scratch buffer
 * and hands it out as one flat latin1 string: a loaded collection costs one native call
 * instead of a new string per element added (issue 9: RDB load speed).
 */
export class BodyBuilder {
  private buf = Buffer.allocUnsafe(4096);
  private n = 0;

  /** Room for `size` more bytes. */
  private room(size: number): void {
    if (this.n + size <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + size));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.n++] = c;
  }

  /** The chars of s as bytes. */
  bytes(s: string): void {
    this.room(s.length);
    this.copy(s);
  }

  /** s into the room made; a plain loop below 64 chars, where a native write costs more. */
  private copy(s: string): void {
    const buf = this.buf;
    const len = s.length;
    if (len >= 64) {
      this.n += buf.write(s, this.n, 'latin1');
      return;
    }
    let n = this.n;
    for (let k = 0; k < len; k++) buf[n++] = s.charCodeAt(k);
    this.n = n;
  }

  /** A packed item: the varint length prefix, then the bytes. */
  item(s: string): void {
    let len = s.length;
    this.room(prefixSize(len) + len);
    while (len >= 128) {
      this.buf[this.n++] = 128 | (len & 127);
      len >>>= 7;
    }
    this.buf[this.n++] = len;
    this.copy(s);
  }

  /** A packed item of src[start, end): for a loader, which then needs no string per element. */
  itemBytes(src: Buffer, start: number, end: number): void {
    let len = end - start;
    this.room(prefixSize(len) + len);
    const buf = this.buf;
    while (len >= 128) {
      buf[this.n++] = 128 | (len & 127);
      len >>>= 7;
    }
    buf[this.n++] = len;
    this.copyBytes(src, start, end);
  }

  /** The bytes of src[start, end) as they are. */
  rawBytes(src: Buffer, start: number, end: number): void {
    this.room(end - start);
    this.copyBytes(src, start, end);
  }

  /** src[start, end) into the room made; a plain loop below 64 bytes, where a native copy costs more. */
  private copyBytes(src: Buffer, start: number, end: number): void {
    const buf = this.buf;
    if (end - start >= 64) {
      this.n += src.copy(buf, this.n, start, end);
      return;
    }
    let n = this.n;
    for (let k = start; k < end; k++) buf[n++] = src[k]!;
    this.n = n;
  }

  /** A 32-bit unsigned big-endian word. */
  uint32BE(v: number): void {
    this.room(4);
    this.n = this.buf.writeUInt32BE(v >>> 0, this.n);
  }

  /** An IEEE double, big-endian. */
  doubleBE(v: number): void {
    this.room(8);
    this.n = this.buf.writeDoubleBE(v, this.n);
  }

  /** The body built so far; the builder starts over empty. */
  take(): string {
    const s = latin1Slice(this.buf, 0, this.n);
    this.n = 0;
    return s;
  }

  /** Drops a body given up half-built. */
  clear(): void {
    this.n = 0;
  }
}
