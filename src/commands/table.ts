// The command table: every family's specs, looked up by name without allocating for the
// spellings clients send (all lower or all upper case).
import { compile, type Command, type CommandSpec } from './command.js';
import { aclCommands } from './acl.js';
import { connectionCommands } from './connection.js';
import { bitmapCommands } from './bitmaps.js';
import { clusterCommands } from './cluster-cmd.js';
import { dumpCommands } from './dump.js';
import { geoCommands } from './geo.js';
import { functionCommands } from './functions.js';
import { hashCommands } from './hashes.js';
import { lcsCommands } from './lcs.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { keyCommands } from './keys.js';
import { listCommands } from './lists.js';
import { memoryCommands } from './memory-cmd.js';
import { migrateCommands } from './migrate.js';
import { moduleCommands } from './module-cmd.js';
import { persistenceCommands } from './persistence.js';
import { pubsubCommands } from './pubsub.js';
import { failoverCommands } from './failover.js';
import { replicaofCommands } from './replicaof.js';
import { replicationCommands } from './replication.js';
import { scriptingCommands } from './scripting.js';
import { serverCommands } from './server.js';
import { latencyCommands } from './latency.js';
import { setCommands } from './sets.js';
import { slowlogCommands } from './slowlog.js';
import { sortCommands } from './sort.js';
import { streamGroupCommands } from './stream-groups.js';
import { streamReadCommands } from './stream-reads.js';
import { streamCommands } from './streams.js';
import { stringCommands } from './strings.js';
import { transactionCommands } from './transactions.js';
import { zsetCommands } from './zsets.js';

const FAMILIES: CommandSpec[][] = [
  connectionCommands, stringCommands, lcsCommands, bitmapCommands, hyperloglogCommands, keyCommands, dumpCommands,
  migrateCommands, sortCommands, listCommands, hashCommands, setCommands, zsetCommands, geoCommands, streamCommands, streamReadCommands,
  streamGroupCommands, transactionCommands, serverCommands, memoryCommands, persistenceCommands,
  replicationCommands, replicaofCommands, failoverCommands, pubsubCommands, slowlogCommands, latencyCommands, scriptingCommands, functionCommands,
  moduleCommands, clusterCommands, aclCommands,
];

const byName = new Map<string, Command>();
const all: Command[] = [];
for (const spec of FAMILIES.flat()) {
  if (byName.has(spec.name)) throw new Error(`command ${spec.name} defined twice`);
  const cmd = compile(spec);
  all.push(cmd);
  byName.set(spec.name, cmd);
  byName.set(spec.name.toUpperCase(), cmd);
}

/**
 * The last name looked up and its command: the parser hands a pipeline of one command the same
 * name string each time (RespParser.commandName), which is then one compare, not a hash lookup.
 */
let lastName = '';
let lastCommand: Command | undefined;

export function lookupCommand(name: string): Command | undefined {
  if (name === lastName) return lastCommand;
  const cmd = byName.get(name) ?? byName.get(name.toLowerCase());
  lastName = name;
  lastCommand = cmd;
  return cmd;
}

/**
 * rename-command: the command is found under `to` alone, or under no name when `to` is empty;
 * it keeps its own name everywhere else (COMMAND, ACL, INFO commandstats), as in Redis. The
 * table is the process's: only the server process applies its config's renames. Returns
 * Redis's error, or null.
 */
export function renameCommand(from: string, to: string): string | null {
  const cmd = byName.get(from.toLowerCase());
  if (cmd === undefined) return 'No such command in rename-command';
  if (to !== '' && byName.has(to.toLowerCase())) return 'Target command name already exists';
  byName.delete(from.toLowerCase());
  byName.delete(from.toUpperCase());
  if (to !== '') {
    byName.set(to.toLowerCase(), cmd);
    byName.set(to.toUpperCase(), cmd);
  }
  lastName = '';
  lastCommand = undefined;
  return null;
}

/** lookupCommandBySds: "get", or "config|get" for a subcommand; any case (COMMAND INFO, ACL rules). */
export function findCommand(fullname: string): Command | undefined {
  const name = fullname.toLowerCase();
  const bar = name.indexOf('|');
  if (bar < 0) return lookupCommand(name);
  return lookupCommand(name.slice(0, bar))?.subcommands?.find((s) => s.name === name);
}

export function allCommands(): readonly Command[] {
  return all;
}

/** Every command with a container's subcommands right after it (COMMAND LIST's and the ACL's order). */
const every: readonly Command[] = all.flatMap((cmd) => [cmd, ...(cmd.subcommands ?? [])]);

export function everyCommand(): readonly Command[] {
  return every;
}
