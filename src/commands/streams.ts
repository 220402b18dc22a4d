// Streams (t_stream.c): XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID XINFO, and the ID
// parsing and entry replies that the group commands (stream-groups.ts) and the reads
// (stream-reads.ts) share.
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey } from '../actors/notify.js';
import { streamLimits } from '../store/limits.js';
import type { IdMap } from '../store/id-map.js';
import { ConsumerGroup, INVALID_ENTRIES_READ, Stream, STREAM_LISTPACK_MAX_SIZE, type StreamNode } from '../store/stream.js';
import {
  MAX_ID, MIN_ID, idText, msChars, nextId, nextSeq, parseStreamId, prevId, streamId, type ParsedId, type StreamId,
} from '../store/stream-id.js';
import { type Int64, wrapAddInt64 } from '../store/numbers.js';
import { fail, int64Arg, intArg, is, lookupOf } from './args.js';
import type { CommandSpec } from './command.js';
import { cs, ERR } from './errors.js';
import { container, replyHelp, subcommandSyntax } from './subcommands.js';

const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

/** streamParseIDOrReply ("-" and "+" allowed): null after the error. */
export function idArg(c: Client, s: string, missingSeq: 0 | 'max'): StreamId | null {
  const p = parseStreamId(s, missingSeq);
  return p === null ? fail(c, INVALID_ID) : p.id;
}

/** streamParseStrictIDOrReply: "-" and "+" refused; null after the error. */
export function strictIdArg(c: Client, s: string): StreamId | null {
  const p = parseStreamId(s, 0, true);
  return p === null ? fail(c, INVALID_ID) : p.id;
}

/**
 * streamParseIntervalIDOrReply plus the increment/decrement of an exclusive bound: a range
 * start (or end) where "(id" excludes id. Null after the error.
 */
export function intervalArg(c: Client, s: string, end: boolean): StreamId | null {
  const exclusive = s.length > 1 && s.charCodeAt(0) === 40;
  if (!exclusive) return idArg(c, s, end ? 'max' : 0);
  const p = parseStreamId(s.slice(1), end ? 'max' : 0, true);
  if (p === null) return fail(c, INVALID_ID);
  const moved = end ? prevId(p.id) : nextId(p.id);
  return moved ?? fail(c, `ERR invalid ${end ? 'end' : 'start'} ID for the interval`);
}

/** The stream at key (write: about to change): undefined when missing, null after WRONGTYPE. */
export function lookupStream(c: Client, key: string, write = false): Stream | undefined | null {
  return lookupOf(c, key, Stream, write);
}

/** One entry as Redis replies it: [id, [field, value, ...]]. */
export function replyEntry(c: Client, id: StreamId, node: StreamNode, i: number): void {
  c.reply.array(2);
  c.reply.bulk(idText(id));
  const fv = node.fieldsAndValues(i);
  c.reply.array(fv.length);
  for (let k = 0; k < fv.length; k++) c.reply.bulk(fv[k]!);
}

/** An entry found by a range walk, kept until the reply's length is known. */
export interface Found {
  id: StreamId;
  node: StreamNode;
  index: number;
}

/** The live entries of [start, end], at most count of them (0: all). */
export function collect(s: Stream, start: StreamId, end: StreamId, rev: boolean, count: number): Found[] {
  const out: Found[] = [];
  s.range(start, end, rev, (id, node, index) => {
    out.push({ id, node, index });
    return count === 0 || out.length < count;
  });
  return out;
}

export function replyEntries(c: Client, entries: readonly Found[]): void {
  c.reply.array(entries.length);
  for (const e of entries) replyEntry(c, e.id, e.node, e.index);
}

/** streamLastValidID: the last live entry's ID, or 0-0. */
export function lastValidId(s: Stream): StreamId {
  return s.edgeId(false) ?? MIN_ID;
}

// --- XADD and XTRIM -------------------------------------------------------------------------

/** streamAddTrimArgs: what XADD and XTRIM were asked. */
interface AddTrimArgs {
  maxlen: number | null;
  minid: StreamId | null;
  approx: boolean;
  limit: number;
  noMkstream: boolean;
  id: ParsedId | null;
  /** Where XADD's ID argument is. */
  idPos: number;
  /** Where the MAXLEN / MINID value is (the `~` or `=` before it, if any). */
  trimArgPos: number;
}

/** streamParseAddOrTrimArgsOrReply: null after the error. */
function parseAddTrimArgs(c: Client, argv: string[], xadd: boolean): AddTrimArgs | null {
  const a: AddTrimArgs = { maxlen: null, minid: null, approx: false, limit: 0, noMkstream: false, id: null, idPos: 0, trimArgPos: 0 };
  let limitGiven = false;
  let i = 2;
  const both = 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible';
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i]!;
    if (xadd && opt === '*') break;
    if ((is(opt, 'MAXLEN') || is(opt, 'MINID')) && more > 0) {
      if (a.maxlen !== null || a.minid !== null) return fail(c, both);
      a.approx = false;
      const next = argv[i + 1]!;
      if (more >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (more >= 2 && next === '=') {
        i++;
      }
      if (is(opt, 'MAXLEN')) {
        const n = intArg(c, argv[i + 1]!);
        if (n === null) return null;
        if (n < 0) return fail(c, 'ERR The MAXLEN argument must be >= 0.');
        a.maxlen = n;
      } else {
        const id = strictIdArg(c, argv[i + 1]!);
        if (id === null) return null;
        a.minid = id;
      }
      i++;
      a.trimArgPos = i;
    } else if (is(opt, 'LIMIT') && more > 0) {
      const n = intArg(c, argv[i + 1]!);
      if (n === null) return null;
      if (n < 0) return fail(c, 'ERR The LIMIT argument must be >= 0.');
      a.limit = n;
      limitGiven = true;
      i++;
    } else if (xadd && is(opt, 'NOMKSTREAM')) {
      a.noMkstream = true;
    } else if (xadd) {
      a.id = parseStreamId(opt, 0, true, true);
      if (a.id === null) return fail(c, INVALID_ID);
      break;
    } else {
      return fail(c, ERR.syntax);
    }
  }
  a.idPos = i;
  const strategy = a.maxlen !== null || a.minid !== null;
  if (a.limit && !strategy) return fail(c, 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && !strategy) return fail(c, 'ERR syntax error, XTRIM must be called with a trimming strategy');
  if (c.isMaster) {
    // What a master sends was rewritten to trim exactly: no cap on the work.
    a.limit = 0;
  } else if (limitGiven) {
    if (!a.approx) return fail(c, 'ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else if (a.approx) {
    // At most 100 nodes' worth of work for a trim that asked for none.
    a.limit = 100 * streamLimits.nodeMaxEntries;
    if (a.limit <= 0) a.limit = 10000;
    if (a.limit > 1000000) a.limit = 1000000;
  } else {
    a.limit = 0;
  }
  return a;
}

function trim(s: Stream, a: AddTrimArgs): number {
  return s.trim(a.maxlen, a.minid, a.approx, a.limit);
}

/**
 * streamRewriteApproxSpecifier and streamRewriteTrimArgument: a `~` trim propagates as `=`
 * to where it got (the length, or the first ID left, tombstones included), so that
 * replicas, whose node layout may differ, remove the same entries.
 */
function rewriteApproxTrim(out: string[], s: Stream, a: AddTrimArgs): void {
  out[a.trimArgPos - 1] = '=';
  if (a.maxlen !== null) out[a.trimArgPos] = String(s.length);
  else out[a.trimArgPos] = idText(s.nodes.length > 0 ? s.nodes[0]!.ids[0]! : MAX_ID);
}

/**
 * streamAppendItem's ID half: the ID XADD adds at, or the error to reply. An explicit ID
 * must pass lastId; "ms-*" continues lastId's sequence when ms is lastId's; "*" takes the
 * clock, or lastId + 1 when the clock is behind it.
 */
function newEntryId(s: Stream, given: ParsedId | null): StreamId | string {
  const tooSmall = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
  let id: StreamId | null;
  if (given === null) {
    const now = streamId(Date.now(), 0);
    id = msChars(now) > msChars(s.lastId) ? now : nextId(s.lastId) ?? MIN_ID;
  } else if (!given.seqGiven && msChars(given.id) === msChars(s.lastId)) {
    id = nextSeq(s.lastId);
    // Redis returns without setting errno here, and replies its other error.
    if (id === null) return 'ERR Elements are too large to be stored';
  } else {
    id = given.id;
  }
  return id > s.lastId ? id : tooSmall;
}

// xaddCommand
function xadd(c: Client, argv: string[]): void {
  const a = parseAddTrimArgs(c, argv, true);
  if (a === null) return;
  const fieldPos = a.idPos + 1;
  const n = argv.length - fieldPos;
  if (n < 2 || n % 2 === 1) return c.reply.error(ERR.arity('xadd'));
  if (a.id !== null && a.id.seqGiven && a.id.id === MIN_ID) {
    return c.reply.error('ERR The ID specified in XADD must be greater than 0-0');
  }
  const key = argv[1]!;
  let s = lookupStream(c, key, true);
  if (s === null) return;
  if (s === undefined) {
    if (a.noMkstream) return c.reply.nullBulk();
    s = new Stream();
    c.db.set(key, s);
  }
  if (s.lastId === MAX_ID) return c.reply.error('ERR The stream has exhausted the last possible ID, unable to add more items');
  const id = newEntryId(s, a.id);
  if (id.length !== 16) return c.reply.error(id);
  const fv = argv.slice(fieldPos);
  let total = 0;
  for (const x of fv) total += x.length;
  if (total > STREAM_LISTPACK_MAX_SIZE) return c.reply.error('ERR Elements are too large to be stored');
  s.append(id, fv);
  const text = idText(id);
  c.reply.bulk(text);
  c.db.modified(key);
  c.db.signalKeyAsReady(key);
  notifyKey(c, NOTIFY.stream, 'xadd', key);
  if ((a.maxlen !== null || a.minid !== null) && trim(s, a) > 0) notifyKey(c, NOTIFY.stream, 'xtrim', key);
  // Replicas add at the ID chosen here and trim exactly (a `~` comes with MAXLEN or MINID
  // only); an explicit ID with an exact trim or none goes to them as it came.
  const chosenId = a.id === null || !a.id.seqGiven;
  if (!chosenId && !a.approx) return;
  const out = argv.slice();
  if (a.approx) rewriteApproxTrim(out, s, a);
  if (chosenId) out[a.idPos] = text;
  c.propagateAs(out);
}

// xtrimCommand
function xtrim(c: Client, argv: string[]): void {
  const a = parseAddTrimArgs(c, argv, false);
  if (a === null) return;
  const key = argv[1]!;
  const s = lookupStream(c, key, true);
  if (s === null) return;
  if (s === undefined) return c.reply.integer(0);
  const deleted = trim(s, a);
  if (deleted > 0) {
    c.db.modified(key, deleted);
    notifyKey(c, NOTIFY.stream, 'xtrim', key);
    if (a.approx) {
      const out = argv.slice();
      rewriteApproxTrim(out, s, a);
      c.propagateAs(out);
    }
  }
  c.reply.integer(deleted);
}

// --- reads ----------------------------------------------------------------------------------

// xrangeGenericCommand
function xrange(c: Client, argv: string[], rev: boolean): void {
  const start = intervalArg(c, rev ? argv[3]! : argv[2]!, false);
  if (start === null) return;
  const end = intervalArg(c, rev ? argv[2]! : argv[3]!, true);
  if (end === null) return;
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (is(argv[j], 'COUNT') && j + 1 < argv.length) {
      const n = intArg(c, argv[++j]!);
      if (n === null) return;
      count = Math.max(n, 0);
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  const s = lookupOf(c, argv[1]!, Stream);
  if (s === null) return;
  if (s === undefined) return c.reply.emptyArray();
  if (count === 0) return c.reply.nullArray();
  replyEntries(c, collect(s, start, end, rev, count === -1 ? 0 : count));
}

// xlenCommand
function xlen(c: Client, argv: string[]): void {
  const s = lookupOf(c, argv[1]!, Stream);
  if (s === null) return;
  c.reply.integer(s === undefined ? 0 : s.length);
}

// xdelCommand
function xdel(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const s = lookupStream(c, key, true);
  if (s === null) return;
  if (s === undefined) return c.reply.integer(0);
  const ids: StreamId[] = [];
  for (let j = 2; j < argv.length; j++) {
    const id = strictIdArg(c, argv[j]!);
    if (id === null) return;
    ids.push(id);
  }
  let deleted = 0;
  let first = false;
  for (const id of ids) {
    if (!s.delete(id)) continue;
    if (id === s.firstId) first = true;
    if (id > s.maxDeletedId) s.maxDeletedId = id;
    deleted++;
  }
  if (deleted > 0) {
    if (s.length === 0) s.firstId = MIN_ID;
    else if (first) s.firstId = s.edgeId(true)!;
    c.db.modified(key, deleted);
    notifyKey(c, NOTIFY.stream, 'xdel', key);
  }
  c.reply.integer(deleted);
}

// xsetidCommand
function xsetid(c: Client, argv: string[]): void {
  const id = strictIdArg(c, argv[2]!);
  if (id === null) return;
  let entriesAdded: Int64 = -1;
  let maxDeleted = MIN_ID;
  for (let i = 3; i < argv.length; i += 2) {
    const more = argv.length - 1 - i;
    if (is(argv[i], 'ENTRIESADDED') && more > 0) {
      const n = int64Arg(c, argv[i + 1]!);
      if (n === null) return;
      if (n < 0) return c.reply.error('ERR entries_added must be positive');
      entriesAdded = n;
    } else if (is(argv[i], 'MAXDELETEDID') && more > 0) {
      const m = strictIdArg(c, argv[i + 1]!);
      if (m === null) return;
      if (id < m) return c.reply.error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      maxDeleted = m;
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  const key = argv[1]!;
  const s = lookupStream(c, key, true);
  if (s === null) return;
  if (s === undefined) return c.reply.error(ERR.noSuchKey);
  if (s.length > 0) {
    if (id < lastValidId(s)) return c.reply.error('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      return c.reply.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (maxDeleted !== MIN_ID) s.maxDeletedId = maxDeleted;
  c.db.dirtied();
  notifyKey(c, NOTIFY.stream, 'xsetid', key);
  c.reply.ok();
}

// --- XINFO ----------------------------------------------------------------------------------

/**
 * raxSize-independent rax->numnodes of a rax holding these sorted 16-byte keys: a rax node
 * is the root, each child of a branching byte, and each branch or leaf reached through a
 * chain (one compressed node); counted over the byte trie of the keys.
 */
function raxNodeCount(keys: readonly string[]): number {
  if (keys.length === 0) return 1;
  const walk = (lo: number, hi: number, depth: number, parentUnary: boolean, forced: boolean): number => {
    if (depth === 16) return forced || parentUnary ? 1 : 0;
    let children = 0;
    for (let i = lo; i < hi; ) {
      let j = i + 1;
      while (j < hi && keys[j]!.charCodeAt(depth) === keys[i]!.charCodeAt(depth)) j++;
      children++;
      i = j;
    }
    let n = forced || (parentUnary && children !== 1) ? 1 : 0;
    for (let i = lo; i < hi; ) {
      let j = i + 1;
      while (j < hi && keys[j]!.charCodeAt(depth) === keys[i]!.charCodeAt(depth)) j++;
      n += walk(i, j, depth + 1, children === 1, children > 1);
      i = j;
    }
    return n;
  };
  return walk(0, keys.length, 0, false, true);
}

/**
 * The last raxNodeCount of each stream's nodes, with the list it was counted on. A node is only
 * ever appended at the end or dropped, so as many nodes as then with the same last one are the
 * same list: XINFO STREAM counts again after a change only, not on every call (O(nodes): 434 µs
 * on 200k entries, where Redis's rax keeps its count).
 */
const raxCounts = new WeakMap<Stream, { length: number; last: StreamNode; count: number }>();

function streamRaxNodes(s: Stream): number {
  const nodes = s.nodes;
  if (nodes.length === 0) return raxNodeCount([]);
  const last = nodes[nodes.length - 1]!;
  const known = raxCounts.get(s);
  if (known !== undefined && known.length === nodes.length && known.last === last) return known.count;
  const count = raxNodeCount(nodes.map((n) => n.masterId));
  raxCounts.set(s, { length: nodes.length, last, count });
  return count;
}

/** streamReplyWithCGLag: the group's lag, or null when it cannot be known. */
function groupLag(s: Stream, g: ConsumerGroup): Int64 | null {
  if (s.entriesAdded === 0) return 0;
  const read = g.entriesRead !== INVALID_ENTRIES_READ && !s.rangeHasTombstones(g.lastId, MAX_ID) ? g.entriesRead : s.estimateDistance(g.lastId);
  return read === INVALID_ENTRIES_READ ? null : wrapAddInt64(s.entriesAdded, -read);
}

function replyIntOrNull(c: Client, n: Int64 | null): void {
  if (n === null) c.reply.nullBulk();
  else c.reply.integer(n);
}

/** A group's last-delivered-id, entries-read and lag fields, as XINFO GROUPS and STREAM FULL both report them. */
function replyGroupPosition(c: Client, s: Stream, g: ConsumerGroup): void {
  c.reply.bulk('last-delivered-id');
  c.reply.bulk(idText(g.lastId));
  c.reply.bulk('entries-read');
  replyIntOrNull(c, g.entriesRead === INVALID_ENTRIES_READ ? null : g.entriesRead);
  c.reply.bulk('lag');
  replyIntOrNull(c, groupLag(s, g));
}

/** The first `count` pending entries of a PEL (all of them when count is 0), as XINFO STREAM FULL lists them. */
function pelHead<V>(pel: IdMap<V>, count: number): [StreamId, V][] {
  const head = [...pel.from(MIN_ID)];
  if (count > 0) head.length = Math.min(head.length, count);
  return head;
}

// xinfoReplyWithStreamInfo
function xinfoStream(c: Client, argv: string[], s: Stream): void {
  let full = false;
  let count = 10;
  const opts = argv.length - 3;
  if (opts > 0) {
    if ((opts !== 1 && opts !== 3) || !is(argv[3], 'FULL') || (opts === 3 && !is(argv[4], 'COUNT'))) {
      return subcommandSyntax(c, argv);
    }
    full = true;
    if (opts === 3) {
      const n = intArg(c, argv[5]!);
      if (n === null) return;
      count = n < 0 ? 10 : n;
    }
  }
  const r = c.reply;
  r.map(full ? 9 : 10);
  r.bulk('length');
  r.integer(s.length);
  r.bulk('radix-tree-keys');
  r.integer(s.nodes.length);
  r.bulk('radix-tree-nodes');
  r.integer(streamRaxNodes(s));
  r.bulk('last-generated-id');
  r.bulk(idText(s.lastId));
  r.bulk('max-deleted-entry-id');
  r.bulk(idText(s.maxDeletedId));
  r.bulk('entries-added');
  r.integer(s.entriesAdded);
  r.bulk('recorded-first-entry-id');
  r.bulk(idText(s.firstId));
  if (!full) {
    r.bulk('groups');
    r.integer(s.groups?.size ?? 0);
    for (const [name, rev] of [['first-entry', false], ['last-entry', true]] as const) {
      r.bulk(name);
      const [e] = collect(s, MIN_ID, MAX_ID, rev, 1);
      if (e === undefined) r.nullBulk();
      else replyEntry(c, e.id, e.node, e.index);
    }
    return;
  }
  r.bulk('entries');
  replyEntries(c, collect(s, MIN_ID, MAX_ID, false, count));
  r.bulk('groups');
  const groups = s.sortedGroups();
  r.array(groups.length);
  for (const g of groups) {
    r.map(7);
    r.bulk('name');
    r.bulk(g.name);
    replyGroupPosition(c, s, g);
    r.bulk('pel-count');
    r.integer(g.pel.size);
    r.bulk('pending');
    const pel = pelHead(g.pel, count);
    r.array(pel.length);
    for (const [id, nack] of pel) {
      r.array(4);
      r.bulk(idText(id));
      r.bulk(nack.consumer!.name);
      r.integer(nack.deliveryTime);
      r.integer(nack.deliveryCount);
    }
    r.bulk('consumers');
    const consumers = g.sortedConsumers();
    r.array(consumers.length);
    for (const con of consumers) {
      r.map(4);
      r.bulk('name');
      r.bulk(con.name);
      r.bulk('seen-time');
      r.integer(con.seenTime);
      r.bulk('pel-count');
      r.integer(con.pel.size);
      r.bulk('pending');
      const own = pelHead(con.pel, count);
      r.array(own.length);
      for (const [id, nack] of own) {
        r.array(3);
        r.bulk(idText(id));
        r.integer(nack.deliveryTime);
        r.integer(nack.deliveryCount);
      }
    }
  }
}

// xinfoCommand's CONSUMERS and GROUPS
function xinfoGroups(c: Client, s: Stream): void {
  const groups = s.sortedGroups();
  c.reply.array(groups.length);
  for (const g of groups) {
    c.reply.map(6);
    c.reply.bulk('name');
    c.reply.bulk(g.name);
    c.reply.bulk('consumers');
    c.reply.integer(g.consumers.size);
    c.reply.bulk('pending');
    c.reply.integer(g.pel.size);
    replyGroupPosition(c, s, g);
  }
}

function xinfoConsumers(c: Client, argv: string[], s: Stream): void {
  const g = s.group(argv[3]!);
  if (g === undefined) return c.reply.error(`NOGROUP No such consumer group '${cs(argv[3]!)}' for key name '${cs(argv[2]!)}'`);
  const now = Date.now();
  const consumers = g.sortedConsumers();
  c.reply.array(consumers.length);
  for (const con of consumers) {
    c.reply.map(3);
    c.reply.bulk('name');
    c.reply.bulk(con.name);
    c.reply.bulk('pending');
    c.reply.integer(con.pel.size);
    c.reply.bulk('idle');
    c.reply.integer(Math.max(0, now - con.seenTime));
  }
}

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

/** xinfoCommand's key lookup, then the subcommand. */
function xinfo(c: Client, argv: string[], sub: (s: Stream) => void): void {
  const s = lookupOf(c, argv[2]!, Stream);
  if (s === null) return;
  if (s === undefined) return c.reply.error(ERR.noSuchKey);
  sub(s);
}

const R = ['read', 'stream'];
const W = ['write', 'stream'];

export const streamCommands: CommandSpec[] = [
  { name: 'xadd', arity: -5, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'], run: xadd },
  { name: 'xtrim', arity: -4, flags: ['write'], keys: [1, 1, 1], acl: [...W, 'slow'], run: xtrim },
  { name: 'xdel', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'], run: xdel },
  { name: 'xsetid', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'], run: xsetid },
  { name: 'xlen', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'], run: xlen },
  {
    name: 'xrange', arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run: (c, argv) => xrange(c, argv, false),
  },
  {
    name: 'xrevrange', arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run: (c, argv) => xrange(c, argv, true),
  },
  container('xinfo', [
    {
      name: 'xinfo|consumers', arity: 4, flags: ['readonly'], keys: [2, 2, 1], acl: [...R, 'slow'],
      run: (c, argv) => xinfo(c, argv, (s) => xinfoConsumers(c, argv, s)),
    },
    {
      name: 'xinfo|groups', arity: 3, flags: ['readonly'], keys: [2, 2, 1], acl: [...R, 'slow'],
      run: (c, argv) => xinfo(c, argv, (s) => xinfoGroups(c, s)),
    },
    {
      name: 'xinfo|stream', arity: -3, flags: ['readonly'], keys: [2, 2, 1], acl: [...R, 'slow'],
      run: (c, argv) => xinfo(c, argv, (s) => xinfoStream(c, argv, s)),
    },
    {
      name: 'xinfo|help', arity: 2, flags: ['loading', 'stale'], acl: ['stream', 'slow'],
      run: (c) => replyHelp(c, 'XINFO', XINFO_HELP),
    },
  ]),
];
