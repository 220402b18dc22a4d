// Stream consumer groups (t_stream.c): XGROUP XACK XPENDING XCLAIM XAUTOCLAIM, and what
// XREADGROUP does to a group when it delivers entries (serveGroup).
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey } from '../actors/notify.js';
import { INT64, type Int64, wrapAddInt64 } from '../store/numbers.js';
import { Consumer, INVALID_ENTRIES_READ, Nack, Stream, type ConsumerGroup } from '../store/stream.js';
import { MAX_ID, MIN_ID, idText, parseStreamId, type StreamId } from '../store/stream-id.js';
import { fail, int64Arg, intArg, is, rangeArg } from './args.js';
import type { CommandSpec } from './command.js';
import { alsoPropagate } from './dispatch.js';
import { cs, ERR } from './errors.js';
import {
  collect, idArg, intervalArg, lookupStream, replyEntry, strictIdArg, type Found,
} from './streams.js';
import { container, replyHelp, subcommandSyntax } from './subcommands.js';

/** streamLookupConsumer (seen-time refreshed) or streamCreateConsumer; created tells which. */
function consumerOf(g: ConsumerGroup, name: string, now: number, created?: (con: Consumer) => void): Consumer {
  let con = g.consumers.get(name);
  if (con === undefined) {
    con = new Consumer(name, now);
    g.consumers.set(name, con);
    created?.(con);
  }
  con.seenTime = now;
  return con;
}

/** Drops id's pending entry from the group and from its consumer. */
function dropNack(g: ConsumerGroup, id: StreamId, nack: Nack): void {
  g.pel.delete(id);
  nack.consumer?.pel.delete(id);
}

/** Gives nack to con (from whoever held it). */
function moveNack(id: StreamId, nack: Nack, con: Consumer): void {
  if (nack.consumer === con) return;
  nack.consumer?.pel.delete(id);
  con.pel.set(id, nack);
  nack.consumer = con;
}

/** What XREADGROUP asks of one stream. */
export interface GroupRead {
  key: string;
  groupName: string;
  group: ConsumerGroup;
  consumer: string;
  noack: boolean;
}

/**
 * streamPropagateXCLAIM: a pending entry as an idempotent XCLAIM (owner, delivery time and
 * count, the group's last ID), how a replica learns what XREADGROUP, XCLAIM and XAUTOCLAIM
 * did to a group.
 */
function propagateClaim(c: Client, key: string, groupName: string, g: ConsumerGroup, idArg: string, nack: Nack): void {
  alsoPropagate(c, c.db.id, ['XCLAIM', key, groupName, nack.consumer!.name, '0', idArg, 'TIME', String(nack.deliveryTime),
    'RETRYCOUNT', String(nack.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', idText(g.lastId)]);
}

/** streamPropagateGroupID: a group's last ID and entries-read as XGROUP SETID. */
function propagateGroupId(c: Client, key: string, groupName: string, g: ConsumerGroup): void {
  alsoPropagate(c, c.db.id, ['XGROUP', 'SETID', key, groupName, idText(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
}

/**
 * streamReplyWithRange with a group, and streamReplyWithRangeFromConsumerPEL: the entries
 * XREADGROUP delivers from s. New ones (history false) advance the group's last ID and
 * entries-read and, without NOACK, become pending for the consumer; history re-delivers
 * the consumer's pending entries from start, an ID alone for an entry deleted since.
 */
export function serveGroup(c: Client, s: Stream, start: StreamId, count: number, read: GroupRead, history: boolean): Array<Found | StreamId> {
  const now = Date.now();
  const g = read.group;
  const { key, groupName } = read;
  // With NOACK no XCLAIM will create the consumer on replicas.
  const con = consumerOf(g, read.consumer, now, (created) => {
    notifyKey(c, NOTIFY.stream, 'xgroup-createconsumer', key);
    if (read.noack) alsoPropagate(c, c.db.id, ['XGROUP', 'CREATECONSUMER', key, groupName, created.name]);
  });
  const out: Array<Found | StreamId> = [];
  if (history) {
    for (const [id, nack] of con.pel.from(start)) {
      if (count && out.length >= count) break;
      const [e] = collect(s, id, id, false, 1);
      if (e === undefined) {
        out.push(id);
      } else {
        nack.deliveryTime = now;
        nack.deliveryCount++;
        out.push(e);
      }
    }
    return out;
  }
  let advanced = false;
  for (const e of collect(s, start, MAX_ID, false, count)) {
    if (e.id > g.lastId) {
      if (g.entriesRead !== INVALID_ENTRIES_READ && !s.rangeHasTombstones(e.id, MAX_ID)) g.entriesRead = wrapAddInt64(g.entriesRead, 1);
      else if (s.entriesAdded) g.entriesRead = s.estimateDistance(e.id);
      g.lastId = e.id;
      advanced = true;
    }
    if (!read.noack) {
      let nack = g.pel.get(e.id);
      if (nack === undefined) {
        nack = new Nack(now, 1, con);
        g.pel.set(e.id, nack);
        con.pel.set(e.id, nack);
      } else {
        moveNack(e.id, nack, con);
        nack.deliveryTime = now;
        nack.deliveryCount = 1;
      }
      propagateClaim(c, key, groupName, g, idText(e.id), nack);
    }
    out.push(e);
  }
  // Without XCLAIMs to carry it, the new last ID goes as XGROUP SETID.
  if (read.noack && advanced) propagateGroupId(c, key, groupName, g);
  return out;
}

// --- XGROUP ---------------------------------------------------------------------------------

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

/** xgroupCommand: the options and checks every subcommand shares, then the subcommand. */
function xgroup(c: Client, argv: string[]): void {
  const sub = argv[1]!.toUpperCase();
  let mkstream = false;
  let entriesRead: Int64 = INVALID_ENTRIES_READ;
  for (let i = 5; i < argv.length;) {
    if (sub === 'CREATE' && is(argv[i], 'MKSTREAM')) {
      mkstream = true;
      i++;
    } else if ((sub === 'CREATE' || sub === 'SETID') && is(argv[i], 'ENTRIESREAD') && i + 1 < argv.length) {
      const n = int64Arg(c, argv[i + 1]!);
      if (n === null) return;
      if (n < 0 && n !== INVALID_ENTRIES_READ) return c.reply.error('ERR value for ENTRIESREAD must be positive or -1');
      entriesRead = n;
      i += 2;
    } else {
      return subcommandSyntax(c, argv);
    }
  }
  const key = argv[2]!;
  const found = lookupStream(c, key, true);
  if (found === null) return;
  let s = found;
  const name = argv[3]!;
  const g = s?.group(name);
  if (!mkstream) {
    if (s === undefined) {
      return c.reply.error('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to ' +
        'use the MKSTREAM option to create an empty stream automatically.');
    }
    if (g === undefined && (sub === 'SETID' || sub === 'CREATECONSUMER' || sub === 'DELCONSUMER')) {
      return c.reply.error(`NOGROUP No such consumer group '${cs(name)}' for key name '${cs(key)}'`);
    }
  }
  if (sub === 'CREATE' && argv.length <= 8) {
    let id: StreamId | null;
    if (argv[4] === '$') id = s?.lastId ?? MIN_ID;
    else id = strictIdArg(c, argv[4]!);
    if (id === null) return;
    if (s === undefined) {
      s = new Stream();
      c.db.set(key, s);
    }
    if (s.createGroup(name, id, entriesRead) === null) return c.reply.error('BUSYGROUP Consumer Group name already exists');
    c.db.dirtied();
    notifyKey(c, NOTIFY.stream, 'xgroup-create', key);
    return c.reply.ok();
  }
  if (sub === 'SETID' && (argv.length === 5 || argv.length === 7)) {
    const id = argv[4] === '$' ? s!.lastId : idArg(c, argv[4]!, 0);
    if (id === null) return;
    g!.lastId = id;
    g!.entriesRead = entriesRead;
    c.db.dirtied();
    notifyKey(c, NOTIFY.stream, 'xgroup-setid', key);
    return c.reply.ok();
  }
  if (sub === 'DESTROY' && argv.length === 4) {
    if (g === undefined) return c.reply.integer(0);
    s!.groups!.delete(name);
    c.db.dirtied();
    // Its XREADGROUP waiters are answered NOGROUP.
    c.db.signalKeyAsReady(argv[2]!);
    notifyKey(c, NOTIFY.stream, 'xgroup-destroy', key);
    return c.reply.integer(1);
  }
  if (sub === 'CREATECONSUMER' && argv.length === 5) {
    if (g!.consumers.has(argv[4]!)) return c.reply.integer(0);
    g!.consumers.set(argv[4]!, new Consumer(argv[4]!, Date.now()));
    c.db.dirtied();
    notifyKey(c, NOTIFY.stream, 'xgroup-createconsumer', key);
    return c.reply.integer(1);
  }
  if (sub === 'DELCONSUMER' && argv.length === 5) {
    const con = g!.consumers.get(argv[4]!);
    if (con === undefined) return c.reply.integer(0);
    const pending = con.pel.size;
    for (const [id] of con.pel.from(MIN_ID)) g!.pel.delete(id);
    g!.consumers.delete(con.name);
    c.db.dirtied();
    notifyKey(c, NOTIFY.stream, 'xgroup-delconsumer', key);
    return c.reply.integer(pending);
  }
  subcommandSyntax(c, argv);
}

// --- acknowledging and claiming -------------------------------------------------------------

/** The group named in argv[2] of the stream at argv[1], or null after NOGROUP (or WRONGTYPE). */
function groupOrReply(c: Client, argv: string[], write: boolean): { s: Stream; g: ConsumerGroup } | null {
  const s = lookupStream(c, argv[1]!, write);
  if (s === null) return null;
  const g = s?.group(argv[2]!);
  if (s === undefined || g === undefined) return fail(c, `NOGROUP No such key '${cs(argv[1]!)}' or consumer group '${cs(argv[2]!)}'`);
  return { s, g };
}

// xackCommand
function xack(c: Client, argv: string[]): void {
  const s = lookupStream(c, argv[1]!, true);
  if (s === null) return;
  const g = s?.group(argv[2]!);
  if (g === undefined) return c.reply.integer(0);
  const ids: StreamId[] = [];
  for (let j = 3; j < argv.length; j++) {
    const id = strictIdArg(c, argv[j]!);
    if (id === null) return;
    ids.push(id);
  }
  let acked = 0;
  for (const id of ids) {
    const nack = g.pel.get(id);
    if (nack === undefined) continue;
    dropNack(g, id, nack);
    acked++;
  }
  if (acked > 0) c.db.dirtied(acked);
  c.reply.integer(acked);
}

// xpendingCommand
function xpending(c: Client, argv: string[]): void {
  const summary = argv.length === 3;
  if (!summary && (argv.length < 6 || argv.length > 9)) return c.reply.error(ERR.syntax);
  let minIdle = 0;
  let count = 0;
  let start = MIN_ID;
  let end = MAX_ID;
  let consumerName: string | null = null;
  if (!summary) {
    let at = 3;
    if (is(argv[3], 'IDLE')) {
      const n = intArg(c, argv[4]!);
      if (n === null) return;
      minIdle = n;
      if (argv.length < 8) return c.reply.error(ERR.syntax);
      at += 2;
    }
    const n = intArg(c, argv[at + 2]!);
    if (n === null) return;
    count = Math.max(n, 0);
    const from = intervalArg(c, argv[at]!, false);
    if (from === null) return;
    const to = intervalArg(c, argv[at + 1]!, true);
    if (to === null) return;
    start = from;
    end = to;
    if (at + 3 < argv.length) consumerName = argv[at + 3]!;
  }
  const found = groupOrReply(c, argv, false);
  if (found === null) return;
  const { g } = found;
  if (summary) {
    c.reply.array(4);
    c.reply.integer(g.pel.size);
    if (g.pel.size === 0) {
      c.reply.nullBulk();
      c.reply.nullBulk();
      c.reply.nullArray();
      return;
    }
    c.reply.bulk(idText(g.pel.first()!));
    c.reply.bulk(idText(g.pel.last()!));
    const owners = g.sortedConsumers().filter((con) => con.pel.size > 0);
    c.reply.array(owners.length);
    for (const con of owners) {
      c.reply.array(2);
      c.reply.bulk(con.name);
      c.reply.bulk(String(con.pel.size));
    }
    return;
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const con = g.consumers.get(consumerName);
    if (con === undefined) return c.reply.emptyArray();
    pel = con.pel;
  }
  const now = Date.now();
  const rows: Array<[StreamId, Nack]> = [];
  for (const [id, nack] of pel.from(start)) {
    if (rows.length >= count || id > end) break;
    if (minIdle && now - nack.deliveryTime < minIdle) continue;
    rows.push([id, nack]);
  }
  c.reply.array(rows.length);
  for (const [id, nack] of rows) {
    c.reply.array(4);
    c.reply.bulk(idText(id));
    c.reply.bulk(nack.consumer!.name);
    c.reply.integer(Math.max(0, now - nack.deliveryTime));
    c.reply.integer(nack.deliveryCount);
  }
}

/** getLongLongFromObjectOrReply with its own message for both errors. */
function int64Or(c: Client, s: string, msg: string): number | null {
  return rangeArg(c, s, INT64.min, INT64.max, msg);
}

// xclaimCommand
function xclaim(c: Client, argv: string[]): void {
  const found = groupOrReply(c, argv, true);
  if (found === null) return;
  const { s, g } = found;
  let minIdle = int64Or(c, argv[4]!, 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdle === null) return;
  if (minIdle < 0) minIdle = 0;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const p = parseStreamId(argv[j]!, 0, true);
    if (p === null) break;
    ids.push(p.id);
  }
  c.preventPropagation();
  const now = Date.now();
  let deliveryTime = -1;
  let retryCount = -1;
  let force = false;
  let justId = false;
  let lastId = MIN_ID;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!;
    if (is(opt, 'FORCE')) {
      force = true;
    } else if (is(opt, 'JUSTID')) {
      justId = true;
    } else if (is(opt, 'IDLE') && more > 0) {
      const n = int64Or(c, argv[++j]!, 'ERR Invalid IDLE option argument for XCLAIM');
      if (n === null) return;
      deliveryTime = now - n;
    } else if (is(opt, 'TIME') && more > 0) {
      const n = int64Or(c, argv[++j]!, 'ERR Invalid TIME option argument for XCLAIM');
      if (n === null) return;
      deliveryTime = n;
    } else if (is(opt, 'RETRYCOUNT') && more > 0) {
      const n = int64Or(c, argv[++j]!, 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
      if (n === null) return;
      retryCount = n;
    } else if (is(opt, 'LASTID') && more > 0) {
      const id = strictIdArg(c, argv[++j]!);
      if (id === null) return;
      lastId = id;
    } else {
      return c.reply.error(`ERR Unrecognized XCLAIM option '${cs(opt)}'`);
    }
  }
  let changed = 0;
  let propagateLastId = false;
  if (lastId > g.lastId) {
    g.lastId = lastId;
    propagateLastId = true;
  }
  if (deliveryTime === -1 || deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  let con: Consumer | null = null;
  const claimed: Array<Found | StreamId> = [];
  const [key, groupName] = [argv[1]!, argv[2]!];
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    let nack = g.pel.get(id);
    const [entry] = collect(s, id, id, false, 1);
    if (entry === undefined) {
      // The entry is gone: its pending entry goes too.
      if (nack !== undefined) {
        propagateClaim(c, key, groupName, g, argv[5 + k]!, nack);
        propagateLastId = false;
        dropNack(g, id, nack);
        changed++;
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = new Nack(now, 1, null);
      g.pel.set(id, nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minIdle && now - nack.deliveryTime < minIdle) continue;
    con ??= consumerOf(g, argv[3]!, now, () => notifyKey(c, NOTIFY.stream, 'xgroup-createconsumer', key));
    nack.deliveryTime = deliveryTime;
    if (retryCount >= 0) nack.deliveryCount = retryCount;
    else if (!justId) nack.deliveryCount++;
    moveNack(id, nack, con);
    claimed.push(justId ? id : entry);
    propagateClaim(c, key, groupName, g, argv[5 + k]!, nack);
    propagateLastId = false;
    changed++;
  }
  if (propagateLastId) {
    propagateGroupId(c, key, groupName, g);
    changed++;
  }
  if (changed > 0) c.db.dirtied(changed);
  replyClaimed(c, claimed);
}

function replyClaimed(c: Client, claimed: ReadonlyArray<Found | StreamId>): void {
  c.reply.array(claimed.length);
  for (const e of claimed) {
    if (typeof e === 'string') c.reply.bulk(idText(e));
    else replyEntry(c, e.id, e.node, e.index);
  }
}

// xautoclaimCommand
function xautoclaim(c: Client, argv: string[]): void {
  // Redis looks the key up before parsing: an expired one goes even when an argument is refused.
  c.db.expireIfDue(argv[1]!);
  let minIdle = int64Or(c, argv[4]!, 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdle === null) return;
  if (minIdle < 0) minIdle = 0;
  const start = intervalArg(c, argv[5]!, false);
  if (start === null) return;
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    if (is(argv[j], 'COUNT') && j + 1 < argv.length) {
      const n = rangeArg(c, argv[++j]!, 1n, INT64.max / 16n, 'ERR COUNT must be > 0');
      if (n === null) return;
      count = n;
    } else if (is(argv[j], 'JUSTID')) {
      justId = true;
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  const found = groupOrReply(c, argv, true);
  if (found === null) return;
  const { s, g } = found;
  c.preventPropagation();
  const [key, groupName] = [argv[1]!, argv[2]!];
  const now = Date.now();
  let attempts = count * 10;
  let con: Consumer | null = null;
  const claimed: Array<Found | StreamId> = [];
  const deleted: StreamId[] = [];
  let next = MIN_ID;
  for (const [id, nack] of g.pel.from(start)) {
    if (attempts-- === 0 || count === 0) {
      next = id;
      break;
    }
    const [entry] = collect(s, id, id, false, 1);
    if (entry === undefined) {
      propagateClaim(c, key, groupName, g, idText(id), nack);
      dropNack(g, id, nack);
      deleted.push(id);
      count--;
      continue;
    }
    if (minIdle && now - nack.deliveryTime < minIdle) continue;
    con ??= consumerOf(g, argv[3]!, now, () => notifyKey(c, NOTIFY.stream, 'xgroup-createconsumer', key));
    nack.deliveryTime = now;
    if (!justId) nack.deliveryCount++;
    moveNack(id, nack, con);
    claimed.push(justId ? id : entry);
    propagateClaim(c, key, groupName, g, idText(id), nack);
    count--;
  }
  if (claimed.length + deleted.length > 0) c.db.dirtied(claimed.length + deleted.length);
  c.reply.array(3);
  c.reply.bulk(idText(next));
  replyClaimed(c, claimed);
  c.reply.array(deleted.length);
  for (const id of deleted) c.reply.bulk(idText(id));
}

const W = ['write', 'stream'];

export const streamGroupCommands: CommandSpec[] = [
  { name: 'xack', arity: -4, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'], run: xack },
  { name: 'xpending', arity: -3, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'stream', 'slow'], run: xpending },
  { name: 'xclaim', arity: -6, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'], run: xclaim },
  { name: 'xautoclaim', arity: -6, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'], run: xautoclaim },
  container('xgroup', [
    { name: 'xgroup|create', arity: -5, flags: ['write', 'denyoom'], keys: [2, 2, 1], acl: [...W, 'slow'], run: xgroup },
    { name: 'xgroup|setid', arity: -5, flags: ['write'], keys: [2, 2, 1], acl: [...W, 'slow'], run: xgroup },
    { name: 'xgroup|destroy', arity: 4, flags: ['write'], keys: [2, 2, 1], acl: [...W, 'slow'], run: xgroup },
    { name: 'xgroup|createconsumer', arity: 5, flags: ['write', 'denyoom'], keys: [2, 2, 1], acl: [...W, 'slow'], run: xgroup },
    { name: 'xgroup|delconsumer', arity: 5, flags: ['write'], keys: [2, 2, 1], acl: [...W, 'slow'], run: xgroup },
    {
      name: 'xgroup|help', arity: 2, flags: ['loading', 'stale'], acl: ['stream', 'slow'],
      run: (c) => replyHelp(c, 'XGROUP', XGROUP_HELP),
    },
  ]),
];
