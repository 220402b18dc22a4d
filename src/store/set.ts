// The set type. Redis 7.0 has two encodings; here there are three, the middle one Redis
// 7.2's:
// - "intset" while every member is a canonical 64-bit integer and there are at most
//   set-max-intset-entries: the values packed in ONE latin1 string, 8 chars each (the
//   int64 big-endian with its sign bit flipped, so that string order is numeric order),
//   sorted and found by binary search as in intset.c. It costs a few bytes per member
//   instead of a string each (issue 9: memory per key), and lists its members in
//   ascending order, as SMEMBERS of an intset does in Redis.
// - packed, Redis 7.2's listpack set: up to setPackedLimits.maxEntries members of at most
//   maxValue bytes, as packed items in one string (./packed.ts) in the order they came,
//   found by a walk. A small set of strings is then one string instead of a dozen heap
//   objects, and an RDB load builds it straight from the payload's bytes (issue 21: a
//   replica's load CPU was mostly the collection of those objects). Redis 7.0 has no
//   listpack sets: such a set is a hashtable there, so OBJECT ENCODING says "hashtable"
//   and an RDB carries it as a plain set (RDB_TYPE_SET).
// - "hashtable" for good after either: members in an array with a member -> index table
//   (./dict.ts), so that SPOP and SRANDMEMBER pick in O(1); small ones (a long member
//   made them) go without the table (a scan).
import { Dict } from './dict.js';
import { encodingLimits, setPackedLimits } from './limits.js';
import { isIntegerString } from './numbers.js';
import {
  BodyBuilder, flatten, hasDuplicateSpan, holdsAt, itemLength, packItem, prefixSize, spanLengths, spanStarts, unpack,
} from './packed.js';

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

/** Where fromPacked builds an intset. */
const intsetBody = new BodyBuilder();

/**
 * The canonical integer lp[start, start + len) as appendIntsetEntry takes it: a number read
 * from the chars while it is below 10^15 (exact), else its text.
 */
function spanInt(lp: string, start: number, len: number): number | string {
  if (len >= 16) return lp.slice(start, start + len);
  const neg = lp.charCodeAt(start) === 45;
  let v = 0;
  for (let i = neg ? start + 1 : start; i < start + len; i++) v = v * 10 + lp.charCodeAt(i) - 48;
  return neg ? -v : v;
}

export class SetValue {
  /** The intset, or the packed members; '' while a hashtable. */
  private body = '';
  /** Members in body while packed; -1 while an intset or a hashtable. */
  private packedCount = -1;
  /** The hashtable's members; null while an intset or packed. */
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
    s.body = ints;
    if (s.size > encodingLimits.setMaxIntsetEntries) s.intsetToHashtable();
    return s;
  }

  /**
   * A set of n members given as packed items (a flat string: an RDB's plain set or 7.2
   * listpack set, built from the payload's bytes), in the encoding rdbLoadObject gives it:
   * an intset when all are integers and they fit one, else packed when within the packed
   * limits (lp adopted as it is), else a hashtable. null when a member repeats.
   */
  static fromPacked(lp: string, n: number): SetValue | null {
    // One walk: the longest member, whether all are integers, and the spans for the duplicate check.
    let longest = 0;
    let integers = n <= encodingLimits.setMaxIntsetEntries;
    const small = n <= setPackedLimits.maxEntries;
    for (let at = 0, i = 0; at < lp.length; i++) {
      const len = itemLength(lp, at);
      const start = at + prefixSize(len);
      if (len > longest) longest = len;
      if (integers) integers = isIntegerString(lp, start, start + len);
      if (small) {
        spanStarts[i] = start;
        spanLengths[i] = len;
      }
      at = start + len;
    }
    if (integers) return SetValue.intsetOf(lp) ?? SetValue.addedOneByOne(unpack(lp));
    if (!small || longest > setPackedLimits.maxValue) return SetValue.fromMembers(unpack(lp));
    if (hasDuplicateSpan(lp, n)) return null;
    const s = new SetValue();
    s.body = lp;
    s.packedCount = n;
    return s;
  }

  /**
   * A set of members (not copied) as loaded from an RDB's plain set, in the encoding add()
   * would reach: an intset when small and all integers, packed when within the packed
   * limits, else a hashtable built at once, as rdbLoadObject creates one past
   * set-max-intset-entries. null when a member repeats.
   */
  static fromMembers(members: string[]): SetValue | null {
    if (members.length <= encodingLimits.setMaxIntsetEntries && members.every((m) => isIntegerString(m))) return SetValue.addedOneByOne(members);
    const { maxEntries, maxValue } = setPackedLimits;
    if (members.length <= maxEntries && members.every((m) => m.length <= maxValue)) {
      return SetValue.fromPacked(flatten(members.map(packItem).join('')), members.length);
    }
    const s = new SetValue();
    s.items = members;
    if (members.length > SCAN_MAX) {
      s.index = new Dict(members.length);
      for (let i = 0; i < members.length; i++) if (!s.index.addIfAbsent(members[i]!, i, 0)) return null;
    } else {
      for (let i = 1; i < members.length; i++) if (members.lastIndexOf(members[i]!, i - 1) >= 0) return null;
    }
    return s;
  }

  /**
   * The intset of packed integers in strictly ascending order (as a redstate master saves an
   * intset), built at once; null when they are not (then added one by one).
   */
  private static intsetOf(lp: string): SetValue | null {
    for (let at = 0; at < lp.length;) {
      const len = itemLength(lp, at);
      const start = at + prefixSize(len);
      appendIntsetEntry(intsetBody, spanInt(lp, start, len));
      at = start + len;
    }
    return SetValue.fromIntset(intsetBody.take());
  }

  /** The set of members added one by one; null when one repeats. */
  private static addedOneByOne(members: string[]): SetValue | null {
    const s = new SetValue();
    for (const m of members) if (!s.add(m)) return null;
    return s;
  }

  get size(): number {
    if (this.items !== null) return this.items.length;
    return this.packedCount >= 0 ? this.packedCount : this.body.length / WIDTH;
  }

  /** Redis 7.0's name for it: a packed set is a hashtable there. */
  get encoding(): 'intset' | 'hashtable' {
    return this.items === null && this.packedCount < 0 ? 'intset' : 'hashtable';
  }

  /** The packed members while packed, else null: for the RDB encoder. */
  get packed(): string | null {
    return this.packedCount >= 0 ? this.body : null;
  }

  has(member: string): boolean {
    if (this.items !== null) return this.find(member) >= 0;
    if (this.packedCount >= 0) return this.findPacked(member) >= 0;
    return isIntegerString(member) && this.search(encodeInt(member)) >= 0;
  }

  /** Adds member; true when it was not there (setTypeAdd). */
  add(member: string): boolean {
    if (this.items === null && this.packedCount < 0) {
      if (isIntegerString(member)) return this.addInt(member);
      this.leaveIntset(member);
    }
    if (this.packedCount >= 0) {
      if (member.length <= setPackedLimits.maxValue) return this.addPacked(member);
      this.packedToHashtable();
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
    if (this.items !== null) {
      const i = this.find(member);
      if (i < 0) return false;
      this.removeItem(i);
      return true;
    }
    if (this.packedCount >= 0) {
      const at = this.findPacked(member);
      if (at < 0) return false;
      this.removePacked(at);
      return true;
    }
    const i = isIntegerString(member) ? this.search(encodeInt(member)) : -1;
    if (i < 0) return false;
    this.removeInt(i);
    return true;
  }

  /**
   * The member at position i (0 <= i < size): the i-th smallest of an intset. A packed one's
   * is a slice of the body (see packed.ts): for replies, not to keep.
   */
  at(i: number): string {
    if (this.items !== null) return this.items[i]!;
    return this.packedCount >= 0 ? packedMember(this.body, packedOffset(this.body, i)) : decodeInt(this.body, i);
  }

  /** A member chosen uniformly at random; the set must not be empty. */
  random(): string {
    return this.at(Math.floor(Math.random() * this.size));
  }

  /** Removes and returns a member chosen at random (SPOP); the set must not be empty. */
  pop(): string {
    const i = Math.floor(Math.random() * this.size);
    if (this.items !== null) {
      const member = this.items[i]!;
      this.removeItem(i);
      return member;
    }
    if (this.packedCount >= 0) {
      const at = packedOffset(this.body, i);
      const member = packedMember(this.body, at);
      this.removePacked(at);
      return member;
    }
    const member = decodeInt(this.body, i);
    this.removeInt(i);
    return member;
  }

  /**
   * Members in Redis's iteration order where it is defined: ascending for an intset. A
   * packed set's are slices of its body unless copy (see packed.ts): a caller that keeps
   * them in another collection asks for copies.
   */
  values(copy = false): IterableIterator<string> {
    if (this.items !== null) return this.items.values();
    if (this.packedCount >= 0) return copy ? unpack(this.body).values() : packedValues(this.body);
    return this.intValues();
  }

  /**
   * For SSCAN: the members in an order that survives changes between steps, or null when
   * the set is listed in one step (an intset, or one small enough to scan). A packed set
   * walks the body it has now: a change makes a new body, and the walk goes on in the old.
   */
  scanOrder(): IterableIterator<string> | null {
    if (this.index !== null) return this.index.keys();
    return this.packedCount > SCAN_MAX ? packedValues(this.body) : null;
  }

  /** setTypeDup (COPY): a copy in the same encoding; bodies are immutable strings, shared. */
  clone(): SetValue {
    const s = new SetValue();
    s.body = this.body;
    s.packedCount = this.packedCount;
    if (this.items !== null) {
      s.items = this.items.slice();
      if (this.index !== null) s.buildIndex();
    }
    return s;
  }

  private *intValues(): IterableIterator<string> {
    const ints = this.body;
    for (let i = 0; i < ints.length / WIDTH; i++) yield decodeInt(ints, i);
  }

  private addInt(member: string): boolean {
    const key = encodeInt(member);
    const i = this.search(key);
    if (i >= 0) return false;
    const at = (-i - 1) * WIDTH;
    this.body = flatten(this.body.slice(0, at) + key + this.body.slice(at));
    if (this.size > encodingLimits.setMaxIntsetEntries) this.intsetToHashtable();
    return true;
  }

  /** intsetSearch: the position of key, or -(insertion point) - 1. */
  private search(key: string): number {
    let lo = 0;
    let hi = this.body.length / WIDTH - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareAt(this.body, mid, key);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  private removeInt(i: number): void {
    this.body = flatten(this.body.slice(0, i * WIDTH) + this.body.slice((i + 1) * WIDTH));
  }

  /** Appends a member of at most maxValue bytes, as lpAppend; a hashtable past maxEntries. */
  private addPacked(member: string): boolean {
    if (this.findPacked(member) >= 0) return false;
    this.body = flatten(this.body + packItem(member));
    if (++this.packedCount > setPackedLimits.maxEntries) this.packedToHashtable();
    return true;
  }

  /** Index in the body of member's item, or -1. */
  private findPacked(member: string): number {
    const lp = this.body;
    const len = member.length;
    if (len > setPackedLimits.maxValue) return -1;
    for (let at = 0; at < lp.length; at += 1 + lp.charCodeAt(at)) if (lp.charCodeAt(at) === len && holdsAt(lp, at + 1, member)) return at;
    return -1;
  }

  private removePacked(at: number): void {
    this.body = flatten(this.body.slice(0, at) + this.body.slice(at + 1 + this.body.charCodeAt(at)));
    this.packedCount--;
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

  /**
   * setTypeConvertAndExpand for a member that is no integer, as Redis 7.2 does: packed when
   * the intset's members and it fit, else a hashtable; the intset's members keep their order.
   */
  private leaveIntset(member: string): void {
    if (this.size >= setPackedLimits.maxEntries || member.length > setPackedLimits.maxValue) return this.intsetToHashtable();
    const n = this.size;
    let lp = '';
    for (const m of this.intValues()) lp += packItem(m);
    this.body = n === 0 ? '' : flatten(lp);
    this.packedCount = n;
  }

  // setTypeConvert to OBJ_ENCODING_HT: one way; the members keep their ascending order.
  private intsetToHashtable(): void {
    this.adoptItems([...this.intValues()]);
  }

  /** To a hashtable for good, the members copied out of the body (no slice of it kept), in order. */
  private packedToHashtable(): void {
    this.adoptItems(unpack(this.body));
  }

  private adoptItems(items: string[]): void {
    this.items = items;
    this.body = '';
    this.packedCount = -1;
    if (items.length > SCAN_MAX) this.buildIndex();
  }

  private buildIndex(): void {
    const items = this.items!;
    this.index = new Dict(items.length);
    for (let i = 0; i < items.length; i++) this.index.add(items[i]!, i, 0);
  }
}

// A packed set's members are at most setPackedLimits.maxValue (under 128) bytes, so each
// one's length prefix is one char: its walks step by that char, not packed.ts's varints.

/** The member whose item is at `at`: a slice of lp (see packed.ts). */
function packedMember(lp: string, at: number): string {
  return lp.slice(at + 1, at + 1 + lp.charCodeAt(at));
}

/** Index of member i's item. */
function packedOffset(lp: string, i: number): number {
  let at = 0;
  while (i-- > 0) at += 1 + lp.charCodeAt(at);
  return at;
}

/** The members of a packed body, each a slice of it. */
function* packedValues(lp: string): IterableIterator<string> {
  for (let at = 0; at < lp.length; at += 1 + lp.charCodeAt(at)) yield packedMember(lp, at);
}
