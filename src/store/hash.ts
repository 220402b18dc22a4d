// The hash type. Reports Redis 7.0's encodings: "listpack" while small, "hashtable" for
// good once it outgrows hash-max-listpack-entries / hash-max-listpack-value.
import { encodingLimits } from './limits.js';

export class Hash {
  private map = new Map<string, string>();
  private large = false;

  get size(): number {
    return this.map.size;
  }

  get encoding(): 'listpack' | 'hashtable' {
    return this.large ? 'hashtable' : 'listpack';
  }

  get(field: string): string | undefined {
    return this.map.get(field);
  }

  has(field: string): boolean {
    return this.map.has(field);
  }

  /** Sets field; true when it is new. */
  set(field: string, value: string): boolean {
    const size = this.map.size;
    this.map.set(field, value);
    if (!this.large && (this.map.size > encodingLimits.hashMaxListpackEntries ||
        field.length > encodingLimits.hashMaxListpackValue || value.length > encodingLimits.hashMaxListpackValue)) {
      this.large = true;
    }
    return this.map.size > size;
  }

  delete(field: string): boolean {
    return this.map.delete(field);
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<string> {
    return this.map.values();
  }
}
