// getKeysFromCommandWithSpecs: the key arguments of a command line, from the table's first/last/step,
// and for the commands whose keys move (a numkeys count, a STREAMS list, a STORE target) from
// the same rules as Redis 7.0's key specs and getkeys procs. Client tracking remembers the keys a
// read named; COMMAND GETKEYS answers with them.
import { is } from './args.js';
import type { Command } from './command.js';

/** Commands whose key count is the argument at this index, the keys following it. */
const NUMKEYS_AT: Record<string, number> = {
  sintercard: 1, zunion: 1, zinter: 1, zdiff: 1, zintercard: 1, lmpop: 1, zmpop: 1, blmpop: 2, bzmpop: 2,
  zunionstore: 2, zinterstore: 2, zdiffstore: 2,
  eval: 2, evalsha: 2, eval_ro: 2, evalsha_ro: 2, fcall: 2, fcall_ro: 2,
};

/** Where the keyword search for STREAMS (XREAD*) or STORE/STOREDIST (GEORADIUS*) starts. */
const KEYWORD_FROM: Record<string, number> = { xread: 1, xreadgroup: 4, georadius: 6, georadiusbymember: 5 };

/** SORT's options whose arguments sortGetKeys steps over while it looks for STORE. */
const SORT_SKIP: Record<string, number> = { limit: 2, get: 1, by: 1 };

/** The index of the first argument equal to word at or after from, or -1. */
function keyword(argv: readonly string[], word: string, from: number): number {
  for (let i = from; i < argv.length; i++) if (is(argv[i], word)) return i;
  return -1;
}

/** The movable keys of argv, or undefined where they do not fit the line (Redis: invalid). */
function movableKeys(cmd: Command, argv: readonly string[]): string[] | undefined {
  const at = NUMKEYS_AT[cmd.name];
  if (at !== undefined) {
    const n = Number(argv[at]);
    if (!/^\d+$/.test(argv[at] ?? '') || n < 1 || at + n >= argv.length) return undefined;
    return argv.slice(at + 1, at + 1 + n);
  }
  if (cmd.name === 'xread' || cmd.name === 'xreadgroup') {
    const s = keyword(argv, 'STREAMS', KEYWORD_FROM[cmd.name]!);
    return s < 0 ? undefined : argv.slice(s + 1, s + 1 + Math.floor((argv.length - s - 1) / 2));
  }
  if (cmd.name === 'georadius' || cmd.name === 'georadiusbymember') {
    const keys: string[] = [];
    for (const word of ['STORE', 'STOREDIST']) {
      const i = keyword(argv, word, KEYWORD_FROM[cmd.name]!);
      if (i >= 0 && i + 1 < argv.length) keys.push(argv[i + 1]!);
    }
    return keys;
  }
  if (cmd.name === 'sort') {
    // sortGetKeys: the last STORE wins; LIMIT/GET/BY arguments are never taken for it
    let store: string | undefined;
    for (let i = 2; i < argv.length; i++) {
      const skip = SORT_SKIP[argv[i]!.toLowerCase()];
      if (skip !== undefined) i += skip;
      else if (is(argv[i], 'STORE') && i + 1 < argv.length) store = argv[i + 1];
    }
    return store === undefined ? [] : [store];
  }
  return [];
}

/** MIGRATE's options before KEYS, and how many arguments each takes (AUTH's and AUTH2's are credentials). */
export const MIGRATE_OPTIONS: Readonly<Record<string, number>> = { copy: 0, replace: 0, auth: 1, auth2: 2 };

// migrateGetKeys
/** argv[3], or with KEYS the keys after it (none when argv[3] is not empty: an error). */
function migrateKeys(argv: readonly string[]): string[] {
  for (let i = 6; i < argv.length; i++) {
    if (is(argv[i], 'KEYS')) return argv[3] === '' ? argv.slice(i + 1) : [];
    i += MIGRATE_OPTIONS[argv[i]!.toLowerCase()] ?? 0;
  }
  return [argv[3]!];
}

/** The keys argv names; none where argv is too short for them (Redis: invalid arguments). */
export function commandKeys(cmd: Command, argv: readonly string[]): string[] {
  if (cmd.name === 'migrate') return argv.length < 6 ? [] : migrateKeys(argv);
  const keys: string[] = [];
  const [first, lastSpec, step] = cmd.keys ?? [0, 0, 0];
  if (first > 0) {
    const last = lastSpec < 0 ? argv.length + lastSpec : lastSpec;
    if (first >= argv.length || last >= argv.length) return [];
    for (let i = first; i <= last; i += step) keys.push(argv[i]!);
  }
  if (!cmd.flags.includes('movablekeys')) return keys;
  const more = movableKeys(cmd, argv);
  return more === undefined ? [] : keys.concat(more);
}
