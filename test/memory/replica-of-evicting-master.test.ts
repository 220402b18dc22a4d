// A redstate replica (its own process, run `npm run build` first) of a real redis-server 7.0
// master that evicts: under the same maxmemory, which redstate's idle heap alone passes, the
// replica ignores its own limit (replica-ignore-maxmemory yes) and deletes only what the
// master's DELs say, so both end with the same data.
import { afterAll, describe, expect, it } from 'vitest';
import { expectSameData, stat } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess, type Running } from '../helpers/servers.js';
import { fill, info } from './maxmemory-pair.js';

const running: Running[] = [];
const clients: RespClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of running) await s.close();
});

describe('a redstate replica of an evicting redis-server 7.0 master', () => {
  it('follows the master\'s evictions, evicts nothing itself, and ends with the same DEBUG DIGEST', async () => {
    const limit = ['--maxmemory', '8mb', '--maxmemory-policy', 'allkeys-lru'];
    const redis = await startRedis([...limit, '--repl-diskless-sync-delay', '0']);
    running.push(redis);
    const m = await RespClient.connect(redis.port);
    clients.push(m);
    await fill(m, 'early', 0, 400);
    const replica = await startRedstateProcess([...limit, '--replicaof', '127.0.0.1', String(redis.port)]);
    running.push(replica);
    const r = await RespClient.connect(replica.port);
    clients.push(r);
    await expectSameData(m, r);
    // Past the limit on the master, reading some keys as it goes so LRU has a choice to make.
    await fill(m, 'k', 0, 4000, undefined, async () => {
      await m.pipeline(Array.from({ length: 20 }, (_, i) => ['GET', `early:${i}`]));
    });
    expect(await stat(m, 'evicted_keys')).toBeGreaterThan(0);
    // Equal digests: the same keys and values. (A DBSIZE on each would race: the master at its
    // limit may evict before any command it runs, a DBSIZE too.)
    await expectSameData(m, r);
    expect(await stat(r, 'evicted_keys')).toBe(0);
    expect(await info(r, 'used_memory')).toBeGreaterThan(8 * 1024 * 1024);
  }, 120_000);
});
