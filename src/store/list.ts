// The list type. Redis 7.0 reports every list as "quicklist", whatever its body; here there
// are two bodies:
// - while small (at most 128 elements and 8 KB, the node size of list-max-listpack-size -2),
//   the elements are packed items in one string (./packed.ts), as Redis 7.2 keeps a small
//   list in one listpack: a list of ten short elements costs one string instead of ten
//   (issue 9: memory per key). Every change builds a new string of at most 8 KB.
// - beyond that, for good, a ring-buffer deque: pushes and pops at both ends and LINDEX
//   are O(1), LINSERT LREM LTRIM work in place; the ring grows by doubling and shrinks when
//   three quarters empty. Past BLOCK elements the ring is a ring of blocks of BLOCK slots:
//   doubling then copies the block index and at most one block, where one flat array copied
//   every element at once (a push stalled 11 ms at a million elements); blocks are made as
//   pushes reach them and dropped once empty, as quicklist adds and frees its nodes.
// Reads of a packed list return substrings of it (see packed.ts); pops return copies, since
// LMOVE keeps what it pops.
import {
  copyOut, flatten, itemEquals, itemLength, itemOffset, packItem, prefixSize, readItem, skipItem, unpack,
} from './packed.js';

const MIN_CAPACITY = 8;
/** Slots per block of a large ring (a power of two: 8 kB of references). */
const BLOCK_BITS = 10;
const BLOCK = 1 << BLOCK_BITS;
const SLOT = BLOCK - 1;
/** Up to this many elements a list may be packed (list-max-listpack-size -2's node holds more only when tiny). */
export const PACKED_MAX_ENTRIES = 128;
const PACKED_MAX_BYTES = 8192;

type Block = (string | undefined)[];

/** Where writeRange puts the elements: a ReplyWriter. */
export interface BulkSink {
  /** Bulks of items[from..from+n). */
  bulkRun(items: readonly (string | undefined)[], from: number, n: number): void;
  /** A bulk of s's chars from..from+n. */
  bulkSpan(s: string, from: number, n: number): void;
}

export class List {
  /** The packed body while small; null once the list is a ring. */
  private lp: string | null = '';
  /**
   * The ring: one block of capacity slots while that is at most BLOCK, else a power of two
   * of BLOCK-slot blocks (undefined where no element lies). Position p of the ring is
   * blocks[p >>> BLOCK_BITS][p & SLOT] either way.
   */
  private blocks: (Block | undefined)[] | null = null;
  /** The ring's capacity less one; the element at index i is at position (head + i) & mask. */
  private mask = 0;
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

  /** A list adopting items (in order, not copied up to BLOCK of them) as loaded from an RDB: a ring when past the packed limits. */
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
    return this.get(i);
  }

  /** Replaces element i (already normalized to 0..length-1). */
  set(i: number, s: string): void {
    const lp = this.lp;
    if (lp !== null) {
      const at = itemOffset(lp, i);
      return this.setPacked(lp.slice(0, at) + packItem(s) + lp.slice(skipItem(lp, at)), 0);
    }
    this.put(i, s);
  }

  pushHead(s: string): void {
    if (this.lp !== null) return this.setPacked(packItem(s) + this.lp, 1);
    if (this.count > this.mask) this.grow();
    const p = (this.head - 1) & this.mask;
    this.head = p;
    (this.blocks![p >>> BLOCK_BITS] ?? this.makeBlock(p))[p & SLOT] = s;
    this.count++;
  }

  pushTail(s: string): void {
    if (this.lp !== null) return this.setPacked(this.lp + packItem(s), 1);
    if (this.count > this.mask) this.grow();
    const p = (this.head + this.count) & this.mask;
    (this.blocks![p >>> BLOCK_BITS] ?? this.makeBlock(p))[p & SLOT] = s;
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
    const p = this.head;
    const block = this.blocks![p >>> BLOCK_BITS]!;
    const s = block[p & SLOT];
    block[p & SLOT] = undefined;
    this.head = (p + 1) & this.mask;
    this.count--;
    if ((p & SLOT) === SLOT) this.dropIfEmpty(p >>> BLOCK_BITS);
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
    const p = (this.head + this.count - 1) & this.mask;
    const block = this.blocks![p >>> BLOCK_BITS]!;
    const s = block[p & SLOT];
    block[p & SLOT] = undefined;
    this.count--;
    if ((p & SLOT) === 0) this.dropIfEmpty(p >>> BLOCK_BITS);
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
    for (let i = 0; i < out.length; i++) out[i] = this.get(start + i);
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
    // Run by run: each ends at its block's end (a lone block's end is the ring's).
    const blockEnd = Math.min(BLOCK, this.mask + 1);
    for (let i = start; i <= end;) {
      const p = (this.head + i) & this.mask;
      const n = Math.min(end + 1 - i, blockEnd - (p & SLOT));
      out.bulkRun(this.blocks![p >>> BLOCK_BITS]!, p & SLOT, n);
      i += n;
    }
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
    for (let k = 0; k < n; k++) {
      const i = fromTail ? this.count - 1 - k : k;
      if (this.get(i) === s) yield i;
    }
  }

  /** Inserts s before element i (0..length); a ring moves its shorter side (LINSERT). */
  insert(i: number, s: string): void {
    const lp = this.lp;
    if (lp !== null) {
      const at = itemOffset(lp, i);
      return this.setPacked(lp.slice(0, at) + packItem(s) + lp.slice(at), 1);
    }
    if (i < this.count / 2) {
      this.pushHead(s);
      for (let k = 0; k < i; k++) this.put(k, this.get(k + 1));
    } else {
      this.pushTail(s);
      for (let k = this.count - 1; k > i; k--) this.put(k, this.get(k - 1));
    }
    this.put(i, s);
  }

  /**
   * Removes elements equal to s, at most limit of them (0: all), the first ones from the
   * head or from the tail; returns how many went (LREM). One compacting pass.
   */
  remove(s: string, limit: number, fromTail: boolean): number {
    if (this.lp !== null) return this.removePacked(this.lp, s, limit, fromTail);
    const n = this.count;
    let removed = 0;
    if (fromTail) {
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const x = this.get(r);
        if (x === s && (limit === 0 || removed < limit)) removed++;
        else this.put(w--, x);
      }
      for (let i = 0; i < removed; i++) this.put(i, undefined);
      this.head = (this.head + removed) & this.mask;
    } else {
      let w = 0;
      for (let r = 0; r < n; r++) {
        const x = this.get(r);
        if (x === s && (limit === 0 || removed < limit)) removed++;
        else this.put(w++, x);
      }
      for (let i = w; i < n; i++) this.put(i, undefined);
    }
    this.count = n - removed;
    this.dropEmptyBlocks();
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
    for (let i = 0; i < start; i++) this.put(i, undefined);
    for (let i = end + 1; i < this.count; i++) this.put(i, undefined);
    this.head = (this.head + start) & this.mask;
    this.count = end - start + 1;
    this.dropEmptyBlocks();
  }

  *[Symbol.iterator](): IterableIterator<string> {
    const lp = this.lp;
    if (lp !== null) {
      for (let at = 0; at < lp.length; at = skipItem(lp, at)) yield readItem(lp, at);
      return;
    }
    for (let i = 0; i < this.count; i++) yield this.get(i);
  }

  toArray(): string[] {
    return this.count === 0 ? [] : this.slice(0, this.count - 1);
  }

  /** Ring element i (0..length-1). */
  private get(i: number): string {
    const p = (this.head + i) & this.mask;
    return this.blocks![p >>> BLOCK_BITS]![p & SLOT]!;
  }

  /** Ring element i (0..length-1, or a slot being cleared) becomes s. */
  private put(i: number, s: string | undefined): void {
    const p = (this.head + i) & this.mask;
    this.blocks![p >>> BLOCK_BITS]![p & SLOT] = s;
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

  /** The body becomes a ring of items, in order, for good: items itself while one block holds them. */
  private adoptRing(items: string[]): void {
    const count = items.length;
    let cap = MIN_CAPACITY;
    while (cap < count) cap *= 2;
    if (cap <= BLOCK) {
      const block: Block = items;
      block.length = cap;
      this.blocks = [block];
    } else {
      this.blocks = new Array(cap >>> BLOCK_BITS);
      for (let b = 0; b << BLOCK_BITS < count; b++) {
        const block: Block = items.slice(b << BLOCK_BITS, (b + 1) << BLOCK_BITS);
        block.length = BLOCK;
        this.blocks[b] = block;
      }
    }
    this.mask = cap - 1;
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

  /** The block holding position p, made when a push first reaches it. */
  private makeBlock(p: number): Block {
    const block: Block = new Array(BLOCK);
    this.blocks![p >>> BLOCK_BITS] = block;
    return block;
  }

  /** Block b dropped if no element lies in it (a ring of one block keeps it). */
  private dropIfEmpty(b: number): void {
    const blocks = this.blocks!;
    if (blocks.length === 1) return;
    // Where block b starts, counted from the head: its slots are that..that + SLOT, around the ring.
    const from = ((b << BLOCK_BITS) - this.head) & this.mask;
    if (from >= this.count && from + SLOT <= this.mask) blocks[b] = undefined;
  }

  /** After LREM or LTRIM: empty blocks dropped, and the ring shrunk if sparse. */
  private dropEmptyBlocks(): void {
    for (let b = 0; b < this.blocks!.length; b++) this.dropIfEmpty(b);
    this.shrinkIfSparse();
  }

  /** Full: twice the capacity. Past one block, only the block index and the head block's tail part are copied. */
  private grow(): void {
    const cap = this.mask + 1;
    if (cap < BLOCK) return this.rebuild(cap * 2);
    const nb = this.blocks!.length;
    const next = this.indexFromHead(nb * 2, nb);
    // A full ring wraps inside the head's block: the slots below the head are the tail's last
    // elements, and they move to the block after the others.
    const ho = this.head & SLOT;
    if (ho > 0) {
      const first = next[0]!;
      const moved: Block = new Array(BLOCK);
      for (let i = 0; i < ho; i++) {
        moved[i] = first[i];
        first[i] = undefined;
      }
      next[nb] = moved;
    }
    this.blocks = next;
    this.mask = cap * 2 - 1;
    this.head = ho;
  }

  /** Three quarters empty: the capacity halved until it is not (never below MIN_CAPACITY). */
  private shrinkIfSparse(): void {
    let cap = this.mask + 1;
    while (cap > MIN_CAPACITY && this.count < cap / 4) cap /= 2;
    if (cap === this.mask + 1) return;
    if (cap <= BLOCK) return this.rebuild(cap);
    // The elements span at most cap / BLOCK blocks from the head's: the index keeps those.
    this.blocks = this.indexFromHead(cap >>> BLOCK_BITS, cap >>> BLOCK_BITS);
    this.mask = cap - 1;
    this.head &= SLOT;
  }

  /** A block index of `size` entries starting with `taken` blocks from the head's on; the head's offset in its block stays the same. */
  private indexFromHead(size: number, taken: number): (Block | undefined)[] {
    const blocks = this.blocks!;
    const hb = this.head >>> BLOCK_BITS;
    const next: (Block | undefined)[] = new Array(size);
    for (let k = 0; k < taken; k++) next[k] = blocks[(hb + k) & (blocks.length - 1)];
    return next;
  }

  /** The elements copied in order into one block of cap slots (cap <= BLOCK). */
  private rebuild(cap: number): void {
    const block: Block = new Array(cap);
    for (let i = 0; i < this.count; i++) block[i] = this.get(i);
    this.blocks = [block];
    this.mask = cap - 1;
    this.head = 0;
  }
}
