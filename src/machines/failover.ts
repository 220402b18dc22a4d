// FAILOVER: a master hands its role to one of its replicas (Redis 7.0's failoverCommand,
// updateFailoverStatus, abortFailover and clearFailoverState; the seed predates them). One
// machine per FAILOVER command:
//
//   waitingForSync --CHECK: the target acked the whole stream--> failoverInProgress
//   waitingForSync --CHECK: past the timeout, with FORCE--> failoverInProgress
//   waitingForSync --CHECK: past the timeout, or ABORT--> aborted
//   failoverInProgress --PSYNC_REPLY: +CONTINUE or +FULLRESYNC--> failedOver
//   failoverInProgress --PSYNC_REPLY: anything else, or ABORT--> aborted (a master again)
//
// Writes are paused from the request to the end, so that the target can catch up with a
// stream that no longer grows. In failoverInProgress this server is a replica of the target,
// and its PSYNC carries FAILOVER: the target, seeing its own replid, makes itself master and
// answers +CONTINUE. The replicas' ACKs and the clock arrive as CHECK events.
import { assign, setup } from 'xstate';

/** A replica as FAILOVER names it: the address it announced and its listening port. */
export interface ReplicaAddress {
  host: string;
  port: number;
}

export interface FailoverInput {
  /** FAILOVER TO host port; null: whichever replica catches up first. */
  target: ReplicaAddress | null;
  /** Unix ms of the TIMEOUT; 0: none. */
  endTime: number;
  force: boolean;
}

export interface FailoverContext extends FailoverInput {
  /** Why it was aborted ('' unless it was). */
  abortReason: string;
}

export type FailoverEvent =
  /** After an ACK, and from the cron: synced is a replica (the target, if one was named) at the master's offset. */
  | { type: 'CHECK'; now: number; synced: ReplicaAddress | null }
  /** The target's reply to the PSYNC FAILOVER (offered here before the replica link reads it). */
  | { type: 'PSYNC_REPLY'; line: string }
  /** FAILOVER ABORT. */
  | { type: 'ABORT'; reason: string };

/** "host:port", or Redis's words for a failover to whichever replica. */
export const targetName = (c: { target: ReplicaAddress | null }): string => (c.target === null ? 'any replica' : `${c.target.host}:${c.target.port}`);

/** A CHECK past the TIMEOUT (none: never). */
const pastTimeout = (c: FailoverContext, e: FailoverEvent): boolean => e.type === 'CHECK' && c.endTime > 0 && c.endTime <= e.now;

/** abortFailover's log line, before anything else it does. */
const ABORT_LOG = { type: 'log', params: ({ context }: { context: FailoverContext }) => ({ level: 'notice' as const, msg: `FAILOVER to ${targetName(context)} aborted: ${context.abortReason}` }) } as const;

export const failoverMachine = setup({
  types: {
    context: {} as FailoverContext,
    input: {} as FailoverInput,
    events: {} as FailoverEvent,
  },
  actions: {
    // IO, provided by the actor.
    /** pauseClients(PAUSE_DURING_FAILOVER, CLIENT_PAUSE_WRITE), with no end. */
    pauseWrites: () => {},
    unpauseWrites: () => {},
    /** replicationSetMaster(target), whose PSYNC carries FAILOVER. */
    becomeReplicaOfTarget: () => {},
    /** replicationUnsetMaster: the failover did not happen, this server stays the master. */
    becomeMasterAgain: () => {},
    log: (_, _params: { level: 'notice' | 'warning'; msg: string }) => {},
    /** The replica that caught up first is the target. */
    recordTarget: assign(({ event }) => (event.type === 'CHECK' && event.synced !== null ? { target: event.synced } : {})),
    recordAbort: assign(({ event }) => ({
      abortReason: event.type === 'ABORT' ? event.reason : event.type === 'PSYNC_REPLY' ? 'Failover target rejected psync request' : 'Replica never caught up before timeout',
    })),
  },
  guards: {
    timedOut: ({ context, event }) => pastTimeout(context, event),
    /** FORCE: past the timeout it fails over anyway. */
    timedOutForced: ({ context, event }) => context.force && pastTimeout(context, event),
    synced: ({ event }) => event.type === 'CHECK' && event.synced !== null,
    /** A full resync is not what a failover expects, but nothing is wrong with it either. */
    psyncTaken: ({ event }) => event.type === 'PSYNC_REPLY' && (event.line.startsWith('+CONTINUE') || event.line.startsWith('+FULLRESYNC')),
  },
}).createMachine({
  id: 'failover',
  context: ({ input }) => ({ ...input, abortReason: '' }),
  initial: 'waitingForSync',
  states: {
    /** FAILOVER_WAIT_FOR_SYNC. */
    waitingForSync: {
      entry: [
        'pauseWrites',
        { type: 'log', params: ({ context }) => ({ level: 'notice', msg: context.target === null ? 'FAILOVER requested to any replica.' : `FAILOVER requested to ${targetName(context)}.` }) },
      ],
      on: {
        CHECK: [
          {
            guard: 'timedOutForced',
            target: 'failoverInProgress',
            actions: { type: 'log', params: ({ context }) => ({ level: 'notice', msg: `FAILOVER to ${targetName(context)} time out exceeded, failing over.` }) },
          },
          { guard: 'timedOut', target: 'aborted', actions: ['recordAbort', ABORT_LOG] },
          {
            guard: 'synced',
            target: 'failoverInProgress',
            actions: ['recordTarget', { type: 'log', params: ({ context }) => ({ level: 'notice', msg: `Failover target ${targetName(context)} is synced, failing over.` }) }],
          },
        ],
        ABORT: { target: 'aborted', actions: ['recordAbort', ABORT_LOG] },
      },
    },
    /** FAILOVER_IN_PROGRESS: a replica of the target, asking it to take over. */
    failoverInProgress: {
      entry: 'becomeReplicaOfTarget',
      on: {
        PSYNC_REPLY: [
          { guard: 'psyncTaken', target: 'failedOver' },
          { target: 'aborted', actions: ['recordAbort', ABORT_LOG, 'becomeMasterAgain'] },
        ],
        ABORT: { target: 'aborted', actions: ['recordAbort', ABORT_LOG, 'becomeMasterAgain'] },
      },
    },
    failedOver: { type: 'final', entry: 'unpauseWrites' },
    aborted: { type: 'final', entry: 'unpauseWrites' },
  },
});
