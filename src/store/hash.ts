// The hash type, in Redis 7.0's two encodings.
//
// "listpack" (at most hash-max-listpack-entries fields, each field and value at most
// hash-max-listpack-value bytes): the pairs f1 v1 f2 v2 ... as packed items in one string
// (./packed.ts). Lookups walk the items, as Redis does; a change builds a new string, an
// update in place and a new field at the end, so the order is Redis's: HGETALL matches.
// "hashtable": the keyspace's table (./dict.ts), for good once either limit is passed
// (hashTypeConvert).
import { Dict } from './dict.js';
import { encodingLimits } from './limits.js';
import {
  flatten, hasDuplicateSpan, itemEquals, itemLength, packItem, prefixSize, readItem, skipItem, spanLengths, spanStarts, unpack,
} from './packed.js';

export class Hash {
  /** The listpack; '' once converted. */
  private lp = '';
  /** Fields in lp. */
  private n = 0;
  private map: Dict<string> | null = null;

  /**
   * A hash adopting the packed pairs lp (f1 v1 f2 v2 ..., a flat string) as loaded from an
   * RDB, in the encoding set() would have reached (by its count alone for a blob Redis saved
   * as a listpack or ziplist, as rdbLoadObject keeps it); null when a field repeats.
   */
  static fromPacked(lp: string, fields: number, countOnly = false): Hash | null {
    const h = new Hash();
    h.lp = lp;
    h.n = fields;
    // One walk: the longest item, and the fields' spans for the duplicate check.
    let longest = 0;
    const small = fields <= encodingLimits.hashMaxListpackEntries;
    for (let at = 0, i = 0; at < lp.length; i++) {
      const n = itemLength(lp, at);
      const start = at + prefixSize(n);
      if (n > longest) longest = n;
      if (small && i % 2 === 0) {
        spanStarts[i / 2] = start;
        spanLengths[i / 2] = n;
      }
      at = start + n;
    }
    if (!small || (!countOnly && longest > encodingLimits.hashMaxListpackValue)) {
      h.convert();
      return h.map!.size === fields ? h : null;
    }
    return hasDuplicateSpan(lp, fields) ? null : h;
  }

  /**
   * A hashtable-encoded hash adopting map, as loaded from an RDB's RDB_TYPE_HASH past
   * hash-max-listpack-entries (rdbLoadObject creates the table at once): the loader fills
   * the table itself, one addIfAbsent per field, where set() hashes and probes twice.
   */
  static fromTable(map: Dict<string>): Hash {
    const h = new Hash();
    h.map = map;
    return h;
  }

  get size(): number {
    return this.map === null ? this.n : this.map.size;
  }

  /** The packed pairs (f1 v1 f2 v2 ...) while listpack-encoded, else null: for the RDB encoder. */
  get packed(): string | null {
    return this.map === null ? this.lp : null;
  }

  get encoding(): 'listpack' | 'hashtable' {
    return this.map === null ? 'listpack' : 'hashtable';
  }

  get(field: string): string | undefined {
    if (this.map !== null) return this.map.get(field);
    const at = this.find(field);
    return at < 0 ? undefined : readItem(this.lp, skipItem(this.lp, at));
  }

  has(field: string): boolean {
    return this.map === null ? this.find(field) >= 0 : this.map.has(field);
  }

  /** hashTypeSet: sets field; true when it is new. */
  set(field: string, value: string): boolean {
    if (this.map === null) {
      const max = encodingLimits.hashMaxListpackValue;
      if (field.length > max || value.length > max) this.convert();
    }
    if (this.map !== null) {
      const i = this.map.find(field);
      if (i >= 0) this.map.setValueAt(i, value);
      else this.map.add(field, value, 0);
      return i < 0;
    }
    const lp = this.lp;
    const at = this.find(field);
    if (at >= 0) {
      const v = skipItem(lp, at);
      this.lp = flatten(lp.slice(0, v) + packItem(value) + lp.slice(skipItem(lp, v)));
    } else {
      this.lp = flatten(lp + packItem(field) + packItem(value));
      this.n++;
    }
    // Checked on updates too, as Redis does: a lowered limit converts at the next write.
    if (this.n > encodingLimits.hashMaxListpackEntries) this.convert();
    return at < 0;
  }

  /** Removes field; true when it was there. A hashtable never goes back to a listpack. */
  delete(field: string): boolean {
    if (this.map !== null) {
      const i = this.map.find(field);
      if (i >= 0) this.map.deleteAt(i);
      return i >= 0;
    }
    const lp = this.lp;
    const at = this.find(field);
    if (at < 0) return false;
    this.lp = flatten(lp.slice(0, at) + lp.slice(skipItem(lp, skipItem(lp, at))));
    this.n--;
    return true;
  }

  /** Pairs in order: insertion order while a listpack, as Redis's HGETALL gives them. */
  entries(): IterableIterator<[string, string]> {
    return this.map === null ? this.lpEntries() : this.map.entries();
  }

  keys(): IterableIterator<string> {
    return this.map === null ? this.lpItems(0) : this.map.keys();
  }

  values(): IterableIterator<string> {
    return this.map === null ? this.lpItems(1) : this.map.values();
  }

  /**
   * A pair chosen uniformly at random; the hash must not be empty. A listpack is walked
   * (O(n)) as Redis walks it.
   */
  randomEntry(): [string, string] {
    if (this.map !== null) {
      const i = this.map.randomSlot();
      return [this.map.keyAt(i), this.map.valueAt(i)];
    }
    let skip = Math.floor(Math.random() * this.size);
    for (const e of this.entries()) if (skip-- === 0) return e;
    throw new Error('randomEntry on an empty hash');
  }

  /** Index in lp of field's item, or -1. */
  private find(field: string): number {
    const lp = this.lp;
    for (let at = 0; at < lp.length; at = skipItem(lp, skipItem(lp, at))) if (itemEquals(lp, at, field)) return at;
    return -1;
  }

  private *lpEntries(): IterableIterator<[string, string]> {
    const lp = this.lp;
    for (let at = 0; at < lp.length;) {
      const v = skipItem(lp, at);
      yield [readItem(lp, at), readItem(lp, v)];
      at = skipItem(lp, v);
    }
  }

  /** Fields (which 0) or values (which 1). */
  private *lpItems(which: 0 | 1): IterableIterator<string> {
    const lp = this.lp;
    for (let at = 0; at < lp.length;) {
      const v = skipItem(lp, at);
      yield readItem(lp, which === 0 ? at : v);
      at = skipItem(lp, v);
    }
  }

  /** hashTypeDup: a copy in the same encoding (COPY), whatever the limits now say. */
  clone(): Hash {
    const h = new Hash();
    if (this.map === null) {
      h.lp = this.lp;
      h.n = this.n;
      return h;
    }
    h.convert();
    for (const [field, value] of this.entries()) h.map!.add(field, value, 0);
    return h;
  }

  /** hashTypeConvert to a table; a field twice (a corrupt RDB's) keeps its first value. */
  private convert(): void {
    const items = unpack(this.lp);
    const map = new Dict<string>(items.length / 2);
    for (let i = 0; i < items.length; i += 2) map.addIfAbsent(items[i]!, items[i + 1]!, 0);
    this.map = map;
    this.lp = '';
    this.n = 0;
  }
}
