// loadServerConfig: a redis.conf file and redis-server style argv, applied in order
// (the file first, then every --name value... as a line of its own, so flags win).
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hasWildcards } from '../commands/glob.js';
import { globFiles } from '../io/file-glob.js';
import { repr, splitArgs } from '../io/split-args.js';
import { strerror } from '../io/strerror.js';
import { REDIS_VERSION } from '../version.js';
import { Config, ConfigError, MULTI_WORD_DIRECTIVES } from './config.js';

/**
 * A start-up that cannot go on: cli.ts prints the message and exits 1. logLine: Redis logs it
 * (serverLog, to stdout before the logfile applies) rather than print it to stderr.
 */
export class FatalConfigError extends Error {
  constructor(message: string, readonly logLine = false) {
    super(message);
  }
}

interface Line {
  text: string;
  where: string;
}

/** Turns `[configfile] [--name value ...]` into config lines, as redis-server's main() does. */
export function argvToLines(argv: string[]): { file: string | null; lines: Line[] } {
  let i = 0;
  let file: string | null = null;
  if (argv.length > 0 && !argv[0]!.startsWith('--')) {
    file = argv[0]!;
    i = 1;
  }
  const lines: Line[] = [];
  let cur: string[] | null = null;
  const push = (): void => {
    if (cur !== null) lines.push({ text: cur.join(' '), where: 'command line' });
  };
  // handled_last_config_arg: an option given no value yet takes the next word as its value,
  // even one that starts with `--` (`--port --loglevel verbose` is `port "--loglevel" "verbose"`).
  let handled = true;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (handled && a.startsWith('--')) {
      push();
      cur = [a.slice(2)];
      // A name alone ("--port", not "--port 6380") waits for its value; `--save` followed by
      // another option or by nothing is `save ""`, as before 7.0.1.
      handled = (splitArgs(a) ?? []).length > 1;
      const nextIsOption = i + 1 < argv.length && argv[i + 1]!.startsWith('--');
      if (!handled && a.toLowerCase() === '--save' && (nextIsOption || i === argv.length - 1)) {
        cur.push('""');
        handled = nextIsOption;
      }
    } else {
      // A word before any option (`redis.conf loglevel verbose`) starts the first line.
      handled = true;
      (cur ??= []).push(repr(a));
    }
  }
  push();
  return { file, lines };
}

/**
 * loadServerConfig's files: a path with a wildcard is every file it matches, in order, and
 * none when it matches none (an empty conf.d); a plain path must open.
 */
function patternLines(path: string, depth: number): Line[] {
  if (!hasWildcards(path)) return fileLines(path, depth);
  return globFiles(path).flatMap((file) => fileLines(file, depth));
}

/** Reads a config file into lines, following include directives. */
function fileLines(path: string, depth = 0): Line[] {
  if (depth > 16) throw new FatalConfigError(`Too many nested includes at ${path}`);
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    throw new FatalConfigError(`Fatal error, can't open config file '${resolve(path)}': ${strerror(e as Error)}`, true);
  }
  const out: Line[] = [];
  text.split('\n').forEach((raw, n) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const args = splitArgs(trimmed);
    if (args !== null && args[0]?.toLowerCase() === 'include' && args.length === 2) {
      out.push(...patternLines(resolve(dirname(path), args[1]!), depth + 1));
      return;
    }
    out.push({ text: trimmed, where: `${path}:${n + 1}` });
  });
  return out;
}

/**
 * Applies every line to config. A bad line is fatal, as in Redis, with Redis's report.
 * `save` lines accumulate: the first one replaces the default points.
 */
export function loadConfig(config: Config, argv: string[]): { file: string | null } {
  const { file, lines } = argvToLines(argv);
  const all = [...(file !== null && file !== '-' ? patternLines(file, 0) : []), ...lines];
  const savePoints: string[] = [];
  let sawSave = false;
  for (const line of all) {
    const args = splitArgs(line.text);
    if (args === null) fatal(line, 'Unbalanced quotes in configuration line');
    if (args.length === 0) continue;
    const name = args[0]!.toLowerCase();
    const values = args.slice(1);
    try {
      if (name === 'user') {
        config.userLines.push(values);
        continue;
      }
      if (name === 'rename-command' && config.onRenameCommand !== null) {
        if (values.length !== 2) throw new ConfigError('Bad directive or wrong number of arguments');
        const refused = config.onRenameCommand(values[0]!, values[1]!);
        if (refused !== null) throw new ConfigError(refused);
        continue;
      }
      // Sentinel's own directives: a lone `sentinel` is main()'s mode switch, which
      // loadServerConfigFromString leaves alone; any other is refused outside sentinel mode.
      if (name === 'sentinel') {
        if (values.length > 0) throw new ConfigError('sentinel directive while not in sentinel mode');
        continue;
      }
      if (config.isFileOnly(name)) {
        config.onIgnored(name);
        continue;
      }
      if (name === 'save') {
        sawSave = true;
        const v = values.join(' ').trim();
        if (v === '') savePoints.length = 0;
        else savePoints.push(v);
        config.set('save', [savePoints.join(' ')], false);
        continue;
      }
      // A directive of one value given none is refused as Redis refuses it; the multi-word
      // ones judge an empty list themselves.
      const canonical = config.canonical(name);
      if (values.length === 0 && canonical !== null && !MULTI_WORD_DIRECTIVES.has(canonical)) throw new ConfigError('wrong number of arguments');
      config.set(name, values, false);
    } catch (e) {
      if (e instanceof ConfigError) fatal(line, e.message);
      throw e;
    }
  }
  if (sawSave && savePoints.length === 0) config.set('save', [''], false);
  // loadServerConfigFromString's last check: a log file that cannot be opened ends the start-up.
  const logfile = config.path('logfile');
  if (logfile !== '') {
    try {
      closeSync(openSync(logfile, 'a'));
    } catch (e) {
      throw new FatalConfigError(`\n${FATAL_HEADER}\nCan't open the log file: ${strerror(e as Error)}`);
    }
  }
  return { file };
}

const FATAL_HEADER = `*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***`;

function fatal(line: Line, reason: string): never {
  throw new FatalConfigError(
    `\n${FATAL_HEADER}\nReading the configuration file, at ${line.where}\n>>> '${line.text}'\n${reason}`,
  );
}
