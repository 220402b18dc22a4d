// A diskless transfer whose snapshot stream ends while its last pieces wait for the replica's
// socket to drain: the stream destroys itself once it ended, and the transfer took that for
// its own end, leaving the replica waiting for the rest for good (Redis's suite, "diskless
// loading short read", now and then). Here the master's side of the replica's socket is corked
// while the transfer writes, so that what it holds is exact, and the pause falls just there.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PIECE, SOCKET_HIGH_WATER } from '../../src/actors/snapshotter.js';
import { decodeRdb } from '../../src/io/rdb-decoder.js';
import { until } from '../helpers/replication.js';
import { StreamReplica } from '../helpers/replica-stream.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedstate, type InProcess } from '../helpers/servers.js';

let master: InProcess;

beforeAll(async () => {
  master = await startRedstate({ 'repl-diskless-sync-delay': '1', rdbcompression: 'no' });
});
afterAll(async () => {
  await master.close();
});

it('sends the last pieces of a diskless payload that wait for a drain after the snapshot ended', async () => {
  // The pieces below are counted for a pause at four pieces held.
  expect(SOCKET_HIGH_WATER).toBe(4 * PIECE);
  const cli = await RespClient.connect(master.port);
  // The snapshot's first chunk (the header and this key) is nine pieces, the last a partial one;
  // its second and last chunk holds the trailer.
  const value = randomBytes(8 * PIECE + PIECE / 2).toString('latin1');
  await cli.call('SET', 'big', value);
  cli.close();
  const replica = await StreamReplica.start(master.port, { psync: ['?', -1], eof: true, listeningPort: 7 });
  let socket: Socket | undefined;
  await until(() => {
    const r = [...master.server.replication.replicas].find((x) => x.client.replconf?.listeningPort === 7);
    socket = r?.state === 'waitBgsaveStart' ? r.client.stream?.socket : undefined;
    return socket !== undefined;
  });
  const s = socket!;
  s.cork();
  // Before the transfer's own listener: its first drain finds the socket corked again.
  let drains = 0;
  s.on('drain', () => {
    if (++drains === 1) s.cork();
  });
  // The header and four pieces: the transfer waits for a drain (the other chunk read meanwhile).
  await until(() => s.writableLength > SOCKET_HIGH_WATER);
  s.uncork();
  // After the drain, the other five pieces (the last past the high water mark): the last chunk
  // then finds the socket full, and the stream ends while the transfer waits.
  await until(() => drains === 1 && s.writableLength > SOCKET_HIGH_WATER);
  await new Promise((r) => setTimeout(r, 50));
  s.uncork();
  const payload = await Promise.race([
    replica.payload,
    new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`payload not in: the socket holds ${s.writableLength}`)), 5_000)),
  ]);
  expect(payload.eof).toBe(true);
  expect(decodeRdb(payload.rdb).dbs[0]!.dict.get('big')).toBe(value);
  replica.close();
});
