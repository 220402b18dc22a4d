// A redstate master's duties towards real redis-server 7.0 replicas: sharing one snapshot,
// WAIT, min-replicas-to-write, repl-timeout, output limits; redis-cli --replica (old SYNC).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicaClient } from '../../src/actors/replica-client.js';
import { caughtUp, digest, info, until } from '../helpers/replication.js';
import { StreamReplica } from '../helpers/replica-stream.js';
import { RespClient, RespError } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

let master: InProcess;
let cli: RespClient;
const logged: string[] = [];
const replicas: Proc[] = [];
/** The replica kept attached after the first test. */
let kept: Proc;

beforeAll(async () => {
  master = await startRedstate({ 'repl-diskless-sync-delay': '0' });
  master.server.log.level = 'notice';
  master.server.log.raw = (text) => void logged.push(text);
  cli = await RespClient.connect(master.port);
  await cli.call('DEBUG', 'POPULATE', 20_000);
});
afterAll(async () => {
  cli.close();
  await Promise.all(replicas.map((r) => r.close()));
  await master.close();
});

async function replicaOf(...args: string[]): Promise<Proc> {
  const r = await startRedis(['--replicaof', '127.0.0.1', String(master.port), ...args]);
  replicas.push(r);
  return r;
}

async function stats(): Promise<Map<string, string>> {
  return info(master.port, 'stats');
}

/** The attached replica that announced listening-port port (a StreamReplica's stand-in for one). */
function replicaAt(port: number): ReplicaClient | undefined {
  return [...master.server.replication.replicas].find((x) => x.client.replconf?.listeningPort === port);
}

/**
 * What a transfer held for the replicas on these ports is waiting on, for a failure's message:
 * each one's state, what its socket holds, whether a drain is due and who listens for it.
 */
function transferState(...ports: number[]): string {
  const each = ports.map((port) => {
    const r = replicaAt(port);
    const socket = r?.client.stream?.socket;
    return `${port}: ${r?.state} omem=${r?.outputBytes} socket=${socket?.writableLength} needDrain=${socket?.writableNeedDrain} ` +
      `drainListeners=${socket?.listenerCount('drain')}`;
  });
  return `snapshot ${JSON.stringify(master.server.replication.snapshotter.actor?.getSnapshot().value)}; ${each.join('; ')}`;
}

/**
 * body, with 8 MB that LZF cannot shrink in the dataset (more than the kernel's socket buffers
 * hold for a replica that stops reading) and diskless transfers that start once two replicas
 * wait (however slow the second is to arrive), with settings added; then the settings back
 * and the keys (bulky and those named) gone, whatever happened.
 */
async function withSharedTransfer(settings: string[], body: () => Promise<void>, keys: string[] = []): Promise<void> {
  await cli.call('SET', 'bulky', randomBytes(8 << 20).toString('latin1'));
  await cli.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '60', 'repl-diskless-sync-max-replicas', '2', ...settings);
  try {
    await body();
  } finally {
    await cli.call('CONFIG', 'SET', 'repl-timeout', '60', 'repl-diskless-sync-delay', '0', 'repl-diskless-sync-max-replicas', '0',
      'client-output-buffer-limit', 'replica 256mb 64mb 60');
    await cli.call('DEL', 'bulky', ...keys);
  }
}

describe('a redstate master serving real replicas', () => {
  it('five replicas arriving together share one diskless snapshot and all converge', async () => {
    await cli.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '2');
    const before = await stats();
    const five = await Promise.all([1, 2, 3, 4, 5].map(() => replicaOf()));
    await cli.call('SET', 'after-attach', 'x');
    await Promise.all(five.map((r) => caughtUp(master.port, r.port)));
    const after = await stats();
    const syncs = Number(after.get('sync_full')) - Number(before.get('sync_full'));
    const snapshots = Number(after.get('total_forks')) - Number(before.get('total_forks'));
    expect(syncs).toBe(5);
    expect(snapshots).toBeLessThan(syncs);
    const want = await digest(master.port);
    for (const r of five) expect(await digest(r.port)).toBe(want);
    expect(logged.join('')).toContain('Delay next BGSAVE for diskless SYNC');
    await cli.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0');
    kept = five[0]!;
    await Promise.all(five.slice(1).map((r) => r.close()));
    await until(async () => (await info(master.port)).get('connected_slaves') === '1');
  }, 60_000);

  it('repl-diskless-sync-max-replicas starts the diskless snapshot once that many came, long before the delay', async () => {
    await cli.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '3600', 'repl-diskless-sync-max-replicas', '2');
    try {
      const before = await stats();
      const two = await Promise.all([replicaOf(), replicaOf()]);
      await cli.call('SET', 'after-max', 'x');
      await Promise.all(two.map((r) => caughtUp(master.port, r.port, 20_000)));
      const after = await stats();
      expect(Number(after.get('sync_full')) - Number(before.get('sync_full'))).toBe(2);
      expect(Number(after.get('total_forks')) - Number(before.get('total_forks'))).toBe(1);
      const want = await digest(master.port);
      for (const r of two) expect(await digest(r.port)).toBe(want);
      await Promise.all(two.map((r) => r.close()));
    } finally {
      await cli.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0', 'repl-diskless-sync-max-replicas', '0');
    }
    await until(async () => (await info(master.port)).get('connected_slaves') === '1');
  }, 60_000);

  it('WAIT, min-replicas-to-write and repl-timeout follow a replica that stops and comes back', async () => {
    const r = kept;
    await cli.call('SET', 'w', '1');
    expect(await cli.call('WAIT', '1', '5000')).toBe(1);
    await cli.call('CONFIG', 'SET', 'min-replicas-to-write', '1', 'min-replicas-max-lag', '1');
    expect(await cli.call('SET', 'allowed', '1')).toBe('OK');
    expect((await info(master.port)).get('min_slaves_good_slaves')).toBe('1');
    process.kill(r.proc.pid!, 'SIGSTOP');
    try {
      expect(await cli.call('SET', 'w', '2')).toBe('OK');
      expect(await cli.call('WAIT', '1', '300')).toBe(0);
      await until(async () => (await cli.call('SET', 'w', '3')) instanceof RespError, 10_000);
      expect((await cli.call('SET', 'w', '4') as RespError).message).toBe('NOREPLICAS Not enough good replicas to write.');
      await cli.call('CONFIG', 'SET', 'repl-timeout', '2');
      await until(async () => (await info(master.port)).get('connected_slaves') === '0', 10_000);
      expect(logged.join('')).toMatch(/Disconnecting timedout replica \(streaming sync\): 127\.0\.0\.1:\d+/);
      process.kill(r.proc.pid!, 'SIGCONT');
      await until(async () => (await cli.call('SET', 'w', '5')) === 'OK', 20_000);
    } finally {
      process.kill(r.proc.pid!, 'SIGCONT');
      await cli.call('CONFIG', 'SET', 'min-replicas-to-write', '0', 'repl-timeout', '60');
    }
    await caughtUp(master.port, r.port);
    expect(await digest(r.port)).toBe(await digest(master.port));
    const role = (await cli.call('ROLE')) as [string, number, string[][]];
    expect(role[0]).toBe('master');
    expect(role[1]).toBeGreaterThan(0);
    expect(role[1]).toBeLessThanOrEqual(master.server.replication.masterReplOffset);
    expect(role[2]).toEqual([['127.0.0.1', String(r.port), expect.stringMatching(/^\d+$/)]]);
  }, 60_000);

  it('drops a replica that stops reading once it passes its output limit; the others get everything', async () => {
    await cli.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 2mb 1mb 1');
    const base = (await info(master.port)).get('connected_slaves');
    const stuck = await StreamReplica.start(master.port, { psync: ['?', -1], eof: true });
    await until(async () => (await info(master.port)).get('connected_slaves') !== base);
    stuck.socket.pause();
    const chunk = 'o'.repeat(256 * 1024);
    for (let i = 0; i < 40 && !stuck.closed; i++) {
      await cli.call('SET', `big${i}`, chunk);
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(async () => (await info(master.port)).get('connected_slaves') === base);
    expect(logged.join('')).toMatch(/Client id=\d+ addr=\S+ .*flags=S.* scheduled to be closed ASAP for overcoming of output buffer limits\./);
    stuck.close();
    await cli.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 256mb 64mb 60');
    await caughtUp(master.port, kept.port);
    expect(await digest(kept.port)).toBe(await digest(master.port));
  }, 60_000);

  it('drops a replica that stays past its soft output limit for its seconds (no hard limit)', async () => {
    await cli.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 0 256kb 1');
    const base = (await info(master.port)).get('connected_slaves');
    const stuck = await StreamReplica.start(master.port, { psync: ['?', -1], eof: true });
    await until(async () => (await info(master.port)).get('connected_slaves') !== base);
    stuck.socket.pause();
    const chunk = 'o'.repeat(256 * 1024);
    const before = logged.length;
    // (A paused socket hears no close: the master's own count says when it was dropped.)
    const attached = (): number => master.server.replication.replicas.size;
    const n = attached();
    for (let i = 0; i < 200 && attached() === n; i++) {
      await cli.call('SET', `soft${i}`, chunk);
      await new Promise((r) => setTimeout(r, 50));
    }
    await until(async () => (await info(master.port)).get('connected_slaves') === base);
    expect(logged.slice(before).join('')).toMatch(/flags=S.* scheduled to be closed ASAP for overcoming of output buffer limits\./);
    stuck.close();
    await cli.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 256mb 64mb 60');
    await caughtUp(master.port, kept.port);
    await cli.call('DEL', ...Array.from({ length: 200 }, (_, i) => `soft${i}`));
  }, 60_000);

  it('a replica that stops reading during a shared diskless transfer slows only itself: dropped at its limit, the other syncs', async () => {
    await withSharedTransfer(['client-output-buffer-limit', 'replica 1mb 0 0'], async () => {
      const before = await stats();
      const stuck = await StreamReplica.start(master.port, { psync: ['?', -1], eof: true });
      await until(() => [...master.server.replication.replicas].some((r) => r.state === 'waitBgsaveStart'));
      stuck.socket.pause();
      const r = await replicaOf();
      // Short of the test's own timeout, so that a failure says where the replicas stood.
      await caughtUp(master.port, r.port, 40_000).catch((e: Error) => {
        throw new Error(`${e.message}; on the master: ${[...master.server.replication.replicas].map((x) => `${x.state} omem=${x.outputBytes}`).join(', ')}`);
      });
      expect(await digest(r.port)).toBe(await digest(master.port));
      await until(() => replicaAt(1) === undefined);
      const after = await stats();
      expect(Number(after.get('total_forks')) - Number(before.get('total_forks'))).toBe(1);
      expect(logged.join('')).toMatch(new RegExp(`addr=127\\.0\\.0\\.1:${stuck.socket.localPort} .*flags=S.* scheduled to be closed ASAP for overcoming of output buffer limits\\.`));
      stuck.close();
      await r.close();
    });
  }, 60_000);

  it('a shared diskless transfer paused for two replicas that both stopped reading goes on when either drains', async () => {
    // Neither reads a byte of the payload: their kernel buffers fill alike, and the transfer
    // pauses with the stopped one first in line as the one least behind. Waiting for that one's
    // drain alone held the other until repl-timeout.
    await withSharedTransfer(['client-output-buffer-limit', 'replica 0 0 0'], async () => {
      const stopped = await StreamReplica.start(master.port, { psync: ['?', -1], eof: true, listeningPort: 3, pauseAfterPsync: true });
      await until(() => replicaAt(3)?.state === 'waitBgsaveStart');
      const late = await StreamReplica.start(master.port, { psync: ['?', -1], eof: true, listeningPort: 4, pauseAfterPsync: true });
      await until(() => replicaAt(4)?.state === 'waitBgsaveEnd');
      // Both hold what their sockets would not take: the transfer has paused.
      await until(() => replicaAt(3)!.outputBytes > 0 && replicaAt(4)!.outputBytes > 0);
      late.socket.resume();
      const payload = await Promise.race([
        late.payload,
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`payload not in: ${transferState(3, 4)}`)), 20_000)),
      ]);
      expect(payload.eof).toBe(true);
      expect(payload.rdb.length).toBeGreaterThan(8 << 20);
      expect(replicaAt(3)!.state).toBe('waitBgsaveEnd');
      stopped.close();
      late.close();
    });
  }, 60_000);

  it('a replica that stops reading during a shared diskless transfer is dropped after repl-timeout (full sync); a later one gets a fresh snapshot', async () => {
    await withSharedTransfer([], async () => {
      const before = await stats();
      const stuck = await StreamReplica.start(master.port, { psync: ['?', -1], eof: true, listeningPort: 2 });
      await until(() => replicaAt(2)?.state === 'waitBgsaveStart');
      stuck.socket.pause();
      const r = await replicaOf();
      await caughtUp(master.port, r.port, 40_000);
      expect(await digest(r.port)).toBe(await digest(master.port));
      // The transfer went at the healthy one's pace; the stuck one still holds its payload.
      const rc = replicaAt(2)!;
      expect(rc.state).toBe('waitBgsaveEnd');
      expect(rc.stalledSince).toBeGreaterThan(0);
      expect(logged.join('')).not.toContain('Disconnecting timedout replica (full sync)');
      // repl-timeout below how long it has taken nothing, above the real replicas' ACK period.
      await until(() => Date.now() - rc.stalledSince > 4000, 20_000);
      await cli.call('CONFIG', 'SET', 'repl-timeout', '3');
      await until(() => replicaAt(2) === undefined, 10_000);
      await cli.call('CONFIG', 'SET', 'repl-timeout', '60');
      expect(logged.join('')).toContain('Disconnecting timedout replica (full sync): 127.0.0.1:2');
      // Reading again, it sees the master's close after what was sent.
      stuck.socket.resume();
      await until(() => stuck.closed, 20_000);
      await cli.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0');
      await cli.call('SET', 'after-stall', 'x');
      const late = await replicaOf();
      await caughtUp(master.port, late.port, 40_000);
      expect(await digest(late.port)).toBe(await digest(master.port));
      const after = await stats();
      expect(Number(after.get('sync_full')) - Number(before.get('sync_full'))).toBe(3);
      expect(Number(after.get('total_forks')) - Number(before.get('total_forks'))).toBe(2);
      stuck.close();
      await Promise.all([r.close(), late.close()]);
    }, ['after-stall']);
  }, 90_000);

  it('redis-cli --replica gets the payload, then the command stream (old SYNC)', async () => {
    // stdbuf: redis-cli's stdout is a pipe here, which stdio would buffer until exit.
    const proc = spawn('stdbuf', ['-oL', 'redis-cli', '-p', String(master.port), '--replica'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    proc.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
    try {
      await until(() => out.includes('SYNC done'), 20_000, () => out);
      await cli.call('SET', 'seen-by-cli', 'yes');
      await cli.call('SADD', 'cli-set', 'a b');
      await until(() => out.includes('"SADD","cli-set","a b"'), 10_000, () => out);
      expect(out).toContain('SYNC with master, discarding bytes of bulk transfer until EOF marker...');
      expect(out).toContain('"SET","seen-by-cli","yes"');
    } finally {
      proc.kill();
    }
  }, 30_000);
});
