// After a bulk load (RDB load, DEBUG POPULATE, later a full sync), the last ~16 MB of the
// values loaded still sit in V8's young generation. The next two scavenges copy and then
// promote them, 10-15 ms each, whatever command happens to be running: measured as the
// worst PING latencies of a BGSAVE that follows a POPULATE (issue 9). Running those two
// scavenges at the end of the load, which is one long pause already, moves that cost into it.
//
// V8 offers no minor GC to an embedder without --expose-gc; the flag set at run time takes
// effect for contexts created afterwards, so a fresh vm context hands out its gc function.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { emptyDroppedChunksNow } from './dict.js';

/** V8's gc(): a full collection without options ({ type: 'major' } does not collect in Node 20's V8). */
type GcFunction = (options?: { type: 'minor' }) => void;

let gc: GcFunction | null | undefined;

function gcFunction(): GcFunction | null {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    const f: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    gc = typeof f === 'function' ? (f as GcFunction) : null;
  }
  return gc;
}

/**
 * Makes the context that hands out gc() now: the first settleHeap would otherwise pay for it
 * (4-6 ms of CPU) at the end of the load it follows. A replica calls it while it waits for
 * its master's payload.
 */
export function prepareHeapSettling(): void {
  gcFunction();
}

/** Promotes what survives in the young generation now (two scavenges), where V8 allows it. */
export function settleHeap(): void {
  const f = gcFunction();
  if (f === null) return;
  f({ type: 'minor' });
  f({ type: 'minor' });
}

/**
 * Full (mark-compact) collections, where V8 allows it: maxmemory's last resort before it
 * evicts or refuses a write because of garbage V8 has not collected yet (a FLUSHALL's
 * dataset, its table emptied first, overwritten values, a big argument's Buffers). Two,
 * because V8 frees the memory of dead Buffers and external strings (and counts it freed)
 * only at the collection after the one that found them dead. False when V8 does not hand
 * out its gc function.
 */
export function collectGarbage(): boolean {
  const f = gcFunction();
  if (f === null) return false;
  emptyDroppedChunksNow();
  f();
  f();
  return true;
}
