// Streams through the RDB with redis-server 7.0: streams with consumer groups, pending
// entries, deleted entries and 64-bit IDs built on redis-server, saved there, loaded here
// (same DEBUG DIGEST), saved here and loaded back into redis-server: same digest, same
// XINFO STREAM FULL (groups, PELs, consumers, counters), and the same DUMP payload, which
// shows that redstate writes each node as the very listpack Redis wrote.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digest } from '../helpers/dataset.js';
import { RespClient, RespError, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstate, tempDir, type Running } from '../helpers/servers.js';

const running: Running[] = [];
const clients: RespClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(running.map((p) => p.close()));
});

async function connect(p: Running): Promise<RespClient> {
  running.push(p);
  const c = await RespClient.connect(p.port);
  clients.push(c);
  return c;
}

async function send(c: RespClient, ...args: Array<string | number>): Promise<Reply> {
  const r = await c.call(...args);
  if (r instanceof RespError) throw new Error(`${args.slice(0, 4).join(' ')}: ${r.message}`);
  return r;
}

const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
const KEYS = ['s:events', 's:mixed', 's:bigids', 's:emptied', 's:wide', 's:ttl', 's:trimmed', 's:nogroups'];

/** Streams of every shape Redis 7.0 writes, built with its own commands. */
async function buildStreams(c: RespClient): Promise<void> {
  for (let i = 1; i <= 250; i++) await send(c, 'XADD', 's:events', `${1000 + i}-${i % 3}`, 'user', `u${i % 7}`, 'n', i, 'amt', -i * 1000);
  await send(c, 'XDEL', 's:events', '1005-2', '1100-1', '1249-0');
  await send(c, 'XGROUP', 'CREATE', 's:events', 'g1', '0');
  await send(c, 'XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', 30, 'STREAMS', 's:events', '>');
  await send(c, 'XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', 12, 'STREAMS', 's:events', '>');
  await send(c, 'XACK', 's:events', 'g1', '1002-2', '1003-0', '1035-2');
  await send(c, 'XCLAIM', 's:events', 'g1', 'carol', 0, '1010-1', '1011-2');
  await send(c, 'XGROUP', 'CREATE', 's:events', 'g2', '$', 'ENTRIESREAD', 250);
  await send(c, 'XGROUP', 'CREATECONSUMER', 's:events', 'g2', 'dave');
  await send(c, 'XGROUP', 'CREATE', 's:events', 'g0', '1100-0');

  for (let i = 0; i < 40; i++) {
    const fields = i % 3 === 0 ? ['a', i] : i % 3 === 1 ? ['a', i, 'b', binary] : ['x', '', 'y', 'z'.repeat(i * 10)];
    await send(c, 'XADD', 's:mixed', '*', ...fields);
  }
  await send(c, 'XADD', 's:bigids', '9007199254740993-1', 'f', 'v');
  await send(c, 'XADD', 's:bigids', '18446744073709551614-18446744073709551615', 'f', 'v2');
  await send(c, 'XADD', 's:bigids', '18446744073709551615-*', 'f', 'v3');
  await send(c, 'XGROUP', 'CREATE', 's:bigids', 'big', '9007199254740993-1');
  await send(c, 'XREADGROUP', 'GROUP', 'big', 'x', 'STREAMS', 's:bigids', '>');

  await send(c, 'XADD', 's:emptied', '5-1', 'k', 'v');
  await send(c, 'XADD', 's:emptied', '6-1', 'k', 'v');
  await send(c, 'XDEL', 's:emptied', '5-1', '6-1');
  await send(c, 'XGROUP', 'CREATE', 's:emptied', 'late', '$');

  for (let i = 0; i < 12; i++) await send(c, 'XADD', 's:wide', '*', 'blob', String.fromCharCode(65 + i).repeat(1500), 'i', i);
  await send(c, 'XADD', 's:ttl', '*', 'k', 'v');
  await send(c, 'PEXPIRE', 's:ttl', 50_000_000);
  for (let i = 0; i < 500; i++) await send(c, 'XADD', 's:trimmed', '*', 'v', i);
  await send(c, 'XTRIM', 's:trimmed', 'MAXLEN', '~', 120);
  await send(c, 'XTRIM', 's:trimmed', 'MAXLEN', 110);
  await send(c, 'XADD', 's:nogroups', '1-1', 'only', 'one');
}

async function snapshot(c: RespClient): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) {
    out[key] = {
      info: await send(c, 'XINFO', 'STREAM', key, 'FULL'),
      dump: await send(c, 'DUMP', key),
      ttl: (await send(c, 'PTTL', key)) as number > 0,
    };
  }
  return out;
}

/** Starts a server of that kind on a copy of the dump.rdb in `from`. */
async function startOnCopy(from: string, start: (dir: string) => Promise<Running>): Promise<RespClient> {
  const dir = tempDir();
  copyFileSync(join(from, 'dump.rdb'), join(dir, 'dump.rdb'));
  return connect(await start(dir));
}

describe('streams in the RDB with redis-server 7.0', () => {
  it('load what redis-server saved, and save what redis-server loads back unchanged', async () => {
    const origin = await startRedis(['--enable-debug-command', 'yes']);
    const r = await connect(origin);
    await buildStreams(r);
    const want = await digest(r);
    const wantState = await snapshot(r);
    expect(await send(r, 'SAVE')).toBe('OK');

    let hereDir = '';
    const here = await startOnCopy(origin.dir, (dir) => {
      hereDir = dir;
      return startRedstate({ dir, 'enable-debug-command': 'yes' });
    });
    expect(await send(here, 'DBSIZE')).toBe(KEYS.length);
    expect(await digest(here)).toBe(want);
    for (const key of KEYS) expect(await send(here, 'TYPE', key)).toBe('stream');

    expect(await send(here, 'SAVE')).toBe('OK');
    const back = await startOnCopy(hereDir, (dir) => startRedis(['--enable-debug-command', 'yes'], dir));
    expect(await digest(back)).toBe(want);
    expect(await snapshot(back)).toEqual(wantState);
  });
});
