// A real redis-server 7.0 replica of a redstate master, fed the writes of streams (clock IDs,
// `~` trims, group reads with and without NOACK, claims), bitmaps, HyperLogLogs, geo, SORT
// STORE and RESTORE: the replica ends with the same digest, the same HLL bytes and the same
// consumer groups, PELs and delivery counts (XINFO STREAM FULL, consumers' seen-times aside:
// each server stamps its own).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataModelWrites, withoutSeenTimes } from '../helpers/dataset.js';
import { caughtUp, digest } from '../helpers/replication.js';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

let master: InProcess;
let replica: Proc;
let m: RespClient;
let r: RespClient;

beforeAll(async () => {
  master = await startRedstate({ 'repl-diskless-sync-delay': '0' });
  m = await RespClient.connect(master.port);
  await m.call('XADD', 'before', '1-1', 'k', 'v');
  replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
  r = await RespClient.connect(replica.port);
  await caughtUp(master.port, replica.port);
});
afterAll(async () => {
  m.close();
  r.close();
  await Promise.all([replica.close(), master.close()]);
});

describe('a redis-server replica of a redstate master', () => {
  it('ends with the same streams, groups, HLLs, bitmaps and geo sets', async () => {
    const script = dataModelWrites();
    for (const reply of await m.pipeline(script)) if (reply instanceof Error) throw reply;
    const claimed = (await m.call('XPENDING', 'events', 'g', '-', '+', 1)) as Reply[][];
    await m.call('XCLAIM', 'events', 'g', 'frank', 0, claimed[0]![0] as string);
    const payload = (await m.call('DUMP', 'hll3')) as string;
    await m.call('RESTORE', 'copy', 100_000, Buffer.from(payload, 'latin1'));
    await caughtUp(master.port, replica.port);

    expect(await digest(replica.port)).toBe(await digest(master.port));
    for (const key of ['events', 'nums', 'before']) {
      const [want, got] = await Promise.all([m.call('XINFO', 'STREAM', key, 'FULL'), r.call('XINFO', 'STREAM', key, 'FULL')]);
      expect(withoutSeenTimes(got), key).toEqual(withoutSeenTimes(want));
    }
    for (const key of ['hll', 'hll3', 'copy', 'bits', 'bits2']) expect(await r.call('GET', key), key).toEqual(await m.call('GET', key));
    expect(Number(await r.call('PTTL', 'copy'))).toBeGreaterThan(0);
  });
});
