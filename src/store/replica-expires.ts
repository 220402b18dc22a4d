// rememberSlaveKeyWithExpire and expireSlaveKeys (expire.c): the keys a writable replica's own
// clients gave an expiry. A replica leaves expiring to its master, which never heard of these
// keys, so the replica expires them itself from its cron. Best effort, as in Redis: a flush of
// every db forgets them all, and a key of the same name that the master later gives an expiry
// is expired here too.
import type { Db } from './db.js';

/** A pass stops once it has met more tracked keys than this that are not due yet. */
const ALIVE_LIMIT = 3;
/** Keys looked at between two looks at the clock; a pass stops after 1 ms. */
const CLOCK_EVERY = 64;

export class ReplicaExpires {
  /** Key name -> the ids of the dbs where one of the replica's clients gave it an expiry. */
  private readonly keys = new Map<string, Set<number>>();
  /** Where the last pass stopped: passes go round the keys (Redis picks them at random). */
  private cursor: Iterator<[string, Set<number>]> | null = null;

  /** INFO's slave_expires_tracked_keys. */
  get size(): number {
    return this.keys.size;
  }

  // rememberSlaveKeyWithExpire
  remember(dbId: number, key: string): void {
    // Redis keeps the db ids as a 64-bit mask.
    if (dbId > 63) return;
    let ids = this.keys.get(key);
    if (ids === undefined) this.keys.set(key, (ids = new Set()));
    ids.add(dbId);
  }

  // flushSlaveKeysWithExpireList
  clear(): void {
    this.keys.clear();
    this.cursor = null;
  }

  // expireSlaveKeys
  /** Deletes tracked keys that are due; forgets a key once no db holds it with an expiry. */
  expireSome(dbs: readonly Db[], now: number): void {
    const start = Date.now();
    let cycles = 0;
    let alive = 0;
    while (this.keys.size > 0) {
      const [key, ids] = this.next();
      for (const id of ids) {
        const db = dbs[id];
        if (db === undefined || db.getExpire(key) === undefined || db.tryExpire(key, now)) ids.delete(id);
        else alive++;
      }
      if (ids.size === 0) this.keys.delete(key);
      cycles++;
      if (alive > ALIVE_LIMIT) break;
      if (cycles % CLOCK_EVERY === 0 && Date.now() - start > 1) break;
    }
  }

  private next(): [string, Set<number>] {
    let r = this.cursor?.next();
    if (r === undefined || r.done === true) {
      this.cursor = this.keys.entries();
      r = this.cursor.next();
    }
    return r.value as [string, Set<number>];
  }
}
