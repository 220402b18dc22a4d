// processCommand and call: the one path every command takes, from a client socket, a
// MULTI/EXEC or (later) a master's replication stream. It checks what Redis checks, in
// Redis's order, then runs the command and counts it.
// The global `performance` is a lazy accessor: each read of it calls a getter.
import { performance } from 'node:perf_hooks';
import type { Client } from '../actors/client.js';
import type { Server } from '../actors/server.js';
import { checkAcl, nopermReply } from './acl-check.js';
import { Denial } from './acl-users.js';
import { argvBytes } from './args.js';
import type { CallFlags, Command } from './command.js';
import { allowProtectedAction, protectedRefusal } from './config-cmd.js';
import { cstr, ERR } from './errors.js';
import { BUSY_EVAL, BUSY_FUNCTION } from '../scripting/engine.js';
import { serverState } from './server-state.js';
import { redactedArgv } from './slowlog.js';
import { effectiveCommand } from './subcommands.js';
import { lookupCommand } from './table.js';
import { discardTransaction } from './transactions.js';

/** Commands that run at once inside MULTI instead of being queued. */
const MULTI_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** Commands that a client in MULTI may send while out of memory (EXEC unless it holds denyoom commands). */
const MULTI_OOM_ALLOWED = new Set(['exec', 'discard', 'quit', 'reset']);

export const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

/** What a subscribed RESP2 client may still send (RESP3 has no such limit). */
const PUBSUB_CONTEXT = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe',
  'punsubscribe', 'quit', 'reset']);

export const MISCONF = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  'Commands that may modify the data set are disabled, because this instance is configured to report errors during ' +
  'writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details ' +
  'about the RDB error.';

const READONLY = "READONLY You can't write against a read only replica.";
export const MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
export const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
export const LOADING = 'LOADING Redis is loading the dataset in memory';

export function execute(c: Client, argv: string[]): void {
  const cmd = lookupCommand(argv[0]!);
  if (cmd === undefined) {
    // lastcmd is NULL: CLIENT LIST says cmd=NULL.
    c.lastCommand = 'NULL';
    reject(c, unknownCommand(argv));
    return;
  }
  c.lastCommand = cmd.name;
  if ((cmd.arity > 0 && argv.length !== cmd.arity) || argv.length < -cmd.arity) {
    reject(c, ERR.arity(cmd.name), cmd);
    return;
  }
  const refused = cmd.check?.(argv) ?? null;
  if (refused !== null) {
    reject(c, refused, cmd);
    return;
  }
  // The subcommand's flags and counters for a container's call.
  const real = effectiveCommand(cmd, argv);
  if (real.protectedBy !== undefined && !allowProtectedAction(c, c.server.config.get(real.protectedBy)!)) {
    reject(c, protectedRefusal(real.protectedBy), real);
    return;
  }
  const tracking = c.server.tracking;
  if (tracking.clients > 0) tracking.limitUsedSlots(c.server.config.getInt('tracking-table-max-keys'));
  const flags = callFlags(c, cmd, real, argv);
  // A master's stream is obeyed: none of the checks below apply to it (mustObeyClient).
  const refusal = c.isMaster ? null : refuse(c, cmd, real, argv, flags);
  // processCommand's evictClients dropped this very client: the command does not run.
  if (!c.isMaster && c.closed) return;
  if (refusal !== null) {
    reject(c, refusal, real);
    return;
  }
  if (flags.write && !c.isMaster && c.server.replication.tooFewReplicas()) {
    reject(c, NOREPLICAS, real);
    return;
  }
  if (c.inPubSub && !c.reply.resp3 && !PUBSUB_CONTEXT.has(cmd.name)) {
    reject(c, `ERR Can't execute '${real.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`, real);
    return;
  }
  // Replicas are never paused; a held command runs again once the pause ends.
  if (c.server.pause.type !== 'off' && c.server.pause.holds(c, flags)) {
    c.server.pause.postpone(c, argv);
    return;
  }
  if (c.multi !== null && !MULTI_CONTROL.has(cmd.name)) {
    if (cmd.noMulti) {
      reject(c, 'ERR Command not allowed inside a transaction', cmd);
      return;
    }
    c.multi.queue.push(argv);
    c.multi.bytes += argvBytes(argv);
    const m = c.multi;
    m.denyOom ||= flags.denyOom;
    m.write ||= flags.write;
    m.denyStale ||= !flags.stale;
    m.mayReplicate ||= flags.mayReplicate;
    c.reply.simple('QUEUED');
    return;
  }
  call(c, cmd, argv);
  // Not while a script runs past busy-reply-threshold (isInsideYieldingLongCommand): what it made
  // ready is served once it ends, with its last writes.
  if (c.server.keyspace.readyKeys.length > 0 && c.server.scripting.busy === null) c.server.blocking.handleReadyKeys();
}

/**
 * getCommandFlags: a script's declared flags stand in for its EVAL's or FCALL's own; EXEC
 * takes its queued commands' (mstate.cmd_flags): a write or denyoom if any of them is, stale
 * only if all of them are.
 */
function callFlags(c: Client, cmd: Command, real: Command, argv: string[]): CallFlags {
  if (real.declaredFlags !== undefined) return real.declaredFlags(c, argv) ?? real.callFlags;
  const m = c.multi;
  if (m === null || cmd.name !== 'exec') return real.callFlags;
  return { write: m.write, denyOom: m.denyOom, stale: !m.denyStale, mayReplicate: m.mayReplicate };
}

/** processCommand's stale check: a replica whose link is down, told not to serve stale data. */
export function runningStale(server: Server): boolean {
  const link = server.replicaLink;
  return link !== null && !link.linkUp && !server.config.getBool('replica-serve-stale-data');
}

/**
 * processCommand's maxmemory rule: out of memory, a command that may grow memory is refused,
 * and so is anything a client in MULTI would queue; EXEC only when it holds such a command.
 */
function rejectsOnOom(c: Client, cmd: Command, flags: CallFlags): boolean {
  if (flags.denyOom) return true;
  if (c.multi === null || cmd.name === 'exec') return false;
  return !MULTI_OOM_ALLOWED.has(cmd.name);
}

/**
 * processCommand's checks, in Redis's order: the error a client gets, or null. A container's
 * subcommand is judged by its own flags (FUNCTION LOAD is a denyoom write, FUNCTION LIST not).
 */
function refuse(c: Client, cmd: Command, real: Command, argv: string[], flags: CallFlags): string | null {
  const server = c.server;
  if (!c.authenticated && !cmd.noAuth) return ERR.noAuth;
  if (!c.user.unrestricted) {
    const denial = checkAcl(c, c.user, real, argv, c.multi !== null ? 'multi' : 'toplevel');
    if (denial !== Denial.None) return nopermReply(denial, real);
  }
  // evictClients: after the last command's replies grew its client, before key eviction. The
  // client counts with this command's arguments: the read that completed them runs it before
  // the count that follows a read, and the count after the read before had only part of them.
  const limits = server.clientLimits;
  if (limits.evicting) {
    limits.track(c, argvBytes(argv));
    if (limits.evictClients() && c.closed) return null;
  }
  // Not while a script runs past busy-reply-threshold: its pre-command state is its own.
  if (server.memory.maxmemory > 0 && server.scripting.busy === null) {
    const outOfMemory = server.memory.performEvictions(argvBytes(argv)) === 'fail';
    if (outOfMemory && rejectsOnOom(c, real, flags)) return OOM;
    // pre_command_oom_state: a script's first write is refused when it started out of memory.
    server.memory.preCommandOom = outOfMemory;
  }
  if ((flags.write || cmd.name === 'ping') && server.persistence.writesDeniedByDiskError) return MISCONF;
  if (server.replicaLink !== null) {
    if (flags.write && server.config.getBool('replica-read-only')) return READONLY;
    if (!flags.stale && runningStale(server)) return MASTERDOWN;
  }
  const p = server.persistence;
  if (p.loading === 1 && (p.asyncLoading ? real.noAsyncLoading : !real.allowsLoading)) return LOADING;
  const busy = server.scripting.busy;
  if (busy !== null && !cmd.allowBusy && !real.allowBusy) return busy.isEval ? BUSY_EVAL : BUSY_FUNCTION;
  return null;
}

/**
 * call(): runs a command that passed the checks, counts it for INFO, and propagates what it
 * did. Propagation is decided here, for every command alike: a command that changed the
 * dataset (the keyspace's dirty counter moved) goes to the replication stream as its argv,
 * unless it named what to send instead with c.propagateAs(argv) (a deterministic rewrite:
 * SET EX -> SET PXAT) or c.preventPropagation() (it sent its effects itself through
 * alsoPropagate, or they must not leave); c.forcePropagation() sends it even when nothing
 * changed (FLUSHALL of an empty dataset). Effects queued during a call (expired keys' DELs,
 * EXEC's commands) leave when the outermost call ends, in MULTI/EXEC when there are several.
 * Commands a master link applies are never propagated: the replica side feeds their raw
 * bytes on (Replication.feedFromMaster).
 */
export function call(c: Client, cmd: Command, argv: string[]): void {
  const server = c.server;
  const repl = server.replication;
  const ks = server.keyspace;
  const state = serverState(server);
  state.prevErrorReplies = state.totalErrorReplies;
  const dirty = ks.dirty;
  const offset = repl.masterReplOffset;
  const started = cmd.stats.start();
  const latency = server.latency;
  const timed = started >= 0 ? started : latency.tracking || server.slowlog.times(cmd) || latency.times(cmd) ? performance.now() : -1;
  c.lastCommand = cmd.name;
  c.propagateArgv = undefined;
  c.propagateForced = false;
  const tracking = server.tracking;
  if (repl.callDepth === 0) {
    tracking.current = c;
    ks.enterCall(true);
  }
  // "keymiss" is a read's miss (lookupKeyRead): reads and the sources of the STORE commands.
  if (ks.onMiss !== null) ks.readLookups = readsKeys(effectiveCommand(cmd, argv));
  repl.callDepth++;
  try {
    cmd.run(c, argv);
  } catch (e) {
    server.log.warning(`Command ${cmd.name} failed: ${e instanceof Error ? e.stack : String(e)}`);
    c.reply.error(`ERR ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    repl.callDepth--;
    if (repl.callDepth === 0) ks.enterCall(false);
  }
  // trackingRememberKeys: a read of a tracking client (not BCAST) caches its keys.
  if (c.tracking !== null && !c.tracking.bcast) tracking.remember(c, cmd, argv);
  else if (c.isScript) server.scripting.rememberCallerKeys(cmd, argv);
  if (state.totalErrorReplies > state.prevErrorReplies) cmd.stats.failed++;
  state.prevErrorReplies = state.totalErrorReplies;
  const now = timed >= 0 ? performance.now() : 0;
  cmd.stats.finish(started, now);
  // A blocked command is not logged yet: once served, with this call's time and the serving's
  // (updateStatsOnUnblock), never when it times out.
  if (timed >= 0) {
    const real = effectiveCommand(cmd, argv);
    // c->duration: whole microseconds, as every reader takes them; a small integer, it is
    // handed to a call unboxed, where a double duration cost a heap number per command.
    const us = Math.floor((now - timed) * 1000);
    if (c.waiting !== null) c.waiting.ran = { cmd: real, argv, us };
    else {
      if (latency.tracking) real.stats.recordLatency(us);
      if (latency.threshold > 0) latency.commandRan(real, us);
      server.slowlog.consider(c, real, argv, us);
    }
  }
  server.stats.commandsProcessed++;
  if (repl.monitors.size > 0 && !hiddenFromMonitor(cmd, argv)) repl.feedMonitors(c, redactedArgv(effectiveCommand(cmd, argv), argv));
  if ((ks.dirty > dirty || c.propagateForced) && c.propagateArgv !== null && !c.isMaster && c.replicates) {
    repl.alsoPropagate(c.db.id, c.propagateArgv ?? argv);
  } else if (repl.callDepth === 0) {
    repl.propagatePending(cmd.touchesArbitraryKeys);
  }
  if (repl.masterReplOffset !== offset) c.woff = repl.masterReplOffset;
  if (repl.callDepth === 0) tracking.afterCommand();
}

/** Commands that read their source keys as reads do, though they write (lookupKeyRead in a write command). */
const STORE_READS = new Set(['sinterstore', 'sunionstore', 'sdiffstore', 'zunionstore', 'zinterstore', 'zdiffstore',
  'zrangestore', 'sort', 'georadius', 'georadiusbymember', 'geosearchstore', 'copy', 'pfmerge', 'bitop']);

function readsKeys(cmd: Command): boolean {
  return cmd.flags.includes('readonly') || STORE_READS.has(cmd.name);
}

/** A key the server deleted on a command's behalf propagates as DEL, or UNLINK under lazyfree-lazy-server-del. */
export function deletionArgv(c: Client, key: string): string[] {
  return [c.server.config.getBool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key];
}

/** Admin and skip_monitor commands (a container's by its subcommand: CONFIG GET) are not shown to MONITOR. */
function hiddenFromMonitor(cmd: Command, argv: string[]): boolean {
  return cmd.skipMonitor || effectiveCommand(cmd, argv).skipMonitor;
}

// alsoPropagate
/** An effect of the running command to propagate besides (or instead of) its argv. */
export function alsoPropagate(c: Client, dbId: number, argv: string[]): void {
  if (!c.isMaster && c.replicates) c.server.replication.alsoPropagate(dbId, argv);
}

function reject(c: Client, msg: string, cmd?: Command): void {
  if (cmd !== undefined) cmd.stats.rejected++;
  if (c.multi !== null) c.multi.failed = true;
  c.server.stats.rejectedCalls++;
  // execCommandAbort: a refused EXEC ends the transaction, MULTI or not, and says why
  if (cmd?.name === 'exec') {
    discardTransaction(c);
    msg = `EXECABORT Transaction discarded because of: ${msg.startsWith('ERR ') ? msg.slice(4) : msg}`;
  }
  c.reply.error(msg);
}

function unknownCommand(argv: string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${cstr(argv[i]!, 128 - args.length)}' `;
  }
  return `ERR unknown command '${cstr(argv[0]!)}', with args beginning with: ${args}`;
}
