// One numbered database: the key->entry dictionary and the key->expiry (unix ms) dictionary.
//
// Every change goes through this class, so that three things can never be forgotten:
// the snapshot in progress sees the old value before it changes (preserve), WATCHers are
// told (signalModifiedKey), and the dirty counter that drives saves and propagation moves.
// Commands read with lookup(); before changing a collection in place they fetch it with
// lookupWrite() and report the change with modified().
//
// Clients blocked on a key (actors/blocking.ts) wait in blockingKeys; a key created,
// replaced or deleted while someone waits on it is signalled ready (signalKeyAsReady; a
// deletion is what answers XREADGROUP's waiters), and blocking.ts serves its queue once the
// command that made it ready is over.
import type { Client } from '../actors/client.js';
import { Dict } from './dict.js';
import type { Keyspace } from './keyspace.js';
import type { Value } from './values.js';
import type { StringValue } from './mutable-string.js';
import { markMutable } from '../mutable-fields.js';
import { scanFirstArgs, scanResume } from '../io/resp-scan.js';

/** A read shorter than two of redis-benchmark's SETs holds one command, or not even that. */
const PIPELINE_MIN_BYTES = 90;
/**
 * Below this many slots (~1.8 MB of slots and entries) a table mostly stays in the CPU's
 * caches: a lookup waits little, and the scan's ~50 ns a command would be spent for nothing.
 */
const PREFETCH_MIN_SLOTS = 1 << 16;
/** Keys prefetched together (scanFirstArgs's window). */
const READ_WINDOW = 32;
/**
 * Keys prefetched per read at most: what their lookups read (~3 cache lines each) stays in
 * a core's L2 cache until the commands run (a master's stream comes in reads of ~1000 SETs).
 */
const PREFETCH_READ_MAX = 1024;
const readKeyStarts = new Int32Array(READ_WINDOW);
const readKeyEnds = new Int32Array(READ_WINDOW);

/** Set on a client's WATCH state when a watched key changes (touchWatchedKey). */
export interface WatchFlag {
  casDirty: boolean;
}

/** watchedKey: one client's WATCH of one key of a db. */
export interface WatchedKey {
  readonly client: WatchFlag;
  readonly db: Db;
  readonly key: string;
  /** The key was there but expired when watched: its deletion is no change for this watch. */
  expired: boolean;
}

/** A string encoding its value does not imply (Db.stringEncodings). */
export type StringEncoding = 'raw' | 'embstr';

export class Db {
  dict = new Dict<Value>(0, true);
  expires = new Map<string, number>();
  /** key -> the clients' watches of it in this db. */
  readonly watchers = new Map<string, Set<WatchedKey>>();
  /** key -> the clients blocked on it here, in arrival order (db->blocking_keys). */
  readonly blockingKeys = new Map<string, Set<Client>>();
  /** Keys signalled ready and not yet served (db->ready_keys, so each is queued once). */
  readonly readyKeys = new Set<string>();
  /**
   * The encoding Redis would give the string at these keys where its value alone does not say
   * it: raw for one a command changed in place (dbUnshareStringValue: APPEND, SETRANGE, SETBIT,
   * BITFIELD, PFADD, PFCOUNT's cache...) or built raw (BITOP, a new HLL), embstr for one stored
   * unencoded although it reads as an integer (INCRBYFLOAT). OBJECT ENCODING reports it; any
   * other write of the key forgets it, as Redis's new object would. RENAME, MOVE, COPY and
   * SWAPDB carry it; a reload (RDB, full sync) does not, as Redis's loader re-encodes strings.
   */
  stringEncodings = new Map<string, StringEncoding>();
  /** Where the active expire cycle resumes. */
  private expireCursor: Iterator<string> | null = null;
  /** Where eviction's sampling of keys with an expiry resumes. */
  private sampleCursor: Iterator<string> | null = null;

  constructor(readonly id: number, private readonly ks: Keyspace) {
    markMutable(this, 'dict', 'expires', 'stringEncodings', 'expireCursor', 'sampleCursor');
  }

  get size(): number {
    return this.dict.size;
  }

  /**
   * The value at key, or undefined; an expired key is deleted on the way (lazy expiry). The
   * key counts as accessed for LRU/LFU unless touch is false (LOOKUP_NOTOUCH: TYPE, TTL,
   * OBJECT...).
   */
  lookup(key: string, touch = true): Value | undefined {
    const i = this.dict.find(key);
    if (i < 0 || (this.expires.size > 0 && this.expireIfNeeded(key))) {
      this.ks.stats.keyspaceMisses++;
      if (this.ks.readLookups) this.ks.onMiss?.(this, key);
      return undefined;
    }
    this.ks.stats.keyspaceHits++;
    if (touch) this.touch(i);
    return this.dict.valueAt(i);
  }

  /**
   * lookupKeyWrite's find for a write that leaves the value as it is or removes it whole (DEL,
   * EXPIRE, RENAME, MOVE; lookupWrite for one that changes it in place): lazily expired and
   * touched, no keyspace hit or miss counted.
   */
  lookupUncounted(key: string): Value | undefined {
    const i = this.writeSlot(key);
    return i < 0 ? undefined : this.dict.valueAt(i);
  }

  /** Dict.prefetch: readies the lookups of a multi-key command's keys (keys[from], every step-th). */
  prefetch(keys: readonly string[], from: number, step: number): void {
    this.dict.prefetch(keys, from, step);
  }

  /**
   * Dict.prefetch for the commands a read holds, before they are parsed: the first argument
   * of each, which is the key of most, a window of them at a time. A read of one command has
   * no misses to overlap, a small table few misses.
   */
  prefetchRead(chunk: Buffer): void {
    if (chunk.length < PIPELINE_MIN_BYTES || this.dict.capacity < PREFETCH_MIN_SLOTS) return;
    let from = 0;
    for (let done = 0; from >= 0 && done < PREFETCH_READ_MAX; done += READ_WINDOW) {
      const n = scanFirstArgs(chunk, from, readKeyStarts, readKeyEnds);
      if (n > 1 || from > 0) this.dict.prefetchBytes(chunk, readKeyStarts, readKeyEnds, n);
      from = scanResume();
    }
  }

  /** dictFind: the value as stored, expired or not; no access counted (DEBUG OBJECT). */
  peek(key: string): Value | undefined {
    const i = this.dict.find(key);
    return i < 0 ? undefined : this.dict.valueAt(i);
  }

  /** Sets key's access word (robj.lru), as RESTORE's IDLETIME or FREQ asks. */
  setAccessWord(key: string, word: number): void {
    const i = this.dict.find(key);
    if (i >= 0) this.dict.setAccessAt(i, word);
  }

  /** The access word of key (robj.lru), or undefined when there is no such key. */
  accessWord(key: string): number | undefined {
    const i = this.dict.find(key);
    return i < 0 ? undefined : this.dict.accessAt(i);
  }

  /** As lookup, for a value about to be changed in place: the snapshot gets the old one first. */
  lookupWrite(key: string): Value | undefined {
    const i = this.dict.find(key);
    if (i < 0 || (this.expires.size > 0 && this.expireIfNeeded(key, true))) return undefined;
    this.preserve(key, i);
    this.touch(i);
    return this.dict.valueAt(i);
  }

  /**
   * Deletes key if its time has passed, as a read's lookup would (a replica only hides it),
   * without counting a hit or miss: for a command whose lookup Redis makes before it checks
   * its arguments (XAUTOCLAIM), and DEL's.
   */
  expireIfDue(key: string): void {
    if (this.expires.size > 0) this.expireIfNeeded(key);
  }

  exists(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  /**
   * Reports an in-place change Redis makes without signalModifiedKey (a stream's consumer
   * groups, XSETID): saves and propagation see it (server.dirty += n), WATCH does not.
   */
  dirtied(n = 1): void {
    this.ks.dirty += n;
  }

  /** Reports an in-place change (signalModifiedKey + server.dirty += n). */
  modified(key: string, n = 1): void {
    this.ks.dirty += n;
    if (this.watchers.size > 0) this.touchWatched(key);
    this.ks.onModified?.(key);
  }

  /**
   * After n elements left the collection at key, which now holds `remaining`: an emptied
   * collection goes with its key, otherwise the change is reported.
   */
  removedFrom(key: string, remaining: number, n: number): void {
    if (remaining === 0) this.delete(key);
    else if (n > 0) this.modified(key, n);
  }

  /** setKey: creates or overwrites key; its expiry goes unless keepTtl. */
  set(key: string, value: Value, keepTtl = false): void {
    // An expired key goes first, as lookupKeyWrite would (and its DEL is propagated).
    if (this.expires.size > 0) this.expireIfNeeded(key, true);
    this.store(key, value);
    if (!keepTtl && this.expires.size > 0) this.expires.delete(key);
    this.replaced(key);
  }

  /**
   * lookupKeyWrite for a value about to be replaced whole (INCR, APPEND), or for whether a write
   * finds its key (SET NX/XX, MSETNX): the slot of key for valueAt and setAt, or -1 when it is
   * missing (or just expired). A write's lookup counts no keyspace hit or miss. The slot holds
   * until a key is added or deleted.
   */
  writeSlot(key: string): number {
    const i = this.dict.find(key);
    if (i < 0 || (this.expires.size > 0 && this.expireIfNeeded(key, true))) return -1;
    this.touch(i);
    return i;
  }

  /** The value in a slot writeSlot found. */
  valueAt(slot: number): Value {
    return this.dict.valueAt(slot);
  }

  /** set(key, value, true) where writeSlot(key) gave slot: the key is not looked up again. */
  setAt(slot: number, key: string, value: Value): void {
    if (slot < 0) return this.set(key, value, true);
    this.preserve(key, slot);
    this.dict.setValueAt(slot, value);
    this.replaced(key);
  }

  /** After key got a new value: its string encoding is forgotten, the change reported, its waiters signalled. */
  private replaced(key: string): void {
    if (this.stringEncodings.size > 0) this.stringEncodings.delete(key);
    this.modified(key);
    if (this.blockingKeys.size > 0) this.signalKeyAsReady(key);
  }

  /**
   * A string created or grown in place as Redis does it without signalModifiedKey or dirty
   * (BITFIELD when every write failed: lookupStringForBitCommand's dbAdd or sdsgrowzero): WATCH,
   * saves and replicas do not hear of it, as with Redis. Its TTL stays; it is raw.
   */
  setUnsignalled(key: string, value: StringValue): void {
    this.store(key, value);
    this.stringEncodings.set(key, 'raw');
    if (this.blockingKeys.size > 0) this.signalKeyAsReady(key);
  }

  /** Puts value at key, the snapshot in progress keeping the old one. */
  private store(key: string, value: Value): void {
    const i = this.dict.find(key);
    if (i < 0) {
      this.dict.add(key, value, this.ks.epoch, this.ks.access.fresh());
      this.ks.onNew?.(this, key);
    } else {
      this.preserve(key, i);
      this.dict.setValueAt(i, value);
      this.touch(i);
    }
  }

  /**
   * signalKeyAsReady: clients blocked on key may now be served. Creating a key does this;
   * a command that makes an existing key servable (XADD) calls it itself.
   */
  signalKeyAsReady(key: string): void {
    if (!this.blockingKeys.has(key) || this.readyKeys.has(key)) return;
    this.readyKeys.add(key);
    this.ks.readyKeys.push({ db: this, key });
  }

  /** The string at key now has this encoding whatever its value (see stringEncodings). */
  markEncoding(key: string, encoding: StringEncoding): void {
    if (this.dict.find(key) >= 0) this.stringEncodings.set(key, encoding);
  }

  /** dbDelete: true when the key was there. */
  delete(key: string): boolean {
    const i = this.dict.find(key);
    if (i < 0) return false;
    if (this.stringEncodings.size > 0) this.stringEncodings.delete(key);
    this.preserve(key, i);
    this.dict.deleteAt(i);
    if (this.expires.size > 0) this.expires.delete(key);
    this.modified(key);
    // signalDeletedKeyAsReady
    if (this.blockingKeys.size > 0) this.signalKeyAsReady(key);
    return true;
  }

  /** The absolute expiry in unix ms, or undefined when the key has none. */
  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }

  /** setExpire: key must exist. */
  setExpire(key: string, whenMs: number): void {
    const i = this.dict.find(key);
    if (i < 0) return;
    this.preserve(key, i);
    this.expires.set(key, whenMs);
    this.modified(key);
    // A replica's own client wrote it (its master's stream runs in 'keep'): only a writable replica takes such writes.
    if (this.ks.expireMode === 'hide') this.ks.replicaExpires.remember(this.id, key);
  }

  /** removeExpire: true when the key had an expiry. */
  persist(key: string): boolean {
    const i = this.dict.find(key);
    if (i < 0 || !this.expires.has(key)) return false;
    this.preserve(key, i);
    this.expires.delete(key);
    this.modified(key);
    return true;
  }

  /**
   * emptyData for this db. The snapshot in progress keeps the old maps, untouched. As
   * touchAllWatchedKeysInDb, only WATCHers of a key that was here or comes in (replacedWith)
   * are told: an absent key stays absent for them, and so does one expired before and after.
   * passedOn: the old table lives on elsewhere (SWAPDB), so it is left as it is.
   */
  flush(replacedWith?: { dict: Dict<Value>; expires: Map<string, number> }, passedOn = false): number {
    const n = this.dict.size;
    if (this.watchers.size > 0) this.touchAllWatched(replacedWith);
    // scanDatabaseForDeletedStreams
    for (const key of this.blockingKeys.keys()) if (this.dict.has(key)) this.signalKeyAsReady(key);
    // A table nobody else holds (not passed on, not captured by a snapshot) lets go of its entries now.
    if (!passedOn && this.ks.snapshot === null) this.dict.release();
    this.dict = new Dict<Value>(0, true);
    this.expires = new Map();
    this.stringEncodings = new Map();
    this.expireCursor = null;
    this.sampleCursor = null;
    this.ks.dirty += n;
    if (n > 0) this.ks.flushes++;
    return n;
  }

  /** Replaces the whole content at once (RDB load, SWAPDB); WATCHers of keys in the old or new content are told. */
  replaceContents(dict: Dict<Value>, expires: Map<string, number>, passedOn = false): void {
    this.flush({ dict, expires }, passedOn);
    this.dict = dict;
    this.expires = expires;
    // scanDatabaseForReadyKeys
    for (const key of this.blockingKeys.keys()) if (dict.find(key) >= 0) this.signalKeyAsReady(key);
  }

  /** dbRandomKey: a key at a random slot; one found expired is deleted and another tried. */
  randomKey(): string | undefined {
    for (let tries = 0; tries < 100 && this.dict.size > 0; tries++) {
      const key = this.dict.keyAt(this.dict.randomSlot());
      if (this.expires.size === 0 || !this.expireIfNeeded(key)) return key;
    }
    return undefined;
  }

  /**
   * activeExpireCycle's loop for this db: looks at keysPerLoop keys with an expiry at a time
   * (walking the expires map where the last look stopped, around its end, where Redis samples
   * at random) and deletes those that are due; goes on while more than staleShare of them were,
   * until performance.now() passes deadline (looked at every 16 rounds). True when it did.
   */
  expireCycle(now: number, deadline: number, keysPerLoop: number, staleShare: number): boolean {
    for (let round = 1; ; round++) {
      const n = Math.min(this.expires.size, keysPerLoop);
      let expired = 0;
      for (let i = 0; i < n; i++) {
        this.expireCursor ??= this.expires.keys();
        let next = this.expireCursor.next();
        if (next.done === true) {
          this.expireCursor = this.expires.keys();
          next = this.expireCursor.next();
          if (next.done === true) break;
        }
        if (this.tryExpire(next.value, now)) expired++;
      }
      if (n === 0 || expired <= n * staleShare) return false;
      if (round % 16 === 0 && performance.now() > deadline) return true;
    }
  }

  /**
   * Up to out.length keys with an expiry into out, continuing a walk of the expires map that
   * wraps around (eviction's sample: a Map has no random access); returns how many.
   */
  sampleVolatile(out: string[]): number {
    const want = Math.min(out.length, this.expires.size);
    let n = 0;
    while (n < want) {
      this.sampleCursor ??= this.expires.keys();
      const next = this.sampleCursor.next();
      if (next.done) {
        this.sampleCursor = null;
        continue;
      }
      out[n++] = next.value;
    }
    return n;
  }

  /** activeExpireCycleTryExpire: deletes key when its expiry is past; true when it did. */
  tryExpire(key: string, now: number): boolean {
    const when = this.expires.get(key);
    if (when === undefined || when >= now) return false;
    this.expireKey(key);
    return true;
  }

  /**
   * Deletes key if it has expired; true when it has. A replica only hides it from a read, its
   * master will delete it; a write of its own client deletes it first (a writable replica's
   * lookupKeyWrite, EXPIRE_FORCE_DELETE_EXPIRED), so that the write finds no old expiry.
   */
  private expireIfNeeded(key: string, write = false): boolean {
    const mode = this.ks.expireMode;
    if (mode === 'keep') return false;
    const when = this.expires.get(key);
    const now = this.ks.now();
    // keyIsExpired: a key lives through the millisecond of its expiry, on master and replica alike.
    if (when === undefined || when >= now) return false;
    // A paused server keeps its dataset still.
    if ((mode === 'hide' && !write) || now <= this.ks.pausedUntil) return true;
    this.expireKey(key);
    return true;
  }

  /** deleteExpiredKeyAndPropagate. */
  private expireKey(key: string): void {
    this.deleteBehindCommands(key);
    this.ks.stats.expiredKeys++;
    this.ks.onExpired?.(this, key);
  }

  /** Eviction's delete (performEvictions): counted, and propagated as DEL or UNLINK. */
  evict(key: string): void {
    this.deleteBehindCommands(key);
    this.ks.stats.evictedKeys++;
    this.ks.onEvicted?.(this, key);
  }

  /** A delete no command asked for (expiry, eviction), so dirty stays as it was. */
  private deleteBehindCommands(key: string): void {
    const dirty = this.ks.dirty;
    this.ks.behindCommands = true;
    try {
      this.delete(key);
    } finally {
      this.ks.behindCommands = false;
    }
    this.ks.dirty = dirty;
  }

  /** Stamps slot i's key as just accessed (updateLFU, or the LRU clock). */
  private touch(i: number): void {
    const access = this.ks.access;
    this.dict.setAccessAt(i, access.lfu ? access.touched(this.dict.accessAt(i)) : access.lruClock);
  }

  /** Before slot i's key changes: the snapshot in progress serializes it first, once. */
  private preserve(key: string, i: number): void {
    const snap = this.ks.snapshot;
    if (snap !== null && this.dict.epochAt(i) < snap.epoch) {
      snap.preserve(this, key, this.dict.valueAt(i));
      this.dict.setEpochAt(i, snap.epoch);
    }
  }

  private touchWatched(key: string): void {
    const watches = this.watchers.get(key);
    if (watches === undefined) return;
    for (const wk of watches) {
      if (wk.expired) {
        // Expired when watched, and now deleted: no change. Still there: Redis 7.0 leaves the
        // watch be (it stops at it without marking the client).
        if (this.dict.find(key) < 0) wk.expired = false;
        continue;
      }
      wk.client.casDirty = true;
    }
  }

  // touchAllWatchedKeysInDb
  private touchAllWatched(replacedWith: { dict: Dict<Value>; expires: Map<string, number> } | undefined): void {
    const now = this.ks.now();
    const expiredIn = (m: Map<string, number> | undefined, key: string): boolean => (m?.get(key) ?? Infinity) < now;
    for (const [key, watches] of this.watchers) {
      const here = this.dict.has(key);
      const coming = replacedWith?.dict.has(key) === true;
      if (!here && !coming) continue;
      for (const wk of watches) {
        if (wk.expired) {
          if (!coming) {
            wk.expired = false;
            continue;
          }
          if (expiredIn(replacedWith?.expires, key)) continue;
        } else if (!here && expiredIn(replacedWith?.expires, key)) {
          wk.expired = true;
          continue;
        }
        wk.client.casDirty = true;
      }
    }
  }

  /** keyIsExpired: key is here, with an expiry already past. */
  isExpired(key: string): boolean {
    return (this.expires.get(key) ?? Infinity) < this.ks.now() && this.dict.find(key) >= 0;
  }
}
