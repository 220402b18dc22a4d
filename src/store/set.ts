// The set type: members in an array with a member->index map, so SPOP and SRANDMEMBER
// pick in O(1). Reports Redis 7.0's encodings: "intset" while every member is an integer
// and there are at most set-max-intset-entries, "hashtable" for good after that.
import { encodingLimits } from './limits.js';
import { isIntegerString } from './numbers.js';

export class SetValue {
  private items: string[] = [];
  private index = new Map<string, number>();
  private large = false;

  static from(members: Iterable<string>): SetValue {
    const s = new SetValue();
    for (const m of members) s.add(m);
    return s;
  }

  get size(): number {
    return this.items.length;
  }

  get encoding(): 'intset' | 'hashtable' {
    return this.large ? 'hashtable' : 'intset';
  }

  has(member: string): boolean {
    return this.index.has(member);
  }

  /** Adds member; true when it was not there. */
  add(member: string): boolean {
    if (this.index.has(member)) return false;
    this.index.set(member, this.items.length);
    this.items.push(member);
    if (!this.large && (this.items.length > encodingLimits.setMaxIntsetEntries || !isIntegerString(member))) {
      this.large = true;
    }
    return true;
  }

  delete(member: string): boolean {
    const i = this.index.get(member);
    if (i === undefined) return false;
    const last = this.items.pop()!;
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(last, i);
    }
    this.index.delete(member);
    return true;
  }

  /** A member chosen uniformly at random; the set must not be empty. */
  random(): string {
    return this.items[Math.floor(Math.random() * this.items.length)]!;
  }

  values(): IterableIterator<string> {
    return this.items.values();
  }
}
