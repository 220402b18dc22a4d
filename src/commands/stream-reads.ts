// XREAD and XREADGROUP (t_stream.c xreadCommand): one parser for both, reading plain
// streams here and consumer groups through stream-groups.ts.
import { blockForKeys, timeoutArg } from '../actors/blocking.js';
import type { Client } from '../actors/client.js';
import { Stream, type ConsumerGroup } from '../store/stream.js';
import { MAX_ID, MIN_ID, idText, nextId, type StreamId } from '../store/stream-id.js';
import { intArg, is, lookupOf } from './args.js';
import type { CommandSpec } from './command.js';
import { cs, ERR } from './errors.js';
import { serveGroup } from './stream-groups.js';
import { collect, lastValidId, replyEntry, strictIdArg, type Found } from './streams.js';

/** XREAD_BLOCKED_DEFAULT_COUNT: a blocked read without COUNT is served at most this many entries. */
const BLOCKED_DEFAULT_COUNT = 1000;

/** What one stream gave a read: its entries, or the IDs alone of history entries deleted since. */
interface Served {
  key: string;
  entries: Array<Found | StreamId>;
}

/**
 * xreadCommand, for XREAD and XREADGROUP: parses, checks every key and group, then serves
 * each stream that has something past its ID. A read that would have to wait answers a
 * null array without BLOCK; with BLOCK it waits for the first of its keys that XADD feeds.
 */
function xread(c: Client, argv: string[], xreadgroup: boolean): void {
  let deadline: number | null = null;
  let count = 0;
  let streamsArg = 0;
  let streams = 0;
  let groupName: string | null = null;
  let consumer = '';
  let noack = false;
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const o = argv[i]!;
    if (is(o, 'BLOCK') && more > 0) {
      // A script could never wait: Redis refuses the option there rather than ignore it.
      if (c.isScript) return c.reply.error(`ERR ${argv[0]} command is not allowed with BLOCK option from scripts`);
      deadline = timeoutArg(c, argv[++i]!, 'ms');
      if (deadline === null) return;
    } else if (is(o, 'COUNT') && more > 0) {
      const n = intArg(c, argv[++i]!);
      if (n === null) return;
      count = Math.max(n, 0);
    } else if (is(o, 'STREAMS') && more > 0) {
      streamsArg = i + 1;
      streams = argv.length - streamsArg;
      if (streams % 2 !== 0) {
        return c.reply.error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      streams /= 2;
      break;
    } else if (is(o, 'GROUP') && more >= 2) {
      if (!xreadgroup) return c.reply.error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      groupName = argv[i + 1]!;
      consumer = argv[i + 2]!;
      i += 2;
    } else if (is(o, 'NOACK')) {
      if (!xreadgroup) return c.reply.error('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      noack = true;
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  if (streamsArg === 0) return c.reply.error(ERR.syntax);
  if (xreadgroup && groupName === null) return c.reply.error('ERR Missing GROUP option for XREADGROUP');

  const ids: StreamId[] = [];
  const groups: Array<ConsumerGroup | null> = [];
  for (let i = streamsArg + streams; i < argv.length; i++) {
    const key = argv[i - streams]!;
    const s = lookupOf(c, key, Stream, groupName !== null);
    if (s === null) return;
    let group: ConsumerGroup | null = null;
    if (groupName !== null) {
      group = s?.group(groupName) ?? null;
      if (group === null) {
        return c.reply.error(`NOGROUP No such key '${cs(key)}' or consumer group '${cs(groupName)}' in XREADGROUP with GROUP option`);
      }
    }
    groups.push(group);
    const arg = argv[i]!;
    if (arg === '$') {
      if (xreadgroup) {
        return c.reply.error('ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history ' +
          'of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just ' +
          'return an empty result set.');
      }
      ids.push(s === undefined ? MIN_ID : s.lastId);
    } else if (arg === '>') {
      if (!xreadgroup) {
        return c.reply.error('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      }
      ids.push(MAX_ID);
    } else {
      const id = strictIdArg(c, arg);
      if (id === null) return;
      ids.push(id);
    }
  }

  // What XREADGROUP did leaves as XCLAIMs and XGROUP commands (serveGroup), never as itself.
  c.preventPropagation();
  const read = { groupName, consumer, noack };
  const served: Served[] = [];
  for (let i = 0; i < streams; i++) {
    const key = argv[streamsArg + i]!;
    const s = c.db.lookup(key) as Stream | undefined;
    if (s === undefined) continue;
    let gt = ids[i]!;
    const group = groups[i];
    let history = false;
    let serve = false;
    if (group) {
      if (gt !== MAX_ID) {
        serve = history = true;
      } else if (s.length > 0 && lastValidId(s) > group.lastId) {
        serve = true;
        gt = group.lastId;
      }
    } else if (s.length > 0 && lastValidId(s) > gt) {
      serve = true;
    }
    if (serve) served.push(readFrom(c, key, s, gt, count, read, group ?? null, history));
  }
  if (served.length > 0) return replyServed(c, served);
  if (deadline === null) return c.reply.nullArray();
  const keys = argv.slice(streamsArg, streamsArg + streams);
  const blockedCount = count || BLOCKED_DEFAULT_COUNT;
  blockForKeys(c, keys, deadline, (key) => serveBlocked(c, key, ids[keys.indexOf(key)]!, blockedCount, read),
    () => c.reply.nullArray(), groupName !== null);
}

/** The options of an XREADGROUP (groupName null for XREAD). */
interface ReadOptions {
  groupName: string | null;
  consumer: string;
  noack: boolean;
}

/** Reads s past gt: plain entries, or through group (new entries, or the consumer's history). */
function readFrom(
  c: Client, key: string, s: Stream, gt: StreamId, count: number, read: ReadOptions, group: ConsumerGroup | null,
  history: boolean,
): Served {
  const start = nextId(gt) ?? MIN_ID;
  if (group === null) return { key, entries: collect(s, start, MAX_ID, false, count) };
  const entries = serveGroup(c, s, start, count, { key, groupName: read.groupName!, group, consumer: read.consumer, noack: read.noack }, history);
  // Group state changes without signalModifiedKey, as in Redis: WATCH does not see it.
  c.db.dirtied();
  return { key, entries };
}

/**
 * serveClientsBlockedOnStreamKey, for one waiting read: key was fed (or deleted, or lost the
 * group). XREAD waits on past the ID it blocked with; XREADGROUP reads past its group's last
 * ID as it is now, and is answered an error once its key or group is gone.
 */
function serveBlocked(c: Client, key: string, gt: StreamId, count: number, read: ReadOptions): boolean {
  // Without touching the keyspace hit counters, as Redis's NOSTATS lookup.
  const s = c.db.lookupWrite(key);
  if (!(s instanceof Stream)) {
    if (read.groupName === null) return false;
    c.reply.error('UNBLOCKED the stream key no longer exists');
    return true;
  }
  let group: ConsumerGroup | null = null;
  if (read.groupName !== null) {
    group = s.group(read.groupName) ?? null;
    if (group === null) {
      c.reply.error('NOGROUP the consumer group this client was blocked on no longer exists');
      return true;
    }
    gt = group.lastId;
  }
  if (s.lastId <= gt) return false;
  replyServed(c, [readFrom(c, key, s, gt, count, read, group, false)]);
  return true;
}

/** The reply of a read that found entries: per stream its key and entries (a map in RESP3). */
function replyServed(c: Client, served: Served[]): void {
  const resp3 = c.reply.resp3;
  if (resp3) c.reply.map(served.length);
  else c.reply.array(served.length);
  for (const { key, entries } of served) {
    if (!resp3) c.reply.array(2);
    c.reply.bulk(key);
    c.reply.array(entries.length);
    for (const e of entries) {
      if (typeof e !== 'string') {
        replyEntry(c, e.id, e.node, e.index);
      } else {
        c.reply.array(2);
        c.reply.bulk(idText(e));
        c.reply.nullArray();
      }
    }
  }
}

const R = ['read', 'stream'];
const W = ['write', 'stream'];

export const streamReadCommands: CommandSpec[] = [
  {
    name: 'xread', arity: -4, flags: ['readonly', 'blocking', 'movablekeys'], keys: [0, 0, 0], acl: [...R, 'slow', 'blocking'],
    run: (c, argv) => xread(c, argv, false),
  },
  {
    name: 'xreadgroup', arity: -7, flags: ['write', 'blocking', 'movablekeys'], keys: [0, 0, 0], acl: [...W, 'slow', 'blocking'],
    run: (c, argv) => xread(c, argv, true),
  },
];
