// MULTI EXEC DISCARD WATCH UNWATCH (multi.c).
import type { Client } from '../actors/client.js';
import type { CommandSpec } from './command.js';
import { checkAcl, execNopermReply } from './acl-check.js';
import { Denial } from './acl-users.js';
import { call } from './dispatch.js';
import { effectiveCommand } from './subcommands.js';
import { lookupCommand } from './table.js';

/** Ends a client's MULTI and its WATCHes (EXEC, DISCARD, a refused EXEC). */
export function discardTransaction(c: Client): void {
  c.multi = null;
  c.unwatchAll();
}

export const transactionCommands: CommandSpec[] = [
  {
    name: 'multi', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], acl: ['fast', 'transaction'],
    run(c) {
      if (c.multi !== null) return c.reply.error('ERR MULTI calls can not be nested');
      c.multi = { queue: [], bytes: 0, denyOom: false, write: false, denyStale: false, mayReplicate: false, failed: false };
      c.reply.ok();
    },
  },
  {
    name: 'exec', arity: 1, flags: ['noscript', 'loading', 'stale', 'skip_slowlog'], acl: ['slow', 'transaction'],
    run(c) {
      const multi = c.multi;
      if (multi === null) return c.reply.error('ERR EXEC without MULTI');
      const aborted = multi.failed;
      const dirty = c.casDirty || c.watchedKeyExpired();
      discardTransaction(c);
      if (aborted) return c.reply.error('EXECABORT Transaction discarded because of previous errors.');
      if (dirty) return c.reply.nullArray();
      c.reply.array(multi.queue.length);
      c.inExec = true;
      try {
        for (const argv of multi.queue) {
          const cmd = lookupCommand(argv[0]!)!;
          // The rules may have changed since the command was queued.
          const denial = checkAcl(c, c.user, effectiveCommand(cmd, argv), argv, 'multi');
          if (denial === Denial.None) call(c, cmd, argv);
          else c.reply.error(execNopermReply(denial));
        }
      } finally {
        c.inExec = false;
      }
      // The queued commands propagated themselves; several go out wrapped in MULTI/EXEC.
      c.preventPropagation();
    },
  },
  {
    name: 'discard', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], acl: ['fast', 'transaction'],
    run(c) {
      if (c.multi === null) return c.reply.error('ERR DISCARD without MULTI');
      discardTransaction(c);
      c.reply.ok();
    },
  },
  {
    name: 'watch', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], keys: [1, -1, 1],
    acl: ['fast', 'transaction'],
    run(c, argv) {
      if (c.multi !== null) return c.reply.error('ERR WATCH inside MULTI is not allowed');
      for (let i = 1; i < argv.length; i++) c.watchKey(argv[i]!);
      c.reply.ok();
    },
  },
  {
    name: 'unwatch', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], acl: ['fast', 'transaction'],
    run(c) {
      c.unwatchAll();
      c.reply.ok();
    },
  },
];
