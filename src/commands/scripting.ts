// EVAL EVALSHA EVAL_RO EVALSHA_RO and SCRIPT (LOAD EXISTS FLUSH KILL DEBUG HELP), as
// Redis 7.0's eval.c answers them. The scripts run in the engine (src/scripting/engine.ts).
import type { Client } from '../actors/client.js';
import { ScriptRun } from '../scripting/engine.js';
import { intArg, is } from './args.js';
import type { CallFlags, CommandSpec } from './command.js';
import { MASTERDOWN, NOREPLICAS, runningStale } from './dispatch.js';
import { container, replyHelp } from './subcommands.js';

const NO_SCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';

/** The flags a `#!lua flags=...` line may name (SCRIPT_FLAG_*). */
export const SCRIPT_FLAGS = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'] as const;
export type ScriptFlag = (typeof SCRIPT_FLAGS)[number];

/** A script body's shebang: its flags (null for a script without one), or Redis's error. */
export type Shebang = { flags: Set<ScriptFlag> | null } | { error: string };

/** evalExtractShebangFlags: reads `#!lua [flags=a,b]` off the first line of an EVAL script. */
export function parseShebang(body: string): Shebang {
  if (!body.startsWith('#!')) return { flags: null };
  const eol = body.indexOf('\n');
  if (eol < 0) return { error: 'ERR Invalid script shebang' };
  const parts = body.slice(0, eol).split(' ').filter((p) => p !== '');
  if (parts[0] !== '#!lua') return { error: `ERR Unexpected engine in script shebang: ${parts[0] ?? ''}` };
  const flags = new Set<ScriptFlag>();
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return { error: `ERR Unknown lua shebang option: ${part}` };
    for (const f of part.slice(6).split(',')) {
      if (f === '') continue;
      if (!(SCRIPT_FLAGS as readonly string[]).includes(f)) return { error: `ERR Unexpected flag in script shebang: ${f}` };
      flags.add(f as ScriptFlag);
    }
  }
  return { flags };
}

/** Whether declared flags (a shebang's Set, a function's list) hold f. */
const hasFlag = (flags: ReadonlySet<string> | readonly string[], f: ScriptFlag): boolean =>
  flags instanceof Set ? flags.has(f) : (flags as readonly string[]).includes(f);

/** scriptFlagsToCmdFlags: what processCommand judges the EVAL or FCALL of a script that declares flags by. */
export function declaredCallFlags(flags: ReadonlySet<string> | readonly string[]): CallFlags {
  const writes = !hasFlag(flags, 'no-writes');
  return { write: writes, denyOom: writes && !hasFlag(flags, 'allow-oom'), stale: hasFlag(flags, 'allow-stale'), mayReplicate: writes };
}

/** evalGetCommandFlags: a cached or given script's declared flags; null without a shebang, or for an unknown sha. */
function evalDeclaredFlags(c: Client, argv: string[], bySha: boolean): CallFlags | null {
  const body = bySha ? c.server.scripting.scripts.get(argv[1]!.toLowerCase()) : argv[1]!;
  if (body === undefined) return null;
  const shebang = parseShebang(body);
  return 'flags' in shebang && shebang.flags !== null ? declaredCallFlags(shebang.flags) : null;
}

/**
 * scriptPrepareForRun's refusals, after processCommand's: a script that declares flags may
 * not run where they say it would do what is not allowed (reached when processCommand did
 * not judge it by them: inside EXEC, or by an EVALSHA of a script not cached yet); one without
 * flags (null) only not on a stale replica. The error, or null when it may run.
 */
export function refuseScriptRun(c: Client, flags: ReadonlySet<string> | readonly string[] | null, ro: boolean): string | null {
  const server = c.server;
  const stale = runningStale(server);
  if (flags === null) return stale ? MASTERDOWN : null;
  if (stale && !hasFlag(flags, 'allow-stale')) {
    return "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.";
  }
  const writes = !hasFlag(flags, 'no-writes');
  if (writes) {
    if (server.isReplica && server.config.getBool('replica-read-only') && !c.isMaster) return 'READONLY Can not run script with write flag on readonly replica';
    if (server.persistence.writesDeniedByDiskError && !c.isMaster) return MISCONF_SCRIPTS;
    if (ro) return 'ERR Can not execute a script with write flag using *_ro command.';
    if (server.replication.tooFewReplicas()) return NOREPLICAS;
  }
  const memory = server.memory;
  if (writes && !hasFlag(flags, 'allow-oom') && !c.isMaster && memory.maxmemory > 0 && memory.preCommandOom) {
    return "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'";
  }
  return null;
}

const MISCONF_SCRIPTS = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  "Writable scripts are blocked. Use 'no-writes' flag for read only scripts.";

/** The body Lua compiles: a shebang line becomes a comment, so line numbers stay the same. */
const luaBody = (body: string): string => (body.startsWith('#!') ? `--${body.slice(2)}` : body);

/** evalGenericCommand: EVAL, EVALSHA and their _RO forms. */
function evalGeneric(c: Client, argv: string[], bySha: boolean, ro: boolean): void {
  // evalCommand: MONITOR sees the script before the commands it runs (EVAL itself is skip_monitor).
  c.server.replication.feedMonitorsFirst(c, argv);
  // evalShaCommand: a sha that is not 40 long matches nothing, whatever numkeys says.
  if (bySha && argv[1]!.length !== 40) return c.reply.error(NO_SCRIPT);
  const numkeys = intArg(c, argv[2]!);
  if (numkeys === null) return;
  if (numkeys > argv.length - 3) return c.reply.error("ERR Number of keys can't be greater than number of args");
  if (numkeys < 0) return c.reply.error("ERR Number of keys can't be negative");
  const engine = c.server.scripting;
  let sha: string;
  let body: string;
  if (bySha) {
    sha = argv[1]!.toLowerCase();
    const known = engine.scripts.get(sha);
    if (known === undefined) return c.reply.error(NO_SCRIPT);
    body = known;
  } else {
    body = argv[1]!;
    sha = engine.shaOf(body);
  }
  const shebang = parseShebang(body);
  if ('error' in shebang) return c.reply.error(shebang.error);
  if (!engine.scripts.has(sha)) {
    // Cached once it compiles, even if it may not run now; a compile error leaves no entry behind.
    const err = engine.compile(sha, body, luaBody(body));
    if (err !== null) return c.reply.error(err);
  }
  const flags = shebang.flags;
  const refused = refuseScriptRun(c, flags, ro);
  if (refused !== null) return c.reply.error(refused);
  const n = numkeys;
  const readonly = ro || (flags !== null && flags.has('no-writes'));
  // Its effects propagate, not the script (see engine.ts).
  c.preventPropagation();
  const run = new ScriptRun(c, argv, readonly, true, sha, flags !== null && flags.has('allow-oom'));
  engine.prepare(run);
  engine.start(run, {
    op: 'eval', sha, body: luaBody(body), keys: argv.slice(3, 3 + n), args: argv.slice(3 + n), resp3: c.reply.resp3,
  });
}

/** SCRIPT LOAD: compiles and caches; replies the sha. */
function scriptLoad(c: Client, argv: string[]): void {
  const body = argv[2]!;
  const shebang = parseShebang(body);
  if ('error' in shebang) return c.reply.error(shebang.error);
  const engine = c.server.scripting;
  const sha = engine.shaOf(body);
  if (!engine.scripts.has(sha)) {
    const err = engine.compile(sha, body, luaBody(body));
    if (err !== null) return c.reply.error(err);
  }
  c.reply.bulk(sha);
}

const HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

/**
 * The ACL categories of EVAL and FCALL, and their command flags: keys come as numkeys. The
 * forms that may write are may_replicate too (hidden in COMMAND INFO), so that CLIENT PAUSE
 * WRITE holds a script without flags, judged by its command's own.
 */
export const SCRIPTING = ['slow', 'scripting'];
export const EVAL_FLAGS = ['noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys', 'may_replicate'] as const;
export const EVAL_RO_FLAGS = ['readonly', 'noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys'] as const;

export const scriptingCommands: CommandSpec[] = [
  {
    name: 'eval', arity: -3, flags: [...EVAL_FLAGS], keys: [0, 0, 0], acl: SCRIPTING,
    run: (c, argv) => evalGeneric(c, argv, false, false),
    declaredFlags: (c, argv) => evalDeclaredFlags(c, argv, false),
  },
  {
    name: 'evalsha', arity: -3, flags: [...EVAL_FLAGS], keys: [0, 0, 0], acl: SCRIPTING,
    run: (c, argv) => evalGeneric(c, argv, true, false),
    declaredFlags: (c, argv) => evalDeclaredFlags(c, argv, true),
  },
  {
    name: 'eval_ro', arity: -3, flags: [...EVAL_RO_FLAGS], keys: [0, 0, 0], acl: SCRIPTING,
    run: (c, argv) => evalGeneric(c, argv, false, true),
    declaredFlags: (c, argv) => evalDeclaredFlags(c, argv, false),
  },
  {
    name: 'evalsha_ro', arity: -3, flags: [...EVAL_RO_FLAGS], keys: [0, 0, 0], acl: SCRIPTING,
    run: (c, argv) => evalGeneric(c, argv, true, true),
    declaredFlags: (c, argv) => evalDeclaredFlags(c, argv, true),
  },
  container('script', [
    {
      name: 'script|load', arity: 3, flags: ['noscript', 'stale'], acl: SCRIPTING, run: scriptLoad,
    },
    {
      name: 'script|exists', arity: -3, flags: ['noscript'], acl: SCRIPTING,
      run(c, argv) {
        const scripts = c.server.scripting.scripts;
        c.reply.array(argv.length - 2);
        for (const sha of argv.slice(2)) c.reply.integer(scripts.has(sha.toLowerCase()) ? 1 : 0);
      },
    },
    {
      name: 'script|flush', arity: -2, flags: ['noscript'], acl: SCRIPTING,
      run(c, argv) {
        if (argv.length > 3 || (argv.length === 3 && !is(argv[2]!, 'SYNC') && !is(argv[2]!, 'ASYNC'))) {
          return c.reply.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
        }
        c.server.scripting.flush();
        c.reply.ok();
      },
    },
    {
      name: 'script|kill', arity: 2, flags: ['noscript', 'allow_busy'], acl: SCRIPTING,
      run(c) {
        const err = c.server.scripting.kill(true);
        if (err !== null) return c.reply.error(err);
        c.reply.ok();
      },
    },
    {
      name: 'script|debug', arity: 3, flags: ['noscript'], acl: SCRIPTING,
      run(c, argv) {
        // ldb (the Lua debugger) is not implemented: NO is what every client may ask.
        if (is(argv[2]!, 'NO')) return c.reply.ok();
        if (is(argv[2]!, 'YES') || is(argv[2]!, 'SYNC')) return c.reply.error('ERR SCRIPT DEBUG is not supported by redstate');
        c.reply.error('ERR Use SCRIPT DEBUG YES/SYNC/NO');
      },
    },
    {
      name: 'script|help', arity: 2, flags: ['loading', 'stale'], acl: SCRIPTING,
      run: (c) => replyHelp(c, 'SCRIPT', HELP),
    },
  ]),
];
