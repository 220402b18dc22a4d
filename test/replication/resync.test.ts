// Partial and full resynchronization of a redstate replica with a real redis-server 7.0:
// link loss from either side, a master restarted with a new history, a replica restarted
// from its RDB, a promoted sibling (PSYNC2), a change of master and back, and AUTH; and the
// log of a lost master, beside a redis-server replica's.
import { describe, expect, it } from 'vitest';
import { digest } from '../helpers/dataset.js';
import { captureLog, expectSameData, info, logBetween, logMessages, stat, waitFor, writeEveryFamily, writeManyKeys } from '../helpers/replication.js';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, tempDir } from '../helpers/servers.js';

const { running, client } = closedAfterEach();

const FAST = ['--repl-diskless-sync-delay', '0'];

async function redis(args: string[] = []) {
  const s = await startRedis([...FAST, ...args]);
  running.push(s);
  return { s, c: await client(s.port) };
}

/**
 * A redstate and a redis-server replica of port from the start, with the same directives, their
 * links up; the redstate's log captured, to be compared with the redis-server's output, and a
 * client of each (redstate's first).
 */
async function twinReplicas(port: number, directives: Record<string, string> = {}) {
  const ours = await startRedstate({ ...directives, replicaof: ['127.0.0.1', String(port)] });
  running.push(ours);
  const log = captureLog(ours.server.log);
  const theirs = await startRedis([...Object.entries(directives).flatMap(([k, v]) => [`--${k}`, v]), '--replicaof', '127.0.0.1', String(port)]);
  running.push(theirs);
  const clients = [await client(ours.port), await client(theirs.port)];
  for (const c of clients) await waitFor('link up', async () => (await info(c)).get('master_link_status') === 'up');
  return { log, theirs: () => theirs.output().split('\n'), clients };
}

async function replicaOf(port: number, directives: Record<string, string | string[]> = {}) {
  const s = await startRedstate({ replicaof: ['127.0.0.1', String(port)], ...directives });
  running.push(s);
  return { s, c: await client(s.port) };
}

describe('resynchronization with redis-server 7.0', () => {
  it('continues by partial resync when the link is killed from either side during writes, connecting again at once as redis 7.0 does', async () => {
    const m = await redis(['--repl-backlog-size', '64mb']);
    await writeManyKeys(m.c, 20_000);
    const r = await replicaOf(m.s.port);
    const log = captureLog(r.s.server.log);
    await expectSameData(m.c, r.c);
    let writing = true;
    let round = 0;
    const writes = (async () => {
      while (writing) {
        await writeEveryFamily(m.c, round++);
        await new Promise((res) => setTimeout(res, 5));
      }
    })();
    const killers: Array<[RespClient, string]> = [[m.c, 'replica'], [r.c, 'master']];
    for (const [i, [killer, type]] of killers.entries()) {
      await waitFor('link up', async () => (await info(r.c)).get('master_link_status') === 'up');
      expect(await killer.call('CLIENT', 'KILL', 'TYPE', type)).toBe(1);
      await waitFor('a partial resync', async () => (await stat(m.c, 'sync_partial_ok')) === i + 1);
    }
    writing = false;
    await writes;
    await expectSameData(m.c, r.c);
    expect(await stat(m.c, 'sync_full')).toBe(1);
    expect(round).toBeGreaterThan(1);
    // replicationHandleMasterDisconnection: the next attempt follows the loss, not the next cron tick.
    const lost = log.flatMap((l, i) => (l.endsWith('Connection with master lost.') ? [i] : []));
    expect(lost).toHaveLength(2);
    for (const i of lost) {
      const next = log.slice(i + 1).filter((l) => /Reconnecting to MASTER|Connecting to MASTER/.test(l))[0];
      expect(next).toMatch(new RegExp(`^\\d+:S .* \\* Reconnecting to MASTER 127\\.0\\.0\\.1:${m.s.port}$`));
    }
  });

  it('logs a lost master and a refused reconnect line for line as a redis-server replica beside it does', async () => {
    const m = await redis();
    const { log, theirs, clients } = await twinReplicas(m.s.port);
    for (const c of clients) expect(await c.call('CLIENT', 'KILL', 'TYPE', 'master')).toBe(1);
    for (const c of clients) await waitFor('link up again', async () => (await info(c)).get('master_link_status') === 'up');
    m.s.proc.kill('SIGTERM');
    const refused = 'Error condition on socket for SYNC: Connection refused';
    await waitFor('both refused', () => [log, theirs()].every((lines) => lines.some((l) => l.endsWith(refused))));
    // From the first loss to the first refusal.
    const story = (lines: string[]): string[] => logBetween(logMessages(lines), 'Connection with master lost.', refused);
    expect(story(log)).toEqual(story(theirs()));
    expect(story(log)).toContain(`* Reconnecting to MASTER 127.0.0.1:${m.s.port}`);
  });

  it('syncs in full from a master restarted with a new replid', async () => {
    const dir = tempDir('redis-test-');
    const first = await startRedis(FAST, dir);
    const m1 = await client(first.port);
    await writeManyKeys(m1, 1000);
    const r = await replicaOf(first.port);
    await expectSameData(m1, r.c);
    const oldId = (await info(m1)).get('master_replid');
    await first.close();
    const second = await startRedis(FAST, tempDir('redis-test-'), first.port);
    running.push(second);
    const m2 = await client(second.port);
    await writeEveryFamily(m2);
    await expectSameData(m2, r.c);
    const ri = await info(r.c);
    expect(ri.get('master_replid')).not.toBe(oldId);
    expect(ri.get('master_replid')).toBe((await info(m2)).get('master_replid'));
    expect(await r.c.call('DBSIZE')).toBe(await m2.call('DBSIZE'));
    expect(await stat(m2, 'sync_full')).toBe(1);
  });

  it('continues by partial resync after a restart from its own RDB (repl-id and repl-offset)', async () => {
    const m = await redis();
    await writeManyKeys(m.c, 5000);
    const dir = tempDir();
    const r1 = await replicaOf(m.s.port, { dir });
    await writeEveryFamily(m.c, 0);
    await expectSameData(m.c, r1.c);
    expect(await r1.c.call('SAVE')).toBe('OK');
    await r1.s.close();
    await writeEveryFamily(m.c, 1);
    const r2 = await replicaOf(m.s.port, { dir });
    await expectSameData(m.c, r2.c);
    expect(await stat(m.c, 'sync_partial_ok')).toBe(1);
    expect(await stat(m.c, 'sync_full')).toBe(1);
  });

  it('follows a promoted sibling by partial resync (PSYNC2: +CONTINUE with the new replid)', async () => {
    const m = await redis();
    await writeManyKeys(m.c, 5000);
    const sibling = await redis(['--replicaof', '127.0.0.1', String(m.s.port)]);
    const r = await replicaOf(m.s.port);
    await writeEveryFamily(m.c, 0);
    await expectSameData(m.c, sibling.c);
    await expectSameData(m.c, r.c);
    const oldId = (await info(m.c)).get('master_replid');
    expect(await sibling.c.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    const log = captureLog(r.s.server.log);
    expect(await r.c.call('REPLICAOF', '127.0.0.1', sibling.s.port)).toBe('OK');
    await writeEveryFamily(sibling.c, 1);
    await expectSameData(sibling.c, r.c);
    expect(await stat(sibling.c, 'sync_partial_ok')).toBe(1);
    const ri = await info(r.c);
    expect(ri.get('master_replid')).toBe((await info(sibling.c)).get('master_replid'));
    expect(ri.get('master_replid2')).toBe(oldId);
    expect(log.some((l) => l.endsWith('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.'))).toBe(true);
  });

  it('REPLICAOF NO ONE keeps the data and takes writes; another master, then back: the data follows', async () => {
    const a = await redis();
    const b = await redis();
    await writeManyKeys(a.c, 2000, 'a');
    await writeManyKeys(b.c, 3000, 'b');
    const r = await replicaOf(a.s.port);
    await expectSameData(a.c, r.c);
    const before = await digest(r.c);
    expect(await r.c.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    expect(await digest(r.c)).toBe(before);
    expect((await info(r.c)).get('role')).toBe('master');
    expect(await r.c.call('SET', 'mine', 1)).toBe('OK');
    expect(await r.c.call('REPLICAOF', '127.0.0.1', b.s.port)).toBe('OK');
    await expectSameData(b.c, r.c);
    expect(await r.c.call('EXISTS', 'mine')).toBe(0);
    expect(await r.c.call('SLAVEOF', '127.0.0.1', a.s.port)).toBe('OK');
    await writeEveryFamily(a.c);
    await expectSameData(a.c, r.c);
  });

  it('logs REPLICAOF NO ONE, REPLICAOF again and a change of master line for line as a redis-server replica beside it does', async () => {
    const a = await redis(['--repl-diskless-sync', 'no']);
    const b = await redis(['--repl-diskless-sync', 'no']);
    await a.c.call('SET', 'k', 'v');
    const ours = await startRedstate();
    running.push(ours);
    const log = captureLog(ours.server.log);
    const theirs = await startRedis();
    running.push(theirs);
    const replicas = [await client(ours.port), await client(theirs.port)];
    const synced = async (n: number) => {
      for (const c of replicas) await waitFor('link up', async () => (await info(c)).get('master_link_status') === 'up');
      await waitFor(`${n} syncs logged`, () => [log, theirs.output().split('\n')].every((l) => logMessages(l).filter((x) => x.endsWith('Finished with success')).length === n));
    };
    for (const c of replicas) expect(await c.call('REPLICAOF', '127.0.0.1', a.s.port)).toBe('OK');
    await synced(1);
    for (const c of replicas) expect(await c.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    for (const c of replicas) expect(await c.call('REPLICAOF', '127.0.0.1', a.s.port)).toBe('OK');
    await synced(2);
    for (const c of replicas) expect(await c.call('REPLICAOF', '127.0.0.1', b.s.port)).toBe('OK');
    await synced(3);
    // redstate decodes the payload as it arrives, and drops the old data once that is done:
    // its "Loading DB in memory" comes before "Flushing old data", redis-server's after.
    const story = (lines: string[]): string[] => logBetween(logMessages(lines).filter((x) => !x.endsWith('Loading DB in memory')), 'Before turning into a replica');
    const want = story(theirs.output().split('\n'));
    expect(story(log)).toEqual(want);
    expect(want).toEqual(expect.arrayContaining(['# Connection with master lost.', '* Discarding previously cached master state.', '# Setting secondary replication ID to REPLID, valid up to offset: N. New replication ID is REPLID']));
  });

  it('logs a diskless swapdb load line for line as a redis-server replica beside it does', async () => {
    const m = await redis(['--repl-diskless-sync', 'yes']);
    await m.c.call('SET', 'k', 'v');
    // Replicas from the start, with no cached master: one made by REPLICAOF is dropped when the
    // payload is in here, and once it is loaded by redis-server's swapdb (which logs it later).
    const { log, theirs } = await twinReplicas(m.s.port, { 'repl-diskless-load': 'swapdb' });
    await waitFor('both loads logged', () => [log, theirs()].every((l) => logMessages(l).some((x) => x.endsWith('Finished with success'))));
    const story = (lines: string[]): string[] => logBetween(logMessages(lines), 'Full resync from master', 'Finished with success');
    const want = story(theirs());
    expect(story(log)).toEqual(want);
    expect(want).toContain('* MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
  });

  it('logs a master gone silent (SIGSTOP) line for line as a redis-server replica beside it does: its timeout, then the connect\'s', async () => {
    const m = await redis(['--repl-diskless-sync', 'no']);
    const { log, theirs } = await twinReplicas(m.s.port, { 'repl-timeout': '1' });
    const retried = '* Reconnecting to MASTER PEER after failure';
    const story = (lines: string[]): string[] => logBetween(logMessages(lines).map((x) => x.replace(/127\.0\.0\.1:\d+/g, 'PEER')), 'MASTER timeout', retried);
    process.kill(m.s.proc.pid!, 'SIGSTOP');
    try {
      // Both time out as connected replicas, connect again (the kernel still accepts), and time out waiting for the PONG.
      await waitFor('both retried', () => [log, theirs()].every((l) => story(l).at(-1) === retried));
    } finally {
      process.kill(m.s.proc.pid!, 'SIGCONT');
    }
    const want = story(theirs());
    expect(story(log)).toEqual(want);
    expect(want).toEqual(expect.arrayContaining(['# Connection with master lost.', '# Timeout connecting to the MASTER...']));
  });

  it('authenticates as masteruser on an ACL master whose default user may not even PING (-NOPERM)', async () => {
    const m = await redis();
    expect(await m.c.call('ACL', 'SETUSER', 'repl', 'on', '>pw', '+@all', '~*', '&*')).toBe('OK');
    expect(await m.c.call('AUTH', 'repl', 'pw')).toBe('OK');
    expect(await m.c.call('ACL', 'SETUSER', 'default', 'on', 'nopass', '-@all')).toBe('OK');
    const anon = await client(m.s.port);
    expect(await anon.call('PING')).toMatchObject({ message: expect.stringMatching(/^NOPERM /) });
    await writeManyKeys(m.c, 1000);
    const r = await replicaOf(m.s.port, { masteruser: 'repl', masterauth: 'pw' });
    await expectSameData(m.c, r.c);
  });

  it('serves replicas that authenticate as a replication-only user on an ACL redstate master', async () => {
    const m = await startRedstate({ 'repl-diskless-sync-delay': '0' });
    running.push(m);
    const mc = await client(m.port);
    // What Redis's documentation gives a replica's user: PSYNC, REPLCONF and PING, no keys.
    expect(await mc.call('ACL', 'SETUSER', 'repl', 'on', '>pw', '+psync', '+replconf', '+ping')).toBe('OK');
    expect(await mc.call('ACL', 'SETUSER', 'admin', 'on', '>pw', '+@all', '~*', '&*')).toBe('OK');
    expect(await mc.call('AUTH', 'admin', 'pw')).toBe('OK');
    expect(await mc.call('ACL', 'SETUSER', 'default', 'on', 'nopass', '-@all')).toBe('OK');
    await writeManyKeys(mc, 1000);
    const viaRedis = await redis(['--replicaof', '127.0.0.1', String(m.port), '--masteruser', 'repl', '--masterauth', 'pw']);
    const viaRedstate = await replicaOf(m.port, { masteruser: 'repl', masterauth: 'pw' });
    await expectSameData(mc, viaRedis.c);
    await expectSameData(mc, viaRedstate.c);
    // Refused: only the PING each replica sends before its AUTH (it goes on after -NOPERM, as Redis's does).
    const refused = (await mc.call('ACL', 'LOG')) as string[][];
    expect(refused.map((e) => [e[1], e[7], e[9]])).toEqual([[2, 'ping', 'default']]);
  });

  it('authenticates with masterauth; without it the link stays down and says why', async () => {
    const m = await redis();
    expect(await m.c.call('CONFIG', 'SET', 'requirepass', 'sekret')).toBe('OK');
    expect(await m.c.call('AUTH', 'sekret')).toBe('OK');
    await writeManyKeys(m.c, 1000);
    const r = await startRedstate({ 'replica-serve-stale-data': 'no' });
    running.push(r);
    const rc = await client(r.port);
    const log = captureLog(r.server.log);
    await rc.call('REPLICAOF', '127.0.0.1', m.s.port);
    await waitFor('the NOAUTH refusal', () => log.some((l) => l.includes('MASTER aborted replication with an error: NOAUTH')));
    expect((await info(rc)).get('master_link_status')).toBe('down');
    expect(await rc.call('GET', 'k:0')).toMatchObject({ message: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." });
    expect(await rc.call('CONFIG', 'SET', 'masterauth', 'sekret')).toBe('OK');
    await expectSameData(m.c, rc);
    expect(await rc.call('GET', 'k:0')).toBe('0');
  });
});
