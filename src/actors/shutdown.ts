// A shutdown (server.c prepareForShutdown, finishShutdown, abortShutdown), which since Redis
// 7.0 first lets the replicas catch up: unless NOW, shutdown-timeout 0, or every replica has
// acked the master's offset already, writes pause, the replicas are asked for an ACK, and the
// shutdown waits until they all acked that offset or shutdown-timeout passed (checked by the
// cron). SHUTDOWN's client waits with it; SHUTDOWN ABORT calls it off, and a failed save too.
import type { Wait } from './blocking.js';
import type { Client } from './client.js';
import type { Server } from './server.js';
import { removePidFile } from '../io/pid-file.js';

export interface ShutdownFlags {
  save?: boolean;
  nosave?: boolean;
  now?: boolean;
  force?: boolean;
}

const NO_END = Number.MAX_SAFE_INTEGER;
const FAILED = 'ERR Errors trying to SHUTDOWN. Check logs.';

/** shutdown-on-sigint / shutdown-on-sigterm's value as flags ("default": none). */
export function signalFlags(value: string): ShutdownFlags {
  const words = value.split(' ');
  return { save: words.includes('save'), nosave: words.includes('nosave'), now: words.includes('now'), force: words.includes('force') };
}

export class Shutdown {
  /** Unix ms at which the wait for the replicas ends (shutdown_mstime); 0 while none waits. */
  private deadline = 0;
  private flags: ShutdownFlags = {};
  /** SHUTDOWN's clients, waiting with it (BLOCKED_SHUTDOWN), and their waits. */
  private readonly clients = new Map<Client, Wait>();
  private finished = false;

  constructor(private readonly server: Server) {}

  // prepareForShutdown
  /**
   * Shuts down, or starts waiting for the replicas; `by` is SHUTDOWN's client, which waits
   * with it and hears of a failure. A shutdown already waiting takes no new flags.
   */
  request(flags: ShutdownFlags, by: Client | null = null): void {
    if (this.finished) return;
    if (by !== null) this.block(by);
    if (this.deadline !== 0) return;
    // A save now would write a dataset half loaded (or not yet swapped in) over the file.
    this.flags = this.server.persistence.loading === 1 ? { ...flags, save: false, nosave: true } : flags;
    const server = this.server;
    server.log.warning('User requested shutdown...');
    const timeout = server.config.getInt('shutdown-timeout');
    if (flags.now !== true && timeout !== 0 && !this.replicasInSync()) {
      this.deadline = Date.now() + timeout * 1000;
      if (!server.pause.paused) server.replication.sendGetAck();
      server.pause.pause('shutdown', NO_END, 'write');
      server.log.notice('Waiting for replicas before shutting down.');
      return;
    }
    void this.finish();
  }

  /** INFO's shutdown_in_milliseconds: what is left of the wait for the replicas; null while none waits (isShutdownInitiated). */
  remainingMs(now: number): number | null {
    return this.deadline === 0 ? null : this.deadline - now;
  }

  // abortShutdown
  /** SHUTDOWN ABORT: false when no shutdown waits. */
  abort(): boolean {
    if (this.deadline === 0) return false;
    this.cancel();
    this.server.log.notice('Shutdown manually aborted.');
    return true;
  }

  /** serverCron's part: the wait ends once the replicas are in sync or its time is up. */
  cron(now: number): void {
    if (this.deadline !== 0 && (now >= this.deadline || this.replicasInSync())) void this.finish();
  }

  // isReadyToShutdown
  private replicasInSync(): boolean {
    const repl = this.server.replication;
    for (const r of repl.replicas) if (r.ackOffset !== repl.masterReplOffset) return false;
    return true;
  }

  private block(c: Client): void {
    const wait: Wait = { db: c.db, keys: [], deadline: 0, serve: () => false, timedOut: () => c.reply.error(FAILED) };
    this.clients.set(c, wait);
    c.server.blocking.block(c, wait);
  }

  // finishShutdown
  private async finish(): Promise<void> {
    const server = this.server;
    const repl = server.replication;
    const log = server.log;
    this.finished = true;
    let lagging = 0;
    for (const r of repl.replicas) {
      if (r.ackOffset === repl.masterReplOffset) continue;
      lagging++;
      const lag = r.state === 'online' ? r.lagSeconds(Date.now()) : 0;
      log.warning(`Lagging replica ${r.name} reported offset ${repl.masterReplOffset - r.ackOffset} behind master, lag=${lag}, state=${r.infoState}.`);
    }
    if (repl.replicas.size > 0) log.notice(`${repl.replicas.size - lagging} of ${repl.replicas.size} replicas are in sync when shutting down.`);
    const { save, nosave, force } = this.flags;
    if (save === true || (nosave !== true && server.config.get('save') !== '')) {
      log.notice('Saving the final RDB snapshot before exiting.');
      if (!server.persistence.saveOnShutdown()) {
        if (force !== true) {
          log.warning('Error trying to save the DB, can\'t exit.');
          log.warning('Errors trying to shut down the server. Check the logs for more information.');
          this.finished = false;
          this.cancel();
          return;
        }
        log.warning('Error trying to save the DB. Exit anyway.');
      }
    }
    if (server.pidfile !== '') {
      log.notice('Removing the pid file.');
      removePidFile(server.pidfile);
    }
    // closeListeningSockets: closing it removes the file.
    if (server.config.get('unixsocket') !== '') log.notice('Removing the unix socket file.');
    // Exits even if a part failed to close: there is nothing left to go back to.
    try {
      await server.close();
    } finally {
      log.warning('Redis is now ready to exit, bye bye...');
      server.onExit(0);
    }
  }

  // cancelShutdown
  /** Writes go on; SHUTDOWN's clients hear that it failed. */
  private cancel(): void {
    this.deadline = 0;
    this.flags = {};
    for (const [c, wait] of this.clients) {
      if (c.waiting !== wait) continue;
      c.reply.error(FAILED);
      c.server.blocking.unblock(c);
    }
    this.clients.clear();
    this.server.pause.unpause('shutdown');
  }
}
