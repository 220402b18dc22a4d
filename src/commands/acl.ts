// ACL (aclCommand): users, their rules, the log of refusals.
import { randomBytes } from 'node:crypto';
import type { Client } from '../actors/client.js';
import { Denial, type AclUser } from './acl-users.js';
import { intArg, is } from './args.js';
import { aclCategories, ACL_ORDER } from './command-cmd.js';
import type { CommandSpec } from './command.js';
import { container, effectiveCommand, replyHelp, subcommandSyntax } from './subcommands.js';
import { everyCommand, lookupCommand } from './table.js';

const HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

const NO_ACL_FILE = 'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ' +
  'ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to ' +
  'store users in the Redis configuration.';

const ADMIN = { flags: ['admin', 'noscript', 'loading', 'stale'], acl: ['admin', 'slow', 'dangerous'] } as const;
const PLAIN = { flags: ['noscript', 'loading', 'stale'], acl: ['slow'] } as const;

/** A selector's commands, keys and channels, as GETUSER shows each selector. */
function replySelector(c: Client, s: AclUser['root']): void {
  c.reply.bulk('commands');
  c.reply.bulk(s.describeCommands());
  c.reply.bulk('keys');
  c.reply.bulk(s.describeKeys());
  c.reply.bulk('channels');
  c.reply.bulk(s.describeChannels());
}

/** ACL GENPASS's output: bits rounded up to hex digits. */
function genpass(bits: number): string {
  return randomBytes(Math.ceil(bits / 8)).toString('hex').slice(0, Math.ceil(bits / 4));
}

export const aclCommands: CommandSpec[] = [container('acl', [
  {
    name: 'acl|cat', arity: -2, flags: [...PLAIN.flags], acl: [...PLAIN.acl],
    run(c, argv) {
      if (argv.length > 3) return subcommandSyntax(c, argv);
      if (argv.length === 2) {
        c.reply.array(ACL_ORDER.length);
        for (const cat of ACL_ORDER) c.reply.bulk(cat);
        return;
      }
      const cat = argv[2]!.toLowerCase();
      if (!ACL_ORDER.includes(cat)) return c.reply.error(`ERR Unknown category '${argv[2]!.slice(0, 128)}'`);
      const names: string[] = [];
      for (const one of everyCommand()) if (aclCategories(one).includes(cat)) names.push(one.name);
      c.reply.array(names.length);
      for (const n of names) c.reply.bulk(n);
    },
  },
  {
    name: 'acl|deluser', arity: -3, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c, argv) {
      const names = argv.slice(2);
      if (names.includes('default')) return c.reply.error("ERR The 'default' user cannot be removed");
      c.reply.integer(c.server.acl.deleteUsers(names, c));
    },
  },
  {
    name: 'acl|dryrun', arity: -4, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c, argv) {
      const user = c.server.acl.users.get(argv[2]!);
      if (user === undefined) return c.reply.error(`ERR User '${argv[2]}' not found`);
      const line = argv.slice(3);
      const top = lookupCommand(line[0]!);
      const cmd = top === undefined ? undefined : effectiveCommand(top, line);
      const known = cmd !== undefined && (top!.subcommands === undefined || line.length < 2 || cmd !== top);
      if (!known) return c.reply.error(`ERR Command '${line[0]}' not found`);
      if ((cmd.arity > 0 && cmd.arity !== line.length) || line.length < -cmd.arity) {
        return c.reply.error(`ERR wrong number of arguments for '${cmd.name}' command`);
      }
      const { denial, object } = user.unrestricted ? { denial: Denial.None, object: '' } : user.check(cmd, line);
      if (denial === Denial.None) return c.reply.ok();
      c.reply.bulk(denial === Denial.Command ? `This user has no permissions to run the '${cmd.name}' command`
        : `This user has no permissions to access the '${object}' ${denial === Denial.Key ? 'key' : 'channel'}`);
    },
  },
  {
    name: 'acl|genpass', arity: -2, flags: [...PLAIN.flags], acl: [...PLAIN.acl],
    run(c, argv) {
      if (argv.length > 3) return subcommandSyntax(c, argv);
      let bits = 256;
      if (argv.length === 3) {
        const n = intArg(c, argv[2]!);
        if (n === null) return;
        bits = n;
      }
      if (bits <= 0 || bits > 4096) {
        return c.reply.error('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
      }
      c.reply.bulk(genpass(bits));
    },
  },
  {
    name: 'acl|getuser', arity: 3, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c, argv) {
      const u = c.server.acl.users.get(argv[2]!);
      if (u === undefined) return c.reply.nullBulk();
      c.reply.map(6);
      c.reply.bulk('flags');
      const flags = u.flagNames();
      c.reply.set(flags.length);
      for (const f of flags) c.reply.bulk(f);
      c.reply.bulk('passwords');
      c.reply.array(u.passwords.length);
      for (const p of u.passwords) c.reply.bulk(p);
      replySelector(c, u.root);
      c.reply.bulk('selectors');
      c.reply.array(u.selectors.length - 1);
      for (const s of u.selectors.slice(1)) {
        c.reply.map(3);
        replySelector(c, s);
      }
    },
  },
  {
    name: 'acl|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow'],
    run(c) {
      replyHelp(c, 'ACL', HELP);
    },
  },
  {
    name: 'acl|list', arity: 2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c) {
      const lines = c.server.acl.userLines();
      c.reply.array(lines.length);
      for (const l of lines) c.reply.bulk(l);
    },
  },
  {
    name: 'acl|load', arity: 2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c) {
      if (c.server.config.get('aclfile') === '') return c.reply.error(NO_ACL_FILE);
      const errors = c.server.acl.loadFile(c);
      if (errors === null) c.reply.ok();
      else c.reply.error(`ERR ${errors}`);
    },
  },
  {
    name: 'acl|log', arity: -2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c, argv) {
      if (argv.length > 3) return subcommandSyntax(c, argv);
      const log = c.server.acl.log;
      let count = 10;
      if (argv.length === 3) {
        if (is(argv[2], 'RESET')) {
          log.length = 0;
          return c.reply.ok();
        }
        const n = intArg(c, argv[2]!);
        if (n === null) return;
        count = Math.max(0, n);
      }
      count = Math.min(count, log.length);
      const now = Date.now();
      c.reply.array(count);
      for (const e of log.slice(0, count)) {
        c.reply.map(7);
        c.reply.bulk('count'); c.reply.integer(e.count);
        c.reply.bulk('reason'); c.reply.bulk(e.reason);
        c.reply.bulk('context'); c.reply.bulk(e.context);
        c.reply.bulk('object'); c.reply.bulk(e.object);
        c.reply.bulk('username'); c.reply.bulk(e.username);
        c.reply.bulk('age-seconds'); c.reply.double((now - e.at) / 1000);
        c.reply.bulk('client-info'); c.reply.bulk(e.clientInfo);
      }
    },
  },
  {
    name: 'acl|save', arity: 2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c) {
      if (c.server.config.get('aclfile') === '') return c.reply.error(NO_ACL_FILE);
      if (c.server.acl.saveFile()) c.reply.ok();
      else c.reply.error('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
    },
  },
  {
    name: 'acl|setuser', arity: -3, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c, argv) {
      const err = c.server.acl.setUser(argv[2]!, argv.slice(3));
      if (err === null) c.reply.ok();
      else c.reply.error(err);
    },
  },
  {
    name: 'acl|users', arity: 2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c) {
      const users = c.server.acl.sortedUsers();
      c.reply.array(users.length);
      for (const u of users) c.reply.bulk(u.name);
    },
  },
  {
    name: 'acl|whoami', arity: 2, flags: [...PLAIN.flags], acl: [...PLAIN.acl],
    run(c) {
      c.reply.bulk(c.user.name);
    },
  },
])];
