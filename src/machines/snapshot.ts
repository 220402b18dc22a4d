// One snapshot for replicas (the seed's rdbSaveBackground as syncCommand and
// updateSlavesWaitingBgsave use it), as DESIGN.md draws it:
//
//   idle --REQUEST--> gathering --delay over, max replicas, or disk target--> running
//   running --ATTACH (a disk snapshot whose stream is still buffered)--> running
//   running --DONE--> done        running --FAILED or ABORT--> failed
//
// A diskless snapshot gathers replicas for repl-diskless-sync-delay seconds (or until
// repl-diskless-sync-max-replicas came), then streams to all their sockets at once; a disk
// snapshot starts at once and serves whoever attaches while it runs.
import { assign, setup } from 'xstate';

export type SnapshotTarget = 'disk' | 'socket';

export interface SnapshotContext {
  target: SnapshotTarget;
  /** repl-diskless-sync-delay in ms, and repl-diskless-sync-max-replicas (0: no cap). */
  delayMs: number;
  maxReplicas: number;
  /** Replicas this snapshot serves. */
  replicas: number;
  /** Unix ms the first replica asked. */
  since: number;
}

export interface SnapshotInput {
  target: SnapshotTarget;
  delayMs: number;
  maxReplicas: number;
}

export type SnapshotEvent =
  | { type: 'REQUEST'; now: number }
  | { type: 'TICK'; now: number }
  | { type: 'ATTACH' }
  | { type: 'DONE' }
  | { type: 'FAILED' }
  | { type: 'ABORT' };

export const snapshotMachine = setup({
  types: {
    context: {} as SnapshotContext,
    input: {} as SnapshotInput,
    events: {} as SnapshotEvent,
  },
  actions: {
    /** Begins the snapshot (file or sockets) for every replica gathered. */
    startSnapshot: () => {},
    /** Gives an arriving replica a share of the running snapshot. */
    attachReplica: () => {},
    logDelayed: () => {},
    /** Tells the replicas the snapshot is over (payload sent, or failed). */
    finish: () => {},
    countReplica: assign(({ context }) => ({ replicas: context.replicas + 1 })),
    startClock: assign(({ event }) => (event.type === 'REQUEST' ? { since: event.now } : {})),
  },
  guards: {
    ready: ({ context }) =>
      context.target === 'disk' || context.delayMs === 0 ||
      (context.maxReplicas > 0 && context.replicas >= context.maxReplicas),
    delayOver: ({ context, event }) => event.type === 'TICK' && event.now - context.since >= context.delayMs,
    shareable: ({ context }) => context.target === 'disk',
  },
}).createMachine({
  id: 'snapshot',
  context: ({ input }) => ({ ...input, replicas: 0, since: 0 }),
  initial: 'idle',
  states: {
    idle: {
      on: { REQUEST: { target: 'gathering', actions: ['startClock', 'countReplica'] } },
    },
    gathering: {
      always: { guard: 'ready', target: 'running' },
      entry: 'logDelayed',
      on: {
        REQUEST: { actions: 'countReplica' },
        TICK: { guard: 'delayOver', target: 'running' },
        ABORT: 'failed',
      },
    },
    running: {
      entry: 'startSnapshot',
      on: {
        ATTACH: { guard: 'shareable', actions: ['countReplica', 'attachReplica'] },
        DONE: 'done',
        FAILED: 'failed',
        ABORT: 'failed',
      },
    },
    done: { type: 'final', entry: 'finish' },
    failed: { type: 'final', entry: 'finish' },
  },
});
