// CLIENT PAUSE / UNPAUSE (src/actors/pause.ts) against redis-server 7.0: the same scenario runs
// on both servers and what every client got must be the same. WRITE holds writes, PUBLISH,
// PFCOUNT, a write queued in MULTI and scripts that may write while reads go on; expired keys are hidden but kept;
// ALL holds everything; a pause ends by UNPAUSE or by its timeout; a replica's master stream
// waits under a pause on the replica.
import { afterEach, describe, expect, it } from 'vitest';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { caughtUp, info, until } from '../helpers/replication.js';
import { startRedis, startRedstate } from '../helpers/servers.js';
import { plain, sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });

const opened: RespClient[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) c.close();
  await Promise.all([pair.r.call('CLIENT', 'UNPAUSE'), pair.s.call('CLIENT', 'UNPAUSE')]);
});

async function client(port: number): Promise<RespClient> {
  const c = await RespClient.connect(port);
  opened.push(c);
  return c;
}

/** Polls INFO clients until n clients are blocked (held by the pause). */
async function blocked(admin: RespClient, n: number): Promise<void> {
  await until(async () => new RegExp(`blocked_clients:${n}\\r`).test(String(await admin.call('INFO', 'clients'))), 10_000);
}

/** The flags= of a client's CLIENT LIST line. */
async function flagsOf(admin: RespClient, id: number): Promise<string> {
  const line = String(await admin.call('CLIENT', 'LIST', 'ID', id));
  return /flags=(\S+)/.exec(line)![1]!;
}

async function bothServers<T>(scenario: (port: number) => Promise<T>): Promise<void> {
  const [want, got] = await Promise.all([scenario(pair.redis.port), scenario(pair.redstate.port)]);
  expect(got).toEqual(want);
}

const settle = async (ps: Array<Promise<Reply>>): Promise<unknown[]> => (await Promise.all(ps)).map(plain);

describe('CLIENT PAUSE', () => {
  it('refuses bad timeouts and modes as Redis does', async () => {
    await pair.same(['CLIENT', 'PAUSE'], 'CLIENT PAUSE abc', 'CLIENT PAUSE -1', 'CLIENT PAUSE 1.5',
      'CLIENT PAUSE 100 foo', 'CLIENT PAUSE 100 write extra', 'CLIENT PAUSE 99999999999999999999',
      'CLIENT UNPAUSE x', 'CLIENT PAUSE 0', 'CLIENT PAUSE 0 WRITE', 'CLIENT UNPAUSE', 'CLIENT UNPAUSE', 'PING');
  });

  it('WRITE holds writes, PUBLISH, PFCOUNT and a write in MULTI while reads go on; expired keys stay hidden', async () => {
    await bothServers(async (port) => {
      const admin = await client(port);
      const writer = await client(port);
      const multi = await client(port);
      const other = await client(port);
      await admin.call('SET', 'k', 'v');
      await admin.call('PEXPIRE', 'k', 30);
      await admin.call('SET', 'kept', 'x');
      expect(await admin.call('CLIENT', 'PAUSE', 100_000, 'WRITE')).toBe('OK');
      // The key's time passes during the pause: it reads as gone, but stays in the dataset.
      await until(async () => (await admin.call('EXISTS', 'k')) === 0, 5000);
      const writerId = (await writer.call('CLIENT', 'ID')) as number;
      const held = [writer.call('SET', 'a', '1'), writer.call('GET', 'a')];
      await blocked(admin, 1);
      expect(await multi.call('MULTI')).toBe('OK');
      const queued = [multi.call('SET', 'b', '2'), multi.call('GET', 'kept')];
      const others = [other.call('PUBLISH', 'ch', 'm'), other.call('PFCOUNT', 'hll')];
      await blocked(admin, 3);
      const during = await settle([admin.call('GET', 'k'), admin.call('GET', 'kept'), admin.call('DBSIZE'),
        admin.call('TTL', 'k'), admin.call('GET', 'a'), admin.call('WAIT', 0, 0), admin.call('ECHO', 'reads go on')]);
      const flags = await flagsOf(admin, writerId);
      expect(await admin.call('CLIENT', 'UNPAUSE')).toBe('OK');
      const after = await settle([...held, ...queued, multi.call('EXEC'), ...others]);
      await until(async () => (await admin.call('DBSIZE')) === 3, 5000);
      return { during, flags, after, keys: (await admin.call('KEYS', '*') as string[]).sort() };
    });
  });

  it('WRITE holds a script that may write (with no flags, or declaring none), not one that may not', async () => {
    await bothServers(async (port) => {
      const admin = await client(port);
      const sha = (await admin.call('SCRIPT', 'LOAD', 'return 1')) as string;
      expect(await admin.call('CLIENT', 'PAUSE', 100_000, 'WRITE')).toBe('OK');
      const held = [];
      for (const cmd of [['EVAL', 'return 1', 0], ['EVALSHA', sha, 0], ['EVAL', '#!lua\nreturn 1', 0]]) {
        held.push((await client(port)).call(...cmd));
        await blocked(admin, held.length);
      }
      const during = await settle([admin.call('EVAL_RO', 'return 2', 0), admin.call('EVAL', '#!lua flags=no-writes\nreturn 3', 0)]);
      expect(await admin.call('CLIENT', 'UNPAUSE')).toBe('OK');
      return { during, after: await settle(held) };
    });
  });

  it('ALL holds every command of every client, its own included, until the timeout passes', async () => {
    await bothServers(async (port) => {
      const admin = await client(port);
      const reader = await client(port);
      const replies = await admin.pipeline([['CLIENT', 'PAUSE', 300, 'ALL'], ['PING'], ['SET', 'x', 1]]);
      const r = await reader.pipeline([['GET', 'x'], ['ECHO', 'e']]);
      return [replies.map(plain), r.map(plain)];
    });
  });

  it('a second pause makes it stricter and longer, never looser; UNPAUSE lets the held clients go in order', async () => {
    await bothServers(async (port) => {
      const admin = await client(port);
      const a = await client(port);
      const b = await client(port);
      // WRITE for 100 s, then ALL for 1 ms: ALL until the later end; the reader waits it out.
      const pipelined = await admin.pipeline([['CLIENT', 'PAUSE', 200, 'WRITE'], ['CLIENT', 'PAUSE', 1, 'ALL'], ['GET', 'l']]);
      await admin.call('CLIENT', 'PAUSE', 100_000, 'WRITE');
      const first = a.call('RPUSH', 'l', 'first');
      await blocked(admin, 1);
      const second = b.call('RPUSH', 'l', 'second');
      await blocked(admin, 2);
      const during = plain(await admin.call('LRANGE', 'l', 0, -1));
      const unpause = await admin.call('CLIENT', 'UNPAUSE');
      return [pipelined.map(plain), during, unpause, plain(await first), plain(await second), plain(await admin.call('LRANGE', 'l', 0, -1))];
    });
  });

  it('CLIENT UNBLOCK leaves a client the pause holds alone (Redis 7.0 crashes on TIMEOUT)', async () => {
    const admin = await client(pair.redstate.port);
    const w = await client(pair.redstate.port);
    const id = (await w.call('CLIENT', 'ID')) as number;
    await admin.call('CLIENT', 'PAUSE', 100_000, 'WRITE');
    const held = w.call('SET', 'a', '1');
    await blocked(admin, 1);
    expect(await admin.pipeline([['CLIENT', 'UNBLOCK', id], ['CLIENT', 'UNBLOCK', id, 'ERROR']])).toEqual([0, 0]);
    await admin.call('CLIENT', 'UNPAUSE');
    expect(await held).toBe('OK');
  });
});

describe('CLIENT PAUSE on a replica', () => {
  it('holds the master stream: writes wait unapplied, the offset stays, then all arrive', async () => {
    const master = await startRedis();
    const replicas = await Promise.all([startRedis(['--replicaof', '127.0.0.1', String(master.port)]),
      startRedstate({ replicaof: `127.0.0.1 ${master.port}` })]);
    const m = await RespClient.connect(master.port);
    try {
      const seen = await Promise.all(replicas.map(async (replica) => {
        const r = await client(replica.port);
        await caughtUp(m, r);
        return r;
      }));
      for (const r of seen) expect(await r.call('CLIENT', 'PAUSE', 100_000, 'WRITE')).toBe('OK');
      await m.call('SET', 'k', 'v');
      await m.call('INCR', 'n');
      const offset = (await info(m)).get('master_repl_offset');
      // Each replica read the stream but applied none of it while paused.
      await until(async () => {
        const all = await Promise.all(seen.map((r) => r.call('EXISTS', 'k')));
        return all.every((x) => x === 0);
      });
      const during = await Promise.all(seen.map(async (r) => (await info(r)).get('slave_repl_offset') !== offset));
      expect(during).toEqual([true, true]);
      for (const r of seen) await r.call('CLIENT', 'UNPAUSE');
      for (const r of seen) await caughtUp(m, r);
      expect(await Promise.all(seen.map((r) => r.call('MGET', 'k', 'n')))).toEqual([['v', '1'], ['v', '1']]);
    } finally {
      m.close();
      await Promise.all([master.close(), ...replicas.map((r) => r.close())]);
    }
  });
});
