// getKeysFromCommandWithSpecs: a command line's keys and how the command uses each, as COMMAND
// GETKEYS and GETKEYSANDFLAGS answer. A command's key specs (COMMAND INFO's, generated from
// redis-server 7.0) say where its keys are, unless one cannot (an 'unknown' search, a keynum
// that does not parse, keys past the end) or its flags depend on the arguments (SET's GET,
// BITFIELD's subcommands): then a command with a getkeys proc in Redis 7.0 (the movablekeys
// ones, SET, BITFIELD) finds them by its own rule (keys-of.ts), with the flags that proc gives
// (none from the numkeys ones, whose specs are complete); any other has none.
import { parseInteger } from '../store/numbers.js';
import { is } from './args.js';
import type { Command } from './command.js';
import type { KeySpec } from './command-cmd.js';
import { COMMAND_INFO_EXTRA } from './command-info-data.js';
import { commandKeys } from './keys-of.js';

/** A key of the line, and the key-spec flags of its use (RO RW OW RM access update insert delete ...). */
export interface KeyRef {
  key: string;
  flags: readonly string[];
}

interface SpecPart {
  type: string;
  spec: Record<string, string | number>;
}

const RO_ACCESS = ['RO', 'access'];
const RW_ACCESS_UPDATE = ['RW', 'access', 'update'];
const OW_UPDATE = ['OW', 'update'];
const RW_ACCESS_DELETE = ['RW', 'access', 'delete'];

// getKeysUsingKeySpecs
/** The keys the specs find, or null when one of them cannot say (Redis: invalid_spec). */
function keysFromSpecs(specs: readonly KeySpec[], argv: readonly string[]): KeyRef[] | null {
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const spec of specs) {
    const flags = spec.flags as string[];
    if (flags.includes('not_key')) continue;
    const bs = spec.begin_search as unknown as SpecPart;
    const fk = spec.find_keys as unknown as SpecPart;
    let first = 0;
    if (bs.type === 'index') {
      first = bs.spec.index as number;
    } else if (bs.type === 'keyword') {
      // Upper case in the specs, as is() wants it.
      const word = bs.spec.keyword as string;
      const from = bs.spec.startfrom as number;
      const start = from > 0 ? from : argc + from;
      const end = from > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (is(argv[i], word)) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    } else {
      return null;
    }
    let last: number;
    let step: number;
    if (fk.type === 'range') {
      step = fk.spec.keystep as number;
      const lastkey = fk.spec.lastkey as number;
      const limit = fk.spec.limit as number;
      last = lastkey >= 0 ? first + lastkey : limit === 0 ? argc + lastkey : first + (Math.floor((argc - first) / limit) + lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.spec.keystep as number;
      if ((fk.spec.keynumidx as number) >= argc) return null;
      const at = argv[first + (fk.spec.keynumidx as number)];
      // string2ll, then numkeys >= 0
      const n = at === undefined ? null : parseInteger(at);
      if (n === null || n < 0) return null;
      first += fk.spec.firstkey as number;
      last = first + Number(n) - 1;
    } else {
      return null;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) out.push({ key: argv[i]!, flags });
    if (flags.includes('incomplete')) return null;
  }
  return out;
}

/** The flags the getkeys procs of Redis 7.0 give, for the commands whose specs cannot. */
function procFlags(cmd: Command, argv: readonly string[], index: number): readonly string[] {
  switch (cmd.name) {
    // setGetKeys
    case 'set':
      return argv.slice(3).some((a) => is(a, 'GET')) ? RW_ACCESS_UPDATE : OW_UPDATE;
    // bitfieldGetKeys: read-only while every subcommand is a whole GET (or OVERFLOW)
    case 'bitfield': {
      for (let i = 2; i < argv.length; i++) {
        const left = argv.length - i - 1;
        if (is(argv[i], 'GET') && left >= 2) i += 2;
        else if (is(argv[i], 'OVERFLOW') && left >= 1) i += 1;
        else return RW_ACCESS_UPDATE;
      }
      return RO_ACCESS;
    }
    // sortGetKeys, sortROGetKeys, georadiusGetKeys: the source read, a STORE target written
    case 'sort': case 'sort_ro': case 'georadius': case 'georadiusbymember':
      return index === 0 ? RO_ACCESS : OW_UPDATE;
    // migrateGetKeys
    case 'migrate':
      return RW_ACCESS_DELETE;
    default:
      return [];
  }
}

/** The keys of argv (a whole command line, the name first) and their flags, as Redis 7.0 finds them. */
export function keysWithFlags(cmd: Command, argv: readonly string[]): KeyRef[] {
  const specs = COMMAND_INFO_EXTRA[cmd.name]?.keySpecs;
  if (specs !== undefined && !specs.some((s) => (s.flags as string[]).includes('variable_flags'))) {
    const found = keysFromSpecs(specs, argv);
    if (found !== null) return found;
  }
  if (!cmd.flags.includes('movablekeys') && cmd.name !== 'set' && cmd.name !== 'bitfield') return [];
  return commandKeys(cmd, argv).map((key, i) => ({ key, flags: procFlags(cmd, argv, i) }));
}
