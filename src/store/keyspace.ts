// The whole dataset: the numbered databases, the write epoch, the dirty counter, and the
// snapshot in progress that every write must consult before it changes an old entry.
import { AccessClock } from './access.js';
import { Db } from './db.js';
import { ReplicaExpires } from './replica-expires.js';
import type { Value } from './values.js';
import { markMutable } from '../mutable-fields.js';

/** A point-in-time snapshot being taken: sees each old entry before its first change. */
export interface SnapshotObserver {
  /** Entries whose epoch is below this existed when the snapshot began. */
  readonly epoch: number;
  /**
   * Called before an old key (still holding this value and its old expiry) changes or goes;
   * the db then stamps the key with the snapshot's epoch.
   */
  preserve(db: Db, key: string, value: Value): void;
}

export class Keyspace {
  readonly dbs: Db[];
  /** The epoch new writes are stamped with. */
  epoch = 1;
  snapshot: SnapshotObserver | null = null;
  /** Changes since the last save (server.dirty). */
  dirty = 0;
  /** Datasets dropped whole (FLUSHALL, FLUSHDB, a load replacing a db): their garbage is big. */
  flushes = 0;
  readonly stats = { expiredKeys: 0, evictedKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 };
  /** The clocks keys' access words are stamped from, and whether they are LRU or LFU words. */
  readonly access = new AccessClock();
  /** Keys signalled ready for blocked clients, in order (server.ready_keys). */
  readyKeys: Array<{ db: Db; key: string }> = [];
  /** Told of each key deleted because it expired (lazily or actively): it propagates as DEL. */
  onExpired: ((db: Db, key: string) => void) | null = null;
  /** Told of each key eviction deleted: it propagates as DEL (UNLINK under lazyfree-lazy-eviction). */
  onEvicted: ((db: Db, key: string) => void) | null = null;
  /**
   * How expired keys are treated: deleted (a master), hidden but kept (a replica serving its
   * clients: its master sends the DEL), or seen as live (a replica applying its master's
   * stream, which must find the keys the master still has).
   */
  expireMode: 'delete' | 'hide' | 'keep' = 'delete';
  /**
   * While clients are paused, until this unix ms (0: not paused): expired keys are hidden but
   * not deleted, so the dataset and the replication stream stay still (pause.ts).
   */
  pausedUntil = 0;
  /** Told of each key created (dbAdd's "new" event) and each read that missed ("keymiss"), when those events are on. */
  onNew: ((db: Db, key: string) => void) | null = null;
  onMiss: ((db: Db, key: string) => void) | null = null;
  /** Whether the running command's lookups are reads, whose misses onMiss hears (set by call()). */
  readLookups = false;
  /** A command runs (call()'s fixed_time_expire): expiry goes by one time for all of it. */
  inCall = false;
  /** That time, read at the command's first expiry check (0: not yet). */
  private callTime = 0;
  /** When the running script started (scriptTimeSnapshot): keys expire by it all through the script; 0 while none runs. */
  scriptTime = 0;
  /** True while the server itself deletes a key (expiry, eviction): signalModifiedKey(NULL, ...), no client's doing. */
  behindCommands = false;
  /** Told of every key a write touched (signalModifiedKey's trackingInvalidateKey); set once tracking is used. */
  onModified: ((key: string) => void) | null = null;
  /** DEBUG SET-ACTIVE-EXPIRE: off leaves expired keys to lazy expiry alone. */
  activeExpireEnabled = true;
  /** The db the next active expire cycle starts in. */
  private expireDb = 0;
  /** The keys a writable replica's own clients gave an expiry, which it expires itself. */
  readonly replicaExpires = new ReplicaExpires();

  constructor(databases = 16) {
    this.dbs = Array.from({ length: databases }, (_, i) => new Db(i, this));
    markMutable(this, 'epoch', 'snapshot', 'flushes', 'behindCommands', 'inCall', 'callTime', 'scriptTime', 'expireDb');
  }

  // keyIsExpired's now
  /**
   * The time keys expire by: inside a command one time for all of it, so that a key a command
   * (or a transaction's) opens twice cannot expire between the two; in a script its start, even
   * across the turns a busy script gives the event loop; else now.
   */
  now(): number {
    if (this.scriptTime !== 0) return this.scriptTime;
    if (!this.inCall) return Date.now();
    if (this.callTime === 0) this.callTime = Date.now();
    return this.callTime;
  }

  /** call(): the outermost command starts (on) or ends. */
  enterCall(on: boolean): void {
    this.inCall = on;
    this.callTime = 0;
  }

  /** Starts a snapshot: returns its epoch, above every existing entry's. */
  beginSnapshot(make: (epoch: number) => SnapshotObserver): SnapshotObserver {
    if (this.snapshot !== null) throw new Error('a snapshot is already in progress');
    this.epoch++;
    this.snapshot = make(this.epoch);
    return this.snapshot;
  }

  endSnapshot(s: SnapshotObserver): void {
    if (this.snapshot === s) this.snapshot = null;
  }

  flushAll(): number {
    let n = 0;
    for (const db of this.dbs) n += db.flush();
    this.replicaExpires.clear();
    return n;
  }

  /** SWAPDB: the two dbs exchange contents; watchers of both are told. */
  swap(a: number, b: number): void {
    if (a === b) return;
    const da = this.dbs[a]!;
    const db = this.dbs[b]!;
    const dict = da.dict;
    const expires = da.expires;
    const [encA, encB] = [da.stringEncodings, db.stringEncodings];
    da.replaceContents(db.dict, db.expires, true);
    db.replaceContents(dict, expires, true);
    da.stringEncodings = encB;
    db.stringEncodings = encA;
    this.replicaExpires.clear();
  }

  /**
   * databasesCron's incrementallyRehash (activerehashing): moves keys of a resize in
   * progress for about ms milliseconds, in the first db whose table has one, so that a
   * table no command writes to still finishes its resize and drops its old half.
   */
  rehashSome(ms: number): void {
    for (const db of this.dbs) {
      if (db.dict.rehashing) {
        db.dict.rehashMs(ms);
        return;
      }
    }
  }

  // activeExpireCycle (the slow cycle of databasesCron)
  /**
   * On a master: deletes due keys db after db, from the db the last cycle stopped in, for at
   * most a share of the cron's period (periodMs), as long as enough of the keys it looks at
   * are due; effort is active-expire-effort, 1 to 10. On a replica, its own clients' keys alone
   * (its master expires the rest).
   */
  activeExpire(periodMs: number, effort: number): void {
    const now = Date.now();
    if (!this.activeExpireEnabled) return;
    if (this.expireMode === 'hide') return this.replicaExpires.expireSome(this.dbs, now);
    if (this.expireMode !== 'delete' || now <= this.pausedUntil) return;
    // ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP, _ACCEPTABLE_STALE and _SLOW_TIME_PERC (a quarter of
    // the period), raised and lowered by the effort.
    const keysPerLoop = 20 + 5 * (effort - 1);
    const staleShare = (10 - (effort - 1)) / 100;
    const deadline = performance.now() + periodMs * (25 + 2 * (effort - 1)) / 100;
    for (let i = 0; i < this.dbs.length; i++) {
      const db = this.dbs[this.expireDb]!;
      this.expireDb = (this.expireDb + 1) % this.dbs.length;
      if (db.expires.size > 0 && db.expireCycle(now, deadline, keysPerLoop, staleShare)) return;
    }
  }
}
