// The replica's handshake byte for byte next to redis-server 7.0's, each recorded by a plain
// TCP server standing in for the master: it answers PING, then answers nothing else until
// REPLCONF capa is in (so a replica that waits for each reply before the next command stalls
// here, as Redis 7.0 never does), then +OK to each, and records everything up to PSYNC.
// The cases are those of syncWithMaster and slaveTryPartialResynchronization's request:
// a master turned replica by REPLICAOF offers its own history (PSYNC <replid> <offset+1>,
// even a fresh one with offset 0), a replica started from the config with no RDB asks
// PSYNC ? -1, and one restarted with an RDB holding repl-id / repl-offset offers those. Where
// the servers differ by nature (their own replid and offset) the bytes are compared with
// those put in place.
import { writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readMultibulk } from '../helpers/fake-master.js';
import { StreamReplica } from '../helpers/replica-stream.js';
import { RespClient } from '../helpers/resp-client.js';
import { info } from '../helpers/replication.js';
import { startRedis, startRedstate, tempDir } from '../helpers/servers.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { RdbSnapshot, writeSnapshotSync } from '../../src/store/snapshot.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** The commands complete at the start of buf, as [name, end offset]. */
function commands(buf: Buffer): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (let cmd = readMultibulk(buf, 0); cmd !== null; cmd = readMultibulk(buf, cmd.next)) {
    out.push([cmd.args.slice(0, 2).join(' ').toUpperCase(), cmd.next]);
  }
  return out;
}

/** A stand-in master on a free port; `recorded` is every byte of the first connection up to and including PSYNC. */
async function recordingMaster(): Promise<{ port: number; recorded: Promise<string> }> {
  let done!: (s: string) => void;
  const recorded = new Promise<string>((r) => (done = r));
  const sockets: Socket[] = [];
  const server: NetServer = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    let ponged = false;
    let answered = false;
    s.on('data', (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      const cmds = commands(buf);
      if (!ponged && cmds.length >= 1) {
        ponged = true;
        s.write('+PONG\r\n');
      }
      const capa = cmds.findIndex(([name]) => name === 'REPLCONF CAPA');
      if (!answered && capa >= 0) {
        answered = true;
        s.write('+OK\r\n'.repeat(capa));
      }
      const psync = cmds.find(([name]) => name.startsWith('PSYNC'));
      if (psync !== undefined) {
        done(buf.toString('latin1', 0, psync[1]));
        s.destroy();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  }));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr !== null ? addr.port : 0, recorded };
}

/** The recording within a deadline: a replica that stalls on the unanswered handshake fails here. */
async function within(p: Promise<string>, what: string): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: no PSYNC within 10 s`)), 10_000)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

const cmd = (...argv: string[]): string => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
const ANNOUNCE = { 'replica-announce-port': '7777' };
/** Stands for each server's own replid, which differs from run to run. */
const OWN = 'o'.repeat(40);

/** An RDB holding one key and the replication aux fields a replica saves. */
function rdbWithHistory(replid: string, offset: number): Buffer {
  const ks = new Keyspace(16);
  ks.dbs[0]!.set('k', 'v');
  const aux: Array<[string, string]> = [['redis-ver', '7.0.15'], ['repl-stream-db', '0'], ['repl-id', replid], ['repl-offset', String(offset)]];
  const parts: Buffer[] = [];
  writeSnapshotSync(RdbSnapshot.now(ks, { compression: false, aux }), (b) => void parts.push(Buffer.from(b)));
  return Buffer.concat(parts);
}

describe('the handshake on the wire, next to redis-server 7.0', () => {
  it('a master turned replica by REPLICAOF: AUTH, listening-port, ip-address and capa pipelined, then PSYNC <own replid> 1', async () => {
    const args = { masteruser: 'repl', masterauth: 'pw', 'replica-announce-ip': '10.1.2.3', ...ANNOUNCE };
    const runs: string[] = [];
    for (const kind of ['redis', 'redstate'] as const) {
      const fm = await recordingMaster();
      const s = kind === 'redis'
        ? await startRedis(Object.entries(args).flatMap(([k, v]) => [`--${k}`, v]))
        : await startRedstate(args);
      cleanup.push(() => s.close());
      const c = await RespClient.connect(s.port);
      cleanup.push(() => c.close());
      const own = (await info(c)).get('master_replid')!;
      expect(await c.call('REPLICAOF', '127.0.0.1', String(fm.port))).toBe('OK');
      runs.push((await within(fm.recorded, kind)).replaceAll(own, OWN));
      await c.call('REPLICAOF', 'NO', 'ONE');
    }
    expect(runs[1]).toBe(runs[0]);
    expect(runs[1]).toBe(cmd('PING') + cmd('AUTH', 'repl', 'pw') + cmd('REPLCONF', 'listening-port', '7777')
      + cmd('REPLCONF', 'ip-address', '10.1.2.3') + cmd('REPLCONF', 'capa', 'eof', 'capa', 'psync2') + cmd('PSYNC', OWN, '1'));
  });

  it('a master with history turned replica by REPLICAOF: PSYNC <own replid> <own offset+1>', async () => {
    const runs: string[] = [];
    for (const kind of ['redis', 'redstate'] as const) {
      const fm = await recordingMaster();
      const s = kind === 'redis'
        ? await startRedis(['--replica-announce-port', '7777', '--repl-diskless-sync-delay', '0'])
        : await startRedstate({ ...ANNOUNCE, 'repl-diskless-sync-delay': '0' });
      cleanup.push(() => s.close());
      const c = await RespClient.connect(s.port);
      cleanup.push(() => c.close());
      // A replica of its own gives it a backlog, so that its writes move its offset.
      const sub = await StreamReplica.start(s.port, { psync: ['?', -1], eof: true });
      cleanup.push(() => sub.close());
      await sub.payload;
      for (let i = 0; i < 10; i++) await c.call('SET', `k${i}`, 'v');
      const before = await info(c);
      const [own, offset] = [before.get('master_replid')!, Number(before.get('master_repl_offset'))];
      expect(offset).toBeGreaterThan(0);
      expect(await c.call('REPLICAOF', '127.0.0.1', String(fm.port))).toBe('OK');
      const recorded = await within(fm.recorded, kind);
      expect(recorded.endsWith(cmd('PSYNC', own, String(offset + 1))), kind).toBe(true);
      runs.push(recorded.replaceAll(cmd('PSYNC', own, String(offset + 1)), cmd('PSYNC', OWN, 'offset+1')));
      await c.call('REPLICAOF', 'NO', 'ONE');
    }
    expect(runs[1]).toBe(runs[0]);
  });

  it('a replica started with replicaof and no RDB: PSYNC ? -1; restarted with an RDB holding repl-id/repl-offset: PSYNC <repl-id> <repl-offset+1>', async () => {
    const replid = '0123456789abcdef0123456789abcdef01234567';
    for (const history of [false, true]) {
      const runs: string[] = [];
      for (const kind of ['redis', 'redstate'] as const) {
        const fm = await recordingMaster();
        const dir = tempDir();
        if (history) writeFileSync(join(dir, 'dump.rdb'), rdbWithHistory(replid, 12345));
        const replicaof = ['127.0.0.1', String(fm.port)];
        const s = kind === 'redis'
          ? await startRedis(['--replicaof', replicaof.join(' '), '--replica-announce-port', '7777'], dir)
          : await startRedstate({ replicaof, dir, ...ANNOUNCE });
        cleanup.push(() => s.close());
        runs.push(await within(fm.recorded, `${kind}, history ${history}`));
      }
      expect(runs[1], `history ${history}`).toBe(runs[0]);
      expect(runs[1]).toBe(cmd('PING') + cmd('REPLCONF', 'listening-port', '7777') + cmd('REPLCONF', 'capa', 'eof', 'capa', 'psync2')
        + (history ? cmd('PSYNC', replid, '12346') : cmd('PSYNC', '?', '-1')));
    }
  });
});
