// Lists (t_list.c): pushes and pops at both ends, ranges, LINSERT LREM LSET LTRIM, LMOVE,
// LPOS, LMPOP, and the blocking forms (BLPOP BRPOP BLMPOP BRPOPLPUSH BLMOVE). A list emptied
// by a command is deleted with it, as Redis does.
import { blockForKeys, timeoutArg } from '../actors/blocking.js';
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey, notifyRemoval } from '../actors/notify.js';
import { INT64, parseInteger } from '../store/numbers.js';
import { List } from '../store/values.js';
import { clampRange, fail, intArg, is, lookupOf, mpopArgs, positiveIntArg } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';

/** getListPositionFromObjectOrReply: LEFT is the head; null after a syntax error. */
function whereArg(c: Client, s: string): boolean | null {
  if (is(s, 'LEFT')) return true;
  if (is(s, 'RIGHT')) return false;
  return fail(c, ERR.syntax);
}

/**
 * After n elements were removed by event: notifies it and deletes key when the list it
 * holds was emptied (every command that removes does this).
 */
function removed(c: Client, key: string, list: List, event: string, n: number): void {
  notifyRemoval(c, NOTIFY.list, event, key, list.length, n);
  if (list.length === 0) c.db.delete(key);
}

// pushGenericCommand: LPUSH RPUSH, and with onlyIfExists LPUSHX RPUSHX.
function push(c: Client, argv: string[], atHead: boolean, onlyIfExists: boolean): void {
  const key = argv[1]!;
  let list = lookupOf(c, key, List, true);
  if (list === null) return;
  if (list === undefined) {
    if (onlyIfExists) return c.reply.integer(0);
    list = new List();
    c.db.set(key, list);
  }
  for (let i = 2; i < argv.length; i++) {
    if (atHead) list.pushHead(argv[i]!);
    else list.pushTail(argv[i]!);
  }
  c.db.modified(key, argv.length - 2);
  notifyKey(c, NOTIFY.list, atHead ? 'lpush' : 'rpush', key);
  c.reply.integer(list.length);
}

// popGenericCommand: without a count one element or null; with one an array, null for no key.
function pop(c: Client, argv: string[], fromHead: boolean): void {
  if (argv.length > 3) return c.reply.error(ERR.arity(fromHead ? 'lpop' : 'rpop'));
  const hasCount = argv.length === 3;
  const count = hasCount ? positiveIntArg(c, argv[2]!) : 1;
  if (count === null) return;
  const key = argv[1]!;
  const list = lookupOf(c, key, List, true);
  if (list === null) return;
  if (list === undefined) return hasCount ? c.reply.nullArray() : c.reply.nullBulk();
  if (count === 0) return c.reply.emptyArray();
  const n = Math.min(count, list.length);
  if (hasCount) c.reply.array(n);
  for (let i = 0; i < n; i++) c.reply.bulk((fromHead ? list.popHead() : list.popTail())!);
  c.db.modified(key, n);
  removed(c, key, list, fromHead ? 'lpop' : 'rpop', n);
}

// lmoveGenericCommand: pops from src and pushes onto dst (created if missing; src may be dst).
function move(c: Client, src: string, dst: string, fromHead: boolean, toHead: boolean): void {
  const from = lookupOf(c, src, List, true);
  if (from === null) return;
  if (from === undefined) return c.reply.nullBulk();
  let to = lookupOf(c, dst, List, true);
  if (to === null) return;
  const value = (fromHead ? from.popHead() : from.popTail())!;
  if (to === undefined) {
    to = new List();
    c.db.set(dst, to);
  }
  if (toHead) to.pushHead(value);
  else to.pushTail(value);
  c.db.modified(dst);
  notifyKey(c, NOTIFY.list, toHead ? 'lpush' : 'rpush', dst);
  c.db.modified(src);
  removed(c, src, from, fromHead ? 'lpop' : 'rpop', 1);
  c.reply.bulk(value);
}

/**
 * Pops from the list at key for BLPOP BRPOP (count null: [key, element]) and LMPOP BLMPOP
 * ([key, [elements]]), propagated as LPOP/RPOP; false when key holds no list.
 */
function popKeyed(c: Client, key: string, fromHead: boolean, count: number | null): boolean {
  const list = c.db.lookupWrite(key);
  if (!(list instanceof List)) return false;
  const n = Math.min(count ?? 1, list.length);
  c.reply.array(2);
  c.reply.bulk(key);
  if (count !== null) c.reply.array(n);
  for (let i = 0; i < n; i++) c.reply.bulk((fromHead ? list.popHead() : list.popTail())!);
  c.db.modified(key, n);
  removed(c, key, list, fromHead ? 'lpop' : 'rpop', n);
  const pop = fromHead ? 'LPOP' : 'RPOP';
  c.propagateAs(count === null ? [pop, key] : [pop, key, String(n)]);
  return true;
}

/**
 * The first of keys holding a list answers at once (a key of another type is WRONGTYPE);
 * true when it replied. mpopGenericCommand, and the first step of every blocking pop.
 */
function popFirst(c: Client, keys: readonly string[], fromHead: boolean, count: number | null): boolean {
  for (const key of keys) {
    const list = lookupOf(c, key, List, true);
    if (list === null) return true;
    if (list !== undefined) return popKeyed(c, key, fromHead, count);
  }
  return false;
}

// blockingPopGenericCommand: BLPOP BRPOP BLMPOP, served by the first of keys to hold a list.
function blockingPop(c: Client, keys: readonly string[], timeout: string, fromHead: boolean, count: number | null): void {
  const deadline = timeoutArg(c, timeout, 'seconds');
  if (deadline === null || popFirst(c, keys, fromHead, count)) return;
  blockForKeys(c, keys, deadline, (key) => popKeyed(c, key, fromHead, count), () => c.reply.nullArray());
}

// lmpopGenericCommand: [B]LMPOP [timeout] numkeys key [key ...] LEFT|RIGHT [COUNT count]
function lmpop(c: Client, argv: string[], blocking: boolean): void {
  const a = mpopArgs(c, argv, blocking ? 2 : 1, 'LEFT', 'RIGHT');
  if (a === null) return;
  if (blocking) return blockingPop(c, a.keys, argv[1]!, a.first, a.count);
  if (!popFirst(c, a.keys, a.first, a.count)) c.reply.nullArray();
}

// blmoveGenericCommand: LMOVE at once from a list, or a wait for src (BRPOPLPUSH BLMOVE);
// either propagates as effect (RPOPLPUSH or LMOVE).
function blockingMove(c: Client, argv: string[], fromHead: boolean, toHead: boolean, effect: string[]): void {
  const [src, dst] = [argv[1]!, argv[2]!];
  const deadline = timeoutArg(c, argv[argv.length - 1]!, 'seconds');
  if (deadline === null) return;
  const from = lookupOf(c, src, List, true);
  if (from === null) return;
  c.propagateAs(effect);
  if (from !== undefined) return move(c, src, dst, fromHead, toHead);
  // Served later, LMOVE goes with Redis's own lower-case words for the ends.
  const served = effect[0] === 'LMOVE' ? [...effect.slice(0, 3), fromHead ? 'left' : 'right', toHead ? 'left' : 'right'] : effect;
  blockForKeys(c, [src], deadline, () => {
    if (!(c.db.lookupWrite(src) instanceof List)) return false;
    // A destination of another type answers WRONGTYPE and leaves src as it was.
    c.propagateAs(served);
    move(c, src, dst, fromHead, toHead);
    return true;
  }, () => c.reply.nullBulk());
}

interface LposOptions {
  rank: number;
  /** -1: no COUNT option, a single reply; 0: every match. */
  count: number;
  /** 0: no limit. */
  maxlen: number;
}

const RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... " +
  'or use negative to start from the end of the list';

/** LPOS's RANK COUNT MAXLEN options from argv[3]; null after replying the error. */
function parseLposOptions(c: Client, argv: string[]): LposOptions | null {
  const opts: LposOptions = { rank: 1, count: -1, maxlen: 0 };
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    const value = argv[j + 1];
    let n: number | null;
    if (is(opt, 'RANK') && value !== undefined) {
      const v = parseInteger(value);
      if (v === null) return fail(c, ERR.notInteger);
      if (v === 0) return fail(c, RANK_ZERO);
      // Redis negates LONG_MIN into itself, so that rank matches from the first one at the tail.
      opts.rank = v === INT64.min ? -1 : Number(v);
    } else if (is(opt, 'COUNT') && value !== undefined) {
      if ((n = positiveIntArg(c, value, "ERR COUNT can't be negative")) === null) return null;
      opts.count = n;
    } else if (is(opt, 'MAXLEN') && value !== undefined) {
      if ((n = positiveIntArg(c, value, "ERR MAXLEN can't be negative")) === null) return null;
      opts.maxlen = n;
    } else {
      return fail(c, ERR.syntax);
    }
    j++;
  }
  return opts;
}

// lposCommand: the indexes of the rank-th and following matches, from the head or (rank < 0)
// the tail, looking at maxlen elements at most.
function lpos(c: Client, argv: string[]): void {
  const opts = parseLposOptions(c, argv);
  if (opts === null) return;
  const list = lookupOf(c, argv[1]!, List);
  if (list === null) return;
  const { count, maxlen } = opts;
  if (list === undefined) return count === -1 ? c.reply.nullBulk() : c.reply.emptyArray();
  const fromTail = opts.rank < 0;
  const rank = Math.abs(opts.rank);
  const found: number[] = [];
  let matches = 0;
  for (const i of list.matches(argv[2]!, fromTail, maxlen === 0 ? list.length : maxlen)) {
    if (++matches < rank) continue;
    if (count === -1) return c.reply.integer(i);
    found.push(i);
    if (found.length === count) break;
  }
  if (count === -1) return c.reply.nullBulk();
  c.reply.array(found.length);
  for (const i of found) c.reply.integer(i);
}

export const listCommands: CommandSpec[] = [
  {
    name: 'lpush', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'list', 'fast'],
    run(c, argv) {
      push(c, argv, true, false);
    },
  },
  {
    name: 'rpush', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'list', 'fast'],
    run(c, argv) {
      push(c, argv, false, false);
    },
  },
  {
    name: 'lpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'list', 'fast'],
    run(c, argv) {
      push(c, argv, true, true);
    },
  },
  {
    name: 'rpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'list', 'fast'],
    run(c, argv) {
      push(c, argv, false, true);
    },
  },
  {
    name: 'lpop', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['write', 'list', 'fast'],
    run(c, argv) {
      pop(c, argv, true);
    },
  },
  {
    name: 'rpop', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['write', 'list', 'fast'],
    run(c, argv) {
      pop(c, argv, false);
    },
  },
  {
    // llenCommand
    name: 'llen', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['read', 'list', 'fast'],
    run(c, argv) {
      const list = lookupOf(c, argv[1]!, List);
      if (list !== null) c.reply.integer(list === undefined ? 0 : list.length);
    },
  },
  {
    // lrangeCommand
    name: 'lrange', arity: 4, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'list', 'slow'],
    run(c, argv) {
      const start = intArg(c, argv[2]!);
      if (start === null) return;
      const end = intArg(c, argv[3]!);
      if (end === null) return;
      const list = lookupOf(c, argv[1]!, List);
      if (list === null) return;
      const range = list === undefined ? null : clampRange(start, end, list.length);
      if (range === null) return c.reply.emptyArray();
      c.reply.array(range[1] - range[0] + 1);
      list!.writeRange(range[0], range[1], c.reply);
    },
  },
  {
    // lindexCommand
    name: 'lindex', arity: 3, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'list', 'slow'],
    run(c, argv) {
      const list = lookupOf(c, argv[1]!, List);
      if (list === null) return;
      if (list === undefined) return c.reply.nullBulk();
      const index = intArg(c, argv[2]!);
      if (index !== null) c.reply.bulkOrNull(list.at(index));
    },
  },
  {
    // lsetCommand
    name: 'lset', arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: ['write', 'list', 'slow'],
    run(c, argv) {
      const key = argv[1]!;
      const list = lookupOf(c, key, List, true);
      if (list === null) return;
      if (list === undefined) return c.reply.error(ERR.noSuchKey);
      let index = intArg(c, argv[2]!);
      if (index === null) return;
      if (index < 0) index += list.length;
      if (index < 0 || index >= list.length) return c.reply.error(ERR.indexOutOfRange);
      list.set(index, argv[3]!);
      c.db.modified(key);
      notifyKey(c, NOTIFY.list, 'lset', key);
      c.reply.ok();
    },
  },
  {
    // lremCommand: count > 0 removes the first count from the head, < 0 from the tail, 0 all.
    name: 'lrem', arity: 4, flags: ['write'], keys: [1, 1, 1], acl: ['write', 'list', 'slow'],
    run(c, argv) {
      const count = intArg(c, argv[2]!);
      if (count === null) return;
      const key = argv[1]!;
      const list = lookupOf(c, key, List, true);
      if (list === null) return;
      if (list === undefined) return c.reply.integer(0);
      const n = list.remove(argv[3]!, Math.abs(count), count < 0);
      if (n > 0) {
        c.db.modified(key, n);
        removed(c, key, list, 'lrem', n);
      }
      c.reply.integer(n);
    },
  },
  {
    // ltrimCommand
    name: 'ltrim', arity: 4, flags: ['write'], keys: [1, 1, 1], acl: ['write', 'list', 'slow'],
    run(c, argv) {
      const start = intArg(c, argv[2]!);
      if (start === null) return;
      const end = intArg(c, argv[3]!);
      if (end === null) return;
      const key = argv[1]!;
      const list = lookupOf(c, key, List, true);
      if (list === null) return;
      if (list !== undefined) {
        const len = list.length;
        const range = clampRange(start, end, len);
        if (range === null) {
          c.db.delete(key);
        } else {
          list.trim(range[0], range[1]);
          c.db.modified(key, len - list.length);
        }
        notifyKey(c, NOTIFY.list, 'ltrim', key);
        if (range === null) notifyKey(c, NOTIFY.generic, 'del', key);
      }
      c.reply.ok();
    },
  },
  {
    // linsertCommand: -1 when the pivot is not there, 0 when the key is not.
    name: 'linsert', arity: 5, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: ['write', 'list', 'slow'],
    run(c, argv) {
      const after = is(argv[2], 'AFTER');
      if (!after && !is(argv[2], 'BEFORE')) return c.reply.error(ERR.syntax);
      const key = argv[1]!;
      const list = lookupOf(c, key, List, true);
      if (list === null) return;
      if (list === undefined) return c.reply.integer(0);
      const [pivot] = list.matches(argv[3]!, false, list.length);
      if (pivot === undefined) return c.reply.integer(-1);
      list.insert(after ? pivot + 1 : pivot, argv[4]!);
      c.db.modified(key);
      notifyKey(c, NOTIFY.list, 'linsert', key);
      c.reply.integer(list.length);
    },
  },
  ...(['blpop', 'brpop'] as const).map((name): CommandSpec => ({
    // blpopCommand brpopCommand
    name, arity: -3, flags: ['write', 'noscript', 'blocking'], keys: [1, -2, 1], acl: ['write', 'list', 'slow', 'blocking'],
    run(c, argv) {
      blockingPop(c, argv.slice(1, -1), argv[argv.length - 1]!, name === 'blpop', null);
    },
  })),
  {
    name: 'lmpop', arity: -4, flags: ['write', 'movablekeys'], keys: [0, 0, 0], acl: ['write', 'list', 'slow'],
    run(c, argv) {
      lmpop(c, argv, false);
    },
  },
  {
    name: 'blmpop', arity: -5, flags: ['write', 'blocking', 'movablekeys'], keys: [0, 0, 0],
    acl: ['write', 'list', 'slow', 'blocking'],
    run(c, argv) {
      lmpop(c, argv, true);
    },
  },
  {
    // brpoplpushCommand
    name: 'brpoplpush', arity: 4, flags: ['write', 'denyoom', 'noscript', 'blocking'], keys: [1, 2, 1],
    acl: ['write', 'list', 'slow', 'blocking'],
    run(c, argv) {
      blockingMove(c, argv, false, true, ['RPOPLPUSH', argv[1]!, argv[2]!]);
    },
  },
  {
    // blmoveCommand
    name: 'blmove', arity: 6, flags: ['write', 'denyoom', 'noscript', 'blocking'], keys: [1, 2, 1],
    acl: ['write', 'list', 'slow', 'blocking'],
    run(c, argv) {
      const fromHead = whereArg(c, argv[3]!);
      if (fromHead === null) return;
      const toHead = whereArg(c, argv[4]!);
      if (toHead !== null) blockingMove(c, argv, fromHead, toHead, ['LMOVE', argv[1]!, argv[2]!, argv[3]!, argv[4]!]);
    },
  },
  {
    // rpoplpushCommand
    name: 'rpoplpush', arity: 3, flags: ['write', 'denyoom'], keys: [1, 2, 1], acl: ['write', 'list', 'slow'],
    run(c, argv) {
      move(c, argv[1]!, argv[2]!, false, true);
    },
  },
  {
    // lmoveCommand
    name: 'lmove', arity: 5, flags: ['write', 'denyoom'], keys: [1, 2, 1], acl: ['write', 'list', 'slow'],
    run(c, argv) {
      const fromHead = whereArg(c, argv[3]!);
      if (fromHead === null) return;
      const toHead = whereArg(c, argv[4]!);
      if (toHead !== null) move(c, argv[1]!, argv[2]!, fromHead, toHead);
    },
  },
  {
    name: 'lpos', arity: -3, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'list', 'slow'],
    run(c, argv) {
      lpos(c, argv);
    },
  },
];
