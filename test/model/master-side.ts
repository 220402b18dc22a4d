// Drivers for the master side's machines (replica-client, snapshot): a model path replayed
// against a REAL in-process redstate master over loopback, with scripted fake replicas as the
// peers. Each model event becomes an action of a fake replica (a handshake step and PSYNC or
// SYNC, an ACK, a close), of the server (CONFIG SET, CLIENT KILL, a write past the output
// limit) or of the clock (a TICK through Replication.tick; time never passes by sleeping).
// A snapshot is held running by rdb-key-save-delay and released by setting it to 0. After
// each event the real actor must be in the model's state with the model's context, INFO must
// agree, and the replicas must have received what that state sends.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { expect } from 'vitest';
import { createActor, type AnyStateMachine, type EventObject } from 'xstate';
import type { ReplicaClient } from '../../src/actors/replica-client.js';
import type { ReplicaClientEvent, ReplicaClientInput } from '../../src/machines/replica-client.js';
import type { SnapshotEvent, SnapshotInput } from '../../src/machines/snapshot.js';
import { FakeReplica } from '../helpers/fake-replica.js';
import { captureLog, info, waitFor } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedstate, type InProcess } from '../helpers/servers.js';
import type { ModelPath } from './coverage.js';

/** rdb-key-save-delay that holds a snapshot running until the test releases it (1000 s per key). */
const HOLD = '1000000000';
/** repl-timeout as the master runs with it (the default), in ms. */
const TIMEOUT_MS = 60_000;
const key = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The machine alone's snapshots after each event of a path (what the real actor must match). */
export function modelSnapshots<E extends EventObject>(machine: AnyStateMachine, input: unknown, events: E[]): Array<{ value: unknown; status: string; context: Record<string, unknown> }> {
  const a = createActor(machine, { input }).start();
  const out = events.map((e) => {
    a.send(e);
    const s = a.getSnapshot() as { value: unknown; status: string; context: Record<string, unknown> };
    return { value: s.value, status: s.status, context: { ...s.context } };
  });
  a.stop();
  return out;
}

/** A master with a key to sync, its clock in the test's hands, and its snapshots held. */
async function startMaster(directives: Record<string, string>): Promise<{ m: InProcess; cli: RespClient }> {
  const m = await startRedstate({ 'rdb-key-save-delay': HOLD, ...directives });
  m.server.manualReplicaTicks = true;
  const cli = await RespClient.connect(m.port);
  expect(await cli.call('SET', 'model', 'synced')).toBe('OK');
  return { m, cli };
}

/** The master's ReplicaClient for a fake replica's connection, once PSYNC/SYNC made it one. */
function replicaOf(m: InProcess, fr: FakeReplica): ReplicaClient | undefined {
  return [...m.server.replication.replicas].find((r) => r.client.stream?.socket.remotePort === fr.localPort);
}

/** A payload must be an RDB holding the master's key. */
function expectRdb(payload: Buffer): void {
  expect(payload.toString('latin1', 0, 9)).toBe('REDIS0010');
  expect(payload.includes('synced')).toBe(true);
}

/** The write the master propagates next must reach the fake replica (it is streamed to). */
async function expectStreamed(cli: RespClient, fr: FakeReplica, n: number): Promise<void> {
  const v = `streamed-${n}`;
  expect(await cli.call('SET', 'model', v)).toBe('OK');
  await fr.streamed(v);
}

// ---------------------------------------------------------------- replica-client

export type ClientPath = ModelPath<ReplicaClientInput, ReplicaClientEvent>;

/** A TICK that says the replica's socket took nothing of what waits for it since stalledSince. */
const stalledTick = (e: ReplicaClientEvent): boolean => e.type === 'TICK' && (e.stalledSince ?? 0) > 0;
export type SnapshotMode = 'disk' | 'socket';

/**
 * The target the path needs: a disk sync starts its snapshot as PSYNC arrives, so a path may
 * use it only where the model's next event is that start; a diskless one gathers (5 s) first.
 */
export function clientMode(events: ReplicaClientEvent[]): SnapshotMode {
  const i = events.findIndex((e) => e.type === 'FULLRESYNC');
  const next = events[i + 1];
  return i >= 0 && !(next?.type === 'SNAPSHOT_STARTED' && !next.diskless) ? 'socket' : 'disk';
}

/** Can the real master produce event e while the model is in state `at`? */
export function clientDriveable(at: string, e: ReplicaClientEvent, next: ReplicaClientEvent | undefined, mode: SnapshotMode, oldSync: boolean): boolean {
  switch (at) {
    // A replica client is created by PSYNC or SYNC and told which at once.
    case 'attached': return e.type === 'FULLRESYNC' || (e.type === 'CONTINUE' && !oldSync);
    case 'waitBgsaveStart':
      // A disk snapshot starts with the FULLRESYNC itself; a diskless one waits for its delay,
      // which a timed-out TICK would end (the snapshot's clock is the same).
      if (mode === 'disk') return e.type === 'SNAPSHOT_STARTED' && !e.diskless;
      return (e.type === 'SNAPSHOT_STARTED' && e.diskless) || (e.type === 'TICK' && e.now <= 1000) ||
        e.type === 'ACK' || e.type === 'NEWLINE' || e.type === 'DISCONNECTED';
    case 'waitBgsaveEnd':
      switch (e.type) {
        // A small file is sent as soon as it is there: BULK_SENT follows SNAPSHOT_DONE in one step.
        case 'SNAPSHOT_DONE': return mode === 'socket' || next?.type === 'BULK_SENT';
        case 'SNAPSHOT_FAILED': return mode === 'disk';
        case 'TICK': case 'ACK': case 'NEWLINE': case 'OUTPUT_LIMIT': case 'DISCONNECTED': return true;
        default: return false;
      }
    case 'sendBulk': return e.type === 'BULK_SENT';
    case 'online': return e.type === 'ACK' || e.type === 'NEWLINE' || e.type === 'TICK' || e.type === 'OUTPUT_LIMIT' || e.type === 'DISCONNECTED';
    default: return false;
  }
}

export function clientPathDriveable(p: { input: ReplicaClientInput; events: ReplicaClientEvent[]; values: unknown[] }): boolean {
  const mode = clientMode(p.events);
  return p.events.every((e, i) => clientDriveable(key(i === 0 ? 'attached' : p.values[i - 1]), e, p.events[i + 1], mode, p.input.oldSync));
}

/**
 * Replays one replica-client path against a fresh master; variant picks among equivalent
 * actions: odd ones disconnect by CLIENT KILL (else the socket closes), and pass the soft output
 * limit by the clock where the stream is held (else the hard one).
 */
export async function runClientPath(machine: AnyStateMachine, p: { input: ReplicaClientInput; events: ReplicaClientEvent[] }, variant = 0): Promise<void> {
  const mode = clientMode(p.events);
  const model = modelSnapshots(machine, p.input, p.events);
  const { m, cli } = await startMaster({ 'repl-diskless-sync': mode === 'socket' ? 'yes' : 'no', 'repl-diskless-sync-delay': '5' });
  const frs: FakeReplica[] = [];
  const logged = captureLog(m.server.log);
  try {
    // A partial resync needs a backlog: a first replica syncs fully and leaves; one more write follows.
    let continueFrom = 0;
    if (p.events[0]?.type === 'CONTINUE') {
      await cli.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      const setup = await FakeReplica.connect(m.port);
      frs.push(setup);
      await setup.handshake({ eof: false });
      setup.send('PSYNC', '?', '-1');
      const full = (await setup.line()).split(' ');
      expect(full[0]).toBe('+FULLRESYNC');
      continueFrom = Number(full[2]) + 1;
      expectRdb(await setup.payload());
      setup.destroy();
      await waitFor('the setup replica gone', () => m.server.replication.replicas.size === 0);
      await cli.call('CONFIG', 'SET', 'rdb-key-save-delay', HOLD);
      await cli.call('SET', 'model', 'in-backlog');
    }
    // A stalled transfer: payload enough to fill the loopback socket's buffers stays to be sent
    // after the held key (the first key is written before the hold, so two leave one behind).
    const stalls = mode === 'socket' && p.events.some((e, i) => stalledTick(e) && key(i === 0 ? 'attached' : model[i - 1]!.value) === 'waitBgsaveEnd');
    if (stalls) for (const k of ['bulk1', 'bulk2']) await cli.call('SET', k, randomBytes(16 << 20).toString('latin1'));
    const fr = await FakeReplica.connect(m.port);
    frs.push(fr);
    await fr.handshake({ eof: mode === 'socket' });
    let rc: ReplicaClient | undefined;
    let writes = 0;
    let tickWrote = 0;
    for (let i = 0; i < p.events.length; i++) {
      const e = p.events[i]!;
      const at = key(i === 0 ? 'attached' : model[i - 1]!.value);
      const want = model[i]!;
      const step = `step ${i} (${JSON.stringify(e)} in ${at}, ${mode})`;
      const newlines = fr.newlines;
      switch (e.type) {
        case 'CONTINUE': {
          const replid = (await info(cli)).get('master_replid')!;
          fr.send('PSYNC', replid, String(continueFrom));
          expect(await fr.line(), step).toBe(`+CONTINUE ${replid}`);
          await fr.streamed('in-backlog');
          break;
        }
        case 'FULLRESYNC':
          if (p.input.oldSync) fr.send('SYNC');
          else fr.send('PSYNC', '?', '-1');
          if (mode === 'disk') continue; // its snapshot starts at once: checked with SNAPSHOT_STARTED, next
          break;
        case 'SNAPSHOT_STARTED':
          if (mode === 'socket') m.server.replication.tick(Date.now() + 6000);
          if (!p.input.oldSync) expect(await fr.line(), step).toMatch(/^\+FULLRESYNC [0-9a-f]{40} \d+$/);
          if (mode === 'socket') await fr.streamed('$EOF:');
          break;
        case 'SNAPSHOT_DONE':
          await cli.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
          // The diskless payload's header was read at SNAPSHOT_STARTED: its end mark closes it.
          if (mode === 'disk') expectRdb(await fr.payload());
          else await fr.streamed('synced');
          if (mode === 'disk') continue; // BULK_SENT, next, is checked once the file is out
          break;
        case 'SNAPSHOT_FAILED':
          // The temp file and its directory vanish: the save cannot be renamed into place.
          rmSync(m.dir, { recursive: true, force: true });
          await cli.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
          break;
        case 'BULK_SENT':
          break;
        case 'ACK': {
          // An ACK may leave the context as it was (the same offset again): count the master's
          // REPLCONF calls instead, so that the next step cannot overtake it.
          const replconfs = async (): Promise<number> => Number(/calls=(\d+)/.exec((await info(cli, 'commandstats')).get('cmdstat_replconf') ?? '')?.[1] ?? 0);
          const before = await replconfs();
          fr.ack(e.offset);
          await waitFor(`${step}: the master took the ACK`, async () => (await replconfs()) > before);
          break;
        }
        case 'NEWLINE': {
          // Read, it moves the ACK time on: to a later millisecond than the last one's.
          const before = rc!.ackTime;
          await new Promise((r) => setTimeout(r, 2));
          fr.socket.write('\n');
          await waitFor(`${step}: the master took the newline`, () => rc!.ackTime > before);
          break;
        }
        case 'TICK': {
          // What the master writes on the tick, counted on its side of the socket once its writes went out.
          const socket = rc!.client.stream!.socket;
          const stalled = stalledTick(e) && at === 'waitBgsaveEnd' && mode === 'socket';
          if (stalled) {
            // The replica stops reading; the snapshot, released, fills its socket.
            fr.socket.pause();
            await cli.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
            await waitFor(`${step}: the payload stuck in the socket`, () => socket.writableLength > 256 * 1024);
          }
          const before = socket.bytesWritten;
          m.server.replication.tick(e.now > 1000 ? Date.now() + TIMEOUT_MS + 1000 : Date.now());
          // Read what the master sent before it closed, to see the close.
          if (stalled) fr.socket.resume();
          await new Promise((r) => setImmediate(r));
          await new Promise((r) => setImmediate(r));
          tickWrote = socket.bytesWritten - before;
          break;
        }
        case 'OUTPUT_LIMIT':
          if (variant % 2 === 1 && at === 'waitBgsaveEnd') {
            // The soft limit: passed by the stream held for the replica, for longer than its seconds by the clock.
            await cli.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 0 1024 5');
            await cli.call('SET', 'big', 'x'.repeat(4096));
            m.server.replication.tick(Date.now() + 1000);
            expect(rc!.state, `${step}: within the soft limit's seconds`).toBe('waitBgsaveEnd');
            m.server.replication.tick(Date.now() + 6000);
          } else {
            await cli.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 1024 0 0');
            await cli.call('SET', 'big', 'x'.repeat(4096));
          }
          break;
        case 'DISCONNECTED':
          if (variant % 2 === 0) fr.destroy();
          else expect(await cli.call('CLIENT', 'KILL', 'TYPE', 'replica'), step).toBe(1);
          break;
      }
      if (rc === undefined) {
        await waitFor(`${step}: the master made the connection a replica`, () => replicaOf(m, fr) !== undefined);
        rc = replicaOf(m, fr);
      }
      const real = (): string => (rc!.actor.getSnapshot().status === 'done' ? 'closed' : rc!.state);
      const ctx = (c: { diskless?: unknown; streamOnAck?: unknown; ackOffset?: unknown }): string => JSON.stringify([c.diskless, c.streamOnAck, c.ackOffset]);
      // A state that holds may still be waiting for its event (an ACK): the context tells.
      await waitFor(`${step}: the actor in ${key(want.value)} ${ctx(want.context)} (it is in ${real()} ${ctx(rc!.actor.getSnapshot().context)})`,
        () => real() === want.value && ctx(rc!.actor.getSnapshot().context) === ctx(want.context));
      // Redis's rule, apart from the model: an online replica that has not ACKed for repl-timeout
      // is dropped, unless it came by the old SYNC (CLIENT_PRE_PSYNC: it never ACKs).
      if (e.type === 'TICK' && e.now > 1000 && at === 'online') expect(want.value, step).toBe(p.input.oldSync ? 'online' : 'closed');
      const fields = await info(cli);
      if (want.value === 'closed') {
        await fr.waitClosed();
        if (e.type === 'OUTPUT_LIMIT') expect(logged.join('\n'), step).toContain('scheduled to be closed ASAP for overcoming of output buffer limits');
        if (stalledTick(e) && at === 'waitBgsaveEnd') expect(logged.join('\n'), step).toMatch(/Disconnecting timedout replica \(full sync\): 127\.0\.0\.1:\d+/);
        expect(fields.get('connected_slaves'), step).toBe('0');
        break;
      }
      expect(fields.get('connected_slaves'), step).toBe('1');
      const infoState = want.value === 'online' ? 'online' : want.value === 'sendBulk' ? 'send_bulk' : 'wait_bgsave';
      expect(fields.get('slave0'), step).toContain(`state=${infoState},offset=${want.context.ackOffset as number},`);
      // Keep-alive newlines go to a replica whose disk snapshot is awaited (one per tick), and only
      // then: a diskless one is sent the payload. (An online one may be sent the stream's PING.)
      if (e.type === 'TICK' && at !== 'online') {
        const keepAlive = at === 'waitBgsaveStart' || (at === 'waitBgsaveEnd' && mode === 'disk');
        expect(tickWrote, `${step}: bytes written on the tick`).toBe(keepAlive ? 1 : 0);
        if (keepAlive) await fr.newlinesAtLeast(newlines + 1);
      }
      if (want.value === 'waitBgsaveStart') expect(fr.pending(), `${step}: nothing before the snapshot starts`).toBe('');
      // The stream flows once online, except to a diskless replica that has not ACKed yet.
      if (want.value === 'online' && at !== 'online' && !want.context.streamOnAck) await expectStreamed(cli, fr, ++writes);
      if (e.type === 'ACK' && at === 'online' && model[i - 1]!.context.streamOnAck) await expectStreamed(cli, fr, ++writes);
    }
  } finally {
    for (const fr of frs) fr.destroy();
    cli.close();
    await m.close();
  }
}

// ---------------------------------------------------------------- snapshot

export type SnapshotPath = ModelPath<SnapshotInput, SnapshotEvent>;

/** Can the real master produce event e while the model's snapshot is in state `at`? */
export function snapshotDriveable(at: string, e: SnapshotEvent, input: SnapshotInput): boolean {
  const disk = input.target === 'disk';
  switch (at) {
    case 'idle': return e.type === 'REQUEST';
    case 'gathering': return e.type === 'REQUEST' || e.type === 'TICK' || (e.type === 'ABORT' && !disk);
    case 'running':
      switch (e.type) {
        // A replica arriving at a running disk snapshot attaches to it; at a diskless one it waits for the next.
        case 'REQUEST': return !disk;
        case 'ATTACH': case 'FAILED': return disk;
        case 'ABORT': return !disk;
        default: return true;
      }
    default: return false;
  }
}

export function snapshotPathDriveable(p: { input: SnapshotInput; events: SnapshotEvent[]; values: unknown[] }): boolean {
  return p.events.every((e, i) => snapshotDriveable(key(i === 0 ? 'idle' : p.values[i - 1]), e, p.input));
}

/** Replays one snapshot path against a fresh master; variant picks among equivalent actions (how replicas leave). */
export async function runSnapshotPath(machine: AnyStateMachine, p: { input: SnapshotInput; events: SnapshotEvent[] }, variant = 0): Promise<void> {
  const disk = p.input.target === 'disk';
  const model = modelSnapshots(machine, p.input, p.events);
  const { m, cli } = await startMaster({
    'repl-diskless-sync': disk ? 'no' : 'yes',
    'repl-diskless-sync-delay': String(p.input.delayMs / 1000),
    'repl-diskless-sync-max-replicas': String(p.input.maxReplicas),
  });
  /** Every fake replica, and those this snapshot serves. */
  const all: FakeReplica[] = [];
  const members: FakeReplica[] = [];
  /** Replicas that came while a diskless snapshot ran: they wait for the next one. */
  const waiting: FakeReplica[] = [];
  try {
    let actor: typeof m.server.replication.snapshotter.actor = null;
    for (let i = 0; i < p.events.length; i++) {
      const e = p.events[i]!;
      const at = key(i === 0 ? 'idle' : model[i - 1]!.value);
      const want = model[i]!;
      const step = `step ${i} (${JSON.stringify(e)} in ${at}, ${JSON.stringify(p.input)})`;
      switch (e.type) {
        case 'REQUEST': case 'ATTACH': {
          const fr = await FakeReplica.connect(m.port);
          all.push(fr);
          await fr.handshake({ eof: !disk });
          fr.send('PSYNC', '?', '-1');
          await waitFor(`${step}: the replica attached`, () => replicaOf(m, fr) !== undefined);
          if (at !== 'running' || e.type === 'ATTACH') members.push(fr);
          else waiting.push(fr);
          break;
        }
        case 'TICK':
          m.server.replication.tick(Date.now() + (e.now > 1000 ? p.input.delayMs + 1000 : 0));
          break;
        case 'DONE':
          await cli.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
          break;
        case 'FAILED':
          rmSync(m.dir, { recursive: true, force: true });
          await cli.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
          break;
        case 'ABORT':
          // The last replica of a diskless snapshot leaving ends it.
          if (variant % 2 === 0) for (const fr of members) fr.destroy();
          else expect(await cli.call('CLIENT', 'KILL', 'TYPE', 'replica'), step).toBe(members.length + waiting.splice(0).length);
          break;
      }
      actor ??= m.server.replication.snapshotter.actor;
      expect(actor, `${step}: a snapshot machine runs`).not.toBeNull();
      const a = actor!;
      await waitFor(`${step}: the snapshot in ${key(want.value)} (it is in ${key(a.getSnapshot().value)})`,
        () => a.getSnapshot().value === want.value && a.getSnapshot().status === want.status);
      expect(a.getSnapshot().context.replicas, step).toBe(want.context.replicas);
      const persistence = await info(cli, 'persistence');
      // As in Redis 7.0, a diskless transfer is a background save too. Once one ends, the replicas
      // waiting for the next get it (updateSlavesWaitingBgsave), at once when it need not gather.
      const next = want.status === 'done' && waiting.length > 0;
      if (next) {
        expect(m.server.replication.snapshotter.actor, step).not.toBe(a);
        const nextRuns = p.input.delayMs === 0 || (p.input.maxReplicas > 0 && waiting.length >= p.input.maxReplicas);
        if (nextRuns) for (const fr of waiting) expect(await fr.line(), step).toMatch(/^\+FULLRESYNC [0-9a-f]{40} \d+$/);
      } else {
        expect(persistence.get('rdb_bgsave_in_progress'), step).toBe(want.value === 'running' ? '1' : '0');
      }
      if (want.value === 'gathering') for (const fr of members) expect(fr.pending(), `${step}: nothing while gathering`).toBe('');
      if (want.value === 'running' && at !== 'running' || e.type === 'ATTACH') {
        // Every replica of the snapshot is told the same offset; a diskless one gets the payload's header.
        const replies = new Set<string>();
        for (const fr of e.type === 'ATTACH' ? members.slice(-1) : members) {
          const l = await fr.line();
          expect(l, step).toMatch(/^\+FULLRESYNC [0-9a-f]{40} \d+$/);
          replies.add(l);
          if (!disk) await fr.streamed('$EOF:');
        }
        expect(replies.size, step).toBe(1);
      }
      if (want.value === 'done') {
        for (const fr of members) {
          if (disk) expectRdb(await fr.payload());
          else await fr.streamed('synced');
        }
      }
      if (want.value === 'failed') for (const fr of members) await fr.waitClosed();
      if (want.status === 'done') break;
    }
  } finally {
    for (const fr of all) fr.destroy();
    cli.close();
    await m.close();
  }
}
