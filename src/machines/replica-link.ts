// The replica side of replication (seed: connectWithMaster, syncWithMaster,
// slaveTryPartialResynchronization, readSyncBulkPayload, replicationCron's replica half) as
// one XState machine per `REPLICAOF host port`. It holds control flow only: the actor in
// src/actors/replica-link.ts owns the socket, the temp file and the clock, and reports them
// as events; every side effect here is a named action it provides, every decision a named
// guard. The command stream itself never passes through this machine.
import { assign, setup } from 'xstate';

/** What the last PSYNC asked to continue: a cached master, or this server's own history. */
export interface CachedMaster {
  replid: string;
  /** The last byte processed; PSYNC asks for offset + 1. */
  offset: number;
}

export interface ReplicaLinkInput {
  masterHost: string;
  masterPort: number;
  /** masterauth is set: AUTH follows the PONG. */
  auth: boolean;
  /** replica-announce-ip is set: REPLCONF ip-address follows REPLCONF listening-port. */
  announceIp: boolean;
  /** repl-timeout in ms. */
  replTimeoutMs: number;
  /** The cached master, or this server's own replid/offset when it has history. */
  cached: CachedMaster | null;
  now: number;
}

export interface ReplicaLinkContext extends ReplicaLinkInput {
  /** replid and offset announced by +FULLRESYNC ('' / -1 until then, '' after a malformed one). */
  masterReplid: string;
  initialOffset: number;
  /** The payload announced: its size (-1 unknown), or the 40-byte mark that ends it. */
  transferSize: number;
  eofMark: string;
  /** Payload bytes read so far, as of the last tick or phase change. */
  transferRead: number;
  /** The payload's rate (bytes/s) and, when its size is known, the seconds left, as of the last tick. */
  transferRate: number;
  transferEta: number;
  /** Unix ms of the last byte from the master, as of the last tick or phase change. */
  lastIoAt: number;
  /** Unix ms the link went down (repl_down_since); 0 while connected. */
  linkDownSince: number;
  /** Why the last attempt ended, for logs and inspection. */
  lastError: string;
}

/** The actor's data-plane figures, carried by the events that need them. */
export interface LinkIo {
  now: number;
  lastIoAt: number;
  read: number;
  /** Unix ms the payload began to arrive (0: no payload). */
  transferStartedAt: number;
  /** The replication offset processed so far (connected state). */
  offset: number;
}

export type ReplicaLinkEvent =
  /** replicationCron, once a second: timeouts, the next connection attempt, REPLCONF ACK. */
  | ({ type: 'TICK' } & LinkIo)
  | { type: 'SOCKET_UP' }
  /** The socket failed to connect, errored or closed; syscall: what failed, when something did ('connect', 'getaddrinfo', 'read'). */
  | ({ type: 'SOCKET_CLOSED'; reason: string; syscall?: string } & LinkIo)
  /** One reply line of the handshake or the payload header (without CRLF). */
  | { type: 'REPLY'; line: string }
  /** Every byte of the payload is in (the announced size, or the EOF mark seen). */
  | { type: 'PAYLOAD_RECEIVED'; read: number }
  | { type: 'LOADED' }
  | { type: 'FAILED'; reason: string }
  /** The master's command stream could not be parsed. */
  | { type: 'STREAM_ERROR'; reason: string }
  /** REPLICAOF NO ONE, or another master: this link ends. */
  | { type: 'STOP' };

type Ev<T extends ReplicaLinkEvent['type']> = Extract<ReplicaLinkEvent, { type: T }>;

const RUN_ID_SIZE = 40;
const EOF_PREFIX = '$EOF:';

/** A +FULLRESYNC <40-char replid> <offset> line, strictly; null when malformed. */
export function parseFullResync(line: string): { replid: string; offset: number } | null {
  const m = /^\+FULLRESYNC ([^ ]+) (-?\d+)$/.exec(line);
  if (m === null || m[1]!.length !== RUN_ID_SIZE) return null;
  return { replid: m[1]!, offset: Number(m[2]) };
}

/** The replid of a "+CONTINUE <replid>" line, or null for a bare +CONTINUE. */
export function continueReplid(line: string): string | null {
  const id = line.slice('+CONTINUE'.length).trim();
  return id.length === RUN_ID_SIZE ? id : null;
}

const isError = (line: string): boolean => line.startsWith('-');
/**
 * replicationCron's `time(NULL) - lastio > repl_timeout`: whole seconds of the clock, so a link
 * is timed out after more than repl-timeout seconds have turned, as redis-server's is.
 */
export function replTimedOut(now: number, lastIoAt: number, timeoutMs: number): boolean {
  return Math.floor(now / 1000) - Math.floor(lastIoAt / 1000) > timeoutMs / 1000;
}
const line = (e: ReplicaLinkEvent): string => (e as Ev<'REPLY'>).line;

/** connectWithMaster: the non-blocking connect begins; SOCKET_UP or SOCKET_CLOSED tells how it went. */
const CONNECT = ['openSocket', { type: 'log', params: { level: 'notice', msg: 'MASTER <-> REPLICA sync started' } }] as const;

/**
 * Where Redis 7.0 connects again at once instead of at the next cron tick: after a lost
 * master (replicationHandleMasterDisconnection: waiting a second risks the backlog moving on)
 * and after a timeout or a failed transfer (cancelReplicationHandshake(1)). A refused connect
 * and a failed handshake (syncWithMaster's error path) wait for the cron, as they do there.
 */
function reconnectNow(afterFailure: boolean) {
  return [
    {
      type: 'log',
      params: ({ context }: { context: ReplicaLinkContext }) =>
        ({ level: 'notice' as const, msg: `Reconnecting to MASTER ${context.masterHost}:${context.masterPort}${afterFailure ? ' after failure' : ''}` }),
    },
    'startAttempt',
    ...CONNECT,
  ] as const;
}

/** replicationCron: a connection or handshake with no byte from the master for repl-timeout ends; the next begins. */
const CONNECT_TIMEOUT = [
  {
    guard: 'timedOut',
    target: '#replicaLink.connecting',
    actions: [{ type: 'log', params: { level: 'warning', msg: 'Timeout connecting to the MASTER...' } }, 'closeSocket', 'linkDown', ...reconnectNow(true)],
  },
  { actions: 'recordIo' },
] as const;

export const replicaLinkMachine = setup({
  types: {
    context: {} as ReplicaLinkContext,
    events: {} as ReplicaLinkEvent,
    input: {} as ReplicaLinkInput,
  },
  actions: {
    // IO, provided by the actor.
    /** connectWithMaster: a non-blocking connect; SOCKET_UP or SOCKET_CLOSED follows. */
    openSocket: () => {},
    /** undoConnectWithMaster / the error paths: the socket goes, reads stop. */
    closeSocket: () => {},
    sendPing: () => {},
    /**
     * syncWithMaster's REPL_STATE_SEND_HANDSHAKE: AUTH (with masterauth), REPLCONF
     * listening-port, REPLCONF ip-address (with replica-announce-ip) and REPLCONF capa go in
     * one write; the handshake's states then read their replies one by one.
     */
    sendHandshake: () => {},
    /** slaveTryPartialResynchronization's request, from context.cached. */
    sendPsync: () => {},
    sendSync: () => {},
    /** The reads switch to the payload: a temp file in dir, or memory for a diskless load. */
    prepareTransfer: () => {},
    /** The bytes after the header are payload from here on. */
    receivePayload: () => {},
    /** replicationAbortSyncTransfer: temp file deleted, payload dropped. */
    abortTransfer: () => {},
    /** Flush + load (or the diskless swap); LOADED or FAILED follows. */
    loadPayload: () => {},
    /** The master client is created at initialOffset under masterReplid; the first ACK goes. */
    finishSync: () => {},
    /** replicationResurrectCachedMaster: the stream continues; a new replid shifts the old one. */
    resurrectCachedMaster: () => {},
    /** replicationSendAck */
    sendAck: () => {},
    /** replicationCacheMaster: the link is gone but its replid/offset stay for the next PSYNC. */
    cacheMaster: () => {},
    /** replicationDiscardCachedMaster */
    discardCachedMaster: () => {},
    /** A log line (the seed's redisLog calls). */
    log: (_, _params: { level: 'notice' | 'warning'; msg: string }) => {},

    // Context bookkeeping.
    recordIo: assign(({ context, event }) => {
      const e = event as LinkIo;
      const secs = (e.now - e.transferStartedAt) / 1000;
      const rate = e.transferStartedAt > 0 && secs > 0 ? Math.round(e.read / secs) : 0;
      const eta = rate > 0 && context.transferSize > 0 ? Math.ceil((context.transferSize - e.read) / rate) : -1;
      return { lastIoAt: e.lastIoAt, transferRead: e.read, transferRate: rate, transferEta: eta };
    }),
    recordFullResync: assign(({ event }) => {
      const r = parseFullResync(line(event));
      // A malformed reply blanks the id so that the next PSYNC cannot continue from it.
      return r === null ? { masterReplid: '', initialOffset: -1 } : { masterReplid: r.replid, initialOffset: r.offset };
    }),
    forgetCachedMaster: assign({ cached: null }),
    keepCachedMaster: assign(({ context, event }) => {
      const offset = (event as LinkIo).offset;
      return { cached: { replid: context.masterReplid, offset } };
    }),
    adoptContinueReplid: assign(({ context, event }) => {
      const id = continueReplid(line(event)) ?? context.cached?.replid ?? '';
      return { masterReplid: id, initialOffset: context.cached?.offset ?? -1 };
    }),
    recordPayloadHeader: assign(({ event }) => {
      const l = line(event);
      return l.startsWith(EOF_PREFIX)
        ? { transferSize: -1, eofMark: l.slice(EOF_PREFIX.length), transferRead: 0 }
        : { transferSize: Number(l.slice(1)), eofMark: '', transferRead: 0 };
    }),
    recordPayloadRead: assign(({ event }) => ({ transferRead: (event as Ev<'PAYLOAD_RECEIVED'>).read })),
    resetTransfer: assign({ transferSize: -1, eofMark: '', transferRead: 0, transferRate: 0, transferEta: -1 }),
    linkUp: assign({ linkDownSince: 0 }),
    linkDown: assign(({ context, event }) => ({
      linkDownSince: context.linkDownSince === 0 ? (event as Partial<LinkIo>).now ?? context.now : context.linkDownSince,
      lastError: (event as { reason?: string }).reason ?? context.lastError,
    })),
    // An attempt started at once by a reply or a failed load has no clock reading of its own.
    startAttempt: assign(({ context, event }) => ({ lastIoAt: (event as Partial<LinkIo>).now ?? context.lastIoAt, lastError: '' })),
  },
  guards: {
    /**
     * syncWithMaster accepts +PONG, and -NOAUTH / the old "operation not permitted" (AUTH
     * follows); Redis 7.0 also -NOPERM (a default user that may not run PING).
     */
    pongAccepted: ({ event }) => {
      const l = line(event);
      return l.startsWith('+') || l.startsWith('-NOAUTH') || l.startsWith('-NOPERM') || l.startsWith('-ERR operation not permitted');
    },
    needsAuth: ({ context }) => context.auth,
    /** The handshake went without REPLCONF ip-address: no reply of it to wait for. */
    withoutIp: ({ context }) => !context.announceIp,
    isError: ({ event }) => isError(line(event)),
    isContinue: ({ event }) => line(event).startsWith('+CONTINUE'),
    isFullResync: ({ event }) => line(event).startsWith('+FULLRESYNC'),
    /** -NOMASTERLINK and -LOADING: the master cannot PSYNC now but will later. */
    isRetryLater: ({ event }) => line(event).startsWith('-NOMASTERLINK') || line(event).startsWith('-LOADING'),
    isBulkLength: ({ event }) => /^\$\d+$/.test(line(event)),
    isEofMark: ({ event }) => {
      const l = line(event);
      return l.startsWith(EOF_PREFIX) && l.length === EOF_PREFIX.length + RUN_ID_SIZE;
    },
    timedOut: ({ context, event }) => replTimedOut((event as LinkIo).now, (event as LinkIo).lastIoAt, context.replTimeoutMs),
  },
}).createMachine({
  id: 'replicaLink',
  context: ({ input }) => ({
    ...input,
    masterReplid: '',
    initialOffset: -1,
    transferSize: -1,
    eofMark: '',
    transferRead: 0,
    transferRate: 0,
    transferEta: -1,
    lastIoAt: input.now,
    linkDownSince: input.now,
    lastError: '',
  }),
  initial: 'connect',
  on: {
    STOP: { target: '.stopped', actions: ['abortTransfer', 'closeSocket'] },
  },
  states: {
    /** REPL_STATE_CONNECT: waiting for the next cron tick to connect (reconnectNow skips it). */
    connect: {
      on: {
        TICK: {
          target: 'connecting',
          actions: [
            'startAttempt',
            { type: 'log', params: ({ context }) => ({ level: 'notice', msg: `Connecting to MASTER ${context.masterHost}:${context.masterPort}` }) },
            ...CONNECT,
          ],
        },
      },
    },
    /** REPL_STATE_CONNECTING: the non-blocking connect is in flight. */
    connecting: {
      on: {
        SOCKET_UP: {
          target: 'receivePong',
          actions: [{ type: 'log', params: { level: 'notice', msg: 'Non blocking connect for SYNC fired the event.' } }, 'sendPing'],
        },
        SOCKET_CLOSED: {
          target: 'connect',
          actions: [
            {
              type: 'log',
              // Redis resolves the name before it connects, and says so apart (connectWithMaster).
              params: ({ event }) => ({
                level: 'warning',
                msg: event.syscall === 'getaddrinfo' ? `Unable to connect to MASTER: ${event.reason}` : `Error condition on socket for SYNC: ${event.reason}`,
              }),
            },
            'closeSocket', 'linkDown',
          ],
        },
        TICK: CONNECT_TIMEOUT,
      },
    },
    /** REPL_STATE_RECEIVE_PING_REPLY */
    receivePong: {
      on: {
        TICK: CONNECT_TIMEOUT,
        // syncWithMaster: a read error while waiting for the PONG ends the attempt at once.
        SOCKET_CLOSED: {
          target: 'connect',
          actions: [{ type: 'log', params: ({ event }) => ({ level: 'warning', msg: `Master closed the connection during the handshake: ${event.reason}` }) }, 'closeSocket', 'linkDown'],
        },
        REPLY: [
          {
            guard: 'pongAccepted',
            target: 'handshake',
            actions: { type: 'log', params: { level: 'notice', msg: 'Master replied to PING, replication can continue...' } },
          },
          {
            target: 'connect',
            actions: [{ type: 'log', params: ({ event }) => ({ level: 'warning', msg: `Error reply to PING from master: '${event.line}'` }) }, 'closeSocket', 'linkDown'],
          },
        ],
      },
    },
    /**
     * The pipelined handshake (sent on entry), then PSYNC once REPLCONF capa is answered:
     * each state waits for the reply to one command, in the order they were sent.
     */
    handshake: {
      initial: 'start',
      entry: 'sendHandshake',
      states: {
        /** AUTH only when masterauth is set. */
        start: {
          always: [{ guard: 'needsAuth', target: 'auth' }, { target: 'port' }],
        },
        auth: {
          on: {
            REPLY: [
              {
                guard: 'isError',
                target: '#replicaLink.connect',
                actions: [{ type: 'log', params: ({ event }) => ({ level: 'warning', msg: `Unable to AUTH to MASTER: ${event.line}` }) }, 'closeSocket', 'linkDown'],
              },
              { target: 'port' },
            ],
          },
        },
        port: {
          on: {
            REPLY: [
              {
                guard: 'isError',
                target: 'ip',
                actions: { type: 'log', params: ({ event }) => ({ level: 'notice', msg: `(Non critical) Master does not understand REPLCONF listening-port: ${event.line}` }) },
              },
              { target: 'ip' },
            ],
          },
        },
        /** REPLCONF ip-address only when replica-announce-ip is set. */
        ip: {
          always: { guard: 'withoutIp', target: 'capa' },
          on: {
            REPLY: [
              {
                guard: 'isError',
                target: 'capa',
                actions: { type: 'log', params: ({ event }) => ({ level: 'notice', msg: `(Non critical) Master does not understand REPLCONF ip-address: ${event.line}` }) },
              },
              { target: 'capa' },
            ],
          },
        },
        capa: {
          on: {
            REPLY: [
              {
                guard: 'isError',
                target: 'psync',
                actions: { type: 'log', params: ({ event }) => ({ level: 'notice', msg: `(Non critical) Master does not understand REPLCONF capa: ${event.line}` }) },
              },
              { target: 'psync' },
            ],
          },
        },
        psync: {
          entry: 'sendPsync',
          on: {
            REPLY: [
              {
                guard: 'isContinue',
                target: '#replicaLink.connected',
                actions: [
                  'adoptContinueReplid',
                  { type: 'log', params: { level: 'notice', msg: 'Successful partial resynchronization with master.' } },
                  'resurrectCachedMaster',
                  'forgetCachedMaster',
                  { type: 'log', params: { level: 'notice', msg: 'MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.' } },
                  'linkUp',
                ],
              },
              {
                guard: 'isFullResync',
                target: '#replicaLink.transfer',
                actions: [
                  'recordFullResync',
                  {
                    type: 'log',
                    params: ({ context }) => context.masterReplid === ''
                      ? { level: 'warning', msg: 'Master replied with wrong +FULLRESYNC syntax.' }
                      : { level: 'notice', msg: `Full resync from master: ${context.masterReplid}:${context.initialOffset}` },
                  },
                ],
              },
              {
                guard: 'isRetryLater',
                target: '#replicaLink.connect',
                actions: [
                  { type: 'log', params: ({ event }) => ({ level: 'notice', msg: `Master is currently unable to PSYNC but should be in the future: ${event.line}` }) },
                  'closeSocket', 'linkDown',
                ],
              },
              {
                guard: 'isError',
                target: '#replicaLink.syncFallback',
                actions: [
                  { type: 'log', params: ({ event }) => ({ level: 'notice', msg: `Master does not support PSYNC or is in error state (reply: ${event.line})` }) },
                ],
              },
              {
                target: '#replicaLink.syncFallback',
                actions: [
                  { type: 'log', params: ({ event }) => ({ level: 'warning', msg: `Unexpected reply to PSYNC from master: ${event.line}` }) },
                ],
              },
            ],
          },
        },
      },
      on: {
        SOCKET_CLOSED: {
          target: 'connect',
          actions: [{ type: 'log', params: ({ event }) => ({ level: 'warning', msg: `Master closed the connection during the handshake: ${event.reason}` }) }, 'closeSocket', 'linkDown'],
        },
        TICK: CONNECT_TIMEOUT,
      },
    },
    /** The master did not take PSYNC: SYNC asks for the payload without a replid. */
    syncFallback: {
      entry: [{ type: 'log', params: { level: 'notice', msg: 'Retrying with SYNC...' } }, 'sendSync'],
      always: { target: 'transfer' },
    },
    /** REPL_STATE_TRANSFER (readSyncBulkPayload). */
    transfer: {
      initial: 'bulkHeader',
      entry: ['resetTransfer', 'prepareTransfer'],
      states: {
        /** Waiting for `$<len>` or `$EOF:<mark>`; newlines before it are keep-alives (data plane). */
        bulkHeader: {
          on: {
            REPLY: [
              {
                guard: 'isBulkLength',
                target: 'receiving',
                actions: 'recordPayloadHeader',
              },
              {
                guard: 'isEofMark',
                target: 'receiving',
                actions: 'recordPayloadHeader',
              },
              {
                guard: 'isError',
                target: '#replicaLink.connecting',
                actions: [
                  { type: 'log', params: ({ event }) => ({ level: 'warning', msg: `MASTER aborted replication with an error: ${event.line.slice(1)}` }) },
                  'abortTransfer', 'closeSocket', 'linkDown', ...reconnectNow(true),
                ],
              },
              {
                target: '#replicaLink.connecting',
                actions: [
                  { type: 'log', params: ({ event }) => ({ level: 'warning', msg: `Bad protocol from MASTER, the first byte is not '$' (we received '${event.line}'), are you sure the host and port are right?` }) },
                  'abortTransfer', 'closeSocket', 'linkDown', ...reconnectNow(true),
                ],
              },
            ],
            // The temp file could not be made: syncWithMaster's error, retried by the cron.
            FAILED: {
              target: '#replicaLink.connect',
              actions: [{ type: 'log', params: ({ event }) => ({ level: 'warning', msg: event.reason }) }, 'abortTransfer', 'closeSocket', 'linkDown'],
            },
          },
        },
        /** The payload streams to the temp file (or memory); progress arrives with ticks. */
        receiving: {
          entry: 'receivePayload',
          on: {
            // replicationAttachToNewMaster: as in Redis 7.0 (not at +FULLRESYNC, as the seed did), the
            // cached master goes once the payload is in; a transfer that fails before keeps it for
            // the next PSYNC.
            PAYLOAD_RECEIVED: { target: 'loading', actions: ['recordPayloadRead', 'discardCachedMaster', 'forgetCachedMaster'] },
          },
        },
        /** Flush and load; clients get -LOADING meanwhile. */
        loading: {
          entry: 'loadPayload',
          on: {
            // The master owes us nothing while we load: no repl-timeout here.
            TICK: { actions: 'recordIo' },
            LOADED: {
              target: '#replicaLink.connected',
              actions: [
                { type: 'log', params: { level: 'notice', msg: 'MASTER <-> REPLICA sync: Finished with success' } },
                'finishSync', 'linkUp',
              ],
            },
          },
        },
      },
      on: {
        FAILED: {
          target: 'connecting',
          actions: [{ type: 'log', params: ({ event }) => ({ level: 'warning', msg: event.reason }) }, 'abortTransfer', 'closeSocket', 'linkDown', ...reconnectNow(true)],
        },
        SOCKET_CLOSED: {
          target: 'connecting',
          actions: [
            { type: 'log', params: ({ event }) => ({ level: 'warning', msg: `I/O error trying to sync with MASTER: ${event.reason}` }) },
            'abortTransfer', 'closeSocket', 'linkDown', ...reconnectNow(true),
          ],
        },
        TICK: [
          {
            guard: 'timedOut',
            target: 'connecting',
            actions: [
              { type: 'log', params: { level: 'warning', msg: "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value." } },
              'abortTransfer', 'closeSocket', 'linkDown', ...reconnectNow(true),
            ],
          },
          { actions: 'recordIo' },
        ],
      },
    },
    /** REPL_STATE_CONNECTED: the stream is applied by the data plane; ACKs go every tick. */
    connected: {
      on: {
        TICK: [
          {
            guard: 'timedOut',
            target: 'connecting',
            actions: [
              { type: 'log', params: { level: 'warning', msg: 'MASTER timeout: no data nor PING received...' } },
              { type: 'log', params: { level: 'warning', msg: 'Connection with master lost.' } },
              'keepCachedMaster', 'cacheMaster', 'closeSocket', 'linkDown', ...reconnectNow(false),
            ],
          },
          { actions: ['recordIo', 'sendAck'] },
        ],
        SOCKET_CLOSED: {
          target: 'connecting',
          actions: [
            { type: 'log', params: { level: 'warning', msg: 'Connection with master lost.' } },
            'keepCachedMaster', 'cacheMaster', 'closeSocket', 'linkDown', ...reconnectNow(false),
          ],
        },
        STREAM_ERROR: {
          target: 'connecting',
          actions: [
            { type: 'log', params: ({ event }) => ({ level: 'warning', msg: `Protocol error from MASTER (${event.reason}): closing the link` }) },
            'discardCachedMaster', 'forgetCachedMaster', 'closeSocket', 'linkDown', ...reconnectNow(false),
          ],
        },
      },
    },
    /** REPLICAOF NO ONE or another master: this link is over. */
    stopped: { type: 'final' },
  },
});

export type ReplicaLinkMachine = typeof replicaLinkMachine;
