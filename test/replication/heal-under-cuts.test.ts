// Replication heals by itself: links cut from either side every few hundred milliseconds,
// while a client writes every family and the backlog's size and the sync's target change
// under them (partial resyncs, full ones, transfers cut midway, disk and diskless), and then,
// once the cuts stop, every replica of the chain catches up with the same dataset. The
// master is redstate, then redis-server; its replicas a redstate one (with a redstate
// replica of its own) and a redis-server one.
import { describe, expect, it } from 'vitest';
import { caughtUp, digest, writeEveryFamily } from '../helpers/replication.js';
import { prng } from '../persistence/dataset.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';

const CUTTING_MS = 10_000;

/** Keys (db, name) whose value or expiry differ between two servers, for a failure's message. */
async function differences(a: RespClient, b: RespClient): Promise<string[]> {
  const found: string[] = [];
  for (let db = 0; db < 16 && found.length < 10; db++) {
    await a.call('SELECT', db);
    await b.call('SELECT', db);
    const inA = new Set((await a.call('KEYS', '*')) as string[]);
    const inB = new Set((await b.call('KEYS', '*')) as string[]);
    for (const k of new Set([...inA, ...inB])) {
      const same = inA.has(k) && inB.has(k) &&
        String(await a.call('DEBUG', 'DIGEST-VALUE', k)) === String(await b.call('DEBUG', 'DIGEST-VALUE', k)) &&
        (await a.call('PEXPIRETIME', k)) === (await b.call('PEXPIRETIME', k));
      if (!same) found.push(`db ${db} key ${k}`);
    }
  }
  return found;
}

async function cutAndHeal(masterKind: 'redstate' | 'redis', seed: number): Promise<void> {
  const start = masterKind === 'redis' ? startRedis : startRedstateProcess;
  const procs: Proc[] = [];
  const clients: RespClient[] = [];
  try {
    const master = await start(['--repl-diskless-sync-delay', '0', '--repl-backlog-size', '256kb']);
    procs.push(master);
    const m = await RespClient.connect(master.port);
    clients.push(m);
    await m.call('DEBUG', 'POPULATE', 30_000, 'key', 300);
    const a = await startRedstateProcess(['--replicaof', '127.0.0.1', String(master.port), '--repl-diskless-load', 'swapdb']);
    procs.push(a);
    const b = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
    procs.push(b);
    const c = await startRedstateProcess(['--replicaof', '127.0.0.1', String(a.port)]);
    procs.push(c);
    const replicas = await Promise.all([a, b, c].map((p) => RespClient.connect(p.port)));
    clients.push(...replicas);
    const rand = prng(seed);
    const end = Date.now() + CUTTING_MS;
    let round = 0;
    const writing = (async () => {
      while (Date.now() < end) {
        await writeEveryFamily(m, round++);
        // Now and then a bulk of new keys: the stream outgrows the smaller backlogs.
        if (round % 50 === 0) await m.pipeline(Array.from({ length: 200 }, (_, i) => ['SET', `bulk:${round}:${i}`, 'v'.repeat(200 + ((round + i) % 800))]));
      }
    })();
    let cuts = 0;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 30 + rand() * 400));
      const x = rand();
      if (x < 0.3) cuts += Number(await m.call('CLIENT', 'KILL', 'TYPE', 'replica'));
      else if (x < 0.55) cuts += Number(await replicas[Math.floor(rand() * 3)]!.call('CLIENT', 'KILL', 'TYPE', 'master'));
      else if (x < 0.65) cuts += Number(await replicas[0]!.call('CLIENT', 'KILL', 'TYPE', 'replica'));
      else if (x < 0.8) await m.call('CONFIG', 'SET', 'repl-backlog-size', `${16 + Math.floor(rand() * 2000)}kb`);
      else if (x < 0.9) await m.call('CONFIG', 'SET', 'repl-diskless-sync', rand() < 0.5 ? 'yes' : 'no');
    }
    await writing;
    expect(cuts).toBeGreaterThan(10);
    for (const p of [a, b]) await caughtUp(master.port, p.port);
    await caughtUp(a.port, c.port);
    const want = await digest(master.port);
    for (const [i, p] of [a, b, c].entries()) {
      if (await digest(p.port) !== want) throw new Error(`replica ${'abc'[i]} differs from its master: ${(await differences(m, replicas[i]!)).join(', ')}`);
    }
  } finally {
    for (const cl of clients) cl.close();
    await Promise.all(procs.map((p) => p.close()));
  }
}

describe('replication under repeated cuts', () => {
  it('a redstate master, its redstate and redis-server replicas and a sub-replica converge once the cuts stop', async () => {
    await cutAndHeal('redstate', 1);
  }, 120_000);

  it('a redis-server master, its redstate and redis-server replicas and a sub-replica converge once the cuts stop', async () => {
    await cutAndHeal('redis', 2);
  }, 120_000);
});
