// MIGRATE against redis-server 7.0: the same steps run from a redis-server source and from a
// redstate one, each to a target of its own (redis-server, and redstate too), and the replies,
// what the target holds after, INFO's migrate_cached_sockets and the DEL a replica gets agree.
// A target that never answers, and a port where nothing listens, give the same IOERRs.
import { connect, createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caughtUp, until } from '../helpers/replication.js';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { freePort, startRedis, startRedstate, startRedstateProcess, type InProcess, type Proc } from '../helpers/servers.js';
import { plain, sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const running: Array<Proc | InProcess> = [];
let silent: NetServer;
let silentPort: number;

beforeAll(async () => {
  // Takes connections and never answers.
  silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.close()));
  silent.close();
});

/** The steps, from the source on port to the target: every reply, then what the target holds. */
async function steps(source: number, target: number): Promise<unknown[]> {
  const s = await RespClient.connect(source);
  const t = await RespClient.connect(target);
  const out: Reply[] = [];
  const run = async (c: RespClient, ...cmd: Array<string | number>): Promise<void> => {
    out.push(await c.call(...cmd));
  };
  const m = (...rest: Array<string | number>): Promise<void> => run(s, 'MIGRATE', '127.0.0.1', target, ...rest);
  await run(s, 'SET', 'k', 'v');
  await run(s, 'RPUSH', 'list', 'a', 'b', 'c');
  await run(s, 'SET', 'e', 'x', 'PX', 100_000);
  await m('k', 0, 1000);
  await m('list', 0, 1000);
  await m('e', 0, 1000);
  await m('missing', 0, 1000);
  await run(s, 'SET', 'c', 'one');
  await m('c', 0, 1000, 'COPY');
  await run(s, 'SET', 'c', 'two');
  await m('c', 0, 1000);
  await m('c', 0, 1000, 'REPLACE');
  await run(s, 'MSET', 'a', '1', 'b', '2');
  await m('', 3, 1000, 'KEYS', 'a', 'nope', 'b');
  await m('a', 3, 1000, 'KEYS', 'x');
  await m('k', 0, 1000, 'BOGUS');
  await m('k', 'x', 1000);
  await m('k', 0, 'x');
  await run(s, 'SET', 'z', 'v');
  await m('z', 0, 1000, 'AUTH', 'secret');
  await m('z', 0, 1000, 'AUTH2', 'user', 'secret');
  await run(s, 'MIGRATE', '127.0.0.1', String(await freePort()), 'z', 0, 1000);
  await run(s, 'MIGRATE', '127.0.0.1', silentPort, 'z', 0, 200);
  await run(s, 'EXISTS', 'k', 'list', 'e', 'c', 'a', 'b', 'z');
  await run(t, 'MGET', 'k', 'c', 'z');
  await run(t, 'LRANGE', 'list', 0, -1);
  out.push(((await t.call('PTTL', 'e')) as number) > 90_000 ? 'ttl kept' : 'ttl lost');
  await run(t, 'SELECT', 3);
  await run(t, 'MGET', 'a', 'b');
  out.push(/migrate_cached_sockets:(\d+)/.exec(String(await s.call('INFO', 'stats')))![1]!);
  s.close();
  t.close();
  return out.map((r) => plain(r as Reply));
}

describe('MIGRATE', () => {
  it('moves keys as redis-server does, to a redis-server target and to a redstate one', async () => {
    // A process: an in-process target would wait for the very thread MIGRATE blocks.
    const targets = await Promise.all([startRedis(), startRedis(), startRedstateProcess()]);
    running.push(...targets);
    const [want, got] = await Promise.all([steps(pair.redis.port, targets[0]!.port), steps(pair.redstate.port, targets[1]!.port)]);
    expect(got).toEqual(want);
    expect(want).toContain('NOKEY');
    expect(want.at(-1)).toBe('1');
    // Into redstate: the same but for the connections cached (the first target's is still there).
    await pair.s.call('FLUSHALL');
    const ours = await steps(pair.redstate.port, targets[2]!.port);
    expect(ours.slice(0, -1)).toEqual(want.slice(0, -1));
  });

  it('propagates the keys it moved as one DEL, and nothing with COPY', async () => {
    const [target, master] = await Promise.all([startRedis(), startRedstate({ 'repl-diskless-sync-delay': '0' })]);
    const replica = await startRedstate({ replicaof: `127.0.0.1 ${master.port}` });
    running.push(target, master, replica);
    const m = await RespClient.connect(master.port);
    const r = await RespClient.connect(replica.port);
    await m.call('MSET', 'a', '1', 'b', '2', 'c', '3');
    await caughtUp(m, r);
    const mon = connect({ port: replica.port, host: '127.0.0.1' });
    const watched: string[] = [];
    mon.on('data', (b: Buffer) => watched.push(b.toString('latin1')));
    mon.write('MONITOR\r\n');
    await until(() => watched.join('').startsWith('+OK\r\n'));
    watched.length = 0;
    expect(await m.call('MIGRATE', '127.0.0.1', target.port, '', 0, 1000, 'KEYS', 'a', 'b')).toBe('OK');
    expect(await m.call('MIGRATE', '127.0.0.1', target.port, 'c', 0, 1000, 'COPY')).toBe('OK');
    await caughtUp(m, r);
    expect(await r.call('MGET', 'a', 'b', 'c')).toEqual([null, null, '3']);
    // One DEL of the two keys, as the replica's MONITOR shows what its master sent.
    expect(watched.join('').match(/"(DEL|MIGRATE)"( "\w+")*/g)).toEqual(['"DEL" "a" "b"']);
    mon.destroy();
    m.close();
    r.close();
  });

  it('names its keys, and hides its credentials from the slow log, as redis-server does', async () => {
    for (const rest of [['k', 0, 10], ['', 0, 10, 'KEYS', 'a', 'b'], ['k', 0, 10, 'COPY', 'AUTH', 'pw', 'KEYS', 'a'],
      ['', 0, 10, 'AUTH2', 'u', 'pw', 'REPLACE', 'KEYS', 'x']]) {
      await pair.same(['COMMAND', 'GETKEYS', 'MIGRATE', 'h', 1, ...rest]);
    }
    await pair.same('COMMAND INFO migrate', 'CONFIG SET slowlog-log-slower-than 0', 'SLOWLOG RESET');
    await pair.same(['MIGRATE', '127.0.0.1', silentPort, 'nokey', 0, 10, 'AUTH2', 'user', 'pw', 'COPY', 'AUTH', 'pw2']);
    const entries = await Promise.all([pair.r, pair.s].map(async (c) => ((await c.call('SLOWLOG', 'GET', 10)) as Reply[][]).map((e) => plain(e[3]!))));
    expect(entries[1]).toEqual(entries[0]);
    expect(JSON.stringify(entries[0])).toContain('(redacted)');
    await pair.same('CONFIG SET slowlog-log-slower-than 10000');
  });
});
