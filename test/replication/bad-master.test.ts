// A master that misbehaves at every step, played by the scripted fake master: each case
// logs one clear line, leaves the dataset (and dbfilename) as it was, leaves no temp file,
// keeps answering clients, and tries again.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_MIN } from '../../src/io/rdb-decoder.js';
import { digest } from '../helpers/dataset.js';
import { FakeMaster, REPLID, rdbOf, type FakeLink } from '../helpers/fake-master.js';
import { captureLog, info, waitFor } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { freePort, startRedstate, type InProcess } from '../helpers/servers.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface Setup {
  fm: FakeMaster;
  r: InProcess;
  c: RespClient;
  log: string[];
  before: string;
}

/** A replica holding data of its own (and a dump.rdb), pointed at a fake master. */
async function setup(directives: Record<string, string> = {}): Promise<Setup> {
  const fm = await FakeMaster.start();
  cleanup.push(() => fm.close());
  const r = await startRedstate({ 'repl-timeout': '1', ...directives });
  cleanup.push(() => r.close());
  const c = await RespClient.connect(r.port);
  cleanup.push(() => c.close());
  await c.call('MSET', 'precious', 'data', 'other', '42');
  await c.call('SAVE');
  const before = await digest(c);
  const log = captureLog(r.server.log);
  expect(await c.call('REPLICAOF', '127.0.0.1', fm.port)).toBe('OK');
  return { fm, r, c, log, before };
}

async function logged(s: Setup, text: string): Promise<void> {
  await waitFor(`the log line "${text}"`, () => s.log.some((l) => l.includes(text)));
}

/** Nothing changed: same data, same dump.rdb, no temp file, clients answered. */
async function unchanged(s: Setup): Promise<void> {
  expect(await s.c.call('PING')).toBe('PONG');
  expect(await digest(s.c)).toBe(s.before);
  expect(readdirSync(s.r.dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
  expect(readFileSync(join(s.r.dir, 'dump.rdb')).includes('precious')).toBe(true);
  expect((await info(s.c)).get('master_link_status')).toBe('down');
}

/** The replica comes back with a new connection. */
async function retries(s: Setup): Promise<FakeLink> {
  return s.fm.accept();
}

describe('a misbehaving master', () => {
  it('garbage to PING', async () => {
    const s = await setup();
    const l = await s.fm.accept();
    await l.expect('PING');
    l.send('garbage\r\n');
    await logged(s, "Error reply to PING from master: 'garbage'");
    await unchanged(s);
    await (await retries(s)).expect('PING');
  });

  it('a refused AUTH (wrong masterauth)', async () => {
    const s = await setup({ masterauth: 'wrong' });
    const l = await s.fm.accept();
    await l.expect('PING');
    l.send('-NOAUTH Authentication required.\r\n');
    expect(await l.expect('AUTH')).toEqual(['AUTH', 'wrong']);
    l.send('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    await logged(s, 'Unable to AUTH to MASTER: -WRONGPASS');
    await unchanged(s);
    await retries(s);
  });

  it('errors to REPLCONF are not critical; garbage to PSYNC falls back to SYNC', async () => {
    const s = await setup();
    const l = await s.fm.accept();
    await l.expect('PING');
    l.send('+PONG\r\n');
    expect(await l.expect('REPLCONF')).toEqual(['REPLCONF', 'listening-port', String(s.r.port)]);
    l.send('-ERR nope\r\n');
    expect(await l.expect('REPLCONF')).toEqual(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    l.send('$%^&\r\n');
    // This master turned replica offers its own (empty) history.
    expect(await l.expect('PSYNC')).toEqual(['PSYNC', expect.stringMatching(/^[0-9a-f]{40}$/), '1']);
    l.send('what?\r\n');
    await l.expect('SYNC');
    await logged(s, 'Unexpected reply to PSYNC from master: what?');
    l.sendPayload(rdbOf({ fresh: 'yes' }));
    await waitFor('the payload loaded', async () => (await s.c.call('GET', 'fresh')) === 'yes');
    expect(await s.c.call('EXISTS', 'precious')).toBe(0);
    expect(s.log.some((l) => l.includes('(Non critical) Master does not understand REPLCONF listening-port: -ERR nope'))).toBe(true);
  });

  it('a malformed +FULLRESYNC blanks the replid: the next attempt cannot continue from it', async () => {
    const s = await setup();
    const l = await s.fm.accept();
    await l.handshake('+FULLRESYNC short 10');
    await logged(s, 'Master replied with wrong +FULLRESYNC syntax.');
    l.sendPayload(rdbOf({ a: '1' }));
    await waitFor('the payload loaded', async () => (await s.c.call('GET', 'a')) === '1');
    l.destroy();
    // As the seed does: the blank id (and offset -1) is what the next PSYNC offers, which no master takes.
    const again = await retries(s);
    expect(await again.handshake(`+FULLRESYNC ${REPLID} 5`)).toEqual(['PSYNC', '', '0']);
  });

  it('-NOMASTERLINK and -LOADING: tried again later', async () => {
    const s = await setup();
    let l = await s.fm.accept();
    await l.handshake("-NOMASTERLINK Can't SYNC while not connected with my master");
    await logged(s, 'Master is currently unable to PSYNC but should be in the future: -NOMASTERLINK');
    l = await retries(s);
    await l.handshake('-LOADING Redis is loading the dataset in memory');
    await unchanged(s);
    await retries(s);
  });

  it('a payload header that is not one', async () => {
    const s = await setup();
    const l = await s.fm.accept();
    await l.handshake();
    l.send('\n\nhello\r\n');
    await logged(s, "Bad protocol from MASTER, the first byte is not '$' (we received 'hello'), are you sure the host and port are right?");
    await unchanged(s);
    const again = await retries(s);
    await again.handshake();
    again.send('-ERR cannot fork\r\n');
    await logged(s, 'MASTER aborted replication with an error: ERR cannot fork');
  });

  it('a close in the middle of the payload', async () => {
    const s = await setup();
    const l = await s.fm.accept();
    await l.handshake();
    const rdb = rdbOf({ x: 'y'.repeat(10_000) });
    l.send(Buffer.concat([Buffer.from(`$${rdb.length}\r\n`), rdb.subarray(0, 5000)]));
    await waitFor('the temp file', () => readdirSync(s.r.dir).some((f) => new RegExp(`^temp-\\d{10}\\.${process.pid}\\.rdb$`).test(f)));
    l.destroy();
    await logged(s, 'I/O error trying to sync with MASTER: connection lost');
    await unchanged(s);
    await retries(s);
  });

  it('fewer bytes than announced, then silence: the transfer times out', async () => {
    const s = await setup();
    const l = await s.fm.accept();
    await l.handshake();
    const rdb = rdbOf({ x: 'y' });
    l.send(Buffer.concat([Buffer.from(`$${rdb.length + 10}\r\n`), rdb]));
    await logged(s, 'Timeout receiving bulk data from MASTER');
    await unchanged(s);
    await retries(s);
  });

  it('a payload with a bad CRC, a bad EOF payload, an RDB version from the future: nothing loaded', async () => {
    const s = await setup();
    const rdb = rdbOf({ x: 'y' });
    const badCrc = Buffer.from(rdb);
    badCrc[badCrc.length - 1]! ^= 0xff;
    let l = await s.fm.accept();
    await l.handshake();
    l.sendPayload(badCrc);
    await logged(s, 'Failed trying to load the MASTER synchronization DB from disk: ');
    await unchanged(s);
    l = await retries(s);
    await l.handshake();
    // The mark comes, but the RDB before it was cut short.
    l.sendEofPayload(rdb.subarray(0, rdb.length - 20));
    await waitFor('a second load failure', () => s.log.filter((x) => x.includes('Failed trying to load the MASTER synchronization DB')).length === 2);
    await unchanged(s);
    l = await retries(s);
    await l.handshake();
    const future = Buffer.from(rdb);
    future.write('0012', 5, 'latin1');
    l.sendPayload(future);
    await waitFor('a third load failure', () => s.log.filter((x) => x.includes('Failed trying to load the MASTER synchronization DB')).length === 3);
    expect(s.log.some((x) => x.includes('format version "0012"'))).toBe(true);
    await unchanged(s);
    l = await retries(s);
    await l.handshake();
    // An end mark that differs from the announced one never ends the transfer: it times out.
    l.sendEofPayload(rdb, 'a'.repeat(40), 'b'.repeat(40));
    await logged(s, 'Timeout receiving bulk data from MASTER');
    await unchanged(s);
  });

  it('with repl-diskless-load swapdb a bad payload leaves the old dataset in place', async () => {
    const s = await setup({ 'repl-diskless-load': 'swapdb' });
    const rdb = rdbOf({ x: 'y' });
    const bad = Buffer.from(rdb);
    bad[bad.length - 1]! ^= 0xff;
    const l = await s.fm.accept();
    await l.handshake();
    l.sendEofPayload(bad);
    await logged(s, 'Failed trying to load the MASTER synchronization DB from socket');
    await unchanged(s);
    // Decoded as it arrives, a payload from the future fails at its header, before its end came.
    const future = Buffer.concat([Buffer.from(rdb), Buffer.alloc(100_000)]);
    future.write('0012', 5, 'latin1');
    const next = await retries(s);
    await next.handshake();
    next.send(Buffer.concat([Buffer.from(`$EOF:${'e'.repeat(40)}\r\n`), future]));
    await logged(s, 'Failed trying to load the MASTER synchronization DB from socket: RDB format version "0012"');
    await unchanged(s);
    expect((await info(s.c, 'persistence')).get('loading')).toBe('0');
    const again = await retries(s);
    await again.handshake();
    again.sendEofPayload(rdb);
    await waitFor('the good payload', async () => (await s.c.call('GET', 'x')) === 'y');
    expect(await s.c.call('EXISTS', 'precious')).toBe(0);
  });

  it('a malformed command in the stream ends the link; the next attempt syncs in full', async () => {
    const s = await setup();
    const l = await s.fm.accept();
    await l.handshake();
    l.sendPayload(rdbOf({ a: '1' }));
    await l.expect('REPLCONF');
    l.sendCommands(['SET', 'b', '2']);
    await waitFor('the stream applied', async () => (await s.c.call('GET', 'b')) === '2');
    l.send('*2\r\n$3\r\nSET\r\nxx\r\n');
    await logged(s, 'Protocol error from MASTER');
    expect(await (await retries(s)).handshake()).toEqual(['PSYNC', '?', '-1']);
    expect(await s.c.call('GET', 'b')).toBe('2');
  });

  it('a large load from disk is decoded as it arrives: the old data is served meanwhile, the new swapped in at the end', async () => {
    const keys: Record<string, string> = {};
    for (let i = 0; i < 300_000; i++) keys[`key:${i}`] = `value:${i}`;
    const payload = rdbOf(keys);
    const s = await setup();
    const l = await s.fm.accept();
    await l.handshake();
    // All but the last bytes: as Redis does while it writes the file, the replica answers with the old data.
    const held = 1000;
    l.send(Buffer.concat([Buffer.from(`$${payload.length}\r\n`), payload.subarray(0, payload.length - held)]));
    await waitFor('the payload but its end in', async () => (await info(s.c)).get('master_sync_read_bytes') === String(payload.length - held), 20_000);
    expect(await s.c.call('GET', 'precious')).toBe('data');
    expect((await info(s.c)).get('master_sync_in_progress')).toBe('1');
    expect((await info(s.c, 'persistence')).get('loading')).toBe('0');
    // Decoded already, all but the record the held bytes end and what the decoder gathers before a try (RUN_MIN).
    expect(s.r.server.persistence.loadingLoadedBytes).toBeGreaterThan(payload.length - held - 100 - RUN_MIN);
    l.send(payload.subarray(payload.length - held));
    await waitFor('the load to end', async () => (await s.c.call('DBSIZE')) === 300_000);
    expect(await s.c.call('GET', 'key:299999')).toBe('value:299999');
    expect(await s.c.call('EXISTS', 'precious')).toBe(0);
  });

  it('a refused port and an unreachable host', async () => {
    const s = await setup();
    const port = await freePort();
    expect(await s.c.call('REPLICAOF', '127.0.0.1', port)).toBe('OK');
    // Redis 7.0's lines: a refused connect fails on the socket, a name that does not resolve
    // before it, in the resolver's words (which depend on whether there is DNS at all).
    await logged(s, 'Error condition on socket for SYNC: Connection refused');
    await unchanged(s);
    expect(await s.c.call('REPLICAOF', 'no-such-host.invalid', 6379)).toBe('OK');
    await logged(s, 'Unable to connect to MASTER: ');
    expect(s.log.find((l) => l.includes('Unable to connect to MASTER: '))).toMatch(/: [A-Z][a-z]+( [a-z]+)+$/);
    await unchanged(s);
  });

  it('silence after the connect, after PSYNC and once connected: each times out and retries', async () => {
    const s = await setup();
    await s.fm.accept();
    await logged(s, 'Timeout connecting to the MASTER...');
    await unchanged(s);
    const l = await retries(s);
    await l.expect('PING');
    l.send('+PONG\r\n');
    await l.expect('REPLCONF');
    l.send('+OK\r\n');
    await l.expect('REPLCONF');
    l.send('+OK\r\n');
    await l.expect('PSYNC');
    await waitFor('a second connect timeout', () => s.log.filter((x) => x.includes('Timeout connecting to the MASTER...')).length === 2);
    const c = await retries(s);
    await c.handshake();
    c.sendPayload(rdbOf({ k: 'v' }));
    await c.expect('REPLCONF');
    await logged(s, 'MASTER timeout: no data nor PING received...');
    // The master was cached: the next attempt asks to continue where it stopped.
    expect(await (await retries(s)).handshake(`+CONTINUE ${REPLID}`)).toEqual(['PSYNC', REPLID, '1']);
    expect(existsSync(join(s.r.dir, 'dump.rdb'))).toBe(true);
  });
});
