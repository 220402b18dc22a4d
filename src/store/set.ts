// The set type, with Redis 7.0's two encodings:
// - "intset" while every member is a canonical 64-bit integer and there are at most
//   set-max-intset-entries: the values packed in ONE latin1 string, 8 chars each (the
//   int64 big-endian with its sign bit flipped, so that string order is numeric order),
//   sorted and found by binary search as in intset.c. It costs a few bytes per member
//   instead of a string each (issue 9: memory per key), and lists its members in
//   ascending order, as SMEMBERS of an intset does in Redis.
// - "hashtable" for good after that: members in an array with a member -> index table
//   (./dict.ts), so that SPOP and SRANDMEMBER pick in O(1); small ones go without the
//   table (a scan).
import { Dict } from './dict.js';
import { encodingLimits } from './limits.js';
import { isIntegerString } from './numbers.js';
import { type BodyBuilder, flatten } from './packed.js';

/** Up to this many members a hashtable set finds members by scanning its array. */
const SCAN_MAX = 16;
const WIDTH = 8;
const TWO32 = 2 ** 32;
const TWO31 = 2 ** 31;

/** The two words of an intset entry, set by splitInt (no pair allocated per member). */
let hiWord = 0;
let loWord = 0;

/** An int64 (a safe integer, or canonical decimal text) as hiWord/loWord, the sign bit flipped. */
function splitInt(member: string | number): void {
  let hi: number;
  let lo: number;
  if (typeof member === 'number' || member.length < 16) {
    const v = Number(member);
    hi = Math.floor(v / TWO32);
    lo = v - hi * TWO32;
  } else {
    const v = BigInt.asUintN(64, BigInt(member));
    hi = Number(v >> 32n) | 0;
    lo = Number(v & 0xffffffffn);
  }
  hiWord = (hi + TWO31) >>> 0;
  loWord = lo;
}

/** The 8 chars of an intset entry for a canonical integer string. */
function encodeInt(member: string): string {
  splitInt(member);
  const hi = hiWord;
  const lo = loWord;
  return String.fromCharCode(hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255,
    lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
}

/** Appends the intset entry of v (a safe integer, or canonical decimal text): for fromIntset. */
export function appendIntsetEntry(b: BodyBuilder, v: string | number): void {
  splitInt(v);
  b.uint32BE(hiWord);
  b.uint32BE(loWord);
}

function word(s: string, at: number): number {
  return ((s.charCodeAt(at) << 24) | (s.charCodeAt(at + 1) << 16) | (s.charCodeAt(at + 2) << 8) | s.charCodeAt(at + 3)) >>> 0;
}

/** The decimal member at entry i of an intset string. */
function decodeInt(ints: string, i: number): string {
  const hi = word(ints, i * WIDTH) - TWO31;
  const lo = word(ints, i * WIDTH + 4);
  if (hi >= -(2 ** 20) && hi < 2 ** 20) return String(hi * TWO32 + lo);
  return String((BigInt(hi) << 32n) + BigInt(lo));
}

/** Compares key (8 chars) with entry i of ints, as unsigned bytes. */
function compareAt(ints: string, i: number, key: string): number {
  const at = i * WIDTH;
  for (let k = 0; k < WIDTH; k++) {
    const d = ints.charCodeAt(at + k) - key.charCodeAt(k);
    if (d !== 0) return d;
  }
  return 0;
}

export class SetValue {
  /** The intset; '' once converted. */
  private ints = '';
  /** The hashtable's members; null while an intset. */
  private items: string[] | null = null;
  /** member -> position in items, for a hashtable set past SCAN_MAX members. */
  private index: Dict<number> | null = null;

  static from(members: Iterable<string>): SetValue {
    const s = new SetValue();
    for (const m of members) s.add(m);
    return s;
  }

  /**
   * A set adopting an intset body as loaded from an RDB (entries from appendIntsetEntry),
   * converted as add() would when over set-max-intset-entries; null unless strictly ascending.
   */
  static fromIntset(ints: string): SetValue | null {
    if (ints.length % WIDTH !== 0) return null;
    for (let at = WIDTH; at < ints.length; at += WIDTH) {
      let d = 0;
      for (let k = 0; k < WIDTH && d === 0; k++) d = ints.charCodeAt(at - WIDTH + k) - ints.charCodeAt(at + k);
      if (d >= 0) return null;
    }
    const s = new SetValue();
    s.ints = ints;
    if (s.size > encodingLimits.setMaxIntsetEntries) s.convert();
    return s;
  }

  /**
   * A set of members (not copied) as loaded from an RDB's plain set, in the encoding add()
   * would reach: an intset when small and all integers, else a hashtable built at once, as
   * rdbLoadObject creates one past set-max-intset-entries. null when a member repeats.
   */
  static fromMembers(members: string[]): SetValue | null {
    const s = new SetValue();
    if (members.length <= encodingLimits.setMaxIntsetEntries && members.every(isIntegerString)) {
      for (const m of members) if (!s.add(m)) return null;
      return s;
    }
    s.items = members;
    if (members.length > SCAN_MAX) {
      s.index = new Dict(members.length);
      for (let i = 0; i < members.length; i++) if (!s.index.addIfAbsent(members[i]!, i, 0)) return null;
    } else {
      for (let i = 1; i < members.length; i++) if (members.lastIndexOf(members[i]!, i - 1) >= 0) return null;
    }
    return s;
  }

  get size(): number {
    return this.items === null ? this.ints.length / WIDTH : this.items.length;
  }

  get encoding(): 'intset' | 'hashtable' {
    return this.items === null ? 'intset' : 'hashtable';
  }

  has(member: string): boolean {
    if (this.items === null) return isIntegerString(member) && this.search(encodeInt(member)) >= 0;
    return this.find(member) >= 0;
  }

  /** Adds member; true when it was not there (setTypeAdd). */
  add(member: string): boolean {
    if (this.items === null) {
      if (isIntegerString(member)) {
        const key = encodeInt(member);
        const i = this.search(key);
        if (i >= 0) return false;
        const at = (-i - 1) * WIDTH;
        this.ints = flatten(this.ints.slice(0, at) + key + this.ints.slice(at));
        if (this.size > encodingLimits.setMaxIntsetEntries) this.convert();
        return true;
      }
      this.convert();
    }
    const items = this.items!;
    if (this.index !== null) {
      if (!this.index.addIfAbsent(member, items.length, 0)) return false;
    } else if (items.indexOf(member) >= 0) {
      return false;
    }
    items.push(member);
    if (this.index === null && items.length > SCAN_MAX) this.buildIndex();
    return true;
  }

  delete(member: string): boolean {
    if (this.items === null) {
      const i = isIntegerString(member) ? this.search(encodeInt(member)) : -1;
      if (i < 0) return false;
      this.removeInt(i);
      return true;
    }
    const i = this.find(member);
    if (i < 0) return false;
    this.removeItem(i);
    return true;
  }

  /** The member at position i (0 <= i < size): the i-th smallest of an intset. */
  at(i: number): string {
    return this.items === null ? decodeInt(this.ints, i) : this.items[i]!;
  }

  /** A member chosen uniformly at random; the set must not be empty. */
  random(): string {
    return this.at(Math.floor(Math.random() * this.size));
  }

  /** Removes and returns a member chosen at random (SPOP); the set must not be empty. */
  pop(): string {
    const i = Math.floor(Math.random() * this.size);
    const member = this.at(i);
    if (this.items === null) this.removeInt(i);
    else this.removeItem(i);
    return member;
  }

  /** Members in Redis's iteration order where it is defined: ascending for an intset. */
  values(): IterableIterator<string> {
    return this.items === null ? this.intValues() : this.items.values();
  }

  /**
   * For SSCAN: the members in an order that survives changes between steps (the index's),
   * or null when the set is listed in one step (an intset, or one small enough to scan).
   */
  scanOrder(): IterableIterator<string> | null {
    return this.index === null ? null : this.index.keys();
  }

  private *intValues(): IterableIterator<string> {
    const ints = this.ints;
    for (let i = 0; i < ints.length / WIDTH; i++) yield decodeInt(ints, i);
  }

  /** intsetSearch: the position of key, or -(insertion point) - 1. */
  private search(key: string): number {
    let lo = 0;
    let hi = this.ints.length / WIDTH - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareAt(this.ints, mid, key);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  private removeInt(i: number): void {
    this.ints = flatten(this.ints.slice(0, i * WIDTH) + this.ints.slice((i + 1) * WIDTH));
  }

  private find(member: string): number {
    return this.index !== null ? (this.index.get(member) ?? -1) : this.items!.indexOf(member);
  }

  private removeItem(i: number): void {
    const items = this.items!;
    const member = items[i]!;
    const last = items.pop()!;
    if (i < items.length) {
      items[i] = last;
      this.index?.setValueAt(this.index.find(last), i);
    }
    this.index?.deleteAt(this.index.find(member));
  }

  // setTypeConvert to OBJ_ENCODING_HT: one way; the members keep their ascending order.
  private convert(): void {
    this.items = [...this.intValues()];
    this.ints = '';
    if (this.items.length > SCAN_MAX) this.buildIndex();
  }

  private buildIndex(): void {
    const items = this.items!;
    this.index = new Dict(items.length);
    for (let i = 0; i < items.length; i++) this.index.add(items[i]!, i, 0);
  }
}
