// RDB persistence (rdb.c's server side): load at start, SAVE, BGSAVE through the versioned
// snapshot, save points from serverCron, the save at shutdown, and the INFO persistence
// numbers. A background save is the snapshot stream piped to a temp file that replaces
// dir/dbfilename only once it is complete and on disk.
import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../io/atomic-file.js';
import { RdbStream, decodeRdbFile, decodeRdbFileInTurns, type DecodeOptions, type DecodedRdb } from '../io/rdb-decoder.js';
import { RdbSnapshot, RdbSnapshotStream, writeSnapshotSync, type SnapshotOptions } from '../store/snapshot.js';
import { strerror } from '../io/strerror.js';
import { settleHeap } from '../store/settle-heap.js';
import { REDIS_VERSION } from '../version.js';
import type { Server } from './server.js';
import type { PayloadFilter } from './replica-client.js';
import type { LoadMode } from '../scripting/functions.js';
import { markMutable } from '../mutable-fields.js';

/** A replica's load gives the event loop back this often (ms). */
export const LOAD_SLICE_MS = 10;

/** CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, save points wait this long (s). */
const BGSAVE_RETRY_DELAY = 5;

const unixTime = (): number => Math.floor(Date.now() / 1000);

/**
 * Chunks a BGSAVE serializes ahead of its file writes. With two, a write that waited on a busy
 * disk for more than two slices (~1 ms) stopped the slices until it was over: 70 ms of a
 * 200k-key save's main thread idle (bench/sync-timeline.ts), on a full sync's critical path.
 */
const FILE_CHUNKS_AHEAD = 8;

/** A background save in progress. */
interface Bgsave {
  readonly stream: RdbSnapshotStream;
  readonly tmp: string;
  /** rdb_save_time_start, unix s. */
  readonly startedAt: number;
  /** dirty_before_bgsave: the changes this save covers. */
  readonly dirtyBefore: number;
  aborted: boolean;
  /** Told when the file is in place (null) or the save failed or was aborted. */
  onDone: ((err: Error | null) => void) | undefined;
}

/** The "save" directive: pairs of <seconds> <changes>. */
function savePoints(save: string): Array<[number, number]> {
  const n = save.split(' ').filter(Boolean).map(Number);
  const points: Array<[number, number]> = [];
  for (let i = 0; i + 1 < n.length; i += 2) points.push([n[i]!, n[i + 1]!]);
  return points;
}

/** What a background save that FLUSHALL, DEBUG RELOAD or a shutdown stopped ends with (killRDBChild). */
export class SaveAborted extends Error {}

export class Persistence {
  /** rdb_last_save_time: unix s of the last successful save. */
  lastSave = unixTime();
  lastBgsaveStatus: 'ok' | 'err' = 'ok';
  /** rdb_last_bgsave_time_sec: -1 until a background save ends. */
  lastBgsaveTimeSec = -1;
  /** rdb_saves: SAVE and BGSAVE runs. */
  rdbSaves = 0;
  /** total_forks: background snapshots taken (BGSAVE, and full syncs' to disk or sockets). */
  backgroundSnapshots = 0;
  /** loading: 1 while a dataset is being loaded; what INFO's loading_* fields report of it. */
  loading: 0 | 1 = 0;
  /**
   * async_loading: the load is a replica's diskless swapdb load of its own history (a full
   * sync where a partial one was refused): clients keep the old dataset meanwhile, and only
   * the commands flagged no_async_loading get -LOADING.
   */
  asyncLoading = false;
  loadingStartedAt = 0;
  loadingTotalBytes = 0;
  loadingLoadedBytes = 0;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  /**
   * repl-stream-db of the RDB loaded at start-up, when it gave a replica back its replid and
   * offset: the db its stream continues in. Null when no such history was loaded.
   */
  loadedStreamDb: number | null = null;
  private bg: Bgsave | null = null;
  /** lastbgsave_try: unix s of the last BGSAVE start. */
  private lastBgsaveTry = 0;
  /** Numbers the background saves' temp files (an aborted one may linger a moment). */
  private bgsaveSeq = 0;

  constructor(readonly server: Server) {
    markMutable(this, 'lastBgsaveStatus');
  }

  /** rdb_changes_since_last_save (server.dirty). */
  get rdbChangesSinceLastSave(): number {
    return this.server.keyspace.dirty;
  }

  /**
   * rdb_bgsave_in_progress: a BGSAVE from its start until its file is in place, or any
   * other snapshot (a full sync's).
   */
  get bgsaveInProgress(): boolean {
    return this.bg !== null || this.server.keyspace.snapshot !== null;
  }

  /** rdb_current_bgsave_time_sec: -1 when no BGSAVE runs. */
  get currentBgsaveTimeSec(): number {
    return this.bg === null ? -1 : unixTime() - this.bg.startedAt;
  }

  /** current_save_keys_processed. */
  get currentSaveKeysProcessed(): number {
    return this.bg === null ? 0 : this.bg.stream.snapshot.keysProcessed;
  }

  /** current_save_keys_total. */
  get currentSaveKeysTotal(): number {
    return this.bg === null ? 0 : this.bg.stream.snapshot.keysTotal;
  }

  /**
   * writeCommandsDeniedByDiskError: the last background save failed while save points are
   * configured and stop-writes-on-bgsave-error is on; write commands (and PING) get MISCONF.
   */
  get writesDeniedByDiskError(): boolean {
    const config = this.server.config;
    return this.lastBgsaveStatus === 'err' && config.getBool('stop-writes-on-bgsave-error') && config.get('save') !== '';
  }

  /** dir/dbfilename. */
  get path(): string {
    return join(this.server.config.get('dir')!, this.server.config.get('dbfilename')!);
  }

  /**
   * rdb-key-save-delay (debugDelay in rdbSaveKeyValuePair): microseconds to wait after each key
   * of a background snapshot, the knob Redis's own tests use to keep a save running; a negative
   * value (a sleep of 1 µs now and then) is no delay here.
   */
  readonly keySaveDelayMs = (): number => Math.max(0, this.server.config.getInt('rdb-key-save-delay')) / 1000;

  /** rdbSaveInfoAuxFields and rdbcompression: what every snapshot of this server writes; payload: what else (a replica's rdb-filter-only). */
  snapshotOptions(payload: PayloadFilter = 'all'): SnapshotOptions {
    const streamDb = this.savedStreamDb();
    const repl = this.server.replication;
    return {
      compression: this.server.config.getBool('rdbcompression'),
      aux: [
        ['redis-ver', REDIS_VERSION],
        ['redis-bits', '64'],
        ['ctime', String(unixTime())],
        // zmalloc_used_memory(): INFO's used_memory.
        ['used-mem', String(this.server.memory.usedMemory())],
        ...(streamDb === null ? [] : [
          ['repl-stream-db', String(streamDb)], ['repl-id', repl.replid], ['repl-offset', String(repl.masterReplOffset)],
        ] as Array<[string, string]>),
        ['aof-base', '0'],
      ],
      functions: payload === 'none' ? [] : [...this.server.scripting.functions.libraries.values()].map((l) => l.code),
      keys: payload === 'all',
    };
  }

  /**
   * rdbSave: the dataset as it is now to dir/dbfilename through temp-<pid>.rdb, without
   * yielding. Works while a snapshot is in progress (SAVE refuses that case itself).
   * False, logged, on failure.
   */
  save(): boolean {
    const snapshot = RdbSnapshot.now(this.server.keyspace, this.snapshotOptions());
    const tmp = join(this.server.config.get('dir')!, `temp-${process.pid}.rdb`);
    try {
      writeFileAtomicSync(this.path, tmp, (write) => writeSnapshotSync(snapshot, write));
    } catch (e) {
      this.logSaveError(tmp, e as Error);
      return false;
    }
    this.server.log.notice('DB saved on disk');
    this.server.keyspace.dirty = 0;
    this.lastSave = unixTime();
    this.lastBgsaveStatus = 'ok';
    return true;
  }

  /**
   * rdbSaveBackground's IO: starts streaming a snapshot to dir/dbfilename (the snapshot
   * machine decides when, see actors/snapshotter.ts). False when a snapshot is already in
   * progress. onWritten hears the temp file's path once it holds the whole snapshot, before
   * it is synced and renamed (a full sync sends it from then: Redis's replicas wait for its
   * fsync too, 8-60 ms on a slow disk, for nothing they need); onDone how the save ended.
   */
  bgsave(onDone?: (err: Error | null) => void, onWritten?: (tmp: string) => void): boolean {
    if (this.bgsaveInProgress) return false;
    const ks = this.server.keyspace;
    const stream = new RdbSnapshotStream(ks, this.snapshotOptions(), this.keySaveDelayMs, FILE_CHUNKS_AHEAD);
    const tmp = join(this.server.config.get('dir')!, `temp-${process.pid}-${++this.bgsaveSeq}.rdb`);
    const bg: Bgsave = { stream, tmp, startedAt: unixTime(), dirtyBefore: ks.dirty, aborted: false, onDone };
    this.bg = bg;
    this.lastBgsaveTry = bg.startedAt;
    this.rdbSaves++;
    this.backgroundSnapshots++;
    this.server.log.notice('Background saving started');
    const whole = onWritten === undefined ? undefined : () => onWritten(tmp);
    writeFileAtomic(this.path, tmp, stream, (chunk) => stream.snapshot.recycle(chunk), whole).then(
      () => this.bgsaveDone(bg, null),
      (e: unknown) => this.bgsaveDone(bg, e as Error),
    );
    return true;
  }

  /** killRDBChild: stops the BGSAVE in progress, leaving dir/dbfilename as it was. */
  abortBgsave(): void {
    const bg = this.bg;
    if (bg === null) return;
    this.bg = null;
    bg.aborted = true;
    bg.stream.destroy();
    rmSync(bg.tmp, { force: true });
    bg.onDone?.(new SaveAborted('aborted'));
  }

  /** backgroundSaveDoneHandlerDisk. */
  private bgsaveDone(bg: Bgsave, err: Error | null): void {
    if (this.bg === bg) this.bg = null;
    bg.stream.destroy();
    this.lastBgsaveTimeSec = unixTime() - bg.startedAt;
    const log = this.server.log;
    if (bg.aborted) {
      log.warning('Background saving terminated by signal 10');
    } else if (err === null) {
      log.notice('DB saved on disk');
      log.notice('Background saving terminated with success');
      this.server.keyspace.dirty -= bg.dirtyBefore;
      this.lastSave = unixTime();
      this.lastBgsaveStatus = 'ok';
    } else {
      this.logSaveError(bg.tmp, err);
      log.warning('Background saving error');
      this.lastBgsaveStatus = 'err';
    }
    if (!bg.aborted) bg.onDone?.(err);
  }

  private logSaveError(tmp: string, e: Error): void {
    if ((e as NodeJS.ErrnoException).syscall === 'open') {
      this.server.log.warning(`Failed opening the temp RDB file ${basename(tmp)} (in server root dir ${dirname(tmp)}) for saving: ${strerror(e)}`);
    } else {
      this.server.log.warning(`Write error saving DB on disk: ${strerror(e)}`);
    }
  }

  /** Save points (serverCron): a BGSAVE once enough changes have waited long enough. */
  cron(): void {
    if (this.bgsaveInProgress) return;
    const now = unixTime();
    const dirty = this.server.keyspace.dirty;
    for (const [seconds, changes] of savePoints(this.server.config.get('save')!)) {
      if (dirty >= changes && now - this.lastSave > seconds &&
          (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveStatus === 'ok')) {
        this.server.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        this.server.replication.snapshotter.bgsave();
        return;
      }
    }
  }

  /**
   * loadDataFromDisk: dir/dbfilename if there is one, and the history it carries (repl-id,
   * repl-offset, repl-stream-db). A replica keeps expired keys for its master to delete, and
   * takes the history back as its own, to ask its master for a partial resync. A master drops
   * them, and keeps the history as its second one, with the DELs of the dropped keys after it
   * in a new backlog: its former replicas continue by partial resync. The file is decoded
   * between event-loop turns, clients answered -LOADING meanwhile, as rdbLoad answers them
   * (processEventsWhileBlocked). Rejects on a corrupt file.
   */
  async loadAtStart(): Promise<void> {
    const start = performance.now();
    const replica = this.server.config.get('replicaof') !== '';
    const expired: Array<[number, string]> = [];
    // rdbLoadRio's lines for the AUX fields come as they are read, at the file's start: a
    // SIGTERM after "Loading RDB produced by" finds the load running, as in redis-server.
    const onAux = (key: string, value: string): void => logAuxField(this.server, key, value);
    const opts = { ...this.decodeOptions(), onAux, ...(replica ? { now: -Infinity } : { onExpired: (db: number, key: string) => void expired.push([db, key]) }) };
    let aux: Map<string, string>;
    try {
      const chunk = this.server.config.getInt('loading-process-events-interval-bytes');
      const rdb = await decodeRdbFileInTurns(this.path, opts, LOAD_SLICE_MS, chunk, (size) => this.startLoading(size, false),
        (read) => (this.loadingLoadedBytes = read));
      this.apply(rdb, 'replace', false);
      aux = rdb.aux;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    } finally {
      this.stopLoading();
    }
    this.server.log.notice(`DB loaded from disk: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
    const id = aux.get('repl-id');
    const offset = Number(aux.get('repl-offset'));
    const db = Number(aux.get('repl-stream-db'));
    if (id === undefined || id.length !== 40 || !Number.isSafeInteger(offset) || offset < 0 || !Number.isInteger(db) || db < 0) return;
    const repl = this.server.replication;
    if (replica) {
      repl.replid = id;
      repl.masterReplOffset = offset;
      this.loadedStreamDb = db;
      return;
    }
    repl.replid2 = id;
    repl.secondReplOffset = offset + 1;
    repl.masterReplOffset = offset;
    repl.createBacklogIfNeeded();
    const del = this.server.config.getBool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL';
    for (const [dbId, key] of expired) repl.propagate(dbId, [del, key]);
    repl.noReplicasSince = Date.now();
  }

  /**
   * rdbPopulateSaveInfo: the db a snapshot records the stream as being in, when it records
   * the history at all: a master with a backlog (the db its stream last selected), a replica
   * with its master's client, live or cached; null for a server in no replication chain.
   */
  private savedStreamDb(): number | null {
    const server = this.server;
    if (!server.isReplica) return server.replication.backlog === null ? null : Math.max(0, server.replication.streamDb);
    return server.replicaLink?.masterDb() ?? null;
  }

  /**
   * DEBUG RELOAD: save (unless told not to), then load dir/dbfilename back (rdbLoad): all at
   * once after the whole file decoded, nothing changed when it is corrupt or truncated.
   */
  reload(save = true, mode: LoadMode = 'replace'): 'ok' | 'save-error' | 'load-error' {
    if (save) {
      this.abortBgsave();
      if (!this.save()) return 'save-error';
    }
    try {
      this.install(this.path, {}, mode);
    } catch (e) {
      this.server.log.warning(`Error loading the RDB dump: ${(e as Error).message}`);
      return 'load-error';
    }
    this.server.log.warning('DB reloaded by DEBUG RELOAD');
    return 'ok';
  }

  /** The save SHUTDOWN and SIGTERM do (prepareForShutdown). Returns false when it failed. */
  saveOnShutdown(): boolean {
    if (this.bg !== null) {
      this.server.log.warning('There is a child saving an .rdb. Killing it!');
      this.abortBgsave();
    }
    return this.save();
  }

  /**
   * A master's payload decoded as it arrives (rdbLoadRio over the socket for
   * repl-diskless-load, and alongside the temp file for a load from disk); size is the
   * announced one (0 for an EOF-marked payload). A diskless load is loading (clients get
   * -LOADING) from here until endReplicaStream or abandonReplicaStream, or async (the old
   * dataset served meanwhile); a load from disk only once the payload is in, as Redis serves
   * the old dataset while it writes the file.
   */
  startReplicaStream(size: number, diskless: boolean, async: boolean): RdbStream {
    if (diskless) this.startLoading(size, async);
    return new RdbStream(this.replicaDecodeOptions());
  }

  /** The next bytes of a streamed payload. Throws RdbError on a bad one. */
  feedReplicaStream(s: RdbStream, chunk: Buffer): void {
    s.feed(chunk);
    this.loadingLoadedBytes = s.bytesRead;
  }

  /**
   * Every byte (size in all) is in: the decode ends in slices, loading meanwhile; rejects on
   * a bad payload. Loading ends either way.
   */
  async endReplicaStream(s: RdbStream, size: number): Promise<DecodedRdb> {
    if (this.loading === 0) {
      this.startLoading(size, false);
      this.loadingLoadedBytes = s.bytesRead;
    }
    try {
      return await s.end(LOAD_SLICE_MS, (read) => (this.loadingLoadedBytes = read));
    } finally {
      this.stopLoading();
    }
  }

  /** A streamed load given up (the link lost, a bad payload): nothing of it stays. */
  abandonReplicaStream(): void {
    this.stopLoading();
  }

  private stopLoading(): void {
    this.loading = 0;
    this.asyncLoading = false;
  }

  private startLoading(size: number, async: boolean): void {
    this.loading = 1;
    this.asyncLoading = async;
    this.loadingStartedAt = unixTime();
    this.loadingTotalBytes = size;
    this.loadingLoadedBytes = 0;
  }

  /** A replica keeps keys whose expiry has passed: the master's DELs will come. */
  private replicaDecodeOptions(): DecodeOptions {
    return { ...this.decodeOptions(), now: -Infinity };
  }

  /** This server's db count, its log, the access word of a key created now, and whether checksums are checked. */
  private decodeOptions(): DecodeOptions {
    const log = this.server.log;
    const checksum = this.server.config.getBool('rdbchecksum') && !this.server.skipChecksumValidation;
    const keyDelayUs = this.server.config.getInt('key-load-delay');
    return { databases: this.server.keyspace.dbs.length, access: this.server.keyspace.access.fresh(), log: (level, msg) => log[level](msg), checksum, keyDelayUs };
  }

  /**
   * The decoded payload replaces every db and the function libraries; its repl-stream-db,
   * the db the stream goes on in. Throws, nothing changed, when a library fails to load.
   */
  installPayload(rdb: DecodedRdb): number {
    this.apply(rdb, 'replace');
    const db = Number(rdb.aux.get('repl-stream-db') ?? 0);
    return Number.isInteger(db) && db >= 0 ? db : 0;
  }

  /** rdbLoadRio: decode all of the file at path, then install. */
  private install(path: string, opts: DecodeOptions = {}, mode: LoadMode = 'replace'): Map<string, string> {
    this.loading = 1;
    try {
      const rdb = decodeRdbFile(path, { ...this.decodeOptions(), ...opts });
      this.apply(rdb, mode);
      return rdb.aux;
    } finally {
      this.loading = 0;
    }
  }

  /**
   * rdbLoadRio's tail: the function libraries first (their failure throws, the dataset
   * untouched), then every db's maps swapped in, or their keys added to the dataset (DEBUG
   * RELOAD NOFLUSH: a key already there is an error, as Redis's "RDB has duplicated key",
   * unless merging, MERGE, replaces it); the dirty count stays.
   */
  private apply(rdb: DecodedRdb, mode: LoadMode, logAux = true): void {
    const log = this.server.log;
    const ks = this.server.keyspace;
    if (logAux) for (const [key, value] of rdb.aux) logAuxField(this.server, key, value);
    if (mode === 'add') {
      for (let i = 0; i < ks.dbs.length; i++) {
        for (const key of rdb.dbs[i]!.dict.keys()) {
          if (ks.dbs[i]!.peek(key) !== undefined) throw new Error(`RDB has duplicated key '${key}' in DB ${i}`);
        }
      }
    }
    const failed = this.server.scripting.functions.loadAll(rdb.functions, mode);
    if (failed !== null) throw new Error(`Failed loading the functions in the RDB: ${failed}`);
    const dirty = ks.dirty;
    for (let i = 0; i < ks.dbs.length; i++) {
      const db = ks.dbs[i]!;
      const { dict, expires } = rdb.dbs[i]!;
      if (mode === 'replace') {
        db.replaceContents(dict, expires);
        continue;
      }
      for (const [key, value] of dict.entries()) {
        db.set(key, value);
        const when = expires.get(key);
        if (when !== undefined) db.setExpire(key, when);
      }
    }
    ks.dirty = dirty;
    // emptyData's signalFlushedDb: whatever tracking clients cached is gone.
    this.server.tracking.invalidateOnFlush();
    settleHeap();
    this.lastLoadKeysLoaded = rdb.keysLoaded;
    this.lastLoadKeysExpired = rdb.keysExpired;
    const done = `Done loading RDB, keys loaded: ${rdb.keysLoaded}, keys expired: ${rdb.keysExpired}`;
    if (rdb.emptyKeysSkipped > 0) log.warning(`${done}, empty keys skipped: ${rdb.emptyKeysSkipped}.`);
    else log.notice(`${done}.`);
  }
}

/** The line rdbLoadRio logs for an AUX field it knows (redis-ver, ctime, used-mem). */
function logAuxField(server: Server, key: string, value: string): void {
  if (key === 'redis-ver') server.log.notice(`Loading RDB produced by version ${value}`);
  else if (key === 'ctime') server.log.notice(`RDB age ${Math.max(0, unixTime() - Number(value))} seconds`);
  else if (key === 'used-mem') server.log.notice(`RDB memory usage when created ${(Number(value) / 1024 / 1024).toFixed(2)} Mb`);
}
