// Evicted keys leave for replicas as DEL (UNLINK under lazyfree-lazy-eviction), read from the
// backlog as a replica would get it, before the command whose check evicted them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespClient } from '../helpers/resp-client.js';
import { startRedstate, type InProcess } from '../helpers/servers.js';
import { backlogCommandsSince } from '../helpers/replication.js';

let srv: InProcess;
let cli: RespClient;

beforeAll(async () => {
  srv = await startRedstate({ 'maxmemory-policy': 'allkeys-lru' });
  srv.server.replication.createBacklogIfNeeded();
  cli = await RespClient.connect(srv.port);
});
afterAll(async () => {
  cli.close();
  await srv.close();
});

const streamSince = (from: number): string[][] => backlogCommandsSince(srv.server, from);

describe('eviction and replication', () => {
  it('propagates each evicted key as DEL, then as UNLINK under lazyfree-lazy-eviction', async () => {
    const repl = srv.server.replication;
    await cli.call('SELECT', '2');
    await cli.call('SET', 'a', '1');
    const from = repl.masterReplOffset + 1;
    // Under a 1-byte limit, every key goes before the next command (or in the cron).
    await cli.call('CONFIG', 'SET', 'maxmemory', '1');
    expect(await cli.call('GET', 'a')).toBe(null);
    await cli.call('CONFIG', 'SET', 'maxmemory', '0', 'lazyfree-lazy-eviction', 'yes');
    expect(await cli.call('SET', 'b', '1')).toBe('OK');
    await cli.call('CONFIG', 'SET', 'maxmemory', '1');
    expect(await cli.call('GET', 'b')).toBe(null);
    await cli.call('CONFIG', 'SET', 'maxmemory', '0');
    expect(streamSince(from)).toEqual([['DEL', 'a'], ['SET', 'b', '1'], ['UNLINK', 'b']]);
    expect(srv.server.keyspace.stats.evictedKeys).toBe(2);
  });
});
