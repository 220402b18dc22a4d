// MEMORY (object.c memoryCommand): PURGE and HELP. Redis's PURGE asks jemalloc to return
// dirty pages; redstate's memory is V8's heap, whose counterpart is a full garbage
// collection, so that INFO's used_memory then counts live data only (what the benches read
// before and after loading a dataset). The other subcommands (USAGE, STATS, DOCTOR,
// MALLOC-STATS) report allocator internals redstate does not have.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CommandSpec } from './command.js';
import { container, replyHelp } from './subcommands.js';

const HELP = [
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
];

let collector: (() => void) | undefined;

/** V8's full collection, exposed once on first use (as --expose-gc would, without the flag). */
function collectGarbage(): void {
  if (collector === undefined) {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
  }
  collector();
}

export const memoryCommands: CommandSpec[] = [
  container('memory', [
    {
      name: 'memory|purge', arity: 2, flags: [], acl: ['slow'],
      run(c) {
        collectGarbage();
        c.reply.ok();
      },
    },
    { name: 'memory|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow'], run: (c) => replyHelp(c, 'MEMORY', HELP) },
  ]),
];
