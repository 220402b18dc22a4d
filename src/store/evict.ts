// evict.c's choice of keys: which key goes next under each maxmemory-policy. LRU, LFU and
// TTL are approximated as Redis approximates them: each round samples maxmemory-samples
// keys of every db into an eviction pool of the 16 best candidates seen so far (kept across
// rounds, so that sampling accumulates), and the best one still present goes.
//
// Keys with an expiry live in a JS Map, which has no random access: volatile-* policies
// sample them by continuing a walk of that Map (Db.sampleVolatile) instead of at random.
import type { AccessClock } from './access.js';
import type { Db } from './db.js';
import type { Keyspace } from './keyspace.js';
import { keySize } from './object-size.js';

/** maxmemory-policy's values, in the order Redis's config error lists them. */
export const MAXMEMORY_POLICIES = ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru',
  'allkeys-lfu', 'allkeys-random', 'noeviction'] as const;
export type MaxmemoryPolicy = (typeof MAXMEMORY_POLICIES)[number];

/** EVPOOL_SIZE */
const POOL_SIZE = 16;

export class Evictor {
  /** The pool, by ascending score (the best candidate last): score, key and db of each entry. */
  private readonly scores = new Float64Array(POOL_SIZE);
  private readonly keys: (string | undefined)[] = new Array<string | undefined>(POOL_SIZE).fill(undefined);
  private readonly dbIds = new Int32Array(POOL_SIZE);
  private size = 0;
  private slots = new Int32Array(0);
  private sampled: string[] = [];
  /** Where allkeys-random / volatile-random look first (next_db in Redis). */
  private nextDb = 0;

  constructor(private readonly ks: Keyspace) {}

  // performEvictions's choice and deletion of one key
  /**
   * Evicts one key under policy (never noeviction); returns the bytes it held (estimated),
   * or -1 when no key qualifies.
   */
  evictOne(policy: MaxmemoryPolicy, samples: number): number {
    const found = policy.endsWith('random') ? this.randomKey(policy === 'allkeys-random') : this.bestKey(policy, samples);
    if (found === null) return -1;
    const [db, key] = found;
    const bytes = keySize(key, db.dict.get(key)!, 1);
    db.evict(key);
    return bytes;
  }

  /** Empties the pool (the policy changed: scores mean something else). */
  reset(): void {
    this.keys.fill(undefined);
    this.size = 0;
  }

  private bestKey(policy: MaxmemoryPolicy, samples: number): [Db, string] | null {
    const volatile = policy.startsWith('volatile');
    for (;;) {
      let total = 0;
      for (const db of this.ks.dbs) {
        const n = volatile ? db.expires.size : db.size;
        if (n === 0) continue;
        total += n;
        this.populate(db, policy, volatile, samples);
      }
      if (total === 0) return null;
      // From the best down: the first candidate still there (with an expiry, if volatile).
      while (this.size > 0) {
        const k = --this.size;
        const key = this.keys[k]!;
        this.keys[k] = undefined;
        const db = this.ks.dbs[this.dbIds[k]!]!;
        if (volatile ? db.expires.has(key) : db.dict.find(key) >= 0) return [db, key];
      }
    }
  }

  // evictionPoolPopulate
  /** Samples db's keys into the pool, each scored so that higher means evict sooner. */
  private populate(db: Db, policy: MaxmemoryPolicy, volatile: boolean, samples: number): void {
    const access = this.ks.access;
    if (volatile) {
      if (this.sampled.length !== samples) this.sampled = new Array<string>(samples);
      const n = db.sampleVolatile(this.sampled);
      for (let j = 0; j < n; j++) {
        const key = this.sampled[j]!;
        const score = policy === 'volatile-ttl'
          ? Number.MAX_SAFE_INTEGER - db.expires.get(key)!
          : scoreOf(access, policy, db.accessWord(key)!);
        this.insert(score, key, db.id);
      }
      return;
    }
    if (this.slots.length !== samples) this.slots = new Int32Array(samples);
    const n = db.dict.sampleSlots(this.slots);
    for (let j = 0; j < n; j++) {
      const i = this.slots[j]!;
      this.insert(scoreOf(access, policy, db.dict.accessAt(i)), db.dict.keyAt(i), db.id);
    }
  }

  /** Puts a candidate in its place by score, unless the pool is full of better ones. */
  private insert(score: number, key: string, dbId: number): void {
    let k = 0;
    while (k < this.size && this.scores[k]! < score) k++;
    if (k < this.size && this.keys[k] === key && this.dbIds[k] === dbId) return;
    if (this.size === POOL_SIZE) {
      if (k === 0) return;
      // Full: the worst candidate (first) makes room, the ones below k move down.
      k--;
      this.shift(0, k, -1);
    } else {
      this.shift(k, this.size, 1);
      this.size++;
    }
    this.scores[k] = score;
    this.keys[k] = key;
    this.dbIds[k] = dbId;
  }

  /** Moves entries [from, to) by one place (dir 1: up, making room at from; -1: down onto from). */
  private shift(from: number, to: number, dir: 1 | -1): void {
    if (dir === 1) {
      for (let j = to; j > from; j--) this.copy(j - 1, j);
    } else {
      for (let j = from; j < to; j++) this.copy(j + 1, j);
    }
  }

  private copy(src: number, dst: number): void {
    this.scores[dst] = this.scores[src]!;
    this.keys[dst] = this.keys[src];
    this.dbIds[dst] = this.dbIds[src]!;
  }

  /** allkeys-random / volatile-random: a key of the next db that has one, dbs taken in turn. */
  private randomKey(allkeys: boolean): [Db, string] | null {
    const dbs = this.ks.dbs;
    for (let t = 0; t < dbs.length; t++) {
      const db = dbs[this.nextDb]!;
      this.nextDb = (this.nextDb + 1) % dbs.length;
      if (allkeys) {
        if (db.size > 0) return [db, db.dict.keyAt(db.dict.randomSlot())];
      } else {
        if (this.sampled.length === 0) this.sampled = new Array<string>(1);
        if (db.expires.size > 0 && db.sampleVolatile(this.sampled) > 0) return [db, this.sampled[0]!];
      }
    }
    return null;
  }
}

/** A key's eviction score from its access word: idle ms under LRU, 255 - frequency under LFU. */
function scoreOf(access: AccessClock, policy: MaxmemoryPolicy, word: number): number {
  return policy.endsWith('lfu') ? 255 - access.frequency(word) : access.idleMs(word);
}
