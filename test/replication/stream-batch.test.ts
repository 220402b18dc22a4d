// The master's feed as Redis 7.0's shared replication buffer does it: the stream of an
// event-loop turn is encoded once, and every replica's socket is written once per turn (and
// once more per 16 kB of a long turn) with the same Buffers, which are the backlog's bytes
// exactly.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplicaClient } from '../../src/actors/replica-client.js';
import { encodeCommand } from '../../src/io/resp-command.js';
import { StreamBatch } from '../../src/io/stream-batch.js';
import { waitFor } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedstate } from '../helpers/servers.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A replica asking for the stream from `offset`: the bytes it receives after the +CONTINUE line. */
async function rawReplica(port: number, replid: string, offset: number): Promise<{ bytes: () => Buffer; socket: Socket }> {
  const socket = await new Promise<Socket>((res) => {
    const s = connect({ port, host: '127.0.0.1' }, () => res(s));
  });
  const chunks: Buffer[] = [];
  socket.on('data', (b: Buffer) => chunks.push(b));
  socket.write(`PSYNC ${replid} ${offset}\r\n`);
  const all = () => Buffer.concat(chunks);
  await waitFor('+CONTINUE', () => all().includes('\r\n'));
  expect(all().subarray(0, all().indexOf('\r\n')).toString()).toBe('+CONTINUE');
  return { bytes: () => all().subarray(all().indexOf('\r\n') + 2), socket };
}

describe('the stream of a turn, encoded once and shared', () => {
  it('holds commands and chunks in order, a large one as a piece of its own, and says where the last one lies', () => {
    const b = new StreamBatch();
    const big = Buffer.alloc(70_000, 'b');
    const expected: Buffer[] = [];
    let misplaced = 0;
    const append = (what: string[] | Buffer) => {
      const bytes = Array.isArray(what) ? encodeCommand(what) : what;
      if (Array.isArray(what)) b.command(what);
      else b.bytes(what, false);
      if (!b.last.subarray(b.lastStart, b.lastEnd).equals(bytes)) misplaced++;
      expected.push(bytes);
    };
    append(['SET', 'a', '1']);
    append(big);
    append(['SET', 'v', 'x'.repeat(100_000)]);
    for (let i = 0; i < 2000; i++) append(['SET', `key:${i}`, 'y'.repeat(i % 50)]);
    expect(misplaced).toBe(0);
    const pending = b.pending;
    const pieces = b.take();
    expect(pieces).toContain(big);
    expect(pending).toBe(Buffer.concat(expected).length);
    expect(Buffer.concat(pieces).equals(Buffer.concat(expected))).toBe(true);
    expect(b.pending).toBe(0);
    expect(b.take()).toEqual([]);
  });

  it('copies a large chunk that is a view of a buffer read into again, and keeps an owned one as it is', () => {
    const b = new StreamBatch();
    const shared = Buffer.alloc(64 * 1024, 'a');
    const owned = Buffer.alloc(64 * 1024, 'o');
    b.bytes(shared, true);
    b.bytes(owned, false);
    shared.fill('z'); // the next read into the shared buffer
    const pieces = b.take();
    expect(pieces).toContain(owned);
    expect(Buffer.concat(pieces).equals(Buffer.concat([Buffer.alloc(64 * 1024, 'a'), owned]))).toBe(true);
  });

  it('writes each replica once per event-loop turn, or per 16 kB of it, under a pipelined burst, the same Buffers to all, the backlog byte for byte', async () => {
    const srv = await startRedstate({ 'repl-ping-replica-period': '3600' });
    cleanup.push(() => srv.close());
    const repl = srv.server.replication;
    repl.createBacklogIfNeeded();
    const from = repl.masterReplOffset + 1;
    const replicas: Array<{ bytes: () => Buffer; socket: Socket }> = [];
    for (let i = 0; i < 3; i++) {
      const r = await rawReplica(srv.port, repl.replid, from);
      cleanup.push(() => void r.socket.destroy());
      replicas.push(r);
    }
    await waitFor('3 replicas online', () => [...repl.replicas].filter((r) => r.state === 'online').length === 3);

    // The turn each write happens in: a counter moved once per event-loop turn, at the start of
    // its check phase. The turn's end (flushReplicas) is queued after the counter there, so a
    // count opens with the server turn's last write and goes on with the next turn's I/O.
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    tick();
    cleanup.push(() => void (ticking = false));
    const writes = new Map<ReplicaClient, Array<{ turn: number; batch: Buffer[] }>>();
    for (const r of repl.replicas) {
      const stream = r.client.stream!;
      const write = stream.write.bind(stream);
      writes.set(r, []);
      stream.write = (batch) => {
        writes.get(r)!.push({ turn, batch: [...batch] });
        return write(batch);
      };
    }

    const cli = await RespClient.connect(srv.port);
    cleanup.push(() => cli.close());
    const bursts = [];
    for (let b = 0; b < 10; b++) {
      bursts.push(cli.pipeline(Array.from({ length: 300 }, (_, i) => ['SET', `k${b}:${i}`, 'v'.repeat(i % 100)])));
    }
    await Promise.all(bursts);
    const fed = repl.masterReplOffset + 1 - from;
    await waitFor('every replica has the whole stream', () => replicas.every((r) => r.bytes().length >= fed));

    const backlog = Buffer.concat(repl.backlog!.read(from));
    expect(backlog.length).toBe(fed);
    for (const r of replicas) expect(r.bytes().equals(backlog)).toBe(true);
    const [first, ...others] = [...writes.values()];
    const size = (batch: Buffer[]) => batch.reduce((n, b) => n + b.length, 0);
    for (const w of writes.values()) {
      // Within a count, every write but its first one (a turn's end) carries 16 kB or more.
      const early = w.filter((x, i) => i > 0 && w[i - 1]!.turn === x.turn);
      for (const x of early) expect(size(x.batch)).toBeGreaterThanOrEqual(16 * 1024);
      expect(w.length).toBeLessThan(3000 / 10);
    }
    // One copy of the stream: the other replicas were given the very Buffers the first one was.
    for (const w of others) {
      expect(w.map((x) => x.turn)).toEqual(first!.map((x) => x.turn));
      w.forEach((x, i) => x.batch.forEach((b, j) => expect(b).toBe(first![i]!.batch[j])));
    }
  });
});
