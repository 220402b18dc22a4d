// writeFileAtomic from a stream of chunks: the file holds them all in order, each chunk is
// handed back only once it is in the file, the temp file is told whole before the target is
// replaced, and a failing stream leaves the target as it was.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/io/atomic-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redstate-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes every chunk in order, those that waited behind a write together, each handed back once in the file', async () => {
    const chunks = Array.from({ length: 200 }, (_, i) => Buffer.alloc(1 + (i % 7) * 1000, i));
    // Bursts of chunks pushed at once: several wait behind each write.
    const stream = new Readable({ objectMode: true, highWaterMark: 4, read() {} });
    let next = 0;
    const burst = setInterval(() => {
      for (let i = 0; i < 10 && next < chunks.length; i++) stream.push(chunks[next++]);
      if (next === chunks.length) {
        stream.push(null);
        clearInterval(burst);
      }
    }, 1);
    const path = join(dir, 'dump.rdb');
    const tmp = join(dir, 'temp.rdb');
    const handedBack: Buffer[] = [];
    let inFile = 0;
    await writeFileAtomic(path, tmp, stream, (chunk) => {
      inFile += chunk.length;
      expect(statSync(tmp).size).toBeGreaterThanOrEqual(inFile);
      handedBack.push(chunk);
    });
    expect(handedBack).toEqual(chunks);
    expect(readFileSync(path).equals(Buffer.concat(chunks))).toBe(true);
    expect(existsSync(tmp)).toBe(false);
  });

  it('tells when the temp file holds every byte, before it replaces the target; a reader opened then reads it all', async () => {
    const path = join(dir, 'dump.rdb');
    const tmp = join(dir, 'temp.rdb');
    writeFileSync(path, 'old');
    const chunks = Array.from({ length: 20 }, (_, i) => Buffer.alloc(10_000, i));
    let fd = -1;
    let told = 0;
    await writeFileAtomic(path, tmp, Readable.from(chunks, { objectMode: true }), undefined, () => {
      told++;
      expect(readFileSync(path, 'latin1')).toBe('old');
      fd = openSync(tmp, 'r');
    });
    expect(told).toBe(1);
    // Opened under the temp name, read after the rename: the whole content.
    const content = Buffer.alloc(200_000);
    expect(readSync(fd, content, 0, content.length, 0)).toBe(200_000);
    closeSync(fd);
    expect(content.equals(Buffer.concat(chunks))).toBe(true);
    expect(readFileSync(path).equals(content)).toBe(true);
    expect(existsSync(tmp)).toBe(false);
  });

  it('leaves the target as it was and removes the temp file when the stream fails', async () => {
    const path = join(dir, 'dump.rdb');
    const tmp = join(dir, 'temp.rdb');
    writeFileSync(path, 'old');
    const stream = new Readable({ objectMode: true, read() {} });
    stream.push(Buffer.from('partial'));
    setTimeout(() => stream.destroy(new Error('walk failed')), 5);
    await expect(writeFileAtomic(path, tmp, stream)).rejects.toThrow('walk failed');
    expect(readFileSync(path, 'latin1')).toBe('old');
    expect(existsSync(tmp)).toBe(false);
  });
});
