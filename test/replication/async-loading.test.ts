// async_loading, as Redis 7.0 does it: a replica with repl-diskless-load swapdb that must
// sync in full with the history it is already on (its partial resync refused: the backlog
// moved past it) keeps serving its old dataset while the new one loads, then swaps it in;
// INFO says async_loading:1, loading:0 meanwhile, and what may not run during a load (SAVE,
// CONFIG SET appendonly) gets -LOADING. A redstate replica and a redis-server one
// of the same redis-server master are put through the same steps. Found by Redis's own
// integration/replication.tcl.
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import type { RespClient } from '../helpers/resp-client.js';
import { plain } from '../commands/side-by-side.js';
import { info, until, waitFor } from '../helpers/replication.js';
import { startRedis, startRedstate } from '../helpers/servers.js';

const { running, client } = closedAfterEach();

/** What a replica's client saw through the second full sync. */
async function secondSync(m: RespClient, r: RespClient): Promise<Record<string, unknown>> {
  await waitFor('the first sync', async () => (await info(r)).get('master_link_status') === 'up');
  await r.call('CONFIG', 'SET', 'replica-read-only', 'no');
  await r.call('SET', 'mykey', 'myvalue');
  // The master's next payload takes a while: 2000 keys of 10 kB, 1 ms each.
  await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000');
  await m.call('MULTI');
  await m.call('CLIENT', 'KILL', 'TYPE', 'replica');
  await m.call('CONFIG', 'SET', 'repl-backlog-size', '16384');
  for (let i = 0; i < 10; i++) await m.call('SET', `big${i}`, 'A'.repeat(16384));
  await m.call('EXEC');
  const seen = { asyncLoading: false, loading: new Set<string>(), during: new Set<unknown>(), refused: new Set<string>() };
  await until(async () => {
    // Commands between two INFOs that both say async_loading ran during the load.
    const before = await info(r, 'persistence');
    if (before.get('async_loading') !== '1') return seen.asyncLoading;
    const value = await r.call('GET', 'mykey');
    // A no_async_loading command, and a config that may not change while loading.
    const refused = [plain(await r.call('SAVE')), plain(await r.call('CONFIG', 'SET', 'appendonly', 'no'))];
    const after = await info(r, 'persistence');
    if (after.get('async_loading') === '1') {
      seen.asyncLoading = true;
      seen.loading.add(before.get('loading')!).add(after.get('loading')!);
      seen.during.add(value);
      seen.refused.add(JSON.stringify(refused));
    }
    return false;
  }, 30_000);
  await waitFor('the second sync', async () => (await info(r)).get('master_link_status') === 'up');
  return {
    ...seen, loading: [...seen.loading], during: [...seen.during], refused: [...seen.refused].map((x) => JSON.parse(x) as unknown),
    after: await r.call('GET', 'mykey'), keys: await r.call('DBSIZE'),
  };
}

describe('async_loading: a full sync of the same history, side by side with redis-server 7.0', () => {
  it('the old dataset is served while the new one loads, then swapped out', async () => {
    const results: Record<string, unknown>[] = [];
    for (const kind of ['redis', 'redstate'] as const) {
      const master = await startRedis(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', '--rdbcompression', 'no']);
      running.push(master);
      const m = await client(master.port);
      // Large enough for redis-server, whose load answers clients once per 2 MB read.
      await m.call('DEBUG', 'POPULATE', '2000', 'master', '10000');
      const args = { replicaof: ['127.0.0.1', String(master.port)], 'repl-diskless-load': 'swapdb' };
      const replica = kind === 'redis'
        ? await startRedis(['--replicaof', '127.0.0.1', String(master.port), '--repl-diskless-load', 'swapdb'])
        : await startRedstate(args);
      running.push(replica);
      results.push(await secondSync(m, await client(replica.port)));
    }
    expect(results[1]).toEqual(results[0]);
    const loadingErr = { error: 'LOADING Redis is loading the dataset in memory' };
    expect(results[1]).toEqual({ asyncLoading: true, loading: ['0'], during: ['myvalue'], refused: [[loadingErr, loadingErr]], after: null, keys: 2010 });
  });
});
