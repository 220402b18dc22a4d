// When the stream of one event-loop turn reaches its replicas: at the turn's end, or, once a
// turn has fed 16 kB, at the end of the client input that passed it (the replica applies the
// first part of a long turn while the master runs the rest). Either way the replica gets the
// stream whole and in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/actors/client.js';
import { encodeCommand } from '../../src/io/resp-command.js';
import { FakeReplica } from '../helpers/fake-replica.js';
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

describe('the stream of a turn', () => {
  it('leaves at the turn end while under 16 kB, at the end of the input that passed 16 kB, whole and in order', async () => {
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
    await nextTurn();
    expect(stats.netReplOutputBytes - sent0).toBe(early + after.length);
    const got = await replica.streamed('c:0000000009');
    expect(got.endsWith(Buffer.concat([small, large, after]).toString('latin1'))).toBe(true);
  });
});
