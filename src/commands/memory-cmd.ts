// MEMORY (object.c memoryCommand): USAGE, whose figure is the one eviction counts as freed
// when the key goes (store/object-size.ts), and HELP.
import { keySize, DEFAULT_SAMPLES } from '../store/object-size.js';
import { intArg, is } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';
import { container, replyHelp } from './subcommands.js';

const HELP = [
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

export const memoryCommands: CommandSpec[] = [
  container('memory', [
    {
      name: 'memory|usage', arity: -3, flags: ['readonly'], keys: [2, 2, 1], acl: ['read', 'slow'],
      run(c, argv) {
        let samples = DEFAULT_SAMPLES;
        for (let j = 3; j < argv.length; j++) {
          if (!is(argv[j], 'SAMPLES') || j + 1 >= argv.length) return c.reply.error(ERR.syntax);
          const n = intArg(c, argv[++j]!);
          if (n === null) return;
          if (n < 0) return c.reply.error(ERR.syntax);
          samples = n;
        }
        // dbFind: no expiry check and no access stamp, as Redis.
        const value = c.db.dict.get(argv[2]!);
        if (value === undefined) return c.reply.nullBulk();
        c.reply.integer(keySize(argv[2]!, value, samples));
      },
    },
    {
      name: 'memory|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow'],
      run(c) {
        replyHelp(c, 'MEMORY', HELP);
      },
    },
  ]),
];
