// A command of the master's stream that fails on the replica (DEBUG REPLICATE puts any words
// into the stream): the replica logs it as critical with the newest stream, counts it in INFO
// unexpected_error_replies, and goes on; under propagation-error-behavior panic it aborts, as
// redis-server does, rather than diverge. Found by Redis's own integration/replication-4.tcl.
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { caughtUp, captureLog, info, waitFor } from '../helpers/replication.js';
import { startRedis, startRedstate, startRedstateProcess } from '../helpers/servers.js';

const { running, client } = closedAfterEach();

describe("an error in the master's stream, side by side with redis-server 7.0", () => {
  it('the replica logs it as critical with the newest stream, counts it, and goes on', async () => {
    const counts: string[] = [];
    for (const kind of ['redis', 'redstate'] as const) {
      const master = kind === 'redis' ? await startRedis(['--repl-diskless-sync-delay', '0']) : await startRedstate({ 'repl-diskless-sync-delay': '0' });
      running.push(master);
      const replica = kind === 'redis' ? await startRedis(['--replicaof', '127.0.0.1', String(master.port)])
        : await startRedstate({ replicaof: ['127.0.0.1', String(master.port)] });
      running.push(replica);
      const lines = 'server' in replica ? captureLog(replica.server.log) : [];
      const [m, r] = [await client(master.port), await client(replica.port)];
      await waitFor('the replica in sync', async () => (await info(r)).get('master_link_status') === 'up');
      await m.call('SET', 'foo', 'bar');
      await caughtUp(m, r);
      expect(await m.call('DEBUG', 'REPLICATE', 'fake-command-1', 'arg')).toBe('OK');
      await m.call('SET', 'foo', 'bar2');
      await caughtUp(m, r);
      expect(await r.call('GET', 'foo')).toBe('bar2');
      counts.push((await info(r, 'stats')).get('unexpected_error_replies')!);
      if ('server' in replica) {
        const critical = lines.filter((l) => l.includes('== CRITICAL =='));
        expect(critical).toHaveLength(1);
        expect(critical[0]).toMatch(/# == CRITICAL == This replica is sending an error to its master: '.*fake-command-1.*' after processing the command '<unknown>'$/);
        // The stream before the failing command: a replica feeds on what it applied.
        expect(lines.some((l) => /# Latest backlog is: '".*foo.*bar.*"'$/.test(l))).toBe(true);
      } else {
        const log = replica.output();
        expect(log.match(/== CRITICAL == This replica is sending an error to its master: '.*fake-command-1/g)).toHaveLength(1);
      }
    }
    expect(counts).toEqual(['1', '1']);
  });

  it.each([[[]], [['--use-exit-on-panic', 'yes']]])('under propagation-error-behavior panic, a read-only replica aborts (%j)', async (exit: string[]) => {
    for (const kind of ['redis', 'redstate'] as const) {
      const master = await startRedis(['--repl-diskless-sync-delay', '0']);
      running.push(master);
      const args = ['--replicaof', '127.0.0.1', String(master.port), '--propagation-error-behavior', 'panic', ...exit];
      const replica = kind === 'redis' ? await startRedis(args) : await startRedstateProcess(args);
      running.push(replica);
      const m = await client(master.port);
      await m.call('SET', 'foo', 'bar');
      await caughtUp(m, await client(replica.port));
      await m.call('DEBUG', 'REPLICATE', 'fake-command-1');
      await waitFor(`the ${kind} replica ended`, () => replica.proc.exitCode !== null || replica.proc.signalCode !== null);
      // use-exit-on-panic (a hidden directive): exit(1) rather than abort().
      if (exit.length > 0) expect(replica.proc.exitCode, kind).toBe(1);
      else expect(replica.proc.signalCode, kind).not.toBeNull();
      expect(replica.output(), kind).toMatch(/Guru Meditation: This replica panicked sending an error to its master after processing the command '<unknown>'/);
    }
  });
});
