// Stream IDs in order, each with a value: the pending entries lists of consumer groups and
// consumers (a rax keyed by ID in Redis). A sorted array beside a Map; a deletion only
// leaves a hole (the Map no longer has the ID), the holes at either end are dropped at once
// and the array is compacted when half of it is holes. So acknowledging the oldest entries
// of a large PEL costs O(1) each, not a shift of the whole array, and IDs delivered in
// order are appended.
import type { StreamId } from './stream-id.js';
import { lowerBound } from './stream-node.js';


/** Holes tolerated before compacting, whatever the ratio. */
const MIN_COMPACT = 64;

export class IdMap<V> {
  private readonly map = new Map<StreamId, V>();
  private order: StreamId[] = [];
  /** order[0, head) are holes, in no order; order[head..] is sorted, its first and last live. */
  private head = 0;
  /** Holes in order[head..]. */
  private holes = 0;

  get size(): number {
    return this.map.size;
  }

  get(id: StreamId): V | undefined {
    return this.map.get(id);
  }

  has(id: StreamId): boolean {
    return this.map.has(id);
  }

  /** Adds or replaces id's value; false when id was there already. */
  set(id: StreamId, v: V): boolean {
    if (this.map.has(id)) {
      this.map.set(id, v);
      return false;
    }
    this.map.set(id, v);
    const order = this.order;
    const n = order.length;
    if (n === this.head) {
      // Nothing live: start over rather than append after holes that may be greater.
      this.order = [id];
      this.head = this.holes = 0;
      return true;
    }
    if (order[n - 1]! < id) {
      order.push(id);
      return true;
    }
    const i = lowerBound(order, id, this.head);
    // The id of a hole comes back to life where it already sits.
    if (order[i] === id) this.holes--;
    else order.splice(i, 0, id);
    return true;
  }

  delete(id: StreamId): boolean {
    if (!this.map.delete(id)) return false;
    this.holes++;
    const order = this.order;
    while (this.head < order.length && !this.map.has(order[this.head]!)) {
      this.head++;
      this.holes--;
    }
    while (order.length > this.head && !this.map.has(order[order.length - 1]!)) {
      order.pop();
      this.holes--;
    }
    const span = order.length - this.head;
    if ((this.head > MIN_COMPACT && this.head > span) || (this.holes > MIN_COMPACT && 2 * this.holes > span)) this.compact();
    return true;
  }

  private compact(): void {
    const live: StreamId[] = [];
    for (let i = this.head; i < this.order.length; i++) {
      const id = this.order[i]!;
      if (this.map.has(id)) live.push(id);
    }
    this.order = live;
    this.head = 0;
    this.holes = 0;
  }

  /** The ids from the first >= start, ascending; the walker may delete or add ids as it goes. */
  *from(start: StreamId): Generator<[StreamId, V]> {
    let order = this.order;
    let i = lowerBound(order, start, this.head);
    while (i < order.length) {
      const id = order[i]!;
      const v = this.map.get(id);
      if (v === undefined) {
        i++;
        continue;
      }
      yield [id, v];
      if (this.order === order && order[i] === id) {
        i++;
      } else {
        order = this.order;
        i = lowerBound(order, id, this.head);
        if (order[i] === id) i++;
      }
    }
  }

  first(): StreamId | undefined {
    return this.map.size === 0 ? undefined : this.order[this.head];
  }

  last(): StreamId | undefined {
    return this.map.size === 0 ? undefined : this.order[this.order.length - 1];
  }
}
