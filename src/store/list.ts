// The list type: a ring-buffer deque of latin1 strings. Pushes and pops at both ends and
// LINDEX are O(1); the ring grows by doubling and shrinks when three quarters empty.
// Redis 7.0 reports every list as "quicklist", whatever its size.

const MIN_CAPACITY = 8;

export class List {
  private ring: (string | undefined)[] = new Array(MIN_CAPACITY);
  private head = 0;
  private count = 0;

  static from(items: Iterable<string>): List {
    const l = new List();
    for (const s of items) l.pushTail(s);
    return l;
  }

  get length(): number {
    return this.count;
  }

  /** The element at index i (0 is the head; negative counts from the tail); undefined if out of range. */
  at(i: number): string | undefined {
    if (i < 0) i += this.count;
    if (i < 0 || i >= this.count) return undefined;
    return this.ring[(this.head + i) & (this.ring.length - 1)];
  }

  /** Replaces element i (already normalized to 0..length-1). */
  set(i: number, s: string): void {
    this.ring[(this.head + i) & (this.ring.length - 1)] = s;
  }

  pushHead(s: string): void {
    if (this.count === this.ring.length) this.resize(this.ring.length * 2);
    this.head = (this.head - 1) & (this.ring.length - 1);
    this.ring[this.head] = s;
    this.count++;
  }

  pushTail(s: string): void {
    if (this.count === this.ring.length) this.resize(this.ring.length * 2);
    this.ring[(this.head + this.count) & (this.ring.length - 1)] = s;
    this.count++;
  }

  popHead(): string | undefined {
    if (this.count === 0) return undefined;
    const s = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.count--;
    this.shrinkIfSparse();
    return s;
  }

  popTail(): string | undefined {
    if (this.count === 0) return undefined;
    const i = (this.head + this.count - 1) & (this.ring.length - 1);
    const s = this.ring[i];
    this.ring[i] = undefined;
    this.count--;
    this.shrinkIfSparse();
    return s;
  }

  /** Elements start..end inclusive, both already clamped to 0..length-1. */
  slice(start: number, end: number): string[] {
    const out: string[] = [];
    const mask = this.ring.length - 1;
    for (let i = start; i <= end; i++) out.push(this.ring[(this.head + i) & mask]!);
    return out;
  }

  /** Replaces the whole content (LREM, LINSERT, LTRIM rebuild through this). */
  replace(items: string[]): void {
    let cap = MIN_CAPACITY;
    while (cap < items.length) cap *= 2;
    this.ring = new Array(cap);
    for (let i = 0; i < items.length; i++) this.ring[i] = items[i];
    this.head = 0;
    this.count = items.length;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    const mask = this.ring.length - 1;
    for (let i = 0; i < this.count; i++) yield this.ring[(this.head + i) & mask]!;
  }

  toArray(): string[] {
    return this.count === 0 ? [] : this.slice(0, this.count - 1);
  }

  private shrinkIfSparse(): void {
    if (this.ring.length > MIN_CAPACITY && this.count < this.ring.length / 4) this.resize(this.ring.length / 2);
  }

  private resize(cap: number): void {
    const next: (string | undefined)[] = new Array(cap);
    const mask = this.ring.length - 1;
    for (let i = 0; i < this.count; i++) next[i] = this.ring[(this.head + i) & mask];
    this.ring = next;
    this.head = 0;
  }
}
