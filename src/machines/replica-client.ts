// The master's view of one attached replica (the seed's slave->replstate: syncCommand,
// updateSlavesWaitingBgsave, sendBulkToSlave, replconfCommand, replicationCron), as
// DESIGN.md draws it:
//
//   attached --CONTINUE--> online                     (PSYNC accepted)
//   attached --FULLRESYNC--> waitBgsaveStart --SNAPSHOT_STARTED--> waitBgsaveEnd
//   waitBgsaveEnd --SNAPSHOT_DONE--> sendBulk (disk) --BULK_SENT--> online
//   waitBgsaveEnd --SNAPSHOT_DONE--> online (diskless: the stream starts at the first ACK)
//   any --SNAPSHOT_FAILED, OUTPUT_LIMIT, DISCONNECTED--> closed;  online --TICK (timed out)--> closed
//   waitBgsaveEnd --TICK (diskless payload stalled for repl-timeout)--> closed
//   any --ACK--> itself, recording it (replconfCommand takes an ACK from every replica, synced or not)
//   any --NEWLINE--> itself, its ACK time now (processInlineBuffer: a loading replica's keepalive)
//
// Control flow only: the stream itself never passes through here (one event per command
// would cost a transition per write). Time arrives as TICK events from the cron.
import { assign, setup } from 'xstate';

export interface ReplicaClientContext {
  /** replicationGetSlaveName: "ip:listening-port", for the log. */
  name: string;
  /** Old SYNC: no ACKs, so never timed out. */
  oldSync: boolean;
  /** The payload goes straight from the snapshot to the socket ($EOF: format). */
  diskless: boolean;
  /** repl_ack_off and repl_ack_time (unix ms). */
  ackOffset: number;
  ackTime: number;
  /** repl_start_cmd_stream_on_ack: a diskless replica gets the stream after its first ACK. */
  streamOnAck: boolean;
}

export interface ReplicaClientInput {
  name: string;
  oldSync: boolean;
  now: number;
}

export type ReplicaClientEvent =
  | { type: 'CONTINUE'; now: number }
  | { type: 'FULLRESYNC' }
  | { type: 'SNAPSHOT_STARTED'; diskless: boolean }
  | { type: 'SNAPSHOT_DONE'; now: number }
  | { type: 'SNAPSHOT_FAILED' }
  | { type: 'BULK_SENT'; now: number }
  | { type: 'ACK'; offset: number; now: number }
  | { type: 'NEWLINE'; now: number }
  /**
   * The cron's second: the time, and repl-timeout in ms as configured now. The server adds the
   * output buffer's bytes and the lag (s since the last ACK), as INFO and CLIENT LIST show them,
   * for the inspector's page only: the machine decides nothing on them. It decides on stalledSince
   * (the seed's repl_last_partial_write, in unix ms): the last write progress while bytes still wait
   * to reach the replica's socket, 0 when none wait.
   */
  | { type: 'TICK'; now: number; timeoutMs: number; stalledSince?: number; obufBytes?: number; lag?: number }
  | { type: 'OUTPUT_LIMIT' }
  | { type: 'DISCONNECTED' };

export const replicaClientMachine = setup({
  types: {
    context: {} as ReplicaClientContext,
    input: {} as ReplicaClientInput,
    events: {} as ReplicaClientEvent,
  },
  actions: {
    /** Writes the +FULLRESYNC reply (PSYNC only), once the snapshot it will get has begun. */
    replyFullResync: () => {},
    /** A newline to a replica still waiting for its payload, so its read timeout does not fire. */
    sendNewline: () => {},
    /** Starts sending the snapshot file: `$<len>\r\n` then its bytes. */
    sendBulk: () => {},
    /** Writes the stream buffered since the snapshot began, then every new byte as it comes. */
    startStream: () => {},
    logSyncSucceeded: () => {},
    logStreamedAwaitingAck: () => {},
    logTimedOut: () => {},
    logTransferTimedOut: () => {},
    /** Closes the connection and forgets the replica. */
    release: () => {},
    recordAck: assign(({ event }) => {
      if (event.type !== 'ACK') return {};
      return { ackOffset: event.offset, ackTime: event.now };
    }),
    /** repl_ack_time is now: the replica came online (replicaPutOnline), or sent a newline. */
    restartAckClock: assign(({ event }) => ('now' in event ? { ackTime: event.now } : {})),
    markDiskless: assign(({ event }) => (event.type === 'SNAPSHOT_STARTED' ? { diskless: event.diskless } : {})),
    awaitFirstAck: assign({ streamOnAck: true }),
    clearStreamOnAck: assign({ streamOnAck: false }),
  },
  guards: {
    diskless: ({ context }) => context.diskless,
    streamOnAck: ({ context }) => context.streamOnAck,
    /** Waiting for a disk snapshot: the socket is idle, so it gets keep-alive newlines. */
    idleWhileWaiting: ({ context }) => !context.diskless,
    ackTimedOut: ({ context, event }) =>
      event.type === 'TICK' && !context.oldSync && event.now - context.ackTime > event.timeoutMs,
    /** A diskless payload the replica's socket took nothing of for repl-timeout (replicationCron's full-sync check). */
    transferTimedOut: ({ context, event }) =>
      event.type === 'TICK' && context.diskless && (event.stalledSince ?? 0) > 0 && event.now - event.stalledSince! > event.timeoutMs,
  },
}).createMachine({
  id: 'replicaClient',
  context: ({ input }) => ({
    name: input.name,
    oldSync: input.oldSync,
    diskless: false,
    ackOffset: 0,
    ackTime: input.now,
    streamOnAck: false,
  }),
  initial: 'attached',
  on: {
    OUTPUT_LIMIT: '.closed',
    DISCONNECTED: '.closed',
    ACK: { actions: 'recordAck' },
    NEWLINE: { actions: 'restartAckClock' },
  },
  states: {
    attached: {
      on: {
        CONTINUE: { target: 'online', actions: 'startStream' },
        FULLRESYNC: 'waitBgsaveStart',
      },
    },
    waitBgsaveStart: {
      on: {
        SNAPSHOT_STARTED: { target: 'waitBgsaveEnd', actions: ['markDiskless', 'replyFullResync'] },
        TICK: { actions: 'sendNewline' },
      },
    },
    waitBgsaveEnd: {
      on: {
        SNAPSHOT_DONE: [
          { guard: 'diskless', target: 'online', actions: ['awaitFirstAck', 'logStreamedAwaitingAck'] },
          { target: 'sendBulk', actions: 'sendBulk' },
        ],
        SNAPSHOT_FAILED: 'closed',
        TICK: [
          { guard: 'transferTimedOut', target: 'closed', actions: 'logTransferTimedOut' },
          { guard: 'idleWhileWaiting', actions: 'sendNewline' },
        ],
      },
    },
    sendBulk: {
      on: {
        BULK_SENT: { target: 'online', actions: ['startStream', 'logSyncSucceeded'] },
      },
    },
    online: {
      entry: 'restartAckClock',
      on: {
        ACK: { guard: 'streamOnAck', actions: ['recordAck', 'clearStreamOnAck', 'startStream', 'logSyncSucceeded'] },
        TICK: { guard: 'ackTimedOut', target: 'closed', actions: 'logTimedOut' },
      },
    },
    closed: {
      type: 'final',
      entry: 'release',
    },
  },
});
