// The load path's warm-up (src/actors/load-warmup.ts): its sample payload holds every type in
// the encodings a master's payload holds, it runs once per process in slices that leave the
// event loop free, and stop() ends it. What it is for (the first load's CPU) is measured in
// bench/replica-sync.ts, never asserted.
import { describe, expect, it } from 'vitest';
import { samplePayload, warmUpLoad } from '../../src/actors/load-warmup.js';
import { decodeRdb } from '../../src/io/rdb-decoder.js';
import { List, type Value } from '../../src/store/values.js';

/** OBJECT ENCODING's word for a value, lists told apart by their form (one listpack or several nodes). */
function encodingOf(v: Value): string {
  if (typeof v === 'string') return /^-?[1-9]\d*$|^0$/.test(v) ? 'int' : v.length <= 44 ? 'embstr' : 'raw';
  if (v instanceof List) return v.packed !== null ? 'list:listpack' : 'list:nodes';
  return `${v.constructor.name}:${v.encoding}`;
}

describe('the load warm-up', () => {
  it('samples each type in its small and large encodings, and keys with a TTL', () => {
    const rdb = decodeRdb(samplePayload(), { now: -Infinity });
    const db = rdb.dbs[0]!;
    const seen = new Set<string>();
    for (const [, value] of db.dict.entries()) seen.add(encodingOf(value));
    expect([...seen].sort()).toEqual([
      'Hash:hashtable', 'Hash:listpack', 'SetValue:hashtable', 'SetValue:intset', 'ZSet:listpack', 'ZSet:skiplist',
      'embstr', 'int', 'list:listpack', 'list:nodes', 'raw',
    ]);
    expect(db.expires.size).toBe(50);
  });

  it('runs once per process, in slices between which the event loop runs; stop() ends it', async () => {
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const failures: Error[] = [];
    const first = warmUpLoad((e) => failures.push(e));
    const ran = await first.finished;
    clearInterval(ticker);
    expect(ran).toBe(true);
    expect(failures).toEqual([]);
    expect(turns).toBeGreaterThan(5);
    const again = warmUpLoad((e) => failures.push(e));
    again.stop();
    expect(await again.finished).toBe(false);
  });
});
