// The scan that finds a read's keys ahead of the parser (for Db.prefetchRead): what it finds
// in whole pipelines, in reads cut anywhere, window by window, and where it gives up.
import { describe, expect, it } from 'vitest';
import { scanFirstArgs, scanResume } from '../../src/io/resp-scan.js';
import { encodeCommand } from '../helpers/resp-client.js';

function scan(buf: Buffer, from = 0, window = 32): string[] {
  const starts = new Int32Array(window);
  const ends = new Int32Array(window);
  const n = scanFirstArgs(buf, from, starts, ends);
  return Array.from({ length: n }, (_, k) => buf.toString('latin1', starts[k]!, ends[k]!));
}

const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
const commands = [
  ['SET', 'key:1', 'x'.repeat(100)],
  ['PING'],
  ['GET', binary],
  ['MSET', 'a', '1', 'b', '2'],
  ['SET', 'k'.repeat(300), 'long keys are not prefetched'],
  ['INCR', 'counter'],
];
const wire = Buffer.concat(commands.map((c) => encodeCommand(c)));

describe('scanFirstArgs', () => {
  it('finds the first argument of each command of a pipeline, in order', () => {
    expect(scan(wire)).toEqual(['key:1', binary, 'a', 'counter']);
    expect(scanResume()).toBe(-1);
  });

  it('finds the commands of a read cut anywhere, in order, the last one when its first argument is whole', () => {
    const begins = commands.map((_, i) => Buffer.concat(commands.slice(0, i).map((c) => encodeCommand(c))).length);
    for (let at = 0; at < wire.length; at++) {
      const first = begins.findIndex((b) => b >= at);
      const expected = first < 0 ? [] : commands.slice(first).filter((c) => c.length > 1 && c[1]!.length <= 256).map((c) => c[1]);
      for (const end of [wire.length, at + 40, at + 300]) {
        const found = scan(wire.subarray(at, Math.min(end, wire.length)));
        // A read cut in a bulk may take its bytes for a command's start (the binary key holds
        // a `*`) and find less, but never a wrong key, nor one out of order.
        expect(expected.slice(0, found.length)).toEqual(found);
        if (end >= wire.length && begins.includes(at)) expect(found).toEqual(expected);
      }
    }
    // Cut in the first value: from the next command on.
    expect(scan(wire.subarray(begins[0]! + 40))).toEqual([binary, 'a', 'counter']);
  });

  it('goes window by window: full arrays tell where the next command starts', () => {
    const many = Buffer.concat(Array.from({ length: 40 }, (_, i) => encodeCommand(['GET', `k${i}`])));
    expect(scan(many, 0, 32)).toEqual(Array.from({ length: 32 }, (_, i) => `k${i}`));
    const resume = scanResume();
    expect(many.toString('latin1', resume, resume + 4)).toBe('*2\r\n');
    expect(scan(many, resume, 32)).toEqual(Array.from({ length: 8 }, (_, i) => `k${32 + i}`));
    expect(scanResume()).toBe(-1);
  });

  it('finds nothing in a pipeline on one key: its first two commands name the same', () => {
    const wireOf = (keys: string[]) => Buffer.concat(keys.map((k) => encodeCommand(['LPUSH', k, 'x'])));
    expect(scan(wireOf(['mylist', 'mylist', 'other']))).toEqual([]);
    expect(scan(wireOf(['a', 'b', 'a', 'a']))).toEqual(['a', 'b', 'a', 'a']);
    expect(scan(wireOf(['ab', 'a', 'a']))).toEqual(['ab', 'a', 'a']);
    // Only the first window is judged: where a scan goes on, repeats are found.
    const many = wireOf([...Array.from({ length: 32 }, (_, i) => `k${i}`), 'same', 'same']);
    scan(many);
    expect(scan(many, scanResume())).toEqual(['same', 'same']);
  });

  it('stops at what is not a multibulk command', () => {
    expect(scan(Buffer.from('PING\r\nGET a\r\n'))).toEqual([]);
    expect(scan(Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\na\r\n*x\r\n$3\r\nGET\r\n$1\r\nb\r\n'))).toEqual(['a']);
    expect(scan(Buffer.from('*2\r\n$3\r\nGET\r\n$-1\r\n'))).toEqual([]);
    expect(scan(Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\nab\r\n*2\r\n$3\r\nGET\r\n$1\r\nc\r\n'))).toEqual(['a']);
    expect(scan(Buffer.from('*9999999999\r\n$3\r\nGET\r\n'))).toEqual([]);
    expect(scan(Buffer.alloc(0))).toEqual([]);
  });
});
