// A master's stream is RESP arrays only. An inline command in it means the stream is out of
// step (a PSYNC gone bad), so the replica ends the link and forgets the cached master: the
// next attempt syncs in full, and the inline command is not run. A bare newline is the one
// exception (a keepalive). Both servers as the replica of the scripted master, side by side.
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { FakeMaster, rdbOf } from '../helpers/fake-master.js';
import { waitFor } from '../helpers/replication.js';
import { startRedis, startRedstate, type Running } from '../helpers/servers.js';

const { cleanup, started, client } = closedAfterEach();

const replicas: Array<[string, () => Promise<Running>]> = [
  ['redstate', () => startRedstate()],
  ['redis', () => startRedis()],
];

describe('an inline command in the master stream', () => {
  it.each(replicas)('%s: a newline is skipped; an inline command ends the link unrun, and the next sync is full', async (_name, start) => {
    const fm = await FakeMaster.start();
    cleanup.push(() => fm.close());
    const r = await started(start());
    const c = await client(r.port);
    expect(await c.call('REPLICAOF', '127.0.0.1', String(fm.port))).toBe('OK');

    const l = await fm.accept();
    await l.handshake();
    l.sendPayload(rdbOf({ a: '1' }));
    await l.expect('REPLCONF');
    l.send('\n');
    l.sendCommands(['SET', 'b', '2']);
    l.send('\r\n');
    l.sendCommands(['SET', 'c', '3']);
    await waitFor('the stream applied', async () => (await c.call('GET', 'c')) === '3');
    expect(l.closed).toBe(false);

    l.send('SET d 4\r\n');
    const again = await fm.accept();
    expect(await again.handshake()).toEqual(['PSYNC', '?', '-1']);
    expect(await c.call('MGET', 'a', 'b', 'c', 'd')).toEqual(['1', '2', '3', null]);
  });
});
