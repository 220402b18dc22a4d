// The cluster commands (cluster.c) of a server with cluster support disabled, as Redis 7.0
// answers them: CLUSTER and each of its subcommands (checked for arity first, as processCommand
// checks a subcommand's), READONLY, READWRITE and ASKING. Clients send them to tell a cluster
// from a standalone server by this very error.
import type { Client } from '../actors/client.js';
import type { CommandFlag, CommandSpec } from './command.js';
import { container } from './subcommands.js';

const CLUSTER_DISABLED = 'ERR This instance has cluster support disabled';
const disabled = (c: Client): void => c.reply.error(CLUSTER_DISABLED);

const ADMIN_ACL = ['admin', 'slow', 'dangerous'];

/** Each CLUSTER subcommand with Redis 7.0's arity and flags: admin ones are in @admin @dangerous. */
const SUBCOMMANDS: Array<[string, number, CommandFlag[]]> = [
  ['addslots', -3, ['admin', 'stale', 'no_async_loading']],
  ['addslotsrange', -4, ['admin', 'stale', 'no_async_loading']],
  ['bumpepoch', 2, ['admin', 'stale', 'no_async_loading']],
  ['count-failure-reports', 3, ['admin', 'stale']],
  ['countkeysinslot', 3, ['stale']],
  ['delslots', -3, ['admin', 'stale', 'no_async_loading']],
  ['delslotsrange', -4, ['admin', 'stale', 'no_async_loading']],
  ['failover', -2, ['admin', 'stale', 'no_async_loading']],
  ['flushslots', 2, ['admin', 'stale', 'no_async_loading']],
  ['forget', 3, ['admin', 'stale', 'no_async_loading']],
  ['getkeysinslot', 4, ['stale']],
  ['help', 2, ['loading', 'stale']],
  ['info', 2, ['stale']],
  ['keyslot', 3, ['stale']],
  ['links', 2, ['stale']],
  ['meet', -4, ['admin', 'stale', 'no_async_loading']],
  ['myid', 2, ['stale']],
  ['nodes', 2, ['stale']],
  ['replicas', 3, ['admin', 'stale']],
  ['replicate', 3, ['admin', 'stale', 'no_async_loading']],
  ['reset', -2, ['admin', 'noscript', 'stale']],
  ['saveconfig', 2, ['admin', 'stale', 'no_async_loading']],
  ['set-config-epoch', 3, ['admin', 'stale', 'no_async_loading']],
  ['setslot', -4, ['admin', 'stale', 'no_async_loading']],
  ['shards', 2, ['stale']],
  ['slaves', 3, ['admin', 'stale']],
  ['slots', 2, ['stale']],
];

export const clusterCommands: CommandSpec[] = [
  container('cluster', SUBCOMMANDS.map(([sub, arity, flags]): CommandSpec => ({
    name: `cluster|${sub}`, arity, flags, acl: flags.includes('admin') ? ADMIN_ACL : ['slow'], run: disabled,
  }))),
  ...(['readonly', 'readwrite'] as const).map((name): CommandSpec => ({
    name, arity: 1, flags: ['loading', 'stale', 'fast'], acl: ['connection', 'fast'], run: disabled,
  })),
  { name: 'asking', arity: 1, flags: ['fast'], acl: ['connection', 'fast'], run: disabled },
];
