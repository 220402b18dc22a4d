// The server's replication identity and stream (replication.c's master half): replid and
// replid2 (PSYNC2), master_repl_offset, the backlog, and the feed that hands every change
// to the backlog and to the attached replicas.
//
// The feed is plain code on the hot path: a command is encoded once as RESP and the same
// Buffer goes to the backlog and to every replica; replica sockets are written once per
// event-loop turn, however many commands ran in it.
import { randomBytes } from 'node:crypto';
import { encodeCommand } from '../io/resp-command.js';
import { Backlog } from '../store/backlog.js';
import type { Server } from './server.js';

/** An id that names no history (replid2 when the server inherited none). */
export const NO_REPLID = '0'.repeat(40);

/** What the feed needs of an attached replica (the replica-client actor). */
export interface ReplicaSink {
  /** Past WAIT_BGSAVE_START: its snapshot has begun, so every later change is its to get. */
  readonly takesStream: boolean;
  /** Queues bytes of the stream (shared, never modified). */
  send(b: Buffer): void;
  /** Writes what send() queued. */
  flush(): void;
  /** Drops the replica's connection. */
  close(): void;
  /** Bytes queued and not yet written (left out of used memory for eviction, as Redis does). */
  readonly outputBytes?: number;
}

/** One effect a call had, waiting for the end of the outermost call (server.also_propagate). */
interface PendingOp {
  /** -1: no SELECT before it (MULTI). */
  dbId: number;
  argv: string[];
}

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
  backlog: Backlog | null = null;
  /** server.slaves. */
  readonly replicas = new Set<ReplicaSink>();
  /** Unix ms since when the server has had no replicas (repl_no_slaves_since). */
  noReplicasSince = Date.now();
  /** Nesting of call(): effects are propagated when the outermost call ends. */
  callDepth = 0;
  /** slaveseldb: the db the stream last selected; -1 forces a SELECT. */
  private lastDb = -1;
  private readonly pending: PendingOp[] = [];
  private flushScheduled = false;

  constructor(private readonly server: Server) {}

  // replicationFeedSlaves
  /**
   * Appends one command to the stream: SELECT first when dbId differs from the db last fed
   * (dbId -1: never). Nothing happens without a backlog and replicas, and on a replica
   * (its stream is its master's, fed by feedFromMaster).
   */
  propagate(dbId: number, argv: readonly string[]): void {
    if (this.server.isReplica || (this.backlog === null && this.replicas.size === 0)) return;
    if (dbId !== -1 && dbId !== this.lastDb) {
      this.feed(encodeCommand(['SELECT', String(dbId)]));
      this.lastDb = dbId;
    }
    this.feed(encodeCommand(argv));
  }

  // replicationFeedStreamFromMasterStream
  /** A replica passes on its master's stream byte for byte, so offsets agree at every hop. */
  feedFromMaster(buf: Buffer): void {
    this.feed(buf);
  }

  /** The one place stream bytes go: offset, backlog, replicas. */
  private feed(buf: Buffer): void {
    this.masterReplOffset += buf.length;
    this.backlog?.feed(buf);
    for (const r of this.replicas) if (r.takesStream) r.send(buf);
    if (!this.flushScheduled && this.replicas.size > 0) {
      this.flushScheduled = true;
      setImmediate(this.flushReplicas);
    }
  }

  private readonly flushReplicas = (): void => {
    this.flushScheduled = false;
    for (const r of this.replicas) r.flush();
  };

  /** A new stream begins for whoever attaches next: it starts with a SELECT. */
  forceSelect(): void {
    this.lastDb = -1;
  }

  // alsoPropagate
  /** Queues an effect of the running call; outside any call it goes out at once. */
  alsoPropagate(dbId: number, argv: string[]): void {
    this.pending.push({ dbId, argv });
    if (this.callDepth === 0) this.propagatePending();
  }

  // propagatePendingCommands
  /** Sends the effects of the call that just ended, in MULTI/EXEC when there are several. */
  propagatePending(): void {
    const ops = this.pending;
    if (ops.length === 0) return;
    const wrap = ops.length > 1;
    if (wrap) this.propagate(-1, MULTI);
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
    if (this.backlog !== null) return;
    this.backlog = new Backlog(this.server.config.getInt('repl-backlog-size'), this.masterReplOffset + 1);
  }

  // resizeReplicationBacklog
  /** CONFIG SET repl-backlog-size. */
  resizeBacklog(): void {
    this.backlog?.resize(this.server.config.getInt('repl-backlog-size'));
  }

  // freeReplicationBacklog
  freeBacklog(): void {
    this.backlog = null;
  }

  /** Drops every replica's connection (role change, shutdown). */
  disconnectReplicas(): void {
    for (const r of [...this.replicas]) r.close();
  }
}

function newReplid(): string {
  return randomBytes(20).toString('hex');
}
