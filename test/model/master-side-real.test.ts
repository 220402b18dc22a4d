// The master side's model paths (replica-client and snapshot machines) run against the REAL
// actors of an in-process redstate master over loopback sockets, with scripted fake replicas
// as peers (see master-side.ts). The paths are generated from the machines the server runs;
// a few of them, chosen greedily, take every transition the real system can be driven through.
import { describe, expect, it } from 'vitest';
import type { ReplicaClientEvent, ReplicaClientInput } from '../../src/machines/replica-client.js';
import type { SnapshotEvent, SnapshotInput } from '../../src/machines/snapshot.js';
import { coverage, formatCoverage, modelPaths, selectPaths, type ModelPath } from './coverage.js';
import { clientPathDriveable, modelSnapshots, runClientPath, runSnapshotPath, snapshotPathDriveable } from './master-side.js';
import { REPL_TIMEOUT_MS, replicaClientModel, snapshotModel } from './models.js';

type Path<I, E extends { type: string }> = ModelPath<I, E> & { stateIds: string[] };
const label = (e: { type: string; [k: string]: unknown }): string =>
  e.type === 'TICK' ? (Number(e.stalledSince ?? 0) > 0 ? 'TICK(late, stalled)' : Number(e.now) > 1000 ? 'TICK(late)' : 'TICK') : e.type === 'SNAPSHOT_STARTED' ? `SNAPSHOT_STARTED(${e.diskless ? 'diskless' : 'disk'})` : e.type;

const clientPaths = selectPaths((modelPaths(replicaClientModel) as Path<ReplicaClientInput, ReplicaClientEvent>[]).filter(clientPathDriveable));
const snapshotPaths = selectPaths((modelPaths(snapshotModel) as Path<SnapshotInput, SnapshotEvent>[]).filter(snapshotPathDriveable));

describe('replica-client model paths over real sockets', () => {
  for (const [n, p] of clientPaths.entries()) {
    // A replica that leaves does so both ways: its socket closes, or CLIENT KILL TYPE replica.
    const leaves = p.events.some((e) => e.type === 'DISCONNECTED');
    for (const v of leaves ? [0, 1] : [0]) {
      const how = leaves ? (v === 0 ? ', socket closed' : ', CLIENT KILL') : '';
      it(`path ${n} (${p.input.oldSync ? 'SYNC' : 'PSYNC'}${how}): ${p.events.map(label).join(' ')}`, async () => {
        await runClientPath(replicaClientModel.machine, p, v);
      });
    }
  }

  for (const [v, limit] of ['hard', 'soft'].entries()) {
    it(`a replica whose snapshot runs is dropped past the ${limit} output limit${v === 1 ? ' once its seconds are over' : ''}`, async () => {
      const events: ReplicaClientEvent[] = [{ type: 'FULLRESYNC' }, { type: 'SNAPSHOT_STARTED', diskless: false }, { type: 'OUTPUT_LIMIT' }];
      await runClientPath(replicaClientModel.machine, { input: { name: 'r', oldSync: false, now: 0 }, events }, v);
    });
  }

  it('an old SYNC replica, online, is never timed out (it sends no ACKs)', async () => {
    const events: ReplicaClientEvent[] = [{ type: 'FULLRESYNC' }, { type: 'SNAPSHOT_STARTED', diskless: false },
      { type: 'SNAPSHOT_DONE', now: 0 }, { type: 'BULK_SENT', now: 0 }, { type: 'TICK', now: REPL_TIMEOUT_MS + 1, timeoutMs: REPL_TIMEOUT_MS }];
    const p = { input: { name: 'r', oldSync: true, now: 0 }, events };
    expect(clientPathDriveable({ ...p, values: modelSnapshots(replicaClientModel.machine, p.input, events).map((s) => s.value) })).toBe(true);
    await runClientPath(replicaClientModel.machine, p);
  });

  it('the paths driven over sockets take every state and transition', () => {
    const c = coverage('replica-client over sockets', replicaClientModel.machine, clientPaths);
    console.log(`${formatCoverage(c)} (${clientPaths.length} paths)`);
    expect(c.states.missing).toEqual([]);
    expect(c.transitions.missing).toEqual([]);
  });
});

describe('snapshot model paths over real sockets', () => {
  for (const [n, p] of snapshotPaths.entries()) {
    for (const v of p.events.some((e) => e.type === 'ABORT') ? [0, 1] : [0]) {
      const how = p.events.some((e) => e.type === 'ABORT') ? (v === 0 ? ', sockets closed' : ', CLIENT KILL') : '';
      it(`path ${n} (${p.input.target}, delay ${p.input.delayMs} ms, max ${p.input.maxReplicas}${how}): ${p.events.map(label).join(' ')}`, async () => {
        await runSnapshotPath(snapshotModel.machine, p, v);
      });
    }
  }

  it('the paths driven over sockets take every state and transition', () => {
    const c = coverage('snapshot over sockets', snapshotModel.machine, snapshotPaths);
    console.log(`${formatCoverage(c)} (${snapshotPaths.length} paths)`);
    expect(c.states.missing).toEqual([]);
    expect(c.transitions.missing).toEqual([]);
  });
});
