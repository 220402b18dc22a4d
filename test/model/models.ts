// The replication machines as models: the inputs they start from and the events the
// walk may send in any state. The events are chosen so that every guard is met and missed.
import { failoverMachine, type FailoverEvent, type FailoverInput } from '../../src/machines/failover.js';
import { replicaClientMachine, type ReplicaClientEvent, type ReplicaClientInput } from '../../src/machines/replica-client.js';
import { replicaLinkMachine, type ReplicaLinkEvent, type ReplicaLinkInput } from '../../src/machines/replica-link.js';
import { snapshotMachine, type SnapshotEvent, type SnapshotInput } from '../../src/machines/snapshot.js';
import type { ModelSpec } from './coverage.js';

export const REPLID = 'a'.repeat(40);
export const REPL_TIMEOUT_MS = 60_000;
const io = { lastIoAt: 0, read: 0, transferStartedAt: 0, offset: 0 };

const linkInput = (auth: boolean, cached: boolean): ReplicaLinkInput => ({
  masterHost: '127.0.0.1', masterPort: 1, auth, announceIp: auth, replTimeoutMs: REPL_TIMEOUT_MS, cached: cached ? { replid: REPLID, offset: 10 } : null, now: 0,
});

export const replicaLinkModel: ModelSpec<ReplicaLinkInput, ReplicaLinkEvent> = {
  name: 'replica-link',
  machine: replicaLinkMachine,
  // No cached master at the start: a fresh replica has none; the walk caches one on a lost link.
  inputs: [linkInput(false, false), linkInput(true, false)],
  events: [
    { type: 'TICK', now: 1000, ...io, lastIoAt: 1000 },
    { type: 'TICK', now: REPL_TIMEOUT_MS + 1000, ...io },
    { type: 'SOCKET_UP' },
    { type: 'SOCKET_CLOSED', reason: 'connection lost', now: 0, ...io },
    { type: 'REPLY', line: '+PONG' },
    { type: 'REPLY', line: '-NOAUTH Authentication required.' },
    { type: 'REPLY', line: '+OK' },
    { type: 'REPLY', line: '-ERR unknown command' },
    { type: 'REPLY', line: `+FULLRESYNC ${REPLID} 0` },
    { type: 'REPLY', line: '+FULLRESYNC' },
    { type: 'REPLY', line: '+CONTINUE' },
    { type: 'REPLY', line: `+CONTINUE ${'b'.repeat(40)}` },
    { type: 'REPLY', line: '-LOADING Redis is loading the dataset in memory' },
    { type: 'REPLY', line: "-NOMASTERLINK Can't SYNC while not connected with my master" },
    { type: 'REPLY', line: '$10' },
    { type: 'REPLY', line: `$EOF:${REPLID}` },
    { type: 'PAYLOAD_RECEIVED', read: 10 },
    { type: 'LOADED' },
    { type: 'FAILED', reason: 'bad payload' },
    { type: 'STREAM_ERROR', reason: 'bad stream' },
    { type: 'STOP' },
  ],
  serialize: (s) => JSON.stringify([s.value, (s.context as { cached: unknown }).cached !== null]),
};

export const replicaClientModel: ModelSpec<ReplicaClientInput, ReplicaClientEvent> = {
  name: 'replica-client',
  machine: replicaClientMachine,
  inputs: [{ name: 'r', oldSync: false, now: 0 }, { name: 'r', oldSync: true, now: 0 }],
  events: [
    { type: 'CONTINUE', now: 0 },
    { type: 'FULLRESYNC' },
    { type: 'SNAPSHOT_STARTED', diskless: false },
    { type: 'SNAPSHOT_STARTED', diskless: true },
    { type: 'SNAPSHOT_DONE', now: 0 },
    { type: 'SNAPSHOT_FAILED' },
    { type: 'BULK_SENT', now: 0 },
    { type: 'ACK', offset: 1, now: 0 },
    { type: 'NEWLINE', now: 0 },
    { type: 'TICK', now: 1000, timeoutMs: REPL_TIMEOUT_MS },
    { type: 'TICK', now: REPL_TIMEOUT_MS + 1, timeoutMs: REPL_TIMEOUT_MS },
    // The payload's socket took nothing since 1 ms (a replica that stopped reading).
    { type: 'TICK', now: REPL_TIMEOUT_MS + 2, timeoutMs: REPL_TIMEOUT_MS, stalledSince: 1 },
    { type: 'OUTPUT_LIMIT' },
    { type: 'DISCONNECTED' },
  ],
  serialize: (s) => {
    const c = s.context as { diskless: boolean; streamOnAck: boolean };
    return JSON.stringify([s.value, c.diskless, c.streamOnAck]);
  },
};

export const snapshotModel: ModelSpec<SnapshotInput, SnapshotEvent> = {
  name: 'snapshot',
  machine: snapshotMachine,
  inputs: [
    { target: 'disk', delayMs: 5000, maxReplicas: 0 },
    { target: 'socket', delayMs: 5000, maxReplicas: 2 },
    { target: 'socket', delayMs: 0, maxReplicas: 0 },
  ],
  events: [
    { type: 'REQUEST', now: 0 },
    { type: 'TICK', now: 1000 },
    { type: 'TICK', now: 10_000 },
    { type: 'ATTACH' },
    { type: 'DONE' },
    { type: 'FAILED' },
    { type: 'ABORT' },
  ],
  serialize: (s) => JSON.stringify([s.value, Math.min((s.context as { replicas: number }).replicas, 3)]),
};

const TARGET = { host: '127.0.0.1', port: 1 };

export const failoverModel: ModelSpec<FailoverInput, FailoverEvent> = {
  name: 'failover',
  machine: failoverMachine,
  // FAILOVER TO a replica; to any replica, TIMEOUT 1000; TO a replica, TIMEOUT 1000 FORCE.
  inputs: [{ target: TARGET, endTime: 0, force: false }, { target: null, endTime: 1000, force: false }, { target: TARGET, endTime: 1000, force: true }],
  events: [
    { type: 'CHECK', now: 0, synced: null },
    { type: 'CHECK', now: 0, synced: TARGET },
    { type: 'CHECK', now: 2000, synced: null },
    { type: 'PSYNC_REPLY', line: `+CONTINUE ${REPLID}` },
    { type: 'PSYNC_REPLY', line: `+FULLRESYNC ${REPLID} 0` },
    { type: 'PSYNC_REPLY', line: '-ERR PSYNC FAILOVER replid must match my replid.' },
    { type: 'ABORT', reason: 'Failover manually aborted' },
  ],
  serialize: (s) => JSON.stringify([s.value, (s.context as FailoverInput).target !== null]),
};

export const MODELS = [replicaLinkModel, replicaClientModel, snapshotModel, failoverModel] as ModelSpec<unknown, { type: string }>[];
