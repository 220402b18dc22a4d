// Sets (t_set.c): SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SPOP SRANDMEMBER SMOVE,
// the SINTER / SUNION / SDIFF families, SINTERCARD and SSCAN.
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey, notifyRemoval } from '../actors/notify.js';
import { INT64 } from '../store/numbers.js';
import { SetValue } from '../store/set.js';
import { is, lookupOf, positiveIntArg, randomCountArg, rangeArg } from './args.js';
import type { CommandSpec } from './command.js';
import { alsoPropagate } from './dispatch.js';
import { ERR } from './errors.js';
import { replyPicks, sampleDistinct } from './sampling.js';
import { parseScanCursor, parseScanOptions, replyScan, scanMatches, scanStep } from './scan-cursors.js';

/** The set at key: undefined when missing, null when WRONGTYPE was replied. */
function readSet(c: Client, key: string): SetValue | undefined | null {
  return lookupOf(c, key, SetValue);
}

function writeSet(c: Client, key: string): SetValue | undefined | null {
  return lookupOf(c, key, SetValue, true);
}

/** The sets at keys (undefined for missing ones); null after a WRONGTYPE reply. */
function readSets(c: Client, keys: string[]): Array<SetValue | undefined> | null {
  const sets: Array<SetValue | undefined> = [];
  for (const key of keys) {
    const s = readSet(c, key);
    if (s === null) return null;
    sets.push(s);
  }
  return sets;
}

/** Members as a set reply (RESP3's '~'). */
function replyMembers(c: Client, members: Iterable<string>, n: number): void {
  c.reply.set(n);
  for (const m of members) c.reply.bulk(m);
}

function replySet(c: Client, set: SetValue): void {
  replyMembers(c, set.values(), set.size);
}

/** The STORE variants' ending: dst gets the result, or goes when it is empty. */
function storeSet(c: Client, dst: string, result: SetValue, event: string): void {
  if (result.size > 0) {
    c.db.set(dst, result);
    notifyKey(c, NOTIFY.set, event, dst);
  } else if (c.db.delete(dst)) {
    notifyKey(c, NOTIFY.generic, 'del', dst);
  }
  c.reply.integer(result.size);
}

/** Members of every set, in the order of the smallest (the first of equal sizes); copies for a result kept (values). */
function* intersect(sets: SetValue[], copy = false): Generator<string> {
  sets.sort((a, b) => a.size - b.size);
  const first = sets[0]!;
  next: for (const m of first.values(copy)) {
    for (let j = 1; j < sets.length; j++) {
      if (sets[j] !== first && !sets[j]!.has(m)) continue next;
    }
    yield m;
  }
}

// sinterGenericCommand without LIMIT: SINTER, SMEMBERS, SINTERSTORE.
function sinter(c: Client, keys: string[], dst: string | null): void {
  const sets = readSets(c, keys);
  if (sets === null) return;
  const present = sets.filter((s) => s !== undefined);
  if (present.length < sets.length) {
    if (dst === null) return c.reply.set(0);
    return storeSet(c, dst, new SetValue(), 'sinterstore');
  }
  if (dst !== null) return storeSet(c, dst, SetValue.from(intersect(present, true)), 'sinterstore');
  const members = [...intersect(present)];
  replyMembers(c, members, members.length);
}

/**
 * sunionDiffGenericCommand's result. SDIFF picks Redis's algorithm too, since the second
 * one adds every member of the first set before removing, which can leave an all-integer
 * result in the hashtable encoding (and its order). copy: a result that is kept takes
 * copies of packed sets' members (SetValue.values).
 */
function unionOrDiff(sets: Array<SetValue | undefined>, diff: boolean, copy: boolean): SetValue {
  const result = new SetValue();
  if (!diff) {
    for (const s of sets) if (s !== undefined) for (const m of s.values(copy)) result.add(m);
    return result;
  }
  const first = sets[0];
  if (first === undefined || sets.indexOf(first, 1) > 0) return result;
  const others = sets.slice(1).filter((s) => s !== undefined);
  let oneWork = 0;
  let twoWork = 0;
  for (const s of [first, ...others]) {
    oneWork += first.size;
    twoWork += s.size;
  }
  if (Math.floor(oneWork / 2) <= twoWork) {
    for (const m of first.values(copy)) if (!others.some((s) => s.has(m))) result.add(m);
    return result;
  }
  for (const m of first.values(copy)) result.add(m);
  for (const s of others) {
    for (const m of s.values()) if (result.delete(m) && result.size === 0) return result;
  }
  return result;
}

function sunionDiff(c: Client, keys: string[], dst: string | null, diff: boolean): void {
  const sets = readSets(c, keys);
  if (sets === null) return;
  const result = unionOrDiff(sets, diff, dst !== null);
  if (dst === null) replySet(c, result);
  else storeSet(c, dst, result, diff ? 'sdiffstore' : 'sunionstore');
}

// spopWithCountCommand
function spopWithCount(c: Client, argv: string[]): void {
  const count = positiveIntArg(c, argv[2]!);
  if (count === null) return;
  const key = argv[1]!;
  const set = writeSet(c, key);
  if (set === null) return;
  if (set === undefined || count === 0) return c.reply.set(0);
  const size = set.size;
  if (count >= size) {
    // CASE 1: the whole set, as SUNION of it would list it; Redis runs that SUNION, whose
    // read lookup counts a keyspace hit.
    c.db.lookup(key);
    replySet(c, SetValue.from(set.values()));
    c.db.delete(key);
    notifyRemoval(c, NOTIFY.set, 'spop', key, 0, size);
    // Redis 7.0 sends DEL here whatever lazyfree-lazy-server-del says.
    c.propagateAs(['DEL', key]);
    return;
  }
  const remaining = size - count;
  notifyKey(c, NOTIFY.set, 'spop', key);
  const popped = new SremBatches(c, key);
  if (remaining * 5 > count) {
    // CASE 2: pop count random members.
    c.reply.set(count);
    for (let i = 0; i < count; i++) {
      const m = set.pop();
      c.reply.bulk(m);
      popped.add(m);
    }
    c.db.modified(key, count);
  } else {
    // CASE 3: move the few that stay into a new set; reply what is left of the old one.
    const kept = new SetValue();
    for (let i = 0; i < remaining; i++) kept.add(set.pop());
    replySet(c, set);
    for (const m of set.values()) popped.add(m);
    c.db.set(key, kept, true);
  }
  popped.end();
}

/** SPOP_REPLICATION_BATCH_SIZE: members per SREM that an SPOP with a count propagates as. */
const SREM_BATCH = 1024;

/** The members an SPOP took, propagated as SREMs of up to SREM_BATCH members (not the random SPOP). */
class SremBatches {
  private argv: string[];

  constructor(private readonly c: Client, private readonly key: string) {
    this.argv = ['SREM', key];
    c.preventPropagation();
  }

  add(member: string): void {
    this.argv.push(member);
    if (this.argv.length - 2 === SREM_BATCH) this.end();
  }

  end(): void {
    if (this.argv.length > 2) alsoPropagate(this.c, this.c.db.id, this.argv);
    this.argv = ['SREM', this.key];
  }
}

// srandmemberWithCountCommand
function srandmemberWithCount(c: Client, argv: string[]): void {
  const l = randomCountArg(c, argv[2]!);
  if (l === null) return;
  const set = readSet(c, argv[1]!);
  if (set === null) return;
  const count = Math.abs(l);
  if (set === undefined || count === 0) return c.reply.emptyArray();
  if (l < 0 || count === 1) {
    // CASE 1: repeats allowed.
    replyPicks(c, count, false, () => c.reply.bulk(set.random()));
    return;
  }
  // CASE 2: the whole set, in its order, as an array (a set reply is SMEMBERS').
  if (count >= set.size) return c.reply.bulks(set.values(), set.size);
  c.reply.array(count);
  for (const i of sampleDistinct(set.size, count, false)) c.reply.bulk(set.at(i));
}

// sinterCardCommand's arguments: numkeys, keys, [LIMIT limit]; null after an error.
function sintercardArgs(c: Client, argv: string[]): { keys: string[]; limit: number } | null {
  const numkeys = rangeArg(c, argv[1]!, 1n, INT64.max, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return null;
  if (numkeys > argv.length - 2) {
    c.reply.error("ERR Number of keys can't be greater than number of args");
    return null;
  }
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    if (is(argv[j], 'LIMIT') && j + 1 < argv.length) {
      const l = positiveIntArg(c, argv[++j]!, "ERR LIMIT can't be negative");
      if (l === null) return null;
      limit = l;
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  return { keys: argv.slice(2, 2 + numkeys), limit };
}

const W = ['write', 'set'];
const R = ['read', 'set'];

export const setCommands: CommandSpec[] = [
  {
    // saddCommand
    name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'],
    run(c, argv) {
      const key = argv[1]!;
      const found = writeSet(c, key);
      if (found === null) return;
      const set = found ?? new SetValue();
      let added = 0;
      for (let j = 2; j < argv.length; j++) if (set.add(argv[j]!)) added++;
      if (found === undefined) c.db.set(key, set);
      else if (added > 0) c.db.modified(key, added);
      if (added > 0) notifyKey(c, NOTIFY.set, 'sadd', key);
      c.reply.integer(added);
    },
  },
  {
    // sremCommand
    name: 'srem', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'],
    run(c, argv) {
      const key = argv[1]!;
      const set = writeSet(c, key);
      if (set === null) return;
      if (set === undefined) return c.reply.integer(0);
      let deleted = 0;
      for (let j = 2; j < argv.length && set.size > 0; j++) if (set.delete(argv[j]!)) deleted++;
      c.db.removedFrom(key, set.size, deleted);
      notifyRemoval(c, NOTIFY.set, 'srem', key, set.size, deleted);
      c.reply.integer(deleted);
    },
  },
  {
    // scardCommand
    name: 'scard', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'],
    run(c, argv) {
      const set = readSet(c, argv[1]!);
      if (set !== null) c.reply.integer(set?.size ?? 0);
    },
  },
  {
    // sismemberCommand
    name: 'sismember', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'],
    run(c, argv) {
      const set = readSet(c, argv[1]!);
      if (set !== null) c.reply.integer(set?.has(argv[2]!) ? 1 : 0);
    },
  },
  {
    // smismemberCommand: a missing key is an empty set.
    name: 'smismember', arity: -3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'],
    run(c, argv) {
      const set = readSet(c, argv[1]!);
      if (set === null) return;
      c.reply.array(argv.length - 2);
      for (let j = 2; j < argv.length; j++) c.reply.integer(set?.has(argv[j]!) ? 1 : 0);
    },
  },
  {
    // smembers is sinterCommand of one key in Redis 7.0.
    name: 'smembers', arity: 2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      sinter(c, argv.slice(1), null);
    },
  },
  {
    // spopCommand
    name: 'spop', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'],
    run(c, argv) {
      if (argv.length === 3) return spopWithCount(c, argv);
      if (argv.length > 3) return c.reply.error(ERR.syntax);
      const key = argv[1]!;
      const set = writeSet(c, key);
      if (set === null) return;
      if (set === undefined) return c.reply.nullBulk();
      const m = set.pop();
      c.reply.bulk(m);
      c.db.removedFrom(key, set.size, 1);
      notifyRemoval(c, NOTIFY.set, 'spop', key, set.size, 1);
      c.propagateAs(['SREM', key, m]);
    },
  },
  {
    // srandmemberCommand
    name: 'srandmember', arity: -2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      if (argv.length === 3) return srandmemberWithCount(c, argv);
      if (argv.length > 3) return c.reply.error(ERR.syntax);
      const set = readSet(c, argv[1]!);
      if (set === null) return;
      if (set === undefined) c.reply.nullBulk();
      else c.reply.bulk(set.random());
    },
  },
  {
    // smoveCommand: a missing source replies 0 before any type check of the destination.
    name: 'smove', arity: 4, flags: ['write', 'fast'], keys: [1, 2, 1], acl: [...W, 'fast'],
    run(c, argv) {
      const [, srcKey, dstKey, member] = argv as [string, string, string, string];
      // Both keys are looked up first: an expired destination goes even when nothing moves.
      c.db.lookupWrite(dstKey);
      const src = writeSet(c, srcKey);
      if (src === null) return;
      if (src === undefined) return c.reply.integer(0);
      const dst = writeSet(c, dstKey);
      if (dst === null) return;
      if (src === dst) return c.reply.integer(src.has(member) ? 1 : 0);
      if (!src.delete(member)) return c.reply.integer(0);
      c.db.removedFrom(srcKey, src.size, 1);
      notifyRemoval(c, NOTIFY.set, 'srem', srcKey, src.size, 1);
      if (dst === undefined) c.db.set(dstKey, SetValue.from([member]));
      else if (dst.add(member)) c.db.modified(dstKey);
      notifyKey(c, NOTIFY.set, 'sadd', dstKey);
      c.reply.integer(1);
    },
  },
  {
    name: 'sinter', arity: -2, flags: ['readonly'], keys: [1, -1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      sinter(c, argv.slice(1), null);
    },
  },
  {
    name: 'sinterstore', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 1], acl: [...W, 'slow'],
    run(c, argv) {
      sinter(c, argv.slice(2), argv[1]!);
    },
  },
  {
    // sinterCardCommand
    name: 'sintercard', arity: -3, flags: ['readonly', 'movablekeys'], keys: [0, 0, 0], acl: [...R, 'slow'],
    run(c, argv) {
      const args = sintercardArgs(c, argv);
      if (args === null) return;
      const sets = readSets(c, args.keys);
      if (sets === null) return;
      let n = 0;
      if (sets.every((s) => s !== undefined)) {
        for (const _ of intersect(sets)) if (++n === args.limit) break;
      }
      c.reply.integer(n);
    },
  },
  {
    name: 'sunion', arity: -2, flags: ['readonly'], keys: [1, -1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      sunionDiff(c, argv.slice(1), null, false);
    },
  },
  {
    name: 'sunionstore', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 1], acl: [...W, 'slow'],
    run(c, argv) {
      sunionDiff(c, argv.slice(2), argv[1]!, false);
    },
  },
  {
    name: 'sdiff', arity: -2, flags: ['readonly'], keys: [1, -1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      sunionDiff(c, argv.slice(1), null, true);
    },
  },
  {
    name: 'sdiffstore', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 1], acl: [...W, 'slow'],
    run(c, argv) {
      sunionDiff(c, argv.slice(2), argv[1]!, true);
    },
  },
  {
    // sscanCommand: an intset, or a set small enough to scan its array, goes in one step.
    name: 'sscan', arity: -3, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      const cursor = parseScanCursor(c, argv[2]!);
      if (cursor === null) return;
      const set = readSet(c, argv[1]!);
      if (set === null) return;
      if (set === undefined) return replyScan(c, '0', []);
      const opts = parseScanOptions(c, argv, 3, false);
      if (opts === null) return;
      const live = set.scanOrder();
      const step = live === null ? { next: '0', items: [...set.values()] } : scanStep(cursor, set, () => live, opts.count);
      replyScan(c, step.next, step.items.filter((m) => scanMatches(opts, m)));
    },
  },
];
