// One numbered database: the key->entry dictionary and the key->expiry (unix ms) dictionary.
//
// Every change goes through this class, so that three things can never be forgotten:
// the snapshot in progress sees the old value before it changes (preserve), WATCHers are
// told (signalModifiedKey), and the dirty counter that drives saves and propagation moves.
// Commands read with lookup(); before changing a collection in place they fetch it with
// lookupWrite() and report the change with modified().
import type { Keyspace } from './keyspace.js';
import { Entry, type Value } from './values.js';

/** Set on a client's WATCH state when a watched key changes (touchWatchedKey). */
export interface WatchFlag {
  casDirty: boolean;
}

export class Db {
  dict = new Map<string, Entry>();
  expires = new Map<string, number>();
  /** key -> the WATCH states of clients watching it in this db. */
  readonly watchers = new Map<string, Set<WatchFlag>>();
  /** Where the active expire cycle resumes. */
  private expireCursor: Iterator<[string, number]> | null = null;

  constructor(readonly id: number, private readonly ks: Keyspace) {}

  get size(): number {
    return this.dict.size;
  }

  /** The value at key, or undefined; an expired key is deleted on the way (lazy expiry). */
  lookup(key: string): Value | undefined {
    const e = this.dict.get(key);
    if (e === undefined || (this.expires.size > 0 && this.expireIfNeeded(key))) {
      this.ks.stats.keyspaceMisses++;
      return undefined;
    }
    this.ks.stats.keyspaceHits++;
    return e.value;
  }

  /** As lookup, for a value about to be changed in place: the snapshot gets the old one first. */
  lookupWrite(key: string): Value | undefined {
    const e = this.dict.get(key);
    if (e === undefined) return undefined;
    if (this.expires.size > 0 && this.expireIfNeeded(key)) return undefined;
    this.preserve(key, e);
    return e.value;
  }

  exists(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  /** Reports an in-place change (signalModifiedKey + server.dirty += n). */
  modified(key: string, n = 1): void {
    this.ks.dirty += n;
    if (this.watchers.size > 0) this.touchWatched(key);
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
    const old = this.dict.get(key);
    if (old === undefined) {
      this.dict.set(key, new Entry(value, this.ks.epoch));
    } else {
      // Once preserved, the old entry is stamped with the snapshot's epoch: reusing it is safe.
      this.preserve(key, old);
      old.value = value;
    }
    if (!keepTtl && this.expires.size > 0) this.expires.delete(key);
    this.modified(key);
  }

  /** dbDelete: true when the key was there. */
  delete(key: string): boolean {
    const old = this.dict.get(key);
    if (old === undefined) return false;
    this.preserve(key, old);
    this.dict.delete(key);
    if (this.expires.size > 0) this.expires.delete(key);
    this.modified(key);
    return true;
  }

  /** The absolute expiry in unix ms, or undefined when the key has none. */
  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }

  /** setExpire: key must exist. */
  setExpire(key: string, whenMs: number): void {
    const e = this.dict.get(key);
    if (e === undefined) return;
    this.preserve(key, e);
    this.expires.set(key, whenMs);
    this.modified(key);
  }

  /** removeExpire: true when the key had an expiry. */
  persist(key: string): boolean {
    const e = this.dict.get(key);
    if (e === undefined || !this.expires.has(key)) return false;
    this.preserve(key, e);
    this.expires.delete(key);
    this.modified(key);
    return true;
  }

  /** emptyData for this db. The snapshot in progress keeps the old maps, untouched. */
  flush(): number {
    const n = this.dict.size;
    this.dict = new Map();
    this.expires = new Map();
    this.expireCursor = null;
    this.ks.dirty += n;
    for (const flags of this.watchers.values()) for (const f of flags) f.casDirty = true;
    return n;
  }

  /** Replaces the whole content at once (RDB load, SWAPDB); WATCHers of every key are told. */
  replaceContents(dict: Map<string, Entry>, expires: Map<string, number>): void {
    this.flush();
    this.dict = dict;
    this.expires = expires;
  }

  /** A key chosen at random, walking to a random position (O(n)). */
  randomKey(): string | undefined {
    for (let tries = 0; tries < 100 && this.dict.size > 0; tries++) {
      let skip = Math.floor(Math.random() * this.dict.size);
      for (const key of this.dict.keys()) {
        if (skip-- > 0) continue;
        if (this.expires.size > 0 && this.expireIfNeeded(key)) break;
        return key;
      }
    }
    return undefined;
  }

  /**
   * activeExpireCycle for this db: checks up to `budget` keys with an expiry, resuming
   * where the last call stopped, and deletes those that are due. Returns the number checked.
   */
  expireSome(budget: number, now: number): number {
    let checked = 0;
    while (checked < budget && this.expires.size > 0) {
      this.expireCursor ??= this.expires.entries();
      const next = this.expireCursor.next();
      if (next.done) {
        this.expireCursor = null;
        break;
      }
      checked++;
      const [key, when] = next.value;
      if (when <= now && this.expires.get(key) === when) this.expireKey(key);
    }
    return checked;
  }

  /** Deletes key if it has expired; true when it did. */
  private expireIfNeeded(key: string): boolean {
    const when = this.expires.get(key);
    if (when === undefined || when > Date.now()) return false;
    this.expireKey(key);
    return true;
  }

  private expireKey(key: string): void {
    this.delete(key);
    this.ks.stats.expiredKeys++;
  }

  private preserve(key: string, e: Entry): void {
    const snap = this.ks.snapshot;
    if (snap !== null && e.epoch < snap.epoch) snap.preserve(this, key, e);
  }

  private touchWatched(key: string): void {
    const flags = this.watchers.get(key);
    if (flags !== undefined) for (const f of flags) f.casDirty = true;
  }
}
