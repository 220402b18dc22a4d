// A diskless load cut short (repl-diskless-load swapdb, the master killing the replica's
// connection mid-payload), side by side with redis-server 7.0 as the replica (of a redstate
// master: redis-server's own holds a killed replica's socket until its fork child has written
// the whole payload, so its replica never sees the cut): the log tells
// what Redis's loader and readSyncBulkPayload tell (Redis's integration/replication.tcl,
// "diskless loading short read", waits for "Internal error in RDB"), the temporary db goes,
// and the link heals by itself with a full sync.
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { info, until, waitFor } from '../helpers/replication.js';
import { startRedis, startRedstateProcess } from '../helpers/servers.js';

const { running, client } = closedAfterEach();

const CUT_LINES = [
  /^\d+:S .*# Short read or OOM loading DB\. Unrecoverable error, aborting now\.$/m,
  /^\d+:S .*# Internal error in RDB reading offset \d+.* -> Unexpected EOF reading RDB file\. Failure loading rdb format from socket, assuming connection error, resuming operation\.$/m,
  /^\d+:S .*# Failed trying to load the MASTER synchronization DB from socket: /m,
  /^\d+:S .*\* MASTER <-> REPLICA sync: Discarding temporary DB in background$/m,
];

describe('a diskless load cut short, side by side with a redis-server replica', () => {
  it.each(['redis', 'redstate'] as const)('%s logs the short read, drops the temporary db and syncs again', async (kind) => {
    const master = await startRedstateProcess(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', '--rdbcompression', 'no']);
    running.push(master);
    const m = await client(master.port);
    await m.call('DEBUG', 'POPULATE', '2000', 'key', '1000');
    // 1 ms a key: the payload takes ~2 s, long enough to be cut in the middle.
    await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000');
    const args = ['--repl-diskless-load', 'swapdb'];
    const replica = kind === 'redis' ? await startRedis(args) : await startRedstateProcess(args);
    running.push(replica);
    // REPLICAOF once it is up: the start waits for PONG, which a loading redis-server holds back.
    const r = await client(replica.port);
    await r.call('REPLICAOF', '127.0.0.1', String(master.port));
    await until(() => replica.output().includes('MASTER <-> REPLICA sync: Loading DB in memory'), 20_000, () => replica.output());
    expect(await m.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await until(() => CUT_LINES.every((l) => l.test(replica.output())), 20_000, () => replica.output());
    expect(replica.output()).not.toContain('I/O error trying to sync with MASTER');

    await m.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await waitFor('the next full sync', async () => (await info(r)).get('master_link_status') === 'up');
    expect(await r.call('DBSIZE')).toBe(2000);
    expect(await r.call('DEBUG', 'DIGEST')).toBe(await m.call('DEBUG', 'DIGEST'));
  });
});
