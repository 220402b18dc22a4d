// FAILOVER (Redis 7.0): a master hands its role to a replica, against real redis-server peers
// both ways and redstate with redstate; the timeout, FORCE, ABORT, a target that refuses, and
// every error reply side by side with redis-server.
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { FakeMaster } from '../helpers/fake-master.js';
import { FakeReplica } from '../helpers/fake-replica.js';
import { captureLog, caughtUp, expectSameData, info, logBetween, logMessages, stat, waitFor, writeEveryFamily } from '../helpers/replication.js';
import type { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type Proc } from '../helpers/servers.js';

const { running, client } = closedAfterEach();

const failoverState = async (c: RespClient): Promise<string> => (await info(c)).get('master_failover_state')!;

/** Waits until old has become new's replica, the failover over and the link up. */
async function handedOver(oldMaster: RespClient, newMaster: RespClient, newPort: number): Promise<void> {
  await waitFor('the old master is a replica of the new one, its link up', async () => {
    const o = await info(oldMaster);
    return o.get('role') === 'slave' && o.get('master_port') === String(newPort) && o.get('master_link_status') === 'up' &&
      o.get('master_failover_state') === 'no-failover';
  });
  expect((await info(newMaster)).get('role')).toBe('master');
}

/** redstate master, a redis-server replica of it, some data, caught up. */
async function redstateWithRedisReplica(): Promise<{ m: RespClient; r: RespClient; mPort: number; replica: Proc; server: Awaited<ReturnType<typeof startRedstate>>['server'] }> {
  const master = await startRedstate({ 'repl-diskless-sync-delay': '0' });
  running.push(master);
  const replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
  running.push(replica);
  const m = await client(master.port);
  const r = await client(replica.port);
  await writeEveryFamily(m);
  await caughtUp(m, r);
  return { m, r, mPort: master.port, replica, server: master.server };
}

describe('FAILOVER', () => {
  it('redstate hands over to a redis-server replica: the roles swap by partial resync, a write sent meanwhile gets READONLY', async () => {
    const { m, r, mPort, replica, server } = await redstateWithRedisReplica();
    const log = captureLog(server.log);
    const oldReplid = (await info(m)).get('master_replid');
    const writer = await client(mPort);
    expect(await m.call('FAILOVER', 'TO', '127.0.0.1', replica.port)).toBe('OK');
    // Sent once FAILOVER answered: held by the pause, then run on a replica.
    expect(await writer.call('SET', 'late', 1)).toMatchObject({ message: "READONLY You can't write against a read only replica." });
    await handedOver(m, r, replica.port);
    const ri = await info(r);
    expect(ri.get('master_replid2')).toBe(oldReplid);
    expect((await info(m)).get('master_replid')).toBe(ri.get('master_replid'));
    expect(await stat(r, 'sync_partial_ok')).toBe(1);
    expect(await stat(r, 'sync_full')).toBe(0);
    expect(log).toContainEqual(expect.stringContaining(`Failover target 127.0.0.1:${replica.port} is synced, failing over.`));
    expect(await r.call('EXISTS', 'late')).toBe(0);
    await writeEveryFamily(r, 1);
    await expectSameData(r, m);
  });

  it('a redis-server master hands over to a redstate replica, which takes the PSYNC FAILOVER', async () => {
    const redis = await startRedis(['--repl-diskless-sync-delay', '0']);
    running.push(redis);
    const replica = await startRedstate({ replicaof: ['127.0.0.1', String(redis.port)] });
    running.push(replica);
    const log = captureLog(replica.server.log);
    const m = await client(redis.port);
    const r = await client(replica.port);
    await writeEveryFamily(m);
    await caughtUp(m, r);
    const oldReplid = (await info(m)).get('master_replid');
    expect(await m.call('FAILOVER')).toBe('OK');
    await handedOver(m, r, replica.port);
    const ri = await info(r);
    expect(ri.get('master_replid2')).toBe(oldReplid);
    expect(ri.get('connected_slaves')).toBe('1');
    expect(await stat(r, 'sync_partial_ok')).toBe(1);
    expect(log.some((l) => l.includes(`Failover request received for replid ${oldReplid}.`))).toBe(true);
    await writeEveryFamily(r, 1);
    await expectSameData(r, m);
    expect(await m.call('SET', 'x', 1)).toMatchObject({ message: "READONLY You can't write against a read only replica." });
  });

  it('redstate to redstate, to whichever replica caught up first; the other one follows through the old master by partial resync', async () => {
    const master = await startRedstate({ 'repl-diskless-sync-delay': '0' });
    running.push(master);
    const m = await client(master.port);
    const replicas = [await startRedstate({ replicaof: ['127.0.0.1', String(master.port)] }), await startRedstate({ replicaof: ['127.0.0.1', String(master.port)] })];
    running.push(...replicas);
    const [a, b] = await Promise.all(replicas.map((r) => client(r.port)));
    await writeEveryFamily(m);
    await caughtUp(m, a!);
    await caughtUp(m, b!);
    expect(await m.call('FAILOVER', 'TIMEOUT', 10_000)).toBe('OK');
    await waitFor('a replica took over', async () => (await info(m)).get('role') === 'slave');
    const port = Number((await info(m)).get('master_port'));
    const [newMaster, other] = port === replicas[0]!.port ? [a!, b!] : [b!, a!];
    await handedOver(m, newMaster, port);
    expect(await stat(newMaster, 'sync_partial_ok')).toBe(1);
    await writeEveryFamily(newMaster, 1);
    await expectSameData(newMaster, m);
    await expectSameData(m, other);
    expect(await stat(other, 'sync_full')).toBe(0);
    expect(await stat(m, 'sync_partial_ok')).toBeGreaterThanOrEqual(1);
  });

  it('TIMEOUT: a replica that never catches up ends it, the role stays; reads go on meanwhile and writes wait', async () => {
    const { m, r, mPort, replica, server } = await redstateWithRedisReplica();
    const log = captureLog(server.log);
    replica.proc.kill('SIGSTOP');
    try {
      await m.call('SET', 'k', 'old');
      expect(await m.call('FAILOVER', 'TO', '127.0.0.1', replica.port, 'TIMEOUT', 500)).toBe('OK');
      expect(await failoverState(m)).toBe('waiting-for-sync');
      const writer = await client(mPort);
      const write = writer.call('SET', 'k', 'new');
      expect(await m.call('GET', 'k')).toBe('old');
      expect(await write).toBe('OK');
      expect(await failoverState(m)).toBe('no-failover');
      expect(log).toContainEqual(expect.stringContaining(`FAILOVER to 127.0.0.1:${replica.port} aborted: Replica never caught up before timeout`));
    } finally {
      replica.proc.kill('SIGCONT');
    }
    expect((await info(m)).get('role')).toBe('master');
    await expectSameData(m, r);
  });

  it('TIMEOUT with FORCE: past the timeout it fails over anyway', async () => {
    const { m, r, replica, server } = await redstateWithRedisReplica();
    const log = captureLog(server.log);
    replica.proc.kill('SIGSTOP');
    try {
      // Never acked: the stopped replica reads it from its socket only once it runs again.
      await m.call('SET', 'unacked', 1);
      expect(await m.call('FAILOVER', 'TO', '127.0.0.1', replica.port, 'TIMEOUT', 300, 'FORCE')).toBe('OK');
      await waitFor('failover in progress', async () => (await failoverState(m)) === 'failover-in-progress');
      expect((await info(m)).get('role')).toBe('slave');
    } finally {
      replica.proc.kill('SIGCONT');
    }
    await handedOver(m, r, replica.port);
    expect(log).toContainEqual(expect.stringContaining(`FAILOVER to 127.0.0.1:${replica.port} time out exceeded, failing over.`));
    await expectSameData(r, m);
  });

  it('FAILOVER ABORT while it waits: the pause ends and the role stays', async () => {
    const { m, r, mPort, replica, server } = await redstateWithRedisReplica();
    const log = captureLog(server.log);
    replica.proc.kill('SIGSTOP');
    try {
      await m.call('SET', 'k', 1);
      expect(await m.call('FAILOVER', 'TO', '127.0.0.1', replica.port)).toBe('OK');
      const writer = await client(mPort);
      const write = writer.call('INCR', 'k');
      expect(await m.call('FAILOVER')).toMatchObject({ message: 'ERR FAILOVER already in progress.' });
      expect(await m.call('REPLICAOF', 'NO', 'ONE')).toMatchObject({ message: 'ERR REPLICAOF not allowed while failing over.' });
      expect(await m.call('FAILOVER', 'ABORT')).toBe('OK');
      expect(await write).toBe(2);
      expect(await failoverState(m)).toBe('no-failover');
      expect(log).toContainEqual(expect.stringContaining(`FAILOVER to 127.0.0.1:${replica.port} aborted: Failover manually aborted`));
    } finally {
      replica.proc.kill('SIGCONT');
    }
    expect((await info(m)).get('role')).toBe('master');
    await expectSameData(m, r);
  });

  it('a target that refuses the PSYNC FAILOVER: the master is a master again, with the same replid', async () => {
    const master = await startRedstate({ 'repl-diskless-sync-delay': '0' });
    running.push(master);
    const log = captureLog(master.server.log);
    const m = await client(master.port);
    await m.call('SET', 'k', 1);
    // A replica that announces a port where a scripted server answers the failover's PSYNC.
    const target = await FakeMaster.start();
    running.push({ port: target.port, dir: '', close: () => target.close() });
    const fr = await FakeReplica.connect(master.port);
    try {
      await fr.handshake({ port: target.port });
      fr.send('PSYNC', '?', '-1');
      expect(await fr.line()).toMatch(/^\+FULLRESYNC [0-9a-f]{40} \d+$/);
      await fr.payload();
      const { replid, offset } = await replOffsets(m);
      fr.ack(offset);
      await waitFor('the replica online', async () => (await info(m)).get('slave0')?.includes('state=online') === true);
      expect(await m.call('FAILOVER', 'TO', '127.0.0.1', target.port)).toBe('OK');
      const link = await target.accept();
      const psync = await link.handshake('-ERR PSYNC FAILOVER replid must match my replid.');
      expect(psync).toEqual(['PSYNC', replid, String(offset + 1), 'FAILOVER']);
      await waitFor('a master again', async () => (await info(m)).get('role') === 'master');
      expect(await failoverState(m)).toBe('no-failover');
      expect(await m.call('INCR', 'k')).toBe(2);
      expect(log).toContainEqual(expect.stringContaining(`FAILOVER to 127.0.0.1:${target.port} aborted: Failover target rejected psync request`));
    } finally {
      fr.destroy();
    }
  });

  it('a master turning replica answers the clients blocking commands hold with -UNBLOCKED and closes them, as redis-server does', async () => {
    const other = await startRedis();
    running.push(other);
    const outcome = async (port: number): Promise<unknown[]> => {
      const blocked = await client(port);
      const pending = blocked.call('BLPOP', 'list', 0);
      const c = await client(port);
      await waitFor('BLPOP blocked', async () => (await info(c, 'clients')).get('blocked_clients') === '1');
      expect(await c.call('REPLICAOF', '127.0.0.1', other.port)).toBe('OK');
      const reply = await pending;
      await blocked.waitClosed();
      return [reply instanceof Error ? reply.message : reply, (await info(c, 'clients')).get('blocked_clients')];
    };
    const redis = await startRedis();
    const ours = await startRedstate();
    running.push(redis, ours);
    const expected = await outcome(redis.port);
    expect(expected[0]).toBe('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
    expect(await outcome(ours.port)).toEqual(expected);
  });

  it('logs a FAILOVER on both sides line for line as redis-server does', async () => {
    const delay = { 'repl-diskless-sync-delay': '0' };
    const redisArgs = ['--repl-diskless-sync-delay', '0'];
    // The master's side: a redstate and a redis-server master, each with a redis-server replica.
    const ours = await startRedstate(delay);
    running.push(ours);
    const oursLog = captureLog(ours.server.log);
    const theirs = await startRedis(redisArgs);
    running.push(theirs);
    // The target's side: redis-server masters, one with a redstate replica, one with a redis-server replica.
    const [m1, m2] = [await startRedis(redisArgs), await startRedis(redisArgs)];
    running.push(m1, m2);
    const target = await startRedstate({ replicaof: ['127.0.0.1', String(m1.port)] });
    running.push(target);
    const targetLog = captureLog(target.server.log);
    const replicas = [await startRedis(['--replicaof', '127.0.0.1', String(ours.port)]), await startRedis(['--replicaof', '127.0.0.1', String(theirs.port)]),
      await startRedis(['--replicaof', '127.0.0.1', String(m2.port)])];
    running.push(...replicas);
    const pairs: Array<[number, number]> = [[ours.port, replicas[0]!.port], [theirs.port, replicas[1]!.port], [m1.port, target.port], [m2.port, replicas[2]!.port]];
    for (const [mp, rp] of pairs) {
      const [m, r] = [await client(mp), await client(rp)];
      await waitFor('the replica online', async () => (await info(m)).get('slave0')?.includes('state=online') === true);
      expect(await m.call('SET', 'k', 'v')).toBe('OK');
      await caughtUp(m, r);
      expect(await m.call('FAILOVER')).toBe('OK');
      await handedOver(m, r, rp);
    }
    const peers = (lines: string[]): string[] => logMessages(lines).map((x) => x.replace(/127\.0\.0\.1[: ]\d+/g, 'PEER'));
    // The old replica link's close races the PSYNC's reply, in redis-server too: its line is looked for apart.
    const lost = '# Connection with replica PEER lost.';
    const masterSide = (lines: string[]): string[] => logBetween(peers(lines), 'FAILOVER requested', 'Master accepted a Partial Resynchronization').filter((x) => x !== lost);
    const targetSide = (lines: string[]): string[] => logBetween(peers(lines), 'Failover request received', 'Partial resynchronization request from');
    const theirMaster = masterSide(theirs.output().split('\n'));
    expect(masterSide(oursLog)).toEqual(theirMaster);
    expect(theirMaster).toContain('# Master replication ID changed to REPLID');
    for (const lines of [oursLog, theirs.output().split('\n')]) expect(peers(lines)).toContain(lost);
    const theirTarget = targetSide(replicas[2]!.output().split('\n'));
    expect(targetSide(targetLog)).toEqual(theirTarget);
    expect(theirTarget).toContain('* MASTER MODE enabled (failover request)');
  });

  it('answers every misuse as redis-server does', async () => {
    const replies = async (port: number, replicaPort: number, masterPort: number): Promise<unknown[]> => {
      const c = await client(port);
      const rc = await client(replicaPort);
      const misuse = [
        ['FAILOVER', 'ABORT'], ['FAILOVER', 'TIMEOUT', 0], ['FAILOVER', 'TIMEOUT', -5], ['FAILOVER', 'TIMEOUT', 'x'],
        ['FAILOVER', 'TIMEOUT', 10, 'TIMEOUT', 10], ['FAILOVER', 'TO', '127.0.0.1'], ['FAILOVER', 'TO', '127.0.0.1', 'p'],
        ['FAILOVER', 'BOGUS'], ['FAILOVER', 'FORCE'], ['FAILOVER', 'FORCE', 'FORCE'], ['FAILOVER', 'TIMEOUT', 100, 'FORCE'],
        ['FAILOVER', 'TO', '127.0.0.1', 1, 'FORCE'], ['FAILOVER', 'TO', '127.0.0.1', 1], ['FAILOVER', 'TO', '10.1.2.3', replicaPort],
        ['FAILOVER', 'ABORT', 'x'],
      ];
      const out: unknown[] = [];
      for (const cmd of misuse) out.push(await c.call(...cmd));
      out.push(await rc.call('FAILOVER'));
      // The replica's PSYNC FAILOVER with an id that is not its own.
      out.push(await rc.call('PSYNC', '0'.repeat(40), 1, 'FAILOVER'));
      expect((await info(rc)).get('master_port')).toBe(String(masterPort));
      return out.map((x) => (x instanceof Error ? x.message : x));
    };
    const redis = await startRedis(['--repl-diskless-sync-delay', '0']);
    running.push(redis);
    const redisReplica = await startRedis(['--replicaof', '127.0.0.1', String(redis.port)]);
    running.push(redisReplica);
    const ours = await startRedstate({ 'repl-diskless-sync-delay': '0' });
    running.push(ours);
    const ourReplica = await startRedstate({ replicaof: ['127.0.0.1', String(ours.port)] });
    running.push(ourReplica);
    await caughtUp(await client(redis.port), await client(redisReplica.port));
    await caughtUp(await client(ours.port), await client(ourReplica.port));
    const expected = await replies(redis.port, redisReplica.port, redis.port);
    expect(await replies(ours.port, ourReplica.port, ours.port)).toEqual(expected);
    // And with no replica at all.
    const lone = [await startRedis(), await startRedstate()];
    running.push(...lone);
    const [a, b] = await Promise.all(lone.map(async (s) => (await client(s.port)).call('FAILOVER')));
    expect(b).toEqual(a);
    expect((a as Error).message).toBe('ERR FAILOVER requires connected replicas.');
  });
});

async function replOffsets(m: RespClient): Promise<{ replid: string; offset: number }> {
  const i = await info(m);
  return { replid: i.get('master_replid')!, offset: Number(i.get('master_repl_offset')) };
}
