// SLOWLOG GET LEN RESET HELP (slowlog.c): the commands that ran longer than
// slowlog-log-slower-than microseconds, newest first, at most slowlog-max-len of them.
// Reading the clock costs more than a fast command, so a command flagged fast is timed only
// when the threshold is under a millisecond (or when INFO commandstats samples it): a fast
// command past a millisecond is a pause of the whole process, not of the command.
import type { Client } from '../actors/client.js';
import type { Server } from '../actors/server.js';
import { INT64 } from '../store/numbers.js';
import { rangeArg } from './args.js';
import type { Command, CommandSpec } from './command.js';
import { MIGRATE_OPTIONS } from './keys-of.js';
import { container, replyHelp, subcommandSyntax } from './subcommands.js';

/** SLOWLOG_ENTRY_MAX_ARGC, SLOWLOG_ENTRY_MAX_STRING */
const MAX_ARGC = 32;
const MAX_STRING = 128;

interface Entry {
  id: number;
  /** Unix seconds. */
  time: number;
  /** Microseconds. */
  duration: number;
  argv: string[];
  peer: string;
  name: string;
}

export class SlowLog {
  /** Newest first. */
  private entries: Entry[] = [];
  private nextId = 0;
  /** slowlog-log-slower-than, in microseconds (negative: off). */
  private threshold = 0;
  private maxLen = 0;

  constructor(private readonly server: Server) {
    this.configure();
  }

  /** Reads the two directives again (at start and after CONFIG SET). */
  configure(): void {
    this.threshold = this.server.config.getInt('slowlog-log-slower-than');
    this.maxLen = this.server.config.getInt('slowlog-max-len');
    this.trim();
  }

  get length(): number {
    return this.entries.length;
  }

  /** Whether a call of cmd must be timed for the log. */
  times(cmd: Command): boolean {
    return this.threshold >= 0 && (this.threshold < 1000 || !cmd.isFast) && !cmd.skipSlowlog;
  }

  // slowlogPushCurrentCommand, slowlogPushEntryIfNeeded, slowlogCreateEntry
  /** Logs c's command if it took at least the threshold (duration in whole µs, c->duration). */
  consider(c: Client, cmd: Command, argv: readonly string[], duration: number): void {
    if (this.threshold < 0 || duration < this.threshold || cmd.skipSlowlog) return;
    const args = redactedArgv(cmd, argv);
    const n = Math.min(args.length, MAX_ARGC);
    const logged: string[] = [];
    for (let j = 0; j < n; j++) {
      const a = args[j]!;
      if (n !== args.length && j === n - 1) logged.push(`... (${args.length - n + 1} more arguments)`);
      else if (a.length > MAX_STRING) logged.push(`${a.slice(0, MAX_STRING)}... (${a.length - MAX_STRING} more bytes)`);
      else logged.push(a);
    }
    this.entries.unshift({ id: this.nextId++, time: Math.floor(Date.now() / 1000), duration, argv: logged, peer: c.addr, name: c.name });
    this.trim();
  }

  reset(): void {
    this.entries = [];
  }

  /** The newest count entries (all for -1). */
  newest(count: number): readonly Entry[] {
    return count < 0 ? this.entries : this.entries.slice(0, count);
  }

  private trim(): void {
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }
}

/** Directives whose values are secret (SENSITIVE_CONFIG). */
const SENSITIVE = new Set(['requirepass', 'masterauth']);

/**
 * redactClientCommandArgument: credentials (AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2, CONFIG SET of a password) never
 * reach the slow log or MONITOR. HELLO's options are walked as helloCommand walks them: an AUTH
 * with its two arguments, a SETNAME with its one, and anything else ends the walk (an error).
 */
export function redactedArgv(cmd: Command, argv: readonly string[]): readonly string[] {
  const out = argv.slice();
  if (cmd.name === 'auth' && argv.length <= 3) {
    for (let i = 1; i < out.length; i++) out[i] = '(redacted)';
  } else if (cmd.name === 'hello') {
    for (let i = 2; i < out.length; i++) {
      const more = out.length - 1 - i;
      const opt = out[i]!.toLowerCase();
      if (opt === 'auth' && more >= 2) {
        out[i + 1] = out[i + 2] = '(redacted)';
        i += 2;
      } else if (opt === 'setname' && more >= 1) i++;
      else break;
    }
  } else if (cmd.name === 'migrate') {
    // As migrateCommand walks its options: up to KEYS, one it does not know, or one short of its arguments.
    for (let i = 6; i < out.length; i++) {
      const n = MIGRATE_OPTIONS[out[i]!.toLowerCase()];
      if (n === undefined || out.length - 1 - i < n) break;
      for (let k = 1; k <= n; k++) out[i + k] = '(redacted)';
      i += n;
    }
  } else if (cmd.name === 'acl|setuser') {
    for (let i = 2; i < out.length; i++) out[i] = '(redacted)';
  } else if (cmd.name === 'config|set') {
    for (let i = 2; i + 1 < out.length; i += 2) if (SENSITIVE.has(out[i]!.toLowerCase())) out[i + 1] = '(redacted)';
  }
  return out;
}

const HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

const ADMIN = { flags: ['admin', 'loading', 'stale'], acl: ['admin', 'slow', 'dangerous'] } as const;

/** slowlogCommand, as the container Redis 7.0 makes of it. */
export const slowlogCommands: CommandSpec[] = [container('slowlog', [
  {
    name: 'slowlog|get', arity: -2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c, argv) {
      if (argv.length > 3) return subcommandSyntax(c, argv);
      let count = 10;
      if (argv.length === 3) {
        const n = rangeArg(c, argv[2]!, -1n, INT64.max, 'ERR count should be greater than or equal to -1');
        if (n === null) return;
        count = n;
      }
      const entries = c.server.slowlog.newest(count);
      c.reply.array(entries.length);
      for (const e of entries) {
        c.reply.array(6);
        c.reply.integer(e.id);
        c.reply.integer(e.time);
        c.reply.integer(e.duration);
        c.reply.bulks(e.argv, e.argv.length);
        c.reply.bulk(e.peer);
        c.reply.bulk(e.name);
      }
    },
  },
  {
    name: 'slowlog|len', arity: 2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c) {
      c.reply.integer(c.server.slowlog.length);
    },
  },
  {
    name: 'slowlog|reset', arity: 2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c) {
      c.server.slowlog.reset();
      c.reply.ok();
    },
  },
  {
    name: 'slowlog|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow'],
    run(c) {
      replyHelp(c, 'SLOWLOG', HELP);
    },
  },
])];
