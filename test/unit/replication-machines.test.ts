// The master-side machines driven by events alone (no sockets, no timers): the replica-client
// machine and the snapshot machine, as the server runs them, with their actions recorded.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { replicaClientMachine, type ReplicaClientEvent } from '../../src/machines/replica-client.js';
import { snapshotMachine } from '../../src/machines/snapshot.js';

/** The replica-client machine with every action recording its name. */
function replicaClient(oldSync = false) {
  const done: string[] = [];
  const names = ['replyFullResync', 'sendNewline', 'sendBulk', 'startStream', 'logSyncSucceeded',
    'logStreamedAwaitingAck', 'logTimedOut', 'release'] as const;
  const actions = Object.fromEntries(names.map((n) => [n, () => void done.push(n)]));
  const actor = createActor(replicaClientMachine.provide({ actions }), { input: { name: 'r', oldSync, now: 1000 } });
  actor.start();
  const send = (e: ReplicaClientEvent): string => {
    done.length = 0;
    actor.send(e);
    return actor.getSnapshot().value as string;
  };
  return { actor, done, send };
}

describe('replica-client machine', () => {
  it('walks a disk-based full sync: wait for the snapshot, send the file, stream', () => {
    const { actor, done, send } = replicaClient();
    expect(send({ type: 'FULLRESYNC' })).toBe('waitBgsaveStart');
    expect(send({ type: 'TICK', now: 2000, timeoutMs: 60_000 })).toBe('waitBgsaveStart');
    expect(done).toEqual(['sendNewline']);
    expect(send({ type: 'SNAPSHOT_STARTED', diskless: false })).toBe('waitBgsaveEnd');
    expect(done).toEqual(['replyFullResync']);
    send({ type: 'TICK', now: 3000, timeoutMs: 60_000 });
    expect(done).toEqual(['sendNewline']);
    expect(send({ type: 'SNAPSHOT_DONE', now: 4000 })).toBe('sendBulk');
    expect(done).toEqual(['sendBulk']);
    expect(send({ type: 'BULK_SENT', now: 5000 })).toBe('online');
    expect(done).toEqual(['startStream', 'logSyncSucceeded']);
    expect(actor.getSnapshot().context.ackTime).toBe(5000);
    expect(send({ type: 'ACK', offset: 77, now: 6000 })).toBe('online');
    expect(done).toEqual([]);
    expect(actor.getSnapshot().context).toMatchObject({ ackOffset: 77, ackTime: 6000 });
  });

  it('streams a diskless replica only after its first ACK, and sends it no newlines meanwhile', () => {
    const { done, send } = replicaClient();
    send({ type: 'FULLRESYNC' });
    send({ type: 'SNAPSHOT_STARTED', diskless: true });
    send({ type: 'TICK', now: 2000, timeoutMs: 60_000 });
    expect(done).toEqual([]);
    expect(send({ type: 'SNAPSHOT_DONE', now: 3000 })).toBe('online');
    expect(done).toEqual(['logStreamedAwaitingAck']);
    send({ type: 'ACK', offset: 10, now: 3500 });
    expect(done).toEqual(['startStream', 'logSyncSucceeded']);
    send({ type: 'ACK', offset: 20, now: 3600 });
    expect(done).toEqual([]);
  });

  it('drops an online replica whose last ACK is older than repl-timeout, but not an old-SYNC one', () => {
    const psync = replicaClient();
    expect(psync.send({ type: 'CONTINUE', now: 1000 })).toBe('online');
    expect(psync.done).toEqual(['startStream']);
    expect(psync.send({ type: 'TICK', now: 61_000, timeoutMs: 60_000 })).toBe('online');
    expect(psync.send({ type: 'TICK', now: 61_001, timeoutMs: 60_000 })).toBe('closed');
    expect(psync.done).toEqual(['logTimedOut', 'release']);
    const old = replicaClient(true);
    old.send({ type: 'CONTINUE', now: 1000 });
    expect(old.send({ type: 'TICK', now: 1_000_000, timeoutMs: 60_000 })).toBe('online');
  });

  it('closes from any state on a failed snapshot, an output limit or a lost connection', () => {
    const a = replicaClient();
    a.send({ type: 'FULLRESYNC' });
    a.send({ type: 'SNAPSHOT_STARTED', diskless: false });
    expect(a.send({ type: 'SNAPSHOT_FAILED' })).toBe('closed');
    expect(a.done).toEqual(['release']);
    const b = replicaClient();
    b.send({ type: 'FULLRESYNC' });
    expect(b.send({ type: 'OUTPUT_LIMIT' })).toBe('closed');
    const c = replicaClient();
    expect(c.send({ type: 'DISCONNECTED' })).toBe('closed');
    expect(c.actor.getSnapshot().status).toBe('done');
  });

  it('is walkable by xstate/graph: every state is reached by some path of events', () => {
    const model = createTestModel(replicaClientMachine, {
      input: { name: 'r', oldSync: false, now: 0 },
      events: [
        { type: 'CONTINUE', now: 1 }, { type: 'FULLRESYNC' }, { type: 'SNAPSHOT_STARTED', diskless: false },
        { type: 'SNAPSHOT_STARTED', diskless: true }, { type: 'SNAPSHOT_DONE', now: 2 }, { type: 'BULK_SENT', now: 3 },
        { type: 'ACK', offset: 1, now: 4 }, { type: 'TICK', now: 100_000, timeoutMs: 1000 }, { type: 'DISCONNECTED' },
      ],
    });
    const reached = new Set(model.getShortestPaths({ allowDuplicatePaths: true }).map((p) => p.state.value as string));
    expect([...reached].sort()).toEqual(['attached', 'closed', 'online', 'sendBulk', 'waitBgsaveEnd', 'waitBgsaveStart']);
  });

  it('serializes to JSON for the inspector from the same definition', () => {
    const json = replicaClientMachine.toJSON() as { states: Record<string, unknown> };
    expect(Object.keys(json.states)).toEqual(['attached', 'waitBgsaveStart', 'waitBgsaveEnd', 'sendBulk', 'online', 'closed']);
  });
});

describe('snapshot machine', () => {
  function snapshot(target: 'disk' | 'socket', delayMs: number, maxReplicas = 0) {
    const done: string[] = [];
    const names = ['startSnapshot', 'attachReplica', 'logDelayed', 'finish'] as const;
    const actions = Object.fromEntries(names.map((n) => [n, () => void done.push(n)]));
    const actor = createActor(snapshotMachine.provide({ actions }), { input: { target, delayMs, maxReplicas } });
    actor.start();
    return { actor, done, state: () => actor.getSnapshot().value as string };
  }

  it('starts a disk snapshot at once and lets replicas attach while it runs', () => {
    const s = snapshot('disk', 5000);
    s.actor.send({ type: 'REQUEST', now: 0 });
    expect(s.state()).toBe('running');
    expect(s.done).toEqual(['logDelayed', 'startSnapshot']);
    s.actor.send({ type: 'ATTACH' });
    expect(s.actor.getSnapshot().context.replicas).toBe(2);
    s.actor.send({ type: 'DONE' });
    expect(s.state()).toBe('done');
    expect(s.done.at(-1)).toBe('finish');
  });

  it('gathers diskless replicas for the delay, or until max replicas came; no attaching once running', () => {
    const s = snapshot('socket', 2000);
    s.actor.send({ type: 'REQUEST', now: 1000 });
    s.actor.send({ type: 'REQUEST', now: 1500 });
    s.actor.send({ type: 'TICK', now: 2999 });
    expect(s.state()).toBe('gathering');
    s.actor.send({ type: 'TICK', now: 3000 });
    expect(s.state()).toBe('running');
    s.actor.send({ type: 'ATTACH' });
    expect(s.done).not.toContain('attachReplica');
    const m = snapshot('socket', 60_000, 2);
    m.actor.send({ type: 'REQUEST', now: 0 });
    m.actor.send({ type: 'REQUEST', now: 1 });
    expect(m.state()).toBe('running');
    m.actor.send({ type: 'ABORT' });
    expect(m.state()).toBe('failed');
  });
});
