// MODULE (module.c moduleCommand) of a server that loads no modules: clients and tools send it
// to find out what the server has, and get Redis 7.0's answers.
import type { Client } from '../actors/client.js';
import type { CommandSpec } from './command.js';
import { allowProtectedAction } from './config-cmd.js';
import { container, replyHelp } from './subcommands.js';

const NOT_ALLOWED = 'ERR MODULE command not allowed. If the enable-module-command option is set to "local", ' +
  'you can run it from a local connection, otherwise you need to set this option in the configuration file, ' +
  'and then restart the server.';

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

/** LOAD, LOADEX and UNLOAD: refused unless enable-module-command allows, then failing as Redis fails with no such library or module. */
function protectedModuleCommand(failure: string): (c: Client) => void {
  return (c) => {
    if (!allowProtectedAction(c, c.server.config.get('enable-module-command')!)) return c.reply.error(NOT_ALLOWED);
    c.reply.error(failure);
  };
}

const ADMIN = { flags: ['admin', 'noscript', 'no_async_loading'], acl: ['admin', 'slow', 'dangerous'] } as const;
const LOAD_FAILED = 'ERR Error loading the extension. Please check the server logs.';

export const moduleCommands: CommandSpec[] = [
  container('module', [
    {
      name: 'module|list', arity: 2, flags: ['admin', 'noscript'], acl: [...ADMIN.acl],
      run: (c) => c.reply.emptyArray(),
    },
    { name: 'module|load', arity: -3, flags: [...ADMIN.flags], acl: [...ADMIN.acl], run: protectedModuleCommand(LOAD_FAILED) },
    { name: 'module|loadex', arity: -3, flags: [...ADMIN.flags], acl: [...ADMIN.acl], run: protectedModuleCommand(LOAD_FAILED) },
    {
      name: 'module|unload', arity: 3, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
      run: protectedModuleCommand('ERR Error unloading module: no such module with that name'),
    },
    { name: 'module|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow'], run: (c) => replyHelp(c, 'MODULE', HELP) },
  ]),
];
