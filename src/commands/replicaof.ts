// REPLICAOF / SLAVEOF (replication.c: replicaofCommand), and the replica's half of ROLE and
// of INFO replication.
import type { Client } from '../actors/client.js';
import { replicationSetMaster, replicationUnsetMaster } from '../actors/replica-link.js';
import type { Server } from '../actors/server.js';
import { argvBytes, is, rangeArg } from './args.js';
import { clientInfoString } from './client-cmd.js';
import type { CommandSpec } from './command.js';

// slaveofCommand / replicaofCommand
function replicaof(c: Client, argv: string[]): void {
  const server = c.server;
  if (server.failover !== null) return c.reply.error('ERR REPLICAOF not allowed while failing over.');
  // catClientInfoString, as Redis logs the client: CLIENT LIST's line for it.
  const who = (): string => clientInfoString(c, argvBytes(argv));
  if (is(argv[1], 'NO') && is(argv[2], 'ONE')) {
    if (server.replicaLink !== null) {
      replicationUnsetMaster(server);
      server.log.notice(`MASTER MODE enabled (user request from '${who()}')`);
    }
    c.reply.ok();
    return;
  }
  const port = rangeArg(c, argv[2]!, 0n, 65535n, 'ERR Invalid master port');
  if (port === null) return;
  const link = server.replicaLink;
  if (link !== null && link.host.toLowerCase() === argv[1]!.toLowerCase() && link.port === port) {
    server.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    c.reply.simple('OK Already connected to specified master');
    return;
  }
  replicationSetMaster(server, argv[1]!, port);
  server.log.notice(`REPLICAOF ${argv[1]}:${port} enabled (user request from '${who()}')`);
  c.reply.ok();
}

// roleCommand (replica half): slave, host, port, link state, offset processed; false on a master.
export function replicaRole(c: Client): boolean {
  const link = c.server.replicaLink;
  if (link === null) return false;
  c.reply.array(5);
  c.reply.bulk('slave');
  c.reply.bulk(link.host);
  c.reply.integer(link.port);
  c.reply.bulk(link.state);
  c.reply.integer(link.master !== null ? c.server.replication.masterReplOffset : -1);
  return true;
}

/** INFO replication's replica block, from role:slave to replica_announced (Redis 7.0's order). */
export function replicaInfoFields(server: Server): Array<[string, string | number]> {
  const link = server.replicaLink!;
  const repl = server.replication;
  const now = Date.now();
  const out: Array<[string, string | number]> = [
    ['role', 'slave'],
    ['master_host', link.host],
    ['master_port', link.port],
    ['master_link_status', link.linkUp ? 'up' : 'down'],
    ['master_last_io_seconds_ago', link.master !== null ? Math.floor((now - link.lastIoAt) / 1000) : -1],
    ['master_sync_in_progress', link.state === 'sync' ? 1 : 0],
    // Those of the master client, else of the cached one, else 1 (as Redis 7.0 prints them).
    ['slave_read_repl_offset', link.master !== null ? link.readOffset : link.hasCachedMaster ? repl.masterReplOffset : 1],
    ['slave_repl_offset', link.master !== null || link.hasCachedMaster ? repl.masterReplOffset : 1],
  ];
  const t = link.transferProgress;
  if (t !== null) {
    const size = Math.max(t.size, 0);
    out.push(
      ['master_sync_total_bytes', t.size],
      ['master_sync_read_bytes', t.read],
      ['master_sync_left_bytes', size - t.read],
      ['master_sync_perc', (size > 0 ? (t.read / size) * 100 : 0).toFixed(2)],
      ['master_sync_last_io_seconds_ago', Math.floor((now - link.lastIoAt) / 1000)],
    );
  }
  if (!link.linkUp) {
    const since = link.linkDownSince;
    out.push(['master_link_down_since_seconds', since === 0 ? -1 : Math.floor((now - since) / 1000)]);
  }
  out.push(
    ['slave_priority', server.config.getInt('replica-priority')],
    ['slave_read_only', server.config.getBool('replica-read-only') ? 1 : 0],
    ['replica_announced', server.config.getBool('replica-announced') ? 1 : 0],
  );
  return out;
}

const FLAGS: CommandSpec['flags'] = ['admin', 'noscript', 'stale', 'no_async_loading'];

export const replicaofCommands: CommandSpec[] = [
  { name: 'replicaof', arity: 3, flags: FLAGS, acl: ['admin', 'slow', 'dangerous'], run: replicaof },
  { name: 'slaveof', arity: 3, flags: FLAGS, acl: ['admin', 'slow', 'dangerous'], run: replicaof },
];
