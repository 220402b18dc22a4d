// A client connection: the socket as an RxJS chunk stream, our RESP parser, a reply batch
// written at the end of the event-loop turn, and the per-connection state commands work with.
// A Client without a stream is a pseudo-client (the master link applying its stream, a
// config-file replay): its replies are dropped.
import type { Socket } from 'node:net';
import type { Observer, Subscription } from 'rxjs';
import { execute } from '../commands/dispatch.js';
import { lookupCommand } from '../commands/table.js';
import { ProtocolError, RespParser } from '../io/resp-parser.js';
import { ReplyWriter } from '../io/reply-writer.js';
import type { SocketStream } from '../io/socket-stream.js';
import { queueWrite, type QueuedWriter } from '../io/turn-end.js';
import type { Db, WatchedKey, WatchFlag } from '../store/db.js';
import type { Wait } from './blocking.js';
import { ClientLimits } from './client-limits.js';
import type { Kind } from './pubsub.js';
import type { ReplConf, ReplicaClient } from './replica-client.js';
import type { AclUser } from '../commands/acl-users.js';
import type { Server } from './server.js';
import type { TrackingState } from './tracking.js';
import { markMutable } from '../mutable-fields.js';

/** Replies batched beyond this are written out before the next command runs. */
const FLUSH_AT = 64 * 1024;

/**
 * What an idle connection holds besides its buffers: the Client, its parser, writer and
 * socket stream, its chunk subscription, the net.Socket with its states and handle object;
 * used_memory grows by this much per idle connection (2.23-2.24 kB over 10k of them in
 * bench/client-memory.ts).
 * Redis's figure is its client struct.
 */
const CLIENT_STRUCT_BYTES = 2240;
/** One entry of a V8 Set of strings (measured over 100k): a channel or pattern in the client's own set. */
const SUBSCRIPTION_BYTES = 26;
/** A watched key: its [db, key] pair in the client's list and the client's entry in the key's watcher set. */
const WATCHED_KEY_BYTES = 100;
/**
 * A BCAST prefix: its string in the client's set and the client's entry in the prefix's (the
 * server's table entry is shared): 99-109 bytes each over 50k of them, from used_memory.
 */
const TRACKING_PREFIX_BYTES = 100;

/** The subscriptions of every client that never subscribed: nothing adds to these (see ownSubscriptions). */
const NO_SUBSCRIPTIONS: Readonly<Record<Kind, ReadonlySet<string>>> = { channel: new Set(), pattern: new Set(), shard: new Set() };

/** ip:port as CLIENT LIST shows it; '?:0' for a socket closed before anyone asked (genClientAddrString's failure). */
function formatAddress(ip: string | undefined, port: number | undefined): string {
  return ip === undefined ? '?:0' : `${ip}:${port}`;
}

export interface MultiState {
  queue: string[][];
  /** The bytes of the queued arguments (multi-mem). */
  bytes: number;
  // mstate.cmd_flags (and cmd_inv_flags' stale): the queued calls' flags, as they were queued.
  /** A queued call may grow memory. */
  denyOom: boolean;
  /** A queued call is a write. */
  write: boolean;
  /** A queued call may not run on a stale replica. */
  denyStale: boolean;
  /** A queued call may replicate. */
  mayReplicate: boolean;
  /** A command failed to queue: EXEC answers EXECABORT. */
  failed: boolean;
}

export class Client implements WatchFlag, QueuedWriter {
  readonly id: number;
  readonly parser = new RespParser();
  readonly reply = new ReplyWriter();
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  db: Db;
  name = '';
  authenticated: boolean;
  /** The ACL user it runs commands as (the default user until AUTH). */
  user: AclUser;
  multi: MultiState | null = null;
  /** True while EXEC runs the queued commands. */
  inExec = false;
  /** CLIENT_DIRTY_CAS: a key this client watches changed (the keys' watcher sets hold the client itself). */
  casDirty = false;
  /** The keys WATCH added (watched_keys); null while there are none. */
  private watched: WatchedKey[] | null = null;
  /** The last command run, for CLIENT LIST's cmd=. */
  lastCommand = 'NULL';
  /** Set by QUIT, CLIENT KILL and protocol errors: close once the pending replies are out. */
  closeAfterReply = false;
  closed = false;
  /** What REPLCONF told us, when this connection is (becoming) a replica. */
  replconf: ReplConf | null = null;
  /** Set once SYNC/PSYNC made this connection a replica (CLIENT_SLAVE). */
  replica: ReplicaClient | null = null;
  /** woff: the replication offset right after this client's last propagated write (WAIT). */
  woff = 0;
  /** The link of a replica to its master: what it applies is not propagated by call(). */
  isMaster = false;
  /** The pseudo-client scripts run their commands as (CLIENT_SCRIPT). */
  isScript = false;
  /** Off while a script's redis.set_repl leaves replicas out (PROPAGATE_REPL not in its flags). */
  replicates = true;
  /** Told when the client is closed (CLIENT KILL): the master link closes its socket. */
  onClose: (() => void) | null = null;
  /**
   * What call() propagates for the running command: undefined its argv, null nothing, else
   * this rewrite (set by propagateAs and preventPropagation).
   */
  propagateArgv: string[] | null | undefined = undefined;
  /** CLIENT NO-EVICT ON: maxmemory-clients never evicts this client. */
  noEvict = false;
  /** What client eviction last counted of this client (last_memory_usage), and its bucket (client-limits.ts). */
  memUsage = 0;
  memBucket: Set<Client> | null = null;
  /** Unix seconds since when the output has been over its soft limit; -1 when it is not. */
  softLimitSince = -1;
  /** The running command propagates even if the dataset did not change (forceCommandPropagation). */
  propagateForced = false;
  /** What a blocking command waits for (blocking.ts); its next commands wait in the parser. */
  waiting: Wait | null = null;
  /** Its script outlived busy-reply-threshold (engine.ts): its next commands wait in the parser until release(). */
  private held = false;
  /** A command held by a client pause, to run before the rest of the input once the client wakes. */
  private pendingArgv: string[] | null = null;
  /** CLIENT REPLY OFF (CLIENT_REPLY_OFF). */
  replyOff = false;
  /** CLIENT REPLY SKIP: the next command's reply is dropped (CLIENT_REPLY_SKIP_NEXT), then this one's (CLIENT_REPLY_SKIP). */
  replySkipNext = false;
  replySkip = false;
  /** CLIENT TRACKING's state while it is on (tracking.ts). */
  tracking: TrackingState | null = null;
  /** Its channels, patterns and shard channels (pubsub.ts); null until it first subscribes. */
  private subs: Record<Kind, Set<string>> | null = null;
  private queuedForWrite = false;
  private subscription: Subscription | null = null;
  /** The master client's link socket: CLIENT LIST shows its addresses and CLIENT KILL matches them. */
  linkSocket: Socket | null = null;

  /** unix: connected through the unixsocket (CLIENT_UNIX_SOCKET). */
  constructor(readonly server: Server, readonly stream: SocketStream | null, readonly unixSocket = false) {
    this.id = server.nextClientId++;
    this.db = server.keyspace.dbs[0]!;
    this.user = server.acl.defaultUser;
    this.authenticated = false;
    server.acl.defaultAuth(this);
    this.parser.maxBulkLen = server.config.getInt('proto-max-bulk-len');
    if (stream !== null) this.parser.keepLimit = server.clientLimits.queryMax;
    if (stream === null) this.reply.mute(true);
    this.reply.onError = server.countErrorReply;
    markMutable(this, 'woff', 'replica');
  }

  /**
   * The peer's ip:port ('' without a socket), formatted each time it is asked for: kept, the
   * strings would cost every connection a CLIENT LIST has listed as much again as the
   * socket's own cache of its addresses (~0.2 kB).
   */
  get addr(): string {
    if (this.unixSocket) return this.unixAddr;
    const s = this.socket;
    return s === undefined ? '' : formatAddress(s.remoteAddress, s.remotePort);
  }

  /** The local ip:port the client connected to. */
  get laddr(): string {
    if (this.unixSocket) return this.unixAddr;
    const s = this.socket;
    return s === undefined ? '' : formatAddress(s.localAddress, s.localPort);
  }

  /** A unix socket client's address and local address: the socket's path, port 0. */
  private get unixAddr(): string {
    return `${this.server.config.get('unixsocket')}:0`;
  }

  /** Its connection: its own stream's, or for the master client the link's (replica-link.ts reads it). */
  get socket(): Socket | undefined {
    return this.stream?.socket ?? this.linkSocket ?? undefined;
  }

  /** Channels, patterns and shard channels this client listens to; one shared empty set of them until it subscribes. */
  get subscriptions(): Readonly<Record<Kind, ReadonlySet<string>>> {
    return this.subs ?? NO_SUBSCRIPTIONS;
  }

  /** Its own sets of subscriptions, made on its first SUBSCRIBE (pubsub.ts changes only these). */
  ownSubscriptions(): Record<Kind, Set<string>> {
    return (this.subs ??= { channel: new Set(), pattern: new Set(), shard: new Set() });
  }

  get dbIndex(): number {
    return this.db.id;
  }

  /** multi-mem: the arguments of the commands queued in MULTI. */
  get multiBytes(): number {
    return this.multi === null ? 0 : this.multi.bytes;
  }

  // getClientMemoryUsage
  /**
   * tot-mem, and what client eviction and MEMORY STATS's clients.* count: the connection's
   * own objects, its reply buffer and batched replies, what the socket has not sent, the
   * query buffer, the running command's arguments (argvMem), the MULTI queue, and its
   * subscriptions, watched keys and tracking prefixes (Redis 7.0 counts their entries too).
   */
  memoryUsage(argvMem = 0): number {
    const unsent = this.replica !== null ? this.replica.outputBytes : (this.stream?.queued ?? 0);
    let mem = CLIENT_STRUCT_BYTES + this.reply.held + unsent + this.parser.retained + argvMem + this.multiBytes;
    const subs = this.subs;
    if (subs !== null) mem += (subs.channel.size + subs.pattern.size + subs.shard.size) * SUBSCRIPTION_BYTES;
    if (this.watched !== null) mem += this.watched.length * WATCHED_KEY_BYTES;
    if (this.tracking !== null) mem += this.tracking.prefixes.size * TRACKING_PREFIX_BYTES;
    return mem;
  }

  /** omem: replies batched and not yet taken by the kernel (a replica's: its stream too). */
  get outputBytes(): number {
    return this.replica !== null ? this.replica.outputBytes : this.reply.pending + (this.stream?.queued ?? 0);
  }

  start(): void {
    if (this.stream === null) return;
    this.stream.owner = this;
    this.subscription = this.stream.chunks$.subscribe(new ClientInput(this));
    this.stream.start();
  }

  /** Runs one command as if this client had sent it (the one command path). */
  run(argv: string[]): void {
    execute(this, argv);
  }

  /** Runs each parsed command; stops the parser while the client waits or is held. */
  private readonly sink = (argv: string[]): boolean => {
    if (this.closeAfterReply || this.closed) return false;
    execute(this, argv);
    if ((this.replySkip || this.replySkipNext || this.tracking !== null) && !this.paused) this.commandDone(argv);
    // Counted before the batch leaves: the next command's eviction check sees its replies (processCommandAndResetClient).
    this.server.clientLimits.track(this);
    if (this.reply.pending >= FLUSH_AT) this.flush();
    return !this.closeAfterReply && !this.paused && !this.closed;
  };

  /** Its commands wait unparsed: it is blocked (waiting) or its script is still running (held). */
  private get paused(): boolean {
    return this.waiting !== null || this.held;
  }

  /** A chunk from the socket (ClientInput). */
  onChunk(chunk: Buffer): void {
    this.lastInteraction = Date.now();
    this.server.stats.netInputBytes += chunk.length;
    if (this.server.clientLimits.queryLimitReached(this, chunk.length)) {
      this.server.log.warning(ClientLimits.queryLog(this));
      this.drop();
      return;
    }
    if (this.paused) this.parser.hold(chunk);
    else this.parse(chunk);
    if (this.stream?.transient === true) this.parser.keepOwnCopies(chunk);
    // beforeSleep's evictClients: the query buffer may have grown without a command to run.
    const limits = this.server.clientLimits;
    limits.track(this);
    limits.evictClients();
  }

  /** The socket took all our output (SocketStream): what the client holds is counted again. */
  onDrain(): void {
    this.server.clientLimits.track(this);
  }

  /** The running command (a busy script) will answer later; nothing else this client sent runs until release(). */
  hold(): void {
    this.held = true;
  }

  /** The held command answered: as after a wait, its reply goes out and the commands after it run. */
  release(): void {
    this.held = false;
    this.wake();
  }

  /**
   * After a wait ended: its answer goes out now, the commands held behind it run on the next
   * event-loop turn (not inside the command that answered it). rerun is the command a pause
   * held, which runs first; a wait that answered its command ends that command here.
   */
  wake(rerun: string[] | null = null): void {
    this.pendingArgv = rerun;
    if (rerun === null) this.commandDone(null);
    this.flush();
    this.server.clientLimits.track(this);
    setImmediate(() => {
      if (!this.closed && !this.paused) this.resumeInput();
    });
  }

  /** Runs the input held while the client waited; the master link puts its own stream's here. */
  resumeInput: () => void = () => this.continueInput();

  /** The command a pause held, once: the master link runs it through its own sink. */
  takePendingArgv(): string[] | null {
    const argv = this.pendingArgv;
    this.pendingArgv = null;
    return argv;
  }

  private continueInput(): void {
    this.parse(null);
  }

  /**
   * resetClient's per-command state: CLIENT REPLY SKIP silences exactly the next command, and
   * CLIENT CACHING lasts for the next command (a transaction) unless that is a CLIENT one.
   */
  private commandDone(argv: string[] | null): void {
    this.replySkip = this.replySkipNext;
    this.replySkipNext = false;
    this.reply.silence(this.replyOff || this.replySkip);
    const t = this.tracking;
    if (t !== null && t.caching && this.multi === null && (argv === null || lookupCommand(argv[0]!)?.name !== 'client')) t.caching = false;
  }

  /**
   * Parses a chunk that arrived, or (null) goes on with the input held meanwhile: the
   * command a pause held first, then what is buffered. Then the replies go out.
   */
  private parse(chunk: Buffer | null): void {
    try {
      if (chunk !== null) {
        this.db.prefetchRead(chunk);
        this.parser.feed(chunk, this.sink);
      } else {
        const argv = this.takePendingArgv();
        if (argv === null || this.sink(argv)) this.parser.resume(this.sink);
      }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.reply.error(`ERR Protocol error: ${e.message}`);
      this.server.log.verbose(`Protocol error (${e.message}) from client: id=${this.id} addr=${this.addr}`);
      this.closeAfterReply = true;
    }
    this.server.replication.flushLongTurn();
    this.flushSoon();
  }

  /** Writes the replies batched so far with one syscall; closes if asked to. */
  flush(): void {
    // closeClientOnOutputBufferLimitReached: replies past the limit never leave (Redis checks them as they are added).
    if (this.reply.pending > 0 && !this.checkOutputLimits()) return;
    const batch = this.reply.takeForSocket();
    if (batch !== null) {
      const stream = this.stream;
      if (stream === null) {
        this.reply.written(true);
      } else {
        let n = 0;
        for (let i = 0; i < batch.length; i++) n += batch[i]!.length;
        if (this.replica !== null) this.server.stats.netReplOutputBytes += n;
        else this.server.stats.netOutputBytes += n;
        stream.write(batch);
        // What the kernel did not take at once stays queued in the socket, referring to the batch.
        this.reply.written(stream.queued === 0);
        if (!this.checkOutputLimits()) return;
      }
    }
    if (this.closeAfterReply) this.close();
  }

  /** Closes at once, dropping whatever output is pending (freeClientAsync for a client over a limit). */
  drop(): void {
    this.close();
    this.stream?.destroy();
  }

  /**
   * A line written past the reply counters, after what is pending: +FULLRESYNC and +CONTINUE,
   * which Redis writes with connWrite and counts neither as client nor as replication output.
   */
  writeUncounted(line: string): void {
    this.flush();
    this.stream?.write([Buffer.from(line, 'latin1')]);
  }

  /** The running command, if it changed the dataset, propagates as argv instead of its own. */
  propagateAs(argv: string[]): void {
    this.propagateArgv = argv;
  }

  /** The running command propagates whether or not it changed the dataset (FLUSHALL of an empty one). */
  forcePropagation(): void {
    this.propagateForced = true;
  }

  /** The running command propagates nothing of its own (what it did left by alsoPropagate). */
  preventPropagation(): void {
    this.propagateArgv = null;
  }

  /** Its replies, or output written for it from elsewhere (a PUBLISH), leave at the turn's end with every client's. */
  flushSoon(): void {
    if (this.queuedForWrite) return;
    this.queuedForWrite = true;
    queueWrite(this);
  }

  /** The turn ended (turn-end.ts): what flushSoon queued goes out. */
  writeQueued(): void {
    this.queuedForWrite = false;
    if (this.closed) return;
    this.flush();
    this.server.clientLimits.track(this);
  }

  /** True while subscribed to anything: RESP2 then allows only the pub/sub commands. */
  get inPubSub(): boolean {
    const s = this.subs;
    return s !== null && s.channel.size + s.pattern.size + s.shard.size > 0;
  }

  // closeClientOnOutputBufferLimitReached
  /**
   * A client whose output passed its class's limits (client-limits.ts) is dropped with what
   * it had not read; false when it was.
   */
  checkOutputLimits(): boolean {
    if (!this.server.clientLimits.outputLimitReached(this)) return true;
    this.server.log.warning(ClientLimits.outputLog(this));
    this.reply.take();
    this.drop();
    return false;
  }

  /** Marks this client authenticated or not (AUTH, HELLO AUTH, RESET, ACL DELUSER). */
  setAuthenticated(on: boolean): void {
    this.authenticated = on;
    this.parser.unauthenticated = !on;
  }

  // watchForKey
  /** WATCH of one key in the selected db: a change to it (db.ts) marks this client dirty. */
  watchKey(key: string): void {
    const db = this.db;
    if (this.watched?.some((wk) => wk.db === db && wk.key === key) === true) return;
    let set = db.watchers.get(key);
    if (set === undefined) db.watchers.set(key, (set = new Set()));
    const wk: WatchedKey = { client: this, db, key, expired: db.isExpired(key) };
    set.add(wk);
    (this.watched ??= []).push(wk);
  }

  // isWatchedKeyExpired
  /** A watched key expired since it was watched (EXEC then fails, deleted or not). */
  watchedKeyExpired(): boolean {
    return this.watched?.some((wk) => !wk.expired && wk.db.isExpired(wk.key)) === true;
  }

  unwatchAll(): void {
    if (this.watched !== null) {
      for (const wk of this.watched) {
        const set = wk.db.watchers.get(wk.key);
        if (set === undefined) continue;
        set.delete(wk);
        if (set.size === 0) wk.db.watchers.delete(wk.key);
      }
      this.watched = null;
    }
    this.casDirty = false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.blocking.drop(this);
    this.server.pubsub.forget(this);
    this.server.tracking.disable(this);
    this.subscription?.unsubscribe();
    this.unwatchAll();
    if (this.replica !== null) {
      this.server.log.warning(`Connection with replica ${this.replica.name} lost.`);
      this.replica.close();
    }
    this.server.replication.monitors.delete(this);
    this.server.clients.delete(this.id);
    this.server.clientLimits.forget(this);
    this.stream?.end();
    this.onClose?.();
  }
}

/** A client's observer of its socket's chunks: its methods on the prototype, not three closures per connection. */
class ClientInput implements Observer<Buffer> {
  constructor(private readonly client: Client) {}

  next(chunk: Buffer): void {
    this.client.onChunk(chunk);
  }

  error(): void {
    this.client.close();
  }

  /** The peer closed: the replies its last input earned go out first (libuv may read that input and the end in one turn, before the turn's end writes). */
  complete(): void {
    this.client.flush();
    this.client.close();
  }
}
