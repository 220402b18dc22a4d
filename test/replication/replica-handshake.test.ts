// What a redstate replica says and does on a good link, checked byte for byte against the
// scripted fake master: AUTH with masteruser, the announced address, the PSYNC a demoted
// master offers, keep-alives and progress during a transfer, diskless loads, ACKs, REPLICAOF
// cancelling a handshake; and REPLICAOF's answers to bad input next to redis-server 7.0's.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { digest } from '../helpers/dataset.js';
import { FakeMaster, REPLID, rdbOf } from '../helpers/fake-master.js';
import { captureLog, info, stat, waitFor } from '../helpers/replication.js';
import { StreamReplica } from '../helpers/replica-stream.js';
import { RespClient } from '../helpers/resp-client.js';
import { startReplicationFromConfig } from '../../src/actors/replica-link.js';
import { Server } from '../../src/actors/server.js';
import { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { Logger } from '../../src/log.js';
import { startRedis, startRedstate, tempDir, type InProcess } from '../helpers/servers.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function replica(directives: Record<string, string> = {}): Promise<{ r: InProcess; c: RespClient; log: string[] }> {
  const r = await startRedstate(directives);
  cleanup.push(() => r.close());
  const c = await RespClient.connect(r.port);
  cleanup.push(() => c.close());
  return { r, c, log: captureLog(r.server.log) };
}

async function fakeMaster(): Promise<FakeMaster> {
  const fm = await FakeMaster.start();
  cleanup.push(() => fm.close());
  return fm;
}

const cmd = (...argv: string[]): string => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;

describe('a redstate replica on the wire', () => {
  it('sends AUTH with masteruser and REPLCONF with the announced port and ip, all before the first reply', async () => {
    const fm = await fakeMaster();
    const { c } = await replica({ masteruser: 'repl', masterauth: 'pw', 'replica-announce-ip': '10.1.2.3', 'replica-announce-port': '7777' });
    const own = (await info(c)).get('master_replid')!;
    await c.call('REPLICAOF', '127.0.0.1', fm.port);
    const l = await fm.accept();
    await l.expect('PING');
    l.send('-NOAUTH Authentication required.\r\n');
    expect(await l.expect('AUTH')).toEqual(['AUTH', 'repl', 'pw']);
    expect(await l.expect('REPLCONF')).toEqual(['REPLCONF', 'listening-port', '7777']);
    expect(await l.expect('REPLCONF')).toEqual(['REPLCONF', 'ip-address', '10.1.2.3']);
    expect(await l.expect('REPLCONF')).toEqual(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    l.send('+OK\r\n+OK\r\n+OK\r\n+OK\r\n');
    // A master turned replica offers its own history, a fresh one too (replicationCacheMasterUsingMyself).
    expect(await l.expect('PSYNC')).toEqual(['PSYNC', own, '1']);
  });

  it('a master with history offers it by PSYNC, keeps its own replicas until the new replid comes, and continues under it', async () => {
    const fm = await fakeMaster();
    const { r, c, log } = await replica({ 'repl-diskless-sync-delay': '0' });
    const sub = await StreamReplica.start(r.port, { psync: ['?', -1], eof: true });
    cleanup.push(() => sub.close());
    await sub.payload;
    await c.call('SET', 'mine', 'kept');
    const before = await info(c);
    const [id, offset] = [before.get('master_replid')!, Number(before.get('master_repl_offset'))];
    expect(offset).toBeGreaterThan(0);
    await c.call('REPLICAOF', '127.0.0.1', fm.port);
    const l = await fm.accept();
    // As Redis 7.0: turning replica keeps them (they may continue from us); a new history drops them.
    expect(await l.handshake(`+CONTINUE ${REPLID}`)).toEqual(['PSYNC', id, String(offset + 1)]);
    expect(sub.closed).toBe(false);
    await waitFor('our replica dropped', () => sub.closed);
    for (const line of ['Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
      `Trying a partial resynchronization (request ${id}:${offset + 1}).`]) {
      expect(log.some((x) => x.endsWith(line))).toBe(true);
    }
    await waitFor('the link up', async () => (await info(c)).get('master_link_status') === 'up');
    const after = await info(c);
    expect([after.get('master_replid'), after.get('master_replid2'), after.get('second_repl_offset')]).toEqual([REPLID, id, String(offset + 1)]);
    expect(log.some((x) => x.endsWith('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.'))).toBe(true);
    expect(log.some((x) => x.endsWith('Successful partial resynchronization with master.'))).toBe(true);
    l.send(cmd('SET', 'theirs', '1'));
    await waitFor('the stream applied', async () => (await c.call('GET', 'theirs')) === '1');
    expect(await c.call('GET', 'mine')).toBe('kept');
    expect((await info(c)).get('master_repl_offset')).toBe(String(offset + cmd('SET', 'theirs', '1').length));
  });

  it('newlines keep a slow payload alive past repl-timeout; INFO shows its progress; the bytes count as replication input', async () => {
    const fm = await fakeMaster();
    const { r, c, log } = await replica({ 'repl-timeout': '2' });
    await c.call('REPLICAOF', '127.0.0.1', fm.port);
    const l = await fm.accept();
    await l.handshake();
    const base = await stat(c, 'total_net_repl_input_bytes');
    // Newlines for 3 s, longer than repl-timeout: the master is preparing the payload.
    for (let i = 0; i < 12; i++) {
      l.send('\n');
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(log.some((x) => x.includes('Timeout'))).toBe(false);
    expect((await info(c)).get('master_sync_in_progress')).toBe('1');
    const rdb = rdbOf(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, `v${i}`])));
    const header = `$${rdb.length}\r\n`;
    l.send(Buffer.concat([Buffer.from(header), rdb.subarray(0, 1000)]));
    await waitFor('1000 bytes read', async () => (await info(c)).get('master_sync_read_bytes') === '1000');
    const mid = await info(c);
    expect(mid.get('master_sync_total_bytes')).toBe(String(rdb.length));
    expect(mid.get('master_sync_left_bytes')).toBe(String(rdb.length - 1000));
    expect(mid.get('master_sync_perc')).toBe(((1000 / rdb.length) * 100).toFixed(2));
    expect(mid.get('master_sync_last_io_seconds_ago')).toBe('0');
    expect(log).toContain(log.find((x) => x.endsWith(`MASTER <-> REPLICA sync: receiving ${rdb.length} bytes from master to disk`)));
    l.send(rdb.subarray(1000));
    await waitFor('the payload loaded', async () => (await c.call('DBSIZE')) === 200);
    expect((await info(c)).has('master_sync_total_bytes')).toBe(false);
    // The temp file, checked, became dbfilename: the master's bytes as they came.
    expect(readFileSync(join(r.dir, 'dump.rdb')).equals(rdb)).toBe(true);
    expect(readdirSync(r.dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
    expect(await stat(c, 'total_net_repl_input_bytes')).toBe(base + 12 + header.length + rdb.length);
  });

  it('ACKs its offset on every tick, and answers GETACK at once with the offset before it', async () => {
    const fm = await fakeMaster();
    const { r, c } = await replica();
    // The link's clock is the test's: an ACK goes out only when the test ticks.
    r.server.manualReplicaTicks = true;
    await c.call('REPLICAOF', '127.0.0.1', fm.port);
    const link = r.server.replicaLink!;
    link.tick();
    const l = await fm.accept();
    await l.handshake(`+FULLRESYNC ${REPLID} 100`);
    l.sendPayload(rdbOf({}));
    expect(await l.expect('REPLCONF')).toEqual(['REPLCONF', 'ACK', '100']);
    const set = cmd('SET', 'a', '1');
    const getack = cmd('REPLCONF', 'GETACK', '*');
    l.send(set + getack);
    expect(await l.expect('REPLCONF')).toEqual(['REPLCONF', 'ACK', String(100 + set.length)]);
    // The cron's ACK counts the GETACK too.
    link.tick();
    expect(await l.expect('REPLCONF')).toEqual(['REPLCONF', 'ACK', String(100 + set.length + getack.length)]);
    expect(await c.call('GET', 'a')).toBe('1');
  });

  it('repl-diskless-load on-empty-db loads from the socket only when empty; a link lost mid-load under swapdb keeps the old data', async () => {
    const fm = await fakeMaster();
    const { c, log } = await replica({ 'repl-diskless-load': 'on-empty-db' });
    await c.call('SET', 'old', 'data');
    await c.call('REPLICAOF', '127.0.0.1', fm.port);
    let l = await fm.accept();
    await l.handshake();
    l.sendPayload(rdbOf({}));
    await waitFor('the empty payload loaded', async () => (await c.call('DBSIZE')) === 0);
    expect(log.some((x) => x.includes('from master to disk'))).toBe(true);
    l.destroy();
    l = await fm.accept();
    await l.handshake();
    l.sendEofPayload(rdbOf({ fresh: '1' }));
    await waitFor('the payload loaded', async () => (await c.call('GET', 'fresh')) === '1');
    expect(log.some((x) => x.endsWith('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser'))).toBe(true);
    const before = await digest(c);
    expect(await c.call('CONFIG', 'SET', 'repl-diskless-load', 'swapdb')).toBe('OK');
    l.destroy();
    l = await fm.accept();
    await l.handshake();
    const rdb = rdbOf({ other: 'x'.repeat(5000) });
    l.send(Buffer.concat([Buffer.from(`$${rdb.length}\r\n`), rdb.subarray(0, 3000)]));
    await waitFor('the transfer under way', async () => (await info(c)).get('master_sync_read_bytes') === '3000');
    l.destroy();
    await waitFor('the link lost', () => log.some((x) => x.includes('Failed trying to load the MASTER synchronization DB from socket')));
    expect(await digest(c)).toBe(before);
    expect(await c.call('GET', 'fresh')).toBe('1');
    l = await fm.accept();
    await l.handshake();
    l.sendEofPayload(rdbOf({ swapped: '1' }));
    await waitFor('the swapped-in payload', async () => (await c.call('GET', 'swapped')) === '1');
    expect(log.some((x) => x.endsWith('MASTER <-> REPLICA sync: Swapping active DB with loaded DB'))).toBe(true);
  });

  it('takes replicaof, masteruser and masterauth from the config file', async () => {
    const fm = await fakeMaster();
    const dir = tempDir();
    const file = join(dir, 'redis.conf');
    writeFileSync(file, `dir ${dir}\nsave ""\nport 0\nreplicaof 127.0.0.1 ${fm.port}\nmasteruser repl\nmasterauth "p w"\n`);
    const config = new Config();
    loadConfig(config, [file]);
    const log = new Logger();
    log.level = 'nothing';
    const server = new Server(config, log);
    await server.listen();
    cleanup.push(() => server.close());
    startReplicationFromConfig(server);
    const l = await fm.accept();
    await l.expect('PING');
    l.send('+PONG\r\n');
    expect(await l.expect('AUTH')).toEqual(['AUTH', 'repl', 'p w']);
  });

  it('REPLICAOF cancels a handshake in flight; the same master again is "Already connected"', async () => {
    const [one, two] = [await fakeMaster(), await fakeMaster()];
    const { c } = await replica();
    await c.call('REPLICAOF', '127.0.0.1', one.port);
    const l1 = await one.accept();
    await l1.expect('PING');
    expect(await c.call('ROLE')).toEqual(['slave', '127.0.0.1', one.port, 'handshake', -1]);
    expect(await c.call('REPLICAOF', '127.0.0.1', one.port)).toBe('OK Already connected to specified master');
    expect(await c.call('REPLICAOF', '127.0.0.1', two.port)).toBe('OK');
    await waitFor('the first link closed', () => l1.closed);
    const l2 = await two.accept();
    await l2.handshake();
    l2.sendPayload(rdbOf({ from: 'two' }));
    await waitFor('the second master\'s data', async () => (await c.call('GET', 'from')) === 'two');
    expect(await c.call('ROLE')).toEqual(['slave', '127.0.0.1', two.port, 'connected', 0]);
  });
});

describe('REPLICAOF bad input', () => {
  it('answers as redis-server 7.0 answers', async () => {
    const script = [
      ['REPLICAOF', '127.0.0.1', 'abc'], ['REPLICAOF', '127.0.0.1', '70000'], ['REPLICAOF', '127.0.0.1', '-1'], ['REPLICAOF', 'no'],
      ['REPLICAOF', 'no', 'one', 'extra'], ['REPLICAOF', 'no', 'two'], ['SLAVEOF', 'NO', 'ONE'], ['ROLE'],
    ];
    const answers: unknown[][] = [];
    for (const s of [await startRedstate(), await startRedis()]) {
      cleanup.push(() => s.close());
      const c = await RespClient.connect(s.port);
      cleanup.push(() => c.close());
      const out: unknown[] = [];
      for (const argv of script) {
        const r = await c.call(...argv);
        out.push(r instanceof Error ? r.message : r);
      }
      answers.push(out);
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]![0]).toBe('ERR Invalid master port');
  });
});
