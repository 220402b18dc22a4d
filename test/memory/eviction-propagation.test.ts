// Evicted keys leave for replicas as DEL (UNLINK under lazyfree-lazy-eviction), read from the
// backlog as a replica would get it, before the command whose check evicted them.
import { describe, expect, it } from 'vitest';
import { backlogFeed } from '../helpers/servers.js';

const fx = backlogFeed({ 'maxmemory-policy': 'allkeys-lru' });

describe('eviction and replication', () => {
  it('propagates each evicted key as DEL, then as UNLINK under lazyfree-lazy-eviction', async () => {
    const repl = fx.srv.server.replication;
    await fx.cli.call('SELECT', '2');
    await fx.cli.call('SET', 'a', '1');
    const from = repl.masterReplOffset + 1;
    // Under a 1-byte limit, every key goes before the next command (or in the cron).
    await fx.cli.call('CONFIG', 'SET', 'maxmemory', '1');
    expect(await fx.cli.call('GET', 'a')).toBe(null);
    await fx.cli.call('CONFIG', 'SET', 'maxmemory', '0', 'lazyfree-lazy-eviction', 'yes');
    expect(await fx.cli.call('SET', 'b', '1')).toBe('OK');
    await fx.cli.call('CONFIG', 'SET', 'maxmemory', '1');
    expect(await fx.cli.call('GET', 'b')).toBe(null);
    await fx.cli.call('CONFIG', 'SET', 'maxmemory', '0');
    expect(fx.streamSince(from)).toEqual([['DEL', 'a'], ['SET', 'b', '1'], ['UNLINK', 'b']]);
    expect(fx.srv.server.keyspace.stats.evictedKeys).toBe(2);
  });
});
