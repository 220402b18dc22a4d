// Server commands: DBSIZE FLUSHDB FLUSHALL TIME SHUTDOWN here; INFO, CONFIG, CLIENT, COMMAND
// and DEBUG in the files beside this one.
import { BUSY_EVAL, BUSY_FUNCTION } from '../scripting/engine.js';
import type { Client } from '../actors/client.js';
import { is } from './args.js';
import { clientCommand } from './client-cmd.js';
import type { CommandSpec } from './command.js';
import { commandCommand } from './command-cmd.js';
import { configCommand } from './config-cmd.js';
import { debugCommands } from './debug.js';
import { ERR } from './errors.js';
import { infoCommands } from './info.js';

/** getFlushCommandFlags: no argument, ASYNC or SYNC (all the same here: freeing is the GC's). */
function flushArgsOk(c: Client, argv: string[]): boolean {
  if (argv.length === 1 || (argv.length === 2 && (is(argv[1], 'ASYNC') || is(argv[1], 'SYNC')))) return true;
  c.reply.error(ERR.syntax);
  return false;
}

/**
 * shutdownCommand: NOSAVE / SAVE / NOW / FORCE in any order, ABORT alone. The client waits
 * while the shutdown waits for the replicas; a successful one closes the connection without
 * a reply, a failed one (or an abort) answers it an error.
 */
function shutdown(c: Client, argv: string[]): void {
  const flags = { save: false, nosave: false, now: false, force: false };
  let abort = false;
  for (const a of argv.slice(1)) {
    if (is(a, 'NOSAVE')) flags.nosave = true;
    else if (is(a, 'SAVE')) flags.save = true;
    else if (is(a, 'NOW')) flags.now = true;
    else if (is(a, 'FORCE')) flags.force = true;
    else if (is(a, 'ABORT')) abort = true;
    else return c.reply.error(ERR.syntax);
  }
  const any = flags.save || flags.nosave || flags.now || flags.force;
  if ((abort && any) || (flags.save && flags.nosave)) return c.reply.error(ERR.syntax);
  if (abort) return c.server.shutdown.abort() ? c.reply.ok() : c.reply.error('ERR No shutdown in progress.');
  // A script past busy-reply-threshold: only SHUTDOWN NOSAVE may stop the server under it.
  const busy = c.server.scripting.busy;
  if (busy !== null && !flags.nosave) return c.reply.error(busy.isEval ? BUSY_EVAL : BUSY_FUNCTION);
  c.server.shutdown.request(flags, c);
}

const basics: CommandSpec[] = [
  {
    // dbsizeCommand
    name: 'dbsize', arity: 1, flags: ['readonly', 'fast'], acl: ['keyspace', 'read', 'fast'],
    run(c) {
      c.reply.integer(c.db.size);
    },
  },
  {
    // flushdbCommand
    name: 'flushdb', arity: -1, flags: ['write'], acl: ['keyspace', 'write', 'slow', 'dangerous'],
    run(c, argv) {
      if (!flushArgsOk(c, argv)) return;
      c.db.flush();
      c.server.tracking.invalidateOnFlush();
      c.forcePropagation();
      c.reply.ok();
    },
  },
  {
    // flushallCommand, flushAllDataAndResetRDB: with save points configured, the empty
    // dataset is saved at once (which clears the change count, as rdbSave does).
    name: 'flushall', arity: -1, flags: ['write'], acl: ['keyspace', 'write', 'slow', 'dangerous'],
    run(c, argv) {
      if (!flushArgsOk(c, argv)) return;
      const p = c.server.persistence;
      c.server.keyspace.flushAll();
      c.server.tracking.invalidateOnFlush();
      p.abortBgsave();
      if (c.server.config.get('save') !== '') p.save();
      c.forcePropagation();
      c.reply.ok();
    },
  },
  {
    // timeCommand
    name: 'time', arity: 1, flags: ['loading', 'stale', 'fast'], acl: ['fast'],
    run(c) {
      const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
      c.reply.array(2);
      c.reply.bulk(String(Math.floor(us / 1e6)));
      c.reply.bulk(String(us % 1e6));
    },
  },
  {
    name: 'shutdown', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
    acl: ['admin', 'slow', 'dangerous'],
    run: shutdown,
  },
];

export const serverCommands: CommandSpec[] = [
  ...basics, ...infoCommands, configCommand, clientCommand, commandCommand, ...debugCommands,
];
