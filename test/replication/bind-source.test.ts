// bind-source-addr: a replica connects to its master from that address, as redis-server 7.0's
// does (the master's INFO names it), and from any when it cannot bind it (best effort).
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

const running: Array<Proc | InProcess> = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.close()));
});

/** The ip= of each replica line in the master's INFO replication, sorted. */
async function replicaIps(master: RespClient): Promise<string[]> {
  const info = (await master.call('INFO', 'replication')) as string;
  return [...info.matchAll(/^slave\d+:ip=([^,]+),.*state=online/gm)].map((m) => m[1]!).sort();
}

describe('bind-source-addr', () => {
  it('a replica connects from it, or from any address when it cannot bind it, as redis-server does', async () => {
    const master = await startRedis(['--bind', '127.0.0.1', '--protected-mode', 'no', '--repl-diskless-sync-delay', '0']);
    running.push(master);
    const replicaof = ['--replicaof', '127.0.0.1', String(master.port)];
    running.push(
      await startRedis([...replicaof, '--bind-source-addr', '127.0.0.2']),
      await startRedstate({ replicaof: `127.0.0.1 ${master.port}`, 'bind-source-addr': '127.0.0.3' }),
      await startRedis([...replicaof, '--bind-source-addr', '198.51.100.1']),
      await startRedstate({ replicaof: `127.0.0.1 ${master.port}`, 'bind-source-addr': '198.51.100.2' }),
    );
    const m = await RespClient.connect(master.port);
    await until(async () => (await replicaIps(m)).length === 4, 15_000);
    expect(await replicaIps(m)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.3']);
    m.close();
  });
});
