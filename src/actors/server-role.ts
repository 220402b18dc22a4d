// The server's role as an actor (src/machines/server-role.ts): told of REPLICAOF and of
// REPLICAOF NO ONE, and once a second, when one changed, of INFO replication's figures. It
// is there for the inspector's page: the server itself never asks it anything.
import { createActor, type Actor } from 'xstate';
import { serverRoleMachine, type RoleFigures } from '../machines/server-role.js';
import type { Server } from './server.js';

export class ServerRole {
  private readonly actor: Actor<typeof serverRoleMachine>;
  private last: RoleFigures;

  constructor(private readonly server: Server) {
    this.last = roleFigures(server);
    this.actor = createActor(serverRoleMachine, {
      input: this.last,
      inspect: server.inspector.inspect({ role: 'role', label: 'this server' }),
    }).start();
  }

  /** replicationSetMaster: a replica of host:port now. */
  becameReplica(host: string, port: number): void {
    this.actor.send({ type: 'REPLICAOF', host, port });
    this.tick();
  }

  /** replicationUnsetMaster: a master again (with a new replid). */
  becameMaster(): void {
    this.actor.send({ type: 'REPLICAOF_NO_ONE' });
    this.tick();
  }

  /** From the replication cron: the figures, only when one changed (an idle server sends nothing). */
  tick(): void {
    const now = roleFigures(this.server);
    const last = this.last;
    if ((Object.keys(now) as Array<keyof RoleFigures>).every((k) => now[k] === last[k])) return;
    this.last = now;
    this.actor.send({ type: 'TICK', ...now });
  }
}

/** What INFO replication shows of the server as a whole (replicationStreamFields' values). */
function roleFigures(server: Server): RoleFigures {
  const repl = server.replication;
  return {
    replid: repl.replid,
    replid2: repl.replid2,
    masterReplOffset: repl.masterReplOffset,
    secondReplOffset: repl.secondReplOffset,
    backlogSize: server.config.getInt('repl-backlog-size'),
    histlen: repl.backlog?.histlen ?? 0,
    connectedReplicas: repl.replicas.size,
  };
}
