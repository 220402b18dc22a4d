// The replica link actor: runs the replica-link machine for one `REPLICAOF host port` and
// owns what the machine may not touch: the socket (an RxJS chunk stream), the temp file of
// a transfer, the clock (a TICK a second) and the master client that applies the stream.
//
// Bytes arrive in one of three modes. Handshake replies and the payload header are lines,
// each a REPLY event. The payload goes to the RDB decoder as it arrives, and (unless the load
// is diskless) to temp-<unixtime>.<pid>.rdb, without events until it is complete. The command
// stream is plain code: the master client's parser applies each command through execute(),
// and the bytes of what was applied go on, unchanged, to the backlog and our own replicas
// (Replication.feedFromMaster).
import { renameSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { createActor, type Actor } from 'xstate';
import { execute } from '../commands/dispatch.js';
import { encodeCommand } from '../io/resp-command.js';
import type { RdbStream } from '../io/rdb-decoder.js';
import { strerror } from '../io/strerror.js';
import { ProtocolError } from '../io/resp-parser.js';
import { SocketStream } from '../io/socket-stream.js';
import { TransferFile } from '../io/transfer-file.js';
import { replicaLinkMachine, replTimedOut, type CachedMaster, type ReplicaLinkMachine } from '../machines/replica-link.js';
import { prepareHeapSettling } from '../store/settle-heap.js';
import { Client } from './client.js';
import type { Server } from './server.js';

/** replicationCron's period. */
const TICK_MS = 1000;
const EOF_MARK_SIZE = 40;
const EMPTY: Buffer = Buffer.alloc(0);

type Mode = 'idle' | 'lines' | 'payload' | 'held' | 'stream';

/** The payload being received. */
interface Transfer {
  /** Announced size; -1 before the header, 0 with an EOF mark (as INFO shows them). */
  size: number;
  mark: Buffer | null;
  read: number;
  /** A diskless load (useDisklessLoad), decided as the transfer began. */
  diskless: boolean;
  /** The temp file (none for a diskless load). */
  file: TransferFile | null;
  /** The payload decoded as it arrives; null before the header, and once a load from disk failed. */
  stream: RdbStream | null;
  /**
   * Why the decode of a load from disk failed: told once the payload is in, as Redis finds
   * it when it loads the file.
   */
  loadError: Error | null;
  /**
   * With an EOF mark, the last EOF_MARK_SIZE bytes read: they may be the mark, so they go
   * on to the file or the decoder only once more bytes follow (the mark may span chunks).
   */
  tail: Buffer;
  startedAt: number;
}

const unixTime = (): number => Math.floor(Date.now() / 1000);

const command = (...args: string[]): Buffer => encodeCommand(args);

export class ReplicaLink {
  readonly actor: Actor<ReplicaLinkMachine>;
  private socket: Socket | null = null;
  private stream: SocketStream | null = null;
  private sub: Subscription | null = null;
  private mode: Mode = 'idle';
  /** Bytes read but not yet consumed by the current mode. */
  private pending: Buffer = EMPTY;
  /** The stream that follows a payload, kept while the payload loads. */
  private held: Buffer[] = [];
  private transfer: Transfer | null = null;
  /** The client the master's stream runs as, and the one kept for the next PSYNC (its db too). */
  master: Client | null = null;
  private cachedClient: Client | null = null;
  /** Stream bytes read but not yet fed on, and the parser positions of what was applied/fed. */
  private raw: Buffer[] = [];
  private rawHead = 0;
  private appliedEnd = 0;
  private fedEnd = 0;
  /** Unix ms of the last byte from the master (repl_transfer_lastio / master->lastinteraction). */
  lastIoAt = Date.now();
  /** True while a command of the master's stream runs (REPLCONF GETACK is answered only then). */
  private applying = false;
  /** slave_read_repl_offset: the offset of the last byte read from the stream. */
  readOffset = 0;
  /** The db the master's stream had selected per the payload's repl-stream-db. */
  private streamDb = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The last handshake sent REPLCONF ip-address. */
  private sentIp = false;
  /** The most payload bytes the last diskless load held at once (RdbStream.peakHeld). */
  streamPeakHeld = 0;

  /** The master's stream is read into the shared read buffer (SocketStream.shareReads). */
  get readsShared(): boolean {
    return this.mode === 'stream' && this.stream?.transient === true;
  }

  constructor(private readonly server: Server, readonly host: string, readonly port: number, cached: CachedMaster | null, cachedDb = 0) {
    const machine = replicaLinkMachine.provide({
      actions: {
        openSocket: () => this.openSocket(),
        closeSocket: () => this.closeSocket(),
        sendPing: () => this.send(command('PING')),
        sendHandshake: () => this.sendHandshake(),
        sendPsync: ({ context }) => this.sendPsync(context.cached),
        sendSync: () => this.send(Buffer.from('SYNC\r\n')),
        prepareTransfer: () => this.prepareTransfer(),
        receivePayload: ({ context }) => this.receivePayload(context.transferSize, context.eofMark),
        abortTransfer: () => this.abortTransfer(),
        loadPayload: ({ context }) => this.loadPayload(context.masterReplid, context.initialOffset),
        finishSync: () => this.finishSync(),
        resurrectCachedMaster: ({ context }) => this.resurrectCachedMaster(context.masterReplid),
        sendAck: () => this.sendAck(),
        cacheMaster: () => this.cacheMaster(),
        discardCachedMaster: () => this.discardCachedMaster(),
        log: (_, p) => server.log[p.level](p.msg),
      },
      guards: {
        // masterauth as it is now: CONFIG SET masterauth applies to the next attempt.
        needsAuth: () => server.config.get('masterauth') !== '',
        // What the handshake sent, whatever CONFIG SET did since: its replies come in that order.
        withoutIp: () => !this.sentIp,
        // repl-timeout as it is now (CONFIG SET applies at once, as server.repl_timeout does).
        timedOut: ({ event }) => {
          const io = event as { now: number; lastIoAt: number };
          return replTimedOut(io.now, io.lastIoAt, server.config.getInt('repl-timeout') * 1000);
        },
      },
    });
    if (cached !== null) {
      this.cachedClient = this.newMasterClient();
      this.cachedClient.db = server.keyspace.dbs[cachedDb] ?? server.keyspace.dbs[0]!;
    }
    this.actor = createActor(machine, {
      inspect: server.inspector.inspect({ role: 'replica-link', label: `master ${host}:${port}` }),
      input: {
        masterHost: host, masterPort: port, auth: server.config.get('masterauth') !== '',
        announceIp: server.config.get('replica-announce-ip') !== '',
        replTimeoutMs: server.config.getInt('repl-timeout') * 1000, cached, now: Date.now(),
      },
    });
    if (server.manualReplicaTicks) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  start(): void {
    this.actor.start();
    if (!this.server.manualReplicaTicks) this.tick();
  }

  // replicationCron (the replica half): one TICK a second carries the data plane's figures.
  /** Public so that model-based tests move the link's clock by ticks (Server.manualReplicaTicks). */
  tick(now = Date.now()): void {
    const snap = this.actor.getSnapshot();
    if (snap.status !== 'active') return;
    this.actor.send({
      type: 'TICK', now, lastIoAt: this.lastIoAt, read: this.transfer?.read ?? 0,
      transferStartedAt: this.transfer?.startedAt ?? 0, offset: this.server.replication.masterReplOffset,
    });
  }

  /**
   * cancelReplicationHandshake + the link's end: REPLICAOF NO ONE or another master, with
   * freeMaster (replicationSetMaster and replicationUnsetMaster free a connected master, which
   * caches it as a lost link does), or shutdown.
   */
  stop(freeMaster = false): void {
    clearInterval(this.timer);
    if (freeMaster && this.master !== null) {
      this.server.log.warning('Connection with master lost.');
      this.cacheMaster();
    }
    if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'STOP' });
    this.actor.stop();
    this.dropMasterClient();
  }

  /** The machine's state as ROLE and INFO name it. */
  get state(): 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected' | 'none' {
    const snap = this.actor.getSnapshot();
    if (snap.matches('connect')) return 'connect';
    if (snap.matches('connecting')) return 'connecting';
    if (snap.matches('receivePong') || snap.matches('handshake')) return 'handshake';
    if (snap.matches('transfer') || snap.matches('syncFallback')) return 'sync';
    if (snap.matches('connected')) return 'connected';
    return 'none';
  }

  /** master_link_status:up: the stream is being applied. */
  get linkUp(): boolean {
    return this.actor.getSnapshot().matches('connected');
  }

  /** A master is cached (or our own history offered) for the next PSYNC. */
  get hasCachedMaster(): boolean {
    return this.cachedClient !== null;
  }

  /** repl_down_since, unix ms (0 while the link is up). */
  get linkDownSince(): number {
    return this.actor.getSnapshot().context.linkDownSince;
  }

  /** The payload's size (-1 unknown), bytes read and start time, while one is received. */
  get transferProgress(): { size: number; read: number; startedAt: number } | null {
    const t = this.transfer;
    return t === null ? null : { size: t.size, read: t.read, startedAt: t.startedAt };
  }

  // connectWithMaster
  /** Connects from bind-source-addr when one is set and it can (best effort: else from any). */
  private openSocket(fromSource = true): void {
    const source = fromSource ? this.server.config.get('bind-source-addr')! : '';
    const socket = connect(source === '' ? { host: this.host, port: this.port } : { host: this.host, port: this.port, localAddress: source });
    socket.setNoDelay(!this.server.config.getBool('repl-disable-tcp-nodelay'));
    const stream = new SocketStream(socket);
    this.socket = socket;
    this.stream = stream;
    this.mode = 'idle';
    this.pending = EMPTY;
    this.lastIoAt = Date.now();
    socket.once('connect', () => {
      if (this.socket !== socket) return;
      this.mode = 'lines';
      this.actor.send({ type: 'SOCKET_UP' });
    });
    this.sub = stream.chunks$.subscribe({
      next: (chunk) => this.onData(chunk),
      error: (e: Error) => {
        // anetTcpNonBlockBestEffortBindConnect: a source address it cannot bind is left out.
        if (source !== '' && (e as NodeJS.ErrnoException).syscall === 'bind' && this.socket === socket) {
          this.closeSocket();
          this.openSocket(false);
          return;
        }
        this.onClosed(socket, strerror(e), (e as NodeJS.ErrnoException).syscall);
      },
      complete: () => this.onClosed(socket, 'connection lost'),
    });
  }

  /** The socket failed or closed: the machine hears it once, and never about an old socket. */
  private onClosed(socket: Socket, reason: string, syscall?: string): void {
    if (this.socket !== socket) return;
    // A diskless load reads the socket itself in Redis: its loader meets the end first, and
    // the load fails (rdbLoadRioWithLoadingCtx's eoferr and rdbReportError, then
    // readSyncBulkPayload's failed load).
    const t = this.transfer;
    if (t !== null && t.diskless && t.stream !== null && this.mode === 'payload') {
      const log = this.server.log;
      log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
      log.warning(`Internal error in RDB reading offset ${t.stream.bytesRead} -> Unexpected EOF reading RDB file. ` +
        'Failure loading rdb format from socket, assuming connection error, resuming operation.');
      this.actor.send({ type: 'FAILED', reason: `Failed trying to load the MASTER synchronization DB from socket: ${reason}` });
      return;
    }
    this.actor.send({
      type: 'SOCKET_CLOSED', reason, syscall, now: Date.now(), lastIoAt: this.lastIoAt, read: 0, transferStartedAt: 0,
      offset: this.server.replication.masterReplOffset,
    });
  }

  // undoConnectWithMaster
  private closeSocket(): void {
    this.sub?.unsubscribe();
    this.sub = null;
    this.stream?.destroy();
    this.stream = null;
    this.socket = null;
    this.mode = 'idle';
    this.pending = EMPTY;
    this.held = [];
    this.dropMasterClient();
  }

  /** The master client leaves CLIENT LIST with its link. */
  private dropMasterClient(): void {
    const c = this.master;
    if (c === null) return;
    this.master = null;
    c.onClose = null;
    // A command a client pause held goes with it, unapplied.
    this.server.blocking.drop(c);
    this.server.clients.delete(c.id);
  }

  /** Our few writes to the master (handshake, ACKs) go straight out. */
  private send(buf: Buffer): void {
    this.stream?.write([buf]);
  }

  // syncWithMaster, REPL_STATE_SEND_HANDSHAKE
  /**
   * The handshake as Redis 7.0 pipelines it, in one write: AUTH [masteruser] masterauth when
   * masterauth is set, REPLCONF listening-port, REPLCONF ip-address when replica-announce-ip
   * is set, REPLCONF capa eof capa psync2. The machine reads the replies in that order.
   */
  private sendHandshake(): void {
    const cfg = this.server.config;
    const batch: Buffer[] = [];
    const user = cfg.get('masteruser')!;
    const pass = cfg.get('masterauth')!;
    if (pass !== '') batch.push(user === '' ? command('AUTH', pass) : command('AUTH', user, pass));
    batch.push(command('REPLCONF', 'listening-port', String(cfg.getInt('replica-announce-port') || this.server.port)));
    const ip = cfg.get('replica-announce-ip')!;
    this.sentIp = ip !== '';
    if (this.sentIp) batch.push(command('REPLCONF', 'ip-address', ip));
    batch.push(command('REPLCONF', 'capa', 'eof', 'capa', 'psync2'));
    this.stream?.write(batch);
  }

  // slaveTryPartialResynchronization (the request half; the machine reads the reply)
  /** A master failing over asks its target to take over with the same PSYNC (FAILOVER at its end). */
  private sendPsync(cached: CachedMaster | null): void {
    const failover = this.server.failover?.inProgress === true ? ['FAILOVER'] : [];
    if (cached === null) {
      this.server.log.notice('Partial resynchronization not possible (no cached master)');
      this.send(command('PSYNC', '?', '-1', ...failover));
    } else {
      const off = String(cached.offset + 1);
      this.server.log.notice(`Trying a partial resynchronization (request ${cached.replid}:${off}).`);
      this.send(command('PSYNC', cached.replid, off, ...failover));
    }
  }

  /**
   * Every byte from the master refreshes the last-io time, then goes where the mode says. As
   * in Redis, the handshake's replies count nowhere; what follows the PSYNC reply (payload
   * header, keep-alives, payload, stream) counts as replication input where it is consumed.
   */
  private onData(chunk: Buffer): void {
    this.lastIoAt = Date.now();
    switch (this.mode) {
      case 'lines':
        this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
        this.readLines();
        break;
      case 'payload':
        this.readPayload(chunk);
        break;
      case 'held':
        this.held.push(chunk);
        break;
      case 'stream':
        this.applyStream(chunk);
        break;
      case 'idle':
        break;
    }
  }

  /** Hands each complete line to the machine until the mode changes. */
  private readLines(): void {
    while (this.mode === 'lines') {
      const nl = this.pending.indexOf(10);
      if (nl < 0) {
        if (this.pending.length > 64 * 1024) {
          this.server.log.warning('Master sent a reply line longer than 64 kB: closing the link');
          this.socket?.destroy();
        }
        return;
      }
      const end = nl > 0 && this.pending[nl - 1] === 13 ? nl - 1 : nl;
      const line = this.pending.toString('latin1', 0, end);
      this.pending = this.pending.subarray(nl + 1);
      if (this.actor.getSnapshot().matches('transfer')) this.server.stats.netReplInputBytes += nl + 1;
      // A newline alone keeps the link alive while the master prepares the payload or the PSYNC reply.
      if (line === '' && this.waitingForMaster()) continue;
      // The failover reads the reply to its PSYNC first: rejected, it makes us a master again.
      if (this.server.failover?.inProgress === true && this.actor.getSnapshot().matches({ handshake: 'psync' })) {
        this.server.failover.psyncAnswered(line);
        if (this.actor.getSnapshot().status !== 'active') return;
      }
      this.actor.send({ type: 'REPLY', line });
    }
    this.handOver();
  }

  /** The states where the master may send newlines to keep the link alive. */
  private waitingForMaster(): boolean {
    const s = this.actor.getSnapshot();
    return s.matches({ handshake: 'psync' }) || s.matches({ transfer: 'bulkHeader' });
  }

  /** What was read past the lines goes to the mode that follows them. */
  private handOver(): void {
    const rest = this.pending;
    if (rest.length === 0) return;
    if (this.mode === 'payload') {
      this.pending = EMPTY;
      this.readPayload(rest);
    } else if (this.mode === 'stream') {
      this.pending = EMPTY;
      this.applyStream(rest);
    } else if (this.mode === 'held') {
      this.pending = EMPTY;
      this.held.push(rest);
    }
  }

  /** repl-diskless-load swapdb, or on-empty-db with an empty dataset (useDisklessLoad). */
  private disklessLoad(): boolean {
    const mode = this.server.config.get('repl-diskless-load');
    if (mode === 'swapdb') return true;
    return mode === 'on-empty-db' && this.server.keyspace.dbs.every((db) => db.size === 0);
  }

  /** A diskless load under repl-diskless-load swapdb: it fills a temporary db, swapped in once whole. */
  private swapdbLoad(t: Transfer): boolean {
    return t.diskless && this.server.config.get('repl-diskless-load') === 'swapdb';
  }

  // syncWithMaster's tail: the temp file the payload will go to (a diskless load needs none).
  private prepareTransfer(): void {
    this.mode = 'lines';
    let file: TransferFile | null = null;
    const diskless = this.disklessLoad();
    if (!diskless) {
      try {
        file = new TransferFile(join(this.server.config.get('dir')!, `temp-${unixTime()}.${process.pid}.rdb`));
      } catch (e) {
        const reason = `Opening the temp file needed for MASTER <-> REPLICA synchronization: ${(e as Error).message}`;
        queueMicrotask(() => this.actor.send({ type: 'FAILED', reason }));
      }
    }
    this.transfer = { size: -1, mark: null, read: 0, diskless, file, stream: null, loadError: null, tail: EMPTY, startedAt: Date.now() };
    // While the master prepares the payload: the load's end then has no context to make.
    prepareHeapSettling();
  }

  /** The header told what to expect: bytes are payload from here on. */
  private receivePayload(size: number, eofMark: string): void {
    const t = this.transfer;
    if (t === null) return;
    // An EOF-marked payload has no size: INFO shows 0 as Redis does.
    t.size = eofMark === '' ? size : 0;
    t.mark = eofMark === '' ? null : Buffer.from(eofMark, 'latin1');
    this.mode = 'payload';
    const where = t.diskless ? 'parser' : 'disk';
    this.server.log.notice(t.mark === null
      ? `MASTER <-> REPLICA sync: receiving ${size} bytes from master to ${where}`
      : `MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to ${where}`);
    // rdbLoadRio straight from the socket for a diskless load. From disk too the decode runs as
    // the bytes arrive, alongside the file: it overlaps the transfer, and nothing is read back.
    if (t.diskless) this.server.log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    // Async loading: a full sync of the history we are on (our partial one refused) leaves
    // the old dataset to clients until the new one is swapped in.
    const async = this.swapdbLoad(t) &&
      this.actor.getSnapshot().context.masterReplid === this.server.replication.replid;
    t.stream = this.server.persistence.startReplicaStream(t.size, t.diskless, async);
    // `$0` is complete already (and no RDB: its load fails).
    if (t.mark === null && size === 0) this.readPayload(EMPTY);
  }

  // readSyncBulkPayload (the data half)
  /**
   * The payload is decoded as it is read, one chunk a turn (SocketStream): clients get their
   * -LOADING, or the old data while the file comes, between chunks, as processEventsWhileBlocked
   * answers them between Redis's reads.
   */
  private readPayload(chunk: Buffer): void {
    const t = this.transfer!;
    let data = chunk;
    let rest = EMPTY;
    if (t.mark === null) {
      const left = t.size - t.read;
      if (chunk.length > left) {
        data = chunk.subarray(0, left);
        rest = chunk.subarray(left);
      }
    }
    t.read += data.length;
    this.server.stats.netReplInputBytes += data.length;
    let done: boolean;
    try {
      if (t.mark === null) {
        this.storePayload(t, data);
        done = t.read === t.size;
      } else {
        done = this.storeBeforeMark(t, t.mark, data);
      }
    } catch (e) {
      const reason = !t.diskless
        ? `Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: ${(e as Error).message}`
        : `Failed trying to load the MASTER synchronization DB from socket: ${(e as Error).message}`;
      this.actor.send({ type: 'FAILED', reason });
      return;
    }
    if (!done) return;
    if (t.stream !== null) this.streamPeakHeld = t.stream.peakHeld;
    // Anything after the payload is the stream; it waits until the load is over.
    this.mode = 'held';
    this.held = rest.length > 0 ? [rest] : [];
    this.actor.send({ type: 'PAYLOAD_RECEIVED', read: t.read });
  }

  /**
   * An EOF-marked payload's next bytes: all but the last EOF_MARK_SIZE read go on, those
   * are kept back until more follow. True when they are the mark: the payload is whole.
   */
  private storeBeforeMark(t: Transfer, mark: Buffer, data: Buffer): boolean {
    if (data.length >= EOF_MARK_SIZE) {
      this.storePayload(t, t.tail);
      this.storePayload(t, data.subarray(0, data.length - EOF_MARK_SIZE));
      t.tail = Buffer.from(data.subarray(data.length - EOF_MARK_SIZE));
    } else {
      const joined = Buffer.concat([t.tail, data]);
      const cut = Math.max(0, joined.length - EOF_MARK_SIZE);
      this.storePayload(t, joined.subarray(0, cut));
      t.tail = joined.subarray(cut);
    }
    return t.tail.length === EOF_MARK_SIZE && t.tail.equals(mark);
  }

  /**
   * Payload bytes to the temp file (unless diskless) and the decoder. A bad payload ends a
   * diskless transfer at once (the throw); from disk it is told at the end (loadPayload).
   */
  private storePayload(t: Transfer, b: Buffer): void {
    if (b.length === 0) return;
    if (t.file !== null) t.file.append(b);
    if (t.stream === null) return;
    if (t.diskless) {
      this.server.persistence.feedReplicaStream(t.stream, b);
      return;
    }
    try {
      this.server.persistence.feedReplicaStream(t.stream, b);
    } catch (e) {
      t.loadError = e as Error;
      t.stream = null;
    }
  }

  // replicationAbortSyncTransfer
  private abortTransfer(): void {
    const t = this.transfer;
    if (t === null) return;
    this.transfer = null;
    t.file?.discard();
    if (t.stream === null) return;
    this.server.persistence.abandonReplicaStream();
    // readSyncBulkPayload's failed diskless load under swapdb: what it loaded was a temporary db.
    if (this.swapdbLoad(t)) {
      this.server.log.notice('MASTER <-> REPLICA sync: Discarding temporary DB in background');
    }
  }

  /**
   * readSyncBulkPayload's end: the payload, decoded as it arrived, is checked whole before
   * anything changes, so a bad one leaves the dataset (and dbfilename) as they were. On disk
   * it is renamed over dbfilename once valid and synced.
   */
  private loadPayload(replid: string, offset: number): void {
    const t = this.transfer!;
    const persistence = this.server.persistence;
    // The EOF mark, if any, never reached the file or the decoder.
    const size = t.read - (t.mark === null ? 0 : EOF_MARK_SIZE);
    let synced: Promise<void> = Promise.resolve();
    if (!t.diskless) {
      const error = t.file === null ? new Error('no temp file') : t.loadError;
      if (error !== null) {
        this.actor.send({ type: 'FAILED', reason: `Failed trying to load the MASTER synchronization DB from disk: ${error.message}` });
        return;
      }
      // The temp file is synced in libuv's pool while the decode ends.
      synced = t.file!.finish(size);
      this.server.log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    }
    const decoded = Promise.all([persistence.endReplicaStream(t.stream!, size), synced]);
    // replicationAttachToNewMaster: our replicas follow the new history from scratch.
    this.server.replication.disconnectReplicas();
    decoded.then(
      ([rdb]) => {
        if (this.transfer !== t) return;
        // As Redis words it, and in its order around the load's own lines: the others flush the
        // old dataset before, swapdb swaps the loaded one in after.
        const swapped = this.swapdbLoad(t);
        if (!swapped) this.server.log.notice('MASTER <-> REPLICA sync: Flushing old data');
        try {
          this.streamDb = persistence.installPayload(rdb);
        } catch (e) {
          this.actor.send({ type: 'FAILED', reason: `Failed trying to load the MASTER synchronization DB: ${(e as Error).message}` });
          return;
        }
        if (swapped) {
          this.server.log.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
          this.server.log.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
        }
        if (t.file !== null) renameSync(t.file.path, persistence.path);
        this.transfer = null;
        const repl = this.server.replication;
        repl.replid = replid;
        repl.masterReplOffset = offset;
        repl.clearReplicationId2();
        repl.freeBacklog();
        repl.createBacklogIfNeeded();
        this.actor.send({ type: 'LOADED' });
      },
      (e: unknown) => {
        if (this.transfer !== t) return;
        this.actor.send({ type: 'FAILED', reason: `Failed trying to load the MASTER synchronization DB from ${t.diskless ? 'socket' : 'disk'}: ${(e as Error).message}` });
      },
    );
  }

  /** The trusted client the master's stream runs as (CLIENT_MASTER): authenticated, no bulk limit. */
  private newMasterClient(): Client {
    const c = new Client(this.server, null);
    c.isMaster = true;
    c.reply.onError = this.server.linkErrorReply(c);
    c.setAuthenticated(true);
    c.parser.maxBulkLen = Number.MAX_SAFE_INTEGER;
    c.parser.rejectInline = true;
    c.resumeInput = () => this.resumeStream(c);
    return c;
  }

  // replicationCreateMasterClient, after a full sync
  private finishSync(): void {
    const c = this.newMasterClient();
    c.db = this.server.keyspace.dbs[this.streamDb] ?? this.server.keyspace.dbs[0]!;
    this.startStream(c);
    // The first ACK puts us online on a master that waits for it (diskless sync).
    this.sendAck();
  }

  // replicationResurrectCachedMaster
  private resurrectCachedMaster(replid: string): void {
    const repl = this.server.replication;
    if (replid !== '' && replid !== repl.replid) {
      // The master's history changed (it was promoted): ours continues under its new id.
      repl.replid2 = repl.replid;
      repl.secondReplOffset = repl.masterReplOffset + 1;
      repl.replid = replid;
      this.server.log.warning(`Master replication ID changed to ${replid}`);
      this.server.replication.disconnectReplicas();
    }
    repl.createBacklogIfNeeded();
    const c = this.cachedClient ?? this.newMasterClient();
    this.cachedClient = null;
    this.startStream(c);
  }

  /** CONNECTED: the bytes from here on are the master's command stream. */
  private startStream(c: Client): void {
    this.master = c;
    c.linkSocket = this.socket;
    this.server.replication.onGetAck = this.onGetAck;
    // CLIENT KILL TYPE master drops the link; the master is cached as on any link loss.
    c.onClose = () => this.socket?.destroy();
    this.server.clients.set(c.id, c);
    this.raw = [];
    this.rawHead = 0;
    this.appliedEnd = 0;
    this.fedEnd = 0;
    this.readOffset = this.server.replication.masterReplOffset;
    this.lastIoAt = Date.now();
    this.mode = 'stream';
    const held = this.held;
    this.held = [];
    if (this.pending.length > 0) held.unshift(this.pending);
    this.pending = EMPTY;
    for (const chunk of held) if (this.master === c) this.applyStream(chunk);
    // No Buffer made per read of the stream (as client connections read).
    this.stream?.shareReads();
  }

  /**
   * The master's commands, applied as they complete; a malformed one ends the link. While a
   * client pause holds the master client, or a script of ours is past busy-reply-threshold,
   * what arrives waits unparsed (processInputBuffer: no BUSY reply to a master, its stream
   * runs once the script ends).
   */
  private applyStream(chunk: Buffer): void {
    const c = this.master!;
    this.readOffset += chunk.length;
    this.server.stats.netReplInputBytes += chunk.length;
    this.raw.push(chunk);
    if (c.waiting !== null || this.server.scripting.busy !== null) c.parser.hold(chunk);
    else {
      c.db.prefetchRead(chunk);
      this.parseStream(() => c.parser.feed(chunk, this.sink));
    }
    if (this.stream?.transient === true) this.keepOwnCopies(c, chunk);
  }

  /** After a chunk of the shared read buffer: what of it the parser holds or is not fed on yet is copied out. */
  private keepOwnCopies(c: Client, chunk: Buffer): void {
    c.parser.keepOwnCopies(chunk);
    const raw = this.raw;
    for (let i = 0; i < raw.length; i++) {
      if (raw[i]!.buffer !== chunk.buffer) continue;
      raw[i] = Buffer.from(raw[i]!.subarray(i === 0 ? this.rawHead : 0));
      if (i === 0) this.rawHead = 0;
    }
  }

  /** Our busy script ended: what the master sent meanwhile is applied now (unless a pause still holds it). */
  scriptEnded(): void {
    const c = this.master;
    if (c !== null && c.waiting === null) this.resumeStream(c);
  }

  /** The pause that held the master client is over: its held command runs, then the rest. */
  private resumeStream(c: Client): void {
    if (this.master !== c) return;
    this.parseStream(() => {
      const argv = c.takePendingArgv();
      if (argv !== null && !this.sink(argv)) return;
      c.parser.resume(this.sink);
    });
  }

  /** Runs the parser over the stream; what it applied goes on to our backlog and replicas. */
  private parseStream(step: () => void): void {
    try {
      step();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.feedApplied();
      this.actor.send({ type: 'STREAM_ERROR', reason: e.message });
      return;
    }
    this.feedApplied();
  }

  /** Runs one command of the stream, as the master's client; expired keys stay visible to it. */
  private readonly sink = (argv: string[]): boolean => {
    const c = this.master;
    if (c === null) return false;
    const ks = this.server.keyspace;
    ks.expireMode = 'keep';
    this.applying = true;
    try {
      execute(c, argv);
    } finally {
      this.applying = false;
      ks.expireMode = 'hide';
    }
    // A transaction is applied, and fed on, whole: its bytes count once EXEC ran. A command
    // held by a client pause has not been applied yet.
    if (c.waiting !== null) return false;
    if (c.multi === null) this.appliedEnd = c.parser.commandEnd;
    return this.master === c;
  };

  /** REPLCONF GETACK from our master: the ACK carries what was applied before it. */
  private readonly onGetAck = (): void => {
    if (!this.applying) return;
    this.feedApplied();
    this.sendAck();
  };

  // replicationFeedStreamFromMasterStream: the applied bytes, verbatim.
  private feedApplied(): void {
    let n = this.appliedEnd - this.fedEnd;
    if (n <= 0) return;
    this.fedEnd = this.appliedEnd;
    const repl = this.server.replication;
    // The chunk just read may still be a view of the shared read buffer (keepOwnCopies runs after).
    const transient = this.stream?.transient === true;
    while (n > 0) {
      const head = this.raw[0]!;
      const avail = head.length - this.rawHead;
      const take = Math.min(avail, n);
      repl.feedFromMaster(head.subarray(this.rawHead, this.rawHead + take), transient);
      n -= take;
      if (take === avail) {
        this.raw.shift();
        this.rawHead = 0;
      } else {
        this.rawHead += take;
      }
    }
  }

  // replicationSendAck
  private sendAck(): void {
    if (this.master === null) return;
    // Written to the master client, so counted as Redis counts it: as client output.
    const ack = command('REPLCONF', 'ACK', String(this.server.replication.masterReplOffset));
    this.server.stats.netOutputBytes += ack.length;
    this.send(ack);
  }

  // replicationCacheMaster
  /** Only what was applied is kept: a half-read command and an open MULTI go with the link. */
  private cacheMaster(): void {
    this.server.log.notice('Caching the disconnected master state.');
    const old = this.master;
    this.dropMasterClient();
    if (old === null) return;
    const c = this.newMasterClient();
    c.db = old.db;
    this.cachedClient = c;
  }

  /** The db its master's stream is in, live or cached (rdbPopulateSaveInfo); null with neither. */
  masterDb(): number | null {
    return (this.master ?? this.cachedClient)?.db.id ?? null;
  }

  // replicationDiscardCachedMaster
  discardCachedMaster(): void {
    if (this.cachedClient === null) return;
    this.server.log.notice('Discarding previously cached master state.');
    this.cachedClient = null;
  }
}

// replicationSetMaster
/**
 * Makes the server a replica of host:port, dropping any link in progress and the clients that
 * blocking commands hold. Our replicas stay, as in Redis 7.0: they are dropped only once our
 * history changes (a new replid on +CONTINUE, or a full sync). What the first PSYNC offers is Redis 7.0's
 * choice: a link's cached master; else, for a master turning replica, its own replid and
 * offset, always (replicationCacheMasterUsingMyself, so `PSYNC <replid> 1` from a fresh one);
 * at start-up (atStart) only the history an RDB gave back (loadDataFromDisk), else `PSYNC ? -1`.
 */
export function replicationSetMaster(server: Server, host: string, port: number, atStart = false): void {
  const old = server.replicaLink;
  const repl = server.replication;
  let cached: CachedMaster | null = null;
  let db = 0;
  if (old !== null) {
    cached = old.actor.getSnapshot().context.cached ?? (old.master !== null ? { replid: repl.replid, offset: repl.masterReplOffset } : null);
    db = old.master?.db.id ?? 0;
    old.stop(true);
  } else if (!atStart || server.persistence.loadedStreamDb !== null) {
    // replicationCacheMasterUsingMyself
    server.log.notice('Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.');
    cached = { replid: repl.replid, offset: repl.masterReplOffset };
    db = server.persistence.loadedStreamDb ?? 0;
    server.persistence.loadedStreamDb = null;
  }
  server.blocking.disconnectAll();
  server.keyspace.expireMode = 'hide';
  server.log.role = 'S';
  server.config.set('replicaof', [host, String(port)], false);
  const link = new ReplicaLink(server, host, port, cached, db);
  server.replicaLink = link;
  server.updateOomScore();
  link.start();
  server.serverRole.becameReplica(host, port);
}

// replicationUnsetMaster
/**
 * REPLICAOF NO ONE: a master again, with the data it has and, as Redis 7.0 keeps it, its
 * history: the replid moves to replid2 up to the current offset, so former siblings can
 * continue from us by partial resync.
 */
export function replicationUnsetMaster(server: Server): void {
  const link = server.replicaLink;
  if (link === null) return;
  link.stop(true);
  link.discardCachedMaster();
  server.replicaLink = null;
  server.updateOomScore();
  const repl = server.replication;
  repl.shiftReplicationId();
  // Our next write may go to any db: the stream says which first (server.slaveseldb = -1).
  repl.forceSelect();
  server.log.warning(`Setting secondary replication ID to ${repl.replid2}, valid up to offset: ${repl.secondReplOffset}. New replication ID is ${repl.replid}`);
  repl.disconnectReplicas();
  server.keyspace.expireMode = 'delete';
  server.log.role = 'M';
  server.config.set('replicaof', [], false);
  server.serverRole.becameMaster();
}

/** `replicaof host port` from the config file or the command line, once the RDB is loaded. */
export function startReplicationFromConfig(server: Server): void {
  const spec = server.config.get('replicaof')!;
  if (spec === '') return;
  const [host, port] = spec.split(' ');
  replicationSetMaster(server, host!, Number(port), true);
}
