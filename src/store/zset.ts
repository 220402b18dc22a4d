// The sorted-set type: members ordered by (score, member bytes). Reports Redis 7.0's
// encodings: "listpack" while small, "skiplist" for good once it outgrows
// zset-max-listpack-entries / zset-max-listpack-value.
import { encodingLimits } from './limits.js';

/** The order Redis keeps: by score, ties by member bytes (latin1 compares as bytes). */
export function compareEntries(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 !== s2) return s1 < s2 ? -1 : 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

export class ZSet {
  private scores = new Map<string, number>();
  private order: string[] = [];
  private large = false;

  get size(): number {
    return this.scores.size;
  }

  get encoding(): 'listpack' | 'skiplist' {
    return this.large ? 'skiplist' : 'listpack';
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** Inserts member or moves it to its new score. */
  set(member: string, score: number): void {
    if (this.scores.has(member)) this.delete(member);
    this.scores.set(member, score);
    this.order.splice(this.insertionPoint(score, member), 0, member);
    if (!this.large && (this.scores.size > encodingLimits.zsetMaxListpackEntries ||
        member.length > encodingLimits.zsetMaxListpackValue)) {
      this.large = true;
    }
  }

  delete(member: string): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.order.splice(this.insertionPoint(score, member), 1);
    this.scores.delete(member);
    return true;
  }

  /** Entries in ascending order. */
  *entries(): IterableIterator<[string, number]> {
    for (const m of this.order) yield [m, this.scores.get(m)!];
  }

  private insertionPoint(score: number, member: string): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.order[mid]!;
      if (compareEntries(this.scores.get(m)!, m, score, member) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
