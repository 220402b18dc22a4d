// Hit rates under allkeys-lru and allkeys-lfu side by side with redis-server 7.0: how many
// recently / often read keys survive a scan of new keys. A measurement, run by
// `npm run test:soak` (not in the suite): redstate's rate swings from run to run, because
// garbage V8 has not collected yet (the input Buffers of a burst of writes) counts in its
// used_memory and can make it evict more than Redis would (see the README).
import { describe, expect, it } from 'vitest';
import { both, FILL, fill, maxmemoryPair, present } from './maxmemory-pair.js';

maxmemoryPair();

describe('eviction hit rates side by side with redis-server 7.0', () => {
  it('allkeys-lru keeps keys read recently through a scan of new keys (a third of what it holds), at a rate close to Redis', async () => {
    const rates = await both(async (p) => {
      await p.c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await fill(p.c, 'old', 0, FILL);
      const kept = await present(p.c, 'old', 0, FILL);
      const hot = kept.filter((_, j) => j % 5 === 0);
      // Redis's LRU clock ticks once a second: reads and the scan land on later ticks.
      await new Promise((r) => setTimeout(r, 1100));
      await p.c.pipeline(hot.map((i) => ['GET', `old:${i}`]));
      await new Promise((r) => setTimeout(r, 1100));
      await fill(p.c, 'new', 0, Math.floor(kept.length / 3));
      const survived = await present(p.c, 'old', 0, FILL);
      const hotSet = new Set(hot);
      return survived.filter((i) => hotSet.has(i)).length / hot.length;
    });
    console.log(`LRU hot-key survival: redis ${rates[0]!.toFixed(3)}, redstate ${rates[1]!.toFixed(3)}`);
    expect(rates[1]!).toBeGreaterThan(rates[0]! - 0.1);
  }, 120_000);

  it('allkeys-lfu keeps keys read often through a scan of new keys (a third of what it holds), at a rate close to Redis', async () => {
    const rates = await both(async (p) => {
      await p.c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
      await fill(p.c, 'old', 0, FILL);
      const kept = await present(p.c, 'old', 0, FILL);
      const hot = kept.filter((_, j) => j % 5 === 0);
      for (let n = 0; n < 5; n++) await p.c.pipeline(hot.map((i) => ['GET', `old:${i}`]));
      await fill(p.c, 'new', 0, Math.floor(kept.length / 3));
      const survived = await present(p.c, 'old', 0, FILL);
      const hotSet = new Set(hot);
      return survived.filter((i) => hotSet.has(i)).length / hot.length;
    });
    console.log(`LFU hot-key survival: redis ${rates[0]!.toFixed(3)}, redstate ${rates[1]!.toFixed(3)}`);
    expect(rates[1]!).toBeGreaterThan(rates[0]! - 0.1);
  }, 120_000);

});
