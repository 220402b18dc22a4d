// Persistence across process lifetimes (dist build: npm run build first): the file SAVE
// writes is loaded at the next start, a corrupt one stops the start-up with a clear line,
// and SIGTERM / SHUTDOWN save when save points are configured.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRdb } from '../../src/io/rdb-decoder.js';
import { RdbType as T } from '../../src/io/rdb-format.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { RdbSnapshot, writeSnapshotSync } from '../../src/store/snapshot.js';
import { writeEveryType } from '../helpers/dataset.js';
import { encodeCommand, RespClient } from '../helpers/resp-client.js';
import { cliArgv, freePort, startRedis, startRedstateProcess, tempDir, type Proc } from '../helpers/servers.js';
import { rdbFile, rdbKey, rdbString, ziplist } from '../unit/rdb/rdb-bytes.js';
import { fill, plain, plainOverWire } from './dataset.js';

const procs: Proc[] = [];
const clients: RespClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(procs.splice(0).map((p) => p.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp dir removed after the test. */
function scratch(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

async function start(args: string[], dir?: string): Promise<[Proc, RespClient]> {
  const p = await startRedstateProcess(args, dir);
  procs.push(p);
  const c = await RespClient.connect(p.port);
  clients.push(c);
  return [p, c];
}

/** The exit code, once the process has exited by itself (within 10 s). */
function exited(p: Proc): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running:\n${p.output()}`)), 10_000)));
  return Promise.race([p.exited, late]).finally(() => clearTimeout(timer));
}

async function keyCount(c: RespClient): Promise<number> {
  let n = 0;
  for (let db = 0; db < 16; db++) {
    await c.call('SELECT', db);
    n += ((await c.call('KEYS', '*')) as string[]).length;
  }
  return n;
}

/** An RDB of ks, as SAVE would write it. */
function rdbOf(ks: Keyspace): Buffer {
  const parts: Buffer[] = [];
  const aux: Array<[string, string]> = [['redis-ver', '7.0.15'], ['ctime', String(Math.floor(Date.now() / 1000) - 5)]];
  writeSnapshotSync(RdbSnapshot.now(ks, { compression: true, aux }), (b) => parts.push(Buffer.from(b)));
  return Buffer.concat(parts);
}

/** Runs the CLI until it exits by itself: its exit code and output. */
async function runToExit(args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, cliArgv(['--port', String(await freePort()), '--save', '', ...args]));
  let out = '';
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((r) => proc.once('close', (c) => r(c)));
  clearTimeout(timer);
  return { code, out };
}

describe('restart', () => {
  it('loads at start what SAVE wrote before, every type and expiry', async () => {
    const [first, c1] = await start([]);
    await writeEveryType(c1);
    const want = await plainOverWire(c1, 16);
    expect(await c1.call('SAVE')).toBe('OK');
    first.proc.kill('SIGKILL');
    await exited(first);
    const [second, c2] = await start([], first.dir);
    expect(await plainOverWire(c2, 16)).toEqual(want);
    expect(second.output()).toMatch(/Loading RDB produced by version 7\.0\.15/);
    expect(second.output()).toMatch(/Done loading RDB, keys loaded: \d+, keys expired: 0\./);
    expect(second.output()).toMatch(/DB loaded from disk: \d+\.\d{3} seconds/);
  });

  it('logs what it loaded and drops the keys already expired', async () => {
    const ks = new Keyspace(16);
    fill(ks, 100);
    for (let i = 0; i < 10; i++) ks.dbs[0]!.setExpire(`key:${i * 3}`, Date.now() - 1000);
    const dir = scratch();
    writeFileSync(join(dir, 'dump.rdb'), rdbOf(ks));
    const [p, c] = await start([], dir);
    expect(await keyCount(c)).toBe(90);
    expect(p.output()).toMatch(/RDB age [5-9] seconds/);
    expect(p.output()).toMatch(/Done loading RDB, keys loaded: 90, keys expired: 10\./);
    expect(p.output().indexOf('DB loaded from disk')).toBeLessThan(p.output().indexOf('Ready to accept connections'));
  });
});

/**
 * Spawns a server on dir's dump.rdb and PINGs it on fresh connections every 10 ms until PONG:
 * the distinct replies in order, and the process (killed by the caller).
 */
async function pingsWhileLoading(command: string, args: string[], port: number): Promise<{ replies: string[]; proc: ReturnType<typeof spawn> }> {
  const proc = spawn(command, args, { stdio: 'ignore' });
  const replies: string[] = [];
  for (let tries = 0; tries < 3000; tries++) {
    const reply = await RespClient.connect(port).then(async (c) => {
      try {
        return String(await c.call('PING')).replace(/^Error: /, '');
      } finally {
        c.close();
      }
    }, () => null);
    if (reply !== null && replies[replies.length - 1] !== reply) replies.push(reply);
    if (reply === 'PONG') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { replies, proc };
}

/** redis-server and redstate's bin, each with its argv for a port: the same start-up for both. */
function bothServers(args: string[]): Array<[string, (port: number) => string[]]> {
  return [['redis-server', (port) => ['--port', String(port), ...args]], [process.execPath, (port) => cliArgv(['--port', String(port), ...args])]];
}

describe('start-up on a large dump', () => {
  it('answers -LOADING while it loads, as redis-server does; a SHUTDOWN meanwhile saves nothing over the file', async () => {
    const [writer, c] = await start([]);
    await c.call('DEBUG', 'POPULATE', '1000000', 'key', '100');
    expect(await c.call('SAVE')).toBe('OK');
    writer.proc.kill('SIGKILL');
    await exited(writer);
    const dump = readFileSync(join(writer.dir, 'dump.rdb'));
    for (const [command, argv] of bothServers(['--dir', writer.dir])) {
      const port = await freePort();
      const { replies, proc } = await pingsWhileLoading(command, argv(port), port);
      proc.kill('SIGKILL');
      expect(replies, command).toEqual(['LOADING Redis is loading the dataset in memory', 'PONG']);
    }
    // SHUTDOWN (with save points configured) while loading: no save, the file stays whole.
    const port = await freePort();
    const proc = spawn(process.execPath, cliArgv(['--port', String(port), '--dir', writer.dir, '--save', '3600 1']), { stdio: 'ignore' });
    const gone = new Promise((r) => proc.once('exit', r));
    let loading = false;
    for (let tries = 0; tries < 1000 && !loading; tries++) {
      await new Promise((r) => setTimeout(r, 10));
      const conn = await RespClient.connect(port).catch(() => null);
      if (conn === null) continue;
      loading = String(await conn.call('PING')).includes('LOADING');
      if (loading) await conn.call('SHUTDOWN').catch(() => null);
      conn.close();
    }
    expect(loading).toBe(true);
    expect(await gone).toBe(0);
    expect(readFileSync(join(writer.dir, 'dump.rdb')).equals(dump)).toBe(true);
  }, 60_000);
});

describe('key-load-delay', () => {
  it('holds each key of the load, while clients get -LOADING, as redis-server does', async () => {
    const ks = new Keyspace(16);
    fill(ks, 2000);
    const dir = scratch();
    writeFileSync(join(dir, 'dump.rdb'), rdbOf(ks));
    const slow = ['--dir', dir, '--key-load-delay', '1000', '--loading-process-events-interval-bytes', '1024'];
    for (const [command, argv] of bothServers(slow)) {
      const port = await freePort();
      const started = performance.now();
      const { replies, proc } = await pingsWhileLoading(command, argv(port), port);
      const took = performance.now() - started;
      proc.kill('SIGKILL');
      expect(replies, command).toEqual(['LOADING Redis is loading the dataset in memory', 'PONG']);
      // 2000 keys, a millisecond each.
      expect(took, command).toBeGreaterThan(2000);
    }
  }, 60_000);
});

describe('a bad dump.rdb', () => {
  const good = (): Buffer => {
    const ks = new Keyspace(16);
    fill(ks, 500, 1, [0, 5]);
    return rdbOf(ks);
  };

  it.each([
    ['flipped byte', (b: Buffer) => { b[b.length >> 1]! ^= 0x40; return b; }],
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 100)],
    ['not an RDB', () => Buffer.from('hello world, not redis')],
  ])('stops the start-up (%s)', async (_, spoil) => {
    const dir = scratch();
    writeFileSync(join(dir, 'dump.rdb'), spoil(good()));
    const { code, out } = await runToExit(['--dir', dir]);
    expect(code).toBe(1);
    expect(out).toMatch(/# Internal error in RDB reading offset \d+ -> RDB .*\n--- RDB ERROR DETECTED ---\n(.*\n)*.*# Terminating server after rdb file reading failure\./);
    expect(out).not.toMatch(/Ready to accept connections/);
  });

  it("prints redis-check-rdb's report of a bad value as redis-server does: the key, its type and what was read before", async () => {
    const dir = scratch();
    const expiry = (ms: number) => { const b = Buffer.alloc(9); b[0] = 0xfc; b.writeBigInt64LE(BigInt(ms), 1); return b; };
    writeFileSync(join(dir, 'dump.rdb'), rdbFile(10, [Buffer.from([0xfe, 0]), rdbKey(T.STRING, 'a', rdbString('1')),
      expiry(1000), rdbKey(T.STRING, 'gone', rdbString('x')), expiry(Date.now() + 3_600_000), rdbKey(T.STRING, 'later', rdbString('y')),
      rdbKey(T.HASH_ZIPLIST, 'bad', rdbString(ziplist(['f', '1', 'f', '2'])))]));
    const { code, out } = await runToExit(['--dir', dir]);
    const redis = spawn('redis-server', ['--port', '0', '--unixsocket', join(dir, 'redis.sock'), '--dir', dir, '--save', '']);
    let fromRedis = '';
    redis.stdout.on('data', (b: Buffer) => (fromRedis += b.toString()));
    expect(await new Promise((r) => redis.once('close', r))).toBe(1);
    expect(code).toBe(1);
    // The report's line names Redis's source line and counts bytes its own way; the rest is the same.
    const report = (text: string) => text.slice(text.indexOf('--- RDB ERROR DETECTED ---')).split('\n').filter((l) => l.startsWith('['));
    const [theirs, ours] = [report(fromRedis), report(out)];
    expect(ours.slice(1, 7)).toEqual(theirs.slice(1, 7));
    expect(ours.slice(1, 7)).toContain("[additional info] Reading key 'bad'");
    const what = / -> (.*)/.exec(theirs[0]!)![1]!;
    expect(what).toBe('Hash ziplist integrity check failed.');
    expect(ours[0]).toContain(`-> RDB ${what}`);
  });

  it('stops the start-up on a wrong checksum with redis-server\'s line for it', async () => {
    const dir = scratch();
    const file = good();
    file.write('foobar00', file.length - 8, 'latin1');
    writeFileSync(join(dir, 'dump.rdb'), file);
    const { code, out } = await runToExit(['--dir', dir]);
    // A unix socket, no TCP port: a free port taken by another test before it binds would end it before its load.
    const redis = spawn('redis-server', ['--port', '0', '--unixsocket', join(dir, 'redis.sock'), '--dir', dir, '--save', '']);
    let fromRedis = '';
    redis.stdout.on('data', (b: Buffer) => (fromRedis += b.toString()));
    expect(await new Promise((r) => redis.once('close', r))).toBe(1);
    const line = /Wrong RDB checksum expected: \([0-9a-f]{16}\) but got \(30307261626f6f66\)\. Aborting now\./;
    expect(code).toBe(1);
    expect(out.match(line)?.[0]).toBe(fromRedis.match(line)![0]);
    expect(out).toMatch(/# Internal error in RDB reading offset \d+ -> RDB CRC error: /);
  });

  it('loads a file with a wrong checksum under rdbchecksum no, as redis-server does', async () => {
    const dir = scratch();
    const file = good();
    file.write('foobar00', file.length - 8, 'latin1');
    writeFileSync(join(dir, 'dump.rdb'), file);
    const [redis, ours] = await Promise.all([startRedis(['--rdbchecksum', 'no'], dir), startRedstateProcess(['--rdbchecksum', 'no'], dir)]);
    try {
      const sizes = await Promise.all([redis, ours].map(async (p) => {
        const c = await RespClient.connect(p.port);
        const got = [await c.call('DBSIZE'), await c.call('SELECT', 5), await c.call('DBSIZE')];
        c.close();
        return got;
      }));
      expect(sizes[1]).toEqual(sizes[0]);
      expect(sizes[0]![0]).toBeGreaterThan(0);
    } finally {
      await Promise.all([redis.close(), ours.close()]);
    }
  });

  it('stops the start-up when it selects a db beyond databases', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'dump.rdb'), good());
    const { code, out } = await runToExit(['--dir', dir, '--databases', '4']);
    expect(code).toBe(1);
    expect(out).toMatch(/Internal error in RDB reading offset \d+ -> .*DB 5.*4 databases/);
  });
});

describe('shutdown', () => {
  it('SIGTERM saves when save points are configured', async () => {
    const [p, c] = await start(['--save', '3600 1']);
    await c.call('SET', 'k', 'v');
    p.proc.kill('SIGTERM');
    expect(await exited(p)).toBe(0);
    expect(p.output()).toMatch(/Saving the final RDB snapshot before exiting\.[^]*DB saved on disk/);
    const rdb = decodeRdb(readFileSync(join(p.dir, 'dump.rdb')));
    expect(plain(rdb.dbs)[0]).toEqual({ k: ['string', 'v', null] });
  });

  it('SIGTERM does not save without save points', async () => {
    const [p, c] = await start([]);
    await c.call('SET', 'k', 'v');
    p.proc.kill('SIGTERM');
    expect(await exited(p)).toBe(0);
    expect(existsSync(join(p.dir, 'dump.rdb'))).toBe(false);
  });

  it('SHUTDOWN saves when save points are configured, SHUTDOWN NOSAVE does not', async () => {
    const [p, c] = await start(['--save', '3600 1']);
    await c.call('SET', 'k', 'v');
    c.write(encodeCommand(['SHUTDOWN']));
    expect(await exited(p)).toBe(0);
    expect(decodeRdb(readFileSync(join(p.dir, 'dump.rdb'))).keysLoaded).toBe(1);

    const [q, d] = await start(['--save', '3600 1']);
    await d.call('SET', 'k', 'v');
    d.write(encodeCommand(['SHUTDOWN', 'NOSAVE']));
    expect(await exited(q)).toBe(0);
    expect(existsSync(join(q.dir, 'dump.rdb'))).toBe(false);
  });
});
