// redstate as the replica where scripts and functions are concerned: function libraries reach it
// from a redis-server 7.0 master (in the full sync's RDB and as FUNCTION commands in the
// stream) and from a redstate master, FCALL_RO and EVAL_RO give the master's results on it, a
// script's effects arrive as its writes, and a busy read-only script on the replica keeps its
// atomicity: the master's stream waits until it ends (then applies), as Redis's replica does.
import { describe, expect, it } from 'vitest';
import { caughtUp, digest } from '../helpers/replication.js';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, startRedstateProcess } from '../helpers/servers.js';

const { running, client } = closedAfterEach();

const LIB_A = "#!lua name=liba\nredis.register_function('incr2', function(keys, args) " +
  "redis.call('incr', keys[1]) return redis.call('incrby', keys[1], args[1]) end)\n" +
  "redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}";
const LIB_B = "#!lua name=libb\nredis.register_function{function_name='both', callback=function(keys) " +
  "return {redis.call('get', keys[1]), redis.call('get', keys[2])} end, flags={'no-writes'}}";

/** FUNCTION LIST WITHCODE with libraries and their functions sorted (each server lists them in its dicts' order). */
async function libraries(c: RespClient): Promise<unknown> {
  const list = (await c.call('FUNCTION', 'LIST', 'WITHCODE')) as unknown[][];
  return list.map((l) => JSON.stringify(l.map((v, i) => (l[i - 1] === 'functions' ? (v as unknown[]).map((f) => JSON.stringify(f)).sort() : v)))).sort();
}

/** The master's functions and data, then what both answer read-only, compared. */
async function expectSameFunctions(m: RespClient, r: RespClient, masterPort: number, replicaPort: number): Promise<void> {
  await caughtUp(m, r);
  expect(await libraries(r)).toEqual(await libraries(m));
  for (const cmd of [['FCALL_RO', 'peek', '1', 'n'], ['FCALL_RO', 'both', '2', 'n', 's'], ['EVAL_RO', "return redis.call('get', KEYS[1])", '1', 's']]) {
    expect(await r.call(...cmd)).toEqual(await m.call(...cmd));
  }
  expect(await digest(replicaPort)).toBe(await digest(masterPort));
}

describe('functions and scripts on a redstate replica', () => {
  for (const masterKind of ['redis-server 7.0', 'redstate'] as const) {
    it(`follows a ${masterKind} master's libraries (full sync, then the stream) and scripts' effects`, async () => {
      const master = masterKind === 'redstate'
        ? await startRedstate({ 'repl-diskless-sync-delay': '0' })
        : await startRedis(['--repl-diskless-sync-delay', '0']);
      running.push(master);
      const m = await client(master.port);
      expect(await m.call('FUNCTION', 'LOAD', LIB_A)).toBe('liba');
      expect(await m.call('FCALL', 'incr2', '1', 'n', '10')).toBe(11);
      const replica = await startRedstate({ replicaof: ['127.0.0.1', String(master.port)] });
      running.push(replica);
      const r = await client(replica.port);
      await expectSameFunctions(m, r, master.port, replica.port);
      expect(await m.call('FUNCTION', 'LOAD', LIB_B)).toBe('libb');
      expect(await m.call('EVAL', "redis.call('set', KEYS[1], ARGV[1]) return redis.call('append', KEYS[1], 'x')", '1', 's', 'v')).toBe(2);
      expect(await m.call('FCALL', 'incr2', '1', 'n', '1')).toBe(13);
      await expectSameFunctions(m, r, master.port, replica.port);
      expect(await m.call('FUNCTION', 'LOAD', 'REPLACE', LIB_A.replace('incrby', 'decrby'))).toBe('liba');
      expect(await m.call('FUNCTION', 'DELETE', 'libb')).toBe('OK');
      await expectSameFunctions(m, r, master.port, replica.port);
      expect(await r.call('FCALL', 'incr2', '1', 'n', '1')).toMatchObject({ message: expect.stringMatching(/^READONLY/) });
      expect(await r.call('EVAL', "return redis.call('set', 'w', '1')", '0')).toMatchObject({ message: expect.stringMatching(/^READONLY/) });
      expect(await m.call('FUNCTION', 'FLUSH')).toBe('OK');
      await caughtUp(m, r);
      expect(await r.call('FUNCTION', 'LIST')).toEqual([]);
    });
  }

  it('holds the master stream while a read-only script on the replica is busy, then applies it', async () => {
    const master = await startRedstate({ 'repl-diskless-sync-delay': '0' });
    running.push(master);
    const replica = await startRedstateProcess(['--replicaof', '127.0.0.1', String(master.port), '--busy-reply-threshold', '50']);
    running.push(replica);
    const [m, r, other] = await Promise.all([client(master.port), client(replica.port), client(replica.port)]);
    await m.call('SET', 'x', 'before');
    await caughtUp(m, r);
    // Reads x, then spins until x changes or 2 s passed, and reads it again: the master's
    // write, sent meanwhile, must not land inside the script.
    const script = r.call('EVAL_RO', "local a = redis.call('get', 'x') local t = redis.call('time') " +
      "while redis.call('get', 'x') == a do local n = redis.call('time') " +
      "if (n[1] - t[1]) * 1000000 + n[2] - t[2] > 2000000 then break end end " +
      "return {a, redis.call('get', 'x')}", '0');
    let busy: unknown;
    do busy = await other.call('GET', 'x');
    while (!(busy instanceof Error));
    expect((busy as Error).message).toMatch(/^BUSY/);
    // The master's writes reach the replica while the script runs: they must wait for it.
    await m.call('SET', 'x', 'after');
    expect(await script).toEqual(['before', 'before']);
    await caughtUp(m, r);
    expect(await r.call('GET', 'x')).toBe('after');
    expect(await digest(replica.port)).toBe(await digest(master.port));
  });
});
