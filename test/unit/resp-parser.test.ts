import { describe, expect, it } from 'vitest';
import { ProtocolError, RespParser } from '../../src/io/resp-parser.js';
import { encodeCommand } from '../helpers/resp-client.js';

function parseAll(chunks: Buffer[], parser = new RespParser()): string[][] {
  const out: string[][] = [];
  for (const c of chunks) parser.feed(c, (argv) => out.push(argv) > 0);
  return out;
}

const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const commands: Array<Array<string | Buffer>> = [
  ['SET', 'key', 'value'],
  ['GET', 'key'],
  ['SET', binary, Buffer.concat([binary, Buffer.from('\r\n\r\n')])],
  ['MSET', 'a', '', 'b', 'x'.repeat(70_000)],
  ['PING'],
];
const wire = Buffer.concat([...commands.map((c) => encodeCommand(c)), Buffer.from('PING "in line" x\r\nECHO \'a b\'\n')]);
const expected = [
  ...commands.map((c) => c.map((a) => (Buffer.isBuffer(a) ? a.toString('latin1') : a))),
  ['PING', 'in line', 'x'],
  ['ECHO', 'a b'],
];

describe('RESP parser', () => {
  it('holds what arrives while stopped (a waiting client) and parses it on resume, in order', () => {
    const parser = new RespParser();
    const out: string[][] = [];
    const sink = (argv: string[]): boolean => out.push(argv) > 1;
    parser.feed(wire.subarray(0, 40), sink);
    expect(out.length).toBe(1);
    for (let i = 40; i < wire.length; i += 1000) parser.hold(wire.subarray(i, i + 1000));
    expect(out.length).toBe(1);
    parser.resume(sink);
    expect(out).toEqual(expected);
  });

  it('parses multibulk and inline commands, binary-safe', () => {
    expect(parseAll([wire])).toEqual(expected);
  });

  it('gives the same commands when the input is split at every byte boundary', () => {
    for (let i = 0; i <= wire.length; i += i < 300 || i > wire.length - 300 ? 1 : 97) {
      expect(parseAll([wire.subarray(0, i), wire.subarray(i)])).toEqual(expected);
    }
  });

  it('a sink that stops at the command a chunk completes holds the rest of that chunk until resume', () => {
    for (let i = 1; i < wire.length; i += i < 300 || i > wire.length - 300 ? 1 : 97) {
      const parser = new RespParser();
      const out: string[][] = [];
      let stopAt = -1;
      const sink = (argv: string[]): boolean => out.push(argv) !== stopAt;
      parser.feed(wire.subarray(0, i), sink);
      stopAt = out.length + 1;
      parser.feed(wire.subarray(i), sink);
      expect(out.length).toBeLessThanOrEqual(stopAt);
      parser.resume(sink);
      expect(out).toEqual(expected);
    }
  });

  it('gives the same commands fed one byte at a time', () => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < wire.length; i++) chunks.push(wire.subarray(i, i + 1));
    expect(parseAll(chunks)).toEqual(expected);
  });

  it('reuses the last command name only when its bytes match', () => {
    const names = ['GET', 'GET', 'SET', 'get', 'GEt', 'GET', 'GETX', 'x'.repeat(40), 'x'.repeat(40)];
    const parsed = parseAll([Buffer.concat(names.map((n) => encodeCommand([n, 'k'])))]);
    expect(parsed.map((argv) => argv[0])).toEqual(names);
    expect(parsed.every((argv) => argv[1] === 'k')).toBe(true);
  });

  it('ignores empty multibulks and blank inline lines', () => {
    expect(parseAll([Buffer.from('*0\r\n*-1\r\n\r\n\n*1\r\n$4\r\nPING\r\n')])).toEqual([['PING']]);
  });

  it.each([
    ['*3000000000\r\n', 'invalid multibulk length'],
    ['*abc\r\n', 'invalid multibulk length'],
    ['*1\r\n$-5\r\n', 'invalid bulk length'],
    ['*1\r\n$abc\r\n', 'invalid bulk length'],
    ['*1\r\n$600000000\r\n', 'invalid bulk length'],
    ['*1\r\nfoo\r\n', "expected '$', got 'f'"],
    ['"unbalanced\r\n', 'unbalanced quotes in request'],
    ['PING "a"b\r\n', 'unbalanced quotes in request'],
  ])('refuses %j with "%s"', (input, message) => {
    expect(() => parseAll([Buffer.from(input)])).toThrow(new ProtocolError(message));
  });

  it('refuses an inline request or header line longer than 64 KB without a newline', () => {
    expect(() => parseAll([Buffer.alloc(70_000, 'a')])).toThrow('too big inline request');
    expect(() => parseAll([Buffer.from(`*${'1'.repeat(70_000)}`)])).toThrow('too big mbulk count string');
  });

  it('refuses a long line whose newline a NUL byte hides, as strchr stops at it', () => {
    expect(() => parseAll([Buffer.from(`*1\0${'1'.repeat(70_000)}\r\n`)])).toThrow('too big mbulk count string');
    expect(() => parseAll([Buffer.from(`*1\r\n$1\0${'1'.repeat(70_000)}\r\n`)])).toThrow('too big bulk count string');
  });

  it('waits for the LF of a header line whose CR ends what arrived, however long (processMultibulkBuffer)', () => {
    const p = new RespParser();
    expect(parseAll([Buffer.from(`*${'1'.repeat(70_000)}\r`)], p)).toEqual([]);
    expect(() => parseAll([Buffer.from('\n')], p)).toThrow('invalid multibulk length');
  });

  it('parses the commands after a long one and after an idle release() alike', () => {
    const p = new RespParser();
    const long = Array.from({ length: 2000 }, (_, i) => `a${i}`);
    const small = [['SET', 'k', 'v'], ['MSET', ...Array.from({ length: 20 }, (_, i) => `b${i}`)], ['GET', 'k']];
    const wireOf = (cmds: string[][]) => Buffer.concat(cmds.map((c) => encodeCommand(c)));
    expect(parseAll([wireOf([long, ...small])], p)).toEqual([long, ...small]);
    p.release();
    expect(parseAll([wireOf(small)], p)).toEqual(small);
    p.release();
    expect(parseAll([wireOf([['PING'], long, ['PING']])], p)).toEqual([['PING'], long, ['PING']]);
  });

  it('waits for a huge announced multibulk without allocating for it', () => {
    const p = new RespParser();
    expect(parseAll([Buffer.from('*2000000\r\n')], p)).toEqual([]);
    expect(p.buffered).toBe(0);
  });

  it('caps counts and lengths for unauthenticated clients', () => {
    const p = new RespParser();
    p.unauthenticated = true;
    expect(() => parseAll([Buffer.from('*11\r\n')], p)).toThrow('unauthenticated multibulk length');
    const q = new RespParser();
    q.unauthenticated = true;
    expect(() => parseAll([Buffer.from('*1\r\n$20000\r\n')], q)).toThrow('unauthenticated bulk length');
  });

  it('honours proto-max-bulk-len', () => {
    const p = new RespParser();
    p.maxBulkLen = 10;
    expect(() => parseAll([Buffer.from('*1\r\n$11\r\n')], p)).toThrow('invalid bulk length');
  });

  it('keeps its own copy of what it holds of a reused read buffer, and nothing of one it parsed to the end', () => {
    // One buffer every read lands in, as a client connection's (socket-stream.ts).
    const shared = Buffer.alloc(64 * 1024);
    const p = new RespParser();
    const out: string[][] = [];
    const read = (bytes: Buffer): void => {
      bytes.copy(shared);
      const view = shared.subarray(0, bytes.length);
      p.feed(view, (argv) => out.push(argv) > 0);
      p.keepOwnCopies(view);
      shared.fill(0x21);
    };
    const big = 'x'.repeat(40 * 1024);
    const wire = Buffer.concat([encodeCommand(['SET', 'k', 'v']), encodeCommand(['SET', 'big', big]), encodeCommand(['GET', 'k'])]);
    const first = encodeCommand(['SET', 'k', 'v']).length;
    // Parsed to its end, then a command cut after its first bytes, then a bulk gathered in pieces.
    read(wire.subarray(0, first));
    expect(p.retained).toBe(0);
    read(wire.subarray(first, first + 20));
    expect(p.buffered).toBeGreaterThan(0);
    for (let at = first + 20; at < wire.length; at += 10_000) read(wire.subarray(at, Math.min(wire.length, at + 10_000)));
    expect(out).toEqual([['SET', 'k', 'v'], ['SET', 'big', big], ['GET', 'k']]);
    expect(p.retained).toBe(0);
  });
});

describe('RespParser.commandEnd', () => {
  it('gives each command its exact byte span, whatever the chunking', () => {
    const cmds = ['*3\r\n$3\r\nSET\r\n$1\r\na\r\n$5\r\nhello\r\n', 'PING\r\n', '*2\r\n$3\r\nGET\r\n$20000\r\n' + 'x'.repeat(20000) + '\r\n'];
    const whole = Buffer.from(cmds.join(''), 'latin1');
    const expected: number[] = [];
    let at = 0;
    for (const c of cmds) expected.push((at += c.length));
    for (const size of [1, 7, 100, 4096, whole.length]) {
      const p = new RespParser();
      const ends: number[] = [];
      for (let i = 0; i < whole.length; i += size) p.feed(whole.subarray(i, i + size), () => (ends.push(p.commandEnd), true));
      expect(ends).toEqual(expected);
    }
  });
});
