// Snapshots for replicas (startBgsaveForReplication, updateSlavesWaitingBgsave): runs one
// snapshot machine at a time and binds its actions to the IO. Disk target: a BGSAVE to
// dir/dbfilename whose file each replica is then sent. Socket target (diskless): the
// snapshot stream written to every gathered replica's socket at once, between an
// `$EOF:<mark>\r\n` header and the same 40-byte mark.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { createActor, type Actor } from 'xstate';
import { snapshotMachine, type SnapshotEvent, type SnapshotTarget } from '../machines/snapshot.js';
import { RdbSnapshotStream } from '../store/snapshot.js';
import { BulkTransfer } from './bulk-transfer.js';
import { SaveAborted } from './persistence.js';
import { EffectQueue } from './effects.js';
import type { PayloadFilter, ReplicaClient } from './replica-client.js';
import type { Server } from './server.js';

/** A diskless transfer stops reading the snapshot while every socket holds this much. */
export const SOCKET_HIGH_WATER = 256 * 1024;
/** The most a diskless transfer writes at once. */
export const PIECE = 64 * 1024;

/** A chunk of a diskless transfer: its pieces not yet written, the socket writes not yet over, and whether it went back. */
interface Written {
  readonly chunk: Buffer;
  queued: number;
  out: number;
  recycled: boolean;
}

interface Running {
  readonly actor: Actor<typeof snapshotMachine>;
  readonly target: SnapshotTarget;
  /** What its payload holds: replicas asking for another filter cannot share it. */
  readonly payload: PayloadFilter;
  readonly replicas: Set<ReplicaClient>;
  /** A replica attaching to the running snapshot, and the one whose held stream it copies. */
  arriving: { replica: ReplicaClient; donor: ReplicaClient } | null;
  stream: RdbSnapshotStream | null;
  /** A disk snapshot's replicas were sent its file (sendFile). */
  sent: boolean;
  /** A diskless transfer writes what it can (after a replica left, it may be the others' turn). */
  pump: (() => void) | null;
  readonly effects: EffectQueue;
}

/** The socket with the least buffered, among the replicas of a run; null when none is left. */
function fastestSocket(run: Running): Socket | null {
  let fastest: Socket | null = null;
  for (const r of run.replicas) {
    const socket = r.client.stream?.socket;
    if (socket !== undefined && !socket.destroyed && (fastest === null || socket.writableLength < fastest.writableLength)) fastest = socket;
  }
  return fastest;
}

/** Sends a snapshot machine an event, then does the IO its actions asked for; an ended one hears nothing. */
function tell(run: Running, event: SnapshotEvent): void {
  if (run.actor.getSnapshot().status !== 'active') return;
  run.actor.send(event);
  run.effects.run();
}

export class Snapshotter {
  private current: Running | null = null;
  /** Replicas waiting for the next snapshot (WAIT_BGSAVE_START with nothing to join). */
  private readonly waiting = new Set<ReplicaClient>();

  constructor(private readonly server: Server) {}

  /** The machine of the snapshot in progress, or null (for tests that follow it). */
  get actor(): Actor<typeof snapshotMachine> | null {
    return this.current?.actor ?? null;
  }

  /** The target a replica's full sync needs: a filtered payload goes to its socket, never into the dump file. */
  private targetFor(r: ReplicaClient): SnapshotTarget {
    return (this.server.config.getBool('repl-diskless-sync') || r.conf.payload !== 'all') && r.conf.capaEof ? 'socket' : 'disk';
  }

  // syncCommand's full-sync branch
  /** A replica in WAIT_BGSAVE_START: join the snapshot gathering or running, or wait for the next. */
  request(r: ReplicaClient): void {
    const cur = this.current;
    const target = this.targetFor(r);
    const log = this.server.log;
    if (cur !== null && cur.target === target && cur.payload === r.conf.payload) {
      const state = cur.actor.getSnapshot().value;
      if (state === 'gathering') {
        cur.replicas.add(r);
        tell(cur, { type: 'REQUEST', now: Date.now() });
        return;
      }
      const donor = [...cur.replicas].find((o) => o.state === 'waitBgsaveEnd');
      if (state === 'running' && target === 'disk' && donor !== undefined) {
        cur.replicas.add(r);
        cur.arriving = { replica: r, donor };
        tell(cur, { type: 'ATTACH' });
        cur.arriving = null;
        log.notice('Waiting for end of BGSAVE for SYNC');
        return;
      }
    }
    if (cur !== null || this.server.persistence.bgsaveInProgress) {
      log.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      this.waiting.add(r);
      return;
    }
    this.begin(target, r.conf.payload, [r]);
  }

  /** A replica left: it no longer counts for the snapshot; the last one leaving a diskless one ends it. */
  forget(r: ReplicaClient): void {
    this.waiting.delete(r);
    const cur = this.current;
    if (cur === null || !cur.replicas.delete(r)) return;
    if (cur.replicas.size === 0 && cur.target === 'socket') {
      // rdbPipeReadHandler's line (Redis's child writes the payload into a pipe; here the snapshot stream).
      this.server.log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
      tell(cur, { type: 'ABORT' });
    }
    // It may have been the socket the transfer waited to drain: the others set the pace now.
    else cur.pump?.();
  }

  /** Cron: the gathering delay, and the next snapshot for replicas left waiting. */
  tick(now: number): void {
    if (this.current !== null) tell(this.current, { type: 'TICK', now });
    if (this.current !== null || this.waiting.size === 0 || this.server.persistence.bgsaveInProgress) return;
    const first = this.waiting.values().next().value!;
    const target = this.targetFor(first);
    const group = [...this.waiting].filter((r) => this.targetFor(r) === target && r.conf.payload === first.conf.payload);
    for (const r of group) this.waiting.delete(r);
    this.begin(target, first.conf.payload, group);
  }

  // rdbSaveBackground for BGSAVE and save points
  /**
   * A disk snapshot of no replica's own, run by the same machine (a replica arriving while it
   * runs waits for the next one, as it cannot have the stream since its start). False while
   * another snapshot is in progress.
   */
  bgsave(): boolean {
    if (this.current !== null || this.server.persistence.bgsaveInProgress) return false;
    this.begin('disk', 'all', []);
    return true;
  }

  /** Ends the snapshot in progress (shutdown); its replicas are dropped. */
  abort(): void {
    if (this.current !== null) tell(this.current, { type: 'ABORT' });
  }

  private begin(target: SnapshotTarget, payload: PayloadFilter, replicas: ReplicaClient[]): void {
    const config = this.server.config;
    const log = this.server.log;
    let running: Running | null = null;
    const effects = new EffectQueue();
    const machine = snapshotMachine.provide({
      actions: {
        logDelayed: effects.defer(({ context }) => {
          if (context.target === 'socket' && context.delayMs > 0) log.notice('Delay next BGSAVE for diskless SYNC');
        }),
        startSnapshot: effects.defer(() => this.start(running!)),
        attachReplica: effects.defer(() => {
          const { replica, donor } = running!.arriving!;
          replica.adoptStream(donor);
          replica.tell({ type: 'SNAPSHOT_STARTED', diskless: false });
        }),
        finish: effects.defer(({ event }) => this.finish(running!, event.type as 'DONE' | 'FAILED' | 'ABORT')),
      },
    });
    const actor = createActor(machine, {
      input: {
        target,
        delayMs: target === 'socket' ? config.getInt('repl-diskless-sync-delay') * 1000 : 0,
        maxReplicas: config.getInt('repl-diskless-sync-max-replicas'),
      },
      inspect: this.server.inspector.inspect({ role: 'snapshot', label: target === 'socket' ? 'diskless, to replica sockets' : 'to disk, for replicas' }),
    });
    running = { actor, target, payload, replicas: new Set(replicas), arriving: null, stream: null, sent: false, pump: null, effects };
    this.current = running;
    actor.start();
    const now = Date.now();
    for (let i = 0; i < Math.max(replicas.length, 1) && actor.getSnapshot().value !== 'running'; i++) {
      tell(running, { type: 'REQUEST', now });
    }
  }

  // startBgsaveForReplication + replicationSetupSlaveForFullResync
  private start(run: Running): void {
    const server = this.server;
    const repl = server.replication;
    if (run.replicas.size > 0) {
      server.log.notice(`Starting BGSAVE for SYNC with target: ${run.target === 'disk' ? 'disk' : 'replicas sockets'}`);
      repl.forceSelect();
    }
    for (const r of run.replicas) {
      r.psyncInitialOffset = repl.masterReplOffset;
      r.tell({ type: 'SNAPSHOT_STARTED', diskless: run.target === 'socket' });
    }
    if (run.target === 'disk') {
      const ok = server.persistence.bgsave(
        // Stopped (FLUSHALL) once its file was whole and being sent, a save leaves its replicas
        // their payload: only the dump file is given up. Redis sends the file after its child
        // exits, so no FLUSHALL can come between.
        (err) => tell(run, { type: err === null || (err instanceof SaveAborted && run.sent) ? 'DONE' : 'FAILED' }),
        (tmp) => this.sendFile(run, tmp),
      );
      if (!ok) tell(run, { type: 'FAILED' });
      return;
    }
    this.streamToSockets(run);
  }

  /**
   * The diskless transfer: one snapshot stream, written to every replica's socket in pieces of
   * at most PIECE bytes (a large value is one chunk of the stream), paced by the fastest
   * replica: a piece goes out only while that one holds less than SOCKET_HIGH_WATER, so a
   * replica keeping up never buffers much, and one that does not falls behind within its own
   * output limit and repl-timeout (the cron drops it when its socket took nothing for that long).
   */
  private streamToSockets(run: Running): void {
    const mark = randomBytes(20).toString('hex');
    const stream = new RdbSnapshotStream(this.server.keyspace, this.server.persistence.snapshotOptions(run.payload), this.server.persistence.keySaveDelayMs);
    run.stream = stream;
    this.server.persistence.backgroundSnapshots++;
    const header = Buffer.from(`$EOF:${mark}\r\n`);
    for (const r of run.replicas) r.writePayload(header);
    this.server.log.notice('Background RDB transfer started');
    // A chunk of the stream, cut in pieces: its memory goes back to the encoder once every socket took every piece.
    const pieces: Array<{ piece: Buffer; chunk: Written }> = [];
    const recycle = (c: Written): void => {
      if (c.out > 0 || c.queued > 0 || c.recycled) return;
      c.recycled = true;
      stream.snapshot.recycle(c.chunk);
    };
    let ended = false;
    // While every replica holds more than SOCKET_HIGH_WATER: their sockets, the first of which to
    // drain (or close) lets the transfer go on. Not only the one least behind when it paused: a
    // replica that stopped reading can be that one (the kernel still took its bytes), and waiting
    // for its drain alone would hold the others until repl-timeout.
    let waitingOn: Socket[] = [];
    const stopWaiting = (): void => {
      for (const s of waitingOn) {
        s.off('drain', again);
        s.off('close', again);
      }
      waitingOn = [];
    };
    const again = (): void => {
      stopWaiting();
      pump();
    };
    // A replica dropped at its output limit calls back in (forget): the loop running goes on.
    // Whether the run is over is the machine's to say, not stream.destroyed: a stream that
    // ended destroys itself, and its last pieces may still wait for a drain then.
    let pumping = false;
    const pump = (): void => {
      if (pumping || run.actor.getSnapshot().status !== 'active') return;
      pumping = true;
      try {
        writePieces();
      } finally {
        pumping = false;
      }
    };
    const writePieces = (): void => {
      while (pieces.length > 0) {
        const fastest = fastestSocket(run);
        if (fastest === null) return;
        if (fastest.writableLength > SOCKET_HIGH_WATER) {
          if (waitingOn.length === 0) {
            stream.pause();
            for (const r of run.replicas) {
              const socket = r.client.stream?.socket;
              if (socket === undefined || socket.destroyed) continue;
              socket.on('drain', again);
              socket.on('close', again);
              waitingOn.push(socket);
            }
          }
          return;
        }
        const { piece, chunk } = pieces.shift()!;
        chunk.queued--;
        for (const r of run.replicas) {
          chunk.out++;
          r.writePayload(piece, () => {
            chunk.out--;
            recycle(chunk);
          });
        }
        recycle(chunk);
        for (const r of [...run.replicas]) r.checkOutputLimit(Date.now());
      }
      if (!ended) {
        stream.resume();
        return;
      }
      this.server.log.warning(`Diskless rdb transfer, done reading from pipe, ${run.replicas.size} replicas still up.`);
      // A replica's payload is over once its socket took the trailer: one still holding the
      // payload stays in its full sync (and its transfer timeout) while the others go online.
      const trailer = Buffer.from(mark);
      for (const r of run.replicas) r.writePayload(trailer, (err) => {
        if (err === undefined || err === null) r.tell({ type: 'SNAPSHOT_DONE', now: Date.now() });
      });
      tell(run, { type: 'DONE' });
    };
    run.pump = pump;
    stream.on('data', (chunk: Buffer) => {
      const written: Written = { chunk, queued: Math.ceil(chunk.length / PIECE), out: 0, recycled: false };
      for (let at = 0; at < chunk.length; at += PIECE) pieces.push({ piece: chunk.subarray(at, at + PIECE), chunk: written });
      pump();
    });
    stream.on('end', () => {
      ended = true;
      if (waitingOn.length === 0) pump();
    });
    stream.on('error', () => tell(run, { type: 'FAILED' }));
  }

  // updateSlavesWaitingBgsave, for a disk snapshot
  /**
   * The snapshot's temp file holds all of it: its replicas are sent it now, while it is
   * fsynced and renamed into place (Redis sends it once its child did both: 8-60 ms of fsync
   * on a slow disk, for nothing the replicas need). Should that fail, they are dropped then.
   */
  private sendFile(run: Running, tmp: string): void {
    run.sent = true;
    if (run.replicas.size === 0) return;
    const bulk = this.openBulk(tmp);
    const now = Date.now();
    for (const r of run.replicas) {
      r.bulk = bulk;
      r.tell({ type: 'SNAPSHOT_DONE', now });
    }
    bulk?.start();
  }

  // updateSlavesWaitingBgsave
  private finish(run: Running, end: 'DONE' | 'FAILED' | 'ABORT'): void {
    if (this.current === run) this.current = null;
    const ok = end === 'DONE';
    const log = this.server.log;
    // backgroundSaveDoneHandlerSocket's line, for a transfer that began (a disk save's are persistence's).
    if (run.stream !== null) {
      if (ok) log.notice('Background RDB transfer terminated with success');
      else if (end === 'ABORT') log.warning('Background transfer terminated by signal 10');
      else log.warning('Background transfer error');
    }
    run.stream?.destroy();
    // On success the replicas were told already: disk ones once the file was whole (sendFile),
    // diskless ones by their trailer's write (streamToSockets).
    if (!ok) {
      for (const r of run.replicas) {
        log.warning(`SYNC failed. BGSAVE child returned an error`);
        // One being sent the file of a save that failed at its end (fsync, rename) goes, as Redis's would.
        if (run.sent) r.close();
        else r.tell({ type: 'SNAPSHOT_FAILED' });
      }
    }
    this.tick(Date.now());
  }

  /** One transfer of the file just written, for all its replicas; null (logged) when it cannot be opened. */
  private openBulk(file: string): BulkTransfer | null {
    try {
      return new BulkTransfer(file, this.server.log);
    } catch (e) {
      this.server.log.warning(`SYNC failed. Can't open/stat DB after BGSAVE: ${(e as Error).message}`);
      return null;
    }
  }
}
