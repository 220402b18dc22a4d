// The transfer of a disk-based full sync, master side: the replicas of one snapshot share
// one read of its file in a few pooled buffers, each at its own pace, so a replica that
// stops reading costs the master no more than the pieces it claimed.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_PIECE, bulkStats } from '../../src/actors/bulk-transfer.js';
import type { ReplicaClient } from '../../src/actors/replica-client.js';
import { caughtUp, digest, until } from '../helpers/replication.js';
import { StreamReplica } from '../helpers/replica-stream.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

/** rdb-key-save-delay that holds a snapshot running until the test releases it (1000 s per key). */
const HOLD = '1000000000';

let master: InProcess;
let cli: RespClient;

beforeAll(async () => {
  master = await startRedstate({ 'repl-diskless-sync': 'no' });
  cli = await RespClient.connect(master.port);
  // 8 MB that LZF cannot shrink: far more than the kernel's socket buffers hold for a replica that stops reading.
  for (let i = 0; i < 128; i++) await cli.call('SET', `big:${i}`, randomBytes(64 << 10).toString('latin1'));
  await cli.call('DEBUG', 'POPULATE', 5_000);
});
afterAll(async () => {
  cli.close();
  await master.close();
});

const replicaClients = (): ReplicaClient[] => [...master.server.replication.replicas];

/** Holds the next snapshot until `count` replicas wait for it, then lets it run: one snapshot, one transfer. */
async function oneSnapshotFor(count: number, attach: () => Promise<void>, beforeRelease = async (): Promise<void> => {}): Promise<void> {
  await cli.call('CONFIG', 'SET', 'rdb-key-save-delay', HOLD);
  await attach();
  await until(() => replicaClients().filter((r) => r.state === 'waitBgsaveEnd').length === count);
  await beforeRelease();
  await cli.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
}

describe('a disk-based full sync, master side', () => {
  it('three replicas of one snapshot share the reads of its file, in a few pooled buffers, and converge', async () => {
    const replicas: Proc[] = [];
    try {
      const before = { ...bulkStats };
      await oneSnapshotFor(3, async () => {
        for (let i = 0; i < 3; i++) replicas.push(await startRedis(['--replicaof', '127.0.0.1', String(master.port)]));
      }, async () => {
        // The stream the three hold meanwhile, which they all write once online.
        for (let i = 0; i < 100; i++) await cli.call('SET', `during:${i}`, String(i));
      });
      await cli.call('SET', 'after-the-snapshot', 'x');
      await Promise.all(replicas.map((r) => caughtUp(master.port, r.port)));
      const want = await digest(master.port);
      for (const r of replicas) expect(await digest(r.port)).toBe(want);
      const size = readFileSync(join(master.dir, 'dump.rdb')).length;
      // A piece is read once for the replicas at it then. One that falls more than its pieces in
      // flight behind the others (a busy host: 87 reads for 65 pieces once, under the whole
      // suite) reads again what they let go; two at least keep together, where a read per
      // replica would be 3 a piece. Into at most the pieces in flight for each.
      const pieces = Math.ceil(size / BULK_PIECE);
      expect(bulkStats.reads - before.reads).toBeGreaterThanOrEqual(pieces);
      expect(bulkStats.reads - before.reads).toBeLessThanOrEqual(2 * pieces);
      expect(bulkStats.buffers - before.buffers).toBeLessThanOrEqual(6);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
      await until(() => replicaClients().length === 0);
    }
  }, 60_000);

  it('a replica that stops reading holds two pieces on the master while the others sync; it gets the whole file once it reads again', async () => {
    const replicas: Proc[] = [];
    let stuck: StreamReplica | undefined;
    try {
      await oneSnapshotFor(3, async () => {
        stuck = await StreamReplica.start(master.port, { psync: ['?', -1] });
        for (let i = 0; i < 2; i++) replicas.push(await startRedis(['--replicaof', '127.0.0.1', String(master.port)]));
      }, async () => void stuck!.socket.pause());
      await Promise.all(replicas.map((r) => caughtUp(master.port, r.port)));
      const want = await digest(master.port);
      for (const r of replicas) expect(await digest(r.port)).toBe(want);
      const held = replicaClients().find((r) => r.state === 'sendBulk');
      expect(held).toBeDefined();
      // Its socket's queue: the pieces it claimed, not the rest of the file.
      expect(held!.outputBytes).toBeLessThanOrEqual(2 * BULK_PIECE);
      stuck!.socket.resume();
      const payload = await stuck!.payload;
      expect(payload.rdb.equals(readFileSync(join(master.dir, 'dump.rdb')))).toBe(true);
      await until(() => held!.state === 'online');
    } finally {
      stuck?.close();
      await Promise.all(replicas.map((r) => r.close()));
      await until(() => replicaClients().length === 0);
    }
  }, 60_000);
});
