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

type GcFunction = (options: { type: 'minor' | 'major' }) => void;

let gc: GcFunction | null | undefined;

function gcFunction(): GcFunction | null {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    const f: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    gc = typeof f === 'function' ? (f as GcFunction) : null;
  }
  return gc;
}

/** Promotes what survives in the young generation now (two scavenges), where V8 allows it. */
export function settleHeap(): void {
  const f = gcFunction();
  if (f === null) return;
  f({ type: 'minor' });
  f({ type: 'minor' });
}
