// XREAD and XREADGROUP (t_stream.c xreadCommand): one parser for both, reading plain
// streams here and consumer groups through stream-groups.ts.
import type { Client } from '../actors/client.js';
import { Stream, type ConsumerGroup } from '../store/stream.js';
import { MAX_ID, MIN_ID, idText, nextId, type StreamId } from '../store/stream-id.js';
import { intArg, is, lookupOf } from './args.js';
import type { CommandSpec } from './command.js';
import { cs, ERR } from './errors.js';
import { serveGroup } from './stream-groups.js';
import { collect, lastValidId, replyEntry, strictIdArg, type Found } from './streams.js';

/**
 * xreadCommand, for XREAD and XREADGROUP: parses, checks every key and group, then serves
 * each stream that has something past its ID. A read that would have to wait answers a
 * null array without BLOCK; with BLOCK it is refused until redstate has blocked clients.
 */
function xread(c: Client, argv: string[], xreadgroup: boolean): void {
  let block = false;
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
      const t = intArg(c, argv[++i]!, 'ERR timeout is not an integer or out of range');
      if (t === null) return;
      if (t < 0) return c.reply.error('ERR timeout is negative');
      block = true;
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
  const served: Array<{ key: string; entries: Array<Found | StreamId> }> = [];
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
    if (!serve) continue;
    const start = nextId(gt) ?? MIN_ID;
    const entries = group
      ? serveGroup(c, s, start, count, { key, groupName: groupName!, group, consumer, noack }, history)
      : collect(s, start, MAX_ID, false, count);
    // Group state changes without signalModifiedKey, as in Redis: WATCH does not see it.
    if (group) c.db.dirtied();
    served.push({ key, entries });
  }
  if (served.length === 0) {
    if (block && c.multi === null) return c.reply.error('ERR BLOCK is not supported by redstate yet');
    return c.reply.nullArray();
  }
  c.reply.array(served.length);
  for (const { key, entries } of served) {
    c.reply.array(2);
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
