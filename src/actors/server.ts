// The server actor: owns the keyspace, the config, the listening sockets, the connected
// clients and serverCron. Commands reach everything through it.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer, type ListenOptions, type Server as NetServer, type Socket } from 'node:net';
import type { CachedDirective, Config } from '../config/config.js';
import { mayRaiseHardLimit, openFilesLimit } from '../io/open-files.js';
import { SocketStream } from '../io/socket-stream.js';
import type { Logger } from '../log.js';
import { clientInfoString } from '../commands/client-cmd.js';
import { countErrorReply, sampleInstantaneousMetrics, ServerState } from '../commands/server-state.js';
import { LatencyMonitor } from '../commands/latency.js';
import { SlowLog } from '../commands/slowlog.js';
import { Keyspace } from '../store/keyspace.js';
import { Acl } from './acl.js';
import { Blocking } from './blocking.js';
import { PAGE_ROOTS } from '../inspector/assets.js';
import type { InspectorEndpoint } from '../inspector/endpoint.js';
import { InspectorRegistry } from '../inspector/registry.js';
import { OomScore } from '../io/oom-score.js';
import { strerror } from '../io/strerror.js';
import { bindTcp, boundPort, type TcpHandle } from '../io/tcp-bind.js';
import { SyncExchange } from '../io/sync-exchange.js';
import { Client } from './client.js';
import { ClientLimits } from './client-limits.js';
import { Memory } from './memory.js';
import { NOTIFY, notifyKeyspaceEvent, parseNotifyFlags } from './notify.js';
import { ClientPause } from './pause.js';
import { PubSub } from './pubsub.js';
import { Persistence } from './persistence.js';
import { ScriptEngine } from '../scripting/engine.js';
import { Replication } from './replication.js';
import { ServerRole } from './server-role.js';
import { Shutdown } from './shutdown.js';
import type { Failover } from './failover.js';
import type { ReplicaLink } from './replica-link.js';
import { Tracking } from './tracking.js';
import { markMutable } from '../mutable-fields.js';
import { REDIS_VERSION } from '../version.js';
import { logBugReport } from './crash-report.js';

export class ListenError extends Error {}

export interface ServerStats {
  connectionsReceived: number;
  rejectedConnections: number;
  commandsProcessed: number;
  rejectedCalls: number;
  /** Bytes from clients, and to them (stat_net_input_bytes, stat_net_output_bytes). */
  netInputBytes: number;
  netOutputBytes: number;
  /** Replication's share, apart (stat_net_repl_*): our master's payload and stream, and what our replicas got. */
  netReplInputBytes: number;
  netReplOutputBytes: number;
}

const newStats = (): ServerStats => {
  const stats = {
    connectionsReceived: 0, rejectedConnections: 0, commandsProcessed: 0,
    rejectedCalls: 0, netInputBytes: 0, netOutputBytes: 0, netReplInputBytes: 0, netReplOutputBytes: 0,
  };
  markMutable(stats, ...Object.keys(stats));
  return stats;
};

export interface OutputLimits {
  hard: number;
  soft: number;
  seconds: number;
}

const NO_LIMITS: OutputLimits = { hard: 0, soft: 0, seconds: 0 };

/** client-output-buffer-limit ("normal 0 0 0 slave 268435456 67108864 60 ...") by class. */
function parseOutputLimits(spec: string): Map<string, OutputLimits> {
  const parts = spec.split(' ');
  const limits = new Map<string, OutputLimits>();
  for (let i = 0; i + 3 < parts.length; i += 4) {
    limits.set(parts[i]!, { hard: Number(parts[i + 1]), soft: Number(parts[i + 2]), seconds: Number(parts[i + 3]) });
  }
  return limits;
}

/** CONFIG_MIN_RESERVED_FDS: descriptors kept for files, listeners and the runtime's own, not clients. */
const RESERVED_FDS = 32;

export class Server {
  readonly keyspace: Keyspace;
  readonly clients = new Map<number, Client>();
  private readonly oomScore = new OomScore();
  /** MIGRATE's connections to its targets (migrate_cached_sockets), and the blocking IO over them. */
  readonly migrateConnections = new SyncExchange();
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION: RDB loads and RESTORE take a payload whatever its CRC64. */
  skipChecksumValidation = false;
  /** DEBUG PAUSE-CRON (pause_cron): the cron skips all its work. */
  cronPaused = false;
  /** Every accepted connection still open, a client's or one closed but still sending its last output. */
  private readonly sockets = new Set<Socket>();
  readonly persistence: Persistence;
  readonly scripting: ScriptEngine;
  readonly acl: Acl;
  readonly blocking = new Blocking(this);
  readonly pubsub = new PubSub();
  readonly pause = new ClientPause(this);
  readonly shutdown = new Shutdown(this);
  readonly tracking = new Tracking(this);
  readonly slowlog: SlowLog;
  readonly latency: LatencyMonitor;
  readonly replication: Replication;
  readonly memory: Memory;
  readonly clientLimits: ClientLimits;
  readonly startedAt = Date.now();
  readonly runId = randomBytes(20).toString('hex');
  stats = newStats();
  metrics: ServerState;
  nextClientId = 1;
  /** The config file given at start-up, absolute; null without one (CONFIG REWRITE, INFO). */
  configFile: string | null = null;
  /** The pid file cli.ts wrote (its absolute path), removed at shutdown; '' when none. */
  pidfile = '';
  /** The port actually bound (differs from the config when it asked for 0). */
  port = 0;
  /**
   * Every machine's actor reports here: createActor(machine, { inspect: server.inspector.inspect({ role, label }) }).
   * Inert (inspect() gives undefined) unless --inspect-port is given.
   */
  readonly inspector: InspectorRegistry;
  /** The server's role as an actor, for the inspector. */
  readonly serverRole: ServerRole;
  /** The --inspect-port endpoint, once listening. */
  inspectorEndpoint: InspectorEndpoint | null = null;
  /** Every client's ReplyWriter.onError: one function for all of them rather than a closure per connection. */
  readonly countErrorReply = (msg: string): void => countErrorReply(this, msg);
  /** Called once the server has shut down; the CLI exits the process with the code. */
  onExit: (code: number) => void = () => {};

  // setOOMScoreAdj(-1)
  /** The process's OOM score for its role now; false when /proc refused it (logged). */
  updateOomScore(): boolean {
    const values = this.config.get('oom-score-adj-values')!.split(' ');
    return this.oomScore.update(this.config.get('oom-score-adj')!, Number(values[this.isReplica ? 1 : 0]), (m) => this.log.warning(m));
  }

  // _serverPanic
  /**
   * A state the server must not go on from: logged as Redis logs a panic, with its bug report
   * (stack: where it happened, this call's by default), then the process aborts (or exits,
   * under use-exit-on-panic).
   */
  panic(msg: string, stack = new Error().stack ?? ''): never {
    logBugReport(this, ['------------------------------------------------', '!!! Software Failure. Press left mouse button to continue',
      `Guru Meditation: ${msg}`], stack);
    if (this.config.getBool('use-exit-on-panic')) process.exit(1);
    process.abort();
  }

  // sigsegvHandler's report, then the signal's own end
  /** Ends the process by signal (DEBUG SEGFAULT's SIGSEGV, a SIGABRT), logging Redis's crash report first. */
  crashBySignal(signal: 'SIGSEGV' | 'SIGABRT', code: number): never {
    logBugReport(this, [`Redis ${REDIS_VERSION} crashed by signal: ${signal === 'SIGSEGV' ? 11 : 6}, si_code: ${code}`], new Error().stack ?? '');
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    // The signal is delivered on the way out of the kill: nothing runs after it.
    process.abort();
  }

  /** ReplyWriter.onError of a replication link's client: counted, then told to the replication (errorOnLink). */
  linkErrorReply(c: Client): (msg: string) => void {
    return (msg) => {
      this.countErrorReply(msg);
      this.replication.errorOnLink(c, msg);
    };
  }
  /** The TCP listeners (one per bind address), and the others (the unix socket). */
  private tcpListeners: NetServer[] = [];
  private listeners: NetServer[] = [];
  private cronTimer: NodeJS.Timeout | null = null;
  private readonly notifyEvents: CachedDirective<number>;
  private readonly limits: CachedDirective<Map<string, OutputLimits>>;

  constructor(readonly config: Config, readonly log: Logger) {
    this.notifyEvents = config.cached('notify-keyspace-events', (spec) => parseNotifyFlags(spec) ?? 0);
    this.limits = config.cached('client-output-buffer-limit', parseOutputLimits);
    this.keyspace = new Keyspace(config.getInt('databases'));
    this.acl = new Acl(this);
    this.persistence = new Persistence(this);
    this.scripting = new ScriptEngine(this);
    this.replication = new Replication(this);
    this.keyspace.onExpired = (db, key) => {
      notifyKeyspaceEvent(this, NOTIFY.expired, 'expired', key, db.id);
      this.replication.alsoPropagate(db.id, [config.getBool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    };
    this.keyspace.onEvicted = (db, key) => {
      this.replication.alsoPropagate(db.id, [config.getBool('lazyfree-lazy-eviction') ? 'UNLINK' : 'DEL', key]);
      notifyKeyspaceEvent(this, NOTIFY.evicted, 'evicted', key, db.id);
    };
    this.memory = new Memory(this);
    this.clientLimits = new ClientLimits(this);
    this.metrics = new ServerState(this);
    this.updateNotifyHooks();
    this.slowlog = new SlowLog(this);
    this.latency = new LatencyMonitor(this);
    this.inspector = new InspectorRegistry(config.get('inspect-port') !== '');
    this.serverRole = new ServerRole(this);
  }

  /** notify-keyspace-events as flags (0 for none), read on every write. */
  get notifyFlags(): number {
    return this.notifyEvents.value;
  }

  /** A client class's client-output-buffer-limit, in bytes and seconds, read on every flush. */
  outputLimits(cls: 'normal' | 'slave' | 'pubsub'): OutputLimits {
    return this.limits.value.get(cls) ?? NO_LIMITS;
  }


  /** Test hook: the replica link and the master side get no TICK of their own, the test sends each (ReplicaLink.tick, Replication.tick). */
  manualReplicaTicks = false;

  /** The link to our master (REPLICAOF host port); null on a master. */
  replicaLink: ReplicaLink | null = null;
  /** The FAILOVER under way (server.failover_state), null when none. */
  failover: Failover | null = null;

  get isReplica(): boolean {
    return this.replicaLink !== null;
  }

  /** A replica whose link to its master is up (REPL_STATE_CONNECTED) serves SYNC to its own replicas. */
  get replicaLinkUp(): boolean {
    return this.replicaLink?.linkUp ?? false;
  }

  // adjustOpenFilesLimit
  /**
   * The most clients the open-file limit leaves room for, CONFIG_MIN_RESERVED_FDS kept for
   * the rest, when maxclients asks for more: logged as redis-server logs it when setrlimit
   * cannot raise the limit (node raised it to the hard limit already, and cannot go past it).
   * null when maxclients fits, 0 when not even one client does.
   */
  maxclientsThatFit(): number | null {
    const maxclients = this.config.getInt('maxclients');
    const wanted = maxclients + RESERVED_FDS;
    const limit = openFilesLimit();
    if (limit === null || limit >= wanted) return null;
    if (limit <= RESERVED_FDS) {
      this.log.warning(`Your current 'ulimit -n' of ${limit} is not enough for the server to start. ` +
        `Please increase your open file limit to at least ${wanted}. Exiting.`);
      return 0;
    }
    const fit = limit - RESERVED_FDS;
    this.log.warning(`You requested maxclients of ${maxclients} requiring at least ${wanted} max file descriptors.`);
    // setrlimit's EPERM, which a process without CAP_SYS_RESOURCE gets; one with it is held at the hard limit by node.
    const why = mayRaiseHardLimit() ? 'redstate cannot raise it past the hard limit' : 'Operation not permitted';
    this.log.warning(`Server can't set maximum open files to ${wanted} because of OS error: ${why}.`);
    this.log.warning(`Current maximum open files is ${limit}. maxclients has been reduced to ${fit} to compensate ` +
      "for low ulimit. If you need higher maxclients increase 'ulimit -n'.");
    return fit;
  }

  /** A directive changed by CONFIG SET: what depends on it follows. */
  configChanged(name: string): void {
    if (name === 'repl-backlog-size') this.replication.resizeBacklog();
    if (name === 'slowlog-log-slower-than' || name === 'slowlog-max-len') this.slowlog.configure();
    if (name === 'notify-keyspace-events') this.updateNotifyHooks();
    if (name === 'latency-monitor-threshold' || name === 'latency-tracking') this.latency.configure();
  }

  /** The keyspace reports new keys and read misses only while their events are asked for. */
  private updateNotifyHooks(): void {
    const flags = this.notifyFlags;
    const ks = this.keyspace;
    ks.onNew = flags & NOTIFY.new ? (db, key) => notifyKeyspaceEvent(this, NOTIFY.new, 'new', key, db.id) : null;
    ks.onMiss = flags & NOTIFY.keyMiss ? (db, key) => notifyKeyspaceEvent(this, NOTIFY.keyMiss, 'keymiss', key, db.id) : null;
  }

  /** CLIENT LIST's line for a client, as log lines about a client quote it. */
  describeClient(c: Client): string {
    return clientInfoString(c);
  }

  resetStats(): void {
    this.stats = newStats();
  }

  /** Binds every configured address; throws ListenError as Redis aborts when one fails. */
  async listen(): Promise<void> {
    const port = this.config.getInt('port');
    if (!this.listenTcp()) {
      this.log.warning(`Failed listening on port ${port} (TCP), aborting.`);
      await this.closeListeners();
      throw new ListenError(`Failed listening on port ${port}`);
    }
    await this.listenUnix();
    await this.listenInspector();
    const hz = this.config.getInt('hz');
    this.cronTimer = setInterval(() => this.cron(), Math.max(1, Math.floor(1000 / hz)));
    this.cronTimer.unref();
  }

  /** unixsocket: a path replacing any file there, its mode unixsocketperm (octal; 0 leaves the umask's). */
  private async listenUnix(): Promise<void> {
    const path = this.config.path('unixsocket');
    if (path === '') return;
    // unlink(server.unixsocket), "don't care if this fails": bind says what is wrong.
    try {
      rmSync(path, { force: true });
    } catch {
      // Left to bind.
    }
    try {
      const srv = await this.listenOn({ path, backlog: this.config.getInt('tcp-backlog') });
      this.listeners.push(srv);
      const perm = parseInt(this.config.get('unixsocketperm')!, 8);
      if (perm > 0) chmodSync(path, perm);
    } catch (e) {
      this.log.warning(`Failed opening Unix socket: bind: ${unixBindError(e as Error, path)}`);
      await this.closeListeners();
      throw new ListenError(`Failed opening Unix socket ${path}`);
    }
  }

  /** --inspect-port: the statechart page and its event stream, beside the server. */
  private async listenInspector(): Promise<void> {
    if (!this.inspector.enabled) return;
    const bind = this.config.get('inspect-bind')!;
    const port = this.config.getInt('inspect-port');
    this.inspector.server = `${this.config.get('bind')!.split(' ')[0]!.replace(/^-/, '')}:${this.port}`;
    // Loaded only here: its WebSocket and HTTP stacks cost every other start-up ~10 ms of CPU.
    const { InspectorEndpoint } = await import('../inspector/endpoint.js');
    const endpoint = new InspectorEndpoint(this.inspector, PAGE_ROOTS, this.log);
    try {
      await endpoint.listen(bind, port);
    } catch (e) {
      this.log.warning(`Failed listening on inspect port ${port} (${bind}): ${strerror(e as Error)}, aborting.`);
      await this.closeListeners();
      throw new ListenError(`Failed listening on inspect port ${port}`);
    }
    this.inspectorEndpoint = endpoint;
    this.log.notice(`Inspector: watch the statecharts at http://${bind.includes(':') ? `[${bind}]` : bind}:${endpoint.port}/`);
  }

  // listenToPort
  /**
   * Listens on port at every bind address, all or none (an optional `-` address that does not
   * exist here is skipped); port 0 takes a free port, the same for all. False, with the reason
   * logged, when one fails.
   */
  private listenTcp(): boolean {
    const port = this.config.getInt('port');
    const backlog = this.config.getInt('tcp-backlog');
    const handles: TcpHandle[] = [];
    let bound = port;
    for (const spec of this.config.get('bind')!.split(' ')) {
      const optional = spec.startsWith('-');
      const host = spec.replace(/^-/, '').replace(/^\*$/, '0.0.0.0').replace(/^::\*$/, '::');
      const h = bindTcp(host, bound, backlog);
      if (!(h instanceof Error)) {
        handles.push(h);
        bound = boundPort(h);
        continue;
      }
      if (optional && (h.code === 'EADDRNOTAVAIL' || h.code === 'EAFNOSUPPORT')) continue;
      this.log.warning(`Warning: Could not create server TCP listening socket ${host}:${port}: bind: ${strerror(h)}`);
      for (const taken of handles) taken.close();
      return false;
    }
    this.tcpListeners = handles.map((h) => this.serve(h));
    this.port = bound;
    return true;
  }

  // changeBindAddr, changeListenPort
  /**
   * CONFIG SET port or bind: the TCP listeners closed, then made again from the config (their
   * clients stay). False when the new ones cannot all listen: then there are none, until the
   * caller puts the old values back and calls this again, as Redis's config rollback does.
   */
  rebind(): boolean {
    for (const l of this.tcpListeners) l.close();
    this.tcpListeners = [];
    if (this.listenTcp()) return true;
    this.log.warning('Failed to bind');
    return false;
  }

  /**
   * A listener's net.Server: connections accepted paused, and half-open (a client's end closes
   * its connection through SocketStream.end(), not node's shutdown first).
   */
  private netServer(unix: boolean): NetServer {
    return createServer({ noDelay: true, pauseOnConnect: true, allowHalfOpen: true }, (socket) => this.accept(socket, unix));
  }

  /** A net.Server for a TCP handle already listening. */
  private serve(handle: TcpHandle): NetServer {
    return this.netServer(false).listen(handle as unknown as object);
  }

  /** The unix socket's listener (TCP ones are made at once: listenTcp). */
  private listenOn(where: ListenOptions): Promise<NetServer> {
    return new Promise((resolve, reject) => {
      const srv = this.netServer(true);
      srv.once('error', reject);
      srv.listen(where, () => {
        srv.off('error', reject);
        resolve(srv);
      });
    });
  }

  private accept(socket: Socket, unix: boolean): void {
    this.stats.connectionsReceived++;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const keepalive = this.config.getInt('tcp-keepalive');
    if (keepalive > 0 && !unix) socket.setKeepAlive(true, keepalive * 1000);
    // Accepted paused: the stream reads into the shared buffer from its start() on.
    const stream = new SocketStream(socket, true);
    const client = new Client(this, stream, unix);
    if (this.clients.size >= this.config.getInt('maxclients')) {
      this.stats.rejectedConnections++;
      client.reply.error('ERR max number of clients reached');
      client.closeAfterReply = true;
      client.flush();
      stream.start(); // to see the peer close
      return;
    }
    this.clients.set(client.id, client);
    client.start();
  }

  /** serverCron: the LRU clock, eviction, active expiry and rehashing, blocked clients' deadlines, idle-client timeouts, save points. */
  private cron(): void {
    // A script past busy-reply-threshold keeps the dataset to itself, as Redis's frozen cron does.
    if (this.scripting.busy !== null || this.cronPaused) return;
    this.memory.cron();
    this.clientLimits.cron(this.clients.values(), Date.now());
    const started = performance.now();
    this.keyspace.activeExpire(1000 / this.config.getInt('hz'), this.config.getInt('active-expire-effort'));
    this.latency.event('expire-cycle', performance.now() - started);
    if (this.config.getBool('activerehashing')) this.keyspace.rehashSome(1);
    // An expired stream answers the XREADGROUPs waiting on it.
    if (this.keyspace.readyKeys.length > 0) this.blocking.handleReadyKeys();
    sampleInstantaneousMetrics(this);
    const now = Date.now();
    // checkClientPauseTimeoutAndReturnIfPaused: a pause past its end lets its clients go.
    void this.pause.paused;
    this.blocking.expireTimeouts(now);
    if (this.tracking.clients > 0) this.tracking.limitUsedSlots(this.config.getInt('tracking-table-max-keys'));
    const timeout = this.config.getInt('timeout');
    if (timeout > 0) {
      for (const c of this.clients.values()) {
        if (now - c.lastInteraction > timeout * 1000 && c.multi === null && c.waiting === null && !c.inPubSub && !c.isMaster) {
          this.log.verbose('Closing idle client');
          c.close();
        }
      }
    }
    this.persistence.cron();
    this.replication.cron(Date.now());
    this.shutdown.cron(Date.now());
  }

  /** Stops listening and drops every client, without saving. */
  async close(): Promise<void> {
    // First, as Redis's exit closes its listeners before the process's end drops its clients: a
    // client that reconnects once its connection closed is refused, not accepted and dropped.
    const listenersClosed = this.closeListeners();
    this.replicaLink?.stop();
    this.replication.snapshotter.abort();
    this.replication.writeStream();
    this.replication.disconnectReplicas();
    this.persistence.abortBgsave();
    this.scripting.close();
    this.migrateConnections.close();
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    this.cronTimer = null;
    this.memory.close();
    for (const c of [...this.clients.values()]) {
      c.flush();
      c.close();
    }
    // As the process's exit would close them: a listener's close waits for all its connections.
    for (const s of this.sockets) s.destroy();
    await listenersClosed;
    await this.inspectorEndpoint?.close();
    this.inspectorEndpoint = null;
  }

  private async closeListeners(): Promise<void> {
    const ls = [...this.tcpListeners, ...this.listeners];
    this.tcpListeners = [];
    this.listeners = [];
    await Promise.all(ls.map((l) => new Promise<void>((r) => l.close(() => r()))));
  }
}

/**
 * bind's strerror for a unix socket: libuv reports a missing directory (ENOENT) as EACCES, as
 * Windows would, where redis-server's bind says what it is.
 */
function unixBindError(e: Error, path: string): string {
  if ((e as NodeJS.ErrnoException).code === 'EACCES' && !existsSync(dirname(path))) return 'No such file or directory';
  return strerror(e);
}
