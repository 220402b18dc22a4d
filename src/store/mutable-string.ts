// A string value changed in place (sdsMakeRoomFor's growth; t_string.c's SETRANGE, bitops.c's
// SETBIT and BITFIELD, hyperloglog.c's registers). A JS string is immutable: each SETBIT on
// one made a new copy of the whole value, 4.7 ms a SETBIT on a 1 MB bitmap where Redis takes
// 59 µs. Strings shorter than IN_PLACE_FROM stay JS strings (a copy that short costs less
// than a Buffer's own overhead); a longer one a command edits becomes a MutableString, and
// stays one until it is replaced. It reads as a string does (length, charCodeAt, slice), so
// the commands that only read bytes take either; the rest read its text.
import type { Latin1Buffer } from '../io/latin1.js';

/** Length from which an edited string is kept as a MutableString. */
const IN_PLACE_FROM = 512;
/** Growth past this many bytes adds this much spare room, below it doubles (sdsMakeRoomFor). */
const MAX_PREALLOC = 1024 * 1024;

export class MutableString {
  /** Holds the copies of short strings, which are stored as JS strings again at once. */
  private static readonly scratch = Buffer.allocUnsafeSlow(IN_PLACE_FROM);

  private bytes: Latin1Buffer;

  private constructor(bytes: Buffer, public length: number) {
    this.bytes = bytes as Latin1Buffer;
  }

  /**
   * A copy of s to edit, zero-filled up to length when that is longer. One that stays shorter
   * than IN_PLACE_FROM lives in a buffer the next copy reuses, so it is to be read out first.
   */
  static copy(s: string, length = s.length): MutableString {
    // Room to grow only when it grows, as dbUnshareStringValue's copy has none.
    const size = Math.max(length, s.length);
    const room = length > s.length ? roomFor(length) : s.length;
    const bytes = size < IN_PLACE_FROM ? MutableString.scratch : Buffer.allocUnsafeSlow(room);
    const m = new MutableString(bytes, s.length);
    m.bytes.latin1Write(s, 0);
    m.growTo(length);
    return m;
  }

  /** A MutableString of the first length bytes of bytes, which it takes as its own. */
  static adopting(bytes: Buffer, length: number): MutableString {
    return new MutableString(bytes, length);
  }

  /** Byte i, NaN past the end as String#charCodeAt. */
  charCodeAt(i: number): number {
    return i < this.length ? this.bytes[i]! : NaN;
  }

  setByte(i: number, b: number): void {
    this.bytes[i] = b;
  }

  /** Bytes start..end (exclusive) as a string, bounds as String#slice with non-negative ones. */
  slice(start: number, end = this.length): string {
    const from = Math.min(start, this.length);
    return this.bytes.latin1Slice(from, Math.max(from, Math.min(end, this.length)));
  }

  toString(): string {
    return this.bytes.latin1Slice(0, this.length);
  }

  /** The bytes held, shared: a write through it changes the value. */
  view(): Buffer {
    return this.bytes.subarray(0, this.length);
  }

  /** Every byte it has room for, shared: an HLL's registers change where they are. */
  get buffer(): Buffer {
    return this.bytes;
  }

  /** Holds the first length bytes of bytes from now on (where an edit of buffer moved them). */
  adopt(bytes: Buffer, length: number): void {
    this.bytes = bytes as Latin1Buffer;
    this.length = length;
  }

  /** Bytes the value holds room for (sdsalloc). */
  get capacity(): number {
    return this.bytes.length;
  }

  /** Zero bytes added up to length (sdsgrowzero); a shorter length changes nothing. */
  growTo(length: number): void {
    if (length <= this.length) return;
    if (length > this.bytes.length) {
      const bigger = Buffer.allocUnsafeSlow(roomFor(length)) as Latin1Buffer;
      this.bytes.copy(bigger, 0, 0, this.length);
      this.bytes = bigger;
    }
    this.bytes.fill(0, this.length, length);
    this.length = length;
  }

  /** s written at offset, growing the value (zero-filled) to hold it. */
  write(offset: number, s: string): void {
    this.growTo(offset + s.length);
    this.bytes.latin1Write(s, offset);
  }

  /** A copy with bytes of its own and no spare room (dupStringObject). */
  clone(): MutableString {
    const m = new MutableString(Buffer.allocUnsafeSlow(this.length), this.length);
    this.bytes.copy(m.bytes, 0, 0, this.length);
    return m;
  }
}

function roomFor(length: number): number {
  return length < MAX_PREALLOC ? length * 2 : length + MAX_PREALLOC;
}

/** A string value as a key holds it. */
export type StringValue = string | MutableString;

/** What a db holds for an edited string: a short one goes back to a JS string. */
export function storedForm(s: MutableString): StringValue {
  return s.length >= IN_PLACE_FROM ? s : s.toString();
}

/** The text of a string value. */
export function textOf(v: StringValue): string {
  return typeof v === 'string' ? v : v.toString();
}
