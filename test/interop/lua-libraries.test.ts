// A real library's Lua scripts against redstate, unchanged: rate-limiter-flexible's
// RateLimiterRedis over ioredis (defineCommand: EVALSHA, EVAL on NOSCRIPT), run the same way
// against redis-server 7.0; every outcome must be the same.
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

let redis: Proc;
let redstate: InProcess;

beforeAll(async () => {
  [redis, redstate] = await Promise.all([startRedis(), startRedstate()]);
});
afterAll(async () => {
  await Promise.all([redis.close(), redstate.close()]);
});

/** Seven consumptions of a 5-point limiter, then a reward and a penalty: each outcome in order. */
async function outcomes(port: number): Promise<unknown[]> {
  const client = new Redis({ port, lazyConnect: true, enableOfflineQueue: true });
  await client.connect();
  const limiter = new RateLimiterRedis({ storeClient: client, points: 5, duration: 100, keyPrefix: 'rl' });
  const out: unknown[] = [];
  const shape = (r: unknown): unknown => r instanceof RateLimiterRes
    ? { consumed: r.consumedPoints, remaining: r.remainingPoints, ttlSet: r.msBeforeNext > 0 }
    : { error: String(r) };
  try {
    for (let i = 0; i < 7; i++) out.push(await limiter.consume('user', 1).then(shape, (e: unknown) => ({ rejected: shape(e) })));
    out.push(shape(await limiter.reward('user', 3)));
    out.push(await limiter.consume('user', 2).then(shape, (e: unknown) => ({ rejected: shape(e) })));
    out.push(shape(await limiter.penalty('other', 4)));
    out.push(await client.pttl('rl:user').then((t) => t > 0 && t <= 100_000));
  } finally {
    client.disconnect();
  }
  return out;
}

describe('rate-limiter-flexible over ioredis', () => {
  it('limits on redstate exactly as on redis-server 7.0', async () => {
    const [want, got] = await Promise.all([outcomes(redis.port), outcomes(redstate.port)]);
    expect(got).toEqual(want);
    expect(want.filter((o) => typeof o === 'object' && o !== null && 'rejected' in o)).toHaveLength(3);
  });
});
