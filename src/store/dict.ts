// The hash table of the keyspace and of large hashes, sets and sorted sets (dict.c's role):
// key -> value, and in the keyspace's table the write epoch of each key that point-in-time
// snapshots go by and its access word (robj.lru: the LRU clock or the LFU counter eviction
// goes by); a collection's table holds neither.
//
// Why not a JS Map: looking up and overwriting a fresh key string in a Map of 100k-1M keys
// costs about twice what it does here (bench/dict-speed.ts), because V8's ordered table
// chases a bucket, an entry and a key per probe, and needs an object per key for the epoch
// beside it. Here a slot is ints in an Int32Array (the key's hash; in the keyspace its epoch
// and access word next to it, so that touching a key writes the cache line its lookup just
// read) and one key/value pair in an array: linear probing reads the hashes, and a key string
// only when its hash matches. The pairs are held in chunks (4096 slots in a small table,
// 64k in a large one), each made when a key first lands in it: one array for a table of two
// million slots took 20-90 ms to make and fill, a stall of its own at every resize.
//
// Growing, shrinking or purging tombstones moves the keys into a new table a few at a time
// (dict.c's incremental rehash), not in one go: a single add at 786k keys used to take 40-90
// ms rebuilding the table (bench/dict-stall.ts). While a resize runs, the dict holds both
// tables: the new one is slots 0..cap-1, the old one slots cap..cap+oldCap-1 (the accessors
// route by index). Lookups probe the new table, then the old; inserts go to the new. Each
// add and delete moves the next few old slots over, at a rate that empties the old table
// before the new one fills to its load limit (if it would not, the insert finishes the move),
// and rehashMs() moves more from the server cron (activerehashing). Only inserts, deletes
// and rehashMs move keys, so a slot found by find() stays valid until one of those runs.
//
// Walks (SCAN, the snapshot) go by table and slot. Deleting leaves a tombstone (or an empty
// slot) and never moves another key, and keys only move from the old table to the new one,
// so a walk that takes the old table first and the new one after sees every key present for
// its whole length; one whose table was dropped (its keys all moved on) walks the tables
// there are from their start, which may repeat keys but never misses one.

import { nextSlice } from '../io/turn-end.js';

/** Tags in the hash half of a slot: a live slot's tag is its hash with the top bit set. */
const EMPTY = 0;
const DELETED = 1;
const LIVE_BIT = 0x80000000;
const MIN_CAPACITY = 8;
/** Ints per slot in a key table's meta (its tag, epoch and access word); a collection's holds its tag alone. */
const KEY_TABLE_STRIDE = 3;
const EPOCH = 1;
const ACCESS = 2;
/**
 * Pair entries (two a slot) in one chunk of a table's keys and values, as a power of two: in
 * a table of up to SMALL_TABLE slots 8192 (64 kB, made in the young generation in
 * microseconds), in a larger one 131072 (1 MB, made in V8's large-object space, which a
 * scavenge never copies). A large-object chunk takes ~0.6 ms to make (a fresh mapping,
 * faulted in page by page): when a small table grew, that stall bunched 50 clients' requests
 * into one turn, and turns of 50 followed until the bunch broke up; a large table's tens of MB
 * of 64 kB chunks would instead be copied twice by scavenges (bench/dict-stall.ts: adds of 5-7
 * ms at 393k and 786k keys, against 2 ms). Lookups cost the same either way (bench/dict-speed.ts).
 */
const SMALL_SHIFT = 13;
const LARGE_SHIFT = 17;
const SMALL_TABLE = 1 << 18;

/** log2 of the entries per chunk of a table of mask + 1 slots. */
function kvShift(mask: number): number {
  return mask < SMALL_TABLE ? SMALL_SHIFT : LARGE_SHIFT;
}
/** randomSlot's random draws before it takes the next live slot instead. */
const RANDOM_TRIES = 32;
/** Old slots rehashMs moves between two looks at the clock. */
const REHASH_BATCH = 1024;
/** Per-process hash seed, so that clients cannot aim keys at one probe chain. */
const SEED = (Math.random() * 0x100000000) | 0;

/** The tag of key: a seeded FNV-1a over its chars, finished with murmur3's fmix32. */
export function tagOf(key: string): number {
  let h = SEED ^ 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return finishTag(h);
}

/** tagOf the latin1 string of buf[start, end), from its bytes (a key not made a string yet). */
export function tagOfBytes(buf: Uint8Array, start: number, end: number): number {
  let h = SEED ^ 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return finishTag(h);
}

function finishTag(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16) | LIVE_BIT) | 0;
}

/** Keys Dict.prefetch loads for at most: a command's first ones. */
const PREFETCH_MAX = 64;
/** Slots of a key's probe chain Dict.prefetch looks through for its tag. */
const PREFETCH_PROBES = 4;
/** Dict.prefetch's tags of its keys, in order (Dict.addBatch inserts with them), and the slots it found for them. */
const prefetchTags = new Int32Array(PREFETCH_MAX);
const prefetchSlots = new Int32Array(PREFETCH_MAX);
/** Where Dict.prefetch adds up what it read: stored, its loads are not optimized away. */
const prefetchSink = { value: 0 };

export class Dict<V> {
  /** Live keys. */
  size = 0;
  /**
   * Slot i: meta[i * stride] its tag (EMPTY, DELETED or a live tag); in a key table (stride
   * 3) meta[3i + 1] its epoch and meta[3i + 2] its access word.
   */
  private meta: Int32Array;
  /**
   * Ints per slot. A collection's epochs and access words would be 0 for good: left out, its
   * slot costs 20 bytes instead of 28, and the new table of a resize has fewer fresh pages to
   * fault in (each backed by the kernel at its first write).
   */
  private readonly stride: number;
  /** Slot i: entry 2i its key, 2i+1 its value, entry e at kv[e >> shift][e & (1 << shift) - 1], shift = kvShift(mask) (chunks made on first insert). */
  private kv: Chunks<V>;
  private mask: number;
  /** Live and deleted slots: what makes probe chains long. */
  private used = 0;
  /** While a resize runs, the table being emptied into meta and kv (the same layout); else null. */
  private oldMeta: Int32Array | null = null;
  private oldKv: Chunks<V> | null = null;
  private oldMask = -1;
  /** The old table's slots below this have been moved (dict.c's rehashidx). */
  private rehashIdx = 0;
  /** Old slots each add and delete moves on. */
  private stepSlots = 0;

  /**
   * A table that holds `expected` keys without a resize; keyTable for a db's keys, whose
   * slots also hold each key's write epoch and access word.
   */
  constructor(expected = 0, keyTable = false) {
    const cap = capacityFor(expected);
    this.stride = keyTable ? KEY_TABLE_STRIDE : 1;
    this.meta = new Int32Array(cap * this.stride);
    this.kv = chunksFor(cap);
    this.mask = cap - 1;
  }

  /** Slots in the tables, both while a resize runs (the memory report's count). */
  get capacity(): number {
    return this.mask + 1 + this.oldMask + 1;
  }

  /** True while a resize has keys left to move. */
  get rehashing(): boolean {
    return this.oldMeta !== null;
  }

  /** The slot holding key, or -1. */
  find(key: string): number {
    const tag = tagOf(key);
    const i = lookup(this.meta, this.kv, this.mask, this.stride, key, tag);
    if (i >= 0 || this.oldMeta === null) return i;
    const j = lookup(this.oldMeta, this.oldKv!, this.oldMask, this.stride, key, tag);
    return j < 0 ? -1 : j + this.mask + 1;
  }

  /**
   * The slot of the new table holding key (whose tag is given), or -(the slot to insert it
   * at) - 1: the first tombstone on its probe chain, or the empty slot that ends the chain.
   */
  private probe(key: string, tag: number): number {
    const meta = this.meta;
    const mask = this.mask;
    const stride = this.stride;
    let free = -1;
    for (let i = tag & mask; ; i = (i + 1) & mask) {
      const t = meta[i * stride]!;
      if (t === tag) {
        if (entry(this.kv, mask, i << 1) === key) return i;
      } else if (t === EMPTY) {
        return -(free < 0 ? i : free) - 1;
      } else if (t === DELETED && free < 0) {
        free = i;
      }
    }
  }

  /**
   * Empties a table being thrown away whole (FLUSHALL, an RDB load's install), and has its
   * chunks' hold on their keys and values dropped on later turns. The chunks are
   * old-generation objects, and the young keys and values they point to stay in V8's
   * remembered set: dead or not, the next scavenge would copy them all as live (15-18 ms
   * after a warmed-up server's FLUSHALL, 1-4 ms with them dropped). Emptying them is a pass
   * over 16 bytes a slot (13-22 ms at a million keys, most of it cache misses): done at once,
   * it was part of the last pause of a replica's load. So it goes a slice at a time, as
   * Redis frees a dropped db in the background (or all at once before a full collection:
   * emptyDroppedChunksNow).
   */
  release(): void {
    for (const kv of [this.kv, this.oldKv]) if (kv !== null) for (const chunk of kv) if (chunk !== undefined) droppedChunks.push(chunk);
    if (!emptying && droppedChunks.length > 0) {
      emptying = true;
      nextSlice(emptyDroppedChunks);
    }
    const cap = capacityFor(0);
    this.meta = new Int32Array(cap * this.stride);
    this.kv = chunksFor(cap);
    this.mask = cap - 1;
    this.size = this.used = 0;
    this.oldMeta = this.oldKv = null;
    this.oldMask = -1;
    this.rehashIdx = this.stepSlots = 0;
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  get(key: string): V | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /** Inserts key, which must not be here, with its access word; returns its slot. */
  add(key: string, value: V, epoch: number, access = 0): number {
    this.reserveOne();
    const tag = tagOf(key);
    return this.fill(this.freeSlot(tag), tag, key, value, epoch, access);
  }

  /** Inserts key unless it is here already (one probe where has() and add() take two). */
  addIfAbsent(key: string, value: V, epoch: number): boolean {
    return this.addTaggedIfAbsent(key, tagOf(key), value, epoch, 0);
  }

  /**
   * addIfAbsent of keys[0, n) with values[0, n), epoch 0 and the access word given, their
   * cache misses overlapped: prefetch() first, whose tags the inserts reuse. The index of the
   * first key found here already (the keys before it are in), or -1.
   */
  addBatch(keys: readonly string[], values: readonly V[], n: number, access: number): number {
    this.prefetch(keys, 0, 1, n);
    for (let k = 0; k < n; k++) {
      const key = keys[k]!;
      if (!this.addTaggedIfAbsent(key, k < PREFETCH_MAX ? prefetchTags[k]! : tagOf(key), values[k]!, 0, access)) return k;
    }
    return -1;
  }

  private addTaggedIfAbsent(key: string, tag: number, value: V, epoch: number, access: number): boolean {
    this.reserveOne();
    const i = this.probe(key, tag);
    if (i >= 0) return false;
    if (this.oldMeta !== null && lookup(this.oldMeta, this.oldKv!, this.oldMask, this.stride, key, tag) >= 0) return false;
    this.fill(-i - 1, tag, key, value, epoch, access);
    return true;
  }

  /**
   * Loads what the lookups of keys[from], keys[from + step], ... (below end) will read, or
   * their inserts write: each key's slot, its key and value entries, and the key stored there
   * when its tag matches (and its value, when a string), so that they then find them in cache.
   * One lookup after another, a multi-key command waits on about three cache misses per key
   * (the slot's tag, its key pointer, the key's chars), each waiting on the one before; here
   * the loads of different keys do not depend on each other, so the CPU overlaps them.
   */
  prefetch(keys: readonly string[], from: number, step: number, end = keys.length): void {
    const tags = prefetchTags;
    let n = 0;
    for (let j = from; j < end && n < PREFETCH_MAX; j += step) tags[n++] = tagOf(keys[j]!);
    this.prefetchTagged(n);
  }

  /** prefetch() of n keys given as their latin1 bytes, buf[starts[k], ends[k]) (a read's pipelined commands, Db.prefetchRead). */
  prefetchBytes(buf: Uint8Array, starts: Int32Array, ends: Int32Array, n: number): void {
    if (n > PREFETCH_MAX) n = PREFETCH_MAX;
    for (let k = 0; k < n; k++) prefetchTags[k] = tagOfBytes(buf, starts[k]!, ends[k]!);
    this.prefetchTagged(n);
  }

  /** prefetch()'s loads, for the keys of prefetchTags[0, n): in both tables while a resize runs. */
  private prefetchTagged(n: number): void {
    prefetchTable(this.meta, this.kv, this.mask, this.stride, n);
    if (this.oldMeta !== null) prefetchTable(this.oldMeta, this.oldKv!, this.oldMask, this.stride, n);
  }

  /** _dictExpandIfNeeded with _dictRehashStep: before an insert, the resize in progress moves on, or one starts. */
  private reserveOne(): void {
    if (this.oldMeta !== null) this.rehashSlots(this.stepSlots);
    if ((this.used + 1) * 4 > (this.mask + 1) * 3) {
      // A resize begins only once the last one is over; its rate makes finishing it here rare.
      if (this.oldMeta !== null) this.rehashSlots(this.oldMask + 1);
      this.resize(capacityFor(this.size + 1));
    }
  }

  /** The first slot of the new table on tag's probe chain that holds no key (the key is known absent). */
  private freeSlot(tag: number): number {
    const meta = this.meta;
    const mask = this.mask;
    const stride = this.stride;
    let i = tag & mask;
    while (meta[i * stride]! < 0) i = (i + 1) & mask;
    return i;
  }

  private fill(i: number, tag: number, key: string, value: V, epoch: number, access: number): number {
    const meta = this.meta;
    const at = i * this.stride;
    if (meta[at] === EMPTY) this.used++;
    meta[at] = tag;
    if (this.stride === KEY_TABLE_STRIDE) {
      meta[at + EPOCH] = epoch;
      meta[at + ACCESS] = access;
    }
    const e = i << 1;
    const chunk = chunkFor(this.kv, this.mask, e);
    const pair = e & ((1 << kvShift(this.mask)) - 1);
    chunk[pair] = key;
    chunk[pair + 1] = value;
    this.size++;
    return i;
  }

  /** Empties slot i (live). The resize in progress moves on, or one starts when the table has become mostly empty. */
  deleteAt(i: number): void {
    const cap = this.mask + 1;
    this.size--;
    if (i < cap) {
      this.used -= vacate(this.meta, this.kv, this.mask, this.stride, i);
    } else {
      vacate(this.oldMeta!, this.oldKv!, this.oldMask, this.stride, i - cap);
    }
    if (this.oldMeta !== null) this.rehashSlots(this.stepSlots);
    else if (this.size * 8 < cap && cap > MIN_CAPACITY) this.resize(capacityFor(this.size));
  }

  keyAt(i: number): string {
    return this.entryAt(i, 0) as string;
  }

  valueAt(i: number): V {
    return this.entryAt(i, 1) as V;
  }

  setValueAt(i: number, value: V): void {
    if (i <= this.mask) setEntry(this.kv, this.mask, (i << 1) + 1, value);
    else setEntry(this.oldKv!, this.oldMask, ((i - this.mask - 1) << 1) + 1, value);
  }

  /** Slot i's write epoch (a key table's). */
  epochAt(i: number): number {
    return this.metaAt(i, EPOCH);
  }

  setEpochAt(i: number, epoch: number): void {
    this.setMetaAt(i, EPOCH, epoch);
  }

  /** Slot i's access word (robj.lru: an LRU clock or an LFU counter with its decrement time), a key table's. */
  accessAt(i: number): number {
    return this.metaAt(i, ACCESS);
  }

  setAccessAt(i: number, word: number): void {
    this.setMetaAt(i, ACCESS, word);
  }

  /** Slot i's key (half 0) or value (half 1), in whichever table the slot number names. */
  private entryAt(i: number, half: number): string | V | undefined {
    return i <= this.mask ? entry(this.kv, this.mask, (i << 1) + half) : entry(this.oldKv!, this.oldMask, ((i - this.mask - 1) << 1) + half);
  }

  /** Int `field` of slot i's meta (0 its tag, EPOCH, ACCESS), in whichever table the slot number names. */
  private metaAt(i: number, field: number): number {
    if (field >= this.stride) throw new Error('a collection\'s dict holds no epochs or access words');
    return i <= this.mask ? this.meta[i * this.stride + field]! : this.oldMeta![(i - this.mask - 1) * this.stride + field]!;
  }

  private setMetaAt(i: number, field: number, v: number): void {
    if (field >= this.stride) throw new Error('a collection\'s dict holds no epochs or access words');
    if (i <= this.mask) this.meta[i * this.stride + field] = v;
    else this.oldMeta![(i - this.mask - 1) * this.stride + field] = v;
  }

  /** Whether slot i (of either table) holds a key. */
  private live(i: number): boolean {
    return this.metaAt(i, 0) < 0;
  }

  /**
   * dictGetSomeKeys: up to out.length live slots, consecutive from a random one (wrapping
   * over both tables while a resize runs), into out; returns how many. Looks at no more than
   * 10 slots per key asked for, so a sparse table costs a bounded walk; the eviction pool
   * needs a sample, not a fair one.
   */
  sampleSlots(out: Int32Array): number {
    if (this.size === 0) return 0;
    const total = this.capacity;
    const want = Math.min(out.length, this.size);
    let n = 0;
    let i = Math.floor(Math.random() * total);
    for (let steps = want * 10; n < want && steps > 0; steps--) {
      if (this.live(i)) out[n++] = i;
      if (++i === total) i = 0;
    }
    return n;
  }

  /** The first live slot at or after i (the new table's slots, then the old one's), or -1 past the last. */
  nextSlot(i: number): number {
    const meta = this.meta;
    const stride = this.stride;
    const cap = this.mask + 1;
    for (; i < cap; i++) if (meta[i * stride]! < 0) return i;
    const old = this.oldMeta;
    if (old === null) return -1;
    for (let j = i - cap; j <= this.oldMask; j++) if (old[j * stride]! < 0) return j + cap;
    return -1;
  }

  /**
   * dictGetFairRandomKey: a live slot chosen at random, or -1 when empty. The old table's
   * slots already moved are left out of the draw; after RANDOM_TRIES misses (a table
   * emptied by deletes that a resize has not shrunk yet) it takes the first live slot from a
   * random one, so it always ends.
   */
  randomSlot(): number {
    if (this.size === 0) return -1;
    const cap = this.mask + 1;
    const moved = this.oldMeta === null ? 0 : this.rehashIdx;
    const range = this.capacity - moved;
    for (let t = 0; t < RANDOM_TRIES; t++) {
      const r = Math.floor(Math.random() * range);
      const i = r < cap ? r : r + moved;
      if (this.live(i)) return i;
    }
    const from = Math.floor(Math.random() * this.capacity);
    const i = this.nextSlot(from);
    return i >= 0 ? i : this.nextSlot(0);
  }

  /** Live slots in walk order, for walks that may write between steps (a SlotWalk's). */
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

  /**
   * incrementallyRehash / dictRehashMilliseconds: moves keys of the resize in progress for
   * about ms milliseconds (the server cron under activerehashing). True while keys are left.
   */
  rehashMs(ms: number): boolean {
    const until = performance.now() + ms;
    while (this.oldMeta !== null) {
      this.rehashSlots(REHASH_BATCH);
      if (performance.now() >= until) break;
    }
    return this.oldMeta !== null;
  }

  /**
   * SlotWalk.next's step: the next live slot after the walk's place, the old table first
   * while a resize runs; -1 at the end, when the walk forgets its place.
   */
  walkNext(w: SlotWalk): number {
    if (w.table === null || (w.table !== this.meta && w.table !== this.oldMeta)) {
      // A new walk, or one whose table was dropped: its keys are all in the tables there are now.
      w.table = this.oldMeta ?? this.meta;
      w.pos = 0;
    }
    for (;;) {
      const isOld = w.table === this.oldMeta;
      const meta = w.table;
      const stride = this.stride;
      const n = meta.length / stride;
      // The old table's slots before rehashIdx have all moved: a walk skips them at once, where
      // stepping over them made each SSCAN from 0 of a set mid-resize cost a scan of that run.
      let j = isOld ? Math.max(w.pos, this.rehashIdx) : w.pos;
      while (j < n && meta[j * stride]! >= 0) j++;
      if (j < n) {
        w.pos = j + 1;
        return isOld ? j + this.mask + 1 : j;
      }
      if (!isOld) {
        w.table = null;
        return -1;
      }
      w.table = this.meta;
      w.pos = 0;
    }
  }

  /**
   * dictExpand / dictResize: the keys are to move into a table of cap slots. The current table
   * becomes the old one, emptied a few slots per add and delete: as many that it is empty
   * before the new table takes an eighth of the inserts it has room for (about 11 slots an
   * add when growing), as lookups of absent keys probe both tables until then.
   */
  private resize(cap: number): void {
    this.oldMeta = this.meta;
    this.oldKv = this.kv;
    this.oldMask = this.mask;
    this.rehashIdx = 0;
    this.meta = new Int32Array(cap * this.stride);
    this.kv = chunksFor(cap);
    this.mask = cap - 1;
    this.used = 0;
    const room = Math.max(1, Math.floor((cap * 3) / 4) - this.size - 1);
    this.stepSlots = Math.ceil(((this.oldMask + 1) * 8) / room);
  }

  /** dictRehash: moves the keys of the old table's next n slots into the new one; drops the old table once it is empty. */
  private rehashSlots(n: number): void {
    const from = this.oldMeta!;
    const fromKv = this.oldKv!;
    const meta = this.meta;
    const kv = this.kv;
    const stride = this.stride;
    const toMask = (1 << kvShift(this.mask)) - 1;
    const fromShift = kvShift(this.oldMask);
    const fromMask = (1 << fromShift) - 1;
    const end = Math.min(this.rehashIdx + n, this.oldMask + 1);
    for (let j = this.rehashIdx; j < end; j++) {
      const tag = from[j * stride]!;
      if (tag === EMPTY) {
        // The keys of the slots before this one, back to the last empty slot, have all moved:
        // no probe chain runs through those slots any more, so that they can be empty, and a
        // lookup of a key the old table lacks stops there instead of probing a long run.
        for (let k = (j - 1) & this.oldMask; from[k * stride] === DELETED; k = (k - 1) & this.oldMask) from[k * stride] = EMPTY;
        continue;
      }
      if (tag === DELETED) continue;
      const i = this.freeSlot(tag);
      if (meta[i * stride] === EMPTY) this.used++;
      meta[i * stride] = tag;
      if (stride === KEY_TABLE_STRIDE) {
        meta[i * stride + EPOCH] = from[j * stride + EPOCH]!;
        meta[i * stride + ACCESS] = from[j * stride + ACCESS]!;
      }
      const e = i << 1;
      const chunk = chunkFor(kv, this.mask, e);
      const f = j << 1;
      const fromChunk = fromKv[f >> fromShift]!;
      chunk[e & toMask] = fromChunk[f & fromMask];
      chunk[(e & toMask) + 1] = fromChunk[(f & fromMask) + 1];
      // A tombstone until the run's end: keys further on may have probed past this slot.
      from[j * stride] = DELETED;
      fromChunk[f & fromMask] = undefined;
      fromChunk[(f & fromMask) + 1] = undefined;
    }
    this.rehashIdx = end;
    if (end > this.oldMask) {
      this.oldMeta = null;
      this.oldKv = null;
      this.oldMask = -1;
    }
  }
}

/**
 * A walk over a dict's live slots, for walkers that may write between steps (Dict.slots(),
 * the snapshot, which steps without an iterator result per key): its place is a table (by
 * identity) and a slot in it, so that it carries on through a resize (see the top of this file).
 */
export class SlotWalk {
  /** The table walked (a dict's meta array), or null before the first step and after the last. */
  table: Int32Array | null = null;
  /** The next slot to look at in it. */
  pos = 0;

  /** The next live slot of dict, or -1 at its end (the walk then begins anew at the next call). */
  next(dict: Dict<unknown>): number {
    return dict.walkNext(this);
  }
}

/** A table's keys and values in chunks of pair entries (see Dict.kv); a chunk no key has landed in yet is undefined. */
type Chunks<V> = Array<Array<string | V | undefined> | undefined>;

/** Chunks of tables release() let go of, still to be emptied; whether a slice of that is scheduled. */
const droppedChunks: unknown[][] = [];
let emptying = false;
/** How long one turn may spend emptying them. */
const EMPTYING_SLICE_MS = 0.5;

/** Empties dropped chunks for a slice of this turn, and goes on at the next while some are left. */
function emptyDroppedChunks(): void {
  const until = performance.now() + EMPTYING_SLICE_MS;
  while (droppedChunks.length > 0) {
    droppedChunks.pop()!.fill(undefined);
    if (performance.now() >= until) break;
  }
  emptying = droppedChunks.length > 0;
  if (emptying) nextSlice(emptyDroppedChunks);
}

/**
 * Empties every chunk release() let go of, now: before a full collection, so that what the
 * dropped tables held (a flushed dataset) is garbage to it.
 */
export function emptyDroppedChunksNow(): void {
  while (droppedChunks.length > 0) droppedChunks.pop()!.fill(undefined);
}

/** The chunk list of a table of cap slots, no chunk made yet. */
function chunksFor<V>(cap: number): Chunks<V> {
  return new Array<Array<string | V | undefined> | undefined>(Math.ceil((cap * 2) / (1 << kvShift(cap - 1)))).fill(undefined);
}

/** The chunk holding entry e of a table of mask + 1 slots, made if no key has landed in it yet (a small table's one chunk is its size). */
function chunkFor<V>(kv: Chunks<V>, mask: number, e: number): Array<string | V | undefined> {
  const shift = kvShift(mask);
  const c = e >> shift;
  let chunk = kv[c];
  if (chunk === undefined) {
    chunk = new Array<string | V | undefined>(Math.min((mask + 1) * 2, 1 << shift)).fill(undefined);
    kv[c] = chunk;
  }
  return chunk;
}

/** Entry e of the chunks of a table of mask + 1 slots: undefined in a chunk not made yet (no key ever landed there). */
function entry<V>(kv: Chunks<V>, mask: number, e: number): string | V | undefined {
  const shift = kvShift(mask);
  return kv[e >> shift]?.[e & ((1 << shift) - 1)];
}

/**
 * Dict.prefetch's loads in one table (meta, kv, mask, stride) for the keys of prefetchTags[0,
 * n), in passes that each wait on one kind of miss: no branch waits on a load that missed, so
 * a mispredicted one does not throw away the loads of the keys after it.
 */
function prefetchTable<V>(meta: Int32Array, kv: Chunks<V>, mask: number, stride: number, n: number): void {
  const tags = prefetchTags;
  const slots = prefetchSlots;
  let sink = 0;
  // Each key's first slot.
  for (let k = 0; k < n; k++) sink ^= meta[(tags[k]! & mask) * stride]!;
  // In cache now: the key's slot when its tag is in the first few of its chain (the slots of
  // one cache line, most often), kept as i; else ~i, most often the empty slot an insert fills.
  for (let k = 0; k < n; k++) {
    const tag = tags[k]!;
    let i = tag & mask;
    let t = meta[i * stride]!;
    for (let probes = 1; t !== tag && t !== EMPTY && probes < PREFETCH_PROBES; probes++) {
      i = (i + 1) & mask;
      t = meta[i * stride]!;
    }
    slots[k] = t === tag ? i : ~i;
  }
  // The slot's key and value entries, the key, and a string value (a read replies with it).
  for (let k = 0; k < n; k++) {
    const s = slots[k]!;
    const stored = entry(kv, mask, (s >= 0 ? s : ~s) << 1);
    if (s >= 0) {
      const value = entry(kv, mask, (s << 1) + 1);
      sink += (stored as string).length + (typeof value === 'string' ? value.length : 0);
    } else if (stored !== undefined) sink++;
  }
  // Added to, not overwritten: a store the next call would overwrite could be left out, and the loads with it.
  prefetchSink.value = (prefetchSink.value + sink) | 0;
}

/** Sets entry e of the chunks of a table of mask + 1 slots, whose chunk exists. */
function setEntry<V>(kv: Chunks<V>, mask: number, e: number, v: string | V | undefined): void {
  const shift = kvShift(mask);
  kv[e >> shift]![e & ((1 << shift) - 1)] = v;
}

/** The slot of tag's table (meta, kv, mask, stride) holding key, or -1. */
function lookup<V>(meta: Int32Array, kv: Chunks<V>, mask: number, stride: number, key: string, tag: number): number {
  for (let i = tag & mask; ; i = (i + 1) & mask) {
    const t = meta[i * stride]!;
    if (t === tag) {
      if (entry(kv, mask, i << 1) === key) return i;
    } else if (t === EMPTY) {
      return -1;
    }
  }
}

/**
 * Empties live slot i of a table; returns how many slots became EMPTY (no longer count as used).
 * No probe chain runs through a slot followed by an empty one: this slot, and the tombstones
 * just before it, can be empty instead of tombstones. (A table always has an empty slot.)
 */
function vacate<V>(meta: Int32Array, kv: Chunks<V>, mask: number, stride: number, i: number): number {
  setEntry(kv, mask, i << 1, undefined);
  setEntry(kv, mask, (i << 1) + 1, undefined);
  if (meta[((i + 1) & mask) * stride] !== EMPTY) {
    meta[i * stride] = DELETED;
    return 0;
  }
  let freed = 0;
  do {
    meta[i * stride] = EMPTY;
    freed++;
    i = (i - 1) & mask;
  } while (meta[i * stride] === DELETED);
  return freed;
}

/** The smallest power of two that holds n keys at most half full. */
function capacityFor(n: number): number {
  let cap = MIN_CAPACITY;
  while (cap < n * 2) cap *= 2;
  return cap;
}
