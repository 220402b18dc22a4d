// SAVE, BGSAVE, LASTSAVE and save points on an in-process server, driven by real client
// connections: a BGSAVE writes the dataset as it was when it began, never blocks the
// clients, and its file loads into redis-server 7.0 unchanged.
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRdb } from '../../src/io/rdb-decoder.js';
import { encodeCommand, RespClient, RespError, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstate, tempDir, type InProcess, type Running } from '../helpers/servers.js';
import { fill, plain, plainOverWire, prng } from './dataset.js';

const running: Running[] = [];
const clients: RespClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function start(directives: Record<string, string> = {}): Promise<InProcess> {
  const s = await startRedstate(directives);
  running.push(s);
  return s;
}

async function connect(port: number): Promise<RespClient> {
  const c = await RespClient.connect(port);
  clients.push(c);
  return c;
}

/** Sends commands in one write and waits for all their replies. */
async function pipeline(c: RespClient, cmds: Array<Array<string | number>>): Promise<Reply[]> {
  const replies = cmds.map(() => c.next());
  c.write(Buffer.concat(cmds.map((a) => encodeCommand(a))));
  return Promise.all(replies);
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A batch of writes of every kind clients make, on keys of the filled dataset: each command
 * that changes a value in place must let the snapshot see the old value first.
 */
function randomWrites(rand: () => number, n: number, size: number): Array<Array<string | number>> {
  const cmds: Array<Array<string | number>> = [];
  for (let i = 0; i < n; i++) {
    const key = `key:${Math.floor(rand() * size)}`;
    const other = `key:${Math.floor(rand() * size)}`;
    const hot = `key:${12 * Math.floor(rand() * 20)}`;
    const hll = `hll:${Math.floor(rand() * 4)}`;
    const all: Array<Array<string | number>> = [
      ['SET', key, `over${i}`], ['DEL', key], ['UNLINK', key], ['GETDEL', key], ['GETSET', key, 'gs'],
      ['APPEND', key, 'tail'], ['SETRANGE', key, 1, 'zz'], ['INCR', key], ['GETEX', key, 'PERSIST'],
      ['RPUSH', key, 'pushed'], ['LPOP', key], ['RPOP', key], ['LSET', key, 0, 'lset'], ['LREM', key, 0, 'pushed'],
      ['LTRIM', key, 1, -1], ['LINSERT', key, 'BEFORE', 'pushed', 'ins'], ['LMOVE', key, other, 'LEFT', 'RIGHT'],
      ['HSET', key, 'f0', 'changed', 'fnew', 'x'], ['HDEL', key, 'f1'], ['HINCRBY', key, 'counter', 3], ['HSETNX', key, 'f2', 'nx'],
      ['SADD', key, 'added'], ['SREM', key, '0'], ['SPOP', key], ['SMOVE', key, other, 'm1'], ['SINTERSTORE', other, key, key],
      ['ZADD', key, 42, 'm0', 7, 'mnew'], ['ZREM', key, 'm1'], ['ZINCRBY', key, 1.5, 'm2'], ['ZMPOP', 1, key, 'MIN'],
      ['ZRANGESTORE', other, key, 0, -1],
      ['PEXPIRE', key, 1], ['GET', key], ['PERSIST', key], ['EXPIRE', key, 100], ['PEXPIREAT', key, 1],
      ['RENAME', key, `renamed:${i}`], ['COPY', key, other, 'REPLACE'], ['MOVE', key, 2],
      ['SET', `created:${Math.floor(rand() * 1e9)}`, 'new'], ['SELECT', Math.floor(rand() * 3)],
      // Long strings edited in place (fill's every twelfth key), a few keys that see many of them.
      ['SETBIT', hot, Math.floor(rand() * 9000), 1], ['SETRANGE', hot, Math.floor(rand() * 700), 'in place'],
      ['BITFIELD', hot, 'INCRBY', 'u8', Math.floor(rand() * 9000), 1],
      ['PFADD', hll, `e${i}`], ['PFCOUNT', hll], ['PFMERGE', hll, `hll:${Math.floor(rand() * 4)}`],
    ];
    cmds.push(all[Math.floor(rand() * all.length)]!);
  }
  return cmds;
}

describe('BGSAVE', () => {
  it('saves the dataset as it was when it started, while clients change it', async () => {
    const N = 20_000;
    const s = await start();
    fill(s.server.keyspace, N);
    const writers = await Promise.all([0, 1, 2, 3].map(() => connect(s.port)));
    // Dense HLLs, whose registers PFADD, PFCOUNT's cache and PFMERGE change in place.
    await pipeline(writers[0]!, [0, 1, 2, 3].map((i) => ['PFADD', `hll:${i}`, ...Array.from({ length: 2000 }, (_, j) => `${i}:${j}`)]));
    const before = plain(s.server.keyspace.dbs);
    const rand = prng(3);
    // BGSAVE and writes in one packet: they all land after the epoch, before any slice.
    const first = await pipeline(writers[0]!, [['BGSAVE'], ...randomWrites(rand, 300, N)]);
    expect(first[0]).toBe('Background saving started');
    // Whole-db changes the walk must see through, one every few rounds.
    const dbMoves = [['SWAPDB', 0, 1], ['SELECT', 2], ['FLUSHDB'], ['SELECT', 1], ['MOVE', 'key:1', 2], ['SWAPDB', 1, 2]];
    let rounds = 0;
    while (s.server.persistence.bgsaveInProgress) {
      rounds++;
      const batches = writers.map((w) => pipeline(w, randomWrites(rand, 50, N)));
      if (rounds % 2 === 0) batches.push(pipeline(writers[0]!, [dbMoves[(rounds / 2) % dbMoves.length]!]));
      for (const replies of await Promise.all(batches)) {
        // Errors a value's type or content explain; none from a command redstate lacks.
        for (const r of replies) if (r instanceof RespError) expect(r.message).not.toMatch(/unknown command|syntax|arguments/);
      }
    }
    expect(rounds).toBeGreaterThan(2);
    expect(s.server.persistence.lastBgsaveStatus).toBe('ok');
    const saved = decodeRdb(readFileSync(join(s.dir, 'dump.rdb')), { now: 0 });
    expect(plain(saved.dbs)).toEqual(before);
    expect(saved.aux.get('redis-ver')).toBe('7.0.15');
    // In no replication chain, it records no history (rdbPopulateSaveInfo).
    expect(saved.aux.has('repl-id')).toBe(false);
  });

  it('keeps answering clients while it runs, where SAVE blocks them', async () => {
    const s = await start();
    fill(s.server.keyspace, 100_000);
    const c = await connect(s.port);
    let t = performance.now();
    expect(await c.call('SAVE')).toBe('OK');
    const blocked = performance.now() - t;
    expect(await c.call('BGSAVE')).toBe('Background saving started');
    let pings = 0;
    let slowest = 0;
    while (s.server.persistence.bgsaveInProgress) {
      t = performance.now();
      expect(await c.call('PING')).toBe('PONG');
      slowest = Math.max(slowest, performance.now() - t);
      pings++;
    }
    expect(pings).toBeGreaterThan(5);
    expect(slowest).toBeLessThan(blocked / 2);
    expect(decodeRdb(readFileSync(join(s.dir, 'dump.rdb'))).keysLoaded).toBe(100_000);
  });

  it('writes a file redis-server 7.0 loads with the data of its start', async () => {
    const s = await start({ rdbcompression: 'yes' });
    fill(s.server.keyspace, 5_000);
    const before = plain(s.server.keyspace.dbs.slice(0, 3));
    const c = await connect(s.port);
    const replies = await pipeline(c, [['BGSAVE'], ...randomWrites(prng(9), 500, 5_000), ['SWAPDB', 0, 2]]);
    expect(replies[0]).toBe('Background saving started');
    await until(() => !s.server.persistence.bgsaveInProgress, 'BGSAVE');
    const dir = tempDir('redis-load-');
    copyFileSync(join(s.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
    const redis = await startRedis(['--dbfilename', 'dump.rdb'], dir);
    running.push(redis);
    expect(await plainOverWire(await connect(redis.port), 3)).toEqual(before);
  });

  it('saves the dataset of its start while writes resize the table it walks; redis-server loads it with the same DEBUG DIGEST, and the digests agree mid-resize', async () => {
    // activerehashing off: only writes move a resize on, so it spans the writes sent below.
    const s = await start({ activerehashing: 'no', 'enable-debug-command': 'yes' });
    const redis = await startRedis(['--enable-debug-command', 'yes']);
    running.push(redis);
    const [c, r] = await Promise.all([connect(s.port), connect(redis.port)]);
    const both = (cmds: Array<Array<string | number>>): Promise<unknown> => Promise.all([pipeline(c, cmds), pipeline(r, cmds)]);
    const dict = s.server.keyspace.dbs[0]!.dict;
    // 3000 keys, just under the 3072 that make the 4096-slot table grow; a hash, a set and a
    // sorted set big enough to live in dicts of their own.
    await both(Array.from({ length: 3000 }, (_, i) => ['SET', `k:${i}`, `v${i}`]));
    await both(Array.from({ length: 300 }, (_, i) => i % 3 === 0 ? ['HSET', 'k:0', `f${i}`, i] : i % 3 === 1 ? ['SADD', 'k:1', `m${i}`] : ['ZADD', 'k:2', i, `z${i}`]).map((cmd, i) => i < 3 ? ['DEL', `k:${i}`] : cmd));
    expect(dict.rehashing).toBe(false);
    const atStart = await r.call('DEBUG', 'DIGEST');
    expect(await c.call('DEBUG', 'DIGEST')).toBe(atStart);
    const keysAtStart = await r.call('DBSIZE');

    // The save walks a part of the table; writes begin a resize under it and move keys of the
    // old table ahead of the walk to the new one; then the save runs to its end.
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000000000');
    expect(await c.call('BGSAVE')).toBe('Background saving started');
    let n = 0;
    /** New keys, overwrites and deletes of old ones, and the collections growing. */
    const writes = (count: number): Array<Array<string | number>> => Array.from({ length: count }, () => {
      n++;
      return n % 5 === 0 ? ['DEL', `k:${(n * 7) % 3000}`] : n % 5 === 1 ? ['SET', `k:${(n * 13) % 3000}`, `over${n}`]
        : n % 5 === 2 ? ['HSET', 'k:0', `g${n}`, n] : ['SET', `new:${n}`, n];
    });
    // A key every 300 µs for 100 ms: the walk is a little way into the table when the writes
    // begin the resize and move the keys of the slots after it.
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '300');
    await new Promise((res) => setTimeout(res, 100));
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000000000');
    await both(writes(400));
    expect(dict.rehashing).toBe(true);
    expect(s.server.persistence.bgsaveInProgress).toBe(true);
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await until(() => !s.server.persistence.bgsaveInProgress, 'BGSAVE');
    expect(s.server.persistence.lastBgsaveStatus).toBe('ok');
    expect(dict.rehashing).toBe(true);

    const dir = tempDir('redis-load-');
    copyFileSync(join(s.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
    const loaded = await startRedis(['--dbfilename', 'dump.rdb', '--enable-debug-command', 'yes'], dir);
    running.push(loaded);
    const l = await connect(loaded.port);
    expect(await l.call('DBSIZE')).toBe(keysAtStart);
    expect(await l.call('DEBUG', 'DIGEST')).toBe(atStart);

    // The same data on both servers, redstate's table mid-resize: the same digest.
    while (!dict.rehashing) await both(writes(50));
    expect(await c.call('DBSIZE')).toBe(await r.call('DBSIZE'));
    expect(await c.call('DEBUG', 'DIGEST')).toBe(await r.call('DEBUG', 'DIGEST'));
  });

  it('answers like Redis: already in progress, SCHEDULE, syntax errors', async () => {
    const s = await start();
    fill(s.server.keyspace, 20_000);
    const c = await connect(s.port);
    const replies = await pipeline(c, [
      ['BGSAVE'], ['BGSAVE'], ['BGSAVE', 'SCHEDULE'], ['SAVE'], ['BGSAVE', 'foo'], ['BGSAVE', 'schedule', 'x'], ['SAVE', 'x'],
    ]);
    expect(replies).toEqual([
      'Background saving started',
      new RespError('ERR Background save already in progress'),
      new RespError('ERR Background save already in progress'),
      new RespError('ERR Background save already in progress'),
      new RespError('ERR syntax error'),
      new RespError('ERR syntax error'),
      new RespError("ERR wrong number of arguments for 'save' command"),
    ]);
    await until(() => !s.server.persistence.bgsaveInProgress, 'BGSAVE');
    expect(await c.call('BGSAVE', 'SCHEDULE')).toBe('Background saving started');
    await until(() => !s.server.persistence.bgsaveInProgress, 'BGSAVE');
    expect(await pipeline(c, [['MULTI'], ['SAVE']])).toEqual(['OK', new RespError('ERR Command not allowed inside a transaction')]);
  });

  it('keeps the dirty count of the writes made during it', async () => {
    const s = await start();
    fill(s.server.keyspace, 20_000);
    const p = s.server.persistence;
    const c = await connect(s.port);
    await pipeline(c, [['SET', 'a', 1], ['SET', 'b', 2]]);
    expect(p.rdbChangesSinceLastSave).toBe(2);
    await pipeline(c, [['BGSAVE'], ['SET', 'c', 3], ['SET', 'd', 4], ['SET', 'e', 5]]);
    expect(p.bgsaveInProgress).toBe(true);
    expect(p.currentBgsaveTimeSec).toBeGreaterThanOrEqual(0);
    expect(p.currentSaveKeysTotal).toBe(20_002);
    await until(() => !p.bgsaveInProgress, 'BGSAVE');
    expect(p.rdbChangesSinceLastSave).toBe(3);
    expect(p.lastBgsaveTimeSec).toBeGreaterThanOrEqual(0);
    expect(p.currentBgsaveTimeSec).toBe(-1);
    expect(p.rdbSaves).toBe(1);
  });

  it('rdb-key-save-delay holds a save running (one key per delay) until it is lowered; a hidden directive, as in Redis 7.0', async () => {
    const s = await start();
    const c = await connect(s.port);
    await pipeline(c, [['SET', 'a', 1], ['SET', 'b', 2], ['SET', 'c', 3]]);
    expect(await c.call('CONFIG', 'GET', 'rdb-key-save-delay')).toEqual(['rdb-key-save-delay', '0']);
    expect(await c.call('CONFIG', 'GET', 'rdb-key-save-*')).toEqual([]);
    expect((await c.call('CONFIG', 'GET', '*') as string[]).includes('rdb-key-save-delay')).toBe(false);
    expect(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', 'x')).toEqual(
      new RespError("ERR CONFIG SET failed (possibly related to argument 'rdb-key-save-delay') - argument couldn't be parsed into an integer"));
    expect(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000000000')).toBe('OK');
    expect(await c.call('BGSAVE')).toBe('Background saving started');
    // The clients are served meanwhile, and the save is still there after many of their round trips.
    for (let i = 0; i < 20; i++) expect(await c.call('PING')).toBe('PONG');
    expect(s.server.persistence.bgsaveInProgress).toBe(true);
    expect(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '-10')).toBe('OK');
    await until(() => !s.server.persistence.bgsaveInProgress, 'BGSAVE');
    expect(s.server.persistence.lastBgsaveStatus).toBe('ok');
    expect(decodeRdb(readFileSync(join(s.dir, 'dump.rdb'))).keysLoaded).toBe(3);
  });

  it('reports a failed save as err, and SAVE answers -ERR', async () => {
    const s = await start();
    const c = await connect(s.port);
    await c.call('SET', 'k', 'v');
    rmSync(s.dir, { recursive: true });
    expect(await c.call('BGSAVE')).toBe('Background saving started');
    await until(() => !s.server.persistence.bgsaveInProgress, 'BGSAVE');
    expect(s.server.persistence.lastBgsaveStatus).toBe('err');
    expect(await c.call('SAVE')).toEqual(new RespError('ERR'));
    expect(s.server.persistence.rdbChangesSinceLastSave).toBe(1);
  });
});

describe('SAVE and LASTSAVE', () => {
  it('SAVE writes the dataset and moves LASTSAVE', async () => {
    const s = await start();
    fill(s.server.keyspace, 2_000);
    s.server.persistence.lastSave = 1000;
    const c = await connect(s.port);
    expect(await c.call('LASTSAVE')).toBe(1000);
    await c.call('SET', 'extra', 'v');
    expect(await c.call('SAVE')).toBe('OK');
    const lastSave = (await c.call('LASTSAVE')) as number;
    expect(Math.abs(lastSave - Date.now() / 1000)).toBeLessThan(2);
    expect(s.server.persistence.rdbChangesSinceLastSave).toBe(0);
    const saved = decodeRdb(readFileSync(join(s.dir, 'dump.rdb')));
    expect(plain(saved.dbs)).toEqual(plain(s.server.keyspace.dbs));
    expect(existsSync(join(s.dir, `temp-${process.pid}.rdb`))).toBe(false);
  });
});

describe('save points', () => {
  it('start a BGSAVE once enough changes have waited long enough', async () => {
    const s = await start({ save: '100 2 1000 1' });
    const p = s.server.persistence;
    const c = await connect(s.port);
    await c.call('SET', 'a', '1');
    p.lastSave -= 500;
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(join(s.dir, 'dump.rdb'))).toBe(false);
    await c.call('SET', 'b', '2');
    await until(() => existsSync(join(s.dir, 'dump.rdb')) && !p.bgsaveInProgress, 'the save point');
    expect(p.rdbChangesSinceLastSave).toBe(0);
    expect(decodeRdb(readFileSync(join(s.dir, 'dump.rdb'))).keysLoaded).toBe(2);
  });
});

describe('load', () => {
  it('loads at start what SAVE wrote, and reload() keeps the data', async () => {
    const a = await start();
    fill(a.server.keyspace, 3_000);
    const c = await connect(a.port);
    expect(await c.call('SAVE')).toBe('OK');
    const want = plain(a.server.keyspace.dbs);
    const b = await start({ dir: a.dir });
    expect(plain(b.server.keyspace.dbs)).toEqual(want);
    expect(b.server.persistence.lastLoadKeysLoaded).toBe(3_000);
    expect(b.server.keyspace.dirty).toBe(0);
    b.server.keyspace.dbs[0]!.set('new', 'v');
    expect(b.server.persistence.reload()).toBe('ok');
    expect(b.server.keyspace.dbs[0]!.lookup('new')).toBe('v');
    expect(b.server.keyspace.dirty).toBe(0);
    b.server.keyspace.dbs[0]!.set('unsaved', 'v');
    expect(b.server.persistence.reload(false)).toBe('ok');
    expect(b.server.keyspace.dbs[0]!.lookup('unsaved')).toBeUndefined();
    expect(b.server.keyspace.dbs[0]!.lookup('new')).toBe('v');
  });

  it('refuses a corrupt file and leaves the dataset as it was', async () => {
    const s = await start();
    fill(s.server.keyspace, 1_000);
    expect(s.server.persistence.save()).toBe(true);
    const path = join(s.dir, 'dump.rdb');
    const good = readFileSync(path);
    const before = plain(s.server.keyspace.dbs);
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)]! ^= 0x55;
    writeFileSync(path, bad);
    expect(s.server.persistence.reload(false)).toBe('load-error');
    expect(plain(s.server.keyspace.dbs)).toEqual(before);
  });
});
