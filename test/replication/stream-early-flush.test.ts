// When the stream of one event-loop turn reaches its replicas: at the turn's end, or, once a
// turn has fed 16 kB, at the end of the client input that passed it (the replica applies the
// first part of a long turn while the master runs the rest); under a steady flow of writes, at
// most once per 0.2 ms (a turn's stream then waits for a later turn, at the latest the first
// that feeds nothing). Either way the replica gets the stream whole and in order.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from '../../src/actors/client.js';
import { encodeCommand } from '../../src/io/resp-command.js';
import { FakeReplica } from '../helpers/fake-replica.js';
import { until } from '../helpers/replication.js';
import { startRedstate, type InProcess } from '../helpers/servers.js';

let srv: InProcess;
let replica: FakeReplica;

beforeAll(async () => {
  srv = await startRedstate();
  const repl = srv.server.replication;
  repl.createBacklogIfNeeded();
  replica = await FakeReplica.connect(srv.port);
  await replica.handshake();
  replica.send('PSYNC', repl.replid, String(repl.masterReplOffset + 1));
  expect(await replica.line()).toBe(`+CONTINUE ${repl.replid}`);
  while ([...repl.replicas].some((r) => r.state !== 'online')) await new Promise((r) => setTimeout(r, 5));
});
afterAll(async () => {
  replica.destroy();
  await srv.close();
});

/** n SETs of 45 bytes each, as one client's input chunk. */
function sets(prefix: string, n: number): Buffer {
  return Buffer.concat(Array.from({ length: n }, (_, i) => encodeCommand(['SET', `${prefix}:${String(i).padStart(10, '0')}`, 'xxx'])));
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('the stream of a turn', () => {
  it('leaves at the end of the input that passed 16 kB, the rest after the turn, whole and in order', async () => {
    const stats = srv.server.stats;
    const clients = [0, 1, 2].map(() => new Client(srv.server, null));
    const small = sets('a', 100);
    const large = sets('b', 300);
    const after = sets('c', 10);
    const sent0 = stats.netReplOutputBytes;
    // One turn: 4.5 kB, then 13.5 kB (past 16 kB), then 450 bytes.
    clients[0]!.onChunk(small);
    expect(stats.netReplOutputBytes).toBe(sent0);
    clients[1]!.onChunk(large);
    const early = stats.netReplOutputBytes - sent0;
    // SELECT 0 first, then the two inputs' SETs.
    expect(early).toBe('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n'.length + small.length + large.length);
    clients[2]!.onChunk(after);
    expect(stats.netReplOutputBytes - sent0).toBe(early);
    // At the turn's end, or, the early write being that recent, at the first turn that feeds nothing.
    await until(() => stats.netReplOutputBytes - sent0 === early + after.length, 1000);
    const got = await replica.streamed('c:0000000009');
    expect(got.endsWith(Buffer.concat([small, large, after]).toString('latin1'))).toBe(true);
  });

  it('leaves at the end of its turn after a quiet spell', async () => {
    const stats = srv.server.stats;
    const client = new Client(srv.server, null);
    await sleep(5);
    const sent0 = stats.netReplOutputBytes;
    const one = sets('d', 1);
    client.onChunk(one);
    expect(stats.netReplOutputBytes).toBe(sent0);
    await nextTurn();
    expect(stats.netReplOutputBytes - sent0).toBe(one.length);
    await replica.streamed('d:0000000000');
  });

  it('leaves at most once per 0.2 ms while turns of writes keep coming, and whole', async () => {
    const stats = srv.server.stats;
    const client = new Client(srv.server, null);
    const [r] = [...srv.server.replication.replicas];
    const sendStream = r!.sendStream;
    let writes = 0;
    r!.sendStream = (pieces, start) => {
      writes++;
      sendStream.call(r, pieces, start);
    };
    try {
      await sleep(5);
      const sent0 = stats.netReplOutputBytes;
      const turns = 400;
      const chunks = Array.from({ length: turns }, (_, i) => encodeCommand(['SET', `e:${String(i).padStart(10, '0')}`, 'xxx']));
      const started = performance.now();
      for (const chunk of chunks) {
        client.onChunk(chunk);
        await nextTurn();
      }
      const elapsed = performance.now() - started;
      const total = chunks.reduce((n, c) => n + c.length, 0);
      await until(() => stats.netReplOutputBytes - sent0 === total, 1000);
      // The first turn's stream leaves at once, then a write per 0.2 ms at most, and the held
      // rest after the last turn (unpaced, a write a turn: one per ~0.03 ms here).
      expect(writes).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 0.2));
      const got = await replica.streamed(`e:${String(turns - 1).padStart(10, '0')}`);
      expect(got.endsWith(Buffer.concat(chunks).toString('latin1'))).toBe(true);
    } finally {
      r!.sendStream = sendStream;
    }
  });

  it('held, leaves at the first turn that feeds nothing, with no timer to wait for', async () => {
    const stats = srv.server.stats;
    const client = new Client(srv.server, null);
    await sleep(5);
    // The clock stands still, so every turn comes within 0.2 ms of the last write, and no timer fires.
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'performance'] });
    try {
      const sent0 = stats.netReplOutputBytes;
      const [first, second] = [sets('f', 1), sets('g', 1)];
      client.onChunk(first);
      await nextTurn();
      client.onChunk(second);
      await nextTurn();
      await nextTurn();
      expect(stats.netReplOutputBytes - sent0).toBe(first.length + second.length);
    } finally {
      vi.useRealTimers();
    }
    await replica.streamed('g:0000000000');
  });
});
