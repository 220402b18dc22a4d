// The list type. Redis 7.0 reports every list as "quicklist", whatever its body; here there
// are two bodies:
// - while small (at most 128 elements and 8 KB, the node size of list-max-listpack-size -2),
//   the elements are packed items in one string (./packed.ts), as Redis 7.2 keeps a small
//   list in one listpack: a list of ten short elements costs one string instead of ten
//   (issue 9: memory per key). Every change builds a new string of at most 8 KB.
// - beyond that, for good, a ring-buffer deque: pushes and pops at both ends and LINDEX
//   are O(1), LINSERT LREM LTRIM work in place; the ring grows by doubling and shrinks when
//   three quarters empty.
// Reads of a packed list return substrings of it (see packed.ts); pops return copies, since
// LMOVE keeps what it pops.
import {
  copyOut, flatten, itemEquals, itemLength, itemOffset, packItem, prefixSize, readItem, skipItem, unpack,
} from './packed.js';

const MIN_CAPACITY = 8;
/** Up to this many elements a list may be packed (list-max-listpack-size -2's node holds more only when tiny). */
export const PACKED_MAX_ENTRIES = 128;
const PACKED_MAX_BYTES = 8192;

/** Where writeRange puts the elements: a ReplyWriter. */
export interface BulkSink {
  /** Bulks of ring[(from + k) & mask] for k < n. */
  bulkRing(ring: readonly (string | undefined)[], from: number, n: number, mask: number): void;
  /** A bulk of s's chars from..from+n. */
  bulkSpan(s: string, from: number, n: number): void;
}

export class List {
  /** The packed body while small; null once the list is a ring. */
  private lp: string | null = '';
  private ring: (string | undefined)[] | null = null;
  private head = 0;
  private count = 0;

  static from(items: Iterable<string>): List {
    const l = new List();
    for (const s of items) l.pushTail(s);
    return l;
  }

  /** A list adopting lp, `count` packed items as loaded from an RDB; a ring when over the limits. */
  static fromPacked(lp: string, count: number): List {
    const l = new List();
    l.setPacked(lp, count);
    return l;
  }

  /** A list adopting items (in order, not copied) as loaded from an RDB: a ring when past the packed limits. */
  static fromArray(items: string[]): List {
    if (items.length <= PACKED_MAX_ENTRIES) return List.fromPacked(items.map(packItem).join(''), items.length);
    const l = new List();
    l.adoptRing(items);
    return l;
  }

  get length(): number {
    return this.count;
  }

  /** The packed body while small, else null: for the RDB encoder. */
  get packed(): string | null {
    return this.lp;
  }

  /** The element at index i (0 is the head; negative counts from the tail); undefined if out of range. */
  at(i: number): string | undefined {
    if (i < 0) i += this.count;
    if (i < 0 || i >= this.count) return undefined;
    const lp = this.lp;
    if (lp !== null) return readItem(lp, itemOffset(lp, i));
    const ring = this.ring!;
    return ring[(this.head + i) & (ring.length - 1)];
  }

  /** Replaces element i (already normalized to 0..length-1). */
  set(i: number, s: string): void {
    const lp = this.lp;
    if (lp !== null) {
      const at = itemOffset(lp, i);
      return this.setPacked(lp.slice(0, at) + packItem(s) + lp.slice(skipItem(lp, at)), 0);
    }
    const ring = this.ring!;
    ring[(this.head + i) & (ring.length - 1)] = s;
  }

  pushHead(s: string): void {
    if (this.lp !== null) return this.setPacked(packItem(s) + this.lp, 1);
    if (this.count === this.ring!.length) this.resize(this.ring!.length * 2);
    const ring = this.ring!;
    this.head = (this.head - 1) & (ring.length - 1);
    ring[this.head] = s;
    this.count++;
  }

  pushTail(s: string): void {
    if (this.lp !== null) return this.setPacked(this.lp + packItem(s), 1);
    if (this.count === this.ring!.length) this.resize(this.ring!.length * 2);
    const ring = this.ring!;
    ring[(this.head + this.count) & (ring.length - 1)] = s;
    this.count++;
  }

  popHead(): string | undefined {
    if (this.count === 0) return undefined;
    const lp = this.lp;
    if (lp !== null) {
      const s = copyOut(readItem(lp, 0));
      this.setPacked(lp.slice(skipItem(lp, 0)), -1);
      return s;
    }
    const ring = this.ring!;
    const s = ring[this.head];
    ring[this.head] = undefined;
    this.head = (this.head + 1) & (ring.length - 1);
    this.count--;
    this.shrinkIfSparse();
    return s;
  }

  popTail(): string | undefined {
    if (this.count === 0) return undefined;
    const lp = this.lp;
    if (lp !== null) {
      const at = itemOffset(lp, this.count - 1);
      const s = copyOut(readItem(lp, at));
      this.setPacked(lp.slice(0, at), -1);
      return s;
    }
    const ring = this.ring!;
    const i = (this.head + this.count - 1) & (ring.length - 1);
    const s = ring[i];
    ring[i] = undefined;
    this.count--;
    this.shrinkIfSparse();
    return s;
  }

  /** Elements start..end inclusive, both already clamped to 0..length-1 (LRANGE). */
  slice(start: number, end: number): string[] {
    const out: string[] = new Array(end - start + 1);
    const lp = this.lp;
    if (lp !== null) {
      for (let i = 0, at = itemOffset(lp, start); i < out.length; i++, at = skipItem(lp, at)) out[i] = readItem(lp, at);
      return out;
    }
    const ring = this.ring!;
    const mask = ring.length - 1;
    const from = this.head + start;
    for (let i = 0; i < out.length; i++) out[i] = ring[(from + i) & mask]!;
    return out;
  }

  /**
   * Elements start..end inclusive (clamped as for slice) written to out as bulks, straight
   * from the body: LRANGE's reply without an array of them or a substring per packed item
   * (garbage per command feeds the young generation's scavenges, the latency tail).
   */
  writeRange(start: number, end: number, out: BulkSink): void {
    const lp = this.lp;
    if (lp !== null) {
      for (let i = start, at = itemOffset(lp, start); i <= end; i++) {
        const n = itemLength(lp, at);
        const from = at + prefixSize(n);
        out.bulkSpan(lp, from, n);
        at = from + n;
      }
      return;
    }
    const ring = this.ring!;
    out.bulkRing(ring, this.head + start, end - start + 1, ring.length - 1);
  }

  /**
   * Indexes of the elements equal to s among the first `limit` from the head, or from the
   * tail (then in descending order); LPOS stops reading when it has enough.
   */
  *matches(s: string, fromTail: boolean, limit: number): IterableIterator<number> {
    const n = Math.min(limit, this.count);
    const lp = this.lp;
    if (lp !== null) {
      // Items can only be walked forward: collect, then hand them out in the asked order.
      const found: number[] = [];
      for (let i = 0, at = 0; at < lp.length; i++, at = skipItem(lp, at)) if (itemEquals(lp, at, s)) found.push(i);
      if (fromTail) {
        for (let k = found.length - 1; k >= 0 && found[k]! >= this.count - n; k--) yield found[k]!;
      } else {
        for (let k = 0; k < found.length && found[k]! < n; k++) yield found[k]!;
      }
      return;
    }
    const ring = this.ring!;
    const mask = ring.length - 1;
    for (let k = 0; k < n; k++) {
      const i = fromTail ? this.count - 1 - k : k;
      if (ring[(this.head + i) & mask] === s) yield i;
    }
  }

  /** Inserts s before element i (0..length); a ring moves its shorter side (LINSERT). */
  insert(i: number, s: string): void {
    const lp = this.lp;
    if (lp !== null) {
      const at = itemOffset(lp, i);
      return this.setPacked(lp.slice(0, at) + packItem(s) + lp.slice(at), 1);
    }
    if (this.count === this.ring!.length) this.resize(this.ring!.length * 2);
    const ring = this.ring!;
    const mask = ring.length - 1;
    if (i < this.count / 2) {
      this.head = (this.head - 1) & mask;
      for (let k = 0; k < i; k++) ring[(this.head + k) & mask] = ring[(this.head + k + 1) & mask];
    } else {
      for (let k = this.count; k > i; k--) ring[(this.head + k) & mask] = ring[(this.head + k - 1) & mask];
    }
    ring[(this.head + i) & mask] = s;
    this.count++;
  }

  /**
   * Removes elements equal to s, at most limit of them (0: all), the first ones from the
   * head or from the tail; returns how many went (LREM). One compacting pass.
   */
  remove(s: string, limit: number, fromTail: boolean): number {
    if (this.lp !== null) return this.removePacked(this.lp, s, limit, fromTail);
    const ring = this.ring!;
    const mask = ring.length - 1;
    const head = this.head;
    const n = this.count;
    let removed = 0;
    if (fromTail) {
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const x = ring[(head + r) & mask];
        if (x === s && (limit === 0 || removed < limit)) removed++;
        else ring[(head + w--) & mask] = x;
      }
      for (let i = 0; i < removed; i++) ring[(head + i) & mask] = undefined;
      this.head = (head + removed) & mask;
    } else {
      let w = 0;
      for (let r = 0; r < n; r++) {
        const x = ring[(head + r) & mask];
        if (x === s && (limit === 0 || removed < limit)) removed++;
        else ring[(head + w++) & mask] = x;
      }
      for (let i = w; i < n; i++) ring[(head + i) & mask] = undefined;
    }
    this.count = n - removed;
    this.shrinkIfSparse();
    return removed;
  }

  /** Keeps elements start..end (0 <= start <= end < length) and drops the rest (LTRIM). */
  trim(start: number, end: number): void {
    const lp = this.lp;
    if (lp !== null) {
      const from = itemOffset(lp, start);
      let to = from;
      for (let i = start; i <= end; i++) to = skipItem(lp, to);
      return this.setPacked(lp.slice(from, to), end - start + 1 - this.count);
    }
    const ring = this.ring!;
    const mask = ring.length - 1;
    for (let i = 0; i < start; i++) ring[(this.head + i) & mask] = undefined;
    for (let i = end + 1; i < this.count; i++) ring[(this.head + i) & mask] = undefined;
    this.head = (this.head + start) & mask;
    this.count = end - start + 1;
    this.shrinkIfSparse();
  }

  *[Symbol.iterator](): IterableIterator<string> {
    const lp = this.lp;
    if (lp !== null) {
      for (let at = 0; at < lp.length; at = skipItem(lp, at)) yield readItem(lp, at);
      return;
    }
    const ring = this.ring!;
    const mask = ring.length - 1;
    for (let i = 0; i < this.count; i++) yield ring[(this.head + i) & mask]!;
  }

  toArray(): string[] {
    return this.count === 0 ? [] : this.slice(0, this.count - 1);
  }

  /** The packed body becomes lp, holding `added` more elements; a ring once over the limits. */
  private setPacked(lp: string, added: number): void {
    this.count += added;
    if (this.count <= PACKED_MAX_ENTRIES && lp.length <= PACKED_MAX_BYTES) {
      this.lp = flatten(lp);
      return;
    }
    this.adoptRing(unpack(lp));
  }

  /** The body becomes a ring of items, in order, for good. */
  private adoptRing(items: string[]): void {
    const count = items.length;
    let cap = MIN_CAPACITY;
    while (cap < count) cap *= 2;
    const ring: (string | undefined)[] = items;
    ring.length = cap;
    this.ring = ring;
    this.head = 0;
    this.count = count;
    this.lp = null;
  }

  /** remove() on the packed body: the matches' offsets first, then the kept runs joined. */
  private removePacked(lp: string, s: string, limit: number, fromTail: boolean): number {
    const hits: number[] = [];
    for (let at = 0; at < lp.length; at = skipItem(lp, at)) if (itemEquals(lp, at, s)) hits.push(at);
    const n = limit === 0 ? hits.length : Math.min(limit, hits.length);
    if (n === 0) return 0;
    const first = fromTail ? hits.length - n : 0;
    let kept = '';
    let from = 0;
    for (let k = first; k < first + n; k++) {
      kept += lp.slice(from, hits[k]);
      from = skipItem(lp, hits[k]!);
    }
    this.setPacked(kept + lp.slice(from), -n);
    return n;
  }

  private shrinkIfSparse(): void {
    let cap = this.ring!.length;
    while (cap > MIN_CAPACITY && this.count < cap / 4) cap /= 2;
    if (cap < this.ring!.length) this.resize(cap);
  }

  private resize(cap: number): void {
    const ring = this.ring!;
    const next: (string | undefined)[] = new Array(cap);
    const mask = ring.length - 1;
    for (let i = 0; i < this.count; i++) next[i] = ring[(this.head + i) & mask];
    this.ring = next;
    this.head = 0;
  }
}
