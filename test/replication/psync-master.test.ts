// A master's answers to PSYNC at the edges of its history, side by side with redis-server 7.0:
// an offset at the end, past the end (the seed's bug accepted it), at the first byte and just
// before it; a replica without its link refusing SYNC; the payload's replication aux fields;
// the PING every repl-ping-replica-period; the master's log lines of a sync.
import { afterEach, describe, expect, it } from 'vitest';
import { captureLog, info, stat, waitFor } from '../helpers/replication.js';
import { StreamReplica } from '../helpers/replica-stream.js';
import { RespClient } from '../helpers/resp-client.js';
import { freePort, startRedis, startRedstate, type Running } from '../helpers/servers.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function open(kind: 'redstate' | 'redis', directives: Record<string, string>): Promise<{ s: Running; c: RespClient }> {
  const s = kind === 'redstate' ? await startRedstate(directives) : await startRedis(Object.entries(directives).flatMap(([k, v]) => [`--${k}`, v]));
  cleanup.push(() => s.close());
  const c = await RespClient.connect(s.port);
  cleanup.push(() => c.close());
  return { s, c };
}

/** What a master answers `PSYNC id offset`: the reply line, and the backlog bytes a +CONTINUE sent. */
async function psync(port: number, id: string, offset: number, wantBytes = 0): Promise<{ reply: string; bytes: number }> {
  const r = await StreamReplica.start(port, { psync: [id, offset], eof: true });
  try {
    const p = await r.payload;
    if (p.reply.startsWith('CONTINUE')) await waitFor(`${wantBytes} bytes of backlog`, () => r.streamBytes >= wantBytes);
    return { reply: p.reply, bytes: r.streamBytes };
  } finally {
    r.close();
  }
}

describe('PSYNC at the edges of the history, as redis-server 7.0 answers it', () => {
  for (const kind of ['redstate', 'redis'] as const) {
    it(`${kind}: +CONTINUE from the first byte to the end, a full sync before it and past it`, async () => {
      // No PING may move the offset while the edges are probed.
      const m = await open(kind, { 'repl-backlog-size': '16384', 'repl-diskless-sync-delay': '0', 'repl-ping-replica-period': '3600' });
      // A replica brings the backlog and leaves; then more is written than it holds, so it has wrapped.
      const first = await StreamReplica.start(m.s.port, { psync: ['?', -1], eof: true });
      await first.payload;
      first.close();
      await waitFor('the replica gone', async () => (await info(m.c)).get('connected_slaves') === '0');
      for (let i = 0; i < 40; i++) await m.c.call('SET', `k${i}`, 'v'.repeat(2000));
      // redis-server trims its shared replication buffer in 16 KB blocks, from its cron.
      let i = await info(m.c);
      await waitFor('the backlog to drop its oldest bytes', async () => Number((i = await info(m.c)).get('repl_backlog_first_byte_offset')) > 1);
      const [id, end, from] = [i.get('master_replid')!, Number(i.get('master_repl_offset')), Number(i.get('repl_backlog_first_byte_offset'))];
      const histlen = Number(i.get('repl_backlog_histlen'));
      if (kind === 'redstate') expect(histlen).toBe(16384);
      expect(end - from + 1).toBe(histlen);
      const errs = await stat(m.c, 'sync_partial_err');
      // The replica's offset is the next byte it needs: end + 1 is "nothing missing".
      expect(await psync(m.s.port, id, end + 1)).toEqual({ reply: `CONTINUE ${id}`, bytes: 0 });
      expect(await psync(m.s.port, id, from, histlen)).toEqual({ reply: `CONTINUE ${id}`, bytes: histlen });
      expect((await psync(m.s.port, id, end + 2)).reply).toMatch(/^FULLRESYNC /);
      expect((await psync(m.s.port, id, from - 1)).reply).toMatch(/^FULLRESYNC /);
      expect((await psync(m.s.port, 'a'.repeat(40), end + 1)).reply).toMatch(/^FULLRESYNC /);
      expect(await stat(m.c, 'sync_partial_err')).toBe(errs + 3);
      expect(await stat(m.c, 'sync_partial_ok')).toBe(2);
    });
  }

  it('INFO replication, ROLE and CLIENT LIST of a master with a redis replica, as redis-server 7.0 shows them', async () => {
    const shown: Array<{ keys: string[]; slave0: string; role: unknown; client: string }> = [];
    for (const kind of ['redstate', 'redis'] as const) {
      const m = await open(kind, { 'repl-diskless-sync-delay': '0' });
      await m.c.call('SET', 'a', '1');
      const r = await startRedis(['--replicaof', '127.0.0.1', String(m.s.port)]);
      cleanup.push(() => r.close());
      await waitFor('the replica online', async () => /state=online/.test((await info(m.c)).get('slave0') ?? ''));
      // Its last command is PSYNC until the first REPLCONF ACK (sent each second) came.
      await waitFor('the first ACK', async () => / cmd=replconf /.test(String(await m.c.call('CLIENT', 'LIST', 'TYPE', 'replica'))));
      const i = await info(m.c);
      const role = (await m.c.call('ROLE')) as [string, number, string[][]];
      const line = String(await m.c.call('CLIENT', 'LIST', 'TYPE', 'replica')).trim();
      const fields = new Map(line.split(' ').map((f) => f.split('=') as [string, string]));
      shown.push({
        keys: [...i.keys()],
        slave0: i.get('slave0')!.replace(/\d+/g, 'N'),
        role: [role[0], typeof role[1], role[2].map(([ip, port, off]) => [ip, port === String(r.port), /^\d+$/.test(off!)])],
        client: `flags=${fields.get('flags')} db=${fields.get('db')} cmd=${fields.get('cmd')} keys=${[...fields.keys()].join(',')}`,
      });
    }
    expect(shown[0]).toEqual(shown[1]);
    expect(shown[0]!.client).toMatch(/^flags=S /);
  });

  it('a replica whose link is down refuses SYNC and PSYNC with -NOMASTERLINK, as redis-server does', async () => {
    const dead = await freePort();
    const answers: unknown[][] = [];
    for (const kind of ['redstate', 'redis'] as const) {
      const r = await open(kind, { replicaof: `127.0.0.1 ${dead}` });
      const c = r.c;
      answers.push([await c.call('PSYNC', '?', '-1'), await c.call('SYNC')].map((x) => (x instanceof Error ? x.message : x)));
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]![0]).toBe("NOMASTERLINK Can't SYNC while not connected with my master");
  });

  it('sends repl-stream-db, repl-id and repl-offset in the payload, PINGs every repl-ping-replica-period, logs as Redis', async () => {
    const m = await open('redstate', { 'repl-diskless-sync': 'no', 'repl-ping-replica-period': '1' });
    const server = (m.s as Awaited<ReturnType<typeof startRedstate>>).server;
    const log = captureLog(server.log);
    await m.c.call('SELECT', 3);
    await m.c.call('SET', 'x', '1');
    const r = await StreamReplica.start(m.s.port, { psync: ['?', -1], listeningPort: 4242 });
    cleanup.push(() => r.close());
    const p = await r.payload;
    const [, id, offset] = p.reply.split(' ');
    const rdb = p.rdb.toString('latin1');
    // Aux fields are opcode 0xfa, then the key and the value as RDB strings (length-prefixed).
    expect(rdb).toContain(`\xfa\x07repl-id\x28${id}`);
    expect(rdb).toContain(`\xfa\x0brepl-offset`);
    expect(rdb).toContain(`\xfa\x0erepl-stream-db`);
    expect(Number(offset)).toBe(Number((await info(m.c)).get('master_repl_offset')));
    await r.waitFor((cmds) => cmds.filter((c) => c[0] === 'PING').length >= 2);
    const lines = log.join('\n');
    for (const line of ['Replica 127.0.0.1:4242 asks for synchronization', 'Full resync requested by replica 127.0.0.1:4242',
      'Starting BGSAVE for SYNC with target: disk', 'Synchronization with replica 127.0.0.1:4242 succeeded']) {
      expect(lines).toContain(line);
    }
    const again = await StreamReplica.start(m.s.port, { psync: [id!, Number(offset) + 1], listeningPort: 4243 });
    cleanup.push(() => again.close());
    expect((await again.payload).reply).toBe(`CONTINUE ${id}`);
    await waitFor('the accepted log line', () => log.some((l) => /Partial resynchronization request from 127\.0\.0\.1:4243 accepted\. Sending \d+ bytes of backlog starting from offset \d+\./.test(l)));
  });
});
