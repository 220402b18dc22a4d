// A replica's own clients, compared with a redis-server 7.0 replica of the same master: what
// a writable replica does with the keys its clients gave an expiry (it expires them itself,
// as its master never will), and the master's client as CLIENT LIST shows it and CLIENT KILL
// finds it by address. Found by Redis's own integration/replication-3.tcl and -psync.tcl.
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { RespClient } from '../helpers/resp-client.js';
import { caughtUp, info, waitFor } from '../helpers/replication.js';
import { startRedis, startRedstate } from '../helpers/servers.js';

const { running, client } = closedAfterEach();

/** A redis-server master with one redis-server replica and one redstate replica, both in sync. */
async function masterWithBothReplicas(): Promise<{ m: RespClient; replicas: RespClient[]; masterPort: number }> {
  const master = await startRedis(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']);
  running.push(master);
  const replicaOf = { replicaof: ['127.0.0.1', String(master.port)], 'enable-debug-command': 'yes' };
  const [theirs, ours] = await Promise.all([
    startRedis(['--replicaof', '127.0.0.1', String(master.port), '--enable-debug-command', 'yes']),
    startRedstate(replicaOf),
  ]);
  running.push(theirs, ours);
  const m = await client(master.port);
  const replicas = [await client(theirs.port), await client(ours.port)];
  await m.call('SET', 'synced', '1');
  for (const r of replicas) await caughtUp(m, r);
  return { m, replicas, masterPort: master.port };
}

/** The same command on both replicas (redis-server's first): their replies. */
const onBoth = (replicas: RespClient[], ...cmd: Array<string | number>): Promise<unknown[]> => Promise.all(replicas.map((r) => r.call(...cmd)));

describe("a replica's own clients, side by side with a redis-server 7.0 replica", () => {
  it('a writable replica expires the keys its clients gave an expiry; its master\'s keys stay for the master to expire', async () => {
    const { m, replicas } = await masterWithBothReplicas();
    await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await m.call('SET', 'from-master', 'v', 'PX', '50');
    for (const r of replicas) await caughtUp(m, r);
    await onBoth(replicas, 'CONFIG', 'SET', 'replica-read-only', 'no');
    await onBoth(replicas, 'SET', 'own1', '1', 'PX', '50');
    await onBoth(replicas, 'SET', 'own2', '1');
    await onBoth(replicas, 'PEXPIRE', 'own2', '50');
    await onBoth(replicas, 'SELECT', '3');
    await onBoth(replicas, 'SET', 'own1', '1', 'EX', '100');
    await onBoth(replicas, 'SELECT', '0');
    const [want, got] = (await onBoth(replicas, 'INFO', 'stats')).map((s) => /slave_expires_tracked_keys:(\d+)/.exec(String(s))![1]);
    expect(got).toBe(want);
    expect(got).toBe('2');
    // Their expiries pass; a replica's cron deletes its own keys, hides the master's.
    await new Promise((r) => setTimeout(r, 400));
    const dbsizes = await onBoth(replicas, 'DBSIZE');
    expect(dbsizes[1]).toBe(dbsizes[0]);
    expect(dbsizes[1]).toBe(2);
    expect(await onBoth(replicas, 'EXISTS', 'from-master', 'own1', 'own2')).toEqual([0, 0]);
    expect((await onBoth(replicas, 'INFO', 'keyspace')).map((s) => /db0:keys=(\d+)/.exec(String(s))![1])).toEqual(['2', '2']);
    // FLUSHALL forgets them all (its own keys in db 3 among them).
    await onBoth(replicas, 'FLUSHALL');
    const tracked = (await onBoth(replicas, 'INFO', 'stats')).map((s) => /slave_expires_tracked_keys:(\d+)/.exec(String(s))![1]);
    expect(tracked).toEqual(['0', '0']);
  });

  it("a writable replica's own write of a key its master let expire finds no key: the write starts it anew, without the old expiry", async () => {
    const { m, replicas } = await masterWithBothReplicas();
    await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await m.call('SET', 'key1', '5', 'PX', '10');
    await m.call('SET', 'key2', '5', 'PX', '10');
    await m.call('HSET', 'key3', 'f', 'v');
    await m.call('PEXPIRE', 'key3', '10');
    for (const r of replicas) await caughtUp(m, r);
    await new Promise((r) => setTimeout(r, 50));
    await onBoth(replicas, 'CONFIG', 'SET', 'replica-read-only', 'no');
    for (const cmd of [['DBSIZE'], ['EXISTS', 'key1', 'key2'], ['INCR', 'key1'], ['TTL', 'key1'], ['GET', 'key2'], ['DBSIZE'],
      ['HSET', 'key3', 'g', 'w'], ['HGETALL', 'key3'], ['TTL', 'key3'], ['DEL', 'key2'], ['DBSIZE']]) {
      const [want, got] = await onBoth(replicas, ...cmd);
      expect(got, cmd.join(' ')).toEqual(want);
    }
  });

  it('CLIENT LIST shows the master client with its addresses, and CLIENT KILL by its address drops the link, which continues by partial resync', async () => {
    const { m, replicas, masterPort } = await masterWithBothReplicas();
    const masterLine = async (r: RespClient): Promise<string> => String(await r.call('CLIENT', 'LIST', 'TYPE', 'master'));
    for (const r of replicas) {
      const line = await masterLine(r);
      expect(line).toMatch(new RegExp(`addr=127\\.0\\.0\\.1:${masterPort} laddr=127\\.0\\.0\\.1:\\d+ fd=\\d+ `));
      expect(line).toContain('flags=M ');
      expect(line).toContain('user=(superuser) ');
    }
    const before = Number((await info(m, 'stats')).get('sync_partial_ok'));
    expect(await onBoth(replicas, 'CLIENT', 'KILL', `127.0.0.1:${masterPort}`)).toEqual(['OK', 'OK']);
    await waitFor('both replicas continued by partial resync', async () => Number((await info(m, 'stats')).get('sync_partial_ok')) === before + 2);
    await m.call('SET', 'after', '1');
    for (const r of replicas) await caughtUp(m, r);
    expect(await onBoth(replicas, 'GET', 'after')).toEqual(['1', '1']);
  });
});
