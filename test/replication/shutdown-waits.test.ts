// A master's SHUTDOWN waits for its replicas to catch up (Redis 7.0): writes pause, SHUTDOWN's
// client waits, SHUTDOWN ABORT calls it off (the waiting client gets an error, the held write
// goes on), a replica that acks the last offset lets it go, and shutdown-timeout ends the wait
// anyway with a line per lagging replica; shutdown-on-sigterm's NOW skips the wait. Both
// masters side by side, as processes, each with a real redis-server replica stopped (SIGSTOP)
// to lag.
import { describe, it } from 'vitest';
import { caughtUp } from '../helpers/replication.js';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';

const masters: Array<[string, (args: string[]) => Promise<Proc>]> = [
  ['redstate', (args) => startRedstateProcess(args)],
  ['redis', (args) => startRedis(args)],
];

/** The reply if it came within ms, else 'pending'. */
function within(p: Promise<Reply>, ms: number): Promise<Reply | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}

async function setup(start: (args: string[]) => Promise<Proc>, onTestFinished: (fn: () => Promise<void> | void) => void) {
  const m = await start(['--shutdown-timeout', '10', '--repl-diskless-sync-delay', '0']);
  onTestFinished(() => m.close());
  const r = await startRedis(['--replicaof', '127.0.0.1', String(m.port)]);
  onTestFinished(async () => {
    if (r.proc.exitCode === null) process.kill(r.proc.pid!, 'SIGCONT');
    await r.close();
  });
  const c = await RespClient.connect(m.port);
  onTestFinished(() => c.close());
  await c.call('SET', 'a', '1');
  await caughtUp(m.port, r.port, 20_000);
  const rc = await RespClient.connect(r.port);
  onTestFinished(() => rc.close());
  return { m, r, c, rc };
}

describe('SHUTDOWN on a master with a lagging replica', () => {
  it.concurrent.for(masters)('%s: waits with writes paused; ABORT calls it off; the replica catching up lets it go', { timeout: 30_000 }, async ([, start], { expect, onTestFinished }) => {
    const { m, r, c, rc } = await setup(start, onTestFinished);
    process.kill(r.proc.pid!, 'SIGSTOP');
    await c.call('SET', 'b', '2');

    const shutdown = await RespClient.connect(m.port);
    onTestFinished(() => shutdown.close());
    const waiting = shutdown.call('SHUTDOWN');
    expect(await within(waiting, 300)).toBe('pending');
    // INFO says how long the wait has left (shutdown-timeout 10).
    const left = Number(/shutdown_in_milliseconds:(\d+)/.exec((await c.call('INFO', 'server')) as string)?.[1]);
    expect(left).toBeGreaterThan(8000);
    expect(left).toBeLessThanOrEqual(10_000);
    const writer = await RespClient.connect(m.port);
    onTestFinished(() => writer.close());
    const held = writer.call('SET', 'c', '3');
    expect(await within(held, 300)).toBe('pending');
    expect(await c.call('GET', 'b')).toBe('2');

    expect(await c.call('SHUTDOWN', 'ABORT')).toBe('OK');
    expect(String(await waiting)).toBe('Error: ERR Errors trying to SHUTDOWN. Check logs.');
    expect(await held).toBe('OK');
    expect(String(await c.call('SHUTDOWN', 'ABORT'))).toBe('Error: ERR No shutdown in progress.');
    expect(await c.call('INFO', 'server')).not.toMatch(/shutdown_in_milliseconds/);

    // A new connection: redis-server 7.0.15 fails an assertion on a second command from the
    // client whose SHUTDOWN was aborted.
    await c.call('SET', 'd', '4');
    const last = await RespClient.connect(m.port);
    onTestFinished(() => last.close());
    last.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    await new Promise((res) => setTimeout(res, 300));
    expect(last.closed).toBe(false);
    process.kill(r.proc.pid!, 'SIGCONT');
    await last.waitClosed();
    await m.exited;
    expect(m.output()).toContain('1 of 1 replicas are in sync when shutting down.');
    expect(await rc.call('MGET', 'a', 'b', 'c', 'd')).toEqual(['1', '2', '3', '4']);
  });

  it.concurrent.for(masters)('%s: shutdown-timeout ends the wait, naming the lagging replica', { timeout: 30_000 }, async ([, start], { expect, onTestFinished }) => {
    const { m, r, c } = await setup(start, onTestFinished);
    expect(await c.call('CONFIG', 'SET', 'shutdown-timeout', '1')).toBe('OK');
    expect(String(await c.call('CONFIG', 'SET', 'shutdown-on-sigterm', 'save nosave'))).toBe(
      "Error: ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigterm') - shutdown options SAVE and NOSAVE can't be used simultaneously");
    process.kill(r.proc.pid!, 'SIGSTOP');
    await c.call('SET', 'b', '2');
    const startedAt = Date.now();
    c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    await c.waitClosed();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    await m.exited;
    expect(m.output()).toMatch(/Lagging replica 127\.0\.0\.1:\d+ reported offset \d+ behind master, lag=\d+, state=online\./);
    expect(m.output()).toContain('0 of 1 replicas are in sync when shutting down.');
  });

  it.concurrent.for(masters)('%s: with shutdown-on-sigterm now, SIGTERM does not wait', { timeout: 30_000 }, async ([, start], { expect, onTestFinished }) => {
    const { m, r, c } = await setup(start, onTestFinished);
    expect(await c.call('CONFIG', 'SET', 'shutdown-on-sigterm', 'NOW nosave')).toBe('OK');
    expect(await c.call('CONFIG', 'GET', 'shutdown-on-sigterm')).toEqual(['shutdown-on-sigterm', 'nosave now']);
    process.kill(r.proc.pid!, 'SIGSTOP');
    await c.call('SET', 'b', '2');
    process.kill(m.proc.pid!, 'SIGTERM');
    await c.waitClosed();
    await m.exited;
    expect(m.output()).toContain('0 of 1 replicas are in sync when shutting down.');
    expect(m.output()).not.toContain('Waiting for replicas before shutting down.');
  });
});
