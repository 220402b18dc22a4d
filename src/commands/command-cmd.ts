// COMMAND [COUNT LIST INFO DOCS GETKEYS GETKEYSANDFLAGS HELP] (server.c commandCommand and friends): the
// command table as Redis 7.0 describes it to clients.
import type { Client } from '../actors/client.js';
import { is } from './args.js';
import { COMMAND_DOCS } from './command-docs-data.js';
import { COMMAND_INFO_EXTRA } from './command-info-data.js';
import { replyDoc, type DocEntry } from './command-docs.js';
import { globMatch } from './glob.js';
import { keysWithFlags } from './key-specs.js';
import type { Command, CommandFlag } from './command.js';
import { ERR } from './errors.js';
import { container, replyHelp } from './subcommands.js';
import { allCommands, everyCommand, findCommand, lookupCommand } from './table.js';

/** addReplyCommandFlags' order (may_replicate is hidden on purpose, as in Redis). */
const FLAG_ORDER: readonly string[] = [
  'write', 'readonly', 'denyoom', 'module', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale',
  'skip_monitor', 'skip_slowlog', 'asking', 'fast', 'no_auth', 'no_mandatory_keys', 'no_async_loading',
  'no_multi', 'movablekeys', 'allow_busy',
];

/** ACLCommandCategories' order. */
export const ACL_ORDER = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog',
  'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection',
  'transaction', 'scripting',
];

/** The command's ACL categories with setImplicitACLCategories' additions, in Redis's order. */
export function aclCategories(cmd: Command): string[] {
  const cats = new Set(cmd.acl ?? []);
  const has = (f: CommandFlag): boolean => cmd.flags.includes(f);
  if (has('write')) cats.add('write');
  if (has('readonly') && !cats.has('scripting')) cats.add('read');
  if (has('admin')) cats.add('admin').add('dangerous');
  if (has('pubsub')) cats.add('pubsub');
  if (has('fast')) cats.add('fast');
  if (has('blocking')) cats.add('blocking');
  if (!cats.has('fast')) cats.add('slow');
  return ACL_ORDER.filter((a) => cats.has(a));
}

/** A key spec as COMMAND INFO lists it: notes, flags, begin_search and find_keys, each a map of its type and spec. */
export interface KeySpec {
  [field: string]: string | number | string[] | KeySpec;
}

/** COMMAND INFO's tips and key specs of a command (command-info-data.ts, generated from redis-server 7.0). */
export interface InfoExtra {
  tips?: string[];
  keySpecs?: KeySpec[];
}

/** addReplyCommandKeySpecs' map of one key spec (or of its begin_search / find_keys part): flags are a set of statuses. */
function replyKeySpec(c: Client, spec: KeySpec): void {
  const fields = Object.keys(spec);
  c.reply.map(fields.length);
  for (const f of fields) {
    c.reply.bulk(f);
    const v = spec[f]!;
    if (typeof v === 'number') c.reply.integer(v);
    else if (typeof v === 'string') c.reply.bulk(v);
    else if (Array.isArray(v)) {
      c.reply.set(v.length);
      for (const flag of v) c.reply.simple(flag);
    } else replyKeySpec(c, v);
  }
}

/** addReplyCommandInfo: the ten fields of one entry; flags, categories, tips and key specs are sets in RESP3. */
function replyCommandInfo(c: Client, cmd: Command): void {
  const [first, last, step] = cmd.keys ?? [0, 0, 0];
  const flags = FLAG_ORDER.filter((f) => (cmd.flags as readonly string[]).includes(f));
  const cats = aclCategories(cmd);
  const subs = cmd.subcommands ?? [];
  const extra = COMMAND_INFO_EXTRA[cmd.name] ?? {};
  c.reply.array(10);
  c.reply.bulk(cmd.name);
  c.reply.integer(cmd.arity);
  c.reply.set(flags.length);
  for (const f of flags) c.reply.simple(f);
  c.reply.integer(first);
  c.reply.integer(last);
  c.reply.integer(step);
  c.reply.set(cats.length);
  for (const a of cats) c.reply.simple(`@${a}`);
  const tips = extra.tips ?? [];
  c.reply.set(tips.length);
  for (const t of tips) c.reply.bulk(t);
  const specs = extra.keySpecs ?? [];
  c.reply.set(specs.length);
  for (const spec of specs) replyKeySpec(c, spec);
  // A container's subcommands are an array of entries; a plain command has an empty set.
  if (subs.length === 0) return c.reply.set(0);
  c.reply.array(subs.length);
  for (const s of subs) replyCommandInfo(c, s);
}

/** lookupCommand(argv): the subcommand a container's argv names, or the command itself. */
function commandOfArgv(argv: string[]): Command | undefined {
  const cmd = lookupCommand(argv[0]!);
  const subs = cmd?.subcommands;
  if (subs === undefined || argv.length === 1) return cmd;
  return findCommand(`${cmd!.name}|${argv[1]}`);
}

function replyAll(c: Client): void {
  const all = allCommands();
  c.reply.array(all.length);
  for (const cmd of all) replyCommandInfo(c, cmd);
}

/** commandListCommand: all names, or those passing FILTERBY MODULE | ACLCAT | PATTERN. */
function commandList(c: Client, argv: string[]): void {
  let keep: (cmd: Command) => boolean = () => true;
  for (let i = 2; i < argv.length; i += 3) {
    if (!is(argv[i], 'FILTERBY') || argv.length - 1 - i !== 2) return c.reply.error(ERR.syntax);
    const arg = argv[i + 2]!;
    if (is(argv[i + 1], 'MODULE')) keep = () => false;
    else if (is(argv[i + 1], 'ACLCAT')) keep = (cmd) => aclCategories(cmd).includes(arg.toLowerCase());
    else if (is(argv[i + 1], 'PATTERN')) keep = (cmd) => globMatch(arg, cmd.name, true);
    else return c.reply.error(ERR.syntax);
  }
  const names = everyCommand().filter(keep).map((cmd) => cmd.name);
  c.reply.bulks(names, names.length);
}

// getKeysSubcommandImpl
/** GETKEYS and GETKEYSANDFLAGS: the keys of a full command line, with their flags for the latter. */
function commandGetKeys(c: Client, argv: string[], withFlags: boolean): void {
  const args = argv.slice(2);
  const cmd = commandOfArgv(args);
  if (cmd === undefined) return c.reply.error('ERR Invalid command specified');
  if (!cmd.flags.includes('movablekeys') && (cmd.keys === undefined || cmd.keys[0] === 0)) {
    return c.reply.error('ERR The command has no key arguments');
  }
  if ((cmd.arity > 0 && cmd.arity !== args.length) || args.length < -cmd.arity) {
    return c.reply.error('ERR Invalid number of arguments specified for command');
  }
  const keys = keysWithFlags(cmd, args);
  if (keys.length === 0 && !cmd.flags.includes('no_mandatory_keys')) {
    return c.reply.error('ERR Invalid arguments specified for command');
  }
  c.reply.array(keys.length);
  for (const { key, flags } of keys) {
    if (!withFlags) {
      c.reply.bulk(key);
      continue;
    }
    c.reply.array(2);
    c.reply.bulk(key);
    c.reply.set(flags.length);
    for (const f of flags) c.reply.simple(f);
  }
}

/**
 * A command's documentation entry; a subcommand's sits in its container's. A command added
 * since the data was generated (npm run docs:commands) has an empty one until it is.
 */
function docOf(cmd: Command): DocEntry {
  const bar = cmd.name.indexOf('|');
  if (bar < 0) return COMMAND_DOCS[cmd.name] ?? {};
  const subs = COMMAND_DOCS[cmd.name.slice(0, bar)]?.subcommands as DocEntry | undefined;
  return (subs?.[cmd.name] as DocEntry | undefined) ?? {};
}

/**
 * commandDocsCommand: a map of every command's docs, or of those named (unknown names left out).
 * The count is taken after the lookup and every counted command writes an entry (docOf's empty
 * one where the data lacks it), so the map never promises more than it sends.
 */
function commandDocs(c: Client, argv: string[]): void {
  const cmds = argv.length === 2 ? allCommands() : argv.slice(2).map(findCommand).filter((x): x is Command => x !== undefined);
  c.reply.map(cmds.length);
  for (const cmd of cmds) {
    c.reply.bulk(cmd.name);
    replyDoc(c, docOf(cmd));
  }
}

const HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

const CONN = ['loading', 'stale'] as const;

export const commandCommand = container('command', [
  {
    name: 'command|count', arity: 2, flags: [...CONN], acl: ['slow', 'connection'],
    run(c) {
      c.reply.integer(allCommands().length);
    },
  },
  {
    name: 'command|list', arity: -2, flags: [...CONN], acl: ['slow', 'connection'],
    run: commandList,
  },
  {
    name: 'command|info', arity: -2, flags: [...CONN], acl: ['slow', 'connection'],
    run(c, argv) {
      if (argv.length === 2) return replyAll(c);
      c.reply.array(argv.length - 2);
      for (const name of argv.slice(2)) {
        const cmd = findCommand(name);
        if (cmd === undefined) c.reply.nullBulk();
        else replyCommandInfo(c, cmd);
      }
    },
  },
  {
    name: 'command|docs', arity: -2, flags: [...CONN], acl: ['slow', 'connection'],
    run: commandDocs,
  },
  {
    name: 'command|getkeys', arity: -4, flags: [...CONN], acl: ['slow', 'connection'],
    run: (c, argv) => commandGetKeys(c, argv, false),
  },
  {
    name: 'command|getkeysandflags', arity: -4, flags: [...CONN], acl: ['slow', 'connection'],
    run: (c, argv) => commandGetKeys(c, argv, true),
  },
  {
    name: 'command|help', arity: 2, flags: [...CONN], acl: ['slow', 'connection'],
    run(c) {
      replyHelp(c, 'COMMAND', HELP);
    },
  },
], { flags: [...CONN], acl: ['slow', 'connection'], run: replyAll });
