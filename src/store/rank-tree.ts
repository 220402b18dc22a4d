// An order-statistic B+tree: the large sorted set's ordered index (what zskiplist is in
// Redis). Entries (score, member) in Redis's order live in leaves of up to MAX entries,
// linked both ways for walks; each branch knows how many entries each child holds and each
// child's least entry, so that finding a key's rank, or the entry at a rank, takes
// O(log n) like zskiplist's spans. A skiplist of JS objects was measured first: each step
// chased five pointers (node, level arrays, boxed score); here a step reads contiguous
// arrays, and an entry costs two array slots instead of ~200 bytes of nodes.

/** The order Redis keeps: by score, ties by member bytes (latin1 compares as bytes). */
export function compareEntries(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 !== s2) return s1 < s2 ? -1 : 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

/** Entries per leaf and children per branch before a split. */
const MAX = 64;
/** A leaf this small merges with a neighbour that has room. */
const MIN = MAX >> 2;

export class Leaf {
  scores: number[] = [];
  members: string[] = [];
  prev: Leaf | null = null;
  next: Leaf | null = null;
}

class Branch {
  children: Array<Branch | Leaf> = [];
  /** Entries under each child. */
  counts: number[] = [];
  /** Each child's least entry. */
  scores: number[] = [];
  members: string[] = [];
}

/** The branches from the root to the last leaf sought, and the child taken in each. */
const path: Branch[] = [];
const taken: number[] = [];

/** a.splice(i, 0, v) without the array splice returns. */
function insertAt<T>(a: T[], i: number, v: T): void {
  for (let j = a.length; j > i; j--) a[j] = a[j - 1]!;
  a[i] = v;
}

/** a.splice(i, 1) without the array splice returns. */
function removeAt<T>(a: T[], i: number): void {
  const last = a.length - 1;
  for (let j = i; j < last; j++) a[j] = a[j + 1]!;
  a.pop();
}

/** Takes child `at` of branch b at path depth d: records the step, returns the child. */
function down(d: number, b: Branch, at: number): Branch | Leaf {
  path[d] = b;
  taken[d] = at;
  return b.children[at]!;
}

function sum(a: number[], end: number): number {
  let s = 0;
  for (let k = 0; k < end; k++) s += a[k]!;
  return s;
}

export class RankTree {
  private root: Branch | Leaf = new Leaf();
  /** How many branches lie on every root-to-leaf path. */
  private depth = 0;
  size = 0;
  head: Leaf = this.root as Leaf;
  tail: Leaf = this.root as Leaf;
  /** Where the last seek ended: a leaf and an index in it (possibly its length). */
  leaf: Leaf = this.head;
  index = 0;

  /**
   * A tree of entries already in ascending order (scores[i], members[i]), as an RDB's sorted
   * set loads: full leaves, as inserts in order leave them, and branches built bottom-up,
   * where one insert per entry would descend the tree each time.
   */
  static fromSorted(scores: readonly number[], members: readonly string[]): RankTree {
    const t = new RankTree();
    if (scores.length === 0) return t;
    let level: Array<Branch | Leaf> = [];
    let counts: number[] = [];
    let prev: Leaf | null = null;
    for (let i = 0; i < scores.length; i += MAX) {
      const leaf = new Leaf();
      leaf.scores = scores.slice(i, i + MAX);
      leaf.members = members.slice(i, i + MAX);
      leaf.prev = prev;
      if (prev !== null) prev.next = leaf;
      prev = leaf;
      level.push(leaf);
      counts.push(leaf.scores.length);
    }
    t.head = t.leaf = level[0] as Leaf;
    t.tail = prev!;
    while (level.length > 1) {
      // As many branches as needed, the children shared out evenly (none left with one).
      const branches = Math.ceil(level.length / MAX);
      const up: Branch[] = [];
      const upCounts: number[] = [];
      for (let k = 0, from = 0; k < branches; k++) {
        const to = from + Math.floor(level.length / branches) + (k < level.length % branches ? 1 : 0);
        const b = new Branch();
        b.children = level.slice(from, to);
        b.counts = counts.slice(from, to);
        b.scores = b.children.map((c) => c.scores[0]!);
        b.members = b.children.map((c) => c.members[0]!);
        up.push(b);
        upCounts.push(sum(b.counts, b.counts.length));
        from = to;
      }
      level = up;
      counts = upCounts;
      t.depth++;
    }
    t.root = level[0]!;
    t.size = scores.length;
    return t;
  }

  /** Rank (0-based) of the first entry not before (score, member); seeks it. */
  seekKey(score: number, member: string): number {
    this.descend(score, member);
    return this.soughtRank();
  }

  /** The rank of where the last seek ended: the entries before its path, and its index. */
  private soughtRank(): number {
    let rank = this.index;
    for (let d = 0; d < this.depth; d++) rank += sum(path[d]!.counts, taken[d]!);
    return rank;
  }

  /**
   * Seeks the first entry not before (score, member), without its rank: insert and delete
   * need only the path, and summing the counts before each step read up to a whole counts
   * array a level. The same walk as seek(), with compareEntries inlined: every ZADD that
   * moves a member takes it twice.
   */
  private descend(score: number, member: string): void {
    let node = this.root;
    for (let d = 0; d < this.depth; d++) {
      const b = node as Branch;
      const scores = b.scores;
      const members = b.members;
      let lo = 0;
      let hi = b.children.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        const s = scores[mid]!;
        if (s < score || (s === score && members[mid]! <= member)) lo = mid;
        else hi = mid - 1;
      }
      node = down(d, b, lo);
    }
    const leaf = node as Leaf;
    const scores = leaf.scores;
    const members = leaf.members;
    let lo = 0;
    let hi = scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const s = scores[mid]!;
      if (s < score || (s === score && members[mid]! < member)) lo = mid + 1;
      else hi = mid;
    }
    this.leaf = leaf;
    this.index = lo;
  }

  /**
   * Rank of the first entry for which before() is false, before() being true for a prefix
   * of the entries (the seek may end past a leaf's last entry: at the next leaf's first).
   */
  seekBoundary(before: (member: string, score: number) => boolean): number {
    return this.seek(before, before);
  }

  /**
   * Walks down taking in each branch the last child whose least entry passes descend()
   * (or the first child), then seeks in the leaf the first entry that before() rejects.
   */
  private seek(descend: (member: string, score: number) => boolean, before: (member: string, score: number) => boolean): number {
    let node = this.root;
    for (let d = 0; d < this.depth; d++) {
      const b = node as Branch;
      let lo = 0;
      let hi = b.children.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (descend(b.members[mid]!, b.scores[mid]!)) lo = mid;
        else hi = mid - 1;
      }
      node = down(d, b, lo);
    }
    const leaf = node as Leaf;
    let lo = 0;
    let hi = leaf.scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(leaf.members[mid]!, leaf.scores[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    this.leaf = leaf;
    this.index = lo;
    return this.soughtRank();
  }

  /** Seeks the entry at a rank, which must exist. */
  seekRank(rank: number): void {
    let node = this.root;
    for (let d = 0; d < this.depth; d++) {
      const b = node as Branch;
      let i = 0;
      while (rank >= b.counts[i]!) rank -= b.counts[i++]!;
      node = down(d, b, i);
    }
    this.leaf = node as Leaf;
    this.index = rank;
  }

  /** Adds an entry that is not there. */
  insert(score: number, member: string): void {
    this.descend(score, member);
    const leaf = this.leaf;
    insertAt(leaf.scores, this.index, score);
    insertAt(leaf.members, this.index, member);
    this.size++;
    for (let d = 0; d < this.depth; d++) path[d]!.counts[taken[d]!]!++;
    if (this.index === 0) this.newLeast(this.depth, score, member);
    if (leaf.scores.length > MAX) this.splitLeaf(leaf, this.index);
  }

  /** Removes an entry; false when it is not there. */
  delete(score: number, member: string): boolean {
    this.descend(score, member);
    const leaf = this.leaf;
    if (this.index === leaf.scores.length || leaf.members[this.index] !== member || leaf.scores[this.index] !== score) {
      return false;
    }
    this.removeSought();
    return true;
  }

  /**
   * Moves the entry (from, member), which must be there, to score `to`: in place when it
   * stays strictly between its neighbours in its leaf (zslUpdateScore's shortcut: ZINCRBY by
   * small steps leaves most entries where they were), else out and back in. No check that
   * the descent found the member: the caller's dict holds it at `from`.
   */
  move(from: number, to: number, member: string): void {
    this.descend(from, member);
    const scores = this.leaf.scores;
    const i = this.index;
    if (i > 0 && i + 1 < scores.length && scores[i - 1]! < to && scores[i + 1]! > to) {
      scores[i] = to;
      return;
    }
    this.removeSought();
    this.insert(to, member);
  }

  /** Removes the entry at a rank, which must exist; returns its member. */
  deleteRank(rank: number): string {
    this.seekRank(rank);
    const member = this.leaf.members[this.index]!;
    this.removeSought();
    return member;
  }

  /** Removes the entry the last seek found. */
  private removeSought(): void {
    const leaf = this.leaf;
    const i = this.index;
    removeAt(leaf.scores, i);
    removeAt(leaf.members, i);
    this.size--;
    for (let d = 0; d < this.depth; d++) path[d]!.counts[taken[d]!]!--;
    if (leaf.scores.length === 0) {
      if (this.depth > 0) this.dropChild(this.depth - 1, taken[this.depth - 1]!);
    } else {
      if (i === 0) this.newLeast(this.depth, leaf.scores[0]!, leaf.members[0]!);
      if (leaf.scores.length < MIN && this.depth > 0) this.mergeLeaf(this.depth - 1);
    }
    while (this.depth > 0 && (this.root as Branch).children.length === 1) {
      this.root = (this.root as Branch).children[0]!;
      this.depth--;
    }
  }

  /** The node at path depth d (a leaf at this.depth) got a new least entry: tell its parents. */
  private newLeast(d: number, score: number, member: string): void {
    for (let e = d - 1; e >= 0; e--) {
      const b = path[e]!;
      b.scores[taken[e]!] = score;
      b.members[taken[e]!] = member;
      if (taken[e] !== 0) return;
    }
  }

  /**
   * Splits a full leaf in halves, or, when the entry at `at` was added at either end of the
   * tree, leaves the full part whole: entries added in order then fill every leaf.
   */
  private splitLeaf(leaf: Leaf, at: number): void {
    const right = new Leaf();
    const n = leaf.scores.length;
    const half = at === n - 1 && leaf.next === null ? n - 1 : at === 0 && leaf.prev === null ? 1 : n >> 1;
    right.scores = leaf.scores.splice(half);
    right.members = leaf.members.splice(half);
    right.prev = leaf;
    right.next = leaf.next;
    if (leaf.next !== null) leaf.next.prev = right;
    else this.tail = right;
    leaf.next = right;
    this.addChild(this.depth - 1, right, right.scores.length, right.scores[0]!, right.members[0]!);
  }

  /** Puts child right after the child taken at path depth d (d = -1: above the root). */
  private addChild(d: number, child: Branch | Leaf, count: number, score: number, member: string): void {
    if (d < 0) {
      const old = this.root;
      const root = new Branch();
      root.children.push(old, child);
      root.counts.push(this.size - count, count);
      root.scores.push(old.scores[0]!, score);
      root.members.push(old.members[0]!, member);
      this.root = root;
      this.depth++;
      return;
    }
    const b = path[d]!;
    const at = taken[d]! + 1;
    b.children.splice(at, 0, child);
    b.counts[at - 1]! -= count;
    b.counts.splice(at, 0, count);
    b.scores.splice(at, 0, score);
    b.members.splice(at, 0, member);
    if (b.children.length > MAX) {
      const right = new Branch();
      const half = b.children.length >> 1;
      right.children = b.children.splice(half);
      right.counts = b.counts.splice(half);
      right.scores = b.scores.splice(half);
      right.members = b.members.splice(half);
      this.addChild(d - 1, right, sum(right.counts, right.counts.length), right.scores[0]!, right.members[0]!);
    }
  }

  /** Removes child k (empty, or already merged away) of the branch at path depth d. */
  private dropChild(d: number, k: number): void {
    const b = path[d]!;
    const child = b.children[k]!;
    if (child instanceof Leaf) {
      if (child.prev !== null) child.prev.next = child.next;
      else this.head = child.next!;
      if (child.next !== null) child.next.prev = child.prev;
      else this.tail = child.prev!;
    }
    b.children.splice(k, 1);
    b.counts.splice(k, 1);
    b.scores.splice(k, 1);
    b.members.splice(k, 1);
    if (b.children.length === 0) {
      if (d > 0) this.dropChild(d - 1, taken[d - 1]!);
      else this.clear();
    } else if (k === 0) {
      this.newLeast(d, b.scores[0]!, b.members[0]!);
    }
  }

  /** Merges the small leaf taken at path depth d with a neighbour in the same branch. */
  private mergeLeaf(d: number): void {
    const b = path[d]!;
    const i = taken[d]!;
    const n = b.counts[i]!;
    if (i + 1 < b.children.length && n + b.counts[i + 1]! <= MAX) this.absorb(d, i);
    else if (i > 0 && n + b.counts[i - 1]! <= MAX) this.absorb(d, i - 1);
  }

  /** Leaf k + 1 of the branch at path depth d moves into leaf k. */
  private absorb(d: number, k: number): void {
    const b = path[d]!;
    const left = b.children[k] as Leaf;
    const right = b.children[k + 1] as Leaf;
    for (let j = 0; j < right.scores.length; j++) {
      left.scores.push(right.scores[j]!);
      left.members.push(right.members[j]!);
    }
    b.counts[k]! += b.counts[k + 1]!;
    b.counts[k + 1] = 0;
    this.dropChild(d, k + 1);
  }

  private clear(): void {
    this.root = this.head = this.tail = this.leaf = new Leaf();
    this.depth = 0;
  }
}
