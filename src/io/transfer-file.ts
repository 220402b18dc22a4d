// The temp file a replica writes its master's payload to (readSyncBulkPayload's
// repl_transfer_fd): appended to as the bytes arrive, flushed to disk every 8 MB so that
// the final fsync does not stall on a whole payload's dirty pages, and synced once more at
// the end before it is renamed over dbfilename.
import { closeSync, fdatasyncSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';

/** REPL_MAX_WRITTEN_BEFORE_FSYNC */
export const SYNC_EVERY = 8 * 1024 * 1024;

/** Every fdatasync a transfer file made since start-up: what a test counts, on a real file. */
export const transferSyncs = { count: 0 };

export class TransferFile {
  private fd: number;
  private written = 0;
  private lastSync = 0;

  /** Creates path (it must not exist). Throws the open error. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx', 0o644);
  }

  /** Appends b whole; every SYNC_EVERY bytes the file is synced (rdb_fsync_range). */
  append(b: Buffer): void {
    for (let off = 0; off < b.length;) off += writeSync(this.fd, b, off);
    this.written += b.length;
    if (this.written >= this.lastSync + SYNC_EVERY) {
      this.sync();
      this.lastSync = this.written;
    }
  }

  /** The payload is in: cut to length (an EOF mark goes), synced and closed. */
  finish(length: number): void {
    if (length < this.written) ftruncateSync(this.fd, length);
    this.sync();
    closeSync(this.fd);
    this.fd = -1;
  }

  /** replicationAbortSyncTransfer's half: closed if open, and gone. */
  discard(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.path, { force: true });
  }

  private sync(): void {
    fdatasyncSync(this.fd);
    transferSyncs.count++;
  }
}
