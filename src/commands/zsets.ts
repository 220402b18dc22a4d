// Sorted sets (t_zset.c): ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT
// ZLEXCOUNT, the ZRANGE family (by rank, score and lex, ZRANGESTORE), the ZREMRANGEBY
// family, ZPOPMIN ZPOPMAX ZMPOP and their blocking forms (BZPOPMIN BZPOPMAX BZMPOP), ZRANDMEMBER ZSCAN, and ZUNION / ZINTER / ZDIFF with their
// STORE variants and ZINTERCARD.
import { blockForKeys, timeoutArg } from '../actors/blocking.js';
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey, notifyRemoval } from '../actors/notify.js';
import { formatDouble } from '../io/format-double.js';
import { strtod } from '../store/floats.js';
import { SetValue } from '../store/set.js';
import { WRONGTYPE } from '../store/values.js';
import {
  lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, compareEntries, ZSet, type LexItem, type LexRange, type ScoreRange,
} from '../store/zset.js';
import { clampRange, floatArg, intArg, is, lookupOf, positiveIntArg, mpopArgs, randomPairsArgs } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';
import { randomBelow, replyPicks, sampleDistinct } from './sampling.js';
import { parseScanCursor, parseScanOptions, replyScan, scanMatches, scanStep } from './scan-cursors.js';

const NOT_FLOAT_RANGE = 'ERR min or max is not a float';
const NOT_LEX_RANGE = 'ERR min or max not valid string range item';

// ---------------------------------------------------------------------------------------
// Numbers and ranges as Redis reads them.

/** One end of zslParseRange: strtod up to the end of the C string (a NUL ends it too). */
function rangeEnd(s: string): { value: number; ex: boolean } | null {
  const ex = s.charCodeAt(0) === 40; // '('
  const body = ex ? s.slice(1) : s;
  const r = strtod(body);
  if ((r.end !== body.length && body.charCodeAt(r.end) !== 0) || Number.isNaN(r.value)) return null;
  return { value: r.value, ex };
}

// zslParseRange
function parseScoreRange(min: string, max: string): ScoreRange | null {
  const lo = rangeEnd(min);
  const hi = rangeEnd(max);
  if (lo === null || hi === null) return null;
  return { min: lo.value, minex: lo.ex, max: hi.value, maxex: hi.ex };
}

// zslParseLexRangeItem: "-", "+", "(member" or "[member" (a C string: a NUL ends "-" and "+").
function lexItem(s: string): { item: LexItem; ex: boolean } | null {
  const first = s.charAt(0);
  if (first === '+' || first === '-') {
    if (s.length > 1 && s.charCodeAt(1) !== 0) return null;
    return { item: first === '+' ? 1 : -1, ex: true };
  }
  if (first === '(' || first === '[') return { item: s.slice(1), ex: first === '(' };
  return null;
}

// zslParseLexRange
function parseLexRange(min: string, max: string): LexRange | null {
  const lo = lexItem(min);
  const hi = lexItem(max);
  if (lo === null || hi === null) return null;
  return { min: lo.item, minex: lo.ex, max: hi.item, maxex: hi.ex };
}

// ---------------------------------------------------------------------------------------
// Shared steps.

function readZset(c: Client, key: string): ZSet | undefined | null {
  return lookupOf(c, key, ZSet);
}

function writeZset(c: Client, key: string): ZSet | undefined | null {
  return lookupOf(c, key, ZSet, true);
}

/** Entries picked by a command, in reply order. */
class Picked {
  readonly members: string[] = [];
  readonly scores: number[] = [];

  readonly push = (member: string, score: number): void => {
    this.members.push(member);
    this.scores.push(score);
  };

  get length(): number {
    return this.members.length;
  }

  /** Members, or member and score pairs with withscores. */
  reply(c: Client, withscores: boolean): void {
    const n = this.members.length;
    if (withscores) c.reply.pairs(n);
    else c.reply.array(n);
    for (let i = 0; i < n; i++) {
      if (withscores) c.reply.pair();
      c.reply.bulk(this.members[i]!);
      if (withscores) c.reply.double(this.scores[i]!);
    }
  }

  /** ZPOPMIN without a count: one flat array of member and score in both protocols. */
  replyFlat(c: Client): void {
    c.reply.array(2 * this.members.length);
    for (let i = 0; i < this.members.length; i++) {
      c.reply.bulk(this.members[i]!);
      c.reply.double(this.scores[i]!);
    }
  }

  /**
   * The STORE variants' ending: dst gets them as a sorted set, or goes when there are none,
   * made in the encoding Redis picks before it adds them (a listpack passes a -0 score on as
   * 0): by the result's size and longest member for ZUNIONSTORE and friends ('members'), by
   * its size for ZRANGESTORE of a rank range (zrangeResultBeginStore's 'count'), else a
   * listpack converted as it grows (ZRANGESTORE BYSCORE and BYLEX, whose size is not known
   * up front: 'none').
   */
  store(c: Client, dst: string, sizedBy: 'members' | 'count' | 'none', event: string): void {
    if (this.members.length === 0) {
      if (c.db.delete(dst)) notifyKey(c, NOTIFY.generic, 'del', dst);
      return c.reply.integer(0);
    }
    let longest = 0;
    if (sizedBy === 'members') for (const m of this.members) longest = Math.max(longest, m.length);
    const z = sizedBy === 'none' ? new ZSet() : ZSet.sized(this.members.length, longest);
    for (let i = 0; i < this.members.length; i++) z.set(this.members[i]!, this.scores[i]!);
    c.db.set(dst, z);
    notifyKey(c, NOTIFY.zset, event, dst);
    c.reply.integer(z.size);
  }
}

// ---------------------------------------------------------------------------------------
// ZADD and ZINCRBY.

// zaddGenericCommand: ZADD's options, or ZINCRBY (incr) which parses them the same way.
export function zadd(c: Client, argv: string[], incrCommand: boolean): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCommand;
  let at = 2;
  for (; at < argv.length; at++) {
    const opt = argv[at];
    if (is(opt, 'NX')) nx = true;
    else if (is(opt, 'XX')) xx = true;
    else if (is(opt, 'CH')) ch = true;
    else if (is(opt, 'INCR')) incr = true;
    else if (is(opt, 'GT')) gt = true;
    else if (is(opt, 'LT')) lt = true;
    else break;
  }
  const args = argv.length - at;
  if (args === 0 || args % 2 !== 0) return c.reply.error(ERR.syntax);
  if (nx && xx) return c.reply.error('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return c.reply.error('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && args > 2) return c.reply.error('ERR INCR option supports a single increment-element pair');
  // Sized at once: pushed onto an empty array, one score got room for 17 (garbage per ZADD).
  const scores: number[] = new Array<number>(args / 2);
  for (let j = at, k = 0; j < argv.length; j += 2, k++) {
    const s = floatArg(c, argv[j]!);
    if (s === null) return;
    scores[k] = s;
  }
  const key = argv[1]!;
  const found = writeZset(c, key);
  if (found === null) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (found !== undefined || !xx) {
    // Redis 7.0 makes a skiplist when listpacks are off or the first member is too long
    const z = found ?? ZSet.sized(1, argv[at + 1]!.length);
    for (let k = 0; k < scores.length; k++) {
      const member = argv[at + 2 * k + 1]!;
      let s = scores[k]!;
      const current = z.score(member);
      // zsetAdd
      if (current === undefined) {
        if (xx) continue;
        z.add(member, s);
        added++;
      } else {
        if (nx) continue;
        if (incr) {
          s += current;
          if (Number.isNaN(s)) return c.reply.error('ERR resulting score is not a number (NaN)');
        }
        if ((lt && s >= current) || (gt && s <= current)) continue;
        if (s !== current) {
          z.update(member, current, s);
          updated++;
        }
      }
      processed++;
      score = s;
    }
    if (found === undefined) c.db.set(key, z);
    else if (added + updated > 0) c.db.modified(key, added + updated);
    if (added + updated > 0) notifyKey(c, NOTIFY.zset, incr ? 'zincr' : 'zadd', key);
  }
  if (!incr) c.reply.integer(ch ? added + updated : added);
  else if (processed > 0) c.reply.double(score);
  else c.reply.nullBulk();
}

// ---------------------------------------------------------------------------------------
// The ZRANGE family.

type RangeKind = 'rank' | 'score' | 'lex';

/** Options of zrangeGenericCommand. */
interface RangeQuery {
  kind: RangeKind;
  reverse: boolean;
  withscores: boolean;
  offset: number;
  /** -1: no limit (any negative is none). */
  limit: number;
}

/**
 * zrangeGenericCommand: ZRANGE, ZRANGESTORE (dst) and the older forms, which fix the kind
 * and direction. argv[keyAt] is the source key, followed by min and max.
 */
function zrange(c: Client, argv: string[], keyAt: number, dst: string | null,
  kind: RangeKind | null = null, reverse: boolean | null = null): void {
  const q: RangeQuery = { kind: 'rank', reverse: false, withscores: false, offset: 0, limit: -1 };
  for (let j = keyAt + 3; j < argv.length; j++) {
    const opt = argv[j];
    if (dst === null && is(opt, 'WITHSCORES')) {
      q.withscores = true;
    } else if (is(opt, 'LIMIT') && argv.length - j - 1 >= 2) {
      const offset = intArg(c, argv[j + 1]!);
      if (offset === null) return;
      const limit = intArg(c, argv[j + 2]!);
      if (limit === null) return;
      q.offset = offset;
      q.limit = limit;
      j += 2;
    } else if (reverse === null && is(opt, 'REV')) {
      reverse = true;
    } else if (kind === null && is(opt, 'BYLEX')) {
      kind = 'lex';
    } else if (kind === null && is(opt, 'BYSCORE')) {
      kind = 'score';
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  q.kind = kind ?? 'rank';
  q.reverse = reverse ?? false;
  if (q.limit !== -1 && q.kind === 'rank') {
    return c.reply.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (q.withscores && q.kind === 'lex') {
    return c.reply.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  // Score and lex ranges come as max, min when reversed.
  const swap = q.reverse && q.kind !== 'rank';
  const minArg = argv[swap ? keyAt + 2 : keyAt + 1]!;
  const maxArg = argv[swap ? keyAt + 1 : keyAt + 2]!;
  let pick: ((z: ZSet, out: Picked) => void) | null;
  if (q.kind === 'rank') pick = rankRange(c, minArg, maxArg, q.reverse);
  else if (q.kind === 'score') pick = scoreRange(c, minArg, maxArg, q);
  else pick = lexRange(c, minArg, maxArg, q);
  if (pick === null) return;
  const z = readZset(c, argv[keyAt]!);
  if (z === null) return;
  const out = new Picked();
  if (z !== undefined) pick(z, out);
  if (dst !== null) out.store(c, dst, q.kind === 'rank' ? 'count' : 'none', 'zrangestore');
  else out.reply(c, q.withscores);
}

// genericZrangebyrankCommand
function rankRange(c: Client, startArg: string, endArg: string, reverse: boolean): ((z: ZSet, out: Picked) => void) | null {
  const start = intArg(c, startArg);
  if (start === null) return null;
  const end = intArg(c, endArg);
  if (end === null) return null;
  return (z, out) => {
    const r = clampRange(start, end, z.size);
    if (r === null) return;
    let n = r[1] - r[0] + 1;
    z.walk(reverse ? z.size - 1 - r[0] : r[0], reverse, (m, s) => {
      out.push(m, s);
      return --n > 0;
    });
  };
}

/**
 * genericZrangebyscoreCommand and genericZrangebylexCommand's walk: from the first entry in
 * range (the last when reversed), skip offset entries without looking at them (a negative
 * offset walks off the end), then take up to limit while they stay in range.
 */
function walkFrom(z: ZSet, first: number, q: RangeQuery, inRange: (m: string, s: number) => boolean, out: Picked): void {
  if (first < 0 || q.offset < 0) return;
  let left = q.limit;
  z.walk(q.reverse ? first - q.offset : first + q.offset, q.reverse, (m, s) => {
    if (left === 0 || !inRange(m, s)) return false;
    left--;
    out.push(m, s);
  });
}

function scoreRange(c: Client, minArg: string, maxArg: string, q: RangeQuery): ((z: ZSet, out: Picked) => void) | null {
  const r = parseScoreRange(minArg, maxArg);
  if (r === null) {
    c.reply.error(NOT_FLOAT_RANGE);
    return null;
  }
  const inRange = q.reverse ? (_m: string, s: number) => scoreGteMin(s, r) : (_m: string, s: number) => scoreLteMax(s, r);
  return (z, out) => walkFrom(z, z.firstInScoreRange(r, q.reverse), q, inRange, out);
}

function lexRange(c: Client, minArg: string, maxArg: string, q: RangeQuery): ((z: ZSet, out: Picked) => void) | null {
  const r = parseLexRange(minArg, maxArg);
  if (r === null) {
    c.reply.error(NOT_LEX_RANGE);
    return null;
  }
  const inRange = q.reverse ? (m: string) => lexGteMin(m, r) : (m: string) => lexLteMax(m, r);
  return (z, out) => walkFrom(z, z.firstInLexRange(r, q.reverse), q, inRange, out);
}

/** The ranks first..last of the entries in a score or lex range, or null when none are. */
function rangeRanks(z: ZSet, r: ScoreRange | LexRange, lex: boolean): [number, number] | null {
  const first = lex ? z.firstInLexRange(r as LexRange, false) : z.firstInScoreRange(r as ScoreRange, false);
  if (first < 0) return null;
  const last = lex ? z.firstInLexRange(r as LexRange, true) : z.firstInScoreRange(r as ScoreRange, true);
  return last < first ? null : [first, last];
}

// zcountCommand and zlexcountCommand
function zcount(c: Client, argv: string[], lex: boolean): void {
  const r = lex ? parseLexRange(argv[2]!, argv[3]!) : parseScoreRange(argv[2]!, argv[3]!);
  if (r === null) return c.reply.error(lex ? NOT_LEX_RANGE : NOT_FLOAT_RANGE);
  const z = readZset(c, argv[1]!);
  if (z === null) return;
  const ranks = z === undefined ? null : rangeRanks(z, r, lex);
  c.reply.integer(ranks === null ? 0 : ranks[1] - ranks[0] + 1);
}

// zremrangeGenericCommand
function zremrange(c: Client, argv: string[], kind: RangeKind): void {
  let ranks: (z: ZSet) => [number, number] | null;
  if (kind === 'rank') {
    const start = intArg(c, argv[2]!);
    if (start === null) return;
    const end = intArg(c, argv[3]!);
    if (end === null) return;
    ranks = (z) => clampRange(start, end, z.size);
  } else {
    const lex = kind === 'lex';
    const r = lex ? parseLexRange(argv[2]!, argv[3]!) : parseScoreRange(argv[2]!, argv[3]!);
    if (r === null) return c.reply.error(lex ? NOT_LEX_RANGE : NOT_FLOAT_RANGE);
    ranks = (z) => rangeRanks(z, r, lex);
  }
  const key = argv[1]!;
  const z = writeZset(c, key);
  if (z === null) return;
  const r = z === undefined ? null : ranks(z);
  if (z === undefined || r === null) return c.reply.integer(0);
  const deleted = z.deleteRanks(r[0], r[1]);
  c.db.removedFrom(key, z.size, deleted);
  notifyRemoval(c, NOTIFY.zset, `zremrangeby${kind}`, key, z.size, deleted);
  c.reply.integer(deleted);
}

// ---------------------------------------------------------------------------------------
// Popping and sampling.

/** How a pop answers: ZPOPMIN's flat array, BZPOPMIN's [key, member, score], ZMPOP's [key, [[m, s]...]]. */
type PopForm = 'flat' | 'keyed' | 'nested';

/**
 * genericZpopCommand: pops up to count entries (count null: one) from the first of keys
 * that exists. With none, ZMPOP (nested) replies a null array, ZPOPMIN an empty one.
 */
function zpop(c: Client, keys: readonly string[], max: boolean, count: number | null, form: PopForm): void {
  for (const k of keys) {
    const found = writeZset(c, k);
    if (found === null) return;
    if (found !== undefined) return popFrom(c, k, found, max, count, form);
  }
  return form === 'nested' ? c.reply.nullArray() : c.reply.emptyArray();
}

/**
 * Pops from the sorted set z at key and replies in the given form; the keyed forms propagate
 * as ZPOPMIN/ZPOPMAX.
 */
function popFrom(c: Client, key: string, z: ZSet, max: boolean, count: number | null, form: PopForm): void {
  if (count === 0) return c.reply.emptyArray();
  const n = Math.min(count ?? 1, z.size);
  const out = new Picked();
  z.walk(max ? z.size - 1 : 0, max, (m, s) => {
    out.push(m, s);
    return out.length < n;
  });
  z.deleteRanks(max ? z.size - n : 0, max ? z.size - 1 : n - 1);
  c.db.removedFrom(key, z.size, n);
  notifyRemoval(c, NOTIFY.zset, max ? 'zpopmax' : 'zpopmin', key, z.size, n);
  const pop = max ? 'ZPOPMAX' : 'ZPOPMIN';
  // BZPOPMIN/BZPOPMAX propagate without a count; the rest with the count popped.
  c.propagateAs(form === 'keyed' ? [pop, key] : [pop, key, String(n)]);
  if (form === 'flat') return count === null ? out.replyFlat(c) : out.reply(c, true);
  if (form === 'keyed') {
    c.reply.array(3);
    c.reply.bulk(key);
    c.reply.bulk(out.members[0]!);
    return c.reply.double(out.scores[0]!);
  }
  c.reply.array(2);
  c.reply.bulk(key);
  c.reply.array(n);
  for (let i = 0; i < n; i++) {
    c.reply.array(2);
    c.reply.bulk(out.members[i]!);
    c.reply.double(out.scores[i]!);
  }
}

// blockingGenericZpopCommand: a pop from the first key holding a sorted set, or a wait for one.
function blockingZpop(c: Client, keys: readonly string[], deadline: number, max: boolean, count: number | null, form: PopForm): void {
  for (const k of keys) {
    const found = writeZset(c, k);
    if (found === null) return;
    if (found !== undefined) return popFrom(c, k, found, max, count, form);
  }
  blockForKeys(c, keys, deadline, (key) => {
    const z = c.db.lookupWrite(key);
    if (!(z instanceof ZSet)) return false;
    popFrom(c, key, z, max, count, form);
    return true;
  }, () => c.reply.nullArray());
}

// zmpopGenericCommand: [B]ZMPOP [timeout] numkeys key [key ...] MIN|MAX [COUNT count]
function zmpop(c: Client, argv: string[], blocking: boolean): void {
  const a = mpopArgs(c, argv, blocking ? 2 : 1, 'MIN', 'MAX');
  if (a === null) return;
  if (!blocking) return zpop(c, a.keys, !a.first, a.count, 'nested');
  const deadline = timeoutArg(c, argv[1]!, 'seconds');
  if (deadline !== null) blockingZpop(c, a.keys, deadline, !a.first, a.count, 'nested');
}

function replyEntryAt(c: Client, z: ZSet, rank: number, withscores: boolean): void {
  z.walk(rank, false, (m, s) => {
    if (withscores) c.reply.pair();
    c.reply.bulk(m);
    if (withscores) c.reply.double(s);
    return false;
  });
}

// zrandmemberWithCountCommand
function zrandmemberWithCount(c: Client, z: ZSet, l: number, withscores: boolean): void {
  const count = Math.abs(l);
  const size = z.size;
  if (count === 0) return c.reply.emptyArray();
  if (l < 0 || count === 1) {
    // CASE 1: repeats allowed.
    replyPicks(c, count, withscores, () => replyEntryAt(c, z, randomBelow(size), withscores));
    return;
  }
  if (count >= size) {
    // CASE 2: the whole set, walked from the top as zuiNext does.
    const all = new Picked();
    z.walk(size - 1, true, all.push);
    return all.reply(c, withscores);
  }
  // CASES 3 and 4.
  if (withscores) c.reply.pairs(count);
  else c.reply.array(count);
  for (const r of sampleDistinct(size, count, z.encoding === 'listpack')) replyEntryAt(c, z, r, withscores);
}

// ---------------------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF and their STORE variants, ZINTERCARD.

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** An input: a sorted set, or a set whose members all score 1 (zsetopsrc). */
interface Source {
  value: ZSet | SetValue | undefined;
  weight: number;
}

function sourceSize(s: Source): number {
  return s.value?.size ?? 0;
}

function* sourceEntries(s: Source): Generator<[string, number]> {
  if (s.value instanceof ZSet) yield* s.value.entries();
  else if (s.value !== undefined) for (const m of s.value.values()) yield [m, 1];
}

// zuiFind
function sourceScore(s: Source, member: string): number | undefined {
  if (s.value instanceof ZSet) return s.value.score(member);
  return s.value?.has(member) ? 1 : undefined;
}

// zunionInterAggregate
function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === 'min') return value < target ? value : target;
  if (how === 'max') return value > target ? value : target;
  const sum = target + value;
  return Number.isNaN(sum) ? 0 : sum;
}

/** weight * score, where inf * 0 counts as 0. */
function weighted(score: number, weight: number): number {
  const v = score * weight;
  return Number.isNaN(v) ? 0 : v;
}

function inter(sources: Source[], how: Aggregate, visit: (m: string, s: number) => boolean): void {
  const first = sources[0]!;
  if (sourceSize(first) === 0) return;
  next: for (const [m, s0] of sourceEntries(first)) {
    let score = weighted(s0, first.weight);
    for (let j = 1; j < sources.length; j++) {
      const src = sources[j]!;
      const v = src.value === first.value ? s0 : sourceScore(src, m);
      if (v === undefined) continue next;
      score = aggregate(score, v * src.weight, how);
    }
    if (!visit(m, score)) return;
  }
}

function union(sources: Source[], how: Aggregate, out: Picked): void {
  const acc = new Map<string, number>();
  for (const src of sources) {
    for (const [m, s] of sourceEntries(src)) {
      const score = weighted(s, src.weight);
      const current = acc.get(m);
      acc.set(m, current === undefined ? score : aggregate(current, score, how));
    }
  }
  for (const [m, s] of acc) out.push(m, s);
}

function diff(sources: Source[], out: Picked): void {
  const first = sources[0]!;
  if (sourceSize(first) === 0 || sources.some((s, j) => j > 0 && s.value === first.value)) return;
  for (const [m, s] of sourceEntries(first)) {
    if (!sources.some((src, j) => j > 0 && sourceScore(src, m) !== undefined)) out.push(m, s);
  }
}

/** Reply entries sorted as a sorted set lists them. */
function replySorted(c: Client, out: Picked, withscores: boolean): void {
  const order = out.members.map((_, i) => i);
  order.sort((a, b) => compareEntries(out.scores[a]!, out.members[a]!, out.scores[b]!, out.members[b]!));
  const sorted = new Picked();
  for (const i of order) sorted.push(out.members[i]!, out.scores[i]!);
  sorted.reply(c, withscores);
}

/**
 * zunionInterDiffGenericCommand: argv[numkeysAt] keys follow; dst for the STORE variants;
 * cardOnly for ZINTERCARD.
 */
function zsetOp(c: Client, argv: string[], numkeysAt: number, dst: string | null, op: SetOp, cardOnly = false): void {
  const setnum = intArg(c, argv[numkeysAt]!);
  if (setnum === null) return;
  if (setnum < 1) return c.reply.error(`ERR at least 1 input key is needed for '${argv[0]!.toLowerCase()}' command`);
  if (setnum > argv.length - (numkeysAt + 1)) return c.reply.error(ERR.syntax);
  const sources: Source[] = [];
  let j = numkeysAt + 1;
  for (; j < numkeysAt + 1 + setnum; j++) {
    const value = c.db.lookup(argv[j]!);
    if (value !== undefined && !(value instanceof ZSet) && !(value instanceof SetValue)) return c.reply.error(WRONGTYPE);
    sources.push({ value, weight: 1 });
  }
  let how: Aggregate = 'sum';
  let withscores = false;
  let limit = 0;
  while (j < argv.length) {
    const opt = argv[j];
    const remaining = argv.length - j;
    if (op !== 'diff' && !cardOnly && remaining >= setnum + 1 && is(opt, 'WEIGHTS')) {
      j++;
      for (const src of sources) {
        const w = floatArg(c, argv[j++]!, 'ERR weight value is not a float');
        if (w === null) return;
        src.weight = w;
      }
    } else if (op !== 'diff' && !cardOnly && remaining >= 2 && is(opt, 'AGGREGATE')) {
      const a = argv[j + 1]!;
      if (is(a, 'SUM')) how = 'sum';
      else if (is(a, 'MIN')) how = 'min';
      else if (is(a, 'MAX')) how = 'max';
      else return c.reply.error(ERR.syntax);
      j += 2;
    } else if (dst === null && !cardOnly && is(opt, 'WITHSCORES')) {
      withscores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && is(opt, 'LIMIT')) {
      const l = positiveIntArg(c, argv[j + 1]!, "ERR LIMIT can't be negative");
      if (l === null) return;
      limit = l;
      j += 2;
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  if (op !== 'diff') sources.sort((a, b) => sourceSize(a) - sourceSize(b));
  if (cardOnly) {
    let n = 0;
    inter(sources, how, () => ++n !== limit);
    return c.reply.integer(n);
  }
  const out = new Picked();
  if (op === 'inter') inter(sources, how, (m, s) => (out.push(m, s), true));
  else if (op === 'union') union(sources, how, out);
  else diff(sources, out);
  if (dst !== null) out.store(c, dst, 'members', `z${op}store`);
  else replySorted(c, out, withscores);
}

// ---------------------------------------------------------------------------------------

const W = ['write', 'sortedset'];
const R = ['read', 'sortedset'];

export const zsetCommands: CommandSpec[] = [
  {
    name: 'zadd', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'],
    run(c, argv) {
      zadd(c, argv, false);
    },
  },
  {
    name: 'zincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'],
    run(c, argv) {
      zadd(c, argv, true);
    },
  },
  {
    // zremCommand
    name: 'zrem', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'],
    run(c, argv) {
      const key = argv[1]!;
      const z = writeZset(c, key);
      if (z === null) return;
      if (z === undefined) return c.reply.integer(0);
      let deleted = 0;
      for (let j = 2; j < argv.length && z.size > 0; j++) if (z.delete(argv[j]!)) deleted++;
      c.db.removedFrom(key, z.size, deleted);
      notifyRemoval(c, NOTIFY.zset, 'zrem', key, z.size, deleted);
      c.reply.integer(deleted);
    },
  },
  {
    name: 'zcard', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'],
    run(c, argv) {
      const z = readZset(c, argv[1]!);
      if (z !== null) c.reply.integer(z?.size ?? 0);
    },
  },
  {
    name: 'zscore', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'],
    run(c, argv) {
      const z = readZset(c, argv[1]!);
      if (z === null) return;
      const s = z?.score(argv[2]!);
      if (s === undefined) c.reply.nullBulk();
      else c.reply.double(s);
    },
  },
  {
    // zmscoreCommand: a missing key is an empty set.
    name: 'zmscore', arity: -3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'],
    run(c, argv) {
      const z = readZset(c, argv[1]!);
      if (z === null) return;
      c.reply.array(argv.length - 2);
      for (let j = 2; j < argv.length; j++) {
        const s = z?.score(argv[j]!);
        if (s === undefined) c.reply.nullBulk();
        else c.reply.double(s);
      }
    },
  },
  ...(['zrank', 'zrevrank'] as const).map((name): CommandSpec => ({
    // zrankGenericCommand
    name, arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'],
    run(c, argv) {
      const z = readZset(c, argv[1]!);
      if (z === null) return;
      const rank = z?.rank(argv[2]!) ?? -1;
      if (rank < 0) c.reply.nullBulk();
      else c.reply.integer(name === 'zrank' ? rank : z!.size - 1 - rank);
    },
  })),
  {
    name: 'zcount', arity: 4, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'],
    run(c, argv) {
      zcount(c, argv, false);
    },
  },
  {
    name: 'zlexcount', arity: 4, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'],
    run(c, argv) {
      zcount(c, argv, true);
    },
  },
  {
    name: 'zrange', arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      zrange(c, argv, 1, null);
    },
  },
  {
    name: 'zrangestore', arity: -5, flags: ['write', 'denyoom'], keys: [1, 2, 1], acl: [...W, 'slow'],
    run(c, argv) {
      zrange(c, argv, 2, argv[1]!);
    },
  },
  {
    name: 'zrevrange', arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      zrange(c, argv, 1, null, 'rank', true);
    },
  },
  {
    name: 'zrangebyscore', arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      zrange(c, argv, 1, null, 'score', false);
    },
  },
  {
    name: 'zrevrangebyscore', arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      zrange(c, argv, 1, null, 'score', true);
    },
  },
  {
    name: 'zrangebylex', arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      zrange(c, argv, 1, null, 'lex', false);
    },
  },
  {
    name: 'zrevrangebylex', arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      zrange(c, argv, 1, null, 'lex', true);
    },
  },
  ...(['rank', 'score', 'lex'] as const).map((kind): CommandSpec => ({
    name: `zremrangeby${kind}`, arity: 4, flags: ['write'], keys: [1, 1, 1], acl: [...W, 'slow'],
    run(c, argv) {
      zremrange(c, argv, kind);
    },
  })),
  ...(['zpopmin', 'zpopmax'] as const).map((name): CommandSpec => ({
    // zpopMinMaxCommand
    name, arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'],
    run(c, argv) {
      if (argv.length > 3) return c.reply.error(ERR.syntax);
      const count = argv.length === 3 ? positiveIntArg(c, argv[2]!) : null;
      if (count === null && argv.length === 3) return;
      zpop(c, [argv[1]!], name === 'zpopmax', count, 'flat');
    },
  })),
  ...(['bzpopmin', 'bzpopmax'] as const).map((name): CommandSpec => ({
    // bzpopMinMaxCommand
    name, arity: -3, flags: ['write', 'noscript', 'fast', 'blocking'], keys: [1, -2, 1], acl: [...W, 'fast', 'blocking'],
    run(c, argv) {
      const deadline = timeoutArg(c, argv[argv.length - 1]!, 'seconds');
      if (deadline !== null) blockingZpop(c, argv.slice(1, -1), deadline, name === 'bzpopmax', null, 'keyed');
    },
  })),
  {
    name: 'zmpop', arity: -4, flags: ['write', 'movablekeys'], keys: [0, 0, 0], acl: [...W, 'slow'],
    run(c, argv) {
      zmpop(c, argv, false);
    },
  },
  {
    name: 'bzmpop', arity: -5, flags: ['write', 'blocking', 'movablekeys'], keys: [0, 0, 0], acl: [...W, 'slow', 'blocking'],
    run(c, argv) {
      zmpop(c, argv, true);
    },
  },
  {
    // zrandmemberCommand
    name: 'zrandmember', arity: -2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      if (argv.length >= 3) {
        const args = randomPairsArgs(c, argv, 'WITHSCORES');
        if (args === null) return;
        const z = readZset(c, argv[1]!);
        if (z === null) return;
        if (z === undefined) return c.reply.emptyArray();
        return zrandmemberWithCount(c, z, args.count, args.pairs);
      }
      const z = readZset(c, argv[1]!);
      if (z === null) return;
      if (z === undefined) c.reply.nullBulk();
      else replyEntryAt(c, z, randomBelow(z.size), false);
    },
  },
  {
    // zscanCommand: a listpack goes in one step, as Redis does.
    name: 'zscan', arity: -3, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'],
    run(c, argv) {
      const cursor = parseScanCursor(c, argv[2]!);
      if (cursor === null) return;
      const z = readZset(c, argv[1]!);
      if (z === null) return;
      if (z === undefined) return replyScan(c, '0', []);
      const opts = parseScanOptions(c, argv, 3, false);
      if (opts === null) return;
      const items: string[] = [];
      const live = z.scanOrder();
      if (live === null) {
        for (const [m, s] of z.entries()) if (scanMatches(opts, m)) items.push(m, formatDouble(s));
        return replyScan(c, '0', items);
      }
      const step = scanStep(cursor, z, () => live, opts.count);
      for (const m of step.items) {
        const s = z.score(m);
        if (s !== undefined && scanMatches(opts, m)) items.push(m, formatDouble(s));
      }
      replyScan(c, step.next, items);
    },
  },
  ...(['union', 'inter', 'diff'] as const).flatMap((op): CommandSpec[] => [
    {
      name: `z${op}store`, arity: -4, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], acl: [...W, 'slow'],
      run(c, argv) {
        zsetOp(c, argv, 2, argv[1]!, op);
      },
    },
    {
      name: `z${op}`, arity: -3, flags: ['readonly', 'movablekeys'], keys: [0, 0, 0], acl: [...R, 'slow'],
      run(c, argv) {
        zsetOp(c, argv, 1, null, op);
      },
    },
  ]),
  {
    name: 'zintercard', arity: -3, flags: ['readonly', 'movablekeys'], keys: [0, 0, 0], acl: [...R, 'slow'],
    run(c, argv) {
      zsetOp(c, argv, 1, null, 'inter', true);
    },
  },
];
