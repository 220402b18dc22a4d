// Client pause (networking.c pauseClients and friends): CLIENT PAUSE WRITE|ALL, a failover
// and a shutdown waiting for its replicas hold the commands that would change the dataset (or
// every command) of every client but replicas, until an end time or an unpause. While paused the dataset stays as it
// is: expired keys are hidden but not deleted (no DEL reaches the replication stream), the
// active expire cycle rests, a replica's master stream waits like any client, and WAIT's
// GETACK is held back. Held clients are blocked clients (blocking.ts) that keep their command
// and run it again once unblocked, in the order they were held, when they may be held again.
import type { CallFlags } from '../commands/command.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

export type PauseType = 'write' | 'all';

/** Who asked for a pause: each keeps its own type and end (pause_purpose). */
export type PausePurpose = 'client-command' | 'failover' | 'shutdown';

const RANK = { off: 0, write: 1, all: 2 } as const;

export class ClientPause {
  /** The most restrictive pause in force (server.client_pause_type). */
  type: 'off' | PauseType = 'off';
  /** When it ends, unix ms (server.client_pause_end_time). */
  private end = 0;
  private readonly byPurpose = new Map<PausePurpose, { type: PauseType; end: number }>();

  constructor(private readonly server: Server) {}

  // pauseClients
  /** Pauses until end (unix ms); an existing pause of the same purpose only grows stricter and longer. */
  pause(purpose: PausePurpose, end: number, type: PauseType): void {
    const p = this.byPurpose.get(purpose);
    if (p === undefined) {
      this.byPurpose.set(purpose, { type, end });
    } else {
      if (RANK[type] > RANK[p.type]) p.type = type;
      p.end = Math.max(p.end, end);
    }
    this.update();
  }

  // unpauseClients
  unpause(purpose: PausePurpose): void {
    if (this.byPurpose.delete(purpose)) this.update();
  }

  // checkClientPauseTimeoutAndReturnIfPaused
  /** Whether clients are paused now; a pause whose end passed is lifted on the way. */
  get paused(): boolean {
    if (this.type !== 'off' && this.end < Date.now()) this.update();
    return this.type !== 'off';
  }

  /**
   * processCommand's pause check: c's command waits while paused, unless c is a replica.
   * WRITE holds the commands that may replicate (writes, PUBLISH, PFCOUNT, and an EXEC
   * whose transaction holds one).
   */
  holds(c: Client, flags: CallFlags): boolean {
    if (this.type === 'off' || c.replica !== null || !this.paused) return false;
    return this.type === 'all' || flags.mayReplicate;
  }

  /** blockClient(BLOCKED_POSTPONE): c waits, keeping argv to run again once unblocked. */
  postpone(c: Client, argv: string[]): void {
    this.server.blocking.block(c, { db: c.db, keys: [], deadline: 0, postponed: argv, serve: () => false, timedOut: () => {} });
  }

  // updateClientPauseTypeAndEndTime
  /** The strictest pause not yet over and its furthest end; clients held by a stricter one go again. */
  private update(): void {
    const now = Date.now();
    const old = this.type;
    let type: 'off' | PauseType = 'off';
    for (const [purpose, p] of this.byPurpose) {
      if (p.end < now) this.byPurpose.delete(purpose);
      else if (RANK[p.type] > RANK[type]) type = p.type;
    }
    let end = 0;
    for (const p of this.byPurpose.values()) if (p.type === type && p.end > end) end = p.end;
    this.type = type;
    this.end = end;
    this.server.keyspace.pausedUntil = type === 'off' ? 0 : end;
    if (RANK[type] < RANK[old]) {
      this.server.blocking.unblockPostponed();
      if (type === 'off') this.server.replication.releaseHeldAcks();
    }
  }
}
