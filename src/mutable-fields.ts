// V8 counts a field that nothing but its initializer has stored as a constant of its object's
// map, and the code it optimizes may rely on that. The first later store to such a field in
// any object of the map then deoptimizes every function that did, all at once, to run slower
// until recompiled on the other core in the middle of the load: a server's first FLUSHALL
// (the keyspace's new tables) threw away a dozen functions of the write path, its first
// snapshot (the keyspace's epoch) and its first replica (the stream's offset, the replica
// output counter) more. After a FLUSHALL, as the bench's throughput measure runs it, SET's
// p99 was 0.91-1.20 ms (median 1.08) with those deopts, 0.83-1.18 (0.94) without
// (bench/tail-timeline.sh -r 5 -t set OLD NEW); bench/compare-builds.sh found no cost in the
// steady state. The long-lived objects of the write path mark the fields that such rare
// events change as mutable at construction, before any code is optimized. To find more:
// `node --trace-deopt` names them "marking dependent code ... reason: code dependencies",
// and `node --no-sparkplug --trace-generalization` the fields ("const}->...mutable}").

/**
 * Stores each field once more with another value of its kind, then its own again: V8 then
 * holds it mutable. Names, not keyof: private fields are among them; a name o lacks throws.
 */
export function markMutable(o: object, ...keys: string[]): void {
  const fields = o as Record<string, unknown>;
  for (const k of keys) {
    if (!Object.hasOwn(o, k)) throw new Error(`markMutable: no field ${k}`);
    const v = fields[k];
    // A number stays a number (a small integer one), so that no load of it gets slower; an
    // object field gives up only the class V8 tracked for it.
    fields[k] = typeof v === 'number' ? (v === 0 ? 1 : 0) : typeof v === 'boolean' ? !v : v === null ? undefined : null;
    fields[k] = v;
  }
}
