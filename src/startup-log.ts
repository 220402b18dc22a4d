// What redis-server prints while it starts, in its words, so that scripts and harnesses
// waiting for those lines work with redstate too.
import type { Config } from './config/config.js';
import type { Logger } from './log.js';
import { REDIS_VERSION, REDSTATE_VERSION } from './version.js';

/**
 * The lines before the server exists, with the role letter C: redis-server prints them before
 * it records its own pid, and its log names a pid it does not know its own as a child's.
 */
export function logStarting(log: Logger, configFile: string | null): void {
  const role = log.role;
  log.role = 'C';
  log.warning('oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo');
  log.warning(`Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, ` +
    `just started (redstate ${REDSTATE_VERSION})`);
  if (configFile === null) {
    log.warning('Warning: no config file specified, using the default config. ' +
      'In order to specify a config file use redstate /path/to/redis.conf');
  } else {
    log.warning('Configuration loaded');
  }
  log.role = role;
}

/** The banner under always-show-logo yes, or Redis's one-line summary without it. */
export function logBanner(log: Logger, config: Config, port: number): void {
  if (!config.getBool('always-show-logo')) {
    log.notice(`Running mode=standalone, port=${port}.`);
    return;
  }
  const lines = [
    '',
    `   redstate ${REDSTATE_VERSION}  (Redis ${REDIS_VERSION} compatible) 64 bit`,
    '   .-----------------.',
    `   |  r e d s t a t e |     Running in standalone mode`,
    `   |  [*]-->[ ]-->[ ] |     Port: ${port}`,
    `   '-----------------'     PID: ${process.pid}`,
    '',
    '',
  ];
  log.raw(lines.join('\n'));
}
