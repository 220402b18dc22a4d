// The stream type (t_stream.c, stream.h): entries in nodes that mirror Redis's radix tree of
// listpacks one for one, consumer groups with their pending entries lists (PELs) and
// consumers.
//
// Why nodes that mirror Redis's listpacks: a node holds up to stream-node-max-entries
// entries (100) or stream-node-max-bytes of listpack (4096), closed exactly where Redis
// closes its listpack (sizes are counted as listpack.c encodes them), so that `~` trims
// remove whole nodes and the same entries as Redis, and a node becomes an RDB listpack as
// it is (stream-node.ts keeps all but the last one packed in those bytes). The nodes sit in one array sorted by their master ID: XADD appends to the last
// node (O(1)), a range read finds its first node by binary search (O(log n)) and then
// walks arrays, and trims drop whole nodes from the front. A radix tree buys Redis
// compact memory for its byte keys; for 16-byte IDs kept in order an array is as fast.
import { IdMap } from './id-map.js';
import { streamLimits } from './limits.js';
import { type Int64, wrapAddInt64 } from './numbers.js';
import { MAX_ID, MIN_ID, type StreamId } from './stream-id.js';
import { FLAG_DELETED, FLAG_SAMEFIELDS, StreamNode, lowerBound } from './stream-node.js';

export { IdMap } from './id-map.js';
export { StreamNode } from './stream-node.js';

/** STREAM_LISTPACK_MAX_SIZE: the most a node's listpack may reach. */
export const STREAM_LISTPACK_MAX_SIZE = 2 ** 30;
/** SCG_INVALID_ENTRIES_READ: a group's entries-read that is not known. */
export const INVALID_ENTRIES_READ = -1;

/** A pending entry: delivered to a consumer and not acknowledged yet (streamNACK). */
export class Nack {
  constructor(public deliveryTime: number, public deliveryCount: number, public consumer: Consumer | null) {}
}

export class Consumer {
  readonly pel = new IdMap<Nack>();
  /** Redis 7.2's active-time (RDB type 21); Redis 7.0 has only seen-time. */
  constructor(readonly name: string, public seenTime: number) {}
}

/** streamCG: the last delivered ID, the entries-read counter, the PEL and the consumers. */
export class ConsumerGroup {
  readonly pel = new IdMap<Nack>();
  readonly consumers = new Map<string, Consumer>();

  constructor(readonly name: string, public lastId: StreamId, public entriesRead: Int64) {}

  /** The consumers in name order, as Redis's rax walks them. */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** Visits an entry of a range walk; returning false stops the walk. */
export type EntryVisitor = (id: StreamId, node: StreamNode, index: number) => boolean | void;

export class Stream {
  nodes: StreamNode[] = [];
  length = 0;
  lastId: StreamId = MIN_ID;
  firstId: StreamId = MIN_ID;
  maxDeletedId: StreamId = MIN_ID;
  /** A uint64 in Redis, held as the int64 it reads as (XINFO, lag): the same bits. */
  entriesAdded: Int64 = 0;
  /** Null until a group is first created, as Redis's s->cgroups. */
  groups: Map<string, ConsumerGroup> | null = null;

  get encoding(): string {
    return 'stream';
  }

  /**
   * streamAppendItem's storage half: appends an entry whose ID the caller checked is past
   * lastId, into the last node or a new one where Redis would start one.
   */
  append(id: StreamId, fv: string[]): void {
    let node: StreamNode | undefined = this.nodes[this.nodes.length - 1];
    if (node !== undefined) {
      let total = 0;
      for (let i = 0; i < fv.length; i++) total += fv[i]!.length;
      let maxBytes = streamLimits.nodeMaxBytes;
      if (maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE) maxBytes = STREAM_LISTPACK_MAX_SIZE;
      if (node.bytes + total >= maxBytes ||
          (streamLimits.nodeMaxEntries > 0 && node.live + node.deleted >= streamLimits.nodeMaxEntries)) {
        node = undefined;
      }
    }
    if (node === undefined) {
      this.nodes[this.nodes.length - 1]?.pack();
      const fields = new Array<string>(fv.length / 2);
      for (let i = 0; i < fields.length; i++) fields[i] = fv[2 * i]!;
      node = new StreamNode(id, fields);
      this.nodes.push(node);
    }
    if (node.sameFields(fv)) {
      const values = new Array<string>(fv.length / 2);
      for (let i = 0; i < values.length; i++) values[i] = fv[2 * i + 1]!;
      node.push(id, FLAG_SAMEFIELDS, values);
    } else {
      node.push(id, 0, fv);
    }
    this.length++;
    this.entriesAdded = wrapAddInt64(this.entriesAdded, 1);
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** The index of the node that may hold id: the last whose master ID is <= id; -1 if none. */
  nodeIndexFor(id: StreamId): number {
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.nodes[mid]!.masterId <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /**
   * The live entries with start <= id <= end, ascending (or descending when rev), each
   * given to visit until it returns false.
   */
  range(start: StreamId, end: StreamId, rev: boolean, visit: EntryVisitor): void {
    if (start > end) return;
    const nodes = this.nodes;
    if (!rev) {
      for (let n = Math.max(0, this.nodeIndexFor(start)); n < nodes.length; n++) {
        const node = nodes[n]!;
        if (node.masterId > end) return;
        const ids = node.ids;
        for (let i = n === 0 || node.masterId < start ? lowerBound(ids, start) : 0; i < ids.length; i++) {
          const id = ids[i]!;
          if (id > end) return;
          if (node.flags[i]! & FLAG_DELETED) continue;
          if (visit(id, node, i) === false) return;
        }
      }
    } else {
      for (let n = this.nodeIndexFor(end); n >= 0; n--) {
        const node = nodes[n]!;
        const ids = node.ids;
        let i = lowerBound(ids, end);
        if (i === ids.length || ids[i]! > end) i--;
        for (; i >= 0; i--) {
          const id = ids[i]!;
          if (id < start) return;
          if (node.flags[i]! & FLAG_DELETED) continue;
          if (visit(id, node, i) === false) return;
        }
      }
    }
  }

  /** The entry's fields and values, or null when it is not there (or deleted). */
  lookup(id: StreamId): string[] | null {
    const n = this.nodeIndexFor(id);
    if (n < 0) return null;
    const node = this.nodes[n]!;
    const i = node.indexOf(id);
    if (i < 0 || node.flags[i]! & FLAG_DELETED) return null;
    return node.fieldsAndValues(i);
  }

  /** The first (or last) live entry's ID, or null when empty (streamGetEdgeID). */
  edgeId(first: boolean): StreamId | null {
    let found: StreamId | null = null;
    this.range(MIN_ID, MAX_ID, !first, (id) => {
      found = id;
      return false;
    });
    return found;
  }

  /** streamIteratorRemoveEntry: flags id deleted; drops its node when nothing live is left. False if absent. */
  delete(id: StreamId): boolean {
    const n = this.nodeIndexFor(id);
    if (n < 0) return false;
    const node = this.nodes[n]!;
    const i = node.indexOf(id);
    if (i < 0 || !node.markDeleted(i)) return false;
    if (node.live === 0) this.nodes.splice(n, 1);
    else if (n < this.nodes.length - 1) node.pack();
    this.length--;
    return true;
  }

  /**
   * streamTrim: removes entries from the head while the stream is longer than maxlen (or
   * while they are below minid); approx removes whole nodes only; limit (0: none) caps the
   * entries removed. Returns how many went.
   */
  trim(maxlen: number | null, minid: StreamId | null, approx: boolean, limit: number): number {
    let deleted = 0;
    let drop = 0;
    const nodes = this.nodes;
    for (; drop < nodes.length; drop++) {
      if (maxlen !== null && this.length <= maxlen) break;
      const node = nodes[drop]!;
      const entries = node.live;
      if (limit && deleted + entries > limit) break;
      const removeNode = maxlen !== null ? this.length - entries >= maxlen : node.ids[node.ids.length - 1]! < minid!;
      if (removeNode) {
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      const ids = node.ids;
      for (let i = 0; i < ids.length; i++) {
        if (maxlen !== null ? this.length <= maxlen : ids[i]! >= minid!) break;
        if (node.markDeleted(i)) {
          this.length--;
          deleted++;
        }
      }
      if (drop < nodes.length - 1) node.pack();
      break;
    }
    if (drop > 0) nodes.splice(0, drop);
    if (this.length === 0) this.firstId = MIN_ID;
    else if (deleted > 0) this.firstId = this.edgeId(true)!;
    return deleted;
  }

  /** streamRangeHasTombstones: whether an XDEL'd entry may lie in [start, end]. */
  rangeHasTombstones(start: StreamId, end: StreamId): boolean {
    if (this.length === 0 || this.maxDeletedId === MIN_ID) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return start <= this.maxDeletedId && this.maxDeletedId <= end;
  }

  /** streamEstimateDistanceFromFirstEverEntry: the entries-read count at id, or INVALID_ENTRIES_READ. */
  estimateDistance(id: StreamId): Int64 {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return INVALID_ENTRIES_READ;
    if (this.maxDeletedId === MIN_ID || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return wrapAddInt64(this.entriesAdded, -this.length);
      if (id === this.firstId) return wrapAddInt64(this.entriesAdded, 1 - this.length);
    }
    return INVALID_ENTRIES_READ;
  }

  group(name: string): ConsumerGroup | undefined {
    return this.groups?.get(name);
  }

  /** streamCreateCG: null when the name is taken. */
  createGroup(name: string, lastId: StreamId, entriesRead: Int64): ConsumerGroup | null {
    this.groups ??= new Map();
    if (this.groups.has(name)) return null;
    const g = new ConsumerGroup(name, lastId, entriesRead);
    this.groups.set(name, g);
    return g;
  }

  /** A copy that shares nothing mutable (COPY). */
  clone(): Stream {
    const s = new Stream();
    for (const node of this.nodes) s.nodes.push(node.clone());
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    for (const g of this.sortedGroups()) {
      const copy = s.createGroup(g.name, g.lastId, g.entriesRead)!;
      for (const c of g.consumers.values()) copy.consumers.set(c.name, new Consumer(c.name, c.seenTime));
      for (const [id, nack] of g.pel.from(MIN_ID)) {
        const consumer = nack.consumer === null ? null : copy.consumers.get(nack.consumer.name)!;
        const n = new Nack(nack.deliveryTime, nack.deliveryCount, consumer);
        copy.pel.set(id, n);
        consumer?.pel.set(id, n);
      }
    }
    return s;
  }

  /** The groups in name order, as Redis's rax walks them. */
  sortedGroups(): ConsumerGroup[] {
    if (this.groups === null) return [];
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
