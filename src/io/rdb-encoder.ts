// Writes an RDB file (rdb.c: rdbSaveRio) as a stream of bytes that its driver takes in
// whatever slices suit it: all at once for SAVE, a socket buffer at a time for BGSAVE and
// full sync. The CRC64 trailer covers every byte emitted, folded in as bytes are taken.
//
// Version 10 with the plain value types (LIST 1, SET 2, ZSET_2 5, HASH 4): Redis 7.0 loads
// them and picks its own compact encodings as it does (listpack, intset) from its config.
// The one exception is a listpack sorted set or hash that a lowered zset- or
// hash-max-listpack-value no longer fits: a listpack blob, which loads as a listpack again,
// as Redis's own file has it.
// Streams go as STREAM_LISTPACKS_2 (19), what Redis 7.0 writes: one listpack per node.
import type { IdMap, Nack } from '../store/stream.js';
import type { Int64 } from '../store/numbers.js';
import { MIN_ID, idPart, type StreamId } from '../store/stream-id.js';
import { textOf } from '../store/mutable-string.js';
import { Hash, isString, List, SetValue, Stream, ZSet, type Value } from '../store/values.js';
import { memberLength, memberStart } from '../store/zset.js';
import { encodingLimits } from '../store/limits.js';
import { Crc64 } from './crc64.js';
import { d2string } from './format-double.js';
import { latin1Slice, type Latin1Buffer } from './latin1.js';
import { ListpackWriter } from './listpack-writer.js';
import { lzfCompressInto } from './lzf.js';
import { itemLength, prefixSize, readItem, skipItem } from '../store/packed.js';
import { RDB_VERSION, RdbEncoding, RdbLength, RdbOpcode, RdbType, int32Encodable } from './rdb-format.js';

/** The smallest buffer the encoder writes into; taking bytes never copies them. */
const CHUNK = 64 * 1024;
/** The largest buffer size kept for the next buffers: one huge string must not make them all huge. */
const MAX_CAPACITY = 16 * 1024 * 1024;
/** Buffers given back (recycle) and kept for the next ones: as many as a streamed save has out at once, so that none is made anew. */
const SPARES = 6;
/**
 * A take() leaving less room than this in its buffer moves on to the next one at once: the
 * slices of a streamed save stop before they fill a buffer (see room), so that no chunk is
 * copied to a larger buffer for lack of room.
 */
const MIN_ROOM = 4 * 1024;
/** rdbSaveRawString only tries LZF on strings longer than this. */
const LZF_MIN_LENGTH = 20;
const ENCODED = RdbLength.ENCODED << 6;
/** List elements fetched at once while encoding. */
const LIST_BATCH = 1024;
/** Up to this length a copy loop beats Buffer.write. */
const SHORT_STRING = 16;
/**
 * Up to this length a copy loop beats Buffer.copy, which also allocates a view of a partial
 * source: a view per LZF-packed value (~20 bytes each for DEBUG POPULATE's) was 87 MB of
 * garbage in a 1M-key snapshot.
 */
const SHORT_COPY = 64;

// The listpack blobs of the header's exception: rdbLoadObject converts a blob by its count
// alone, a ZSET_2 or HASH by its elements' lengths too.

/** Whether a listpack sorted set has a member past zset-max-listpack-value. */
function zsetPastValueLimit(z: ZSet): boolean {
  const lp = z.packed;
  if (lp === null) return false;
  for (let at = 0; at < lp.length;) {
    const len = memberLength(lp, at);
    if (len > encodingLimits.zsetMaxListpackValue) return true;
    at = memberStart(at, len) + len + 8;
  }
  return false;
}

/** Whether a listpack hash has a field or value past hash-max-listpack-value. */
function hashPastValueLimit(h: Hash): boolean {
  const lp = h.packed;
  if (lp === null) return false;
  for (let at = 0; at < lp.length; at = skipItem(lp, at)) {
    if (itemLength(lp, at) > encodingLimits.hashMaxListpackValue) return true;
  }
  return false;
}

/** Builds the listpack blobs of those. */
const blobWriter = new ListpackWriter();

/** The RDB type each value is written as. */
function valueType(value: Value): number {
  if (isString(value)) return RdbType.STRING;
  if (value instanceof List) return RdbType.LIST;
  if (value instanceof SetValue) return RdbType.SET;
  if (value instanceof ZSet) return zsetPastValueLimit(value) ? RdbType.ZSET_LISTPACK : RdbType.ZSET_2;
  if (value instanceof Hash) return hashPastValueLimit(value) ? RdbType.HASH_LISTPACK : RdbType.HASH;
  return RdbType.STREAM_LISTPACKS_2;
}

/** Bytes rdbSaveLen uses for a length. */
function lengthSize(n: number): number {
  return n < 1 << 6 ? 1 : n < 1 << 14 ? 2 : n <= 0xffffffff ? 5 : 9;
}

export class RdbEncoder {
  private readonly compression: boolean;
  /** Bytes emitted and not yet taken are buf[0, pos); buf[0, crcPos) are in the CRC already. */
  private buf: Buffer = Buffer.allocUnsafeSlow(CHUNK);
  /**
   * The size of the next buffer: that of the last one (up to a bound), so that a driver
   * taking a few MB at a time gets a buffer that size at once, not one grown to it by copies.
   */
  private capacity = CHUNK;
  private pos = 0;
  private crcPos = 0;
  private readonly crc = new Crc64();
  /**
   * The memory of buffers take() gave chunks of: how many chunks are still out, and whether
   * the encoder has moved on to another buffer. One whose chunks all came back (recycle) and
   * that the encoder left is written into again, so that a driver giving its chunks back once
   * written keeps the encoder in a few buffers instead of allocating the whole file.
   */
  private readonly lent = new Map<ArrayBuffer, { out: number; left: boolean }>();
  private readonly spares: ArrayBuffer[] = [];
  /** Where packedZset finds each entry of a body, to write them from the last. */
  private readonly entryStarts: number[] = [];
  /** Where strings are LZF-compressed before the header that names their length goes out. */
  private lzfOut = Buffer.allocUnsafe(CHUNK);

  /** compression: rdbcompression, LZF for strings longer than 20 bytes. */
  constructor(opts: { compression: boolean }) {
    this.compression = opts.compression;
  }

  /** The magic, the version, then AUX fields in order. */
  header(aux: Array<[string, string]>): void {
    const magic = `REDIS${String(RDB_VERSION).padStart(4, '0')}`;
    this.ensure(magic.length);
    this.pos += this.buf.write(magic, this.pos, 'latin1');
    for (const [key, value] of aux) {
      this.byte(RdbOpcode.AUX);
      this.string(key);
      this.string(value);
    }
  }

  /** SELECTDB, then RESIZEDB with the sizing hints. */
  selectDb(id: number, size: number, expiresSize: number): void {
    this.byte(RdbOpcode.SELECTDB);
    this.length(id);
    this.byte(RdbOpcode.RESIZEDB);
    this.length(size);
    this.length(expiresSize);
  }

  /** rdbSaveKeyValuePair: EXPIRETIME_MS when the key has one, the type, the key, the value. */
  entry(key: string, value: Value, expireMs: number | undefined): void {
    if (expireMs !== undefined) {
      this.byte(RdbOpcode.EXPIRETIME_MS);
      this.int64LE(expireMs);
    }
    const type = valueType(value);
    this.byte(type);
    this.string(key);
    this.object(value, type);
  }

  /** rdbSaveObjectType and rdbSaveObject without a key: the body of a DUMP payload. */
  typedValue(value: Value): void {
    const type = valueType(value);
    this.byte(type);
    this.object(value, type);
  }

  /** rdbSaveObject: the value in the encoding valueType named, type. */
  private object(value: Value, type: number): void {
    if (isString(value)) {
      this.string(textOf(value));
    } else if (value instanceof List) {
      this.length(value.length);
      const packed = value.packed;
      if (packed !== null) return this.packedItems(packed);
      // In batches: an array walk costs less than the iterator, and a batch bounds the array.
      for (let start = 0; start < value.length; start += LIST_BATCH) {
        const items = value.slice(start, Math.min(value.length, start + LIST_BATCH) - 1);
        for (let i = 0; i < items.length; i++) this.string(items[i]!);
      }
    } else if (value instanceof SetValue) {
      this.length(value.size);
      const packed = value.packed;
      if (packed !== null) return this.packedItems(packed);
      for (let i = 0; i < value.size; i++) this.string(value.at(i));
    } else if (value instanceof ZSet) {
      if (type === RdbType.ZSET_LISTPACK) return this.zsetListpack(value);
      this.length(value.size);
      // Highest first, as rdbSaveObject writes a skiplist: a loader inserting each new
      // entry at the low end finds its place at once.
      const packed = value.packed;
      if (packed !== null) return this.packedZset(packed, value.size);
      value.walk(value.size - 1, true, this.zsetEntry);
    } else if (value instanceof Hash) {
      if (type === RdbType.HASH_LISTPACK) return this.hashListpack(value.packed!);
      this.length(value.size);
      const packed = value.packed;
      if (packed !== null) return this.packedItems(packed);
      for (const [field, v] of value.entries()) {
        this.string(field);
        this.string(v);
      }
    } else {
      this.stream(value);
    }
  }

  /** rdbSaveObject's stream: the nodes as listpacks, the metadata, then every group. */
  private stream(s: Stream): void {
    this.length(s.nodes.length);
    for (const node of s.nodes) {
      this.string(node.masterId);
      this.string(node.toListpack().toString('latin1'));
    }
    this.length(s.length);
    this.id(s.lastId);
    this.id(s.firstId);
    this.id(s.maxDeletedId);
    this.counter(s.entriesAdded);
    const groups = s.sortedGroups();
    this.length(groups.length);
    for (const g of groups) {
      this.string(g.name);
      this.id(g.lastId);
      this.counter(g.entriesRead);
      this.pel(g.pel, true);
      const consumers = g.sortedConsumers();
      this.length(consumers.length);
      for (const c of consumers) {
        this.string(c.name);
        this.int64LE(c.seenTime);
        this.pel(c.pel, false);
      }
    }
  }

  /** rdbSaveStreamPEL: raw IDs, with delivery time and count in the group's PEL. */
  private pel(pel: IdMap<Nack>, nacks: boolean): void {
    this.length(pel.size);
    for (const [id, nack] of pel.from(MIN_ID)) {
      this.ensure(16);
      this.latin1(id, 0, 16, this.pos);
      this.pos += 16;
      if (nacks) {
        this.int64LE(nack.deliveryTime);
        this.length(nack.deliveryCount);
      }
    }
  }

  /** An ID as two lengths, ms and seq. */
  private id(id: StreamId): void {
    for (const at of [0, 8] as const) {
      const v = idPart(id, at);
      if (typeof v === 'number') this.length(v);
      else this.u64(v);
    }
  }

  /** A 64-bit length of any uint64 value. */
  private u64(v: bigint): void {
    this.byte(RdbLength.BITS_64);
    this.ensure(8);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
  }

  /** A stream counter, saved as a uint64 length: entries_read's -1 (unknown) is 2^64-1. */
  private counter(v: Int64): void {
    if (typeof v === 'number' && v >= 0) this.length(v);
    else this.u64(BigInt.asUintN(64, BigInt(v)));
  }

  /** rdbSaveMillisecondTime: a signed little-endian int64. */
  private int64LE(ms: number): void {
    this.ensure(8);
    // PEXPIREAT 9223372036854775807 is held as 2^63, the nearest double: written as INT64_MAX
    if (ms >= 2 ** 63) {
      this.buf.writeUInt32LE(0xffffffff, this.pos);
      this.buf.writeInt32LE(0x7fffffff, this.pos + 4);
      this.pos += 8;
      return;
    }
    const hi = Math.floor(ms / 0x100000000);
    this.buf.writeUInt32LE(ms - hi * 0x100000000, this.pos);
    this.buf.writeInt32LE(hi, this.pos + 4);
    this.pos += 8;
  }

  /** ZSET_2's member and binary score; a bound function so that walk() takes it as is. */
  private readonly zsetEntry = (member: string, score: number): void => {
    this.string(member);
    this.ensure(8);
    this.buf.writeDoubleLE(score, this.pos);
    this.pos += 8;
  };

  /** A function library (RDB_OPCODE_FUNCTION2 and its code), as Redis 7.0 writes each one. */
  functionLibrary(code: string): void {
    this.byte(RdbOpcode.FUNCTION2);
    this.string(code);
  }

  /** The EOF opcode, then the CRC64 of every byte before the trailer. */
  end(): void {
    this.byte(RdbOpcode.EOF);
    this.foldCrc();
    this.ensure(8);
    this.crc.writeLE(this.buf, this.pos);
    this.pos += 8;
    this.crcPos = this.pos;
  }

  /** Bytes emitted but not yet taken. */
  get buffered(): number {
    return this.pos;
  }

  /** The current buffer has less than MIN_ROOM left: a driver that fills it further has its bytes copied to the next. */
  get nearlyFull(): boolean {
    return this.buf.length - this.pos < MIN_ROOM;
  }

  /** The bytes emitted since the last take, or null if none. */
  take(): Buffer | null {
    if (this.pos === 0) return null;
    this.foldCrc();
    const out = this.buf.subarray(0, this.pos);
    const memory = this.buf.buffer as ArrayBuffer;
    const lent = this.lent.get(memory);
    if (lent === undefined) this.lent.set(memory, { out: 1, left: false });
    else lent.out++;
    // Keep writing into the rest of the same buffer: the taken bytes are never touched again.
    this.buf = this.buf.subarray(this.pos);
    this.pos = 0;
    this.crcPos = 0;
    if (this.buf.length < MIN_ROOM) this.moveOn(this.capacity);
    return out;
  }

  /** A chunk take() gave is written and will not be read again: its buffer may be reused. */
  recycle(chunk: Buffer): void {
    const memory = chunk.buffer as ArrayBuffer;
    const lent = this.lent.get(memory);
    if (lent === undefined || --lent.out > 0 || !lent.left) return;
    this.lent.delete(memory);
    this.spare(memory);
  }

  /** Keeps a buffer nothing reads any more for the next ones, up to SPARES of them. */
  private spare(memory: ArrayBuffer): void {
    if (this.spares.length < SPARES && memory.byteLength >= CHUNK && memory.byteLength <= MAX_CAPACITY) this.spares.push(memory);
  }

  /** A spare buffer of at least size bytes, else a new one. */
  private fresh(size: number): Buffer {
    const i = this.spares.findIndex((m) => m.byteLength >= size);
    if (i < 0) return Buffer.allocUnsafeSlow(size);
    return Buffer.from(this.spares.splice(i, 1)[0]!);
  }

  private foldCrc(): void {
    this.crc.update(this.buf, this.crcPos, this.pos);
    this.crcPos = this.pos;
  }

  /** Makes room for n more bytes, moving the untaken ones to a larger buffer if needed. */
  private ensure(n: number): void {
    if (n <= this.buf.length - this.pos) return;
    const size = Math.max(this.capacity, 2 * this.pos, this.pos + n);
    this.capacity = Math.min(size, MAX_CAPACITY);
    this.moveOn(size);
  }

  /** Continues in a buffer of at least size bytes, with the untaken bytes; the one left goes back once nothing of it is out. */
  private moveOn(size: number): void {
    const next = this.fresh(size);
    this.buf.copy(next, 0, 0, this.pos);
    const left = this.buf.buffer as ArrayBuffer;
    this.buf = next;
    const lent = this.lent.get(left);
    if (lent === undefined || lent.out === 0) {
      this.lent.delete(left);
      this.spare(left);
    } else {
      lent.left = true;
    }
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** rdbSaveLen: 6-bit, 14-bit, 32-bit or 64-bit, the last two big-endian. */
  private length(n: number): void {
    this.ensure(9);
    this.writeLength(n);
  }

  /** Writes a length into room already ensured. */
  private writeLength(n: number): void {
    const buf = this.buf;
    if (n < 1 << 6) {
      buf[this.pos++] = n;
    } else if (n < 1 << 14) {
      buf[this.pos++] = (RdbLength.BITS_14 << 6) | (n >> 8);
      buf[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      buf[this.pos++] = RdbLength.BITS_32;
      buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      buf[this.pos++] = RdbLength.BITS_64;
      const hi = Math.floor(n / 0x100000000);
      buf.writeUInt32BE(hi, this.pos);
      buf.writeUInt32BE(n - hi * 0x100000000, this.pos + 4);
      this.pos += 8;
    }
  }

  /**
   * The items of a packed body (packed.ts) as strings, each straight from its span of the
   * body: a small list, hash or set makes no string per element on its way out. An item shorter
   * than 64 bytes that string() would write raw (not an integer, not an LZF candidate) is
   * already what it writes: its packed length prefix is the same byte as rdbSaveLen's. So
   * runs of such items are copied as they are, a small hash's whole body in one write.
   */
  private packedItems(lp: string): void {
    let run = 0;
    let at = 0;
    while (at < lp.length) {
      // A prefix byte over 63 starts a longer prefix, and such an item is never raw as it is.
      const n = lp.charCodeAt(at);
      if (this.rawAsIs(lp, at + 1, n)) {
        at += 1 + n;
        continue;
      }
      this.verbatim(lp, run, at);
      const len = itemLength(lp, at);
      const start = at + prefixSize(len);
      this.string(lp, start, start + len);
      at = run = start + len;
    }
    this.verbatim(lp, run, at);
  }

  /** ZSET_LISTPACK: member and score (as zzlInsertAt writes it) of each entry, lowest first, in one listpack. */
  private zsetListpack(z: ZSet): void {
    z.walk(0, false, (member, score) => {
      blobWriter.element(member);
      blobWriter.element(d2string(score));
    });
    this.listpackBlob();
  }

  /** HASH_LISTPACK: the fields and values of a hash's body (packed.ts items), in order, in one listpack. */
  private hashListpack(lp: string): void {
    for (let at = 0; at < lp.length; at = skipItem(lp, at)) blobWriter.element(readItem(lp, at));
    this.listpackBlob();
  }

  /** The listpack blobWriter holds, as a string. */
  private listpackBlob(): void {
    const blob = blobWriter.take();
    this.string(latin1Slice(blob, 0, blob.length));
  }

  /**
   * The n entries of a sorted set's listpack body (zset.ts), highest first, each member
   * written as string() writes it (from its span, copied as it is when raw) and its score
   * as the little-endian double: the big-endian bytes the body holds, reversed.
   */
  private packedZset(lp: string, n: number): void {
    const starts = this.entryStarts;
    for (let i = 0, at = 0; i < n; i++) {
      starts[i] = at;
      const len = memberLength(lp, at);
      at = memberStart(at, len) + len + 8;
    }
    for (let i = n - 1; i >= 0; i--) {
      const at = starts[i]!;
      const len = memberLength(lp, at);
      const start = memberStart(at, len);
      if (this.rawAsIs(lp, start, len)) {
        this.ensure(1 + len);
        this.buf[this.pos++] = len;
        this.latin1(lp, start, start + len, this.pos);
        this.pos += len;
      } else {
        this.string(lp, start, start + len);
      }
      this.ensure(8);
      const buf = this.buf;
      const score = start + len;
      for (let k = 7; k >= 0; k--) buf[this.pos++] = lp.charCodeAt(score + k);
    }
  }

  /**
   * Whether string() writes s[start, start + len) raw, its length byte then its bytes: short
   * (one length byte, no LZF candidate) and no integer.
   */
  private rawAsIs(s: string, start: number, len: number): boolean {
    return len <= (this.compression ? LZF_MIN_LENGTH : 63) && (len > 11 || int32Encodable(s, start, start + len) === undefined);
  }

  /** Appends s[start, end) as it is. */
  private verbatim(s: string, start: number, end: number): void {
    if (end === start) return;
    this.ensure(end - start);
    this.latin1(s, start, end, this.pos);
    this.pos += end - start;
  }

  /**
   * rdbSaveRawString of s[start, end): canonical 32-bit integers as INT8/16/32, long strings
   * as LZF when that saves at least 4 bytes (rdbSaveLzfStringObject's bar), the rest raw.
   */
  private string(s: string, start = 0, end = s.length): void {
    const n = end - start;
    if (n <= 11) {
      const v = int32Encodable(s, start, end);
      if (v !== undefined) {
        this.integer(v);
        return;
      }
    }
    const lenSize = lengthSize(n);
    if (!this.compression || n <= LZF_MIN_LENGTH) {
      this.ensure(lenSize + n);
      this.writeLength(n);
      this.latin1(s, start, end, this.pos);
      this.pos += n;
      return;
    }
    // The bytes go where the raw form puts them, then get compressed from there: when LZF
    // does not win, only the length is left to write.
    this.ensure(1 + 2 * lenSize + n);
    const raw = this.pos + lenSize;
    this.latin1(s, start, end, raw);
    if (this.lzfOut.length < n) this.lzfOut = Buffer.allocUnsafe(2 * n);
    const packed = lzfCompressInto(this.buf, raw, raw + n, this.lzfOut, 0, n - 4);
    if (packed === 0) {
      this.writeLength(n);
      this.pos += n;
      return;
    }
    this.buf[this.pos++] = ENCODED | RdbEncoding.LZF;
    this.writeLength(packed);
    this.writeLength(n);
    this.copy(this.lzfOut, packed);
  }

  /** Appends src[0, n) (room ensured): a loop for short spans, where Buffer.copy's call costs more. */
  private copy(src: Buffer, n: number): void {
    if (n > SHORT_COPY) {
      this.pos += src.copy(this.buf, this.pos, 0, n);
      return;
    }
    const buf = this.buf;
    for (let i = 0; i < n; i++) buf[this.pos++] = src[i]!;
  }

  /** Writes s[start, end) at buf[at] (room ensured): a loop for short spans, where the native's call costs more. */
  private latin1(s: string, start: number, end: number, at: number): void {
    if (end - start > SHORT_STRING) {
      (this.buf as Latin1Buffer).latin1Write(start === 0 && end === s.length ? s : s.slice(start, end), at);
      return;
    }
    const buf = this.buf;
    for (let i = start; i < end; i++) buf[at++] = s.charCodeAt(i);
  }

  private integer(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    if (v >= -0x80 && v <= 0x7f) {
      buf[this.pos++] = ENCODED | RdbEncoding.INT8;
      buf.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -0x8000 && v <= 0x7fff) {
      buf[this.pos++] = ENCODED | RdbEncoding.INT16;
      buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else {
      buf[this.pos++] = ENCODED | RdbEncoding.INT32;
      buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    }
  }
}
