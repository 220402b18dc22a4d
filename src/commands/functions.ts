// FCALL FCALL_RO and FUNCTION (LOAD DELETE LIST DUMP RESTORE STATS KILL FLUSH HELP), as Redis
// 7.0's functions.c answers them. Libraries are kept by src/scripting/functions.ts; the
// callbacks run in the engine's functions state.
import type { Client } from '../actors/client.js';
import { ScriptRun } from '../scripting/engine.js';
import { declaredCallFlags, EVAL_FLAGS, EVAL_RO_FLAGS, refuseScriptRun, SCRIPTING } from './scripting.js';
import { intArg, is } from './args.js';
import type { CallFlags, CommandSpec } from './command.js';
import { cs } from './errors.js';
import { globMatch } from './glob.js';
import { container, replyHelp, subcommandSyntax } from './subcommands.js';

/** fcallCommandGeneric: FCALL and FCALL_RO. */
function fcall(c: Client, argv: string[], ro: boolean): void {
  // fcallCommandGeneric: MONITOR sees the call before the commands it runs.
  c.server.replication.feedMonitorsFirst(c, argv);
  const engine = c.server.scripting;
  const found = engine.functions.lookup(argv[1]!);
  if (found === undefined) return c.reply.error('ERR Function not found');
  const numkeys = intArg(c, argv[2]!, 'ERR Bad number of keys provided');
  if (numkeys === null) return;
  if (numkeys > argv.length - 3) return c.reply.error("ERR Number of keys can't be greater than number of args");
  if (numkeys < 0) return c.reply.error("ERR Number of keys can't be negative");
  const refused = refuseScriptRun(c, found.info.flags, ro);
  if (refused !== null) return c.reply.error(refused);
  const noWrites = found.info.flags.includes('no-writes');
  // Its effects propagate, not the call (see engine.ts).
  c.preventPropagation();
  const run = new ScriptRun(c, argv, ro || noWrites, false, found.info.name, found.info.flags.includes('allow-oom'));
  engine.prepare(run);
  engine.start(run, {
    op: 'fcall', name: found.info.name, keys: argv.slice(3, 3 + numkeys), args: argv.slice(3 + numkeys), resp3: c.reply.resp3,
  });
}

/** fcallGetCommandFlags: a known function is judged by its declared flags. */
function fcallDeclaredFlags(c: Client, argv: string[]): CallFlags | null {
  const found = c.server.scripting.functions.lookup(argv[1]!);
  return found === undefined ? null : declaredCallFlags(found.info.flags);
}

/** FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern]. */
function functionList(c: Client, argv: string[]): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    // Each option once: a second one is an unknown argument.
    if (!withCode && is(argv[i], 'WITHCODE')) withCode = true;
    else if (pattern === null && is(argv[i], 'LIBRARYNAME')) {
      if (i + 1 >= argv.length) return c.reply.error('ERR library name argument was not given');
      pattern = argv[++i]!;
    } else return c.reply.error(`ERR Unknown argument ${cs(argv[i]!)}`);
  }
  const libs = [...c.server.scripting.functions.libraries.values()].filter((l) => pattern === null || globMatch(pattern, l.name));
  c.reply.array(libs.length);
  for (const lib of libs) {
    c.reply.map(withCode ? 4 : 3);
    c.reply.bulk('library_name');
    c.reply.bulk(lib.name);
    c.reply.bulk('engine');
    c.reply.bulk('LUA');
    c.reply.bulk('functions');
    c.reply.array(lib.functions.length);
    for (const f of lib.functions) {
      c.reply.map(3);
      c.reply.bulk('name');
      c.reply.bulk(f.name);
      c.reply.bulk('description');
      c.reply.bulkOrNull(f.description);
      c.reply.bulk('flags');
      c.reply.set(f.flags.length);
      for (const flag of f.flags) c.reply.simple(flag);
    }
    if (withCode) {
      c.reply.bulk('library_code');
      c.reply.bulk(lib.code);
    }
  }
}

/** FUNCTION STATS: the function running past the threshold, and the counts per engine. */
function functionStats(c: Client): void {
  const engine = c.server.scripting;
  const run = engine.busy;
  c.reply.map(2);
  c.reply.bulk('running_script');
  if (run === null || run.isEval) c.reply.nullBulk();
  else {
    c.reply.map(3);
    c.reply.bulk('name');
    c.reply.bulk(run.name);
    c.reply.bulk('command');
    c.reply.bulks(run.argv, run.argv.length);
    c.reply.bulk('duration_ms');
    c.reply.integer(Date.now() - run.started);
  }
  c.reply.bulk('engines');
  c.reply.map(1);
  c.reply.bulk('LUA');
  c.reply.map(2);
  c.reply.bulk('libraries_count');
  c.reply.integer(engine.functions.libraries.size);
  c.reply.bulk('functions_count');
  c.reply.integer(engine.functions.functionCount);
}

const HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

export const functionCommands: CommandSpec[] = [
  {
    name: 'fcall', arity: -3, flags: [...EVAL_FLAGS], keys: [0, 0, 0], acl: SCRIPTING,
    run: (c, argv) => fcall(c, argv, false),
    declaredFlags: fcallDeclaredFlags,
  },
  {
    name: 'fcall_ro', arity: -3, flags: [...EVAL_RO_FLAGS], keys: [0, 0, 0], acl: SCRIPTING,
    run: (c, argv) => fcall(c, argv, true),
    declaredFlags: fcallDeclaredFlags,
  },
  container('function', [
    {
      name: 'function|load', arity: -3, flags: ['write', 'denyoom', 'noscript'], acl: SCRIPTING,
      run(c, argv) {
        if (argv.length > 4 || (argv.length === 4 && !is(argv[2], 'REPLACE'))) {
          return c.reply.error(argv.length > 4 ? 'ERR Unknown option given' : `ERR Unknown option given: ${argv[2]}`);
        }
        const r = c.server.scripting.functions.load(argv[argv.length - 1]!, argv.length === 4);
        if (typeof r !== 'string') return c.reply.error(r.error);
        // Libraries are not keys: FUNCTION commands propagate as themselves.
        c.forcePropagation();
        c.reply.bulk(r);
      },
    },
    {
      name: 'function|delete', arity: 3, flags: ['write', 'noscript'], acl: SCRIPTING,
      run(c, argv) {
        if (!c.server.scripting.functions.delete(argv[2]!)) return c.reply.error('ERR Library not found');
        c.forcePropagation();
        c.reply.ok();
      },
    },
    { name: 'function|list', arity: -2, flags: ['noscript'], acl: SCRIPTING, run: functionList },
    {
      name: 'function|dump', arity: 2, flags: ['noscript'], acl: SCRIPTING,
      run(c) {
        const payload = c.server.scripting.functions.dump(c.server.config.get('rdbcompression') === 'yes');
        c.reply.bulk(payload.toString('latin1'));
      },
    },
    {
      name: 'function|restore', arity: -3, flags: ['write', 'denyoom', 'noscript'], acl: SCRIPTING,
      run(c, argv) {
        let policy: 'flush' | 'append' | 'replace' = 'append';
        if (argv.length > 4) return subcommandSyntax(c, argv);
        if (argv.length === 4) {
          const p = argv[3]!.toLowerCase();
          if (p !== 'flush' && p !== 'append' && p !== 'replace') {
            return c.reply.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
          }
          policy = p;
        }
        const err = c.server.scripting.functions.restore(Buffer.from(argv[2]!, 'latin1'), policy);
        if (err !== null) return c.reply.error(err);
        c.forcePropagation();
        c.reply.ok();
      },
    },
    { name: 'function|stats', arity: 2, flags: ['noscript', 'allow_busy'], acl: SCRIPTING, run: functionStats },
    {
      name: 'function|kill', arity: 2, flags: ['noscript', 'allow_busy'], acl: SCRIPTING,
      run(c) {
        const err = c.server.scripting.kill(false);
        if (err !== null) return c.reply.error(err);
        c.reply.ok();
      },
    },
    {
      name: 'function|flush', arity: -2, flags: ['write', 'noscript'], acl: SCRIPTING,
      run(c, argv) {
        if (argv.length > 3) return subcommandSyntax(c, argv);
        if (argv.length === 3 && !is(argv[2], 'SYNC') && !is(argv[2], 'ASYNC')) {
          return c.reply.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
        }
        c.server.scripting.functions.flush();
        c.forcePropagation();
        c.reply.ok();
      },
    },
    {
      name: 'function|help', arity: 2, flags: ['loading', 'stale'], acl: SCRIPTING,
      run: (c) => replyHelp(c, 'FUNCTION', HELP),
    },
  ]),
];
