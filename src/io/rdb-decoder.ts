// Loads an RDB file (rdb.c: rdbLoadRio, rdbLoadObject) into plain maps of entries: every
// version from 1 to 11 and every encoding Redis 7.2 and older write, module values
// excepted (redstate has no modules). Corruption or truncation anywhere throws an
// RdbError naming the byte offset; nothing is returned half-loaded.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BodyBuilder } from '../store/packed.js';
import { appendIntsetEntry } from '../store/set.js';
import { Dict } from '../store/dict.js';
import { Consumer, Nack, StreamNode } from '../store/stream.js';
import { type Int64, narrowInt64 } from '../store/numbers.js';
import { streamIdBig, type StreamId } from '../store/stream-id.js';
import { Hash, List, SetValue, Stream, ZSet, type Value } from '../store/values.js';
import { encodingLimits } from '../store/limits.js';
import { PACKED_MAX_ENTRIES as LIST_PACKED_MAX_ENTRIES } from '../store/list.js';
import { appendZsetEntry, appendZsetEntryBytes, compareEntries } from '../store/zset.js';
import { Crc64 } from './crc64.js';
import { readIntset } from './intset.js';
import { latin1Slice } from './latin1.js';
import { readListpack } from './listpack.js';
import { LZF_MAX_EXPANSION, lzfDecompressInto } from './lzf.js';
import {
  type BlobItems, ElementCache, Latin1Cutter, ModuleOpcode, QuicklistContainer, RDB_FIRST_CHECKSUM_VERSION, RDB_MAX_VERSION, RdbAsciiDouble,
  RdbEncoding, RdbError, RdbLength, RdbOpcode, RdbType, itemText, type RdbReading, moduleTypeName, parseDoubleText,
} from './rdb-format.js';
import { readZiplist } from './ziplist.js';
import { readZipmap } from './zipmap.js';
import { debugDelay } from './sleep.js';
import { nextSlice } from './turn-end.js';

export interface DecodedDb {
  /** Every key at epoch 0, older than any snapshot, with the access word DecodeOptions.access. */
  dict: Dict<Value>;
  /** Absolute expiry times in unix milliseconds. */
  expires: Map<string, number>;
}

export interface DecodedRdb {
  version: number;
  aux: Map<string, string>;
  /** The function libraries' code (RDB_OPCODE_FUNCTION2), in file order. */
  functions: string[];
  dbs: DecodedDb[];
  /** What rdbLoad's "Done loading RDB" line reports. */
  keysLoaded: number;
  keysExpired: number;
  emptyKeysSkipped: number;
}

export type RdbLog = (level: 'notice' | 'warning', msg: string) => void;

export interface DecodeOptions {
  /** How many databases the server has (`databases`); a SELECTDB beyond is an error. Default 16. */
  databases?: number;
  /**
   * Keys whose expiry is before this (unix ms) are dropped, as a master does. Default:
   * Date.now(). A replica loading its master's payload passes -Infinity to keep them all.
   */
  now?: number;
  /**
   * The access word (robj.lru: an LRU clock or an LFU counter) every key is stored with, as
   * createObject stamps each object rdbLoad makes; default 0. Stamped as the key goes in,
   * where a pass over the table after the load took ~40 ms of its last pause at 1M keys.
   */
  access?: number;
  log?: RdbLog;
  /** False: the trailing CRC64 is not checked (rdbchecksum no, DEBUG SET-SKIP-CHECKSUM-VALIDATION 1). */
  checksum?: boolean;
  /** Told of each key dropped as expired (a restarted master propagates their DELs). */
  onExpired?: (dbId: number, key: string) => void;
  /** key-load-delay: microseconds the thread waits after each key (debugDelay's negative form too); default 0. */
  keyDelayUs?: number;
  /** Told of each AUX field as it is read (a start-up load logs the ones rdbLoadRio logs then). */
  onAux?: (key: string, value: string) => void;
}

const MAGIC = 'REDIS';
/**
 * The most keys a RESIZEDB sizes a table for: its size is not checked by the checksum until the
 * end, and an empty table is walked slot by slot (a bigger db grows as its keys come).
 */
const PRESIZE_MAX = 1 << 22;
/** rdbLoadRio logs only the first few empty keys it skips. */
const EMPTY_KEYS_LOGGED = 10;

/** Decodes a whole RDB file held in buf. */
export function decodeRdb(buf: Buffer, opts: DecodeOptions = {}): DecodedRdb {
  const steps = new RdbReader(buf, opts, false, new ElementCache()).readFile();
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/** A file is read this much at a time by decodeRdbFile. */
const FILE_CHUNK = 1024 * 1024;

/** The file's bytes in chunks, each a new buffer: a stream may hold a chunk until the next one comes. */
function* fileChunks(fd: number, size = FILE_CHUNK): Generator<Buffer> {
  for (;;) {
    const chunk = Buffer.allocUnsafe(size);
    const n = readSync(fd, chunk, 0, size, null);
    if (n === 0) return;
    yield n === size ? chunk : chunk.subarray(0, n);
  }
}

/**
 * Decodes the RDB file at path, read a chunk at a time through an RdbStream: only the record
 * being read is held, not the whole file (a dump of 1M keys is over 100 MB). Throws RdbError
 * on a bad file, and the open or read error.
 */
export function decodeRdbFile(path: string, opts: DecodeOptions = {}): DecodedRdb {
  const fd = openSync(path, 'r');
  try {
    const stream = new RdbStream(opts);
    for (const chunk of fileChunks(fd)) stream.feed(chunk);
    return stream.endNow();
  } finally {
    closeSync(fd);
  }
}

/**
 * decodeRdbFile in event-loop turns (rdbLoad's processEventsWhileBlocked): a chunk of
 * chunkBytes a turn, the rest in slices of sliceMs, progress told the bytes decoded; opened tells the file's
 * size before the first byte is read. Rejects as decodeRdbFile throws.
 */
export async function decodeRdbFileInTurns(path: string, opts: DecodeOptions, sliceMs: number, chunkBytes: number,
  opened: (size: number) => void, progress: (read: number) => void): Promise<DecodedRdb> {
  const fd = openSync(path, 'r');
  try {
    opened(fstatSync(fd).size);
    const stream = new RdbStream(opts);
    for (const chunk of fileChunks(fd, chunkBytes)) {
      stream.feed(chunk);
      progress(stream.bytesRead);
      await new Promise<void>((res) => nextSlice(res));
    }
    return await stream.end(sliceMs, progress);
  } finally {
    closeSync(fd);
  }
}

/** Records read between two looks at the clock by runInSlices. */
const RECORDS_PER_STEP = 256;
/**
 * A plain set with more members than this is read as a BigRead: a record that long may
 * span several reads of a stream.
 */
const SET_RESUMABLE_MIN = 128;

/**
 * A large plain collection (list, set, hash, sorted set) a stream brought only part of:
 * what was read of it. The next try reads on from its mark, not from the record's start:
 * a 1000-field hash cut by the end of a socket read was read again from its first field at
 * each try, and a replica fed 16 kB at a time read ~27% of a mixed payload's bytes twice.
 */
interface BigRead {
  readonly type: number;
  readonly key: string;
  /** The record's start as a payload offset (buf offsets move as a stream lets bytes go). */
  readonly at: number;
  /** Elements: members, entries, or field/value pairs. */
  readonly n: number;
  /** Elements read so far, and where the next begins in buf. */
  read: number;
  mark: number;
  /** A list's or set's members, a sorted set's members (scores beside them). */
  readonly strings: string[];
  readonly scores: number[];
  /** A sorted set's longest member so far. */
  longest: number;
  /** A hash's table. */
  readonly map: Dict<string> | null;
}

/** Runs a reader's steps to the end, giving the event loop back every sliceMs. */
async function runInSlices(reader: RdbReader, steps: Generator<Pause, DecodedRdb>, sliceMs: number, progress: (read: number) => void): Promise<DecodedRdb> {
  let sliceEnd = performance.now() + sliceMs;
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    if (performance.now() < sliceEnd) continue;
    progress(reader.bytesRead);
    await new Promise<void>((res) => nextSlice(res));
    sliceEnd = performance.now() + sliceMs;
  }
}

const EMPTY = Buffer.alloc(0);

/** What a streamed payload gathers before each decode try (RdbStream's runMin). */
export const RUN_MIN = 16 * 1024;

/**
 * An RDB decoded as it arrives (a replica's load of its master's payload, rdbLoadRio over
 * the socket; a file read in chunks): feed() the bytes in order, then end() once they are
 * all in. Only the record being read is held:
 * what precedes it is decoded and let go, so the bytes held stay bounded by the largest
 * record (twice it at most, see feed()), whatever the payload's size. A record cut by a
 * chunk's end is read again, from its start, once enough bytes are in.
 */
export class RdbStream {
  private readonly reader: RdbReader;
  private readonly steps: Generator<Pause, DecodedRdb>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes held that the next attempt needs before it is worth making. */
  private wanted = 0;
  private failed = false;
  /** The most payload bytes held at once. */
  peakHeld = 0;

  /**
   * runMin: the bytes held before a decode is tried (unless a record asks for more). Each try
   * joins the held bytes, restarts the reader and reads a cut record again: under CPU
   * contention socket reads bring a few kB each, and trying per read took about a tenth more
   * main-thread CPU than trying per RUN_MIN (bench/replica-decode.ts, DECODE_CHUNK=1024, 4096).
   */
  constructor(opts: DecodeOptions, private readonly runMin = RUN_MIN) {
    this.reader = new RdbReader(EMPTY, opts, true, new ElementCache());
    this.steps = this.reader.readFile();
  }

  /** Payload bytes decoded (records complete) so far. */
  get bytesRead(): number {
    return this.reader.bytesRead;
  }

  /**
   * The next bytes of the payload; decodes every record they complete. A record that
   * still lacks bytes is tried again once the held bytes reach what it asked for and twice
   * what the failed try had, so a record of many small parts spanning many chunks is read
   * O(log) times, not once per chunk. Throws RdbError on a bad payload.
   */
  feed(chunk: Buffer): void {
    if (chunk.length === 0 || this.failed) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const held = this.reader.unread + this.pendingBytes;
    if (held > this.peakHeld) this.peakHeld = held;
    if (held >= this.wanted) this.run();
  }

  /**
   * Every byte is in: the rest is decoded, the checksum checked and the dbs built, in
   * slices of sliceMs. Rejects with an RdbError on a bad or truncated payload.
   */
  async end(sliceMs: number, progress: (read: number) => void): Promise<DecodedRdb> {
    this.takeLast();
    return runInSlices(this.reader, this.steps, sliceMs, progress);
  }

  /** end() in one go, for a load that holds the server anyway (start-up, DEBUG RELOAD). Throws RdbError. */
  endNow(): DecodedRdb {
    this.takeLast();
    for (;;) {
      const r = this.steps.next();
      if (r.done === true) return r.value;
    }
  }

  /** The bytes held are the last: a record still short of bytes is truncated. */
  private takeLast(): void {
    if (this.failed) throw new Error('the payload already failed to decode');
    this.reader.rebase(this.pending, true);
    this.pending = [];
    this.pendingBytes = 0;
  }

  private run(): void {
    this.reader.rebase(this.pending, false);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      for (;;) {
        const r = this.steps.next();
        if (r.done === true) return;
        if (r.value === 'more') {
          this.wanted = Math.max(this.reader.wantedEnd - this.reader.position, 2 * this.reader.unread, this.runMin);
          return;
        }
      }
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }
}

/**
 * The libraries of a FUNCTION DUMP payload's body (version and CRC already checked): FUNCTION2
 * opcodes, each with its code, to the end. Throws RdbError on anything else.
 */
export function decodeFunctionPayload(buf: Buffer): string[] {
  return new RdbReader(buf, {}).readFunctions();
}

/**
 * The value of a DUMP payload's body (the payload without its version and CRC footer):
 * a type byte and the value, as rdbLoadObjectType and rdbLoadObject read them. Throws an
 * RdbError when it is not one (an empty collection included).
 */
export function decodeTypedValue(body: Buffer): Value {
  return new RdbReader(body, { now: -Infinity }).readTypedValue();
}

/** 1 when the entries are strictly ascending by (score, member), -1 when strictly descending, else 0. */
function entriesOrder(scores: readonly number[], members: readonly string[]): number {
  let up = true;
  let down = true;
  for (let i = 1; i < scores.length && (up || down); i++) {
    const c = compareEntries(scores[i - 1]!, members[i - 1]!, scores[i]!, members[i]!);
    if (c >= 0) up = false;
    if (c <= 0) down = false;
  }
  return up ? 1 : down ? -1 : 0;
}

/** Where a reader's steps pause: every few records ('step'), or for more bytes of a stream ('more'). */
type Pause = 'step' | 'more';

/** Thrown by need() while a stream awaits more bytes; the record is read again once they came. */
class NeedMore {}
const NEED_MORE = new NeedMore();

/** What readFile carries from record to record. */
interface LoadState {
  result: DecodedRdb;
  dbId: number;
  /** Set by EXPIRETIME(_MS) for the key that follows. */
  expireMs: number | undefined;
  /** Kept keys not in their table yet (see putKeys). */
  keys: string[];
  values: Value[];
  /** Where each one's record began, for the duplicate's error. */
  starts: number[];
  pending: number;
}

/**
 * Keys kept before they go into their table together (see putKeys): enough to overlap their
 * cache misses, few enough that their slots are still in cache when they are filled.
 */
const KEY_BATCH = 32;

/**
 * A reader of one encoded blob format: the elements of src.buf[start, end) into out, in order
 * (readListpack puts them into body instead when given one); their count.
 */
type BlobReader = (src: Latin1Cutter, start: number, end: number, out: BlobItems, body: BodyBuilder | null) => number;

/** The encoded blobs (and the stream and quicklist bodies) by the names of rdbLoadObject's "<kind> integrity check failed." lines. */
type BlobKind = 'Zipmap' | 'Hash ziplist' | 'Hash listpack' | 'List ziplist' | 'Ziplist' | 'Listpack' | 'Quicklist' | 'Intset'
  | 'Set listpack' | 'Zset ziplist' | 'Zset listpack' | 'Stream listpack';

/** rdbLoadObject's line for a bad blob, which operators grep for, with what was wrong with it. */
function integrityFailed(what: BlobKind, detail: string): string {
  return `${what} integrity check failed. (${detail})`;
}

class RdbReader {
  private pos = 0;
  /** Stream bytes let go before buf[0] (their CRC is in crc). */
  private base = 0;
  /** The CRC64 of the bytes let go. */
  private readonly crc = new Crc64();
  /** A stream whose bytes are not all in: need() then asks for more instead of failing. */
  private awaiting: boolean;
  /** After a NEED_MORE: the index in buf the record needed bytes up to. */
  wantedEnd = 0;
  /** Where a stream's unread bytes and the chunks after them are joined (see joined()). */
  private joinBuf: Buffer = EMPTY;
  /** Where the last LZF string was expanded (see lzf()). */
  private lzfOut = Buffer.allocUnsafe(64 * 1024);
  /** Strings out of the file, and out of lzfOut's last content. */
  private readonly text: Latin1Cutter;
  private readonly lzfText: Latin1Cutter;
  /** The last blob read: blobSrc.buf[blobStart, blobEnd), in the file or in lzfOut (see blob()). */
  private blobSrc: Latin1Cutter;
  private blobStart = 0;
  private blobEnd = 0;
  /** The elements of the last blob read, reused from blob to blob (see blobItems()). */
  private readonly items: BlobItems = [];
  /** Where smallZset located each entry: its member's bytes in buf, and its score. */
  private readonly spanStarts: number[] = [];
  private readonly spanLengths: number[] = [];
  private readonly spanScores: number[] = [];
  /** Where a small collection's body is built, in one pass, from the blob's items. */
  private readonly body = new BodyBuilder();
  /** The large collection being read, while a stream lacks bytes for the rest of it. */
  private big: BigRead | null = null;
  /** Reading a file: its load's state, and the key whose value is being read (for RdbError.reading). */
  private loadState: LoadState | null = null;
  private readingKey: string | null = null;
  private readingType = -1;
  private readonly databases: number;
  private readonly now: number;
  private readonly onExpired: DecodeOptions['onExpired'];
  private readonly onAux: DecodeOptions['onAux'];
  private readonly keyDelayUs: number;
  private readonly access: number;
  private readonly log: RdbLog;
  private readonly checksum: boolean;

  /** elements: where a load's collection elements are shared (see ElementCache); a DUMP payload's value goes without. */
  constructor(private buf: Buffer, opts: DecodeOptions, stream = false, elements: ElementCache | null = null) {
    this.awaiting = stream;
    this.text = new Latin1Cutter(buf, buf.length, elements);
    this.lzfText = new Latin1Cutter(this.lzfOut, 0, elements);
    this.blobSrc = this.lzfText;
    this.databases = opts.databases ?? 16;
    this.now = opts.now ?? Date.now();
    this.onExpired = opts.onExpired;
    this.onAux = opts.onAux;
    this.keyDelayUs = opts.keyDelayUs ?? 0;
    this.access = opts.access ?? 0;
    this.log = opts.log ?? (() => {});
    this.checksum = opts.checksum ?? true;
  }

  get bytesRead(): number {
    return this.base + this.pos;
  }

  /** Where in buf the next record starts (a stream's reader rests there between feeds). */
  get position(): number {
    return this.pos;
  }

  /** Bytes held and not read yet. */
  get unread(): number {
    return this.buf.length - this.pos;
  }

  /**
   * A stream's next bytes: what was read goes (into the running CRC), what was not is
   * joined to them, and reading resumes at its start; final: no byte will follow.
   */
  rebase(more: Buffer[], final: boolean): void {
    this.awaiting = !final;
    if (more.length === 0 && this.pos === 0) return;
    this.crc.update(this.buf, 0, this.pos);
    this.base += this.pos;
    const restLength = this.buf.length - this.pos;
    if (more.length === 0) this.buf = this.buf.subarray(this.pos);
    else if (restLength === 0 && more.length === 1) this.buf = more[0]!;
    else this.buf = this.joined(more, restLength);
    this.pos = 0;
    this.text.reset(this.buf, this.buf.length);
  }

  /**
   * The unread rest of buf and the chunks after it, in one buffer the reader keeps from feed
   * to feed (grown to the most held at once): a Buffer.concat per chunk allocated 64 kB of
   * fresh memory each time, and its copies cost a fresh replica ~9 ms of a 100k-key load.
   */
  private joined(more: Buffer[], restLength: number): Buffer {
    let size = restLength;
    for (const m of more) size += m.length;
    if (size > this.joinBuf.length) {
      // Memory of its own (not the pool's), so that sharing an ArrayBuffer means being a view of it.
      const next = Buffer.allocUnsafeSlow(size);
      this.buf.copy(next, 0, this.pos);
      this.joinBuf = next;
    } else if (this.buf.buffer === this.joinBuf.buffer) {
      // The rest is in joinBuf already: moved to its start (copyWithin allows the overlap).
      const from = this.buf.byteOffset + this.pos;
      this.joinBuf.copyWithin(0, from, from + restLength);
    } else {
      this.buf.copy(this.joinBuf, 0, this.pos);
    }
    let at = restLength;
    for (const m of more) at += m.copy(this.joinBuf, at);
    return this.joinBuf.subarray(0, size);
  }

  /**
   * Runs read() from the current position; while a stream lacks bytes for it, pauses for
   * more and runs it again from the same start.
   */
  private *whole<T>(read: () => T): Generator<Pause, T> {
    for (;;) {
      const at = this.pos;
      try {
        return read();
      } catch (e) {
        this.rewind(e, at);
        yield 'more';
      }
    }
  }

  /** After a throw: rethrows it unless a stream lacked bytes, else goes back to at to read again. */
  private rewind(e: unknown, at: number): void {
    if (e !== NEED_MORE) throw e;
    this.pos = at;
    // The record's small body was half built: the retry builds it anew.
    this.body.clear();
  }

  /**
   * rdbLoadRioWithLoadingCtx: header, the opcode/key loop, then the checksum. A generator
   * that pauses every RECORDS_PER_STEP records, so that a caller can yield between steps,
   * and, reading a stream, wherever a record lacks bytes (at the record's start).
   */
  *readFile(): Generator<Pause, DecodedRdb> {
    const version = yield* this.whole(() => this.readHeader());
    const result: DecodedRdb = {
      version, aux: new Map(), functions: [], dbs: [], keysLoaded: 0, keysExpired: 0, emptyKeysSkipped: 0,
    };
    for (let i = 0; i < this.databases; i++) result.dbs.push({ dict: new Dict(0, true), expires: new Map() });
    const st: LoadState = { result, dbId: 0, expireMs: undefined, keys: [], values: [], starts: [], pending: 0 };
    this.loadState = st;
    for (let records = 1; ; records++) {
      if (records % RECORDS_PER_STEP === 0) yield 'step';
      const at = this.pos;
      try {
        if (this.readRecord(st)) break;
      } catch (e) {
        this.rewind(e, this.big?.mark ?? at);
        yield 'more';
      }
    }
    yield* this.whole(() => this.readChecksum(version));
    while (this.awaiting) yield 'more';
    if (this.pos !== this.buf.length) this.fail(`has ${this.buf.length - this.pos} bytes after its end`, this.pos);
    return result;
  }

  /**
   * One opcode and what it carries; true at EOF. What it changes in st it changes once all
   * of it is read, so that a stream can read it again from its start.
   */
  private readRecord(st: LoadState): boolean {
    const big = this.big;
    if (big !== null) {
      this.keep(st, big.key, this.readBig(big), big.at - this.base);
      return false;
    }
    const at = this.pos;
    const type = this.byte();
    switch (type) {
      case RdbOpcode.EOF:
        this.putKeys(st);
        return true;
      case RdbOpcode.EXPIRETIME_MS:
        st.expireMs = this.int64LE();
        break;
      case RdbOpcode.EXPIRETIME:
        this.need(4);
        st.expireMs = this.buf.readInt32LE(this.pos) * 1000;
        this.pos += 4;
        break;
      case RdbOpcode.FREQ:
        this.byte();
        break;
      case RdbOpcode.IDLE:
        this.length();
        break;
      case RdbOpcode.SELECTDB: {
        const id = this.length();
        if (id >= this.databases) this.fail(`selects DB ${id}, but the server is configured with ${this.databases} databases`, at);
        this.putKeys(st);
        st.dbId = id;
        break;
      }
      case RdbOpcode.RESIZEDB: {
        // rdbLoadRio's dictExpand: the keys go in as they are read (see keep()), into a table
        // that holds them all without a resize (grown as they came, a 1M-key load took more
        // CPU than building the table after the last byte: 1780 against 1408 ms).
        const size = this.length();
        this.length();
        this.putKeys(st);
        const db = st.result.dbs[st.dbId]!;
        if (db.dict.size === 0) db.dict = new Dict(Math.min(size, PRESIZE_MAX), true);
        break;
      }
      case RdbOpcode.AUX: {
        const key = this.string();
        const value = this.string();
        if (key.startsWith('%')) this.log('notice', `RDB '${key}': ${value}`);
        st.result.aux.set(key, value);
        this.onAux?.(key, value);
        break;
      }
      case RdbOpcode.MODULE_AUX:
        this.skipModuleAux(at);
        break;
      case RdbOpcode.FUNCTION2:
        st.result.functions.push(this.string());
        break;
      case RdbOpcode.FUNCTION_PRE_GA:
        this.skipFunctionPreGa();
        this.log('notice', 'Skipping a function library (Redis 7.0 rc format) in the RDB: redstate does not load functions');
        break;
      default: {
        const key = this.string();
        this.readingKey = key;
        this.readingType = type;
        this.keep(st, key, this.value(type, at, key), at);
        this.readingKey = null;
      }
    }
    return false;
  }

  /**
   * A key's record is read (at: where it began in buf): its value is kept, skipped when empty,
   * or counted as expired. A kept key goes into its db's table with the next KEY_BATCH, not
   * all at the end: a table built from the keys gathered in file order took 80-380 ms after a
   * replica's last byte, on the critical path of its sync.
   */
  private keep(st: LoadState, key: string, value: Value | null, at: number): void {
    const result = st.result;
    if (value === null) {
      if (result.emptyKeysSkipped++ < EMPTY_KEYS_LOGGED) this.log('warning', `rdbLoadObject skipping empty key: ${key}`);
    } else if (st.expireMs !== undefined && st.expireMs < this.now) {
      result.keysExpired++;
      this.onExpired?.(st.dbId, key);
    } else {
      if (st.expireMs !== undefined) result.dbs[st.dbId]!.expires.set(key, st.expireMs);
      result.keysLoaded++;
      const k = st.pending++;
      st.keys[k] = key;
      st.values[k] = value;
      st.starts[k] = at;
      if (st.pending === KEY_BATCH) this.putKeys(st);
    }
    st.expireMs = undefined;
    if (this.keyDelayUs !== 0) debugDelay(this.keyDelayUs);
  }

  /**
   * The kept keys go into the current db's table. Each insert into a table of a large load
   * waits on cache misses (its slot's tag, then its key and value entries: 340 ns a key of a
   * 1M-key load); Dict.addBatch issues the loads of the whole batch first, where the CPU
   * overlaps them.
   */
  private putKeys(st: LoadState): void {
    const n = st.pending;
    if (n === 0) return;
    st.pending = 0;
    const dup = st.result.dbs[st.dbId]!.dict.addBatch(st.keys, st.values, n, this.access);
    if (dup >= 0) {
      // Found as a batch goes in, after the key being read: the report names the duplicate alone.
      this.readingKey = null;
      this.fail(`has duplicated key '${st.keys[dup]!}' in DB ${st.dbId}`, st.starts[dup]!);
    }
  }

  readTypedValue(): Value {
    const type = this.byte();
    return this.value(type, 0) ?? this.fail('holds an empty collection', 0);
  }

  private readHeader(): number {
    this.need(9);
    if (this.buf.toString('latin1', 0, 5) !== MAGIC) this.fail('signature is not "REDIS"', 0);
    const digits = this.buf.toString('latin1', 5, 9);
    const version = /^\d{4}$/.test(digits) ? Number(digits) : NaN;
    if (!(version >= 1 && version <= RDB_MAX_VERSION)) this.fail(`format version "${digits}" is not one we can load (1..${RDB_MAX_VERSION})`, 5);
    this.pos = 9;
    return version;
  }

  /** The CRC64 of everything up to and including the EOF opcode; zero means saved without. Skipped unless checked. */
  private readChecksum(version: number): void {
    if (version < RDB_FIRST_CHECKSUM_VERSION) return;
    const end = this.pos;
    this.need(8);
    if (!this.checksum) {
      this.pos += 8;
      return;
    }
    if (this.buf.readUInt32LE(end) === 0 && this.buf.readUInt32LE(end + 4) === 0) {
      this.log('warning', 'RDB file was saved with checksum disabled: no check performed.');
    } else {
      const crc = this.crc.update(this.buf, 0, end);
      if (!crc.matchesLE(this.buf, end)) {
        const hex = (n: bigint): string => n.toString(16).padStart(16, '0');
        const got = hex(this.buf.readBigUInt64LE(end));
        this.log('warning', `Wrong RDB checksum expected: (${hex(crc.value)}) but got (${got}). Aborting now.`);
        this.fail(`CRC error: checksum mismatch, computed ${hex(crc.value)}, file has ${got}`, end);
      }
    }
    this.pos += 8;
  }

  /** rdbLoadObject: the value of one key (named for a BigRead); null for an empty collection (skipped, as Redis does). */
  private value(type: number, at: number, key = ''): Value | null {
    switch (type) {
      case RdbType.STRING:
        return this.string();
      case RdbType.LIST: {
        const n = this.length();
        if (n === 0) return null;
        if (n <= LIST_PACKED_MAX_ENTRIES) return List.fromPacked(this.packedItems(n), n);
        return this.readBig(this.startBig(type, key, n, at));
      }
      case RdbType.SET: {
        const n = this.length();
        if (n === 0) return null;
        if (n > SET_RESUMABLE_MIN) return this.readBig(this.startBig(type, key, n, at));
        // The members as one packed body: fromPacked picks the encoding from it.
        return SetValue.fromPacked(this.packedItems(n), n) ?? this.fail('Duplicate set members detected', at);
      }
      case RdbType.ZSET:
      case RdbType.ZSET_2:
        return this.zset(type, at, key);
      case RdbType.HASH: {
        const n = this.length();
        if (n === 0) return null;
        // Small: the pairs as one packed body (fromPacked converts it when a value is too long).
        if (n <= encodingLimits.hashMaxListpackEntries) {
          return Hash.fromPacked(this.packedItems(2 * n), n) ?? this.fail('Duplicate hash fields detected', at);
        }
        return this.readBig(this.startBig(type, key, n, at));
      }
      case RdbType.HASH_ZIPMAP:
        return this.hash(this.blobItems(readZipmap, 'Zipmap'), at, 'Zipmap');
      case RdbType.HASH_ZIPLIST:
        return this.hash(this.blobItems(readZiplist, 'Hash ziplist'), at, 'Hash ziplist');
      case RdbType.HASH_LISTPACK:
        return this.hash(this.blobItems(readListpack, 'Hash listpack', this.body), at, 'Hash listpack');
      case RdbType.LIST_ZIPLIST: {
        const n = this.blobItems(readZiplist, 'List ziplist');
        return n === 0 ? null : List.fromPacked(this.packItems(n), n);
      }
      case RdbType.LIST_QUICKLIST:
      case RdbType.LIST_QUICKLIST_2:
        return this.quicklist(type);
      case RdbType.SET_INTSET:
        return this.intset(this.blobItems(readIntset, 'Intset'), at);
      case RdbType.SET_LISTPACK: {
        const n = this.blobItems(readListpack, 'Set listpack', this.body);
        if (n === 0) return null;
        return SetValue.fromPacked(this.body.take(), n) ?? this.fail(integrityFailed('Set listpack', 'duplicate members'), at);
      }
      case RdbType.ZSET_ZIPLIST:
        return this.zsetFromPairs(this.blobItems(readZiplist, 'Zset ziplist'), at, 'Zset ziplist');
      case RdbType.ZSET_LISTPACK:
        return this.zsetFromPairs(this.blobItems(readListpack, 'Zset listpack'), at, 'Zset listpack');
      case RdbType.STREAM_LISTPACKS:
      case RdbType.STREAM_LISTPACKS_2:
      case RdbType.STREAM_LISTPACKS_3:
        return this.stream(type, at);
      case RdbType.MODULE_PRE_GA:
      case RdbType.MODULE_2:
        return this.fail(`holds a module value (type ${type}), which redstate cannot load`, at);
      default:
        return this.fail(`has unknown value type ${type}`, at);
    }
  }

  /** ZSET and ZSET_2: a small one straight from the payload's bytes when it can, else read whole (a BigRead), then built by zsetOf. */
  private zset(type: number, at: number, key: string): ZSet | null {
    const n = this.length();
    if (n === 0) return null;
    if (type === RdbType.ZSET_2 && n <= encodingLimits.zsetMaxListpackEntries) {
      const small = this.smallZset(n, at);
      if (small !== null) return small;
    }
    return this.readBig(this.startBig(type, key, n, at)) as ZSet;
  }

  /** A BigRead of n elements of a record that began at buf[at], its length just read. */
  private startBig(type: number, key: string, n: number, at: number): BigRead {
    const isZset = type === RdbType.ZSET || type === RdbType.ZSET_2;
    return {
      type, key, at: this.base + at, n, read: 0, mark: this.pos,
      strings: type === RdbType.HASH ? [] : new Array(n),
      scores: isZset ? new Array(n) : [],
      longest: 0,
      map: type === RdbType.HASH ? new Dict<string>(n) : null,
    };
  }

  /**
   * Reads the rest of a BigRead's elements, marking where each next one begins, so that a
   * stream short of bytes resumes there (readFile); then builds its value.
   */
  private readBig(big: BigRead): Value {
    this.big = big;
    // Its next element begins here, whether it starts or resumes (in a rebased buffer).
    big.mark = this.pos;
    const at = big.at - this.base;
    const n = big.n;
    const strings = big.strings;
    if (big.map !== null) {
      for (let i = big.read; i < n; i++) {
        if (!big.map.addIfAbsent(this.string(true), this.string(true), 0)) this.fail('Duplicate hash fields detected', at);
        big.read = i + 1;
        big.mark = this.pos;
      }
    } else if (big.type === RdbType.LIST || big.type === RdbType.SET) {
      for (let i = big.read; i < n; i++) {
        strings[i] = this.string(true);
        big.read = i + 1;
        big.mark = this.pos;
      }
    } else {
      const ascii = big.type === RdbType.ZSET;
      for (let i = big.read; i < n; i++) {
        const member = this.string(true);
        const score = ascii ? this.asciiDouble() : this.binaryDouble();
        if (Number.isNaN(score)) this.fail('Zset with NAN score detected', at);
        strings[i] = member;
        big.scores[i] = score;
        if (member.length > big.longest) big.longest = member.length;
        big.read = i + 1;
        big.mark = this.pos;
      }
    }
    this.big = null;
    switch (big.type) {
      case RdbType.HASH:
        return Hash.fromTable(big.map!);
      case RdbType.LIST:
        return List.fromArray(strings);
      case RdbType.SET:
        return SetValue.fromMembers(strings) ?? this.fail('Duplicate set members detected', at);
      default:
        return this.zsetOf(strings, big.scores, big.longest, at);
    }
  }

  /**
   * A sorted set of the entries read (their longest member given), built in one pass: as a
   * listpack when it fits, else as the tree. Redis loads a skiplist and converts it to a
   * listpack when it fits, so that a -0 score stays -0 exactly when the set stays a
   * skiplist. Saved highest first (as rdbSaveObject walks a skiplist, and as we write), the
   * entries only need reversing.
   */
  private zsetOf(members: string[], scores: number[], longest: number, at: number): ZSet {
    const n = members.length;
    const order = entriesOrder(scores, members);
    if (order < 0) {
      members.reverse();
      scores.reverse();
    } else if (order === 0) {
      const byEntry = members.map((_, i) => i).sort((a, b) => compareEntries(scores[a]!, members[a]!, scores[b]!, members[b]!));
      members = byEntry.map((i) => members[i]!);
      scores = byEntry.map((i) => scores[i]!);
    }
    if (n <= encodingLimits.zsetMaxListpackEntries && longest <= encodingLimits.zsetMaxListpackValue) {
      for (let i = 0; i < n; i++) appendZsetEntry(this.body, members[i]!, scores[i]!);
      return ZSet.fromPacked(this.body.take(), n) ?? this.fail('Duplicate zset fields detected', at);
    }
    return ZSet.fromSorted(members, scores) ?? this.fail('Duplicate zset fields detected', at);
  }

  /**
   * A ZSET_2 small enough for a listpack, built from the file's bytes: the members located,
   * the order checked on their bytes, and the body written from them, with no string per
   * member (a redstate master's small sorted sets, saved highest first). null, with the
   * position back at the first member, when it takes zset()'s general way: a member LZF- or
   * int-encoded or too long for a listpack, or the entries in neither order.
   */
  private smallZset(n: number, at: number): ZSet | null {
    const from = this.pos;
    const buf = this.buf;
    const starts = this.spanStarts;
    const lengths = this.spanLengths;
    const scores = this.spanScores;
    let i = 0;
    for (; i < n; i++) {
      const b = this.byte();
      if (b >> 6 === RdbLength.ENCODED) break;
      const len = this.lengthAfter(b, this.pos - 1);
      if (len > encodingLimits.zsetMaxListpackValue) break;
      this.need(len + 8);
      starts[i] = this.pos;
      lengths[i] = len;
      const score = buf.readDoubleLE(this.pos + len);
      if (Number.isNaN(score)) this.fail('Zset with NAN score detected', at);
      scores[i] = score;
      this.pos += len + 8;
    }
    const order = i < n ? 0 : this.spanOrder(n);
    if (order === 0) {
      this.pos = from;
      return null;
    }
    const body = this.body;
    for (let k = 0; k < n; k++) {
      const e = order > 0 ? k : n - 1 - k;
      appendZsetEntryBytes(body, buf, starts[e]!, starts[e]! + lengths[e]!, scores[e]!);
    }
    return ZSet.fromPacked(body.take(), n) ?? this.fail('Duplicate zset fields detected', at);
  }

  /** entriesOrder of the n entries smallZset located: 1 strictly ascending, -1 strictly descending, else 0. */
  private spanOrder(n: number): number {
    let up = true;
    let down = true;
    for (let i = 1; i < n && (up || down); i++) {
      const c = this.compareSpans(i - 1, i);
      if (c >= 0) up = false;
      if (c <= 0) down = false;
    }
    return up ? 1 : down ? -1 : 0;
  }

  /** compareEntries of located entries i and j: by score, then the member bytes. */
  private compareSpans(i: number, j: number): number {
    const si = this.spanScores[i]!;
    const sj = this.spanScores[j]!;
    if (si !== sj) return si < sj ? -1 : 1;
    const buf = this.buf;
    const a = this.spanStarts[i]!;
    const b = this.spanStarts[j]!;
    const la = this.spanLengths[i]!;
    const lb = this.spanLengths[j]!;
    const common = Math.min(la, lb);
    for (let k = 0; k < common; k++) {
      const d = buf[a + k]! - buf[b + k]!;
      if (d !== 0) return d;
    }
    return la - lb;
  }

  /**
   * The next `count` strings as one packed body (packed.ts). A raw string under 64 bytes is
   * its 6-bit length byte and its bytes, which is what a packed item of it is, so when every
   * one is (a redstate master's small hashes, lists and sets) the body is the file's bytes as
   * they are, cut at once; else it is built item by item.
   */
  private packedItems(count: number): string {
    const buf = this.buf;
    const from = this.pos;
    let at = from;
    let i = 0;
    while (i < count && at < buf.length && buf[at]! < 1 << 6) {
      at += 1 + buf[at]!;
      i++;
    }
    if (i === count && at <= buf.length) {
      this.pos = at;
      return latin1Slice(buf, from, at);
    }
    for (let k = 0; k < count; k++) this.stringItem();
    return this.body.take();
  }

  /**
   * string(), appended to this.body as a packed item: its bytes copied from the file (or
   * from lzfOut) with no string made for it.
   */
  private stringItem(): void {
    const at = this.pos;
    const b = this.byte();
    if (b >> 6 !== RdbLength.ENCODED) {
      const n = this.lengthAfter(b, at);
      this.need(n);
      this.body.itemBytes(this.buf, this.pos, this.pos + n);
      this.pos += n;
    } else if ((b & 0x3f) === RdbEncoding.LZF) {
      this.body.itemBytes(this.lzfOut, 0, this.lzf(at));
    } else {
      this.pos = at;
      this.body.item(this.string());
    }
  }

  /**
   * rdbLoadObject's stream: the nodes (master ID, listpack), length, last ID, then in types
   * 19 and 21 the first ID, max deleted ID and entries-added, then the groups with their
   * PELs and consumers (type 21 adds each consumer's active-time, which Redis 7.0 lacks).
   */
  private stream(type: number, at: number): Stream {
    const s = new Stream();
    const nodes = this.length();
    for (let i = 0; i < nodes; i++) {
      const masterId = this.string();
      if (masterId.length !== 16) this.fail('Stream node key entry is not the size of a stream ID', at);
      const last = s.nodes[s.nodes.length - 1];
      if (last !== undefined && last.masterId >= masterId) this.fail('Listpack re-added with existing key (stream nodes out of order)', at);
      s.nodes.push(this.streamNode(masterId, at));
    }
    s.length = this.length();
    let live = 0;
    for (const node of s.nodes) live += node.live;
    if (live !== s.length) this.fail(`Stream length inconsistent with rax entries (${s.length} against ${live})`, at);
    s.lastId = this.id();
    const v2 = type !== RdbType.STREAM_LISTPACKS;
    if (v2) {
      s.firstId = this.id();
      s.maxDeletedId = this.id();
      s.entriesAdded = this.counter();
    } else {
      s.entriesAdded = s.length;
      s.firstId = s.edgeId(true) ?? s.firstId;
    }
    const groups = this.length();
    for (let g = 0; g < groups; g++) {
      const name = this.string();
      const lastId = this.id();
      const entriesRead = v2 ? this.counter() : s.estimateDistance(lastId);
      const group = s.createGroup(name, lastId, entriesRead) ?? this.fail(`Duplicated consumer group name ${name}`, at);
      const pelSize = this.length();
      for (let i = 0; i < pelSize; i++) {
        const id = this.rawId();
        const nack = new Nack(this.int64LE(), this.length(), null);
        if (!group.pel.set(id, nack)) this.fail('Duplicated global PEL entry loading stream consumer group', at);
      }
      const consumers = this.length();
      for (let c = 0; c < consumers; c++) {
        const consumer = new Consumer(this.string(), this.int64LE());
        if (group.consumers.has(consumer.name)) this.fail('Duplicate stream consumer detected.', at);
        group.consumers.set(consumer.name, consumer);
        if (type === RdbType.STREAM_LISTPACKS_3) this.int64LE();
        const owned = this.length();
        for (let i = 0; i < owned; i++) {
          const id = this.rawId();
          const nack = group.pel.get(id) ?? this.fail('Consumer entry not found in group global PEL', at);
          nack.consumer = consumer;
          if (!consumer.pel.set(id, nack)) this.fail('Duplicated consumer PEL entry loading a stream consumer group', at);
        }
      }
      // Redis checks it under deep sanitization only; every payload here is checked as deeply.
      for (const [, nack] of group.pel.from('')) if (nack.consumer === null) this.fail('Stream CG PEL entry without consumer', at);
    }
    return s;
  }

  /** A stream node from the next string, a listpack kept as the node's bytes. */
  private streamNode(masterId: StreamId, at: number): StreamNode {
    this.blob();
    const lp = Buffer.from(this.blobSrc.buf.subarray(this.blobStart, this.blobEnd));
    try {
      return StreamNode.fromListpack(masterId, lp);
    } catch (e) {
      if (e instanceof RdbError) this.fail(integrityFailed('Stream listpack', e.detail), at);
      throw e;
    }
  }

  /** An ID saved as two lengths. */
  private id(): StreamId {
    return streamIdBig(this.lengthU64(), this.lengthU64());
  }

  /** A stream counter saved as a uint64 length, read as the int64 it is held as. */
  private counter(): Int64 {
    return narrowInt64(BigInt.asIntN(64, this.lengthU64()));
  }

  /** An ID saved raw: 16 bytes, big-endian. */
  private rawId(): StreamId {
    this.need(16);
    const id = this.buf.toString('latin1', this.pos, this.pos + 16);
    this.pos += 16;
    return id;
  }

  /** Quicklist nodes: ziplists (type 14), or listpacks and single PLAIN elements (type 18). */
  private quicklist(type: number): List | null {
    const nodes = this.length();
    // The first node becomes the list's body at once (a small list has one node).
    let list: List | null = null;
    for (let i = 0; i < nodes; i++) {
      let container: number = QuicklistContainer.PACKED;
      if (type === RdbType.LIST_QUICKLIST_2) {
        const c = this.pos;
        container = this.length();
        if (container !== QuicklistContainer.PLAIN && container !== QuicklistContainer.PACKED) {
          this.fail(integrityFailed('Quicklist', `a node's container is ${container}`), c);
        }
      }
      const nodeAt = this.pos;
      if (container === QuicklistContainer.PLAIN) {
        const element = this.string();
        if (element.length === 0) this.fail('quicklist has an empty PLAIN node', nodeAt);
        list ??= new List();
        list.pushTail(element);
        continue;
      }
      // The first node's listpack goes straight into the body.
      const packed = list === null && type === RdbType.LIST_QUICKLIST_2;
      const n = type === RdbType.LIST_QUICKLIST_2
        ? this.blobItems(readListpack, 'Listpack', packed ? this.body : null)
        : this.blobItems(readZiplist, 'Ziplist');
      // Empty nodes are skipped silently, as rdbLoadObject does.
      if (list === null) list = List.fromPacked(packed ? this.body.take() : this.packItems(n), n);
      else this.pushItems(list, n);
    }
    return list === null || list.length === 0 ? null : list;
  }

  /** Appends the first n blob items to list. */
  private pushItems(list: List, n: number): void {
    const items = this.items;
    for (let i = 0; i < n; i++) list.pushTail(itemText(items[i]!));
  }

  /** The first n blob items as one packed string (packed.ts). */
  private packItems(n: number): string {
    const items = this.items;
    const body = this.body;
    for (let i = 0; i < n; i++) body.item(itemText(items[i]!));
    return body.take();
  }

  /** A hash of n blob elements (field, value, field, value...): the first n items, or packed: the body built. */
  private hash(n: number, at: number, what: BlobKind): Hash | null {
    if (n % 2 !== 0) this.fail(integrityFailed(what, 'an odd number of elements'), at);
    if (n === 0) return null;
    const body = what === 'Hash listpack' ? this.body.take() : this.packItems(n);
    // A zipmap is converted by its longest value too, a ziplist and a listpack by their count alone.
    return Hash.fromPacked(body, n / 2, what !== 'Zipmap') ?? this.fail(integrityFailed(what, 'duplicate fields'), at);
  }

  /** A set of the first n blob items, an intset's members (ascending, checked by readIntset). */
  private intset(n: number, at: number): SetValue {
    const items = this.items;
    const body = this.body;
    for (let i = 0; i < n; i++) appendIntsetEntry(body, items[i]!);
    return SetValue.fromIntset(body.take()) ?? this.fail(integrityFailed('Intset', 'duplicate members'), at);
  }

  /** Member, score, member, score... in the first n blob items, scores as text or integers (ziplist, listpack). */
  private zsetFromPairs(n: number, at: number, what: BlobKind): ZSet | null {
    if (n % 2 !== 0) this.fail(integrityFailed(what, 'an odd number of elements'), at);
    if (n === 0) return null;
    const items = this.items;
    const body = this.body;
    // Redis stores them ascending: then they are the body as is.
    for (let i = 0; i < n; i += 2) {
      const s = items[i + 1]!;
      const score = typeof s === 'number' ? s : parseDoubleText(s);
      if (Number.isNaN(score)) {
        body.clear();
        return this.zsetByInserts(n, at, what);
      }
      appendZsetEntry(body, itemText(items[i]!), score);
    }
    return ZSet.fromPacked(body.take(), n / 2, true) ?? this.zsetByInserts(n, at, what);
  }

  /** zsetFromPairs one member at a time: for blobs out of order, and the errors of bad ones. */
  private zsetByInserts(n: number, at: number, what: BlobKind): ZSet {
    const items = this.items;
    const zset = new ZSet();
    // Backwards: a blob holds them in ascending order, and a listpack ZSet finds the place
    // of a new lowest entry at once, where a new highest one takes a walk past them all.
    for (let i = n - 2; i >= 0; i -= 2) {
      const s = items[i + 1]!;
      const score = typeof s === 'number' ? s : parseDoubleText(s);
      if (Number.isNaN(score)) this.fail(integrityFailed(what, `a score that is not a number: "${s}"`), at);
      if (!zset.set(itemText(items[i]!), score)) this.fail(integrityFailed(what, 'duplicate members'), at);
    }
    return zset;
  }

  /**
   * Reads a string holding an encoded blob and has read() put its elements in this.items,
   * or as packed items into body where read takes one (readListpack); returns their count.
   * Blob errors get our offset.
   */
  private blobItems(read: BlobReader, what: BlobKind, body: BodyBuilder | null = null): number {
    const at = this.pos;
    this.blob();
    try {
      return read(this.blobSrc, this.blobStart, this.blobEnd, this.items, body);
    } catch (e) {
      if (e instanceof RdbError) this.fail(integrityFailed(what, `${e.detail}, blob byte ${e.offset}`), at);
      throw e;
    }
  }

  /** MODULE_AUX: module id, when-opcode, when, then module-serialized items until EOF. */
  private skipModuleAux(at: number): void {
    const name = moduleTypeName(this.lengthU64());
    if (this.length() !== ModuleOpcode.UINT) this.fail(`module '${name}' AUX data has a bad when_opcode`, at);
    this.length();
    for (;;) {
      const itemAt = this.pos;
      const op = this.length();
      if (op === ModuleOpcode.EOF) break;
      switch (op) {
        case ModuleOpcode.SINT:
        case ModuleOpcode.UINT:
          this.lengthU64();
          break;
        case ModuleOpcode.FLOAT:
          this.skip(4);
          break;
        case ModuleOpcode.DOUBLE:
          this.skip(8);
          break;
        case ModuleOpcode.STRING:
          this.skipString();
          break;
        default:
          this.fail(`module '${name}' AUX data has unknown item opcode ${op}`, itemAt);
      }
    }
    this.log('notice', `Skipping AUX data of module '${name}' in the RDB: redstate has no modules`);
  }

  /** The Redis 7.0 rc1/rc2 function record: name, engine, optional description, code. */
  readFunctions(): string[] {
    const out: string[] = [];
    while (this.pos < this.buf.length) {
      const at = this.pos;
      if (this.byte() !== RdbOpcode.FUNCTION2) this.fail('given type is not a function', at);
      out.push(this.string());
    }
    return out;
  }

  private skipFunctionPreGa(): void {
    this.skipString();
    this.skipString();
    if (this.length() !== 0) this.skipString();
    this.skipString();
  }

  // --- primitives ---------------------------------------------------------------------

  private fail(detail: string, offset = this.pos): never {
    throw new RdbError(detail, this.base + offset, this.reading());
  }

  /** Reading a file: the key being read and the keys read so far, as redis-check-rdb counts them. */
  private reading(): RdbReading | null {
    const st = this.loadState;
    if (st === null) return null;
    const r = st.result;
    let expires = r.keysExpired;
    for (const db of r.dbs) expires += db.expires.size;
    const key = this.big?.key ?? this.readingKey;
    // As redis-check-rdb counts them, the key whose value is being read among them.
    const keys = r.keysLoaded + r.keysExpired + r.emptyKeysSkipped + (key === null ? 0 : 1);
    return { key, type: this.big?.type ?? this.readingType, keys, expires, alreadyExpired: r.keysExpired };
  }

  private need(n: number): void {
    if (n > this.buf.length - this.pos) {
      if (this.awaiting) {
        this.wantedEnd = this.pos + n;
        throw NEED_MORE;
      }
      this.fail(`is truncated: ${n} more bytes needed, ${this.buf.length - this.pos} left`);
    }
  }

  private skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  private byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  /** rdbLoadLen: a length that must fit in a JS number (every count and size does). */
  private length(): number {
    const at = this.pos;
    const b = this.byte();
    return this.lengthAfter(b, at);
  }

  private lengthAfter(b: number, at: number): number {
    switch (b >> 6) {
      case RdbLength.BITS_6:
        return b & 0x3f;
      case RdbLength.BITS_14:
        return ((b & 0x3f) << 8) | this.byte();
      case RdbLength.ENCODED:
        return this.fail('has an encoded value where a length belongs', at);
    }
    if (b === RdbLength.BITS_32) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (b === RdbLength.BITS_64) {
      this.need(8);
      const hi = this.buf.readUInt32BE(this.pos);
      if (hi > 0x1fffff) this.fail('has a length beyond 2^53', at);
      const v = hi * 0x100000000 + this.buf.readUInt32BE(this.pos + 4);
      this.pos += 8;
      return v;
    }
    return this.fail(`has an invalid length byte 0x${b.toString(16)}`, at);
  }

  /** A length of the full unsigned 64-bit range (module ids and module integers). */
  private lengthU64(): bigint {
    if (this.buf[this.pos] !== RdbLength.BITS_64) return BigInt(this.length());
    this.pos++;
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * rdbGenericLoadStringObject: a latin1 string, raw, int-encoded or LZF-compressed; a
   * collection's element (element true) shared through the load's ElementCache.
   */
  private string(element = false): string {
    const at = this.pos;
    const b = this.byte();
    if (b >> 6 !== RdbLength.ENCODED) {
      const n = this.lengthAfter(b, at);
      this.need(n);
      const s = element ? this.text.element(this.pos, this.pos + n) : this.text.cut(this.pos, this.pos + n);
      this.pos += n;
      return s;
    }
    let v: number;
    switch (b & 0x3f) {
      case RdbEncoding.INT8:
        this.need(1);
        v = this.buf.readInt8(this.pos);
        this.pos += 1;
        return String(v);
      case RdbEncoding.INT16:
        this.need(2);
        v = this.buf.readInt16LE(this.pos);
        this.pos += 2;
        return String(v);
      case RdbEncoding.INT32:
        this.need(4);
        v = this.buf.readInt32LE(this.pos);
        this.pos += 4;
        return String(v);
      case RdbEncoding.LZF: {
        const n = this.lzf(at);
        if (!element) return latin1Slice(this.lzfOut, 0, n);
        this.lzfText.reset(this.lzfOut, n);
        return this.lzfText.element(0, n);
      }
      default:
        return this.fail(`has unknown string encoding ${b & 0x3f}`, at);
    }
  }

  /** Locates a string's bytes for a blob reader (blobSrc and co.): in the file when raw, in lzfOut when LZF. */
  private blob(): void {
    const at = this.pos;
    const b = this.byte();
    if (b >> 6 !== RdbLength.ENCODED) {
      const n = this.lengthAfter(b, at);
      this.need(n);
      this.blobSrc = this.text;
      this.blobStart = this.pos;
      this.pos += n;
      this.blobEnd = this.pos;
      return;
    }
    if ((b & 0x3f) !== RdbEncoding.LZF) this.fail('has an integer where an encoded blob belongs', at);
    this.blobEnd = this.lzf(at);
    this.lzfText.reset(this.lzfOut, this.blobEnd);
    this.blobSrc = this.lzfText;
    this.blobStart = 0;
  }

  /**
   * The body of an LZF string (after its 0xC3): compressed length, length, data. Expands
   * it into lzfOut, grown as needed, and returns its length; the bytes stay valid until
   * the next LZF string.
   */
  private lzf(at: number): number {
    const clen = this.length();
    const len = this.length();
    this.need(clen);
    const start = this.pos;
    this.pos += clen;
    // Checked before allocating, so that a corrupt length cannot ask for gigabytes.
    if (len > clen * LZF_MAX_EXPANSION) this.fail(`has an LZF string of ${clen} bytes that claims to expand to ${len}`, at);
    if (len > this.lzfOut.length) this.lzfOut = Buffer.allocUnsafe(len);
    try {
      lzfDecompressInto(this.buf, start, start + clen, this.lzfOut, len);
    } catch (e) {
      this.fail(`has a corrupt LZF string: ${(e as Error).message}`, at);
    }
    return len;
  }

  private skipString(): void {
    const at = this.pos;
    const b = this.byte();
    if (b >> 6 !== RdbLength.ENCODED) {
      this.skip(this.lengthAfter(b, at));
      return;
    }
    switch (b & 0x3f) {
      case RdbEncoding.INT8:
        return this.skip(1);
      case RdbEncoding.INT16:
        return this.skip(2);
      case RdbEncoding.INT32:
        return this.skip(4);
      case RdbEncoding.LZF: {
        const clen = this.length();
        this.length();
        return this.skip(clen);
      }
      default:
        this.fail(`has unknown string encoding ${b & 0x3f}`, at);
    }
  }

  /** rdbLoadDoubleValue: ZSET (type 3) scores as text behind a length byte. */
  private asciiDouble(): number {
    const at = this.pos;
    const n = this.byte();
    switch (n) {
      case RdbAsciiDouble.NAN:
        return NaN;
      case RdbAsciiDouble.POS_INF:
        return Infinity;
      case RdbAsciiDouble.NEG_INF:
        return -Infinity;
    }
    this.need(n);
    const text = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    const v = parseDoubleText(text);
    if (Number.isNaN(v) && !/^[+-]?nan$/i.test(text)) this.fail(`has a score that is not a number: "${text}"`, at);
    return v;
  }

  private binaryDouble(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** rdbLoadMillisecondTime: a signed little-endian int64 (exact well past year 200000). */
  private int64LE(): number {
    this.need(8);
    const v = this.buf.readInt32LE(this.pos + 4) * 0x100000000 + this.buf.readUInt32LE(this.pos);
    this.pos += 8;
    return v;
  }
}
