// The server's own role (the seed's replicaofCommand, through replicationSetMaster and
// replicationUnsetMaster), an actor of its own so the inspector shows it beside the others:
//
//   master --REPLICAOF host port--> replica --REPLICAOF other host port--> replica
//   replica --REPLICAOF NO ONE--> master
//
// Its context is what INFO replication says of the server as a whole (replids, offset,
// backlog, replicas), carried by a TICK from the replication cron when a figure changed.
import { assign, setup } from 'xstate';

/** INFO replication's server-wide figures. */
export interface RoleFigures {
  replid: string;
  replid2: string;
  masterReplOffset: number;
  secondReplOffset: number;
  /** repl_backlog_size and repl_backlog_histlen (0 without a backlog). */
  backlogSize: number;
  histlen: number;
  connectedReplicas: number;
}

export interface ServerRoleContext extends RoleFigures {
  /** Our master ('' and 0 on a master). */
  masterHost: string;
  masterPort: number;
}

export type ServerRoleEvent =
  | { type: 'REPLICAOF'; host: string; port: number }
  | { type: 'REPLICAOF_NO_ONE' }
  | ({ type: 'TICK' } & RoleFigures);

export const serverRoleMachine = setup({
  types: {
    context: {} as ServerRoleContext,
    input: {} as RoleFigures,
    events: {} as ServerRoleEvent,
  },
  actions: {
    recordMaster: assign(({ event }) => (event.type === 'REPLICAOF' ? { masterHost: event.host, masterPort: event.port } : {})),
    forgetMaster: assign({ masterHost: '', masterPort: 0 }),
    recordFigures: assign(({ event }) => {
      if (event.type !== 'TICK') return {};
      const { type: _, ...figures } = event;
      return figures;
    }),
  },
}).createMachine({
  id: 'serverRole',
  context: ({ input }) => ({ ...input, masterHost: '', masterPort: 0 }),
  initial: 'master',
  on: { TICK: { actions: 'recordFigures' } },
  states: {
    master: {
      on: { REPLICAOF: { target: 'replica', actions: 'recordMaster' } },
    },
    replica: {
      on: {
        REPLICAOF: { target: 'replica', actions: 'recordMaster' },
        REPLICAOF_NO_ONE: { target: 'master', actions: 'forgetMaster' },
      },
    },
  },
});
