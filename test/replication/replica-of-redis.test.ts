// redstate as the replica of a real redis-server 7.0 master: full sync (the master saving to
// disk or streaming diskless; our load from disk or swapdb), then the stream of every family.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digest, writeEveryType } from '../helpers/dataset.js';
import { expectSameData, info, waitFor, writeEveryFamily, writeManyKeys } from '../helpers/replication.js';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { startRedis, startRedstate, startRedstateProcess, tempDir } from '../helpers/servers.js';

const { running, client } = closedAfterEach();

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
      // WAIT makes the master send REPLCONF GETACK: our ACK answers it.
      expect(await m.call('WAIT', 1, 5000)).toBe(1);
      await expectSameData(m, r);
      const ri = await info(r);
      expect(ri.get('role')).toBe('slave');
      expect(ri.get('master_replid')).toBe((await info(m)).get('master_replid'));
      expect(await r.call('SET', 'x', 1)).toMatchObject({ message: "READONLY You can't write against a read only replica." });
    });
  }

  it('reads the stream into the shared read buffer: pipelined writes of every size, cut anywhere by the reads, arrive whole, and pass on to its replica', async () => {
    const redis = await startRedis(['--repl-diskless-sync-delay', '0']);
    running.push(redis);
    const replica = await startRedstate({ replicaof: ['127.0.0.1', String(redis.port)] });
    running.push(replica);
    const sub = await startRedis(['--replicaof', '127.0.0.1', String(replica.port)]);
    running.push(sub);
    const m = await client(redis.port);
    const r = await client(replica.port);
    const s = await client(sub.port);
    await m.call('SET', 'first', 1);
    await expectSameData(m, r);
    await expectSameData(m, s);
    expect(replica.server.replicaLink!.readsShared).toBe(true);
    for (let round = 0; round < 4; round++) {
      const batch: (string | number)[][] = [];
      for (let i = 0; i < 2000; i++) batch.push(['SET', `k:${round}:${i}`, 'v'.repeat((i * 37) % 5000)]);
      batch.push(['MULTI'], ['INCR', 'n'], ['RPUSH', 'l', 'x'.repeat(70_000)], ['EXEC']);
      await m.pipeline(batch);
      await writeEveryFamily(m, round);
    }
    await expectSameData(m, r);
    // What the replica feeds on to its own replica is what it read, byte for byte.
    await expectSameData(m, s);
    expect(replica.server.replicaLink!.readsShared).toBe(true);
    // One link each all along: a mangled command would have dropped one, and a resync healed the data.
    for (const served of [m, r]) {
      const stats = await info(served, 'stats');
      expect([stats.get('sync_full'), stats.get('sync_partial_ok')]).toEqual(['1', '0']);
    }
  });

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

  it('answers INFO replication with the fields of a redis-server replica, in its order, and ROLE as it does', async () => {
    const redis = await startRedis(['--repl-diskless-sync-delay', '0']);
    running.push(redis);
    const twin = await startRedis(['--replicaof', '127.0.0.1', String(redis.port)]);
    running.push(twin);
    const replica = await startRedstate({ replicaof: ['127.0.0.1', String(redis.port)] });
    running.push(replica);
    const m = await client(redis.port);
    const t = await client(twin.port);
    const r = await client(replica.port);
    await m.call('SET', 'a', 1);
    await expectSameData(m, t);
    await expectSameData(m, r);
    expect([...(await info(r)).keys()]).toEqual([...(await info(t)).keys()]);
    const [tr, rr] = [await t.call('ROLE'), await r.call('ROLE')] as unknown[][];
    expect(rr.slice(0, 4)).toEqual(tr.slice(0, 4));
    expect(rr[4]).toBe(tr[4]);
    // A link that is down adds master_link_down_since_seconds on both.
    await twin.close();
    const down = await startRedstate({ replicaof: ['127.0.0.1', String(twin.port)] });
    running.push(down);
    const d = await client(down.port);
    const di = await info(d);
    expect(di.get('master_link_status')).toBe('down');
    expect(Number(di.get('master_link_down_since_seconds'))).toBeGreaterThanOrEqual(0);
  });

  it('never expires a key by itself, reads an expired one as missing, and drops it on the master\'s DEL', async () => {
    const redis = await startRedis(['--repl-diskless-sync-delay', '0']);
    running.push(redis);
    const replica = await startRedstate({ replicaof: ['127.0.0.1', String(redis.port)] });
    running.push(replica);
    const m = await client(redis.port);
    const r = await client(replica.port);
    expect(await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', 0)).toBe('OK');
    await m.call('SET', 'short', 'lived', 'PX', 200);
    await m.call('SET', 'long', 'lived');
    await expectSameData(m, r);
    await waitFor('the key to expire', async () => (await r.call('GET', 'short')) === null);
    expect(await r.call('EXISTS', 'short')).toBe(0);
    expect(await r.call('TTL', 'short')).toBe(-2);
    // Still held: the master has not deleted it yet.
    expect(await r.call('DBSIZE')).toBe(2);
    expect(await m.call('GET', 'short')).toBeNull();
    await waitFor('the DEL from the master', async () => (await r.call('DBSIZE')) === 1);
    await expectSameData(m, r);
  });

  it('takes replicaof as a flag (logging as a replica does) and CONFIG REWRITE keeps what REPLICAOF set', async () => {
    const redis = await startRedis(['--repl-diskless-sync-delay', '0']);
    running.push(redis);
    const m = await client(redis.port);
    await writeManyKeys(m, 1000);
    const dir = tempDir();
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, 'save ""\n');
    const proc = await startRedstateProcess([conf, '--replicaof', '127.0.0.1', String(redis.port), '--dir', dir], dir);
    running.push(proc);
    const r = await client(proc.port);
    await expectSameData(m, r);
    for (const line of ['* Connecting to MASTER 127.0.0.1:', '* MASTER <-> REPLICA sync started', '* Master replied to PING, replication can continue...',
      '* Partial resynchronization not possible (no cached master)', '* Full resync from master: ', '* MASTER <-> REPLICA sync: Flushing old data',
      '* MASTER <-> REPLICA sync: Loading DB in memory', '* MASTER <-> REPLICA sync: Finished with success']) {
      expect(proc.output()).toMatch(new RegExp(`^\\d+:S .*${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    }
    expect(await r.call('CONFIG', 'REWRITE')).toBe('OK');
    expect(readFileSync(conf, 'latin1')).toContain(`replicaof 127.0.0.1 ${redis.port}`);
    expect(await r.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    expect(await r.call('CONFIG', 'REWRITE')).toBe('OK');
    expect(readFileSync(conf, 'latin1')).not.toContain('replicaof');
    expect(proc.output()).toMatch(/^\d+:M .*MASTER MODE enabled \(user request from 'id=/m);
  });
});
