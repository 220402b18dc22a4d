// The server's replication identity and stream (replication.c's master half): replid and
// replid2 (PSYNC2), master_repl_offset, the backlog, and the feed that hands every change
// to the backlog and to the attached replicas.
//
// The feed is plain code on the hot path: a command is encoded once as RESP at the end of
// the turn's batch, copied from there into the backlog (a run of commands in one copy: see
// unfed), and at the end of the event-loop turn the batch becomes one Buffer written to
// every replica (one socket write each per turn, however many commands ran in it and
// however many replicas there are; a long turn's stream leaves every EARLY_FLUSH bytes,
// between two clients' input). Under a steady flow of writes, turns end faster than
// replicas are worth waking: the turns' ends then write it at most once per STREAM_GAP_MS
// (see there).
import { randomBytes } from 'node:crypto';
import type { CachedDirective } from '../config/config.js';
import { repr } from '../io/split-args.js';
import { StreamBatch } from '../io/stream-batch.js';
import { serverState } from '../commands/server-state.js';
import { Backlog } from '../store/backlog.js';
import { mayBlock, type Wait } from './blocking.js';
import type { Client } from './client.js';
import type { ReplicaClient } from './replica-client.js';
import type { Server } from './server.js';
import { Snapshotter } from './snapshotter.js';
import { markMutable } from '../mutable-fields.js';

/** An id that names no history (replid2 when the server inherited none). */
export const NO_REPLID = '0'.repeat(40);

/** A client blocked by WAIT until enough replicas acked its offset (blocking.ts keeps its deadline). */
interface Waiter {
  client: Client;
  offset: number;
  wanted: number;
  wait: Wait;
}

/** One effect a call had, waiting for the end of the outermost call (server.also_propagate). */
interface PendingOp {
  /** -1: no SELECT before it (MULTI). */
  dbId: number;
  argv: string[];
}

/**
 * Stream bytes after which a turn's stream leaves at the end of the client input that passed
 * them, not at the turn's end: the replica applies the first part of a long turn (50
 * pipelining clients: ~36 kB of SETs) while the master runs the rest (what a Redis replica
 * reads at once, PROTO_IOBUF_LEN). Below it, one write per turn.
 */
const EARLY_FLUSH = 16 * 1024;

/**
 * While writes keep coming, the turns' ends write the stream to the replicas at most once per
 * this many ms. Each write wakes every replica, and on a machine the replicas share with their
 * master and its clients a wake-up costs a replica more than applying what it brings: with a
 * write per turn, under 50 unpipelined clients, a replica read once per 13 SETs and spent 3.1
 * µs of CPU per SET; with this, once per 22 and 2.25 µs (bench/propagation-cpu.ts 4 1 1
 * 200000). A turn's stream goes at the turn's end when the last turn's-end write is older
 * than this, else it is held for a later turn's end: at the latest the next one that feeds
 * nothing (a 1 ms timer, node's least, kept the tail of a burst 1-2 ms from the replicas).
 * What goes at once: a long turn's EARLY_FLUSH writes (16 kB wakes a replica for enough work,
 * and its tail must not wait for the next long turn) and a GETACK (a WAIT is waiting for it).
 */
const STREAM_GAP_MS = 0.2;

const MULTI = ['MULTI'];
const EXEC = ['EXEC'];

export class Replication {
  /** replid: the history this server's stream continues. */
  replid = newReplid();
  /** replid2: the history it continued before its last promotion. */
  replid2 = NO_REPLID;
  /** second_replid_offset: replid2 is valid up to this offset; -1 without replid2. */
  secondReplOffset = -1;
  /** master_repl_offset: bytes of stream produced (or received from a master) so far. */
  masterReplOffset = 0;
  /** The backlog as it is (this.backlog settles it first). */
  private backlogRing: Backlog | null = null;
  /**
   * The bytes of the batch the backlog is owed, unfed[unfedStart, unfedEnd): commands fed one
   * after another lie end to end in the batch, and one copy of the run costs less than a copy
   * each (node's Buffer#copy costs ~60 ns a call, most of a 45-byte SET's copy). The batch
   * never writes over them before settleBacklog copies them: it only appends, and it is
   * cleared (without replicas: see writeStream) after the copy.
   */
  private unfed: Buffer | null = null;
  private unfedStart = 0;
  private unfedEnd = 0;
  /** server.slaves. */
  readonly replicas = new Set<ReplicaClient>();
  /** Clients that ran MONITOR (server.monitors). */
  readonly monitors = new Set<Client>();
  readonly snapshotter: Snapshotter;
  /** INFO stats: sync_full, sync_partial_ok, sync_partial_err. */
  readonly stats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 };
  /** REPLCONF GETACK from this server's master: the replica link answers it with an ACK. */
  onGetAck: (() => void) | null = null;
  /** Unix ms since when the server has had no replicas (repl_no_slaves_since). */
  noReplicasSince = Date.now();
  /** Nesting of call(): effects are propagated when the outermost call ends. */
  callDepth = 0;
  /** slaveseldb: the db the stream last selected; -1 forces a SELECT. */
  private lastDb = -1;

  /** slaveseldb, for a snapshot's repl-stream-db: -1 when the next write selects its db anew. */
  get streamDb(): number {
    return this.lastDb;
  }
  private readonly pending: PendingOp[] = [];
  /** The stream fed this turn, not yet given to the replicas. */
  private readonly batch = new StreamBatch();
  private flushScheduled = false;
  /** performance.now() when a turn's end last wrote the stream to the replicas (see STREAM_GAP_MS). */
  private lastPacedWrite = -Infinity;
  /** A held stream waits for sendHeld. */
  private heldArmed = false;
  private waiters: Waiter[] = [];
  /** get_ack_from_slaves: a GETACK goes out once this event-loop turn. */
  private getAckScheduled = false;
  /** A GETACK waits for the client pause to end. */
  private acksHeld = false;
  /** Unix ms of the last PING to the replicas and of the last once-a-second cron. */
  private lastPing = Date.now();
  private lastSecond = 0;

  /** min-replicas-to-write and min-replicas-max-lag, read before every write. */
  private readonly minReplicas: CachedDirective<number>;
  private readonly minReplicasMaxLag: CachedDirective<number>;

  /** The backlog, with every byte of the stream so far in it. */
  get backlog(): Backlog | null {
    this.settleBacklog();
    return this.backlogRing;
  }

  constructor(private readonly server: Server) {
    this.snapshotter = new Snapshotter(server);
    this.minReplicas = server.config.cached('min-replicas-to-write', Number);
    this.minReplicasMaxLag = server.config.cached('min-replicas-max-lag', Number);
    markMutable(this, 'replid', 'replid2', 'secondReplOffset', 'masterReplOffset', 'backlogRing', 'unfed', 'unfedStart', 'unfedEnd', 'lastDb', 'flushScheduled', 'lastPacedWrite', 'heldArmed');
  }

  // replicationFeedSlaves
  /**
   * Appends one command to the stream: SELECT first when dbId differs from the db last fed
   * (dbId -1: never). Nothing happens without a backlog and replicas, and on a replica
   * (its stream is its master's, fed by feedFromMaster).
   */
  propagate(dbId: number, argv: readonly string[]): void {
    if (this.server.isReplica || (this.backlogRing === null && this.replicas.size === 0)) return;
    if (dbId !== -1 && dbId !== this.lastDb) {
      this.fed(this.batch.command(['SELECT', String(dbId)]));
      this.lastDb = dbId;
    }
    this.fed(this.batch.command(argv));
  }

  // replicationFeedStreamFromMasterStream
  /**
   * A replica passes on its master's stream byte for byte, so offsets agree at every hop.
   * transient: buf is valid only during this call (a view of the shared read buffer).
   */
  feedFromMaster(buf: Buffer, transient: boolean): void {
    if (this.replicas.size === 0) {
      this.masterReplOffset += buf.length;
      this.backlog?.feed(buf);
      return;
    }
    this.batch.bytes(buf, transient);
    this.fed(buf.length);
  }

  /**
   * n bytes were appended to the batch: the offset now, the backlog once read, the replicas
   * at the turn's end. Without replicas the batch is the backlog's alone, settled and cleared
   * at the turn's end or every EARLY_FLUSH bytes (a script's long stream is not held whole).
   */
  private fed(n: number): void {
    this.masterReplOffset += n;
    const b = this.batch;
    if (this.backlogRing !== null) this.owe(b.last, b.lastStart, b.lastEnd);
    if (this.replicas.size === 0 && b.pending >= EARLY_FLUSH) {
      this.writeStream();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushReplicas);
    }
  }

  /** buf[start, end) goes to the backlog next: with the run owed to it when it follows that run. */
  private owe(buf: Buffer, start: number, end: number): void {
    if (buf === this.unfed && start === this.unfedEnd) {
      this.unfedEnd = end;
      return;
    }
    this.settleBacklog();
    this.unfed = buf;
    this.unfedStart = start;
    this.unfedEnd = end;
  }

  /** Copies into the backlog the run of the batch owed to it. */
  private settleBacklog(): void {
    if (this.unfed === null) return;
    this.backlogRing!.feed(this.unfed, this.unfedStart, this.unfedEnd);
    this.unfed = null;
  }

  /** After a client's input ran: a long turn's stream so far leaves now, not at the turn's end. */
  flushLongTurn(): void {
    if (this.batch.pending >= EARLY_FLUSH) this.writeStream();
  }

  // writeToClient for the replicas, from beforeSleep
  private readonly flushReplicas = (): void => {
    this.flushScheduled = false;
    if (performance.now() - this.lastPacedWrite < STREAM_GAP_MS) this.holdStream();
    else this.writePaced();
  };

  /** The turn's stream waits for a later turn's end: the next turn's, when that one feeds nothing. */
  private holdStream(): void {
    if (this.heldArmed) return;
    this.heldArmed = true;
    setImmediate(this.sendHeld);
  }

  /** The turn after a hold: a turn that fed more leaves it to its own end (flushReplicas, queued after this). */
  private readonly sendHeld = (): void => {
    this.heldArmed = false;
    if (!this.flushScheduled) this.writePaced();
  };

  /** A turn's end (or sendHeld) writes the stream: the writes STREAM_GAP_MS paces. */
  private writePaced(): void {
    if (this.batch.pending === 0) return;
    this.lastPacedWrite = performance.now();
    this.writeStream();
  }

  /**
   * The stream fed since the last write, one shared set of Buffers, to every replica that
   * takes it, now (also a shutdown's last writes, before it drops the replicas). Without
   * replicas it is forgotten once in the backlog, and the batch writes over it.
   */
  writeStream(): void {
    if (this.batch.pending === 0) return;
    this.settleBacklog();
    if (this.replicas.size === 0) return this.batch.clear();
    const start = this.masterReplOffset - this.batch.pending;
    const pieces = this.batch.take();
    for (const r of this.replicas) r.sendStream(pieces, start);
  }

  /** A new stream begins for whoever attaches next: it starts with a SELECT. */
  forceSelect(): void {
    this.lastDb = -1;
  }

  // alsoPropagate
  /** Queues an effect of the running call; outside any call it goes out at once. */
  alsoPropagate(dbId: number, argv: string[]): void {
    // A command alone goes out at once: no queue entry (and no queue storage regrown) per write.
    if (this.callDepth === 0 && this.pending.length === 0) return this.propagate(dbId, argv);
    this.pending.push({ dbId, argv });
    if (this.callDepth === 0) this.propagatePending();
  }

  // propagatePendingCommands
  /**
   * Sends the effects of the call that just ended, in MULTI/EXEC when there are several, unless
   * they are the keys a command touching arbitrary keys expired (noMulti).
   */
  propagatePending(noMulti = false): void {
    const ops = this.pending;
    if (ops.length === 0) return;
    const wrap = ops.length > 1 && !noMulti;
    // In the first command's db: its SELECT goes before the MULTI.
    if (wrap) this.propagate(ops[0]!.dbId, MULTI);
    for (const op of ops) this.propagate(op.dbId, op.argv);
    if (wrap) this.propagate(-1, EXEC);
    ops.length = 0;
  }

  // changeReplicationId
  changeReplicationId(): void {
    this.replid = newReplid();
  }

  // clearReplicationId2
  clearReplicationId2(): void {
    this.replid2 = NO_REPLID;
    this.secondReplOffset = -1;
  }

  // shiftReplicationId
  /** On promotion: the history so far stays reachable under replid2 for the former siblings. */
  shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.changeReplicationId();
  }

  // createReplicationBacklog
  /** The backlog, begun at the next byte of the stream, unless there is one. */
  createBacklogIfNeeded(): void {
    if (this.backlogRing !== null) return;
    this.backlogRing = new Backlog(this.server.config.getInt('repl-backlog-size'), this.masterReplOffset + 1);
  }

  // resizeReplicationBacklog
  /** CONFIG SET repl-backlog-size. */
  resizeBacklog(): void {
    this.backlog?.resize(this.server.config.getInt('repl-backlog-size'));
  }

  // freeReplicationBacklog
  freeBacklog(): void {
    this.backlogRing = null;
    this.unfed = null;
  }

  /** Drops every replica's connection (role change, shutdown). */
  disconnectReplicas(): void {
    for (const r of [...this.replicas]) r.close();
    this.batch.clear();
  }

  addReplica(r: ReplicaClient): void {
    this.replicas.add(r);
  }

  /** A replica's connection is gone: its snapshot share and buffers with it. */
  removeReplica(r: ReplicaClient): void {
    if (!this.replicas.delete(r)) return;
    this.snapshotter.forget(r);
    if (this.replicas.size === 0) this.noReplicasSince = Date.now();
  }

  /** REPLCONF ACK: the replica holds the stream up to offset. */
  acked(r: ReplicaClient, offset: number): void {
    r.tell({ type: 'ACK', offset, now: Date.now() });
    if (this.waiters.length > 0) this.answerWaiters();
    this.server.failover?.scheduleCheck();
  }

  // refreshGoodSlavesCount
  /** Online replicas whose last ACK is at most min-replicas-max-lag seconds old. */
  goodReplicas(now = Date.now()): number {
    const maxLag = this.server.config.getInt('min-replicas-max-lag');
    let good = 0;
    for (const r of this.replicas) {
      if (r.state === 'online' && r.lagSeconds(now) <= maxLag) good++;
    }
    return good;
  }

  /** min-replicas-to-write is set, and fewer good replicas than that are attached. */
  tooFewReplicas(): boolean {
    const min = this.minReplicas.value;
    return min > 0 && this.minReplicasMaxLag.value > 0 && !this.server.isReplica && this.goodReplicas() < min;
  }

  // replicationCountAcksByOffset
  countAcks(offset: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.state === 'online' && r.ackOffset >= offset) n++;
    return n;
  }

  // waitCommand's blocking half
  /** Answers at once when enough replicas acked c's last write; else holds c and asks for ACKs. */
  wait(c: Client, wanted: number, timeoutMs: number): void {
    const offset = c.woff;
    const acks = this.countAcks(offset);
    if (acks >= wanted || !mayBlock(c)) {
      c.reply.integer(acks);
      return;
    }
    // Its deadline and CLIENT UNBLOCK answer with the acks so far; answerWaiters the rest.
    const wait: Wait = {
      db: c.db, keys: [], deadline: timeoutMs === 0 ? 0 : Date.now() + timeoutMs,
      serve: () => false,
      timedOut: () => c.reply.integer(this.countAcks(offset)),
    };
    this.server.blocking.block(c, wait);
    this.waiters.push({ client: c, offset, wanted, wait });
    this.requestAcks();
  }

  // replicationRequestAckFromSlaves
  /** One REPLCONF GETACK * into the stream, at the end of this event-loop turn. */
  private requestAcks(): void {
    if (this.getAckScheduled) return;
    this.getAckScheduled = true;
    setImmediate(() => {
      this.getAckScheduled = false;
      // Not while clients are paused: it would move the offset a failover waits on.
      if (this.server.pause.paused) this.acksHeld = true;
      else this.sendGetAck();
    });
  }

  // sendGetackToReplicas
  /** REPLCONF GETACK * into the stream, out now. */
  sendGetAck(): void {
    this.propagate(-1, ['REPLCONF', 'GETACK', '*']);
    this.writeStream();
  }

  /** The pause is over: a GETACK held back by it goes out now. */
  releaseHeldAcks(): void {
    if (!this.acksHeld) return;
    this.acksHeld = false;
    this.requestAcks();
  }

  // processClientsWaitingReplicas
  /** Answers the WAITs whose replicas acked; those that timed out, were unblocked or left go. */
  private answerWaiters(): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.client.waiting !== w.wait) return false;
      const acks = this.countAcks(w.offset);
      if (acks < w.wanted) return true;
      w.client.reply.integer(acks);
      this.server.blocking.unblock(w.client);
      return false;
    });
  }

  // afterErrorReply, for a replication link's clients
  /**
   * An error replied to the master's client (this server as a replica) or to a replica: no
   * command of a replication stream should fail, so it is logged as critical, with the
   * newest stream for the master's, and counted; under propagation-error-behavior panic (or
   * panic-on-replicas) a read-only replica stops there rather than diverge.
   */
  errorOnLink(c: Client, msg: string): void {
    const toMaster = c.isMaster;
    const [from, to] = toMaster ? ['replica', 'master'] : ['master', 'replica'];
    const cmd = c.lastCommand === 'NULL' ? '<unknown>' : c.lastCommand;
    const log = this.server.log;
    log.warning(`== CRITICAL == This ${from} is sending an error to its ${to}: '${msg.slice(0, 4096)}' after processing the command '${cmd}'`);
    if (toMaster) this.showLatestBacklog();
    serverState(this.server).unexpectedErrorReplies++;
    const behavior = this.server.config.get('propagation-error-behavior');
    if (toMaster && this.server.config.getBool('replica-read-only') && (behavior === 'panic' || behavior === 'panic-on-replicas')) {
      this.server.panic(`This ${from} panicked sending an error to its ${to} after processing the command '${cmd}'`);
    }
  }

  // showLatestBacklog
  /** Logs the newest 256 bytes of the backlog, quoted as sdscatrepr quotes them. */
  private showLatestBacklog(): void {
    const b = this.backlog;
    if (b === null || b.histlen === 0) return;
    const tail = Buffer.concat(b.read(b.end - Math.min(256, b.histlen)));
    this.server.log.warning(`Latest backlog is: '${repr(tail.toString('latin1'))}'`);
  }

  /** A command MONITOR is told of as it starts (a script's, before the commands it runs), not by call() after it. */
  feedMonitorsFirst(c: Client, argv: readonly string[]): void {
    if (this.monitors.size > 0) this.feedMonitors(c, argv);
  }

  // replicationFeedMonitors
  /** Each monitoring client gets the command as Redis prints it: time [db addr] "arg" ... */
  feedMonitors(c: Client, argv: readonly string[]): void {
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    let line = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')} [${c.db.id} ${c.isScript ? 'lua' : c.addr}]`;
    for (const a of argv) line += ` ${repr(a)}`;
    for (const m of this.monitors) {
      if (m.closed) {
        this.monitors.delete(m);
        continue;
      }
      m.reply.simple(line);
      if (m !== c) m.flush();
    }
  }

  /** Called by the server cron (hz): WAITs answered (their timeouts are blocking.ts's) every time, the rest once a second. */
  cron(now: number): void {
    if (this.waiters.length > 0) this.answerWaiters();
    this.server.failover?.check(now);
    if (now - this.lastSecond < 1000 || this.server.manualReplicaTicks) return;
    this.lastSecond = now;
    this.tick(now);
  }

  // replicationCron (master half)
  /**
   * PING into the stream every repl-ping-replica-period; a TICK to every replica (keep-alive
   * newlines, repl-timeout) and to the snapshot; soft output limits; the backlog freed after
   * repl-backlog-ttl seconds without replicas. Public so that model-based tests move the
   * master side's clock by ticks (Server.manualReplicaTicks).
   */
  tick(now: number): void {
    const config = this.server.config;
    const period = config.getInt('repl-ping-replica-period') * 1000;
    if (this.replicas.size > 0 && !this.server.isReplica && now - this.lastPing >= period && this.server.failover?.holdsPings !== true) {
      this.lastPing = now;
      this.propagate(-1, ['PING']);
    }
    const timeoutMs = config.getInt('repl-timeout') * 1000;
    for (const r of [...this.replicas]) {
      r.tell({ type: 'TICK', now, timeoutMs, stalledSince: r.stalledSince, obufBytes: r.outputBytes, lag: r.lagSeconds(now) });
      r.checkOutputLimit(now);
    }
    this.snapshotter.tick(now);
    this.server.serverRole.tick();
    const ttl = config.getInt('repl-backlog-ttl');
    if (this.replicas.size === 0 && this.backlogRing !== null && !this.server.isReplica && ttl > 0 &&
        now - this.noReplicasSince > ttl * 1000) {
      this.changeReplicationId();
      this.clearReplicationId2();
      this.freeBacklog();
      this.server.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
    }
  }
}

function newReplid(): string {
  return randomBytes(20).toString('hex');
}
