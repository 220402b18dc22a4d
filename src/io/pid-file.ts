// The pid file (createPidFile, and prepareForShutdown's unlink): best effort both ways, as
// redis-server's. A file that cannot be written or removed is no reason to stop a server.
import { rmSync, writeFileSync } from 'node:fs';

/** CONFIG_DEFAULT_PID_FILE: where a daemonized server with no pidfile writes its pid. */
export const DEFAULT_PID_FILE = '/var/run/redis.pid';

export function writePidFile(path: string): void {
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch {
    // fopen failed: redis-server goes on without a word.
  }
}

export function removePidFile(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // unlink's result is not looked at either.
  }
}
