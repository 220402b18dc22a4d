// MEMORY STATS, DOCTOR, PURGE, MALLOC-STATS and HELP side by side with redis-server 7.0 (each
// its own process, run `npm run build` first): Redis's fields, order and reply types, figures
// that add up as Redis's do and follow what eviction counts, and the doctor's findings.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RespClient, RespError, encodeCommand, type Reply } from '../helpers/resp-client.js';
import { BATCH, both, fill, FILL, info, LIMIT, maxmemoryPair, peers, VALUE } from './maxmemory-pair.js';

maxmemoryPair();

/** MEMORY STATS (RESP2's flat array) as a map. */
async function stats(c: RespClient): Promise<Map<string, Reply>> {
  const flat = (await c.call('MEMORY', 'STATS')) as Reply[];
  const m = new Map<string, Reply>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i] as string, flat[i + 1]!);
  return m;
}

/** The bytes of the replies to cmds on a fresh RESP3 connection (after HELLO 3's own). */
function resp3Bytes(port: number, cmds: string[][]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(encodeCommand(['HELLO', '3'])));
    let out = '';
    let sent = false;
    s.on('data', (b: Buffer) => {
      out += b.toString('latin1');
      if (!sent && out.endsWith('$7\r\nmodules\r\n*0\r\n')) {
        sent = true;
        out = '';
        s.write(Buffer.concat([...cmds, ['PING', 'END']].map((c) => encodeCommand(c))));
      } else if (sent && out.endsWith('$3\r\nEND\r\n')) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('error', reject);
  });
}

/** Numbers out of RESP bytes (integers, doubles, doubles as bulks): the shape that is left. */
const shape = (bytes: string): string =>
  bytes.replace(/:-?\d+\r\n/g, ':N\r\n').replace(/,[-\d.e+]+\r\n/g, ',F\r\n').replace(/\$\d+\r\n-?\d+(\.\d+)?(e[-+]\d+)?\r\n/g, '$F\r\n');

describe('MEMORY side by side with redis-server 7.0', () => {
  it('STATS: Redis\'s fields in its order and types, RESP2 and RESP3, a db entry per db with keys, sums as Redis makes them', async () => {
    const shapes = await both(async (p) => {
      await p.c.pipeline([['SET', 'a', 'x'], ['SET', 'b', 'y', 'EX', '100'], ['SELECT', '2'], ['SET', 'c', 'z'], ['SELECT', '0']]);
      const m = await stats(p.c);
      const n = (k: string): number => m.get(k) as number;
      expect(n('keys.count'), p.name).toBe(3);
      expect(n('overhead.total') + n('dataset.bytes'), p.name).toBe(n('total.allocated'));
      expect(n('keys.bytes-per-key'), p.name).toBe(Math.floor((n('total.allocated') - n('startup.allocated')) / 3));
      expect(n('peak.allocated'), p.name).toBeGreaterThanOrEqual(n('total.allocated'));
      expect(n('startup.allocated'), p.name).toBeGreaterThan(0);
      expect(n('clients.normal'), p.name).toBeGreaterThanOrEqual(0);
      for (const db of ['db.0', 'db.2']) expect((m.get(db) as Reply[]).filter((_, i) => i % 2 === 0), p.name).toEqual(
        ['overhead.hashtable.main', 'overhead.hashtable.expires', 'overhead.hashtable.slot-to-keys']);
      const resp2 = await new Promise<string>((resolve) => {
        const s = connect({ port: p.proc.port, host: '127.0.0.1' }, () => s.write(encodeCommand(['MEMORY', 'STATS'])));
        let out = '';
        s.on('data', (b: Buffer) => {
          out += b.toString('latin1');
          if (/\n\$19\r\nfragmentation\.bytes\r\n:-?\d+\r\n$/.test(out)) {
            s.destroy();
            resolve(out);
          }
        });
      });
      return [shape(resp2), shape(await resp3Bytes(p.proc.port, [['MEMORY', 'STATS']]))];
    });
    expect(shapes[1]).toEqual(shapes[0]);
  }, 30_000);

  it('STATS follows what eviction counts: total.allocated is used_memory, held at maxmemory; after PURGE the values show in dataset.bytes', async () => {
    await both(async (p) => {
      await p.c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await fill(p.c, 'k', 0, FILL);
      expect(await info(p.c, 'evicted_keys'), p.name).toBeGreaterThan(0);
      // Eviction that ran out of time finishes in later turns.
      const deadline = Date.now() + 10_000;
      while ((await info(p.c, 'current_eviction_exceeded_time')) > 0 && Date.now() < deadline) await p.c.call('PING');
      let m = await stats(p.c);
      let used = await info(p.c, 'used_memory');
      const n = (k: string): number => m.get(k) as number;
      // The same figure, read one command apart; a scavenge between the two reads promotes
      // what the young generation held into redstate's used_memory, so a pair apart by
      // more is read again (three such pairs in a row are a real disagreement).
      for (let tries = 0; tries < 3 && Math.abs(n('total.allocated') - used) >= 65_536; tries++) {
        m = await stats(p.c);
        used = await info(p.c, 'used_memory');
      }
      expect(Math.abs(n('total.allocated') - used), p.name).toBeLessThan(65_536);
      expect(n('total.allocated'), p.name).toBeLessThanOrEqual(LIMIT + BATCH * VALUE.length);
      expect(n('peak.allocated'), p.name).toBeGreaterThanOrEqual(n('total.allocated'));
      // redstate counts evicted values freed before V8 collects them, with other garbage: an
      // estimate until a collection settles it (no eviction meanwhile).
      await p.c.call('CONFIG', 'SET', 'maxmemory', '0');
      expect(await p.c.call('MEMORY', 'PURGE'), p.name).toBe('OK');
      m = await stats(p.c);
      expect(n('dataset.bytes'), p.name).toBeGreaterThan(n('keys.count') * VALUE.length);
      expect(n('keys.bytes-per-key'), p.name).toBeGreaterThan(VALUE.length);
    });
  }, 120_000);

  it('PURGE: what deleted values held leaves used_memory, as in Redis', async () => {
    const big = 'b'.repeat(1024 * 1024);
    await both(async (p) => {
      await p.c.call('CONFIG', 'SET', 'maxmemory', '0');
      expect(await p.c.call('MEMORY', 'PURGE'), p.name).toBe('OK');
      const before = await info(p.c, 'used_memory');
      for (let i = 0; i < 12; i++) expect(await p.c.call('SET', `big:${i}`, big), p.name).toBe('OK');
      expect(await info(p.c, 'used_memory') - before, p.name).toBeGreaterThan(8 * big.length);
      await p.c.call('DEL', ...Array.from({ length: 12 }, (_, i) => `big:${i}`));
      expect(await p.c.call('MEMORY', 'PURGE'), p.name).toBe('OK');
      expect(await info(p.c, 'used_memory') - before, p.name).toBeLessThan(2 * big.length);
    });
  }, 60_000);

  it('DOCTOR, MALLOC-STATS and HELP, their errors, and verbatim text in RESP3, as Redis answers them', async () => {
    const transcripts = await both(async (p) => {
      // The earlier tests' garbage collected: an empty instance on both.
      expect(await p.c.call('MEMORY', 'PURGE'), p.name).toBe('OK');
      const replies = await p.c.pipeline([['MEMORY', 'DOCTOR'], ['MEMORY', 'HELP'], ['MEMORY', 'DOCTOR', 'x'],
        ['MEMORY', 'STATS', 'x'], ['MEMORY', 'PURGE', 'x'], ['MEMORY', 'MALLOC-STATS', 'x'], ['MEMORY'], ['MEMORY', 'FOO']]);
      const malloc = (await p.c.call('MEMORY', 'MALLOC-STATS')) as string;
      expect(malloc.length, p.name).toBeGreaterThan(100);
      const raw = await resp3Bytes(p.proc.port, [['MEMORY', 'DOCTOR'], ['MEMORY', 'MALLOC-STATS']]);
      const doctor = raw.slice(0, raw.indexOf('\r\n', raw.indexOf('txt:')) + 2);
      expect(raw.slice(doctor.length), p.name).toMatch(/^=\d+\r\ntxt:/);
      return [replies.map((r) => (r instanceof RespError ? { error: r.message } : r)), doctor];
    });
    expect(transcripts[1]).toEqual(transcripts[0]);
  }, 30_000);

  it('DOCTOR finds big client buffers where Redis does', async () => {
    const reports = await both(async (p) => {
      await p.c.pipeline(Array.from({ length: 8 }, (_, i) => ['SET', `big:${i}`, 'b'.repeat(1024 * 1024)]));
      // A client that asks for 32 MB of replies and reads none of them.
      const sock = connect({ port: p.proc.port, host: '127.0.0.1' });
      sock.on('error', () => {});
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.pause();
      sock.write(Buffer.concat(Array.from({ length: 32 }, (_, i) => encodeCommand(['GET', `big:${i % 8}`]))));
      const deadline = Date.now() + 15_000;
      let report = '';
      while (!report.includes('Big client buffers') && Date.now() < deadline) {
        report = (await p.c.call('MEMORY', 'DOCTOR')) as string;
      }
      sock.destroy();
      return report;
    });
    for (const r of reports) {
      expect(r).toMatch(/^Sam, I detected a few issues in this Redis instance memory implants:\n\n/);
      expect(r).toContain(' * Big client buffers: The clients output buffers in this instance are greater than 200K per client');
      expect(r).toMatch(/I'm here to keep you safe, Sam\. I want to help you\.\n$/);
    }
  }, 60_000);

  it('clients.normal counts each connection as Redis does: what it holds idle, its query buffer, and back when the command completes', async () => {
    const figures = await both(async (p) => {
      const normal = async (): Promise<number> => (await stats(p.c)).get('clients.normal') as number;
      // Redis brings each client's figure up to date in its cron, every client once a second;
      // both shrink a reply buffer idle for 2 s: the figure once it held for 2.2 s.
      const settled = async (): Promise<number> => {
        const deadline = Date.now() + 20_000;
        let last = await normal();
        let same = 0;
        for (;;) {
          await new Promise((r) => setTimeout(r, 1100));
          const now = await normal();
          same = now === last ? same + 1 : 0;
          if (same === 2 || Date.now() > deadline) return now;
          last = now;
        }
      };
      const base = await settled();
      const socks = await Promise.all(Array.from({ length: 20 }, async () => {
        const s = connect({ port: p.proc.port, host: '127.0.0.1' });
        s.on('error', () => {});
        await new Promise<void>((r) => s.once('connect', () => r()));
        return s;
      }));
      const idle = ((await settled()) - base) / 20;
      // Half of a 100,000-byte argument each.
      const head = '*3\r\n$3\r\nSET\r\n$1\r\nq\r\n$100000\r\n';
      for (const s of socks) s.write(head + 'q'.repeat(50_000));
      const partial = ((await settled()) - base) / 20;
      const list = (await p.c.call('CLIENT', 'LIST')) as string;
      const qbufs = [...list.matchAll(/qbuf=(\d+) .*tot-mem=(\d+)/g)].filter((m) => m[1] === '50000');
      expect(qbufs, p.name).toHaveLength(20);
      for (const m of qbufs) expect(Number(m[2]), p.name).toBeGreaterThan(50_000);
      const replies = socks.map((s) => new Promise<string>((r) => s.once('data', (b: Buffer) => r(b.toString('latin1')))));
      for (const s of socks) s.write('q'.repeat(50_000) + '\r\n');
      expect(new Set(await Promise.all(replies)), p.name).toEqual(new Set(['+OK\r\n']));
      const done = ((await settled()) - base) / 20;
      for (const s of socks) s.destroy();
      return { idle, partial, done };
    });
    console.log(`clients.normal per client, idle / holding half of a 100 kB argument / after it: ${
      figures.map((f, j) => `${peers[j]!.name} ${f.idle} / ${f.partial} / ${f.done}`).join(', ')}`);
    for (const [j, f] of figures.entries()) {
      const name = peers[j]!.name;
      expect(f.idle, name).toBeGreaterThan(512);
      expect(f.idle, name).toBeLessThan(32 * 1024);
      expect(f.partial - f.idle, name).toBeGreaterThanOrEqual(50_000);
      expect(f.partial - f.idle, name).toBeLessThan(150_000);
      expect(Math.abs(f.done - f.idle), name).toBeLessThan(4096);
    }
  }, 60_000);
});
