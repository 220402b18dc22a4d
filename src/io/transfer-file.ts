// The temp file a replica writes its master's payload to (readSyncBulkPayload's
// repl_transfer_fd): appended to as the bytes arrive, its writeback started every 8 MB so
// that the final sync does not stall on a whole payload's dirty pages, and synced once more
// at the end before it is renamed over dbfilename. The syncs run in libuv's pool: the main
// thread goes on receiving and decoding meanwhile (Redis's rdb_fsync_range does not wait
// either), and the final one runs while the decode ends.
import { closeSync, fdatasync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';

/** REPL_MAX_WRITTEN_BEFORE_FSYNC */
export const SYNC_EVERY = 8 * 1024 * 1024;

/** Every fdatasync a transfer file started since start-up: what a test counts, on a real file. */
export const transferSyncs = { count: 0 };

const fdatasyncAsync = promisify(fdatasync);

export class TransferFile {
  private readonly fd: number;
  private written = 0;
  private lastSync = 0;
  /** Every sync started, each settled: the fd is closed once they are over. */
  private syncs: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Creates path (it must not exist). Throws the open error. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx', 0o644);
  }

  /**
   * Appends b whole; every SYNC_EVERY bytes the file's writeback starts (rdb_fsync_range),
   * waited for by nobody: its error is ignored, as Redis ignores it (the final sync counts).
   */
  append(b: Buffer): void {
    for (let off = 0; off < b.length;) off += writeSync(this.fd, b, off);
    this.written += b.length;
    if (this.written >= this.lastSync + SYNC_EVERY) {
      this.lastSync = this.written;
      this.sync().catch(() => {});
    }
  }

  /** The payload is in: cut to length (an EOF mark goes), synced, closed. Rejects with the sync's error. */
  async finish(length: number): Promise<void> {
    try {
      if (length < this.written) ftruncateSync(this.fd, length);
      await this.sync();
    } finally {
      await this.close();
    }
  }

  /** replicationAbortSyncTransfer's half: gone now, closed once no sync runs on it. */
  discard(): void {
    rmSync(this.path, { force: true });
    void this.close();
  }

  /** An fdatasync in libuv's pool. */
  private sync(): Promise<void> {
    transferSyncs.count++;
    const done = fdatasyncAsync(this.fd);
    this.syncs = Promise.all([this.syncs, done.catch(() => {})]);
    return done;
  }

  /** Closes the fd once the syncs started on it are over (another file may get its number then). */
  private async close(): Promise<void> {
    await this.syncs;
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
