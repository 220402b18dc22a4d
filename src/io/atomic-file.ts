// Atomic file replacement, as rdbSave does it: write a temp file next to the target, fsync
// it, rename it over the target, fsync the directory. A reader of the target sees the old
// file or the whole new one, never a part, even across a crash.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { dirname } from 'node:path';

/** Synchronously: produce() calls write() with the content in order. */
export function writeFileAtomicSync(path: string, tmp: string, produce: (write: (b: Buffer) => void) => void): void {
  const fd = openSync(tmp, 'w');
  try {
    produce((b) => {
      for (let off = 0; off < b.length;) off += writeSync(fd, b, off);
    });
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  replaceSync(tmp, path);
}

/**
 * Asynchronously, from a stream of Buffers (one per read); the temp file is removed when
 * anything fails. The chunks that waited behind a write go out together in one writev, each
 * told to written() once it is in the file, so that its producer may reuse the memory.
 * whole() is told once every byte is in tmp, before the sync and the rename: a reader may
 * open tmp then and read the content while it is made durable.
 */
export async function writeFileAtomic(
  path: string, tmp: string, content: Readable, written?: (chunk: Buffer) => void, whole?: () => void,
): Promise<void> {
  // An error while the file opens reaches the loop below through the stream's errored state;
  // with no listener meanwhile, it would be an uncaught exception.
  content.on('error', () => {});
  const fh = await open(tmp, 'w');
  try {
    for await (const first of content) {
      const batch: Buffer[] = [first as Buffer];
      for (let more = content.read() as Buffer | null; more !== null; more = content.read() as Buffer | null) batch.push(more);
      await writeAll(fh, batch);
      if (written !== undefined) for (const chunk of batch) written(chunk);
    }
    whole?.();
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDirAsync(path);
}

/** writev until every byte of the batch is in the file. */
async function writeAll(fh: FileHandle, batch: Buffer[]): Promise<void> {
  let left = batch;
  for (;;) {
    let n = (await fh.writev(left)).bytesWritten;
    const rest: Buffer[] = [];
    for (const b of left) {
      if (n >= b.length) n -= b.length;
      else {
        rest.push(n > 0 ? b.subarray(n) : b);
        n = 0;
      }
    }
    if (rest.length === 0) return;
    left = rest;
  }
}

function replaceSync(tmp: string, path: string): void {
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(path);
}

/** fsyncFileDir: makes the rename durable; file systems that cannot fsync a directory are let be. */
function fsyncDir(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } catch (e) {
    if (!cannotSyncDir(e)) throw e;
  } finally {
    closeSync(fd);
  }
}

/** fsyncDir off the event loop, for a save that runs while the server serves (BGSAVE, full sync). */
async function fsyncDirAsync(path: string): Promise<void> {
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } catch (e) {
    if (!cannotSyncDir(e)) throw e;
  } finally {
    await dir.close();
  }
}

function cannotSyncDir(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EINVAL' || code === 'EBADF';
}
