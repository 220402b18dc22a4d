// The active expire cycle against redis-server 7.0: keys whose time passed go within a cron or
// two even when nothing reads them (each cycle works up to a quarter of the cron's period, as
// long as enough of the keys it looks at are due), and a cycle that ran past
// latency-monitor-threshold is an expire-cycle event in LATENCY LATEST.
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/replication.js';
import type { RespClient } from '../helpers/resp-client.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });

/** n keys in db 0 that expire in ms, written in pipelines of 1000. */
async function volatileKeys(c: RespClient, n: number, ms: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    await c.pipeline(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ['SET', `k${i + j}`, 'v', 'PX', String(ms)]));
  }
}

describe('active expiry', () => {
  it('deletes 100,000 keys whose time passed within seconds, unread, as redis-server does', async () => {
    for (const c of [pair.r, pair.s]) expect(await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '5')).toBe('OK');
    await Promise.all([pair.r, pair.s].map((c) => volatileKeys(c, 100_000, 300)));
    const started = Date.now();
    // Within 5 s: a budget of keys per cron (2,000 a second at hz 10) needed 50.
    await Promise.all([pair.r, pair.s].map((c) => until(async () => (await c.call('DBSIZE')) === 0, 5000)));
    expect(Date.now() - started).toBeLessThan(5000);
    const events = await Promise.all([pair.r, pair.s].map(async (c) => ((await c.call('LATENCY', 'LATEST')) as string[][]).map((e) => e[0])));
    expect(events[0]).toContain('expire-cycle');
    expect(events[1]).toContain('expire-cycle');
    for (const c of [pair.r, pair.s]) await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
    await pair.same('CONFIG GET active-expire-effort', 'CONFIG SET active-expire-effort 11', 'CONFIG SET active-expire-effort 0', 'CONFIG SET active-expire-effort 10', 'CONFIG SET active-expire-effort 1');
  });
});
