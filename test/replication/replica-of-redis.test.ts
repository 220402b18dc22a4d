// redstate as the replica of a real redis-server 7.0 master: full sync (the master saving to
// disk or streaming diskless; our load from disk or swapdb), then the stream of every family.
import { afterEach, describe, expect, it } from 'vitest';
import { digest, writeEveryType } from '../helpers/dataset.js';
import { expectSameData, info, waitFor, writeEveryFamily, writeManyKeys } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type Running } from '../helpers/servers.js';

const running: Running[] = [];
const clients: RespClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of running.splice(0)) await s.close();
});

async function client(port: number): Promise<RespClient> {
  const c = await RespClient.connect(port);
  clients.push(c);
  return c;
}

describe('redstate replica of redis-server 7.0', () => {
  for (const [masterMode, load] of [['disk', 'disabled'], ['diskless', 'swapdb']] as const) {
    it(`full sync (${masterMode} master, ${load === 'disabled' ? 'disk' : load} load) of 100k keys of every type, then the stream`, async () => {
      const redis = await startRedis(['--repl-diskless-sync', masterMode === 'diskless' ? 'yes' : 'no', '--repl-diskless-sync-delay', '0']);
      running.push(redis);
      const m = await client(redis.port);
      await writeEveryType(m);
      await writeManyKeys(m, 100_000);
      const replica = await startRedstate({ 'repl-diskless-load': load });
      running.push(replica);
      const r = await client(replica.port);
      expect(await r.call('REPLICAOF', '127.0.0.1', redis.port)).toBe('OK');
      await expectSameData(m, r);
      expect(await r.call('DBSIZE')).toBe(await m.call('DBSIZE'));
      for (let round = 0; round < 3; round++) await writeEveryFamily(m, round);
      await expectSameData(m, r);
      const ri = await info(r);
      expect(ri.get('role')).toBe('slave');
      expect(ri.get('master_replid')).toBe((await info(m)).get('master_replid'));
      expect(await r.call('SET', 'x', 1)).toMatchObject({ message: "READONLY You can't write against a read only replica." });
    });
  }

  it('keeps following across REPLICAOF to the same master (+OK Already connected)', async () => {
    const redis = await startRedis(['--repl-diskless-sync-delay', '0']);
    running.push(redis);
    const replica = await startRedstate({ replicaof: ['127.0.0.1', String(redis.port)] });
    running.push(replica);
    const m = await client(redis.port);
    const r = await client(replica.port);
    await writeEveryFamily(m);
    await expectSameData(m, r);
    expect(await r.call('REPLICAOF', '127.0.0.1', redis.port)).toBe('OK Already connected to specified master');
    expect(await r.call('ROLE')).toEqual(['slave', '127.0.0.1', redis.port, 'connected', Number((await info(r)).get('slave_repl_offset'))]);
    await waitFor('digest', async () => (await digest(r)) === (await digest(m)));
  });
});
