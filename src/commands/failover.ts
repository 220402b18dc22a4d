// FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | FAILOVER ABORT (Redis 7.0's failoverCommand;
// the failover itself is src/actors/failover.ts).
import type { Client } from '../actors/client.js';
import { Failover, findReplica } from '../actors/failover.js';
import type { ReplicaAddress } from '../machines/failover.js';
import { intArg, is } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';

// failoverCommand
function failover(c: Client, argv: string[]): void {
  const server = c.server;
  if (argv.length === 2 && is(argv[1], 'ABORT')) {
    if (server.failover === null) return c.reply.error('ERR No failover in progress.');
    server.failover.abort('Failover manually aborted');
    return c.reply.ok();
  }
  let timeout = 0;
  let force = false;
  let target: ReplicaAddress | null = null;
  for (let j = 1; j < argv.length; j++) {
    if (is(argv[j], 'TIMEOUT') && j + 1 < argv.length && timeout === 0) {
      const t = intArg(c, argv[j + 1]!);
      if (t === null) return;
      if (t <= 0) return c.reply.error('ERR FAILOVER timeout must be greater than 0');
      timeout = t;
      j++;
    } else if (is(argv[j], 'TO') && j + 2 < argv.length && target === null) {
      const port = intArg(c, argv[j + 2]!);
      if (port === null) return;
      target = { host: argv[j + 1]!, port };
      j += 2;
    } else if (is(argv[j], 'FORCE') && !force) {
      force = true;
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  if (server.failover !== null) return c.reply.error('ERR FAILOVER already in progress.');
  if (server.isReplica) return c.reply.error('ERR FAILOVER is not valid when server is a replica.');
  if (server.replication.replicas.size === 0) return c.reply.error('ERR FAILOVER requires connected replicas.');
  if (force && (timeout === 0 || target === null)) {
    return c.reply.error('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
  }
  if (target !== null) {
    const replica = findReplica(server, target.host, target.port);
    if (replica === null) return c.reply.error('ERR FAILOVER target HOST and PORT is not a replica.');
    if (replica.state !== 'online') return c.reply.error('ERR FAILOVER target replica is not online.');
  }
  new Failover(server, { target, endTime: timeout === 0 ? 0 : Date.now() + timeout, force }).start();
  c.reply.ok();
}

export const failoverCommands: CommandSpec[] = [
  { name: 'failover', arity: -1, flags: ['admin', 'noscript', 'stale'], acl: ['admin', 'slow', 'dangerous'], run: failover },
];
