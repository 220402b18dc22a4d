// The RDB file format's numbers (rdb.h) and the small pure helpers that the encoder, the
// decoder and the encoded-blob readers (listpack, ziplist, intset, zipmap) share.
import { latin1Slice } from './latin1.js';

/** What Redis 7.0 writes, and the newest version we load (Redis 7.2's). */
export const RDB_VERSION = 10;
export const RDB_MAX_VERSION = 11;
/** Version 5 introduced the CRC64 trailer. */
export const RDB_FIRST_CHECKSUM_VERSION = 5;

/** Value types: the byte before a key. */
export const RdbType = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_PRE_GA: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
} as const;

/** Opcodes: bytes in the type position that are not value types. */
export const RdbOpcode = {
  FUNCTION2: 245,
  FUNCTION_PRE_GA: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

/**
 * Length encodings, chosen by the top two bits of the first byte: 00 six bits, 01 fourteen
 * bits (big-endian), 10 with the whole byte 0x80 or 0x81 a 32- or 64-bit big-endian length
 * that follows, 11 a special string encoding in the low six bits.
 */
export const RdbLength = {
  BITS_6: 0,
  BITS_14: 1,
  BITS_32: 0x80,
  BITS_64: 0x81,
  ENCODED: 3,
} as const;

/** Special string encodings (after a 11xxxxxx byte): little-endian ints, or LZF. */
export const RdbEncoding = { INT8: 0, INT16: 1, INT32: 2, LZF: 3 } as const;

/** ZSET (type 3) scores: a length byte, or one of these for the special values. */
export const RdbAsciiDouble = { NAN: 253, POS_INF: 254, NEG_INF: 255 } as const;

/** LIST_QUICKLIST_2 node containers: one raw element, or a listpack of elements. */
export const QuicklistContainer = { PLAIN: 1, PACKED: 2 } as const;

/** Module-serialized values: typed items until EOF (rdbLoadCheckModuleValue). */
export const ModuleOpcode = { EOF: 0, SINT: 1, UINT: 2, FLOAT: 3, DOUBLE: 4, STRING: 5 } as const;

/** Where a file's load stood when it failed: the key being read (null between keys), and the keys read before it. */
export interface RdbReading {
  key: string | null;
  type: number;
  keys: number;
  expires: number;
  alreadyExpired: number;
}

/** redis-check-rdb's names of the value types, by number, as Redis 7.0's table gives them. */
const CHECK_TYPE_NAMES = ['string', 'list-linked', 'set-hashtable', 'zset-v1', 'hash-hashtable', 'zset-v2', 'module-value', '', '',
  'hash-zipmap', 'list-ziplist', 'set-intset', 'zset-ziplist', 'hash-ziplist', 'quicklist', 'stream', 'hash-listpack',
  'zset-listpack', 'quicklist-v2'];

/** A corrupt or truncated RDB: what is wrong (detail) and the byte offset where; reading a file, where its load stood. */
export class RdbError extends Error {
  constructor(readonly detail: string, readonly offset: number, readonly reading: RdbReading | null = null) {
    super(`RDB ${detail} (at byte offset ${offset})`);
    this.name = 'RdbError';
  }

  /** rdbReportError's log line. */
  get report(): string {
    return `Internal error in RDB reading offset ${this.offset} -> RDB ${this.detail}`;
  }

  /**
   * rdbCheckError's lines, which redis-server prints after the report when a file it loads at
   * start-up is bad (it runs redis-check-rdb on it): the report again, the key and type it was
   * reading, and what it had read.
   */
  checkLines(): string[] {
    const r = this.reading;
    const lines = ['--- RDB ERROR DETECTED ---', `[offset ${this.offset}] ${this.report}`];
    if (r === null) return lines;
    if (r.key !== null) {
      lines.push('[additional info] While doing: read-object-value', `[additional info] Reading key '${r.key}'`,
        `[additional info] Reading type ${r.type} (${CHECK_TYPE_NAMES[r.type] ?? 'unknown'})`);
    }
    lines.push(`[info] ${r.keys} keys read`, `[info] ${r.expires} expires`, `[info] ${r.alreadyExpired} already expired`);
    return lines;
  }
}

/**
 * The check listpacks and ziplists open with: a header of headerSize bytes and at least
 * one byte after it, the first four bytes (little-endian) the blob's whole length.
 */
export function checkBlobLength(kind: string, buf: Buffer, start: number, end: number, headerSize: number): void {
  const size = end - start;
  if (size < headerSize + 1) throw new RdbError(`${kind} of ${size} bytes is shorter than its header`, 0);
  const total = buf.readUInt32LE(start);
  if (total !== size) throw new RdbError(`${kind} header says ${total} bytes, blob has ${size}`, 0);
}

/**
 * rdbTryIntegerEncoding's test: the value when s is the canonical decimal form of a
 * 32-bit signed integer (so the INT8/16/32 encodings give back the same bytes), else
 * undefined. Of s[start, end) when given.
 */
export function int32Encodable(s: string, start = 0, end = s.length): number | undefined {
  const n = end - start;
  if (n === 0 || n > 11) return undefined;
  let i = start;
  const neg = s.charCodeAt(i) === 45;
  if (neg && n === 1) return undefined;
  if (neg) i++;
  if (s.charCodeAt(i) === 48) return n === 1 ? 0 : undefined;
  let v = 0;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  if (neg) v = -v;
  return v >= -0x80000000 && v <= 0x7fffffff ? v : undefined;
}

const INF = /^[+-]?inf(inity)?$/i;

/**
 * strtod's reading of a score stored as text (ZSET type 3, ziplist scores); NaN when the
 * text is not a number. Accepts "inf"/"-inf" as Redis prints them.
 */
export function parseDoubleText(s: string): number {
  if (isDecimalText(s)) return Number(s);
  if (INF.test(s)) return s.charCodeAt(0) === 45 ? -Infinity : Infinity;
  return NaN;
}

/** [+-]digits[.digits][e[+-]digits] with a digit in the mantissa: a loop, as scores are many. */
function isDecimalText(s: string): boolean {
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) c = s.charCodeAt(++i);
  const intStart = i;
  while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
  let digits = i - intStart;
  if (c === 46) {
    const fracStart = ++i;
    c = s.charCodeAt(i);
    while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
    digits += i - fracStart;
  }
  if (digits === 0) return false;
  if (c === 101 || c === 69) {
    c = s.charCodeAt(++i);
    if (c === 43 || c === 45) c = s.charCodeAt(++i);
    const expStart = i;
    while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
    if (i === expStart) return false;
  }
  return i === s.length;
}

/** V8 shares the parent of a substring this long or longer (SlicedString::kMinLength) and copies a shorter one. */
const SHARED_MIN = 13;
/** Bytes of the buffer made a string at once for short strings to be cut from. */
const WINDOW = 16 * 1024;

/** Up to this many bytes an element is looked up in an ElementCache (a multiple of 4). */
const CACHED_MAX = 32;
/** The 32-bit words of an element's bytes an ElementCache holds beside its string. */
const CACHED_WORDS = CACHED_MAX / 4;
/** Sets of an ElementCache, each of two slots, the set picked by a hash of the bytes. */
const CACHE_SETS = 4096;
/** Lookups an ElementCache judges its hits over. */
const JUDGED_LOOKUPS = 1024;
/** Elements made without a lookup after a judged window with fewer hits than a quarter. */
const SKIPPED_ELEMENTS = 16384;

/**
 * The element strings a load made last, two per set of a table: an element whose bytes
 * equal those of a string in its set is that string, not a new one. Collections often
 * share elements (the same field names in many hashes, the same members in many sets), and
 * a string made for each of them was most of what a large collection's load allocated and
 * its scavenges copied (issue 21). Strings are immutable, so sharing one is safe (as Redis
 * shares its small integer objects). Keys are never looked up: they are all distinct.
 *
 * Each slot keeps its string's bytes too, as 32-bit words: a lookup compares a word at a
 * time: 31 ns a lookup of 2,000 shared elements, where comparing the string's chars took
 * 50. Two slots a set, the one used last kept: with one a slot, ~a fifth of a few
 * thousand shared elements collided and pushed each other out at every use (the mixed
 * dataset's loads: 85-88% hits with one slot, 96-97% with two).
 *
 * A miss costs more than the string it then makes (the hash, and keep()'s store into an old
 * array, which the write barrier records for the next scavenge): elements that do not repeat
 * loaded ~16% slower through the cache. So it judges itself: after a window of lookups with
 * few hits, the next elements skip it, and the window after them is judged again.
 */
export class ElementCache {
  private readonly strings = new Array<string | undefined>(2 * CACHE_SETS).fill(undefined);
  /** Each slot's string length (-1: empty) and bytes, little-endian words, the last one zero-padded. */
  private readonly lengths = new Int32Array(2 * CACHE_SETS).fill(-1);
  private readonly words = new Int32Array(2 * CACHE_SETS * CACHED_WORDS);
  /** Per set, the slot (0 or 1) used last: keep() fills the other. */
  private readonly recent = new Uint8Array(CACHE_SETS);
  /** The last find()'s bytes as words, and its set, for keep(). */
  private readonly sought = new Int32Array(CACHED_WORDS);
  private set = 0;
  /** Lookups and hits of the window being judged; elements left to make without a lookup. */
  private lookups = 0;
  private hits = 0;
  private skipping = 0;

  /** Whether the next element is looked up (false while it skips the cache). */
  wanted(): boolean {
    if (this.skipping === 0) return true;
    this.skipping--;
    return false;
  }

  /** The string held for buf[start, end) (at most CACHED_MAX bytes), or undefined: then keep() the one made. */
  find(buf: Buffer, start: number, end: number): string | undefined {
    if (++this.lookups === JUDGED_LOOKUPS) {
      if (this.hits * 4 < JUDGED_LOOKUPS) this.skipping = SKIPPED_ELEMENTS;
      this.lookups = 0;
      this.hits = 0;
    }
    const sought = this.sought;
    const n = end - start;
    let h = n;
    let w = 0;
    let k = start;
    for (; k + 4 <= end; k += 4) {
      const x = buf[k]! | (buf[k + 1]! << 8) | (buf[k + 2]! << 16) | (buf[k + 3]! << 24);
      sought[w++] = x;
      h = Math.imul(h ^ x, 0x01000193);
    }
    if (k < end) {
      let x = 0;
      for (let shift = 0; k < end; k++, shift += 8) x |= buf[k]! << shift;
      sought[w++] = x;
      h = Math.imul(h ^ x, 0x01000193);
    }
    // murmur3's fmix32.
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    const set = (h ^ (h >>> 16)) & (CACHE_SETS - 1);
    this.set = set;
    for (let way = 0; way < 2; way++) {
      const slot = 2 * set + way;
      if (this.lengths[slot] !== n) continue;
      const words = this.words;
      const at = slot * CACHED_WORDS;
      let i = 0;
      while (i < w && words[at + i] === sought[i]) i++;
      if (i < w) continue;
      this.recent[set] = way;
      this.hits++;
      return this.strings[slot];
    }
    return undefined;
  }

  /** s, made for the bytes the last find() missed, held in its set's slot not used last. */
  keep(s: string): string {
    const way = 1 - this.recent[this.set]!;
    const slot = 2 * this.set + way;
    this.recent[this.set] = way;
    this.strings[slot] = s;
    this.lengths[slot] = s.length;
    const at = slot * CACHED_WORDS;
    const w = (s.length + 3) >>> 2;
    for (let i = 0; i < w; i++) this.words[at + i] = this.sought[i]!;
    return s;
  }
}

/**
 * Latin1 strings out of a buffer, as Buffer.toString makes them, but cheaper when short:
 * cutting a JS string costs a fraction of a native toString call, so a short string is
 * cut from a latin1 copy of a window of the buffer (one native call for many strings).
 * A longer one is copied alone, since a cut would keep the whole window alive.
 */
export class Latin1Cutter {
  private text = '';
  private from = 0;
  private to = 0;

  /** buf[0, limit) holds the bytes to cut from; elements are shared through cache when given. */
  constructor(public buf: Buffer, private limit = buf.length, private readonly cache: ElementCache | null = null) {}

  /** Cuts from other bytes: another buffer, or new content in the same one. */
  reset(buf: Buffer, limit: number): void {
    this.buf = buf;
    this.limit = limit;
    this.from = this.to = 0;
  }

  /** buf[start, end) as a string. */
  cut(start: number, end: number): string {
    if (end - start >= SHARED_MIN) return latin1Slice(this.buf, start, end);
    if (start < this.from || end > this.to) {
      this.from = start;
      this.to = Math.min(this.limit, start + WINDOW);
      this.text = latin1Slice(this.buf, start, this.to);
    }
    return this.text.slice(start - this.from, end - this.from);
  }

  /** buf[start, end) as a collection's element: the cache's string for those bytes when it has one. */
  element(start: number, end: number): string {
    const cache = this.cache;
    if (cache === null || end - start > CACHED_MAX || !cache.wanted()) return this.cut(start, end);
    return cache.find(this.buf, start, end) ?? cache.keep(this.cut(start, end));
  }
}

/**
 * What the blob readers (listpack, ziplist, intset, zipmap) fill: elements in order,
 * integer elements as numbers when exact (so that a score needs no parsing), else text.
 */
export type BlobItems = Array<string | number>;

/** An element as the store keeps it: text, integers in decimal. */
export function itemText(item: string | number): string {
  return typeof item === 'string' ? item : String(item);
}

/** The little-endian int64 at buf[off]: a number within ±2^53, else its exact decimal text. */
export function int64Item(buf: Buffer, off: number): string | number {
  const hi = buf.readInt32LE(off + 4);
  // Within ±2^53 a double holds the value exactly.
  if (hi >= -0x200000 && hi < 0x200000) return hi * 0x100000000 + buf.readUInt32LE(off);
  return buf.readBigInt64LE(off).toString();
}

const MODULE_NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A module type's 9-character name, packed 6 bits a char above the 10-bit encoding version. */
export function moduleTypeName(id: bigint): string {
  let name = '';
  let rest = id >> 10n;
  for (let i = 0; i < 9; i++) {
    name = MODULE_NAME_CHARS[Number(rest & 63n)] + name;
    rest >>= 6n;
  }
  return name;
}
