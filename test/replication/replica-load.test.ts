// How a redstate replica takes in a large payload. Diskless (repl-diskless-load swapdb) it
// decodes the payload as it arrives and holds one record at a time, not the payload: shown
// against a real redis-server 7.0 master and a redstate master, both sending diskless
// (`$EOF:<mark>` payloads), with the mark split across chunks by a scripted master, and with
// the progress the inspector shows kept. On disk (a `$<size>` payload from a disk-based
// redis-server master), every type loads with the master's digest and encodings, and the temp
// file is synced every 8 MB and at the end: counted on the real file by the io layer's counter.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { digest, writeEveryType } from '../helpers/dataset.js';
import { FakeMaster, rdbOf } from '../helpers/fake-master.js';
import { captureLog, caughtUp, info, waitFor } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess } from '../helpers/servers.js';
import { SYNC_EVERY, transferSyncs } from '../../src/io/transfer-file.js';
import { RUN_MIN } from '../../src/io/rdb-decoder.js';

const { cleanup, started, client } = closedAfterEach();

/** KEYS values of ~1 kB, raw in the RDB (rdbcompression no on the master): a payload of ~KEYS kB. */
const KEYS = 30_000;
const VALUE_SIZE = 1000;

/** A replica of port, loading as repl-diskless-load says; resolves once its link is up. */
async function replicaOf(port: number, load: string): Promise<{ r: InProcess; c: RespClient; log: string[] }> {
  const r = await started(startRedstate({ 'repl-diskless-load': load }));
  const c = await client(r.port);
  const log = captureLog(r.server.log);
  expect(await c.call('REPLICAOF', '127.0.0.1', String(port))).toBe('OK');
  await waitFor('the link up', async () => (await info(c)).get('master_link_status') === 'up', 60_000);
  return { r, c, log };
}

/** The diskless load held one record at a time: the payload in is many times what was ever held. */
async function expectStreamed(r: InProcess, c: RespClient, m: RespClient): Promise<void> {
  const payload = Number((await info(c, 'stats')).get('total_net_repl_input_bytes'));
  const peak = r.server.replicaLink!.streamPeakHeld;
  expect(payload).toBeGreaterThan(KEYS * VALUE_SIZE);
  // A socket read (64 kB), what the decoder gathers before a try and the record it completes, at most.
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThan(64 * 1024 + RUN_MIN + 4 * VALUE_SIZE);
  await caughtUp(m, c);
  expect(await c.call('DBSIZE')).toBe(KEYS);
  expect(await c.call('DEBUG', 'DIGEST')).toBe(await m.call('DEBUG', 'DIGEST'));
}

describe('a replica loading a large payload', () => {
  it('diskless from a redis-server 7.0 master (repl-diskless-sync yes): 30 MB in, one record held at a time', async () => {
    const redis = await started(startRedis(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', '--rdbcompression', 'no']));
    const m = await client(redis.port);
    expect(await m.call('DEBUG', 'POPULATE', KEYS, 'key', VALUE_SIZE)).toBe('OK');
    const { r, c, log } = await replicaOf(redis.port, 'swapdb');
    expect(log.some((l) => l.endsWith('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser'))).toBe(true);
    await expectStreamed(r, c, m);
  });

  it('diskless from a redstate master (repl-diskless-sync yes): the same', async () => {
    const master = await started(startRedstate({ 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': '0', rdbcompression: 'no' }));
    const m = await client(master.port);
    expect(await m.call('DEBUG', 'POPULATE', KEYS, 'key', VALUE_SIZE)).toBe('OK');
    const { r, c, log } = await replicaOf(master.port, 'on-empty-db');
    expect(log.some((l) => l.endsWith('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser'))).toBe(true);
    await expectStreamed(r, c, m);
  });

  it('an EOF mark split across chunks ends the payload; progress (bytes, rate, loading) shows while it streams', async () => {
    const fm = await FakeMaster.start();
    cleanup.push(() => fm.close());
    const r = await started(startRedstate({ 'repl-diskless-load': 'swapdb' }));
    const c = await client(r.port);
    const keys: Record<string, string> = {};
    for (let i = 0; i < 20_000; i++) keys[`key:${i}`] = `value:${i}`;
    const rdb = rdbOf(keys);
    const mark = 'm'.repeat(20) + 'k'.repeat(20);
    await c.call('REPLICAOF', '127.0.0.1', String(fm.port));
    const l = await fm.accept();
    await l.handshake();
    const half = Math.floor(rdb.length / 2);
    l.send(Buffer.concat([Buffer.from(`$EOF:${mark}\r\n`), rdb.subarray(0, half)]));
    await waitFor('half the payload in', async () => (await info(c)).get('master_sync_read_bytes') === String(half));
    const link = r.server.replicaLink!;
    link.tick(Date.now() + 1000);
    const ctx = link.actor.getSnapshot().context;
    expect([ctx.transferRead, ctx.transferSize]).toEqual([half, -1]);
    expect(ctx.transferRate).toBeGreaterThan(0);
    const loading = await info(c, 'persistence');
    expect(loading.get('loading')).toBe('1');
    expect(Number(loading.get('loading_loaded_bytes'))).toBeGreaterThan(0);
    expect(Number(loading.get('loading_loaded_bytes'))).toBeLessThanOrEqual(half);
    // The rest, and the mark's first 13 bytes; then one byte; then the rest of the mark.
    const tail = Buffer.concat([rdb.subarray(half), Buffer.from(mark, 'latin1')]);
    const pieces = [tail.subarray(0, tail.length - 27), tail.subarray(tail.length - 27, tail.length - 26), tail.subarray(tail.length - 26)];
    for (const [i, p] of pieces.entries()) {
      l.send(p);
      if (i < pieces.length - 1) {
        const sent = half + pieces.slice(0, i + 1).reduce((n, x) => n + x.length, 0);
        await waitFor('the piece read', async () => (await info(c)).get('master_sync_read_bytes') === String(sent));
        expect((await info(c)).get('master_sync_in_progress')).toBe('1');
      }
    }
    await waitFor('the payload loaded', async () => (await info(c)).get('master_link_status') === 'up');
    expect(await c.call('DBSIZE')).toBe(20_000);
    expect(await c.call('GET', 'key:19999')).toBe('value:19999');
  });

  it('a payload that comes faster than it decodes is read over several turns, clients answered in between', async () => {
    const fm = await FakeMaster.start();
    cleanup.push(() => fm.close());
    const r = await started(startRedstate({ 'repl-diskless-load': 'swapdb' }));
    const c = await client(r.port);
    const probe = await client(r.port);
    const keys: Record<string, string> = {};
    for (let i = 0; i < 300_000; i++) keys[`key:${i}`] = `value:${i}`;
    await c.call('REPLICAOF', '127.0.0.1', String(fm.port));
    const l = await fm.accept();
    await l.handshake();
    // All of it at once: left alone, libuv reads up to 2 MB of it in a turn, ~70k of these keys.
    l.sendPayload(rdbOf(keys));
    let loadingReplies = 0;
    while ((await info(c)).get('master_link_status') !== 'up') {
      const reply = await probe.call('PING');
      if (reply instanceof Error && reply.message.startsWith('LOADING')) loadingReplies++;
    }
    // One 64 kB read a turn: ~100 of them for this payload, a probe between each two. Read
    // as libuv reads a socket that keeps coming (2 MB a turn), it got two.
    expect(loadingReplies).toBeGreaterThanOrEqual(10);
    expect(await c.call('DBSIZE')).toBe(300_000);
    expect(await c.call('GET', 'key:299999')).toBe('value:299999');
  });

  it('on disk from a redis-server 7.0 master (repl-diskless-sync no): every type in four dbs, same digest and encodings', async () => {
    const redis = await started(startRedis(['--repl-diskless-sync', 'no']));
    const m = await client(redis.port);
    await writeEveryType(m);
    const { c, log } = await replicaOf(redis.port, 'disabled');
    expect(log.some((l) => /MASTER <-> REPLICA sync: receiving \d+ bytes from master to disk$/.test(l))).toBe(true);
    expect(await digest(c)).toBe(await digest(m));
    for (const db of [0, 1, 5, 15]) {
      for (const cl of [m, c]) expect(await cl.call('SELECT', db)).toBe('OK');
      const keys = (await m.call('KEYS', '*')) as string[];
      expect(keys.length).toBeGreaterThan(20);
      expect(await c.call('DBSIZE')).toBe(keys.length);
      for (const k of keys) expect([k, await c.call('OBJECT', 'ENCODING', k)]).toEqual([k, await m.call('OBJECT', 'ENCODING', k)]);
    }
  });

  it('on disk: the temp file is synced every 8 MB and once at the end (a 28 MB transfer from redis-server 7.0)', async () => {
    const redis = await started(startRedis(['--repl-diskless-sync', 'no', '--rdbcompression', 'no']));
    const m = await client(redis.port);
    expect(await m.call('DEBUG', 'POPULATE', 28_000, 'key', VALUE_SIZE)).toBe('OK');
    const before = transferSyncs.count;
    const { r, c, log } = await replicaOf(redis.port, 'disabled');
    const line = log.find((l) => l.includes('MASTER <-> REPLICA sync: receiving '));
    const size = Number(/receiving (\d+) bytes from master to disk/.exec(line ?? '')?.[1]);
    // A sync happens once 8 MB were written since the last: reads of up to 64 kB may pass each mark by one read.
    const periodic = Math.floor(size / SYNC_EVERY);
    expect(Math.floor(size / (SYNC_EVERY + 64 * 1024))).toBe(periodic);
    expect(periodic).toBe(3);
    expect(transferSyncs.count - before).toBe(periodic + 1);
    // The synced file is the payload, renamed over dbfilename; no temp file is left.
    expect(statSync(join(r.dir, 'dump.rdb')).size).toBe(size);
    expect(readdirSync(r.dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
    expect(existsSync(join(r.dir, 'dump.rdb'))).toBe(true);
    expect(await c.call('DBSIZE')).toBe(28_000);
  });
});
