// A stream node: one of Redis's listpacks of stream entries (t_stream.c's layout: a master
// entry with the live and deleted counts and the master fields, then each entry as flags,
// ms and seq deltas from the node's master ID, its fields unless they are the master's,
// its values, and its element count).
//
// The node being appended to is kept open, as arrays. A node is packed into its listpack
// bytes once the stream moves on to the next one, and a loaded node stays in the bytes it
// was read from: a million entries then take about what Redis's listpacks take (the open
// form costs ~250 bytes an entry, the packed one ~20). A packed node is decoded when read,
// into a one-node cache, so a range walk decodes each node it crosses once; a write to a
// packed node (XDEL, trims) opens it and the stream packs it again.
import { readListpack } from '../io/listpack.js';
import { ListpackWriter, LP_EMPTY_SIZE, lpElementSize, lpIntSize } from '../io/listpack-writer.js';
import { type BlobItems, Latin1Cutter, RdbError, itemText } from '../io/rdb-format.js';
import { isIntegerString } from './numbers.js';
import { idPart, streamId, streamIdBig, type StreamId } from './stream-id.js';

export const FLAG_DELETED = 1;
export const FLAG_SAMEFIELDS = 2;

/** The master ID's halves (masterMs, masterSeq) + (ms, seq) deltas, each an int64 added modulo 2^64 as Redis's uint64 arithmetic does. */
function addDelta(masterMs: number | bigint, masterSeq: number | bigint, ms: string | number, seq: string | number): StreamId {
  if (typeof ms === 'number' && typeof seq === 'number' && typeof masterMs === 'number' && typeof masterSeq === 'number') {
    const m = masterMs + ms;
    const q = masterSeq + seq;
    if (m >= 0 && q >= 0 && Number.isSafeInteger(m) && Number.isSafeInteger(q)) return streamId(m, q);
  }
  const part = (half: number | bigint, d: string | number): bigint => BigInt.asUintN(64, BigInt(half) + BigInt(d));
  return streamIdBig(part(masterMs, ms), part(masterSeq, seq));
}

/** The first index in sorted ids[lo..] whose id >= target. */
export function lowerBound(ids: readonly StreamId[], target: StreamId, lo = 0): number {
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A node's entries as arrays: IDs, flags, and per entry its values (SAMEFIELDS) or fields and values. */
interface Entries {
  ids: StreamId[];
  flags: number[];
  data: string[][];
}

/** The listpack's master entry and entries, checked as the RDB loader must check them. */
interface Parsed extends Entries {
  fields: string[];
  live: number;
  deleted: number;
}

const items: BlobItems = [];

/** Reads and checks a stream listpack of the node at masterId; throws RdbError when it is not one. */
function parseListpack(masterId: StreamId, lp: Buffer): Parsed {
  const n = readListpack(new Latin1Cutter(lp), 0, lp.length, items);
  let p = 0;
  const bad = (what: string): never => {
    throw new RdbError(what, 0);
  };
  const int = (): number => {
    const v = p < n ? items[p++] : undefined;
    return typeof v === 'number' ? v : bad('stream listpack has a bad entry');
  };
  const text = (): string => (p < n ? itemText(items[p++]!) : bad('stream listpack ends inside an entry'));
  // An ID delta: an integer, or past 2^53 the decimal text of an int64.
  const delta = (): number | string => {
    const v = p < n ? items[p++]! : bad('stream listpack ends inside an entry');
    return typeof v === 'number' || isIntegerString(v) ? v : bad('stream listpack has a bad ID delta');
  };
  const live = int();
  const deleted = int();
  const fieldCount = int();
  const fields: string[] = [];
  for (let i = 0; i < fieldCount; i++) fields.push(text());
  if (int() !== 0) bad('stream listpack master entry lacks its terminator');
  const out: Parsed = { ids: [], flags: [], data: [], fields, live: 0, deleted: 0 };
  const masterMs = idPart(masterId, 0);
  const masterSeq = idPart(masterId, 8);
  let prev = '';
  while (p < n) {
    const flags = int() & (FLAG_DELETED | FLAG_SAMEFIELDS);
    const id = addDelta(masterMs, masterSeq, delta(), delta());
    if (id <= prev || id < masterId) bad('stream listpack entries are out of order');
    prev = id;
    const count = flags & FLAG_SAMEFIELDS ? fieldCount : 2 * int();
    const data = new Array<string>(count);
    for (let i = 0; i < count; i++) data[i] = text();
    if (int() !== (flags & FLAG_SAMEFIELDS ? count + 3 : count + 4)) bad('stream listpack entry has a bad lp-count');
    out.ids.push(id);
    out.flags.push(flags);
    out.data.push(data);
    if (flags & FLAG_DELETED) out.deleted++;
    else out.live++;
  }
  if (out.live !== live || out.deleted !== deleted) bad('stream listpack counts do not match its entries');
  if (out.ids.length === 0) bad('stream has an empty listpack');
  return out;
}

/** The packed node whose entries were decoded last, and those entries. */
let cachedNode: StreamNode | null = null;
let cachedEntries: Entries | null = null;
const writer = new ListpackWriter();

/** One listpack's worth of entries: deleted ones stay, flagged, as in Redis's listpack. */
export class StreamNode {
  live = 0;
  deleted = 0;
  /** The entries while the node is open; null once packed. */
  private open: Entries | null = { ids: [], flags: [], data: [] };
  /** The listpack bytes once packed; null while open. */
  private lp: Buffer | null = null;
  /** The listpack's size without its live and deleted counters (they change size as they grow). */
  private baseBytes: number;
  /** masterId's halves, read once: every entry written stores its ID as deltas from them. */
  private readonly masterMs: number | bigint;
  private readonly masterSeq: number | bigint;

  constructor(readonly masterId: StreamId, readonly masterFields: string[]) {
    this.masterMs = idPart(masterId, 0);
    this.masterSeq = idPart(masterId, 8);
    let bytes = LP_EMPTY_SIZE + lpIntSize(masterFields.length) + lpIntSize(0);
    for (const f of masterFields) bytes += lpElementSize(f);
    this.baseBytes = bytes;
  }

  /** A packed node over a stream listpack (RDB); throws RdbError when the bytes are not one. */
  static fromListpack(masterId: StreamId, lp: Buffer): StreamNode {
    const parsed = parseListpack(masterId, lp);
    const node = new StreamNode(masterId, parsed.fields);
    node.live = parsed.live;
    node.deleted = parsed.deleted;
    node.baseBytes = lp.length - lpIntSize(parsed.live) - lpIntSize(parsed.deleted);
    node.open = null;
    node.lp = lp;
    return node;
  }

  /** The entries, open or decoded from the listpack (into the one-node cache). */
  private get entries(): Entries {
    if (this.open !== null) return this.open;
    if (cachedNode !== this) {
      cachedEntries = parseListpack(this.masterId, this.lp!);
      cachedNode = this;
    }
    return cachedEntries!;
  }

  get ids(): readonly StreamId[] {
    return this.entries.ids;
  }

  get flags(): readonly number[] {
    return this.entries.flags;
  }

  /** lpBytes of this node as a listpack. */
  get bytes(): number {
    return this.baseBytes + lpIntSize(this.live) + lpIntSize(this.deleted);
  }

  /** Entries open for writing: a packed node is decoded into its own arrays. */
  private opened(): Entries {
    if (this.open !== null) return this.open;
    const e = this.entries;
    this.open = { ids: e.ids.slice(), flags: e.flags.slice(), data: e.data.slice() };
    this.lp = null;
    if (cachedNode === this) cachedNode = null;
    return this.open;
  }

  /** Closes the node into its listpack bytes. */
  pack(): void {
    if (this.open === null) return;
    this.lp = this.toListpack();
    this.open = null;
  }

  /** True when fv's fields are the master entry's. */
  sameFields(fv: string[]): boolean {
    const m = this.masterFields;
    if (fv.length !== 2 * m.length) return false;
    for (let i = 0; i < m.length; i++) if (fv[2 * i] !== m[i]) return false;
    return true;
  }

  /** Appends an entry (flags already chosen); keeps the byte count. */
  push(id: StreamId, flags: number, data: string[]): void {
    const e = this.opened();
    e.ids.push(id);
    e.flags.push(flags);
    e.data.push(data);
    let bytes = lpIntSize(flags) + lpIntSize(this.idDelta(id, 0)) + lpIntSize(this.idDelta(id, 8));
    if (!(flags & FLAG_SAMEFIELDS)) bytes += lpIntSize(data.length / 2);
    for (let i = 0; i < data.length; i++) bytes += lpElementSize(data[i]!);
    bytes += lpIntSize(flags & FLAG_SAMEFIELDS ? data.length + 3 : data.length + 4);
    this.baseBytes += bytes;
    if (flags & FLAG_DELETED) this.deleted++;
    else this.live++;
  }

  /** id's ms (at 0) or seq (at 8) less the master ID's, an int64 as lpAppendInteger stores it. */
  private idDelta(id: StreamId, at: 0 | 8): number | bigint {
    const a = idPart(id, at);
    const b = at === 0 ? this.masterMs : this.masterSeq;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return BigInt.asIntN(64, BigInt(a) - BigInt(b));
  }

  /** Entry i's fields and values, interleaved. */
  fieldsAndValues(i: number): string[] {
    const e = this.entries;
    const d = e.data[i]!;
    if (!(e.flags[i]! & FLAG_SAMEFIELDS)) return d;
    const m = this.masterFields;
    const out = new Array<string>(2 * d.length);
    for (let k = 0; k < d.length; k++) {
      out[2 * k] = m[k]!;
      out[2 * k + 1] = d[k]!;
    }
    return out;
  }

  /** The entry index of id, or -1. */
  indexOf(id: StreamId): number {
    const ids = this.ids;
    const i = lowerBound(ids, id);
    return i < ids.length && ids[i] === id ? i : -1;
  }

  /** Flags entry i deleted (it stays in the listpack); false if it already was. Opens a packed node. */
  markDeleted(i: number): boolean {
    if (this.flags[i]! & FLAG_DELETED) return false;
    const e = this.opened();
    e.flags[i] = e.flags[i]! | FLAG_DELETED;
    this.live--;
    this.deleted++;
    return true;
  }

  /** The node as Redis's listpack: master entry (counts, fields, 0), then each entry. */
  toListpack(): Buffer {
    if (this.lp !== null) return this.lp;
    const lp = writer;
    lp.integer(this.live);
    lp.integer(this.deleted);
    lp.integer(this.masterFields.length);
    for (const f of this.masterFields) lp.element(f);
    lp.integer(0);
    const { ids, flags, data } = this.entries;
    for (let i = 0; i < ids.length; i++) {
      const f = flags[i]!;
      const d = data[i]!;
      lp.integer(f);
      lp.integer(this.idDelta(ids[i]!, 0));
      lp.integer(this.idDelta(ids[i]!, 8));
      if (!(f & FLAG_SAMEFIELDS)) lp.integer(d.length / 2);
      for (const v of d) lp.element(v);
      lp.integer(f & FLAG_SAMEFIELDS ? d.length + 3 : d.length + 4);
    }
    return lp.take();
  }

  /** A copy that shares nothing mutable (a packed node shares its bytes, which never change). */
  clone(): StreamNode {
    if (this.lp !== null) return StreamNode.fromPacked(this);
    const copy = new StreamNode(this.masterId, this.masterFields);
    const { ids, flags, data } = this.open!;
    for (let i = 0; i < ids.length; i++) copy.push(ids[i]!, flags[i]!, data[i]!.slice());
    return copy;
  }

  private static fromPacked(src: StreamNode): StreamNode {
    const node = new StreamNode(src.masterId, src.masterFields);
    node.live = src.live;
    node.deleted = src.deleted;
    node.baseBytes = src.baseBytes;
    node.open = null;
    node.lp = src.lp;
    return node;
  }
}
