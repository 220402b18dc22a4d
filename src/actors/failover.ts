// A FAILOVER in progress as an actor (src/machines/failover.ts): it pauses writes, reads the
// replicas' acked offsets for the machine (after an ACK, at the end of the event-loop turn, as
// beforeSleep's updateFailoverStatus does, and from the cron for the timeout), and changes the
// server's role. The server holds it while it runs (server.failover); it ends in a final state.
import { createActor, type Actor } from 'xstate';
import { failoverMachine, targetName, type FailoverEvent, type FailoverInput, type ReplicaAddress } from '../machines/failover.js';
import { EffectQueue } from './effects.js';
import { replicationSetMaster, replicationUnsetMaster } from './replica-link.js';
import type { ReplicaClient } from './replica-client.js';
import type { Server } from './server.js';

/** An end no pause reaches (LLONG_MAX in Redis). */
const NO_END = Number.MAX_SAFE_INTEGER;

// findReplica
/** The replica that announced host (or connects from it) and listens on port. */
export function findReplica(server: Server, host: string, port: number): ReplicaClient | null {
  for (const r of server.replication.replicas) {
    if (r.ip.toLowerCase() === host.toLowerCase() && r.conf.listeningPort === port) return r;
  }
  return null;
}

export class Failover {
  private readonly actor: Actor<typeof failoverMachine>;
  private readonly effects = new EffectQueue();
  private checkScheduled = false;

  constructor(private readonly server: Server, input: FailoverInput) {
    const fx = this.effects;
    const machine = failoverMachine.provide({
      actions: {
        pauseWrites: fx.defer(() => server.pause.pause('failover', NO_END, 'write')),
        unpauseWrites: fx.defer(() => server.pause.unpause('failover')),
        // The replica link is an actor of its own: made once this transition is over.
        becomeReplicaOfTarget: fx.defer(({ context }) => replicationSetMaster(server, context.target!.host, context.target!.port)),
        becomeMasterAgain: fx.defer(() => replicationUnsetMaster(server)),
        log: (_, p) => server.log[p.level](p.msg),
      },
    });
    this.actor = createActor(machine, {
      input,
      inspect: server.inspector.inspect({ role: 'failover', label: `to ${targetName(input)}` }),
    });
    this.actor.subscribe((s) => {
      if (s.status === 'done' && server.failover === this) server.failover = null;
    });
  }

  /** Starts it as server.failover (the machine's entry pauses writes at once); a synced target goes at the turn's end. */
  start(): void {
    this.server.failover = this;
    this.actor.start();
    this.effects.run();
    this.scheduleCheck();
  }

  /** INFO's master_failover_state. */
  get state(): 'waiting-for-sync' | 'failover-in-progress' | 'no-failover' {
    const s = this.actor.getSnapshot();
    if (s.matches('waitingForSync')) return 'waiting-for-sync';
    if (s.matches('failoverInProgress')) return 'failover-in-progress';
    return 'no-failover';
  }

  /**
   * A failover with a timeout sends the replicas no PING while it waits (replicationCron's
   * manual_failover_in_progress): it would move the offset they must reach. Without one, as in
   * Redis 7.0, the PINGs go on.
   */
  get holdsPings(): boolean {
    return this.actor.getSnapshot().context.endTime > 0;
  }

  /** The PSYNC this server sends its new master carries FAILOVER. */
  get inProgress(): boolean {
    return this.actor.getSnapshot().matches('failoverInProgress');
  }

  /** After the command and after each ACK: checked at the end of this turn, once however many acked. */
  scheduleCheck(): void {
    if (this.checkScheduled || !this.actor.getSnapshot().matches('waitingForSync')) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      this.check(Date.now());
    });
  }

  // updateFailoverStatus
  /** The timeout, and whether the target (or any replica, without one) holds the whole stream. */
  check(now: number): void {
    const s = this.actor.getSnapshot();
    if (!s.matches('waitingForSync')) return;
    this.send({ type: 'CHECK', now, synced: this.syncedReplica(s.context.target) });
  }

  private send(event: FailoverEvent): void {
    this.actor.send(event);
    this.effects.run();
  }

  private syncedReplica(target: ReplicaAddress | null): ReplicaAddress | null {
    const offset = this.server.replication.masterReplOffset;
    if (target !== null) return findReplica(this.server, target.host, target.port)?.ackOffset === offset ? target : null;
    for (const r of this.server.replication.replicas) {
      if (r.ackOffset === offset) return { host: r.ip, port: r.conf.listeningPort };
    }
    return null;
  }

  /** The new master's reply to the PSYNC FAILOVER, before the replica link reads it. */
  psyncAnswered(line: string): void {
    this.send({ type: 'PSYNC_REPLY', line });
  }

  /** FAILOVER ABORT. */
  abort(reason: string): void {
    this.send({ type: 'ABORT', reason });
  }
}
