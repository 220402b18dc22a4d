// The versioned point-in-time snapshot (DESIGN.md, "Snapshots without fork"): the RDB of
// the dataset as it was at one epoch, produced in slices while the server keeps serving.
//
// A snapshot at epoch E captures every db's dict and expires maps when it begins (FLUSHDB
// and SWAPDB replace a db's maps, so the captured ones are the dataset at E wherever they
// end up) and walks their slots. A key whose epoch is below E is serialized and stamped E;
// keys at E or above were written after the snapshot began, or are already out. A write
// to an old key calls preserve() first, which serializes the old value and expiry at once.
// So each key of the dataset at E goes out exactly once, even when a resize of the table
// makes the walk meet keys again (see dict.ts).
//
// One walker, two drivers: RdbSnapshotStream pulls slices between event-loop turns (BGSAVE
// to a file now, full sync to replica sockets later); writeSnapshotSync runs it to the end
// at once (SAVE, shutdown), when no write can interleave.
import { Readable } from 'node:stream';
import { RdbEncoder } from '../io/rdb-encoder.js';
import { nextSlice } from '../io/turn-end.js';
import type { Db } from './db.js';
import type { Keyspace, SnapshotObserver } from './keyspace.js';
import { SlotWalk, type Dict } from './dict.js';
import type { Value } from './values.js';
import { markMutable } from '../mutable-fields.js';

export interface SnapshotOptions {
  /** rdbcompression: LZF for long strings. */
  compression: boolean;
  /** AUX fields after the header, in order (rdbSaveInfoAuxFields). */
  aux: Array<[string, string]>;
  /** The function libraries' code, written after the AUX fields (rdbSaveFunctions). */
  functions?: string[];
  /** False for a payload of a replica's rdb-filter-only: the dbs are left out. */
  keys?: boolean;
}

/** One db's maps as they were when the snapshot began. */
interface CapturedDb {
  readonly id: number;
  readonly dict: Dict<Value>;
  readonly expires: Map<string, number>;
  /** RESIZEDB went out with this db's first SELECTDB; later ones carry no hint. */
  sized: boolean;
}

/**
 * Bytes and time one slice of a streamed snapshot may take before it yields. A command that
 * arrives during a save waits for the slice running then: at 0.5 ms a PING's median during
 * a 1M-key BGSAVE was 0.37 ms, at 0.2 ms it is 0.21 ms with saves as long; at 0.1 ms the
 * saves took a fifth longer.
 */
const SLICE_BYTES = 128 * 1024;
const SLICE_MS = 0.2;
/** Chunks a streamed snapshot serializes ahead of its reader, unless told otherwise. */
const CHUNKS_AHEAD = 2;
/** How often a save held by rdb-key-save-delay looks at the delay again. */
const DELAY_POLL_MS = 10;
/**
 * The synchronous driver writes in chunks of about this size. A chunk is looked for between
 * keys only, so a large key overruns its buffer, which grows to twice what it holds (copied):
 * at 4 MB the buffers grew to 8 MB, fresh memory in every SAVE, 8-15k page faults (~10 µs
 * each on a VM) in a 200k-key mixed one.
 */
const SYNC_CHUNK = 256 * 1024;
/** At most this many entries are walked between two looks at the clock (~70 ns each). */
const CLOCK_EVERY = 8;
/** A slice that ends this much past its deadline makes the next ones look at every entry. */
const LATE_MS = 0.25;

/** The walk over one snapshot's captured dbs, and the RDB encoder it feeds. */
export class RdbSnapshot implements SnapshotObserver {
  /** Keys the dataset had when the snapshot began, and keys serialized so far (INFO). */
  readonly keysTotal: number;
  keysProcessed = 0;
  /** Told after preserve() added bytes, so that a streaming driver passes them on at once. */
  onPreserved: (() => void) | null = null;
  private readonly encoder: RdbEncoder;
  private readonly dbs: CapturedDb[] = [];
  /** A db's current dict -> the captured db it is: finds an entry's db after SWAPDB. */
  private readonly byDict = new Map<Dict<Value>, CapturedDb>();
  private dbIndex = 0;
  /** The walk over the slots of the db at dbIndex. */
  private readonly walk = new SlotWalk();
  private selected: CapturedDb | null = null;
  private done = false;
  /**
   * Entries walked between two looks at the clock: 1 at first, because the first slices run
   * the encoder before V8 has optimized it, when a few entries can take a millisecond; it
   * doubles up to CLOCK_EVERY while slices end on time.
   */
  private clockEvery = 1;

  /**
   * A snapshot registered with the keyspace at a new epoch, that writes must consult until
   * it ends. Throws if another is in progress.
   */
  static begin(keyspace: Keyspace, opts: SnapshotOptions): RdbSnapshot {
    return keyspace.beginSnapshot((epoch) => new RdbSnapshot(keyspace, epoch, opts)) as RdbSnapshot;
  }

  /**
   * A snapshot of the dataset as it is now, for a driver that runs it to the end before any
   * write can happen: it takes every entry and stamps none, so it can run while a
   * registered snapshot is in progress without disturbing it.
   */
  static now(keyspace: Keyspace, opts: SnapshotOptions): RdbSnapshot {
    return new RdbSnapshot(keyspace, Infinity, opts);
  }

  private constructor(private readonly keyspace: Keyspace, readonly epoch: number, opts: SnapshotOptions) {
    this.encoder = new RdbEncoder({ compression: opts.compression });
    this.encoder.header(opts.aux);
    for (const code of opts.functions ?? []) this.encoder.functionLibrary(code);
    let total = 0;
    for (const db of opts.keys === false ? [] : keyspace.dbs) {
      if (db.size === 0) continue;
      const captured: CapturedDb = { id: db.id, dict: db.dict, expires: db.expires, sized: false };
      markMutable(captured, 'sized');
      this.dbs.push(captured);
      this.byDict.set(db.dict, captured);
      total += db.size;
    }
    this.keysTotal = total;
    markMutable(this, 'keysProcessed', 'onPreserved', 'dbIndex', 'selected', 'done', 'clockEvery');
  }

  /**
   * Serializes entries until at least maxBytes are buffered, the encoder's buffer is nearly
   * full or performance.now() passes until; after the last db, writes the trailer and ends
   * the snapshot. True once done.
   */
  fill(maxBytes: number, until: number): boolean {
    let n = 0;
    const every = this.clockEvery;
    while (!this.done && !this.chunkReady(maxBytes)) {
      if (++n % every === 0 && performance.now() >= until) break;
      this.step();
    }
    if (until !== Infinity) {
      this.clockEvery = performance.now() - until > LATE_MS ? 1 : Math.min(every * 2, CLOCK_EVERY);
    }
    return this.done;
  }

  /** Whether the bytes serialized since the last take make a chunk: maxBytes of them, or a nearly full buffer. */
  chunkReady(maxBytes: number): boolean {
    return this.encoder.buffered >= maxBytes || this.encoder.nearlyFull;
  }

  /** The bytes serialized since the last take, or null. */
  take(): Buffer | null {
    return this.encoder.take();
  }

  /** A taken chunk is written and never read again: the encoder may write into its memory. */
  recycle(chunk: Buffer): void {
    this.encoder.recycle(chunk);
  }

  /** Before an old key changes: serialize it as it still is, in the db it was in at the epoch. */
  preserve(db: Db, key: string, value: Value): void {
    const captured = this.byDict.get(db.dict);
    // A dict the snapshot did not capture holds nothing of the dataset at its epoch
    // (only an RDB load can fill one with old-epoch entries).
    if (captured === undefined) return;
    this.save(captured, key, value);
    this.onPreserved?.();
  }

  /** Stops the snapshot where it is (finished or not): writes no longer consult it. */
  close(): void {
    this.keyspace.endSnapshot(this);
  }

  /** One key of the walk, or the move to the next db, or the end. */
  private step(): void {
    const db = this.dbs[this.dbIndex];
    if (db === undefined) {
      this.encoder.end();
      this.done = true;
      this.close();
      return;
    }
    const dict = db.dict;
    const i = this.walk.next(dict);
    if (i < 0) {
      this.dbIndex++;
      return;
    }
    if (dict.epochAt(i) < this.epoch) {
      this.save(db, dict.keyAt(i), dict.valueAt(i));
      if (this.epoch !== Infinity) dict.setEpochAt(i, this.epoch);
    }
  }

  /** rdbSaveKeyValuePair, after a SELECTDB when the last key went to another db. */
  private save(db: CapturedDb, key: string, value: Value): void {
    if (this.selected !== db) {
      this.encoder.selectDb(db.id, db.sized ? 0 : db.dict.size, db.sized ? 0 : db.expires.size);
      db.sized = true;
      this.selected = db;
    }
    // No lookup in an empty table: it would hash every key of a dataset without TTLs.
    this.encoder.entry(key, value, db.expires.size === 0 ? undefined : db.expires.get(key));
    this.keysProcessed++;
  }
}

/**
 * A registered snapshot as a byte stream, whatever it feeds (a file, replica sockets). Each
 * _read serializes one slice on a later event-loop turn; bytes preserve() produces are
 * pushed at once, past highWaterMark if need be (bounded by the writes made meanwhile).
 * Destroying the stream ends the snapshot.
 */
export class RdbSnapshotStream extends Readable {
  readonly snapshot: RdbSnapshot;
  private scheduled = false;
  /** performance.now() of the last key written under rdb-key-save-delay. */
  private lastKeyAt = 0;

  /**
   * keyDelayMs: rdb-key-save-delay as it is now (read per key, so CONFIG SET takes effect
   * mid-save); chunksAhead: how many chunks the slices may serialize before the reader takes them.
   */
  constructor(keyspace: Keyspace, opts: SnapshotOptions, private readonly keyDelayMs: () => number = () => 0, chunksAhead = CHUNKS_AHEAD) {
    // One chunk per read: a byte stream's read() joins what waits into a copy, which the encoder could not take back.
    super({ objectMode: true, highWaterMark: chunksAhead });
    this.snapshot = RdbSnapshot.begin(keyspace, opts);
    this.snapshot.onPreserved = () => this.pushTaken();
  }

  override _read(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    nextSlice(this.slice);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.snapshot.close();
    cb(err);
  }

  private readonly slice = (): void => {
    this.scheduled = false;
    if (this.destroyed) return;
    // rdb-key-save-delay: one key per delay; the wait is polled so that lowering the delay ends it.
    const delay = this.keyDelayMs();
    if (delay > 0) {
      const wait = this.lastKeyAt + delay - performance.now();
      if (wait > 0) {
        this.scheduled = true;
        setTimeout(this.slice, Math.min(wait, DELAY_POLL_MS));
        return;
      }
      this.lastKeyAt = performance.now();
    }
    // Under rdb-key-save-delay a chunk is each key.
    const chunkBytes = delay > 0 ? 1 : SLICE_BYTES;
    let done: boolean;
    try {
      done = this.snapshot.fill(chunkBytes, performance.now() + SLICE_MS);
    } catch (e) {
      this.destroy(e as Error);
      return;
    }
    // A chunk goes on once it is whole, not after each slice: slices end on time, and a chunk
    // per slice made two to three times the writes to the file or the replicas, ~30 ms more
    // CPU in a 200k-key mixed save at 0.2 ms slices.
    const pushed = (done || this.snapshot.chunkReady(chunkBytes)) && this.pushTaken();
    if (done) this.push(null);
    // Nothing pushed this turn (a chunk still filling, or only new entries walked): no _read will follow.
    else if (!pushed) this._read();
  };

  private pushTaken(): boolean {
    const b = this.snapshot.take();
    if (b === null) return false;
    this.push(b);
    return true;
  }
}

/** Runs a snapshot to its end without yielding, handing write() chunks of a few MB it must be done with when it returns. */
export function writeSnapshotSync(snapshot: RdbSnapshot, write: (b: Buffer) => void): void {
  try {
    for (;;) {
      const done = snapshot.fill(SYNC_CHUNK, Infinity);
      const b = snapshot.take();
      if (b !== null) {
        write(b);
        snapshot.recycle(b);
      }
      if (done) return;
    }
  } finally {
    snapshot.close();
  }
}
