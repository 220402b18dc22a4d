// A master restarted from its own RDB keeps the history the file records as its second one
// (master_replid2, second_repl_offset), so its replica continues by partial resync; the keys
// that expired while it was down go to the replica as DELs in its new backlog. The same steps
// on a redis-server 7.0 pair and on a redstate pair give the same figures. Found by Redis's
// own integration/psync2-master-restart.tcl.
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { RespClient } from '../helpers/resp-client.js';
import { caughtUp, info, stat, waitFor } from '../helpers/replication.js';
import { freePort, startRedis, startRedstate, tempDir, type Running } from '../helpers/servers.js';

const { running, client, cleanup } = closedAfterEach();

type Kind = 'redis' | 'redstate';

/** A master of the kind on port in dir, which a restart may start again on the same files. */
async function startMaster(kind: Kind, port: number, dir: string): Promise<{ s: Running; stop: () => Promise<void> }> {
  if (kind === 'redis') {
    const s = await startRedis(['--repl-diskless-sync-delay', '0'], dir, port);
    // Killed, not closed: close() would remove dir and the RDB in it.
    return { s, stop: async () => void (s.proc.kill('SIGKILL'), await s.exited) };
  }
  const s = await startRedstate({ port: String(port), dir, 'repl-diskless-sync-delay': '0' });
  return { s, stop: () => s.close() };
}

/** The scenario on one kind of server: the figures to compare. */
async function restartScenario(kind: Kind): Promise<Record<string, unknown>> {
  const dir = tempDir(`restart-${kind}-`);
  const port = await freePort();
  let master = await startMaster(kind, port, dir);
  const replica = kind === 'redis' ? await startRedis(['--replicaof', '127.0.0.1', String(port)])
    : await startRedstate({ replicaof: ['127.0.0.1', String(port)] });
  running.push(replica);
  let m = await RespClient.connect(port);
  const r = await client(replica.port);
  await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  await m.call('SELECT', '3');
  await m.call('SET', 'short', 'v', 'PX', '200');
  await m.call('SET', 'long', 'v', 'EX', '1000');
  await m.call('SELECT', '0');
  await m.call('MSET', 'a', '1', 'b', '2');
  await caughtUp(m, r);
  expect(await m.call('SAVE')).toBe('OK');
  const before = await info(m);
  m.close();
  await master.stop();
  await new Promise((res) => setTimeout(res, 300));
  master = await startMaster(kind, port, dir);
  cleanup.push(async () => {
    await master.stop();
    await master.s.close();
  });
  m = await client(port);
  await waitFor('the replica caught up with the restarted master', async () =>
    (await info(r)).get('master_link_status') === 'up' && (await info(r)).get('master_repl_offset') === (await info(m)).get('master_repl_offset'));
  const after = await info(m);
  expect(after.get('master_replid2')).toBe(before.get('master_replid'));
  expect(after.get('master_replid')).not.toBe(before.get('master_replid'));
  await r.call('SELECT', '3');
  return {
    secondOffset: Number(after.get('second_repl_offset')) - Number(before.get('master_repl_offset')),
    streamSinceRestart: Number(after.get('master_repl_offset')) - Number(before.get('master_repl_offset')),
    backlogStart: Number(after.get('repl_backlog_first_byte_offset')) - Number(before.get('master_repl_offset')),
    partialOk: await stat(m, 'sync_partial_ok'),
    fullSyncs: await stat(m, 'sync_full'),
    replicaDb3: [await r.call('EXISTS', 'short'), await r.call('EXISTS', 'long'), await r.call('DBSIZE')],
  };
}

describe('a master restarted from its own RDB, side by side with redis-server 7.0', () => {
  it('its replica continues by partial resync and gets the DELs of the keys that expired meanwhile', async () => {
    const theirs = await restartScenario('redis');
    const ours = await restartScenario('redstate');
    expect(ours).toEqual(theirs);
    // SELECT 3 and DEL short: the stream since the restart.
    expect(ours).toMatchObject({ secondOffset: 1, backlogStart: 1, partialOk: 1, fullSyncs: 0, replicaDb3: [0, 1, 1] });
    expect(ours.streamSinceRestart).toBe('*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nDEL\r\n$5\r\nshort\r\n'.length);
  });
});
