// A real redis-server 7.0 replica of a redstate master, fed the writes of streams (clock IDs,
// `~` trims, group reads with and without NOACK, claims), bitmaps, HyperLogLogs, geo, SORT
// STORE and RESTORE: the replica ends with the same digest, the same HLL bytes and the same
// consumer groups, PELs and delivery counts (XINFO STREAM FULL, consumers' seen-times aside:
// each server stamps its own).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** seen-time values replaced: a consumer's is the time each server last saw it. */
function withoutSeenTimes(x: Reply): unknown {
  if (!Array.isArray(x)) return x;
  return x.map((v, i) => (x[i - 1] === 'seen-time' ? 'T' : withoutSeenTimes(v)));
}

describe('a redis-server replica of a redstate master', () => {
  it('ends with the same streams, groups, HLLs, bitmaps and geo sets', async () => {
    const script: Array<Array<string | number>> = [];
    for (let i = 0; i < 400; i++) script.push(['XADD', 'events', '*', 'n', i, 'kind', i % 3 ? 'click' : 'view']);
    script.push(['XADD', 'events', 'MAXLEN', '~', 250, '*', 'n', 'trim'], ['XTRIM', 'events', 'MINID', '~', '0-1']);
    script.push(['XGROUP', 'CREATE', 'events', 'g', '0'], ['XGROUP', 'CREATE', 'events', 'h', '$']);
    // Redis propagates neither a history read nor entries-read with an XCLAIM: the NOACK
    // read, whose XGROUP SETID carries entries-read, comes last so that both servers agree.
    script.push(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 30, 'STREAMS', 'events', '>']);
    script.push(['XREADGROUP', 'GROUP', 'g', 'carol', 'COUNT', 5, 'STREAMS', 'events', '>']);
    script.push(['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'COUNT', 10, 'STREAMS', 'events', '>']);
    script.push(['XAUTOCLAIM', 'events', 'g', 'dave', 0, '0', 'COUNT', 4], ['XGROUP', 'CREATECONSUMER', 'events', 'h', 'erin']);
    script.push(['XADD', 'nums', '5-1', 'a', 1], ['XADD', 'nums', '5-*', 'a', 2], ['XSETID', 'nums', '9-9'], ['XDEL', 'nums', '5-1']);
    script.push(['SETBIT', 'bits', 1000, 1], ['BITFIELD', 'bits', 'INCRBY', 'u8', '#3', 200, 'SET', 'i16', 40, -7], ['BITOP', 'XOR', 'bits2', 'bits', 'bits']);
    script.push(['PFADD', 'hll', ...Array.from({ length: 50 }, (_, i) => `e${i}`)], ['PFCOUNT', 'hll']);
    script.push(['PFADD', 'hll2', ...Array.from({ length: 4000 }, (_, i) => `x${i}`)], ['PFMERGE', 'hll3', 'hll', 'hll2'], ['PFCOUNT', 'hll3']);
    script.push(['GEOADD', 'geo', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania']);
    script.push(['GEOSEARCHSTORE', 'near', 'geo', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'STOREDIST']);
    script.push(['GEORADIUS', 'geo', 15, 37, 300, 'km', 'STORE', 'near2'], ['RPUSH', 'list', 3, 1, 2], ['SORT', 'list', 'STORE', 'sorted']);
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
