// Hashes (t_hash.c). A hash is created by the write that gives it its first field, and
// deleted with its last one, as Redis does.
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey, notifyRemoval } from '../actors/notify.js';
import { addLongDouble, formatLongDouble, LD_ZERO, parseLongDouble } from '../store/floats.js';
import { addInt64, parseInteger } from '../store/numbers.js';
import { Hash } from '../store/values.js';
import { lookupOf, randomPairsArgs } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';
import { randomBelow, replyPicks, sampleDistinct } from './sampling.js';
import { parseScanCursor, parseScanOptions, replyScan, scanMatches, scanStep } from './scan-cursors.js';

/** hashTypeLookupWriteOrCreate's create half: an empty hash at key, filled by the caller. */
function createHash(c: Client, key: string): Hash {
  const h = new Hash();
  c.db.set(key, h);
  return h;
}

// hsetCommand, and hmsetCommand (which replies OK rather than the count of new fields).
function hset(c: Client, argv: string[], name: 'hset' | 'hmset'): void {
  if (argv.length % 2 === 1) return c.reply.error(ERR.arity(name));
  const key = argv[1]!;
  const found = lookupOf(c, key, Hash, true);
  if (found === null) return;
  const h = found ?? createHash(c, key);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i]!, argv[i + 1]!)) created++;
  c.db.modified(key, (argv.length - 2) / 2);
  notifyKey(c, NOTIFY.hash, 'hset', key);
  if (name === 'hset') c.reply.integer(created);
  else c.reply.ok();
}

// hincrbyCommand
function hincrby(c: Client, argv: string[]): void {
  const by = parseInteger(argv[3]!);
  if (by === null) return c.reply.error(ERR.notInteger);
  const key = argv[1]!;
  const field = argv[2]!;
  const found = lookupOf(c, key, Hash, true);
  if (found === null) return;
  const old = found?.get(field);
  const cur = old === undefined ? 0 : parseInteger(old);
  if (cur === null) return c.reply.error('ERR hash value is not an integer');
  const n = addInt64(cur, by);
  if (n === null) return c.reply.error(ERR.overflow);
  (found ?? createHash(c, key)).set(field, String(n));
  c.db.modified(key);
  notifyKey(c, NOTIFY.hash, 'hincrby', key);
  c.reply.integer(n);
}

// hincrbyfloatCommand: in long double, as INCRBYFLOAT.
function hincrbyfloat(c: Client, argv: string[]): void {
  const by = parseLongDouble(argv[3]!);
  if (by === null) return c.reply.error(ERR.notFloat);
  if (by === 'inf') return c.reply.error('ERR value is NaN or Infinity');
  const key = argv[1]!;
  const field = argv[2]!;
  const found = lookupOf(c, key, Hash, true);
  if (found === null) return;
  const old = found?.get(field);
  const cur = old === undefined ? LD_ZERO : parseLongDouble(old);
  if (cur === null) return c.reply.error('ERR hash value is not a float');
  const sum = addLongDouble(cur, by);
  if (sum === null) return c.reply.error('ERR increment would produce NaN or Infinity');
  const s = formatLongDouble(sum);
  (found ?? createHash(c, key)).set(field, s);
  c.db.modified(key);
  c.propagateAs(['HSET', key, field, s]);
  notifyKey(c, NOTIFY.hash, 'hincrbyfloat', key);
  c.reply.bulk(s);
}

const FIELDS = 1;
const VALUES = 2;

// genericHgetallCommand: what is FIELDS, VALUES or both.
function hgetall(c: Client, key: string, what: number): void {
  const h = lookupOf(c, key, Hash);
  if (h === null) return;
  if (h === undefined) return what === (FIELDS | VALUES) ? c.reply.map(0) : c.reply.emptyArray();
  if (what === (FIELDS | VALUES)) c.reply.map(h.size);
  else c.reply.array(h.size);
  for (const [f, v] of h.entries()) {
    if (what & FIELDS) c.reply.bulk(f);
    if (what & VALUES) c.reply.bulk(v);
  }
}

// hrandfieldCommand
function hrandfield(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    const h = lookupOf(c, argv[1]!, Hash);
    if (h === null) return;
    return h === undefined ? c.reply.nullBulk() : c.reply.bulk(h.randomEntry()[0]);
  }
  const args = randomPairsArgs(c, argv, 'WITHVALUES');
  if (args !== null) hrandfieldWithCount(c, argv[1]!, args.count, args.pairs);
}

/**
 * hrandfieldWithCountCommand: a negative count picks that many with repeats (CASE 1); a
 * positive one distinct fields, the whole hash in its order when it asks for as many or more.
 * A hashtable's picks are random slots (CASE 1, and CASE 4 while the count is under a third
 * of the size), not a copy of all its pairs: that made HRANDFIELD h 5 on 200k fields 72 ms.
 * A listpack's pairs are copied once, as its randomEntry walks it.
 */
function hrandfieldWithCount(c: Client, key: string, count: number, withValues: boolean): void {
  const h = lookupOf(c, key, Hash);
  if (h === null) return;
  if (h === undefined || count === 0) return c.reply.emptyArray();
  const header = (n: number): void => (withValues ? c.reply.pairs(n) : c.reply.array(n));
  if (count >= h.size) {
    header(h.size);
    for (const [f, v] of h.entries()) replyPair(c, f, v, withValues);
    return;
  }
  const n = Math.abs(count);
  const table = h.encoding === 'hashtable';
  if (count < 0) {
    const pairs = table ? null : Array.from(h.entries());
    replyPicks(c, n, withValues, () => {
      const [f, v] = pairs === null ? h.randomEntry() : pairs[randomBelow(pairs.length)]!;
      replyPair(c, f, v, withValues);
    });
    return;
  }
  header(n);
  if (table && count * 3 <= h.size) {
    const picked = new Map<string, string>();
    while (picked.size < n) {
      const [f, v] = h.randomEntry();
      picked.set(f, v);
    }
    for (const [f, v] of picked) replyPair(c, f, v, withValues);
    return;
  }
  const pairs = Array.from(h.entries());
  for (const i of sampleDistinct(pairs.length, n, !table)) replyPair(c, pairs[i]![0], pairs[i]![1], withValues);
}

function replyPair(c: Client, field: string, value: string, withValues: boolean): void {
  if (withValues) c.reply.pair();
  c.reply.bulk(field);
  if (withValues) c.reply.bulk(value);
}

// hscanCommand + scanGenericCommand: a listpack goes whole in one step with cursor 0, as in
// Redis; a hashtable by COUNT fields per step. MATCH filters fields after the step.
function hscan(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(c, argv[2]!);
  if (cursor === null) return;
  const h = lookupOf(c, argv[1]!, Hash);
  if (h === null) return;
  if (h === undefined) return replyScan(c, '0', []);
  const opts = parseScanOptions(c, argv, 3, false);
  if (opts === null) return;
  const count = h.encoding === 'listpack' ? Infinity : opts.count;
  const step = scanStep(cursor, h, () => h.entries(), count);
  const items: string[] = [];
  for (const [f, v] of step.items) if (scanMatches(opts, f)) items.push(f, v);
  replyScan(c, step.next, items);
}

export const hashCommands: CommandSpec[] = [
  {
    name: 'hset', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'hash', 'fast'],
    run(c, argv) {
      hset(c, argv, 'hset');
    },
  },
  {
    name: 'hmset', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'hash', 'fast'],
    run(c, argv) {
      hset(c, argv, 'hmset');
    },
  },
  {
    // hsetnxCommand
    name: 'hsetnx', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'hash', 'fast'],
    run(c, argv) {
      const key = argv[1]!;
  const field = argv[2]!;
      const found = lookupOf(c, key, Hash, true);
      if (found === null) return;
      if (found?.has(field)) return c.reply.integer(0);
      (found ?? createHash(c, key)).set(field, argv[3]!);
      c.db.modified(key);
      notifyKey(c, NOTIFY.hash, 'hset', key);
      c.reply.integer(1);
    },
  },
  {
    // hgetCommand
    name: 'hget', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['read', 'hash', 'fast'],
    run(c, argv) {
      const h = lookupOf(c, argv[1]!, Hash);
      if (h !== null) c.reply.bulkOrNull(h?.get(argv[2]!));
    },
  },
  {
    // hmgetCommand: a missing key answers every field with null.
    name: 'hmget', arity: -3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['read', 'hash', 'fast'],
    run(c, argv) {
      const h = lookupOf(c, argv[1]!, Hash);
      if (h === null) return;
      c.reply.array(argv.length - 2);
      for (let i = 2; i < argv.length; i++) c.reply.bulkOrNull(h?.get(argv[i]!));
    },
  },
  {
    // hdelCommand
    name: 'hdel', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['write', 'hash', 'fast'],
    run(c, argv) {
      const key = argv[1]!;
      const h = lookupOf(c, key, Hash, true);
      if (h === null) return;
      if (h === undefined) return c.reply.integer(0);
      let deleted = 0;
      for (let i = 2; i < argv.length && h.size > 0; i++) if (h.delete(argv[i]!)) deleted++;
      if (deleted > 0) {
        c.db.modified(key, deleted);
        if (h.size === 0) c.db.delete(key);
        notifyRemoval(c, NOTIFY.hash, 'hdel', key, h.size, deleted);
      }
      c.reply.integer(deleted);
    },
  },
  {
    // hlenCommand
    name: 'hlen', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['read', 'hash', 'fast'],
    run(c, argv) {
      const h = lookupOf(c, argv[1]!, Hash);
      if (h !== null) c.reply.integer(h === undefined ? 0 : h.size);
    },
  },
  {
    // hexistsCommand
    name: 'hexists', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['read', 'hash', 'fast'],
    run(c, argv) {
      const h = lookupOf(c, argv[1]!, Hash);
      if (h !== null) c.reply.integer(h?.has(argv[2]!) ? 1 : 0);
    },
  },
  {
    // hstrlenCommand
    name: 'hstrlen', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['read', 'hash', 'fast'],
    run(c, argv) {
      const h = lookupOf(c, argv[1]!, Hash);
      if (h !== null) c.reply.integer(h?.get(argv[2]!)?.length ?? 0);
    },
  },
  {
    name: 'hgetall', arity: 2, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'hash', 'slow'],
    run(c, argv) {
      hgetall(c, argv[1]!, FIELDS | VALUES);
    },
  },
  {
    name: 'hkeys', arity: 2, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'hash', 'slow'],
    run(c, argv) {
      hgetall(c, argv[1]!, FIELDS);
    },
  },
  {
    name: 'hvals', arity: 2, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'hash', 'slow'],
    run(c, argv) {
      hgetall(c, argv[1]!, VALUES);
    },
  },
  {
    name: 'hincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'hash', 'fast'],
    run(c, argv) {
      hincrby(c, argv);
    },
  },
  {
    name: 'hincrbyfloat', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'hash', 'fast'],
    run(c, argv) {
      hincrbyfloat(c, argv);
    },
  },
  {
    name: 'hrandfield', arity: -2, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'hash', 'slow'],
    run(c, argv) {
      hrandfield(c, argv);
    },
  },
  {
    name: 'hscan', arity: -3, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'hash', 'slow'],
    run(c, argv) {
      hscan(c, argv);
    },
  },
];
