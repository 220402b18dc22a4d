// Replication heals through changes of role: among two redstate servers and a redis-server,
// the master changes now and then (its successor caught up or not), replicas chain behind
// one another, links are cut, a replica is stopped past repl-timeout (SIGSTOP) or restarted
// from its own RDB, while a client writes to whichever is master. Once that stops and all
// follow the last master, each holds its dataset.
import { expect, it } from 'vitest';
import { caughtUp, digest, writeEveryFamily } from '../helpers/replication.js';
import { prng } from '../persistence/dataset.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';

const CHANGING_MS = 12_000;
const ARGS = ['--repl-diskless-sync-delay', '0', '--repl-backlog-size', '512kb', '--repl-timeout', '2', '--dbfilename', 'dump.rdb'];
const KINDS = ['redstate', 'redstate', 'redis'] as const;

function start(i: number, dir?: string, port?: number): Promise<Proc> {
  return (KINDS[i] === 'redis' ? startRedis : startRedstateProcess)(ARGS, dir, port);
}

it('two redstate servers and a redis-server converge after master changes, chains, cuts, stops and restarts', async () => {
  const procs: Proc[] = [];
  const clients: RespClient[] = [];
  try {
    for (let i = 0; i < KINDS.length; i++) procs.push(await start(i));
    for (const p of procs) clients.push(await RespClient.connect(p.port));
    await clients[0]!.call('DEBUG', 'POPULATE', 20_000, 'key', 200);
    let master = 0;
    const follow = async (i: number, of: number): Promise<void> => void await clients[i]!.call('REPLICAOF', '127.0.0.1', procs[of]!.port);
    for (let i = 1; i < procs.length; i++) await follow(i, 0);
    const rand = prng(7);
    const pick = (): number => Math.floor(rand() * procs.length);
    const end = Date.now() + CHANGING_MS;
    let round = 0;
    const writing = (async () => {
      while (Date.now() < end) await writeEveryFamily(clients[master]!, round++);
    })();
    const done = new Map<string, number>();
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50 + rand() * 500));
      const x = rand();
      const i = pick();
      let what: string;
      if (x < 0.35) {
        if (i === master) continue;
        // A failover waits for its successor to catch up; a takeover does not.
        if (rand() < 0.5) await caughtUp(procs[master]!.port, procs[i]!.port, 10_000).catch(() => {});
        await clients[i]!.call('REPLICAOF', 'NO', 'ONE');
        master = i;
        for (let j = 0; j < procs.length; j++) if (j !== i) await follow(j, i);
        what = 'new master';
      } else if (x < 0.5) {
        await clients[master]!.call('CLIENT', 'KILL', 'TYPE', 'replica');
        what = 'cut on the master';
      } else if (x < 0.62) {
        await clients[i]!.call('CLIENT', 'KILL', 'TYPE', 'master');
        what = 'cut on a replica';
      } else if (x < 0.75) {
        await clients[i]!.call('CONFIG', 'SET', 'repl-diskless-sync', rand() < 0.5 ? 'yes' : 'no', 'repl-backlog-size', `${16 + Math.floor(rand() * 1000)}kb`);
        what = 'settings';
      } else if (x < 0.85) {
        const [a, b] = [0, 1, 2].filter((j) => j !== master);
        await follow(b!, a!);
        what = 'chain';
      } else if (x < 0.93) {
        procs[i]!.proc.kill('SIGSTOP');
        await new Promise((r) => setTimeout(r, rand() * 3000));
        procs[i]!.proc.kill('SIGCONT');
        what = 'stop';
      } else {
        if (i === master) continue;
        const old = procs[i]!;
        await clients[i]!.call('SHUTDOWN', 'SAVE').catch(() => {});
        clients[i]!.close();
        await old.exited;
        procs[i] = await start(i, old.dir, old.port);
        clients[i] = await RespClient.connect(old.port);
        await follow(i, master);
        what = 'restart';
      }
      done.set(what, (done.get(what) ?? 0) + 1);
    }
    await writing;
    expect(done.get('new master') ?? 0).toBeGreaterThanOrEqual(2);
    for (let j = 0; j < procs.length; j++) if (j !== master) await follow(j, master);
    await clients[master]!.call('SET', 'last', 'write');
    const want = await digest(procs[master]!.port);
    for (let j = 0; j < procs.length; j++) {
      if (j === master) continue;
      await caughtUp(procs[master]!.port, procs[j]!.port);
      expect(await digest(procs[j]!.port), `${KINDS[j]} server ${j} against master ${master} after ${JSON.stringify([...done])}`).toBe(want);
    }
  } finally {
    for (const c of clients) c.close();
    await Promise.all(procs.map((p) => p.close()));
  }
}, 120_000);
