// SYNC PSYNC REPLCONF WAIT ROLE MONITOR (replication.c's commands, master side).
import type { Client } from '../actors/client.js';
import { newReplConf, ReplicaClient, replicaName } from '../actors/replica-client.js';
import { replicationUnsetMaster } from '../actors/replica-link.js';
import { splitArgs } from '../io/split-args.js';
import { parseInteger } from '../store/numbers.js';
import { argvBytes, intArg, is, rangeArg } from './args.js';
import { clientInfoString } from './client-cmd.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';
import { replicaRole } from './replicaof.js';

// syncCommand
/** SYNC and PSYNC: a partial resync from the backlog when possible, else a full one. */
function syncCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const repl = server.replication;
  if (c.replica !== null) return;
  // A master failing over to us: its replid is ours, and it continues from us as our replica.
  if (argv.length > 3 && is(argv[0]!, 'PSYNC') && is(argv[3]!, 'FAILOVER')) {
    if (argv[1] !== repl.replid) return c.reply.error('ERR PSYNC FAILOVER replid must match my replid.');
    server.log.warning(`Failover request received for replid ${argv[1]}.`);
    replicationUnsetMaster(server);
    server.log.notice(`MASTER MODE enabled (failover request from '${clientInfoString(c, argvBytes(argv))}')`);
  }
  if (server.failover !== null) return c.reply.error("NOMASTERLINK Can't SYNC while failing over");
  if (server.isReplica && !server.replicaLinkUp) {
    return c.reply.error("NOMASTERLINK Can't SYNC while not connected with my master");
  }
  if (c.reply.pending > 0) return c.reply.error('ERR SYNC and PSYNC are invalid with pending output');
  const conf = c.replconf ?? newReplConf();
  // A filtered payload is made for its replica's socket alone, never into the dump file.
  if (conf.payload !== 'all' && !conf.capaEof) return c.reply.error('ERR Filtered replica requires EOF capability');
  server.log.notice(`Replica ${replicaName(c, conf)} asks for synchronization`);
  const psync = is(argv[0]!, 'PSYNC');
  if (psync) {
    const offset = parseInteger(argv[2]!);
    if (offset === null) {
      server.log.warning(`Replica ${replicaName(c, conf)} asks for synchronization but with a wrong offset`);
      return c.reply.error(ERR.notInteger);
    }
    if (tryPartialResynchronization(c, argv[1]!, Number(offset))) {
      repl.stats.syncPartialOk++;
      return;
    }
    if (argv[1] !== '?') repl.stats.syncPartialErr++;
  }
  repl.stats.syncFull++;
  const r = attach(c, !psync);
  r.tell({ type: 'FULLRESYNC' });
  repl.snapshotter.request(r);
}

/** The client becomes a replica (CLIENT_SLAVE): the first one brings the backlog. */
function attach(c: Client, oldSync: boolean): ReplicaClient {
  const server = c.server;
  const repl = server.replication;
  if (server.config.getBool('repl-disable-tcp-nodelay')) c.stream?.socket.setNoDelay(false);
  const r = new ReplicaClient(c, c.replconf ?? newReplConf(), oldSync);
  c.replica = r;
  c.reply.onError = server.linkErrorReply(c);
  repl.addReplica(r);
  if (repl.replicas.size === 1 && repl.backlog === null) {
    repl.changeReplicationId();
    repl.clearReplicationId2();
    repl.createBacklogIfNeeded();
    server.log.notice(`Replication backlog created, my new replication IDs are '${repl.replid}' and '${repl.replid2}'`);
  }
  return r;
}

// masterTryPartialResynchronization
/**
 * +CONTINUE and the backlog from offset, when id names this server's history (replid, or
 * replid2 up to second_repl_offset) and the backlog holds every byte from offset on.
 */
function tryPartialResynchronization(c: Client, id: string, offset: number): boolean {
  const server = c.server;
  const repl = server.replication;
  const log = server.log;
  const conf = c.replconf ?? newReplConf();
  const name = replicaName(c, conf);
  if (id !== repl.replid && (id !== repl.replid2 || offset > repl.secondReplOffset)) {
    if (id === '?') {
      log.notice(`Full resync requested by replica ${name}`);
    } else if (id !== repl.replid && id !== repl.replid2) {
      log.notice(`Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${id}', my replication IDs are '${repl.replid}' and '${repl.replid2}')`);
    } else {
      log.notice(`Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${repl.secondReplOffset}`);
    }
    return false;
  }
  const backlog = repl.backlog;
  if (backlog === null || !backlog.covers(offset)) {
    log.notice(`Unable to partial resync with replica ${name} for lack of backlog (Replica request was: ${offset}).`);
    if (offset > repl.masterReplOffset) {
      log.warning(`Warning: replica ${name} tried to PSYNC with an offset that is greater than the master replication offset.`);
    }
    return false;
  }
  const r = attach(c, false);
  c.writeUncounted(conf.capaPsync2 ? `+CONTINUE ${repl.replid}\r\n` : '+CONTINUE\r\n');
  const pieces = backlog.read(offset);
  let sent = 0;
  for (const p of pieces) {
    c.reply.chunk(p);
    sent += p.length;
  }
  r.psyncInitialOffset = repl.masterReplOffset;
  r.tell({ type: 'CONTINUE', now: Date.now() });
  log.notice(`Partial resynchronization request from ${name} accepted. Sending ${sent} bytes of backlog starting from offset ${offset}.`);
  return true;
}

// replconfCommand
/** The replica's side of the handshake, and its ACKs (which get no reply). */
function replconfCommand(c: Client, argv: string[]): void {
  if (argv.length % 2 === 0) return c.reply.error(ERR.syntax);
  const conf = (c.replconf ??= newReplConf());
  for (let j = 1; j < argv.length; j += 2) {
    const opt = argv[j]!.toLowerCase();
    const val = argv[j + 1]!;
    if (opt === 'listening-port') {
      const port = intArg(c, val);
      if (port === null) return;
      conf.listeningPort = port;
    } else if (opt === 'ip-address') {
      if (val.length >= 256) {
        return c.reply.error(`ERR REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`);
      }
      conf.ipAddress = val;
    } else if (opt === 'capa') {
      if (is(val, 'EOF')) conf.capaEof = true;
      else if (is(val, 'PSYNC2')) conf.capaPsync2 = true;
    } else if (opt === 'rdb-only') {
      const only = rangeArg(c, val, 0n, 1n);
      if (only === null) return;
      conf.rdbOnly = only === 1;
    } else if (opt === 'rdb-filter-only') {
      // Include filters: the keys are left out, and the functions too unless named.
      const filters = splitArgs(val);
      if (filters === null) return c.reply.error('ERR Missing rdb-filter-only values');
      const bad = filters.find((f) => f.toLowerCase() !== 'functions');
      if (bad !== undefined) return c.reply.error(`ERR Unsupported rdb-filter-only option: ${bad}`);
      conf.payload = filters.length > 0 ? 'functions' : 'none';
    } else if (opt === 'ack') {
      const r = c.replica;
      const offset = parseInteger(val);
      if (r === null || offset === null) return;
      c.server.replication.acked(r, Math.max(Number(offset), r.ackOffset));
      return;
    } else if (opt === 'getack') {
      c.server.replication.onGetAck?.();
      return;
    } else {
      return c.reply.error(`ERR Unrecognized REPLCONF option: ${argv[j]}`);
    }
  }
  c.reply.ok();
}

// waitCommand
/** WAIT numreplicas timeout: holds the client until enough replicas acked its last write. */
function waitCommand(c: Client, argv: string[]): void {
  const server = c.server;
  if (server.isReplica) {
    return c.reply.error('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
  }
  const wanted = intArg(c, argv[1]!);
  if (wanted === null) return;
  const timeout = parseInteger(argv[2]!);
  if (timeout === null) return c.reply.error('ERR timeout is not an integer or out of range');
  if (timeout < 0) return c.reply.error('ERR timeout is negative');
  server.replication.wait(c, wanted, Number(timeout));
}

// roleCommand
function roleCommand(c: Client): void {
  if (replicaRole(c)) return;
  const repl = c.server.replication;
  const online = [...repl.replicas].filter((r) => r.state === 'online');
  c.reply.array(3);
  c.reply.bulk('master');
  c.reply.integer(repl.masterReplOffset);
  c.reply.array(online.length);
  for (const r of online) {
    c.reply.array(3);
    c.reply.bulk(r.ip);
    c.reply.bulk(String(r.conf.listeningPort));
    c.reply.bulk(String(r.ackOffset));
  }
}

// monitorCommand
function monitorCommand(c: Client): void {
  if (c.replica !== null) return;
  c.server.replication.monitors.add(c);
  c.reply.ok();
}

const ADMIN_SYNC = ['admin', 'noscript', 'no_async_loading', 'no_multi'] as const;

export const replicationCommands: CommandSpec[] = [
  { name: 'sync', arity: 1, flags: [...ADMIN_SYNC], acl: ['admin', 'slow', 'dangerous'], run: syncCommand },
  { name: 'psync', arity: -3, flags: [...ADMIN_SYNC], acl: ['admin', 'slow', 'dangerous'], run: syncCommand },
  {
    name: 'replconf', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'],
    acl: ['admin', 'slow', 'dangerous'], run: replconfCommand,
  },
  { name: 'wait', arity: 3, flags: ['noscript'], acl: ['slow', 'connection'], run: waitCommand },
  { name: 'role', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast'], acl: ['admin', 'fast', 'dangerous'], run: roleCommand },
  {
    name: 'monitor', arity: 1, flags: ['admin', 'noscript', 'loading', 'stale'], acl: ['admin', 'slow', 'dangerous'],
    run: monitorCommand,
  },
];
