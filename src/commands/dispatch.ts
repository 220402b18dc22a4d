// processCommand and call: the one path every command takes, from a client socket, a
// MULTI/EXEC or (later) a master's replication stream. It checks what Redis checks, in
// Redis's order, then runs the command and counts it.
import type { Client } from '../actors/client.js';
import type { Command } from './command.js';
import { ERR } from './errors.js';
import { BUSY_EVAL, BUSY_FUNCTION } from '../scripting/engine.js';
import { serverState } from './server-state.js';
import { subcommandOf } from './subcommands.js';
import { lookupCommand } from './table.js';

/** Commands that run at once inside MULTI instead of being queued. */
const MULTI_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export const MISCONF = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  'Commands that may modify the data set are disabled, because this instance is configured to report errors during ' +
  'writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details ' +
  'about the RDB error.';

export function execute(c: Client, argv: string[]): void {
  const cmd = lookupCommand(argv[0]!);
  if (cmd === undefined) {
    reject(c, unknownCommand(argv));
    return;
  }
  c.lastCommand = cmd.name;
  if ((cmd.arity > 0 && argv.length !== cmd.arity) || argv.length < -cmd.arity) {
    reject(c, ERR.arity(cmd.name), cmd);
    return;
  }
  if (!c.authenticated && !cmd.noAuth) {
    reject(c, ERR.noAuth, cmd);
    return;
  }
  const busy = c.server.scripting.busy;
  if (busy !== null && !cmd.allowBusy && subcommandOf(cmd, argv)?.allowBusy !== true) {
    reject(c, busy.isEval ? BUSY_EVAL : BUSY_FUNCTION, cmd);
    return;
  }
  if ((cmd.isWrite || cmd.name === 'ping') && c.server.persistence.writesDeniedByDiskError) {
    reject(c, MISCONF, cmd);
    return;
  }
  if (c.multi !== null && !MULTI_CONTROL.has(cmd.name)) {
    if (cmd.noMulti) {
      reject(c, 'ERR Command not allowed inside a transaction', cmd);
      return;
    }
    c.multi.queue.push(argv);
    c.reply.simple('QUEUED');
    return;
  }
  call(c, cmd, argv);
}

/** call(): runs a command that passed the checks, and counts it for INFO. */
export function call(c: Client, cmd: Command, argv: string[]): void {
  const server = c.server;
  const state = serverState(server);
  const errors = state.totalErrorReplies;
  const started = cmd.stats.start();
  c.lastCommand = cmd.name;
  try {
    cmd.run(c, argv);
  } catch (e) {
    server.log.warning(`Command ${cmd.name} failed: ${e instanceof Error ? e.stack : String(e)}`);
    c.reply.error(`ERR ${e instanceof Error ? e.message : String(e)}`);
  }
  if (state.totalErrorReplies > errors) cmd.stats.failed++;
  cmd.stats.finish(started);
  server.stats.commandsProcessed++;
}

function reject(c: Client, msg: string, cmd?: Command): void {
  if (cmd !== undefined) cmd.stats.rejected++;
  if (c.multi !== null) c.multi.failed = true;
  c.server.stats.rejectedCalls++;
  c.reply.error(msg);
}

function unknownCommand(argv: string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i]!.slice(0, 128 - args.length)}' `;
  }
  return `ERR unknown command '${argv[0]!.slice(0, 128)}', with args beginning with: ${args}`;
}
