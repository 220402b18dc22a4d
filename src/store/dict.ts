// The hash table of the keyspace and of large hashes, sets and sorted sets (dict.c's role):
// key -> value, the write epoch of each key that point-in-time snapshots go by, and its
// access word (robj.lru: the LRU clock or the LFU counter eviction goes by); both unused, 0,
// inside a collection.
//
// Why not a JS Map: looking up and overwriting a fresh key string in a Map of 100k-1M keys
// costs about twice what it does here (bench/dict-speed.ts), because V8's ordered table
// chases a bucket, an entry and a key per probe, and needs an object per key for the epoch
// beside it. Here a slot is three ints in an Int32Array (the key's hash, its epoch and its
// access word, so that touching a key writes the cache line its lookup just read) and one
// key/value pair in an array: linear probing reads the hashes, and a key string
// only when its hash matches.
//
// Walks (SCAN, the snapshot) go by slot. Deleting leaves a tombstone (or an empty slot) and
// never moves another key, so a key present for a whole walk stays in its slot and is seen
// exactly once, unless the table is rebuilt (grown, shrunk, purged of tombstones): that
// bumps `generation`, and walkers start over, which may repeat keys but never misses one.

/** Tags in the hash half of a slot: a live slot's tag is its hash with the top bit set. */
const EMPTY = 0;
const DELETED = 1;
const LIVE_BIT = 0x80000000;
const MIN_CAPACITY = 8;
/** Ints per slot in meta. */
const META = 3;
/** Per-process hash seed, so that clients cannot aim keys at one probe chain. */
const SEED = (Math.random() * 0x100000000) | 0;

/**
 * The tag of key: a seeded FNV-1a over its chars, finished with murmur3's fmix32. Exported
 * for a loader, which takes it while the key it just made is in the cache (see addAll).
 */
export function tagOf(key: string): number {
  let h = SEED ^ 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16) | LIVE_BIT) | 0;
}

/** Dict.prefetch's tags, then slots: one batch at a time, the first 64 keys of a command at most. */
const prefetchSlots = new Int32Array(64);
/** Where Dict.prefetch leaves the sum of what it read: stored, its loads are not optimized away. */
const prefetchSink = { value: 0 };

export class Dict<V> {
  /** Live keys. */
  size = 0;
  /** Bumped by every rebuild: slot numbers from before it mean nothing after. */
  generation = 0;
  /** Slot i: meta[3i] its tag (EMPTY, DELETED or a live tag), meta[3i+1] its epoch, meta[3i+2] its access word. */
  private meta: Int32Array;
  /** Slot i: kv[2i] its key, kv[2i+1] its value. */
  private kv: Array<string | V | undefined>;
  private mask: number;
  /** Live and deleted slots: what makes probe chains long. */
  private used = 0;

  /** A table that holds `expected` keys without a rebuild. */
  constructor(expected = 0) {
    const cap = capacityFor(expected);
    this.meta = new Int32Array(cap * META);
    this.kv = new Array<string | V | undefined>(cap * 2).fill(undefined);
    this.mask = cap - 1;
  }

  /** Slots in the table: walks go from 0 to this. */
  get capacity(): number {
    return this.mask + 1;
  }

  /** The slot holding key, or -1. */
  find(key: string): number {
    const i = this.probe(key, tagOf(key));
    return i < 0 ? -1 : i;
  }

  /**
   * The slot holding key (whose tag is given), or -(the slot to insert it at) - 1: the first
   * tombstone on its probe chain, or the empty slot that ends the chain.
   */
  private probe(key: string, tag: number): number {
    const meta = this.meta;
    const mask = this.mask;
    let free = -1;
    for (let i = tag & mask; ; i = (i + 1) & mask) {
      const t = meta[i * META]!;
      if (t === tag) {
        if (this.kv[i << 1] === key) return i;
      } else if (t === EMPTY) {
        return -(free < 0 ? i : free) - 1;
      } else if (t === DELETED && free < 0) {
        free = i;
      }
    }
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  get(key: string): V | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : (this.kv[(i << 1) + 1] as V);
  }

  /** Inserts key, which must not be here, with its access word; returns its slot. */
  add(key: string, value: V, epoch: number, access = 0): number {
    this.reserveOne();
    const tag = tagOf(key);
    const meta = this.meta;
    const mask = this.mask;
    let i = tag & mask;
    while (meta[i * META]! < 0) i = (i + 1) & mask;
    return this.fill(i, tag, key, value, epoch, access);
  }

  /** Inserts key unless it is here already (one probe where has() and add() take two). */
  addIfAbsent(key: string, value: V, epoch: number): boolean {
    return this.addTaggedIfAbsent(key, tagOf(key), value, epoch);
  }

  /** addIfAbsent of a key whose tag is known. */
  private addTaggedIfAbsent(key: string, tag: number, value: V, epoch: number): boolean {
    this.reserveOne();
    const i = this.probe(key, tag);
    if (i >= 0) return false;
    this.fill(-i - 1, tag, key, value, epoch, 0);
    return true;
  }

  /**
   * addIfAbsent for each pair in order, tags[j] being tagOf(keys[j]): the index of the first
   * key that was here, or -1. An RDB load's keys go in once the file is read (see
   * rdb-decoder.ts), by then scattered over the old generation: hashing each one again here
   * cost a cache miss per key on top of the table's own (~a tenth of a mixed dataset's load).
   */
  addAll(keys: readonly string[], values: readonly V[], tags: Int32Array, epoch: number): number {
    for (let j = 0; j < keys.length; j++) if (!this.addTaggedIfAbsent(keys[j]!, tags[j]!, values[j]!, epoch)) return j;
    return -1;
  }

  /**
   * Loads what the lookups of keys[from], keys[from + step], ... will read (each key's first
   * slot, and the key stored there when its tag matches), so that they then find it in cache.
   * One lookup after another, a multi-key command waits on about three cache misses per key
   * (the slot's tag, its key pointer, the key's chars), each waiting on the one before; here
   * the loads of different keys do not depend on each other, so the CPU overlaps them.
   */
  prefetch(keys: readonly string[], from: number, step: number): void {
    const slots = prefetchSlots;
    let n = 0;
    for (let j = from; j < keys.length && n < slots.length; j += step) slots[n++] = tagOf(keys[j]!);
    const meta = this.meta;
    const kv = this.kv;
    const mask = this.mask;
    let sink = 0;
    for (let k = 0; k < n; k++) {
      const i = slots[k]! & mask;
      // Only a matching tag leads the lookup on to the key: else its slot is marked unread.
      slots[k] = meta[i * META] === slots[k] ? i : -1;
    }
    for (let k = 0; k < n; k++) {
      const i = slots[k]!;
      if (i >= 0) sink += (kv[i << 1] as string).length;
    }
    prefetchSink.value = sink;
  }

  private reserveOne(): void {
    if ((this.used + 1) * 4 > this.capacity * 3) this.rebuild(capacityFor(this.size + 1));
  }

  private fill(i: number, tag: number, key: string, value: V, epoch: number, access: number): number {
    if (this.meta[i * META] === EMPTY) this.used++;
    this.meta[i * META] = tag;
    this.meta[i * META + 1] = epoch;
    this.meta[i * META + 2] = access;
    this.kv[i << 1] = key;
    this.kv[(i << 1) + 1] = value;
    this.size++;
    return i;
  }

  /** Empties slot i (live). A rebuild may follow, when the table has become mostly empty. */
  deleteAt(i: number): void {
    const meta = this.meta;
    const mask = this.mask;
    this.kv[i << 1] = undefined;
    this.kv[(i << 1) + 1] = undefined;
    this.size--;
    if (meta[((i + 1) & mask) * META] === EMPTY) {
      // No probe chain runs through a slot followed by an empty one: this slot, and the
      // tombstones just before it, can be empty instead. (The table always has an empty slot.)
      do {
        meta[i * META] = EMPTY;
        this.used--;
        i = (i - 1) & mask;
      } while (meta[i * META] === DELETED);
    } else {
      meta[i * META] = DELETED;
    }
    if (this.size * 8 < this.capacity && this.capacity > MIN_CAPACITY) this.rebuild(capacityFor(this.size));
  }

  keyAt(i: number): string {
    return this.kv[i << 1] as string;
  }

  valueAt(i: number): V {
    return this.kv[(i << 1) + 1] as V;
  }

  setValueAt(i: number, value: V): void {
    this.kv[(i << 1) + 1] = value;
  }

  epochAt(i: number): number {
    return this.meta[i * META + 1]!;
  }

  setEpochAt(i: number, epoch: number): void {
    this.meta[i * META + 1] = epoch;
  }

  /** Slot i's access word (robj.lru): an LRU clock or an LFU counter with its decrement time. */
  accessAt(i: number): number {
    return this.meta[i * META + 2]!;
  }

  setAccessAt(i: number, word: number): void {
    this.meta[i * META + 2] = word;
  }

  /** Gives every key the same access word (a loaded dataset: each key was just created). */
  fillAccess(word: number): void {
    const meta = this.meta;
    for (let j = 2; j < meta.length; j += META) meta[j] = word;
  }

  /**
   * dictGetSomeKeys: up to out.length live slots, consecutive from a random one (wrapping),
   * into out; returns how many. Looks at no more than 10 slots per key asked for, so a
   * sparse table costs a bounded walk; the eviction pool needs a sample, not a fair one.
   */
  sampleSlots(out: Int32Array): number {
    if (this.size === 0) return 0;
    const meta = this.meta;
    const mask = this.mask;
    const want = Math.min(out.length, this.size);
    let n = 0;
    let i = Math.floor(Math.random() * this.capacity);
    for (let steps = want * 10; n < want && steps > 0; steps--, i = (i + 1) & mask) {
      if (meta[i * META]! < 0) out[n++] = i;
    }
    return n;
  }

  /** The first live slot at or after i, or -1 at the end of the table. */
  nextSlot(i: number): number {
    const meta = this.meta;
    const cap = this.capacity;
    for (; i < cap; i++) if (meta[i * META]! < 0) return i;
    return -1;
  }

  /** A live slot chosen at random (the table is never less than 1/8 full), or -1 when empty. */
  randomSlot(): number {
    if (this.size === 0) return -1;
    for (;;) {
      const i = Math.floor(Math.random() * this.capacity);
      if (this.meta[i * META]! < 0) return i;
    }
  }

  /** Live slots in slot order, for walks that may write between steps (a SlotWalk's). */
  *slots(): IterableIterator<number> {
    const walk = new SlotWalk();
    for (let i = walk.next(this); i >= 0; i = walk.next(this)) yield i;
  }

  *keys(): IterableIterator<string> {
    for (const i of this.slots()) yield this.keyAt(i);
  }

  *values(): IterableIterator<V> {
    for (const i of this.slots()) yield this.valueAt(i);
  }

  *entries(): IterableIterator<[string, V]> {
    for (const i of this.slots()) yield [this.keyAt(i), this.valueAt(i)];
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  private rebuild(cap: number): void {
    const from = this.meta;
    const fromKv = this.kv;
    const meta = new Int32Array(cap * META);
    const kv = new Array<string | V | undefined>(cap * 2).fill(undefined);
    const mask = cap - 1;
    for (let j = 0; j < from.length / META; j++) {
      const tag = from[j * META]!;
      if (tag >= 0) continue;
      let i = tag & mask;
      while (meta[i * META] !== EMPTY) i = (i + 1) & mask;
      meta[i * META] = tag;
      meta[i * META + 1] = from[j * META + 1]!;
      meta[i * META + 2] = from[j * META + 2]!;
      kv[i << 1] = fromKv[j << 1];
      kv[(i << 1) + 1] = fromKv[(j << 1) + 1];
    }
    this.meta = meta;
    this.kv = kv;
    this.mask = mask;
    this.used = this.size;
    this.generation++;
  }
}

/**
 * A walk over a dict's live slots in slot order, for walkers that may write between steps
 * (Dict.slots(), the snapshot, which steps without an iterator result per key): after a
 * rebuild it starts over (see the top of this file).
 */
export class SlotWalk {
  private slot = 0;
  private generation = -1;

  /** The next live slot of dict, or -1 at its end (the walk then begins anew at the next call). */
  next(dict: Dict<unknown>): number {
    if (this.generation !== dict.generation) {
      this.generation = dict.generation;
      this.slot = 0;
    }
    const i = dict.nextSlot(this.slot);
    if (i < 0) {
      this.generation = -1;
      return -1;
    }
    this.slot = i + 1;
    return i;
  }
}

/** The smallest power of two that holds n keys at most half full. */
function capacityFor(n: number): number {
  let cap = MIN_CAPACITY;
  while (cap < n * 2) cap *= 2;
  return cap;
}
