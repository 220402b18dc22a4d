// A replica that loads its payload for longer than the master's repl-timeout keeps its link:
// while it loads, a Redis 7.0 replica sends its master a newline a second, and a newline from
// a replica counts as an ACK's time (processInlineBuffer). Both masters side by side, each
// with repl-timeout 2, feeding a real redis-server replica slowed to a 4 s load
// (key-load-delay, and its progress callback, which sends the newline, every 1 kB). The
// cases mostly wait, so they run at once.
import { describe, it } from 'vitest';
import { info, until } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type Running } from '../helpers/servers.js';

const SETTINGS = { 'repl-timeout': '2', 'repl-diskless-sync-delay': '0' };
const masters: Array<[string, (diskless: string) => Promise<Running>]> = [
  ['redstate', (diskless) => startRedstate({ ...SETTINGS, 'repl-diskless-sync': diskless })],
  ['redis', (diskless) => startRedis(Object.entries({ ...SETTINGS, 'repl-diskless-sync': diskless }).flatMap(([k, v]) => [`--${k}`, v]))],
];
type Case = [name: string, diskless: string, start: (diskless: string) => Promise<Running>];
const cases = masters.flatMap(([name, start]) => ['yes', 'no'].map((diskless): Case => [name, diskless, start]));

describe('a replica loading for longer than repl-timeout', () => {
  it.concurrent.for<Case>(cases)('%s master, repl-diskless-sync %s: the newlines it sends while loading keep it attached', { timeout: 30_000 }, async ([, diskless, start], { expect, onTestFinished }) => {
    const m = await start(diskless);
    onTestFinished(() => m.close());
    const c = await RespClient.connect(m.port);
    onTestFinished(() => c.close());
    await c.call('DEBUG', 'POPULATE', '80', 'key', '100');

    const r = await startRedis(['--replicaof', '127.0.0.1', String(m.port),
      '--key-load-delay', '50000', '--loading-process-events-interval-bytes', '1024']);
    onTestFinished(() => r.close());
    await until(async () => (await info(r.port)).get('master_link_status') === 'up', 20_000);
    // Past another repl-timeout: the link stays, and there was one sync only.
    await new Promise((res) => setTimeout(res, 2500));
    const replication = await info(m.port);
    expect(replication.get('connected_slaves')).toBe('1');
    expect(replication.get('slave0')).toMatch(/state=online/);
    // Dropped, the replica would have come back for a partial resync.
    const stats = await info(m.port, 'stats');
    expect([stats.get('sync_full'), stats.get('sync_partial_ok')]).toEqual(['1', '0']);
    const rc = await RespClient.connect(r.port);
    onTestFinished(() => rc.close());
    expect(await rc.call('DBSIZE')).toBe(80);
  });
});
