// getKeysFromCommand: the key arguments of a command line, from the table's first/last/step,
// and for the commands whose keys move (a numkeys count, a STREAMS list, a STORE target) from
// the same rules as Redis's key specs. Client tracking remembers the keys a read named.
import { is } from './args.js';
import type { Command } from './command.js';

/** Commands whose key count is the argument at this index, the keys following it. */
const NUMKEYS_AT: Record<string, number> = {
  sintercard: 1, zunion: 1, zinter: 1, zdiff: 1, zintercard: 1, lmpop: 1, zmpop: 1, blmpop: 2, bzmpop: 2,
  zunionstore: 2, zinterstore: 2, zdiffstore: 2,
};

/** The keys argv names (positions past its end are left out). */
export function commandKeys(cmd: Command, argv: readonly string[]): string[] {
  const keys: string[] = [];
  const [first, lastSpec, step] = cmd.keys ?? [0, 0, 0];
  if (first > 0) {
    const last = lastSpec < 0 ? argv.length + lastSpec : lastSpec;
    for (let i = first; i <= last && i < argv.length; i += step) keys.push(argv[i]!);
  }
  if (!cmd.flags.includes('movablekeys')) return keys;
  const at = NUMKEYS_AT[cmd.name];
  if (at !== undefined) {
    const n = Number(argv[at]);
    if (Number.isInteger(n) && n > 0) for (let i = at + 1; i <= at + n && i < argv.length; i++) keys.push(argv[i]!);
  } else if (cmd.name === 'xread' || cmd.name === 'xreadgroup') {
    const s = argv.findIndex((a, i) => i > 0 && is(a, 'STREAMS'));
    if (s > 0) {
      const n = Math.floor((argv.length - s - 1) / 2);
      for (let i = s + 1; i <= s + n; i++) keys.push(argv[i]!);
    }
  } else {
    // SORT ... STORE dest, GEORADIUS ... STORE|STOREDIST dest
    for (let i = 2; i + 1 < argv.length; i++) {
      if (is(argv[i], 'STORE') || (cmd.name.startsWith('georadius') && is(argv[i], 'STOREDIST'))) keys.push(argv[++i]!);
    }
  }
  return keys;
}
