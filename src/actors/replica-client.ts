// One attached replica, master side: runs the replica-client machine with the IO bound in,
// holds the stream that arrives before its payload is out, joins the transfer of its
// snapshot's file (sendBulkToSlave, bulk-transfer.ts), and enforces its output limit. The
// stream's bytes never pass through the machine: sendStream() queues the turn's shared
// Buffers on the client's reply batch.
import { createActor, type Actor } from 'xstate';
import { replicaClientMachine, type ReplicaClientEvent } from '../machines/replica-client.js';
import type { BulkTransfer } from './bulk-transfer.js';
import { EffectQueue } from './effects.js';
import type { Client } from './client.js';

/** What REPLCONF told us before SYNC/PSYNC (slave_listening_port, slave_addr, slave_capa). */
export interface ReplConf {
  listeningPort: number;
  ipAddress: string;
  capaEof: boolean;
  capaPsync2: boolean;
  /** rdb-only 1: the payload alone, then the connection closes (CLIENT_REPL_RDBONLY). */
  rdbOnly: boolean;
  /** rdb-filter-only (slave_req): what its payload holds after the header. */
  payload: PayloadFilter;
}

/** All of the dataset; the function libraries alone (rdb-filter-only functions); nothing (rdb-filter-only ""). */
export type PayloadFilter = 'all' | 'functions' | 'none';

export const newReplConf = (): ReplConf => ({ listeningPort: 0, ipAddress: '', capaEof: false, capaPsync2: false, rdbOnly: false, payload: 'all' });

const NEWLINE = Buffer.from('\n');

/** The address a replica announced (ip-address), else its peer address. */
function replicaIp(c: Client, conf: ReplConf): string {
  return conf.ipAddress !== '' ? conf.ipAddress : (c.stream?.socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
}

// replicationGetSlaveName
/** "ip:port" as replicas are named in the log and INFO. */
export function replicaName(c: Client, conf: ReplConf): string {
  const ip = replicaIp(c, conf);
  return conf.listeningPort > 0 ? `${ip}:${conf.listeningPort}` : `${ip}:<unknown-replica-port>`;
}

export class ReplicaClient {
  readonly actor: Actor<typeof replicaClientMachine>;
  readonly name: string;
  readonly ip: string;
  /** psync_initial_offset: the stream offset its payload (or backlog) ends at. */
  psyncInitialOffset = 0;
  /** The snapshot file a disk sync sends, shared with the other replicas of its snapshot. */
  bulk: BulkTransfer | null = null;
  takesStream = false;
  /** The stream offset its output has been given up to; -1 until then (psyncInitialOffset). */
  private streamOffset = -1;
  /** Unix ms the soft output limit was first passed; 0 while under it. */
  private softSince = 0;
  /** Unix ms the socket last finished a payload write, or was given one with nothing queued. */
  private progressAt = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private streaming = false;
  private readonly effects = new EffectQueue();

  constructor(readonly client: Client, readonly conf: ReplConf, readonly oldSync: boolean) {
    const server = client.server;
    const log = server.log;
    this.name = replicaName(client, conf);
    this.ip = replicaIp(client, conf);
    const later = <A extends unknown[]>(fn: (...args: A) => void) => this.effects.defer(fn);
    const machine = replicaClientMachine.provide({
      actions: {
        replyFullResync: later(() => {
          if (!this.oldSync) client.writeUncounted(`+FULLRESYNC ${server.replication.replid} ${this.psyncInitialOffset}\r\n`);
        }),
        sendNewline: later(() => client.stream?.write([NEWLINE])),
        sendBulk: later(() => this.sendBulk()),
        startStream: later(() => this.startStream()),
        logSyncSucceeded: later(() => log.notice(`Synchronization with replica ${this.name} succeeded`)),
        // "from slave": Redis 7.0's own words in this one line.
        logStreamedAwaitingAck: later(() => log.notice(
          `Streamed RDB transfer with replica ${this.name} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming`)),
        logTimedOut: later(() => log.warning(`Disconnecting timedout replica (streaming sync): ${this.name}`)),
        logTransferTimedOut: later(() => log.warning(`Disconnecting timedout replica (full sync): ${this.name}`)),
        release: later(() => this.release()),
      },
    });
    this.actor = createActor(machine, {
      input: { name: this.name, oldSync, now: Date.now() },
      inspect: server.inspector.inspect({ role: 'replica-client', label: `replica ${this.name}` }),
    });
    this.actor.subscribe((s) => {
      this.takesStream = s.value !== 'attached' && s.value !== 'waitBgsaveStart' && s.value !== 'closed';
    });
    this.actor.start();
    client.parser.onNewline = () => this.tell({ type: 'NEWLINE', now: Date.now() });
  }

  /** Sends the machine an event, then does the IO its actions asked for; a closed replica hears nothing. */
  tell(event: ReplicaClientEvent): void {
    if (this.actor.getSnapshot().status !== 'active') return;
    this.actor.send(event);
    this.effects.run();
  }

  get state(): string {
    return this.actor.getSnapshot().value as string;
  }

  // replstateToString
  /** The state as INFO and the log name it. */
  get infoState(): 'wait_bgsave' | 'send_bulk' | 'online' {
    const s = this.state;
    return s === 'online' ? 'online' : s === 'sendBulk' ? 'send_bulk' : 'wait_bgsave';
  }

  get ackOffset(): number {
    return this.actor.getSnapshot().context.ackOffset;
  }

  get ackTime(): number {
    return this.actor.getSnapshot().context.ackTime;
  }

  /** Whole seconds since its last ACK at unix ms now: INFO's lag. */
  lagSeconds(now: number): number {
    return Math.floor((now - this.ackTime) / 1000);
  }

  /** Bytes waiting to reach the replica: held stream, reply batch, socket buffer (omem). */
  get outputBytes(): number {
    return this.heldBytes + this.client.reply.pending + (this.client.stream?.queued ?? 0);
  }

  /**
   * repl_last_partial_write: unix ms of the last write progress while bytes still wait for the
   * socket (reply batch or socket buffer), 0 when nothing waits. The cron drops a diskless
   * transfer's replica that took nothing for repl-timeout.
   */
  get stalledSince(): number {
    const queued = this.client.reply.pending + (this.client.stream?.queued ?? 0);
    return queued > 0 ? this.progressAt : 0;
  }

  /**
   * The turn's stream, which begins at stream offset start, as shared pieces (never modified):
   * what this replica has not been given yet is queued and written at once online, held
   * before. A replica that began taking the stream during the turn gets its tail only.
   */
  sendStream(pieces: readonly Buffer[], start: number): void {
    if (!this.takesStream) return;
    let skip = (this.streamOffset < 0 ? this.psyncInitialOffset : this.streamOffset) - start;
    for (const p of pieces) {
      start += p.length;
      if (skip >= p.length) {
        skip -= p.length;
        continue;
      }
      this.send(skip > 0 ? p.subarray(skip) : p);
      skip = 0;
    }
    this.streamOffset = start;
    const limits = this.client.server.outputLimits('slave');
    if ((limits.hard > 0 && this.outputBytes >= limits.hard) || (limits.soft > 0 && this.outputBytes >= limits.soft)) {
      this.checkOutputLimit(Date.now());
    }
    if (this.streaming && this.takesStream) this.client.flush();
  }

  private send(b: Buffer): void {
    if (this.streaming) {
      this.client.reply.chunk(b);
    } else {
      this.held.push(b);
      this.heldBytes += b.length;
    }
  }

  /** Drops the replica's connection. */
  close(): void {
    this.tell({ type: 'DISCONNECTED' });
  }

  /** Bytes of stream received before the payload, as another replica joining the same snapshot copies them. */
  heldStream(): Buffer[] {
    return this.held.slice();
  }

  /** Takes over what another replica of the same snapshot holds (copyClientOutputBuffer). */
  adoptStream(from: ReplicaClient): void {
    this.held = from.heldStream();
    this.heldBytes = from.heldBytes;
    this.psyncInitialOffset = from.psyncInitialOffset;
    this.streamOffset = from.streamOffset;
  }

  // checkClientOutputBufferLimits
  /** Drops the replica when it is past its hard limit, or its soft one for too long. */
  checkOutputLimit(now: number): void {
    const { hard, soft, seconds } = this.client.server.outputLimits('slave');
    const used = this.outputBytes;
    let over = hard > 0 && used >= hard;
    if (soft > 0 && used >= soft) {
      if (this.softSince === 0) this.softSince = now;
      else if (now - this.softSince >= seconds * 1000) over = true;
    } else {
      this.softSince = 0;
    }
    if (!over || this.client.closed) return;
    const server = this.client.server;
    server.log.warning(`Client ${server.describeClient(this.client)} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    this.tell({ type: 'OUTPUT_LIMIT' });
  }

  // sendBulkToSlave
  /** `$<len>\r\n` and the snapshot file, from the transfer its snapshot shares; BULK_SENT when all is written. */
  private sendBulk(): void {
    if (this.bulk === null || this.client.stream === null) this.close();
    else this.bulk.join(this);
  }

  /**
   * Payload bytes straight to the socket (counted as replication output); written() once the
   * socket took them, with the error of a socket that went away first.
   */
  writePayload(b: Buffer, written?: (err?: Error | null) => void): void {
    const socket = this.client.stream?.socket;
    if (socket === undefined) {
      if (written !== undefined) queueMicrotask(written);
      return;
    }
    this.client.server.stats.netReplOutputBytes += b.length;
    if (this.stalledSince === 0) this.progressAt = Date.now();
    socket.write(b, (err) => {
      if (err === undefined || err === null) this.progressAt = Date.now();
      written?.(err);
    });
  }

  // replicaStartCommandStream
  private startStream(): void {
    if (this.conf.rdbOnly) {
      this.client.closeAfterReply = true;
      this.client.flush();
      return;
    }
    this.streaming = true;
    // What the sync held back, the turns' own Buffers (shared with the other replicas of its
    // snapshot) in one writev: joining megabytes of them held the loop for milliseconds.
    for (const b of this.held) this.client.reply.chunk(b);
    this.held = [];
    this.heldBytes = 0;
    this.client.flush();
  }

  private release(): void {
    this.takesStream = false;
    this.bulk?.leave(this);
    this.bulk = null;
    this.held = [];
    this.heldBytes = 0;
    const server = this.client.server;
    server.replication.removeReplica(this);
    // Dropped (timeout, output limit): what it was owed is discarded, not flushed, as Redis frees it.
    if (!this.client.closed) {
      this.client.close();
      this.client.stream?.destroy();
    }
  }
}
