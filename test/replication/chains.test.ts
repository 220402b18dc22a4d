// redstate replicas that are masters too: chains where the middle hop passes its master's
// stream on byte for byte (same replid, same offsets), and failover by REPLICAOF NO ONE
// where the former siblings (redstate or redis-server 7.0) continue by partial resync.
import { afterEach, describe, expect, it } from 'vitest';
import { caughtUp, expectSameData, info, stat, waitFor, writeEveryFamily, writeManyKeys } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type Running } from '../helpers/servers.js';

const running: Running[] = [];
const clients: RespClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of running.splice(0)) await s.close();
});

interface Node {
  port: number;
  c: RespClient;
}

const FAST = ['--repl-diskless-sync-delay', '0'];

async function node(s: Running): Promise<Node> {
  running.push(s);
  const c = await RespClient.connect(s.port);
  clients.push(c);
  return { port: s.port, c };
}

const redis = (of?: Node) => startRedis(of === undefined ? FAST : [...FAST, '--replicaof', '127.0.0.1', String(of.port)]).then(node);
const redstate = (of?: Node) =>
  startRedstate({ 'repl-diskless-sync-delay': '0', ...(of === undefined ? {} : { replicaof: ['127.0.0.1', String(of.port)] }) }).then(node);

describe('chains and failover', () => {
  it('redis -> redstate -> redis: digests equal at every hop, the same replid and offsets', async () => {
    const m = await redis();
    await writeManyKeys(m.c, 10_000);
    const mid = await redstate(m);
    const tail = await redis(mid);
    await writeEveryFamily(m.c);
    await expectSameData(m.c, mid.c);
    await expectSameData(mid.c, tail.c);
    const [mi, ti] = [await info(m.c), await info(tail.c)];
    expect(ti.get('master_replid')).toBe(mi.get('master_replid'));
    expect(ti.get('master_repl_offset')).toBe(mi.get('master_repl_offset'));
  });

  it('redstate -> redstate -> redstate: digests equal at every hop; the tail continues from the middle after a link loss', async () => {
    const m = await redstate();
    await writeManyKeys(m.c, 10_000);
    const mid = await redstate(m);
    const tail = await redstate(mid);
    await writeEveryFamily(m.c, 0);
    expect(await m.c.call('WAIT', 1, 5000)).toBe(1);
    await expectSameData(m.c, mid.c);
    await expectSameData(mid.c, tail.c);
    expect(await mid.c.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await writeEveryFamily(m.c, 1);
    await waitFor('a partial resync of the tail', async () => (await stat(mid.c, 'sync_partial_ok')) === 1);
    await expectSameData(m.c, mid.c);
    await expectSameData(mid.c, tail.c);
    expect(await stat(mid.c, 'sync_full')).toBe(1);
  });

  for (const tail of ['redis', 'redstate'] as const) {
    it(`failover: a ${tail} replica under a redstate replica stays by partial resync when that one is promoted`, async () => {
      const m = await redis();
      await writeManyKeys(m.c, 5000);
      const mid = await redstate(m);
      const t = tail === 'redis' ? await redis(mid) : await redstate(mid);
      await writeEveryFamily(m.c, 0);
      await expectSameData(m.c, mid.c);
      await expectSameData(mid.c, t.c);
      const old = await info(mid.c);
      expect(await mid.c.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
      await writeEveryFamily(mid.c, 1);
      await waitFor('the tail back by partial resync', async () => (await stat(mid.c, 'sync_partial_ok')) === 1);
      await expectSameData(mid.c, t.c);
      expect(await stat(mid.c, 'sync_full')).toBe(1);
      const ti = await info(t.c);
      expect([ti.get('master_replid'), ti.get('master_replid2')]).toEqual([(await info(mid.c)).get('master_replid'), old.get('master_replid')]);
    });
  }

  for (const sibling of ['redstate', 'redis'] as const) {
    it(`failover: a promoted redstate replica takes its ${sibling} sibling by partial resync (PSYNC2)`, async () => {
      const m = await redis();
      await writeManyKeys(m.c, 10_000);
      // a was a master whose stream last selected db 0 before it became a replica: once
      // promoted, its stream must select again (the siblings' last db is the old master's).
      const a = await redstate();
      const early = await redstate(a);
      await caughtUp(a.c, early.c);
      await a.c.call('SET', 'early', 1);
      await expectSameData(a.c, early.c);
      expect(await early.c.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
      expect(await a.c.call('REPLICAOF', '127.0.0.1', m.port)).toBe('OK');
      const b = sibling === 'redstate' ? await redstate(m) : await redis(m);
      await writeEveryFamily(m.c, 0);
      await m.c.call('SELECT', 5);
      await m.c.call('SET', 'last', 'in db 5');
      await expectSameData(m.c, a.c);
      await expectSameData(m.c, b.c);
      const old = await info(a.c);
      expect(await a.c.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
      const promoted = await info(a.c);
      expect(promoted.get('role')).toBe('master');
      expect(promoted.get('master_replid2')).toBe(old.get('master_replid'));
      expect(promoted.get('second_repl_offset')).toBe(String(Number(old.get('master_repl_offset')) + 1));
      const full = await stat(a.c, 'sync_full');
      expect(await b.c.call('REPLICAOF', '127.0.0.1', a.port)).toBe('OK');
      await writeEveryFamily(a.c, 1);
      await expectSameData(a.c, b.c);
      expect(await stat(a.c, 'sync_partial_ok')).toBe(1);
      expect(await stat(a.c, 'sync_full')).toBe(full);
    });
  }
});
