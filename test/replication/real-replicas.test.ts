// A redstate master with real redis-server 7.0 replicas (`--replicaof`): full sync disk-based
// and diskless of a dataset of every type, then writes of every family streamed; DEBUG
// DIGEST must agree. Then several replicas sharing snapshots, resync after a cut link, and the
// master's log of a diskless sync and a partial resync beside a redis-server master's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEveryType } from '../helpers/dataset.js';
import { captureLog, caughtUp, digest, info, logBetween, logMessages, until } from '../helpers/replication.js';
import { StreamReplica } from '../helpers/replica-stream.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, startRedstateProcess, type InProcess, type Proc } from '../helpers/servers.js';

let master: InProcess;
let cli: RespClient;
const replicas: Proc[] = [];

beforeAll(async () => {
  master = await startRedstate({ 'repl-diskless-sync-delay': '0', 'repl-backlog-size': '8mb' });
  cli = await RespClient.connect(master.port);
});
afterAll(async () => {
  cli.close();
  await Promise.all(replicas.map((r) => r.close()));
  await master.close();
});

async function replicaOf(port: number, ...args: string[]): Promise<Proc> {
  const r = await startRedis(['--replicaof', '127.0.0.1', String(port), ...args]);
  replicas.push(r);
  return r;
}

async function ok(...args: Array<string | number>): Promise<void> {
  const r = await cli.call(...args);
  if (r instanceof Error) throw new Error(`${args.slice(0, 3).join(' ')}: ${r.message}`);
}

/** Writes of every command family, expiries, SPOP, INCRBYFLOAT, MULTI/EXEC and a 1 MB value. */
async function writeEveryFamily(round: number): Promise<void> {
  const p = `w${round}:`;
  const script: Array<Array<string | number>> = [
    ['SELECT', 0],
    ['SET', `${p}s`, 'v', 'EX', 1000], ['SETEX', `${p}sx`, 1000, 'v'], ['PSETEX', `${p}px`, 1_000_000, 'v'],
    ['APPEND', `${p}s`, 'more'], ['INCR', `${p}n`], ['INCRBY', `${p}n`, 41], ['DECR', `${p}n`],
    ['INCRBYFLOAT', `${p}f`, '3.14159'], ['INCRBYFLOAT', `${p}f`, '1e-3'], ['SETRANGE', `${p}r`, 5, 'xyz'],
    ['MSET', `${p}m1`, 1, `${p}m2`, 2], ['GETEX', `${p}m1`, 'PX', 500_000], ['GETDEL', `${p}m2`], ['GETSET', `${p}m3`, 'g'],
    ['EXPIRE', `${p}n`, 2000], ['PEXPIRE', `${p}f`, 3_000_000, 'NX'], ['EXPIREAT', `${p}r`, Math.floor(Date.now() / 1000) + 5000],
    ['PERSIST', `${p}sx`], ['EXPIRE', `${p}m3`, -1],
    ['SET', `${p}gone`, 'v', 'PX', 1],
    ['RPUSH', `${p}l`, 'a', 'b', 'c', 'd', 'e'], ['LPUSH', `${p}l`, 'z'], ['LPOP', `${p}l`], ['RPOP', `${p}l`, 2],
    ['LSET', `${p}l`, 0, 'A'], ['LINSERT', `${p}l`, 'BEFORE', 'b', 'ab'], ['LREM', `${p}l`, 1, 'c'],
    ['LMOVE', `${p}l`, `${p}l2`, 'LEFT', 'RIGHT'], ['RPOPLPUSH', `${p}l`, `${p}l2`], ['LTRIM', `${p}l2`, 0, 10],
    ['HSET', `${p}h`, 'a', 1, 'b', 2, 'c', 3], ['HDEL', `${p}h`, 'b'], ['HINCRBY', `${p}h`, 'a', 5],
    ['HINCRBYFLOAT', `${p}h`, 'c', '0.5'], ['HSETNX', `${p}h`, 'd', 4],
    ['SADD', `${p}st`, ...Array.from({ length: 200 }, (_, i) => `m${i}`)], ['SREM', `${p}st`, 'm1'],
    ['SPOP', `${p}st`], ['SPOP', `${p}st`, 20], ['SPOP', `${p}st`, 170], ['SMOVE', `${p}st`, `${p}st2`, 'm199'],
    ['SADD', `${p}sa`, 1, 2, 3], ['SADD', `${p}sb`, 2, 3, 4], ['SINTERSTORE', `${p}si`, `${p}sa`, `${p}sb`],
    ['SUNIONSTORE', `${p}su`, `${p}sa`, `${p}sb`], ['SDIFFSTORE', `${p}sd`, `${p}sa`, `${p}sb`],
    ['ZADD', `${p}z`, 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e'], ['ZINCRBY', `${p}z`, 2.5, 'a'], ['ZREM', `${p}z`, 'b'],
    ['ZPOPMIN', `${p}z`], ['ZMPOP', 1, `${p}z`, 'MAX', 'COUNT', 2], ['ZADD', `${p}z2`, 1, 'x', 2, 'y'],
    ['ZUNIONSTORE', `${p}zu`, 2, `${p}z`, `${p}z2`], ['ZRANGESTORE', `${p}zr`, `${p}zu`, 0, -1],
    ['ZREMRANGEBYSCORE', `${p}zu`, '-inf', 1.5],
    ['MULTI'], ['INCR', `${p}tx`], ['SADD', `${p}txs`, 'a'], ['GET', `${p}tx`], ['EXEC'],
    ['SET', `${p}big`, 'B'.repeat(1 << 20)],
    ['SELECT', 3], ['SET', `${p}in3`, 'x'], ['RENAME', `${p}in3`, `${p}in3b`], ['COPY', `${p}in3b`, `${p}in3c`],
    ['MOVE', `${p}in3c`, 4], ['DEL', `${p}in3b`, 'nosuchkey'], ['UNLINK', 'nosuchkey'],
    ['SELECT', 0],
  ];
  for (const r of await cli.pipeline(script)) {
    if (r instanceof Error) throw r;
  }
  await new Promise((r) => setTimeout(r, 5));
  await ok('GET', `${p}gone`);
}

describe('real redis-server 7.0 replicas of a redstate master', () => {
  it('full sync, disk-based then diskless, of a dataset of every type, then streamed writes: digests equal', async () => {
    await ok('DEBUG', 'POPULATE', 100_000, 'key', 10);
    await writeEveryType(cli);
    await ok('SET', 'huge', 'h'.repeat(3 << 20));
    await ok('CONFIG', 'SET', 'repl-diskless-sync', 'no');
    const disk = await replicaOf(master.port);
    await caughtUp(master.port, disk.port);
    expect(disk.output()).toMatch(/MASTER <-> REPLICA sync: receiving \d+ bytes from master to disk/);
    await ok('CONFIG', 'SET', 'repl-diskless-sync', 'yes');
    const diskless = await replicaOf(master.port);
    await caughtUp(master.port, diskless.port);
    expect(diskless.output()).toContain('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
    const want = await digest(master.port);
    expect(await digest(disk.port)).toBe(want);
    expect(await digest(diskless.port)).toBe(want);
    await writeEveryFamily(1);
    await caughtUp(master.port, disk.port);
    await caughtUp(master.port, diskless.port);
    const after = await digest(master.port);
    expect(after).not.toBe(want);
    expect(await digest(disk.port)).toBe(after);
    expect(await digest(diskless.port)).toBe(after);
    const m = await info(master.port);
    expect(m.get('connected_slaves')).toBe('2');
    expect(m.get('slave0')).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${disk.port},state=online,offset=\\d+,lag=\\d+$`));
  }, 120_000);

  it('a replica arriving while a disk snapshot for another runs shares it, stream buffered so far included', async () => {
    await ok('CONFIG', 'SET', 'repl-diskless-sync', 'no');
    // The snapshot is held (a second per key) until the second replica has joined it: on a
    // busy machine it could otherwise end first, and the second replica get one of its own.
    await ok('CONFIG', 'SET', 'rdb-key-save-delay', '1000000');
    const forks = Number((await info(master.port, 'stats')).get('total_forks'));
    const waiting = (): number => [...master.server.replication.replicas].filter((r) => r.state === 'waitBgsaveEnd').length;
    const first = await StreamReplica.start(master.port, { psync: ['?', -1] });
    await until(() => waiting() === 1);
    await ok('SET', 'during-snapshot', '1');
    const second = await StreamReplica.start(master.port, { psync: ['?', -1] });
    await until(() => waiting() === 2);
    await ok('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    const [a, b] = await Promise.all([first.payload, second.payload]);
    await ok('SET', 'after-both', '1');
    const seen = (cmds: string[][]): boolean => cmds.some((c) => c[1] === 'after-both');
    await Promise.all([first.waitFor(seen), second.waitFor(seen)]);
    expect(b.reply).toBe(a.reply);
    expect(b.rdb.equals(a.rdb)).toBe(true);
    expect(second.commands).toEqual(first.commands);
    expect(first.commands).toContainEqual(['SET', 'during-snapshot', '1']);
    expect(Number((await info(master.port, 'stats')).get('total_forks'))).toBe(forks + 1);
    first.close();
    second.close();
    await ok('CONFIG', 'SET', 'repl-diskless-sync', 'yes');
  }, 60_000);

  it('a replica arriving during a BGSAVE it cannot share waits for the next snapshot', async () => {
    // The last test's snapshot went to its replicas once written; its file may still be syncing.
    await until(async () => (await info(master.port, 'persistence')).get('rdb_bgsave_in_progress') === '0');
    await ok('CONFIG', 'SET', 'repl-diskless-sync', 'no');
    const forks = Number((await info(master.port, 'stats')).get('total_forks'));
    await ok('BGSAVE');
    const r = await StreamReplica.start(master.port, { psync: ['?', -1] });
    await until(() => [...master.server.replication.replicas].some((x) => x.state === 'waitBgsaveStart'));
    const payload = await r.payload;
    expect(payload.reply).toMatch(/^FULLRESYNC /);
    expect(Number((await info(master.port, 'stats')).get('total_forks'))).toBe(forks + 2);
    r.close();
    await ok('CONFIG', 'SET', 'repl-diskless-sync', 'yes');
  }, 60_000);

  it('a cut link comes back by partial resync; a backlog too small for the gap makes a full sync', async () => {
    const r = replicas[0]!;
    const before = await info(master.port, 'stats');
    await ok('CLIENT', 'KILL', 'TYPE', 'replica');
    await writeEveryFamily(2);
    const partialOk = Number(before.get('sync_partial_ok')) + 2;
    await until(async () => Number((await info(master.port, 'stats')).get('sync_partial_ok')) >= partialOk);
    await caughtUp(master.port, r.port);
    const mid = await info(master.port, 'stats');
    expect(mid.get('sync_full')).toBe(before.get('sync_full'));
    expect(await digest(r.port)).toBe(await digest(master.port));

    await ok('CONFIG', 'SET', 'repl-backlog-size', '16kb');
    const rc = await RespClient.connect(r.port);
    await rc.call('DEBUG', 'SLEEP', '0');
    // Pause the replica's link while more than the backlog holds is written.
    process.kill(r.proc.pid!, 'SIGSTOP');
    try {
      await ok('CLIENT', 'KILL', 'TYPE', 'replica');
      for (let i = 0; i < 20; i++) await ok('SET', `gap${i}`, 'g'.repeat(4096));
    } finally {
      process.kill(r.proc.pid!, 'SIGCONT');
    }
    rc.close();
    const fullSyncs = Number(mid.get('sync_full'));
    await until(async () => Number((await info(master.port, 'stats')).get('sync_full')) > fullSyncs);
    await caughtUp(master.port, r.port);
    await caughtUp(master.port, replicas[1]!.port);
    const end = await info(master.port, 'stats');
    expect(Number(end.get('sync_full'))).toBeGreaterThan(Number(mid.get('sync_full')));
    expect(Number(end.get('sync_partial_err'))).toBeGreaterThan(Number(mid.get('sync_partial_err')));
    const want = await digest(master.port);
    expect(await digest(r.port)).toBe(want);
    expect(await digest(replicas[1]!.port)).toBe(want);
    await ok('CONFIG', 'SET', 'repl-backlog-size', '8mb');
  }, 120_000);

  it('ends a diskless transfer its last replica left, with the lines a redis-server master logs for it', async () => {
    // A transfer held running: 20,000 keys at 100 µs each.
    const args = ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', '--rdb-key-save-delay', '100'];
    const ours = await startRedstateProcess(args);
    const theirs = await startRedis(args);
    replicas.push(ours, theirs);
    for (const m of [ours, theirs]) {
      const mc = await RespClient.connect(m.port);
      await mc.call('DEBUG', 'POPULATE', '20000');
      const r = await startRedis(['--replicaof', '127.0.0.1', String(m.port)]);
      await until(async () => (await info(m.port, 'persistence')).get('rdb_bgsave_in_progress') === '1');
      r.proc.kill('SIGKILL');
      await r.close();
      await until(async () => (await info(m.port, 'persistence')).get('rdb_bgsave_in_progress') === '0');
      mc.close();
    }
    const lines = (p: Proc): string[] => logMessages(p.output().split('\n')).filter((x) => /Diskless rdb transfer|Background transfer/.test(x));
    expect(lines(ours)).toEqual(lines(theirs));
    expect(lines(ours)).toEqual(['# Diskless rdb transfer, last replica dropped, killing fork child.', '# Background transfer terminated by signal 10']);
  }, 60_000);

  it('logs a diskless full sync and a partial resync line for line as a redis-server master does (bar its fork)', async () => {
    const directives = { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': '0' };
    const ours = await startRedstate(directives);
    const log = captureLog(ours.server.log);
    const theirs = await startRedis(Object.entries(directives).flatMap(([k, v]) => [`--${k}`, v]));
    replicas.push(theirs);
    try {
      for (const m of [ours, theirs]) {
        const r = await replicaOf(m.port);
        // Online on the master too: redis-server tells its fork's end at a later cron tick than the replica's load.
        await until(async () => (await info(m.port)).get('slave0')?.includes('state=online') === true);
        const rc = await RespClient.connect(r.port);
        expect(await rc.call('CLIENT', 'KILL', 'TYPE', 'master')).toBe(1);
        rc.close();
        await until(async () => Number((await info(m.port, 'stats')).get('sync_partial_ok')) === 1);
      }
      // From the first request to the partial resync, without time stamps, ports and replids;
      // the lines of a fork (its pid, its copy-on-write) have no counterpart here.
      const fork = /^\* Fork CoW/;
      const story = (lines: string[]): string[] => {
        const msgs = logMessages(lines).map((x) => x.replace(/127\.0\.0\.1:\d+/g, 'REPLICA').replace(/ by pid \d+$/, '')).filter((x) => !fork.test(x));
        return logBetween(msgs, 'asks for synchronization', 'Partial resynchronization request');
      };
      const want = story(theirs.output().split('\n'));
      expect(story(log)).toEqual(want);
      expect(want).toContain('* Background RDB transfer terminated with success');
    } finally {
      await ours.close();
    }
  });
});
