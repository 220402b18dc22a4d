// A small machine shaped like the replication machines (named actions and guards, timers as
// events, nested states) that exercises the inspector before and besides the real ones.
import { assign, setup } from 'xstate';

export const sampleMachine = setup({
  types: {
    context: {} as { host: string; port: number; offset: number; transferred: number; total: number; startedAt: number },
    events: {} as
      | { type: 'TICK' }
      | { type: 'SOCKET_UP' }
      | { type: 'PONG' }
      | { type: 'FULLRESYNC'; total: number }
      | { type: 'CONTINUE' }
      | { type: 'PROGRESS'; bytes: number }
      | { type: 'LOADED'; offset: number }
      | { type: 'CLOSED' },
  },
  actions: {
    openSocket: () => {},
    closeSocket: () => {},
    recordTotal: assign({ total: ({ event }) => (event.type === 'FULLRESYNC' ? event.total : 0), transferred: 0, startedAt: () => Date.now() }),
    recordProgress: assign({ transferred: ({ context, event }) => context.transferred + (event.type === 'PROGRESS' ? event.bytes : 0) }),
    recordOffset: assign({ offset: ({ event }) => (event.type === 'LOADED' ? event.offset : 0) }),
  },
  guards: {
    hasCachedMaster: ({ context }) => context.offset > 0,
  },
}).createMachine({
  id: 'sample-link',
  initial: 'connect',
  context: { host: '127.0.0.1', port: 6379, offset: 0, transferred: 0, total: 0, startedAt: 0 },
  states: {
    connect: { on: { TICK: { target: 'connecting', actions: 'openSocket' } } },
    connecting: { on: { SOCKET_UP: 'handshake', CLOSED: 'connect' } },
    handshake: {
      initial: 'ping',
      states: {
        ping: { on: { PONG: 'psync' } },
        psync: {},
      },
      on: {
        CONTINUE: { target: 'connected', guard: 'hasCachedMaster' },
        FULLRESYNC: { target: 'transfer', actions: 'recordTotal' },
        CLOSED: { target: 'connect', actions: 'closeSocket' },
      },
    },
    transfer: {
      initial: 'receiving',
      states: {
        receiving: { on: { PROGRESS: { actions: 'recordProgress' } } },
      },
      on: { LOADED: { target: 'connected', actions: 'recordOffset' }, CLOSED: 'connect' },
    },
    connected: { on: { CLOSED: { target: 'connect', actions: 'closeSocket' }, TICK: {} } },
  },
});
