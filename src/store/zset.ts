// The sorted-set type: members ordered by (score, member bytes). Two bodies, as in Redis
// 7.0: a "listpack" packed in one string while small (zset-max-listpack-entries members of
// at most zset-max-listpack-value bytes), then for good the "skiplist" encoding: an
// order-statistic tree (rank-tree.ts) plus a member -> score map, where ranks are O(log n)
// and scores O(1).
// Positions in this API are 0-based ascending ranks, whatever the direction of a walk.
import { latin1Slice } from '../io/latin1.js';
import { Dict } from './dict.js';
import { encodingLimits } from './limits.js';
import { type BodyBuilder, flatten, hasDuplicateSpan, holdsAt, spanLengths, spanStarts } from './packed.js';
import { compareEntries, RankTree, type Leaf } from './rank-tree.js';

export { compareEntries };

/** zrangespec: a score interval, each end open or closed. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lex range end: a member, or -1 / 1 for "-" / "+" (shared.minstring / maxstring). */
export type LexItem = string | -1 | 1;

/** zlexrangespec */
export interface LexRange {
  min: LexItem;
  max: LexItem;
  minex: boolean;
  maxex: boolean;
}

// zslValueGteMin, zslValueLteMax
export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

// sdscmplex
function compareLex(a: LexItem, b: LexItem): number {
  if (a === b) return 0;
  if (a === -1 || b === 1) return -1;
  if (a === 1 || b === -1) return 1;
  return a < b ? -1 : 1;
}

// zslLexValueGteMin, zslLexValueLteMax
export function lexGteMin(v: string, r: LexRange): boolean {
  return r.minex ? compareLex(v, r.min) > 0 : compareLex(v, r.min) >= 0;
}

export function lexLteMax(v: string, r: LexRange): boolean {
  return r.maxex ? compareLex(v, r.max) < 0 : compareLex(v, r.max) <= 0;
}

/** zslIsInRange's first test: ranges that hold nothing whatever the set. */
function emptyScoreRange(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

function emptyLexRange(r: LexRange): boolean {
  const cmp = compareLex(r.min, r.max);
  return cmp > 0 || (cmp === 0 && (r.minex || r.maxex));
}

/** What each encoding provides; ZSet adds the conversion between them. */
interface Body {
  readonly size: number;
  score(member: string): number | undefined;
  /** Adds a member that is not there. */
  insert(member: string, score: number): void;
  /** Moves a member that is there from score `from` to `to`. */
  move(member: string, from: number, to: number): void;
  delete(member: string): boolean;
  rank(member: string): number;
  walk(start: number, reverse: boolean, visit: (member: string, score: number) => boolean | void): void;
  /** The rank of the first entry that `out` (before the range) rejects: the descent. */
  rankAfter(out: (member: string, score: number) => boolean): number;
  /** Removes ranks start..end. */
  deleteRanks(start: number, end: number): number;
  entries(): IterableIterator<[string, number]>;
}

// A listpack entry: the member's length (one char below 255, else 255 and four chars), its
// bytes, then the score as the 8 bytes of an IEEE double, big-endian.

const scoreView = new DataView(new ArrayBuffer(8));

function encodeEntry(member: string, score: number): string {
  const n = member.length;
  const prefix = n < 255 ? String.fromCharCode(n) : String.fromCharCode(255, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  scoreView.setFloat64(0, score);
  const hi = scoreView.getUint32(0);
  const lo = scoreView.getUint32(4);
  const bits = String.fromCharCode(hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255,
    lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
  return prefix + member + bits;
}

/** Appends the entry encodeEntry makes, for fromPacked: a loaded body is built in one pass. */
export function appendZsetEntry(b: BodyBuilder, member: string, score: number): void {
  appendMemberLength(b, member.length);
  b.bytes(member);
  b.doubleBE(score === 0 ? 0 : score);
}

/** appendZsetEntry of the member src[start, end): a loader's, with no string made for it. */
export function appendZsetEntryBytes(b: BodyBuilder, src: Buffer, start: number, end: number, score: number): void {
  appendMemberLength(b, end - start);
  b.rawBytes(src, start, end);
  b.doubleBE(score === 0 ? 0 : score);
}

function appendMemberLength(b: BodyBuilder, n: number): void {
  if (n < 255) {
    b.byte(n);
  } else {
    b.byte(255);
    b.uint32BE(n);
  }
}

export function memberLength(lp: string, at: number): number {
  const c = lp.charCodeAt(at);
  if (c < 255) return c;
  return ((lp.charCodeAt(at + 1) << 24) | (lp.charCodeAt(at + 2) << 16) | (lp.charCodeAt(at + 3) << 8) | lp.charCodeAt(at + 4)) >>> 0;
}

export function memberStart(at: number, length: number): number {
  return at + (length < 255 ? 1 : 5);
}

function readScore(lp: string, at: number): number {
  scoreView.setUint32(0, (lp.charCodeAt(at) << 24) | (lp.charCodeAt(at + 1) << 16) | (lp.charCodeAt(at + 2) << 8) | lp.charCodeAt(at + 3));
  scoreView.setUint32(4, (lp.charCodeAt(at + 4) << 24) | (lp.charCodeAt(at + 5) << 16) | (lp.charCodeAt(at + 6) << 8) | lp.charCodeAt(at + 7));
  return scoreView.getFloat64(0);
}

/** Compares the member bytes of lp at start..start+length with m, as memcmp then length. */
function compareMember(lp: string, start: number, length: number, m: string): number {
  const n = Math.min(length, m.length);
  for (let k = 0; k < n; k++) {
    const d = lp.charCodeAt(start + k) - m.charCodeAt(k);
    if (d !== 0) return d;
  }
  return length - m.length;
}

/** Compares two members of lp, as compareMember does. */
function compareSpans(lp: string, a: number, alen: number, b: number, blen: number): number {
  const n = Math.min(alen, blen);
  for (let k = 0; k < n; k++) {
    const d = lp.charCodeAt(a + k) - lp.charCodeAt(b + k);
    if (d !== 0) return d;
  }
  return alen - blen;
}

/** Offsets of the entries walked backwards (one walk at a time). */
const offsets: number[] = [];

/**
 * The listpack encoding: the entries packed in ONE latin1 string, in order, like Redis's
 * listpack, so that a small sorted set costs one string instead of a string per member
 * (issue 9: memory per key). Every lookup walks it (at most zset-max-listpack-entries),
 * and every change rebuilds it, as Redis moves a listpack's memory.
 */
class Listpack implements Body {
  lp = '';
  size = 0;
  /** The rank find() last found. */
  private found = 0;
  /**
   * Where find() last found an entry (rank in found), until the body is rebuilt: ZADD looks
   * a member up, then moves it, and the move needs no second walk. Checked against the
   * member asked for, so nothing of the caller's is kept.
   */
  private foundAt = -1;

  /** Replaces the body after a change. */
  private rebuilt(lp: string): void {
    this.lp = flatten(lp);
    this.foundAt = -1;
  }

  /** The offset of member's entry and its rank, or -1 (rank in this.found). */
  private find(member: string): number {
    const lp = this.lp;
    const n = member.length;
    const last = this.foundAt;
    if (last >= 0 && memberLength(lp, last) === n && holdsAt(lp, memberStart(last, n), member)) return last;
    let rank = 0;
    for (let at = 0; at < lp.length; rank++) {
      const len = memberLength(lp, at);
      const start = memberStart(at, len);
      if (len === n && holdsAt(lp, start, member)) {
        this.found = rank;
        this.foundAt = at;
        return at;
      }
      at = start + len + 8;
    }
    return -1;
  }

  /** The offset of the entry at a rank (lp.length past the last). */
  private offsetOf(rank: number): number {
    const lp = this.lp;
    let at = 0;
    for (let i = 0; i < rank; i++) {
      const len = memberLength(lp, at);
      at = memberStart(at, len) + len + 8;
    }
    return at;
  }

  score(member: string): number | undefined {
    const at = this.find(member);
    if (at < 0) return undefined;
    const len = memberLength(this.lp, at);
    return readScore(this.lp, memberStart(at, len) + len);
  }

  // zzlInsert: zzlInsertAt stores integral scores as integers, so -0 becomes 0.
  insert(member: string, score: number): void {
    const lp = this.lp;
    let at = 0;
    while (at < lp.length) {
      const len = memberLength(lp, at);
      const start = memberStart(at, len);
      const s = readScore(lp, start + len);
      if (s > score || (s === score && compareMember(lp, start, len, member) > 0)) break;
      at = start + len + 8;
    }
    this.rebuilt(lp.slice(0, at) + encodeEntry(member, score === 0 ? 0 : score) + lp.slice(at));
    this.size++;
  }

  /** zzlDelete then zzlInsert, in one walk and one rebuild. */
  move(member: string, _from: number, to: number): void {
    const lp = this.lp;
    const at = this.find(member);
    const len = memberLength(lp, at);
    const end = memberStart(at, len) + len + 8;
    // Where the entry goes among the others: before the first one after (to, member).
    let dest = 0;
    while (dest < lp.length) {
      if (dest === at) {
        dest = end;
        continue;
      }
      const l = memberLength(lp, dest);
      const start = memberStart(dest, l);
      const s = readScore(lp, start + l);
      if (s > to || (s === to && compareMember(lp, start, l, member) > 0)) break;
      dest = start + l + 8;
    }
    const entry = encodeEntry(member, to === 0 ? 0 : to);
    this.rebuilt(dest <= at
      ? lp.slice(0, dest) + entry + lp.slice(dest, at) + lp.slice(end)
      : lp.slice(0, at) + lp.slice(end, dest) + entry + lp.slice(dest));
  }

  delete(member: string): boolean {
    const at = this.find(member);
    if (at < 0) return false;
    const len = memberLength(this.lp, at);
    this.rebuilt(this.lp.slice(0, at) + this.lp.slice(memberStart(at, len) + len + 8));
    this.size--;
    return true;
  }

  rank(member: string): number {
    return this.find(member) < 0 ? -1 : this.found;
  }

  walk(start: number, reverse: boolean, visit: (member: string, score: number) => boolean | void): void {
    const lp = this.lp;
    if (!reverse) {
      for (let at = this.offsetOf(start); at < lp.length;) {
        const len = memberLength(lp, at);
        const from = memberStart(at, len);
        at = from + len + 8;
        if (visit(lp.slice(from, from + len), readScore(lp, from + len)) === false) return;
      }
      return;
    }
    offsets.length = 0;
    for (let at = 0, i = 0; i <= start; i++) {
      offsets.push(at);
      const len = memberLength(lp, at);
      at = memberStart(at, len) + len + 8;
    }
    for (let i = start; i >= 0; i--) {
      const at = offsets[i]!;
      const len = memberLength(lp, at);
      const from = memberStart(at, len);
      if (visit(lp.slice(from, from + len), readScore(lp, from + len)) === false) return;
    }
  }

  // zzlFirstInRange and friends scan from the head.
  rankAfter(out: (member: string, score: number) => boolean): number {
    let rank = 0;
    this.walk(0, false, (m, s) => {
      if (!out(m, s)) return false;
      rank++;
    });
    return rank;
  }

  deleteRanks(start: number, end: number): number {
    this.rebuilt(this.lp.slice(0, this.offsetOf(start)) + this.lp.slice(this.offsetOf(end + 1)));
    this.size -= end - start + 1;
    return end - start + 1;
  }

  /** Entries in order; copy: members copied out, not V8 slices that keep lp alive. */
  *entries(copy = false): IterableIterator<[string, number]> {
    const lp = this.lp;
    const bytes = copy ? Buffer.from(lp, 'latin1') : null;
    for (let at = 0; at < lp.length;) {
      const len = memberLength(lp, at);
      const from = memberStart(at, len);
      at = from + len + 8;
      yield [bytes === null ? lp.slice(from, from + len) : latin1Slice(bytes, from, from + len), readScore(lp, from + len)];
    }
  }
}

/**
 * The skiplist encoding (Redis's name for it): an order-statistic tree for ranks and
 * ranges plus a member -> score map, as t_zset.c's zset pairs zskiplist with a dict.
 */
class Tree implements Body {
  constructor(
    readonly tree = new RankTree(),
    /** member -> score, in the keyspace's own table (its epochs unused here). */
    readonly dict = new Dict<number>(),
  ) {}

  /**
   * The dict slot score() last found a member at, or -1; forgotten when the dict changes (its
   * slots move only then). ZADD looks a member up, then moves it: the move needs no second
   * hash and probe. Checked against the member moved, so nothing of the caller's is kept.
   */
  private foundSlot = -1;

  get size(): number {
    return this.dict.size;
  }

  score(member: string): number | undefined {
    const i = this.dict.find(member);
    this.foundSlot = i;
    return i < 0 ? undefined : this.dict.valueAt(i);
  }

  insert(member: string, score: number): void {
    this.foundSlot = -1;
    this.tree.insert(score, member);
    // A member twice (a corrupt RDB's listpack) is told by size: fromPacked checks it.
    this.dict.addIfAbsent(member, score, 0);
  }

  move(member: string, from: number, to: number): void {
    const f = this.foundSlot;
    const i = f >= 0 && this.dict.keyAt(f) === member ? f : this.dict.find(member);
    // The tree gets the dict's own string back, not the caller's: one string per member, and
    // the caller's (a command's argument) dies young instead of being kept.
    this.tree.move(from, to, this.dict.keyAt(i));
    this.dict.setValueAt(i, to);
  }

  delete(member: string): boolean {
    this.foundSlot = -1;
    const i = this.dict.find(member);
    if (i < 0) return false;
    this.tree.delete(this.dict.valueAt(i), member);
    this.dict.deleteAt(i);
    return true;
  }

  rank(member: string): number {
    const score = this.dict.get(member);
    return score === undefined ? -1 : this.tree.seekKey(score, member);
  }

  walk(start: number, reverse: boolean, visit: (member: string, score: number) => boolean | void): void {
    const t = this.tree;
    t.seekRank(start);
    let leaf: Leaf | null = t.leaf;
    let i = t.index;
    while (leaf !== null) {
      if (visit(leaf.members[i]!, leaf.scores[i]!) === false) return;
      i += reverse ? -1 : 1;
      if (i < 0) {
        leaf = leaf.prev;
        i = leaf === null ? 0 : leaf.members.length - 1;
      } else if (i === leaf.members.length) {
        leaf = leaf.next;
        i = 0;
      }
    }
  }

  rankAfter(out: (member: string, score: number) => boolean): number {
    return this.tree.seekBoundary(out);
  }

  deleteRanks(start: number, end: number): number {
    this.foundSlot = -1;
    for (let r = start; r <= end; r++) this.dict.deleteAt(this.dict.find(this.tree.deleteRank(start)));
    return end - start + 1;
  }

  *entries(): IterableIterator<[string, number]> {
    for (let leaf: Leaf | null = this.tree.head; leaf !== null; leaf = leaf.next) {
      for (let i = 0; i < leaf.members.length; i++) yield [leaf.members[i]!, leaf.scores[i]!];
    }
  }
}

export class ZSet {
  private body: Listpack | Tree = new Listpack();

  /**
   * A sorted set adopting lp, `count` entries from appendZsetEntry as loaded from an RDB,
   * converted as set() would when over the limits (by its count alone for a blob Redis saved
   * as a listpack or ziplist: rdbLoadObject keeps its encoding whatever its members'
   * lengths); null unless strictly ascending by (score, member) with no member twice.
   */
  static fromPacked(lp: string, count: number, countOnly = false): ZSet | null {
    let longest = 0;
    let prevScore = 0;
    let prevStart = 0;
    let prevLen = 0;
    let i = 0;
    const small = count <= encodingLimits.zsetMaxListpackEntries;
    for (let at = 0; at < lp.length; i++) {
      const len = memberLength(lp, at);
      const start = memberStart(at, len);
      const score = readScore(lp, start + len);
      if (i > 0 && (score < prevScore ||
          (score === prevScore && compareSpans(lp, prevStart, prevLen, start, len) >= 0))) {
        return null;
      }
      if (len > longest) longest = len;
      if (small) {
        spanStarts[i] = start;
        spanLengths[i] = len;
      }
      prevScore = score;
      prevStart = start;
      prevLen = len;
      at = start + len + 8;
    }
    const z = new ZSet();
    const body = z.body as Listpack;
    body.lp = lp;
    body.size = count;
    if (!small || (!countOnly && longest > encodingLimits.zsetMaxListpackValue)) {
      z.convertToSkiplist(body);
      return z.size === count ? z : null;
    }
    // A member twice has two scores, so the order check lets it through.
    return hasDuplicateSpan(lp, i) ? null : z;
  }

  /**
   * A skiplist-encoded set of entries already in ascending order (members[i], scores[i]), as
   * loaded from an RDB past the listpack limits, built in one pass; null when a member repeats.
   */
  static fromSorted(members: readonly string[], scores: readonly number[]): ZSet | null {
    const dict = new Dict<number>(members.length);
    for (let i = 0; i < members.length; i++) if (!dict.addIfAbsent(members[i]!, scores[i]!, 0)) return null;
    const z = new ZSet();
    z.body = new Tree(RankTree.fromSorted(scores, members), dict);
    return z;
  }

  /**
   * An empty sorted set for `count` entries whose longest member is `longest` bytes, a
   * skiplist from the start when they will not fit a listpack (so that a -0 score stays -0,
   * as it does in Redis, instead of passing through a listpack as 0).
   */
  static sized(count: number, longest: number): ZSet {
    const z = new ZSet();
    if (count > encodingLimits.zsetMaxListpackEntries || longest > encodingLimits.zsetMaxListpackValue) {
      z.convertToSkiplist(z.body as Listpack);
    }
    return z;
  }

  get size(): number {
    return this.body.size;
  }

  /**
   * zsetDup: a copy in the same encoding (COPY), whatever the limits say now: a listpack's body
   * is shared (strings do not change), a skiplist is rebuilt one (its -0 scores stay -0).
   */
  clone(): ZSet {
    const z = new ZSet();
    if (this.body instanceof Listpack) {
      const body = z.body as Listpack;
      body.lp = this.body.lp;
      body.size = this.body.size;
      return z;
    }
    z.convertToSkiplist(z.body as Listpack);
    for (const [member, score] of this.entries()) z.set(member, score);
    return z;
  }

  /** The listpack body (entries in ascending order, see encodeEntry) while listpack-encoded, else null: for the RDB encoder. */
  get packed(): string | null {
    return this.body instanceof Listpack ? this.body.lp : null;
  }

  get encoding(): 'listpack' | 'skiplist' {
    return this.body instanceof Listpack ? 'listpack' : 'skiplist';
  }

  score(member: string): number | undefined {
    return this.body.score(member);
  }

  /**
   * zsetAdd without options: inserts member or moves it to its new score; true when it
   * was added. An equal score (0 and -0 included) leaves the entry as it is.
   */
  set(member: string, score: number): boolean {
    const current = this.body.score(member);
    if (current !== undefined) {
      this.update(member, current, score);
      return false;
    }
    this.add(member, score);
    return true;
  }

  /** set() for a member the caller knows is absent: spares a member lookup. */
  add(member: string, score: number): void {
    const body = this.body;
    if (body instanceof Listpack && (body.size + 1 > encodingLimits.zsetMaxListpackEntries ||
        member.length > encodingLimits.zsetMaxListpackValue)) {
      this.convertToSkiplist(body);
    }
    this.body.insert(member, score);
  }

  /** set() for a member the caller knows holds `from`: spares a member lookup. */
  update(member: string, from: number, to: number): void {
    if (from !== to) this.body.move(member, from, to);
  }

  delete(member: string): boolean {
    return this.body.delete(member);
  }

  /** The 0-based ascending rank of member, or -1. */
  rank(member: string): number {
    return this.body.rank(member);
  }

  /**
   * Visits entries from rank start, towards higher ranks or (reverse) lower ones, while
   * visit does not return false.
   */
  walk(start: number, reverse: boolean, visit: (member: string, score: number) => boolean | void): void {
    if (start >= 0 && start < this.size) this.body.walk(start, reverse, visit);
  }

  /** Entries in ascending order. */
  entries(): IterableIterator<[string, number]> {
    return this.body.entries();
  }

  /**
   * For ZSCAN: the members in an order that survives changes between steps (the dict's),
   * or null for a listpack, which is listed in one step.
   */
  scanOrder(): IterableIterator<string> | null {
    return this.body instanceof Tree ? this.body.dict.keys() : null;
  }

  /**
   * zslFirstInRange / zslLastInRange (and the listpack's): the rank of the first entry in
   * range, or of the last one when reverse; -1 when none is.
   */
  firstInScoreRange(r: ScoreRange, reverse: boolean): number {
    const n = this.size;
    if (n === 0 || emptyScoreRange(r)) return -1;
    if (!scoreGteMin(this.scoreAt(n - 1), r) || !scoreLteMax(this.scoreAt(0), r)) return -1;
    if (reverse) {
      const i = this.body.rankAfter((_m, s) => scoreLteMax(s, r)) - 1;
      return scoreGteMin(this.scoreAt(i), r) ? i : -1;
    }
    const i = this.body.rankAfter((_m, s) => !scoreGteMin(s, r));
    return scoreLteMax(this.scoreAt(i), r) ? i : -1;
  }

  /** zslFirstInLexRange / zslLastInLexRange, as firstInScoreRange. */
  firstInLexRange(r: LexRange, reverse: boolean): number {
    const n = this.size;
    if (n === 0 || emptyLexRange(r)) return -1;
    if (!lexGteMin(this.memberAt(n - 1), r) || !lexLteMax(this.memberAt(0), r)) return -1;
    if (reverse) {
      const i = this.lastInLex(r);
      return i >= 0 && lexGteMin(this.memberAt(i), r) ? i : -1;
    }
    const i = this.body.rankAfter((m) => !lexGteMin(m, r));
    return lexLteMax(this.memberAt(i), r) ? i : -1;
  }

  /** Removes ranks start..end (0-based, ascending, inclusive); returns how many went. */
  deleteRanks(start: number, end: number): number {
    return end < start ? 0 : this.body.deleteRanks(start, end);
  }

  /** The member at a rank that exists. */
  memberAt(rank: number): string {
    let member = '';
    this.body.walk(rank, false, (m) => {
      member = m;
      return false;
    });
    return member;
  }

  /** The score at a rank that exists. */
  scoreAt(rank: number): number {
    let score = 0;
    this.body.walk(rank, false, (_m, s) => {
      score = s;
      return false;
    });
    return score;
  }

  /** zzlLastInLexRange scans back from the tail; the tree descends as zslLastInLexRange does. */
  private lastInLex(r: LexRange): number {
    const body = this.body;
    if (body instanceof Tree) return body.rankAfter((m) => lexLteMax(m, r)) - 1;
    let i = body.size - 1;
    body.walk(i, true, (m) => {
      if (lexLteMax(m, r)) return false;
      i--;
    });
    return i;
  }

  /** zsetConvert to a skiplist, whatever the limits (SORT does it to the set it sorts). */
  toSkiplist(): void {
    if (this.body instanceof Listpack) this.convertToSkiplist(this.body);
  }

  // zsetConvert to OBJ_ENCODING_SKIPLIST: one way.
  private convertToSkiplist(lp: Listpack): void {
    const tree = new Tree();
    for (const [m, s] of lp.entries(true)) tree.insert(m, s);
    this.body = tree;
  }
}
