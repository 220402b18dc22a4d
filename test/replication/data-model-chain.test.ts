// A real redis-server 7.0 master holding every type (streams with consumer groups and pending
// entries, HLLs in both encodings, bitmaps, geo sets) replicated to a redstate replica and on
// to a redis-server replica of that one: the full sync and then the stream of the data-model
// writes, with an XREADGROUP BLOCK served on the master (its XCLAIMs arrive in MULTI/EXEC) and
// an XREAD BLOCK on the redstate replica served by the master's XADD. DEBUG DIGEST is equal at
// every hop, and so are the groups, PELs and delivery counts (XINFO STREAM FULL: the redstate
// replica's exactly the redis-server replica's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataModelWrites, digest, withoutSeenTimes, writeEveryType } from '../helpers/dataset.js';
import { caughtUp, waitFor } from '../helpers/replication.js';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

let master: Proc;
let mid: InProcess;
let tail: Proc;
const clients: RespClient[] = [];

async function client(port: number): Promise<RespClient> {
  const c = await RespClient.connect(port);
  clients.push(c);
  return c;
}

/** Whether n clients are blocked on the server c talks to. */
async function blocked(c: RespClient, n: number): Promise<boolean> {
  return new RegExp(`blocked_clients:${n}\\r`).test(String(await c.call('INFO', 'clients')));
}

/** XINFO STREAM FULL with the groups' entries-read and lag masked. */
function withoutEntriesRead(x: unknown): unknown {
  if (!Array.isArray(x)) return x;
  return x.map((v, i) => (x[i - 1] === 'entries-read' || x[i - 1] === 'lag' ? 'E' : withoutEntriesRead(v)));
}

beforeAll(async () => {
  master = await startRedis(['--repl-diskless-sync-delay', '0']);
  await writeEveryType(await client(master.port));
  mid = await startRedstate({ 'repl-diskless-sync-delay': '0', replicaof: ['127.0.0.1', String(master.port)] });
  tail = await startRedis(['--repl-diskless-sync-delay', '0', '--replicaof', '127.0.0.1', String(mid.port)]);
  await caughtUp(master.port, mid.port);
  await caughtUp(mid.port, tail.port);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([tail?.close(), mid?.close(), master?.close()]);
});

describe('redis-server -> redstate -> redis-server with every data-model type', () => {
  it('the full sync of every type leaves the same digest at every hop', async () => {
    const d = await digest(await client(master.port));
    expect(await digest(await client(mid.port))).toBe(d);
    expect(await digest(await client(tail.port))).toBe(d);
  });

  it('the stream of stream, bitmap, HLL, geo, SORT and RESTORE writes, blocked reads served, leaves them equal', async () => {
    const m = await client(master.port);
    const onMid = await client(mid.port);
    // Served on the master by the XADD below: its XCLAIMs travel as one MULTI/EXEC.
    await m.call('XGROUP', 'CREATE', 'live', 'g', '$', 'MKSTREAM');
    const groupRead = (await client(master.port)).call('XREADGROUP', 'GROUP', 'g', 'w', 'BLOCK', 0, 'STREAMS', 'live', '>');
    await waitFor('a reader blocked on the master', () => blocked(m, 1));
    await caughtUp(master.port, mid.port);
    // A reader on the redstate replica, served by the XADD arriving over the link.
    const replicaRead = (await client(mid.port)).call('XREAD', 'BLOCK', 0, 'STREAMS', 'live', '$');
    await waitFor('a reader blocked on the replica', () => blocked(onMid, 1));
    await m.call('MULTI');
    await m.call('XADD', 'live', '1-1', 'a', 1);
    await m.call('XADD', 'live', '1-2', 'b', 2);
    await m.call('EXEC');
    const served = [['live', [['1-1', ['a', '1']], ['1-2', ['b', '2']]]]];
    expect([await groupRead, await replicaRead]).toEqual([served, served]);

    for (const reply of await m.pipeline(dataModelWrites())) if (reply instanceof Error) throw reply;
    const claimed = (await m.call('XPENDING', 'events', 'g', '-', '+', 1)) as Reply[][];
    await m.call('XCLAIM', 'events', 'g', 'frank', 0, claimed[0]![0] as string);
    await m.call('XGROUP', 'SETID', 'stream', 'g', '1010-0', 'ENTRIESREAD', 7);
    await m.call('XGROUP', 'DELCONSUMER', 'stream', 'g', 'alice');
    const payload = (await m.call('DUMP', 'hll3')) as string;
    await m.call('RESTORE', 'copy', 100_000, Buffer.from(payload, 'latin1'));
    await caughtUp(master.port, mid.port);
    await caughtUp(mid.port, tail.port);

    const t = await client(tail.port);
    const want = await digest(m);
    expect(await digest(onMid)).toBe(want);
    expect(await digest(t)).toBe(want);
    // A replica, redstate or redis-server, is what Redis's propagation makes it: the same
    // groups, PELs, delivery times and counts as the master, but a group's entries-read
    // (and so its lag) only where an XGROUP SETID carried it, never with an XCLAIM.
    for (const key of ['live', 'events', 'nums', 'stream', 'stream:empty']) {
      const full = await Promise.all([m, onMid, t].map(async (c) => withoutSeenTimes(await c.call('XINFO', 'STREAM', key, 'FULL'))));
      expect(full[1], key).toEqual(full[2]);
      expect(withoutEntriesRead(full[1]), key).toEqual(withoutEntriesRead(full[0]));
    }
    for (const key of ['hll', 'hll3', 'copy', 'hll:sparse', 'hll:dense', 'bitmap', 'bits2']) {
      const bytes = await Promise.all([m, onMid, t].map((c) => c.call('GET', key)));
      expect(bytes[1], key).toEqual(bytes[0]);
      expect(bytes[2], key).toEqual(bytes[0]);
    }
  });
});
