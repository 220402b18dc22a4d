// Blocked clients (blocked.c): a client that waits for an answer without blocking the server.
//
// The API, for every command that waits (BLPOP and its family, XREAD BLOCK, WAIT):
//
//   blockForKeys(c, keys, deadline, serve, timedOut)   // the usual form of what follows
//   if (!mayBlock(c)) { answer as the timeout would, at once }   // inside MULTI/EXEC, scripts
//   c.server.blocking.block(c, {
//     db, keys,          // the keys it waits on in db, served in arrival order; [] for WAIT
//     deadline,          // unix ms from timeoutArg(); 0 waits forever
//     serve(key),        // a key it waits on is ready: answer c (write its reply, name the
//                        // effect to propagate with c.propagateAs) and return true, or
//                        // return false to go on waiting
//     timedOut(),        // answer c as the deadline passing does (also CLIENT UNBLOCK TIMEOUT)
//     unblockOnNoKey,    // optional: serve(key) is also offered a key that was deleted
//   });                  //   (XREADGROUP, answered with an error then)
//   c.server.blocking.unblock(c)     // ends a wait its owner answered itself (WAIT's acks)
//
// While a client waits, the commands it pipelined after the blocking one stay unparsed in its
// query buffer; they run once it has been answered, after the current event-loop turn (as
// Redis's processUnblockedClients does in beforeSleep). A key becomes ready when a command
// creates, replaces or deletes it (Db) or says so (Db.signalKeyAsReady: XADD); its queue is
// served after the command that made it ready returns, so after EXEC for a transaction
// (handleClientsBlockedOnKeys), or after the cron's active expiry. What a serve propagates
// leaves as one unit, in MULTI/EXEC when it is several commands (afterCommand).
// Deadlines are checked from serverCron. A client that disconnects leaves its queues.
import type { Client } from './client.js';
import type { Command } from '../commands/command.js';
import { alsoPropagate } from '../commands/dispatch.js';
import type { Db } from '../store/db.js';
import { longDoubleMillis, parseLongDouble } from '../store/floats.js';
import { parseInteger } from '../store/numbers.js';
import type { Server } from './server.js';
import { serverState } from '../commands/server-state.js';
import { lookupCommand } from '../commands/table.js';

// updateStatsOnUnblock's had_errors
/** A blocked command answered with an error at its unblocking counts as a failed call of it. */
function failedOnUnblock(c: Client): void {
  const cmd = lookupCommand(c.lastCommand);
  if (cmd !== undefined) cmd.stats.failed++;
}

/** What a blocked client waits for, and how it is answered. */
export interface Wait {
  readonly db: Db;
  readonly keys: readonly string[];
  /** Unix ms after which timedOut() answers; 0: never. */
  readonly deadline: number;
  serve(key: string): boolean;
  timedOut(): void;
  /** Set for a client held by a client pause (pause.ts): the command it runs again once unblocked. */
  readonly postponed?: string[];
  /** Offered its keys when they are gone, too (blocking_keys_unblock_on_nokey). */
  readonly unblockOnNoKey?: boolean;
  /** The call that blocked and how long it ran (whole µs), set by call() when it was timed: logged once served. */
  ran?: { cmd: Command; argv: readonly string[]; us: number };
}

const NOT_FLOAT = 'ERR timeout is not a float or out of range';
const NOT_INTEGER = 'ERR timeout is not an integer or out of range';

/**
 * getTimeoutFromObjectOrReply: a blocking command's timeout argument as a deadline (0 for
 * none), in seconds (fractions allowed) or milliseconds; null after replying the error.
 */
export function timeoutArg(c: Client, arg: string, unit: 'seconds' | 'ms'): number | null {
  let ms: bigint;
  if (unit === 'seconds') {
    const v = parseLongDouble(arg);
    if (v === null) return fail(c, NOT_FLOAT);
    // In long double arithmetic: a double rounded 9223372036854775 s up past 2^63 ms.
    ms = longDoubleMillis(v);
  } else {
    const v = parseInteger(arg);
    if (v === null) return fail(c, NOT_INTEGER);
    ms = BigInt(v);
  }
  if (ms < 0n) return fail(c, 'ERR timeout is negative');
  if (ms === 0n) return 0;
  // Redis adds the time to the int64 and it wraps past LLONG_MAX: its timeout table (keyed
  // unsigned) never reaches that deadline, and the client waits for its keys alone.
  const deadline = ms + BigInt(Date.now());
  return deadline >= 2n ** 63n ? 0 : Number(deadline);
}

function fail(c: Client, msg: string): null {
  c.reply.error(msg);
  return null;
}

/**
 * Whether c may wait: not while EXEC runs its transaction, nor a pseudo-client (a master's
 * stream, a script), which answer as if the timeout had passed (CLIENT_DENY_BLOCKING).
 */
export function mayBlock(c: Client): boolean {
  return !c.inExec && c.stream !== null;
}

/**
 * A command that found nothing to answer with waits for keys: blocks c unless it may not
 * block, in which case it is answered at once as a timeout answers it.
 */
export function blockForKeys(
  c: Client, keys: readonly string[], deadline: number, serve: (key: string) => boolean, timedOut: () => void,
  unblockOnNoKey = false,
): void {
  if (!mayBlock(c)) return timedOut();
  c.server.blocking.block(c, { db: c.db, keys, deadline, serve, timedOut, unblockOnNoKey });
}

/** The server's blocked clients: their key queues live in each Db, their deadlines here. */
export class Blocking {
  /** Every blocked client (server.blocked_clients). */
  private readonly blocked = new Set<Client>();
  /** Those with a deadline (clients_timeout_table). */
  private readonly timed = new Set<Client>();

  constructor(private readonly server: Server) {}

  get count(): number {
    return this.blocked.size;
  }

  get withTimeout(): number {
    return this.timed.size;
  }

  /** blockForKeys: c waits; its next commands are held until it is answered. */
  block(c: Client, wait: Wait): void {
    c.waiting = wait;
    this.blocked.add(c);
    if (wait.deadline > 0) this.timed.add(c);
    for (const key of wait.keys) {
      let queue = wait.db.blockingKeys.get(key);
      if (queue === undefined) wait.db.blockingKeys.set(key, (queue = new Set()));
      queue.add(c);
    }
  }

  /**
   * unblockClient: ends c's wait (its answer already written) and lets its next commands run;
   * a command held by a pause runs again first.
   */
  unblock(c: Client): void {
    const rerun = c.waiting?.postponed ?? null;
    if (!this.forget(c)) return;
    c.wake(rerun);
  }

  // disconnectAllBlockedClients
  /**
   * The server turns replica: each client a blocking command holds is told so and closed once
   * told. Those a pause holds stay: their command runs again from scratch once unpaused.
   */
  disconnectAll(): void {
    for (const c of [...this.blocked]) {
      if (c.waiting?.postponed !== undefined) continue;
      c.reply.error('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
      c.closeAfterReply = true;
      this.unblock(c);
    }
  }

  // unblockPostponedClients
  /** The clients a pause held go again, in the order they were held. */
  unblockPostponed(): void {
    for (const c of [...this.blocked]) if (c.waiting?.postponed !== undefined) this.unblock(c);
  }

  /** A blocked client went away: it leaves every queue, with nothing to answer. */
  drop(c: Client): void {
    this.forget(c);
  }

  /**
   * CLIENT UNBLOCK: answers c as its timeout would, or with an error; false when c was not
   * blocked, or is held by a pause (which Redis 7.0 answers with a crash for TIMEOUT).
   */
  unblockOnRequest(c: Client, withError: boolean): boolean {
    const wait = c.waiting;
    if (wait === null || wait.postponed !== undefined) return false;
    if (withError) c.reply.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    else wait.timedOut();
    // Redis 7.0 counts it a failed call either way (updateStatsOnUnblock's had_errors is 1).
    failedOnUnblock(c);
    this.unblock(c);
    return true;
  }

  /**
   * handleClientsBlockedOnKeys: serves the queues of the keys signalled ready, each in arrival
   * order, every client offered its key while the key is there (and, gone, those that asked
   * to be told); serving may ready more keys (BLMOVE's destination), served in the same call.
   */
  handleReadyKeys(): void {
    const ks = this.server.keyspace;
    while (ks.readyKeys.length > 0) {
      const ready = ks.readyKeys;
      ks.readyKeys = [];
      for (const { db, key } of ready) {
        db.readyKeys.delete(key);
        const queue = db.blockingKeys.get(key);
        if (queue === undefined) continue;
        for (const c of queue) {
          if (db.dict.find(key) < 0 && c.waiting!.unblockOnNoKey !== true) continue;
          if (this.serve(c, key)) this.unblock(c);
        }
      }
    }
  }

  /**
   * Offers key to c's wait. What serving changed propagates as call() would propagate it:
   * the effect the serve named with c.propagateAs, once the dataset moved.
   */
  private serve(c: Client, key: string): boolean {
    const ks = this.server.keyspace;
    const repl = this.server.replication;
    const wait = c.waiting!;
    const dirty = ks.dirty;
    const errors = serverState(this.server).totalErrorReplies;
    c.propagateArgv = undefined;
    let served: boolean;
    const started = wait.ran === undefined ? 0 : performance.now();
    // The served client is the current one (server.current_client): its own invalidations wait
    // for its reply (afterCommand), as its command's would.
    const tracking = this.server.tracking;
    const outer = tracking.current;
    tracking.current = c;
    repl.callDepth++;
    try {
      served = wait.serve(key);
    } finally {
      repl.callDepth--;
      tracking.afterCommand();
      tracking.current = outer;
    }
    if (ks.dirty > dirty && Array.isArray(c.propagateArgv)) alsoPropagate(c, wait.db.id, c.propagateArgv);
    else repl.propagatePending();
    c.propagateArgv = undefined;
    if (served && wait.ran !== undefined) this.servedStats(c, wait.ran, Math.floor((performance.now() - started) * 1000));
    if (served && serverState(this.server).totalErrorReplies > errors) failedOnUnblock(c);
    return served;
  }

  // updateStatsOnUnblock
  /**
   * A served client's command goes to LATENCY HISTOGRAM and the slow log with the time of the
   * call that blocked plus the serving's, not the time it waited; the serving is a
   * command-unblocking latency sample.
   */
  private servedStats(c: Client, ran: NonNullable<Wait['ran']>, replyUs: number): void {
    const latency = this.server.latency;
    if (latency.tracking) ran.cmd.stats.recordLatency(ran.us + replyUs);
    this.server.slowlog.consider(c, ran.cmd, ran.argv, ran.us + replyUs);
    latency.unblockingRan(replyUs);
  }

  /** handleBlockedClientsTimeout, from serverCron: answers every wait past its deadline. */
  expireTimeouts(now: number): void {
    for (const c of this.timed) {
      const wait = c.waiting!;
      if (wait.deadline > now) continue;
      wait.timedOut();
      this.unblock(c);
    }
  }

  /** Takes c out of every queue and set; false when it was not blocked. */
  private forget(c: Client): boolean {
    const wait = c.waiting;
    if (wait === null) return false;
    c.waiting = null;
    this.blocked.delete(c);
    this.timed.delete(c);
    for (const key of wait.keys) {
      const queue = wait.db.blockingKeys.get(key);
      if (queue === undefined) continue;
      queue.delete(c);
      if (queue.size === 0) wait.db.blockingKeys.delete(key);
    }
    return true;
  }
}
