// What a connected client holds, side by side with redis-server 7.0 (each its own process,
// run `npm run build` first): CLIENT LIST's tot-mem of an idle client in the same range as
// Redis's, its buffers given back once it is idle after a large request, its subscriptions
// and watched keys counted, and each server's accounting (clients.normal) close to what its
// used_memory really grew by over 1000 idle connections.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RespClient } from '../helpers/resp-client.js';
import { onBoth, peerPair, type Peer } from '../helpers/peer-pair.js';

const IDLE_CLIENTS = 1000;
/** Connections opened at once: within both servers' listen backlog (511). */
const WAVE = 250;

const peers = peerPair(['--maxclients', String(IDLE_CLIENTS + 100)]);
const both = <T>(f: (p: Peer) => Promise<T>): Promise<T[]> => onBoth(peers, f);

/** The CLIENT LIST fields of the client named name. */
async function clientFields(c: RespClient, name: string): Promise<Record<string, string>> {
  const line = ((await c.call('CLIENT', 'LIST')) as string).split('\n').find((l) => l.includes(` name=${name} `));
  if (line === undefined) throw new Error(`no client ${name}`);
  return Object.fromEntries(line.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/**
 * The client's fields once it has been idle 4 s: both servers give an idle client's buffers
 * back in their client cron once it has been idle more than 2 s (Redis counts whole seconds).
 */
async function idleFields(c: RespClient, name: string): Promise<Record<string, string>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const f = await clientFields(c, name);
    if (Number(f.idle) >= 4) return f;
    if (Date.now() > deadline) throw new Error(`${name} never idle: ${JSON.stringify(f)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A named connection that has had its reply. */
async function named(port: number, name: string): Promise<RespClient> {
  const c = await RespClient.connect(port);
  expect(await c.call('CLIENT', 'SETNAME', name)).toBe('OK');
  return c;
}

async function usedMemory(c: RespClient): Promise<number> {
  await c.call('MEMORY', 'PURGE');
  return Number(/^used_memory:(\d+)/m.exec((await c.call('INFO', 'memory')) as string)![1]);
}

async function connectedClients(c: RespClient): Promise<number> {
  return Number(/^connected_clients:(\d+)/m.exec((await c.call('INFO', 'clients')) as string)![1]);
}

async function clientsNormal(c: RespClient): Promise<number> {
  const flat = (await c.call('MEMORY', 'STATS')) as Array<string | number>;
  return flat[flat.indexOf('clients.normal') + 1] as number;
}

describe('the memory of a connected client, side by side with redis-server 7.0', () => {
  it('an idle client holds a tot-mem in Redis\'s range with empty buffers, and gives back what a 1 MB request and reply took', async () => {
    const value = 'v'.repeat(1024 * 1024);
    const mid = 'm'.repeat(10_000);
    const seen = await both(async (p) => {
      const probe = await named(p.proc.port, 'probe');
      const idle = await idleFields(p.c, 'probe');
      expect(await probe.call('SET', 'big', value)).toBe('OK');
      expect(await probe.call('GET', 'big')).toBe(value);
      expect(await probe.call('SET', 'mid', mid)).toBe('OK');
      expect(await probe.call('GET', 'mid')).toBe(mid);
      const busy = await clientFields(p.c, 'probe');
      const after = await idleFields(p.c, 'probe');
      probe.close();
      return { idle, busy, after };
    });
    console.log(`idle client tot-mem / rbs, then idle after a 1 MB SET and GET: ${seen.map((s, j) =>
      `${peers[j]!.name} ${s.idle['tot-mem']} / ${s.idle.rbs}, ${s.after['tot-mem']} / ${s.after.rbs}`).join('; ')}`);
    for (const [j, { idle, after }] of seen.entries()) {
      const name = peers[j]!.name;
      for (const f of [idle, after]) {
        expect([f.qbuf, f['argv-mem'], f.obl, f.oll, f.omem], name).toEqual(['0', '0', '0', '0', '0']);
        // Redis trims an idle query buffer only when it wastes more than 4 kB.
        expect(Number(f['qbuf-free']), name).toBeLessThan(4096);
        // Redis keeps 1 kB for an idle client (and grows it to 2 kB after a full buffer); redstate none.
        expect(Number(f.rbs), name).toBeLessThanOrEqual(2048);
      }
      expect(Number(after['tot-mem']) - Number(idle['tot-mem']), name).toBeLessThanOrEqual(1024);
    }
    // redstate's reply buffer, grown for the 10 kB reply, counts while it is held and goes when idle.
    const { idle, busy, after } = seen[1]!;
    expect(Number(busy.rbs)).toBeGreaterThanOrEqual(10_000);
    expect(Number(busy['tot-mem'])).toBe(Number(idle['tot-mem']) + Number(busy.rbs));
    expect([after['qbuf-free'], after.rbs, after.rbp, after['tot-mem']]).toEqual(['0', '0', '0', idle['tot-mem']]);
    const [redis, redstate] = seen.map((s) => Number(s.idle['tot-mem']));
    expect(redstate! / redis!).toBeGreaterThan(0.5);
    expect(redstate! / redis!).toBeLessThan(2);
  }, 60_000);

  it('subscriptions and watched keys count in tot-mem per entry in Redis\'s range', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `n:${i}`);
    const seen = await both(async (p) => {
      const sub = await named(p.proc.port, 'sub');
      const watcher = await named(p.proc.port, 'watcher');
      const bare = Number((await idleFields(p.c, 'sub'))['tot-mem']);
      sub.write(`SUBSCRIBE ${names.join(' ')}\r\n`);
      for (let i = 0; i < names.length; i++) await sub.next();
      expect(await watcher.call('WATCH', ...names)).toBe('OK');
      const perChannel = (Number((await idleFields(p.c, 'sub'))['tot-mem']) - bare) / names.length;
      const perKey = (Number((await idleFields(p.c, 'watcher'))['tot-mem']) - bare) / names.length;
      sub.close();
      watcher.close();
      return { perChannel, perKey };
    });
    console.log(`tot-mem per subscribed channel / per watched key: ${seen.map((s, j) =>
      `${peers[j]!.name} ${s.perChannel.toFixed(1)} / ${s.perKey.toFixed(1)}`).join(', ')}`);
    const [redis, redstate] = seen;
    for (const k of ['perChannel', 'perKey'] as const) {
      expect(redis![k], k).toBeGreaterThan(0);
      expect(redstate![k] / redis![k], k).toBeGreaterThan(0.5);
      expect(redstate![k] / redis![k], k).toBeLessThan(2);
    }
  }, 60_000);

  it(`clients.normal grows per idle client by close to what used_memory grows by (${IDLE_CLIENTS} connections)`, async () => {
    /** WAVE connections at a time that each had a reply to PING (the last one's named last). */
    const open = async (port: number, n: number): Promise<Socket[]> => {
      const socks: Socket[] = [];
      for (let i = 0; i < n; i += WAVE) {
        socks.push(...(await Promise.all(Array.from({ length: WAVE }, () => new Promise<Socket>((resolve, reject) => {
          const s = connect({ port, host: '127.0.0.1' });
          s.once('error', reject);
          s.once('connect', () => s.write(i + WAVE >= n ? 'CLIENT SETNAME last\r\n' : 'PING\r\n'));
          s.once('data', () => resolve(s));
        })))));
      }
      return socks;
    };
    const seen = await both(async (p) => {
      // A first wave, closed again, so that what serving connections compiles is not counted as theirs.
      const before = await connectedClients(p.c);
      for (const s of await open(p.proc.port, WAVE)) s.destroy();
      const deadline = Date.now() + 30_000;
      while ((await connectedClients(p.c)) > before) {
        if (Date.now() > deadline) throw new Error(`${p.name}: the first wave never left`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const used0 = await usedMemory(p.c);
      const counted0 = await clientsNormal(p.c);
      const socks = await open(p.proc.port, IDLE_CLIENTS);
      await idleFields(p.c, 'last');
      const used = ((await usedMemory(p.c)) - used0) / IDLE_CLIENTS;
      const counted = ((await clientsNormal(p.c)) - counted0) / IDLE_CLIENTS;
      for (const s of socks) s.destroy();
      return { used, counted };
    });
    console.log(`per idle client, used_memory growth / clients.normal growth: ${seen.map((s, j) =>
      `${peers[j]!.name} ${s.used.toFixed(0)} / ${s.counted.toFixed(0)}`).join(', ')}`);
    for (const [j, { used, counted }] of seen.entries()) {
      expect(counted / used, peers[j]!.name).toBeGreaterThan(0.6);
      expect(counted / used, peers[j]!.name).toBeLessThan(1.4);
    }
  }, 90_000);
});
