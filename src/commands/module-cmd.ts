// MODULE (module.c moduleCommand) of a server that loads no modules: clients and tools send it
// to find out what the server has, and get Redis 7.0's answers.
import type { CommandSpec } from './command.js';
import { container, replyHelp } from './subcommands.js';

const HELP = [
  'LIST',
  '    Return a list of loaded modules.',
  'LOAD <path> [<arg> ...]',
  '    Load a module library from <path>, passing to it any optional arguments.',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Load a module library from <path>, while passing it module configurations and optional arguments.',
  'UNLOAD <name>',
  '    Unload a module.',
];

const ADMIN_ACL = ['admin', 'slow', 'dangerous'];

/** LOAD, LOADEX and UNLOAD: protected (enable-module-command, which dispatch checks), then failing as Redis fails with no such library or module. */
function protectedAdmin(): Pick<CommandSpec, 'flags' | 'acl' | 'protectedBy'> {
  return { flags: ['admin', 'noscript', 'no_async_loading'], acl: [...ADMIN_ACL], protectedBy: 'enable-module-command' };
}

const LOAD_FAILED = 'ERR Error loading the extension. Please check the server logs.';

export const moduleCommands: CommandSpec[] = [
  container('module', [
    {
      name: 'module|list', arity: 2, flags: ['admin', 'noscript'], acl: [...ADMIN_ACL],
      run: (c) => c.reply.emptyArray(),
    },
    { name: 'module|load', arity: -3, ...protectedAdmin(), run: (c) => c.reply.error(LOAD_FAILED) },
    { name: 'module|loadex', arity: -3, ...protectedAdmin(), run: (c) => c.reply.error(LOAD_FAILED) },
    {
      name: 'module|unload', arity: 3, ...protectedAdmin(),
      run: (c) => c.reply.error('ERR Error unloading module: no such module with that name'),
    },
    { name: 'module|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow'], run: (c) => replyHelp(c, 'MODULE', HELP) },
  ]),
];
