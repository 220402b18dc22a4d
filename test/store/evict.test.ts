// The eviction pool in process: which keys each policy takes, from a keyspace built directly.
import { describe, expect, it } from 'vitest';
import { Evictor, type MaxmemoryPolicy } from '../../src/store/evict.js';
import { Keyspace } from '../../src/store/keyspace.js';

/** n keys k:0..k:n-1 inserted in a scrambled order; keys i < withTtl get expiry base + i. */
function keyspace(n: number, withTtl: number, base = Date.now() + 1e9): Keyspace {
  const ks = new Keyspace(2);
  const db = ks.dbs[0]!;
  for (let j = 0; j < n; j++) {
    const i = (j * 7919) % n;
    db.set(`k:${i}`, 'v');
    if (i < withTtl) db.setExpire(`k:${i}`, base + i);
  }
  return ks;
}

const alive = (ks: Keyspace, n: number): number[] =>
  Array.from({ length: n }, (_, i) => i).filter((i) => ks.dbs[0]!.dict.find(`k:${i}`) >= 0);

function evict(ks: Keyspace, policy: MaxmemoryPolicy, count: number): void {
  const ev = new Evictor(ks);
  for (let j = 0; j < count; j++) expect(ev.evictOne(policy, 5)).toBeGreaterThan(0);
}

describe('Evictor', () => {
  it('volatile-ttl evicts the nearest expiries first', () => {
    const ks = keyspace(10_000, 10_000);
    evict(ks, 'volatile-ttl', 5000);
    const kept = alive(ks, 10_000);
    expect(kept).toHaveLength(5000);
    expect(kept.filter((i) => i < 5000).length / 5000).toBeLessThan(0.15);
  });

  it('volatile policies never take a key without an expiry, and fail once none is left', () => {
    for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'] as const) {
      const ks = keyspace(2000, 500);
      const ev = new Evictor(ks);
      for (let j = 0; j < 500; j++) expect(ev.evictOne(policy, 5)).toBeGreaterThan(0);
      expect(ev.evictOne(policy, 5)).toBe(-1);
      expect(alive(ks, 2000)).toEqual(Array.from({ length: 1500 }, (_, i) => 500 + i));
      expect(ks.stats.evictedKeys).toBe(500);
    }
  });

  it('allkeys-lru evicts the keys idle longest first', () => {
    const ks = keyspace(10_000, 0);
    const db = ks.dbs[0]!;
    // The first half was touched 100 s after the second half.
    ks.access.tick(Date.now() + 100_000);
    for (let i = 0; i < 5000; i++) db.lookup(`k:${i}`);
    evict(ks, 'allkeys-lru', 5000);
    expect(alive(ks, 10_000).filter((i) => i >= 5000).length / 5000).toBeLessThan(0.15);
  });

  it('allkeys-lfu evicts the least frequently used keys first', () => {
    const ks = keyspace(10_000, 0);
    ks.access.lfu = true;
    ks.access.lfuLogFactor = 0;
    const db = ks.dbs[0]!;
    for (let i = 0; i < 10_000; i++) db.dict.setAccessAt(db.dict.find(`k:${i}`), ks.access.fresh());
    for (let n = 0; n < 3; n++) for (let i = 0; i < 5000; i++) db.lookup(`k:${i}`);
    evict(ks, 'allkeys-lfu', 5000);
    expect(alive(ks, 10_000).filter((i) => i >= 5000).length / 5000).toBeLessThan(0.15);
  });
});
