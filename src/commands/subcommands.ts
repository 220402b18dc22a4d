// Container commands (CONFIG, CLIENT, COMMAND): in Redis 7.0 each subcommand is a command of
// its own, "config|get", with its own arity, flags and INFO commandstats line. The command
// table knows top-level commands only, so a container's run() finds the subcommand here,
// checks its arity as processCommand would, and counts it.
import type { Client } from '../actors/client.js';
import { compile, type Command, type CommandSpec } from './command.js';
import { cstr, ERR } from './errors.js';
import { serverState } from './server-state.js';

/** The command whose flags apply to argv: a container's subcommand when there is one (lookupCommand). */
export function effectiveCommand(cmd: Command, argv: readonly string[]): Command {
  const subs = cmd.subcommands;
  if (subs === undefined || argv.length < 2) return cmd;
  const full = `${cmd.name}|${argv[1]!.toLowerCase()}`;
  for (const s of subs) if (s.name === full) return s;
  return cmd;
}

/**
 * A container command from its subcommands, each named in full ("config|get") with Redis's
 * arity counting the container and subcommand words (-3 for CONFIG GET pattern...). bare,
 * when given, is the container called alone (COMMAND), with its own flags.
 */
export function container(name: string, subs: CommandSpec[], bare?: Pick<CommandSpec, 'flags' | 'acl' | 'run'>): CommandSpec {
  const compiled = subs.map(compile);
  const byName = new Map(compiled.map((s) => [s.name.slice(name.length + 1), s]));
  const check = (argv: string[]): string | null => {
    if (argv.length === 1) return null;
    const sub = byName.get(argv[1]!.toLowerCase());
    if (sub === undefined) return `ERR unknown subcommand '${cstr(argv[1]!)}'. Try ${name.toUpperCase()} HELP.`;
    if ((sub.arity > 0 && argv.length !== sub.arity) || argv.length < -sub.arity) {
      sub.stats.rejected++;
      return ERR.arity(sub.name);
    }
    return null;
  };
  return {
    name, arity: bare === undefined ? -2 : -1, flags: bare?.flags ?? [], acl: bare?.acl ?? ['slow'],
    check,
    subcommands: compiled,
    run(c: Client, argv: string[]) {
      if (argv.length === 1) return bare!.run(c, argv);
      const refused = check(argv);
      if (refused !== null) return c.reply.error(refused);
      const sub = byName.get(argv[1]!.toLowerCase())!;
      c.lastCommand = sub.name;
      const state = serverState(c.server);
      const errors = state.totalErrorReplies;
      const started = sub.stats.start();
      try {
        sub.run(c, argv);
      } catch (e) {
        sub.stats.failed++;
        throw e;
      } finally {
        sub.stats.finish(started);
      }
      // incrCommandStatsOnError: a subcommand that replied an error failed
      if (state.totalErrorReplies > errors) sub.stats.failed++;
    },
  };
}

/**
 * addReplySubcommandSyntaxError: a subcommand given an argument count its own check refuses
 * (or, for DEBUG, one it does not know), named as %.128s prints it, with the command upper-cased.
 */
export function subcommandSyntax(c: Client, argv: readonly string[]): void {
  c.reply.error(`ERR unknown subcommand or wrong number of arguments for '${cstr(argv[1]!)}'. Try ${argv[0]!.toUpperCase()} HELP.`);
}

/** addReplyHelp: the usage lines as status replies, headed as Redis heads them. */
export function replyHelp(c: Client, name: string, lines: readonly string[]): void {
  c.reply.array(lines.length + 3);
  c.reply.simple(`${name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) c.reply.simple(l);
  c.reply.simple('HELP');
  c.reply.simple('    Prints this help.');
}
