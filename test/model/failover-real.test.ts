// The failover model's paths against the REAL failover of an in-process redstate master, over
// loopback sockets: a scripted replica acks (or not) at the offsets the path needs, and a
// scripted server on the port that replica announced answers the master's PSYNC FAILOVER with
// the path's line. The clock moves by calling the actor's check with a later time, never by
// sleeping. After each event INFO's master_failover_state and role must be the model's.
import { afterEach, describe, expect, it } from 'vitest';
import type { FailoverEvent, FailoverInput } from '../../src/machines/failover.js';
import { FakeMaster, type FakeLink } from '../helpers/fake-master.js';
import { FakeReplica } from '../helpers/fake-replica.js';
import { info, waitFor } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedstate, type InProcess } from '../helpers/servers.js';
import { coverage, formatCoverage, modelPaths, selectPaths, type ModelPath } from './coverage.js';
import { failoverModel } from './models.js';

type Path = ModelPath<FailoverInput, FailoverEvent>;
/** The real TIMEOUT: long enough that the server's own cron never reaches it during a path. */
const TIMEOUT_MS = 600_000;

/** The events the real system can produce in each state (the others change nothing in the model either). */
function driveable(p: Path): boolean {
  return p.events.every((e, i) => {
    const at = JSON.stringify(i === 0 ? 'waitingForSync' : p.values[i - 1]);
    if (e.type === 'CHECK') return at === '"waitingForSync"';
    if (e.type === 'PSYNC_REPLY') return at === '"failoverInProgress"';
    return at === '"waitingForSync"' || at === '"failoverInProgress"';
  });
}

const INFO_STATE: Record<string, [string, string]> = {
  waitingForSync: ['waiting-for-sync', 'master'],
  failoverInProgress: ['failover-in-progress', 'slave'],
  failedOver: ['no-failover', 'slave'],
  aborted: ['no-failover', 'master'],
};

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function runFailoverPath(p: Path): Promise<void> {
  const srv: InProcess = await startRedstate({ 'repl-diskless-sync-delay': '0' });
  open.push(srv);
  const c = await RespClient.connect(srv.port);
  open.push(c);
  const target = await FakeMaster.start();
  open.push(target);
  const replica = await FakeReplica.connect(srv.port);
  open.push({ close: () => replica.destroy() });
  await replica.handshake({ port: target.port });
  replica.send('PSYNC', '?', '-1');
  await replica.line();
  await replica.payload();
  const offset = async (): Promise<number> => Number((await info(c)).get('master_repl_offset'));
  replica.ack(await offset());
  await waitFor('the replica online', async () => (await info(c)).get('slave0')?.includes('state=online') === true);
  // One write the replica has not acked: it is behind until the path's CHECK says otherwise.
  await c.call('SET', 'k', 1);
  const args = [
    ...(p.input.target !== null ? ['TO', '127.0.0.1', String(target.port)] : []),
    ...(p.input.endTime > 0 ? ['TIMEOUT', String(TIMEOUT_MS)] : []),
    ...(p.input.force ? ['FORCE'] : []),
  ];
  expect(await c.call('FAILOVER', ...args)).toBe('OK');
  const failover = srv.server.failover!;
  let link: FakeLink | null = null;
  for (const [i, e] of p.events.entries()) {
    const want = String(p.values[i]);
    switch (e.type) {
      case 'CHECK':
        if (e.now > 0) failover.check(Date.now() + TIMEOUT_MS + 1);
        else if (e.synced !== null) replica.ack(await offset());
        else failover.check(Date.now());
        break;
      case 'PSYNC_REPLY': {
        link ??= await target.accept();
        const psync = await link.handshake(e.line);
        expect(psync[psync.length - 1]).toBe('FAILOVER');
        break;
      }
      case 'ABORT':
        expect(await c.call('FAILOVER', 'ABORT')).toBe('OK');
        break;
    }
    const [state, role] = INFO_STATE[want]!;
    await waitFor(`${want} after ${e.type}`, async () => {
      const now = await info(c);
      return now.get('master_failover_state') === state && now.get('role') === role;
    }, 10_000);
  }
}

const selected = selectPaths(modelPaths(failoverModel).filter(driveable));

describe('failover model paths over real sockets', () => {
  for (const [n, p] of selected.entries()) {
    const name = p.events.map((e) => (e.type === 'PSYNC_REPLY' ? JSON.stringify(e.line.split(' ')[0]) : e.type === 'CHECK' ? `CHECK(${e.now > 0 ? 'timeout' : e.synced !== null ? 'synced' : 'behind'})` : e.type)).join(' ');
    const how = `${p.input.target !== null ? 'TO' : 'any'}${p.input.endTime > 0 ? ' TIMEOUT' : ''}${p.input.force ? ' FORCE' : ''}`;
    it(`path ${n} (${how}): ${name}`, async () => {
      await runFailoverPath(p);
    });
  }

  it('the paths driven over sockets take every state and transition', () => {
    const c = coverage('failover over sockets', failoverModel.machine, selected);
    console.log(`${formatCoverage(c)} (${selected.length} paths)`);
    expect(c.states.missing).toEqual([]);
    expect(c.transitions.missing).toEqual([]);
  });
});
