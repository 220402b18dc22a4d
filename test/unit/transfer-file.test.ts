// The replica's temp file (src/io/transfer-file.ts) on a real file: its writeback starts every
// 8 MB without being waited for, the end cuts, syncs and closes it, and a transfer given up
// removes it at once and closes it once its syncs are over; no descriptor is left open.
import { mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SYNC_EVERY, TransferFile, transferSyncs } from '../../src/io/transfer-file.js';
import { waitFor } from '../helpers/replication.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'redstate-transfer-'));
  dirs.push(dir);
  return join(dir, 'temp-1.rdb');
}

/** Whether this process holds a descriptor on path. */
function isOpen(path: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(path);
    } catch {
      return false;
    }
  });
}

describe('TransferFile', () => {
  it('starts a sync every 8 MB, and at the end cuts the file to length, syncs and closes it', async () => {
    const path = tempPath();
    const before = transferSyncs.count;
    const f = new TransferFile(path);
    const chunk = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 17; i++) f.append(chunk);
    expect(transferSyncs.count - before).toBe(Math.floor((17 * chunk.length) / SYNC_EVERY));
    await f.finish(17 * chunk.length - 40);
    expect(transferSyncs.count - before).toBe(3);
    expect(statSync(path).size).toBe(17 * chunk.length - 40);
    expect(isOpen(path)).toBe(false);
  });

  it('discarded with syncs in flight: the file goes at once, its descriptor once they are over', async () => {
    const path = tempPath();
    const f = new TransferFile(path);
    const chunk = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 9; i++) f.append(chunk);
    f.discard();
    expect(readdirSync(join(path, '..'))).toEqual([]);
    await waitFor('the descriptor closed', () => !isOpen(path));
  });
});
