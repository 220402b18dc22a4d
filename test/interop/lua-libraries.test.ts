// Real libraries' Lua scripts against redstate, unchanged, run the same way against
// redis-server 7.0; every outcome must be the same: rate-limiter-flexible's RateLimiterRedis
// and @sesamecare-oss/redlock (a Redlock lock) over ioredis (defineCommand: EVALSHA, EVAL on
// NOSCRIPT), and redis-py's Lock (Debian's python3-redis: register_script's EVALSHA).
import { execFile } from 'node:child_process';
import { ExecutionError, Redlock } from '@sesamecare-oss/redlock';
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

/** A Redlock lock's life: acquired, refused to a second owner, extended, released, taken again. */
async function redlockOutcomes(port: number): Promise<unknown[]> {
  const client = new Redis({ port, lazyConnect: true });
  await client.connect();
  const redlock = new Redlock([client], { retryCount: 0 });
  const out: unknown[] = [];
  const refused = (e: unknown): string => (e instanceof ExecutionError ? 'refused' : `error ${String(e)}`);
  try {
    const lock = await redlock.acquire(['res:a', 'res:b'], 10_000);
    out.push(await client.get('res:a') === lock.value, await client.pttl('res:b').then((t) => t > 0 && t <= 10_000));
    out.push(await redlock.acquire(['res:b'], 10_000).then(() => 'acquired', refused));
    const longer = await lock.extend(60_000);
    out.push(await client.pttl('res:a').then((t) => t > 10_000 && t <= 60_000));
    out.push((await longer.release()).attempts.length);
    out.push(await client.exists('res:a', 'res:b'));
    out.push(await redlock.acquire(['res:b'], 10_000).then(async (l) => (await l.release(), 'acquired'), refused));
    await client.set('res:c', 'someone else');
    out.push(await redlock.acquire(['res:c'], 10_000).then(() => 'acquired', refused));
  } finally {
    client.disconnect();
  }
  return out;
}

describe('Redlock (@sesamecare-oss/redlock) over ioredis', () => {
  it('locks on redstate exactly as on redis-server 7.0', async () => {
    const [want, got] = await Promise.all([redlockOutcomes(redis.port), redlockOutcomes(redstate.port)]);
    expect(got).toEqual(want);
    expect(want).toEqual([true, true, 'refused', true, 1, 0, 'acquired', 'refused']);
  });
});

/** redis-py's Lock: acquire, a second owner refused, extend, reacquire, owned, release, release again. */
const PY_LOCK = `
import json, sys, redis
from redis.exceptions import LockError, LockNotOwnedError
r = redis.Redis(port=int(sys.argv[1]))
out = []
a = r.lock('pylock', timeout=10)
b = r.lock('pylock', timeout=10)
out.append(a.acquire(blocking=False))
out.append(b.acquire(blocking=False))
out.append(a.owned())
out.append(a.extend(20))
out.append(0 < r.pttl('pylock') <= 30000)
out.append(a.reacquire())
out.append(0 < r.pttl('pylock') <= 10000)
a.release()
out.append(r.exists('pylock'))
try:
    a.release()
    out.append('released twice')
except LockError as e:
    out.append(type(e).__name__)
try:
    b.extend(5)
    out.append('extended')
except LockError as e:
    out.append(type(e).__name__)
out.append(b.acquire(blocking=False))
r.set('pylock', 'stolen')
try:
    b.release()
    out.append('released')
except LockNotOwnedError as e:
    out.append(type(e).__name__)
print(json.dumps(out))
`;

function pyLockOutcomes(port: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', ['-c', PY_LOCK, String(port)], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

describe("redis-py's Lock", () => {
  it('locks on redstate exactly as on redis-server 7.0', async () => {
    const [want, got] = await Promise.all([pyLockOutcomes(redis.port), pyLockOutcomes(redstate.port)]);
    expect(got).toEqual(want);
    expect(want).toEqual([true, false, true, true, true, true, true, 0, 'LockError', 'LockError', true, 'LockNotOwnedError']);
  });
});
