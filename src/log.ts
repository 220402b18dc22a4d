// Redis-style log lines: "pid:R dd Mon yyyy HH:MM:SS.mmm <level-char> message".
import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';

const LEVELS: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function isLogLevel(s: string): s is LogLevel {
  return Object.hasOwn(LEVELS, s);
}

/** The role letter Redis prints after the pid: M master, S replica, C child, X sentinel. */
export type LogRole = 'M' | 'S' | 'C' | 'X';

export class Logger {
  level: LogLevel = 'notice';
  /** '' logs to stdout, as redis-server does. */
  file = '';
  role: LogRole = 'M';

  enabled(level: LogLevel): boolean {
    return LEVELS[level] >= LEVELS[this.level];
  }

  log(level: Exclude<LogLevel, 'nothing'>, msg: string): void {
    if (!this.enabled(level)) return;
    this.raw(`${process.pid}:${this.role} ${timestamp(new Date())} ${MARKS[LEVELS[level]]} ${msg}\n`);
  }

  /**
   * Writes text as is: the start-up banner. As serverLogRaw, a log that cannot be written (its
   * directory gone, its disk full, stdout's reader gone) is skipped, never a reason to stop.
   */
  raw(text: string): void {
    if (this.file === '') {
      // A closed pipe fails the write later, as an 'error' event: unheard, it would end the process.
      if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', () => {});
      process.stdout.write(text);
      return;
    }
    try {
      appendFileSync(this.file, text);
    } catch {
      // fopen failed: serverLogRaw returns.
    }
  }

  /** serverLogFromHandler: a signal's line, at warning level, in the form redis-server writes it from its handler. */
  fromSignalHandler(msg: string): void {
    if (this.enabled('warning')) this.raw(`${process.pid}:signal-handler (${Math.floor(Date.now() / 1000)}) ${msg}\n`);
  }

  debug(msg: string): void { this.log('debug', msg); }
  verbose(msg: string): void { this.log('verbose', msg); }
  notice(msg: string): void { this.log('notice', msg); }
  warning(msg: string): void { this.log('warning', msg); }
}

function timestamp(d: Date): string {
  return `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
