// SAVE BGSAVE LASTSAVE.
import { is } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';

const IN_PROGRESS = 'ERR Background save already in progress';

export const persistenceCommands: CommandSpec[] = [
  {
    // saveCommand
    name: 'save', arity: 1, flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'], acl: ['admin', 'slow', 'dangerous'],
    run(c) {
      const p = c.server.persistence;
      if (p.bgsaveInProgress) return c.reply.error(IN_PROGRESS);
      p.rdbSaves++;
      if (p.save()) c.reply.ok();
      else c.reply.error('ERR');
    },
  },
  {
    // bgsaveCommand: with no other kind of child than the snapshot, SCHEDULE changes nothing.
    name: 'bgsave', arity: -1, flags: ['admin', 'noscript', 'no_async_loading'], acl: ['admin', 'slow', 'dangerous'],
    run(c, argv) {
      if (argv.length > 2 || (argv.length === 2 && !is(argv[1], 'SCHEDULE'))) return c.reply.error(ERR.syntax);
      if (c.server.replication.snapshotter.bgsave()) c.reply.simple('Background saving started');
      else c.reply.error(IN_PROGRESS);
    },
  },
  {
    // lastsaveCommand
    name: 'lastsave', arity: 1, flags: ['loading', 'stale', 'fast'], acl: ['admin', 'fast', 'dangerous'],
    run(c) {
      c.reply.integer(c.server.persistence.lastSave);
    },
  },
];
