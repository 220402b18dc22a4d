// Bitmaps compared reply for reply with redis-server 7.0: SETBIT GETBIT BITCOUNT BITPOS (BYTE
// and BIT ranges) BITOP BITFIELD BITFIELD_RO, with a seeded walk over random bitmaps and
// ranges, and the errors for bad offsets, bits, types and overflow modes.
import { describe, it } from 'vitest';
import { BINARY, MAX, MIN, sideBySide, type Arg } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same } = pair;

function rng(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('SETBIT and GETBIT', () => {
  it('set and read bits, growing the string with zeros, keeping TTLs', async () => {
    await same('SETBIT b 7 1', 'GET b', 'SETBIT b 7 1', 'SETBIT b 7 0', 'SETBIT b 100 1', 'STRLEN b', 'GET b', 'GETBIT b 100', 'GETBIT b 99');
    await same('GETBIT b 100000', 'GETBIT none 3', 'SET n 12', 'GETBIT n 2', 'GETBIT n 3', 'SETBIT n 1 1', 'GET n', 'SET t x EX 100', 'SETBIT t 20 1', 'TTL t');
    await same('SETBIT b -1 1', 'SETBIT b x 1', 'SETBIT b 1 2', 'SETBIT b 1 -1', 'SETBIT b 4294967296 1', 'SETBIT b 4294967295 x', 'GETBIT b -1');
    await same('GETBIT b 4294967296', 'LPUSH l a', 'SETBIT l 1 1', 'GETBIT l 1', 'SETBIT b 0', 'GETBIT b');
  });
});

describe('BITCOUNT and BITPOS', () => {
  it('count and find bits in byte and bit ranges over random bitmaps', async () => {
    const rnd = rng(7);
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i % 17 === 0 ? 0 : i % 23 === 0 ? 255 : Math.floor(rnd() * 256))));
    await same(['SET', 'r', bytes], ['SET', 'ones', Buffer.alloc(40, 255)], ['SET', 'zeros', Buffer.alloc(40)], ['SET', 'bin', BINARY]);
    const cmds: Arg[][] = [];
    for (const key of ['r', 'ones', 'zeros', 'bin', 'none']) {
      cmds.push(['BITCOUNT', key], ['BITPOS', key, 0], ['BITPOS', key, 1]);
      for (let i = 0; i < 60; i++) {
        const a = Math.floor(rnd() * 700) - 350;
        const b = Math.floor(rnd() * 700) - 350;
        const unit = ['BYTE', 'BIT', 'byte', 'bit'][i % 4]!;
        cmds.push(['BITCOUNT', key, a, b], ['BITCOUNT', key, a * 8, b * 8 + (i % 9), unit]);
        cmds.push(['BITPOS', key, i % 2, a], ['BITPOS', key, i % 2, a, b], ['BITPOS', key, i % 2, a * 8 + (i % 5), b * 8 + (i % 7), unit]);
      }
    }
    await pair.samePipelined(cmds);
  });

  it('answers bad arguments as Redis does', async () => {
    await same('SET k abc', 'BITCOUNT k 0', 'BITCOUNT k 0 1 FOO', 'BITCOUNT k x 1', 'BITCOUNT k 0 1 BIT x', 'BITCOUNT k -1 -5', 'BITCOUNT k -5 -1');
    await same('BITPOS k 2', 'BITPOS k x', 'BITPOS k 1 0 1 FOO', 'BITPOS k 1 x', 'BITPOS k 1 0 x', 'BITPOS k 0 0 -1 BIT', 'BITPOS k 1 0 1 BIT 5');
    await same(`BITCOUNT k 0 ${MAX}`, `BITCOUNT k ${MIN} -1`, `BITPOS k 1 ${MIN}`, 'LPUSH l a', 'BITCOUNT l', 'BITPOS l 1');
  });
});

describe('BITOP', () => {
  it('combines strings of different lengths, and deletes the target when all are empty', async () => {
    await same(['SET', 'a', BINARY], 'SET b hello', 'SET c xx', 'BITOP AND d a b c', 'GET d', 'BITOP OR d a b c', 'GET d');
    await same('BITOP XOR d a b c', 'GET d', 'BITOP NOT d b', 'GET d', 'BITOP not d a', 'GET d', 'BITOP AND d b none', 'GET d');
    await same('SET d x EX 100', 'BITOP OR d b', 'TTL d', 'BITOP AND d none1 none2', 'EXISTS d', 'BITOP NOT d a b', 'BITOP FOO d a');
    await same('LPUSH l a', 'BITOP AND d a l', 'BITOP AND d', 'BITOP OR a a a', 'GET a');
  });
});

describe('BITFIELD', () => {
  it('gets, sets and increments fields of every width with each overflow mode', async () => {
    const cmds: Arg[][] = [];
    const rnd = rng(11);
    for (let i = 0; i < 300; i++) {
      const signed = rnd() < 0.5;
      const bits = signed ? 1 + Math.floor(rnd() * 64) : 1 + Math.floor(rnd() * 63);
      const type = `${signed ? 'i' : 'u'}${bits}`;
      const off = rnd() < 0.3 ? `#${Math.floor(rnd() * 10)}` : String(Math.floor(rnd() * 200));
      const big = rnd() < 0.3;
      const val = big ? (rnd() < 0.5 ? MAX : MIN) : String(Math.floor(rnd() * 2000) - 1000);
      const ow = ['WRAP', 'SAT', 'FAIL'][i % 3]!;
      cmds.push(['BITFIELD', 'f', 'OVERFLOW', ow, ['SET', 'INCRBY', 'GET'][i % 3]!, type, off, ...(i % 3 === 2 ? [] : [val])]);
      if (i % 10 === 0) cmds.push(['GET', 'f']);
    }
    cmds.push(['BITFIELD', 'f', 'GET', 'u8', 0, 'GET', 'i64', 3, 'INCRBY', 'u2', 100, 1, 'OVERFLOW', 'SAT', 'INCRBY', 'i4', 0, -100]);
    await pair.samePipelined(cmds);
  });

  it('answers bad types, offsets and subcommands as Redis does, and BITFIELD_RO only reads', async () => {
    await same('BITFIELD f', 'EXISTS f', 'BITFIELD f GET u8 0', 'EXISTS f', 'BITFIELD f SET u8 0 255 GET u8 0', 'BITFIELD f GET u64 0', 'BITFIELD f GET i65 0');
    await same('BITFIELD f GET x8 0', 'BITFIELD f GET u0 0', 'BITFIELD f GET u8 -1', 'BITFIELD f GET u8 #-1', 'BITFIELD f GET u8 4294967296');
    await same('BITFIELD f SET u8 0', 'BITFIELD f SET u8 0 x', 'BITFIELD f OVERFLOW FOO GET u8 0', 'BITFIELD f FOO', 'BITFIELD f GET u8');
    await same('BITFIELD f OVERFLOW FAIL SET u8 100 300', 'EXISTS f', 'STRLEN f', 'BITFIELD_RO f GET u8 0 GET i4 #1', 'BITFIELD_RO f SET u8 0 1');
    await same('BITFIELD_RO f INCRBY u8 0 1', 'LPUSH l a', 'BITFIELD l GET u8 0', 'BITFIELD_RO l SET u8 0 1', 'BITFIELD_RO l GET u8 0', 'BITFIELD_RO none GET u8 0');
    await same('BITFIELD g OVERFLOW FAIL INCRBY u8 0 300', 'EXISTS g', 'GET g', 'SET h x EX 100', 'BITFIELD h SET u8 0 1', 'TTL h');
  });
});

describe('OBJECT ENCODING of strings changed in place or stored unencoded', () => {
  it('is raw after SETBIT BITFIELD BITOP APPEND SETRANGE PFADD PFCOUNT PFMERGE PFDEBUG, embstr after INCRBYFLOAT, until a new value; RENAME MOVE COPY SWAPDB keep it', async () => {
    const enc = (...keys: string[]): string[] => keys.flatMap((k) => [`OBJECT ENCODING ${k}`, `OBJECT REFCOUNT ${k}`]);
    await same('SET a 5', 'SETBIT a 0 0', 'SET b 12', 'APPEND b 3', 'APPEND new 7', 'SETRANGE c 0 x', 'SET d 1', 'SETRANGE d 0 9',
      'SETRANGE d 0 ""', 'BITFIELD e SET u8 0 1', 'SET f 1', 'BITFIELD f GET u8 0', 'BITFIELD_RO f GET u8 0', 'BITOP OR g a b',
      'PFADD h x', 'PFADD i', 'PFCOUNT h', 'PFMERGE j h', 'SET k 3', 'INCRBYFLOAT l 2', 'INCRBYFLOAT m 1.5', 'COPY l l2',
      ...enc('a', 'b', 'new', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'l2'));
    await same('SET a 7', 'INCR b', 'SET h short', 'RENAME c c2', 'MOVE d 1', 'COPY e e2', 'COPY e e3 DB 2', 'PFADD p q', 'DEL p',
      'PFADD p', 'PFDEBUG GETREG j', 'SET q 1', 'EXPIRE q 100', 'APPEND q 1', ...enc('a', 'b', 'h', 'c2', 'e2', 'p', 'j', 'q'),
      'SELECT 1', ...enc('d'), 'SWAPDB 0 1', 'SELECT 0', ...enc('d', 'c2'), 'SELECT 1', ...enc('c2'), 'SELECT 2', ...enc('e3'),
      'SELECT 0', 'DEBUG RELOAD', ...enc('d'));
  });
});

describe('long strings edited in place', () => {
  it('read, write, copy, dump and reload as Redis has them through SETBIT, SETRANGE, BITFIELD and APPEND past 512 bytes', async () => {
    const cmds: Arg[][] = [];
    const rnd = rng(5);
    // Grown by each command in turn from short to long, then edited where it is.
    cmds.push(['SETBIT', 'b', 100, 1], ['SETRANGE', 'b', 400, 'abc'], ['SETBIT', 'b', 5000, 1], ['BITFIELD', 'b', 'SET', 'u8', 9000, 255]);
    cmds.push(['SETRANGE', 'r', 700, 'x'], ['BITFIELD', 'f', 'INCRBY', 'i16', 8000, 300], ['SET', 's', 'x'.repeat(600)], ['SETBIT', 's', 0, 1]);
    for (let i = 0; i < 200; i++) {
      const key = ['b', 'r', 'f', 's'][i % 4]!;
      const off = Math.floor(rnd() * 12_000);
      cmds.push(
        [['SETBIT', key, off, i % 2], ['SETRANGE', key, off >> 3, `w${i}`], ['BITFIELD', key, 'SET', 'u5', off, i, 'INCRBY', 'i7', off + 3, -i],
          ['APPEND', key, `a${i}`]][(i >> 2) % 4]!,
        ['GETBIT', key, off], ['GETRANGE', key, off >> 4, (off >> 4) + 20], ['STRLEN', key],
      );
      if (i % 25 === 0) cmds.push(['GET', key], ['BITCOUNT', key], ['BITPOS', key, 1, 3], ['BITCOUNT', key, 10, 30]);
    }
    cmds.push(['DEBUG', 'DIGEST-VALUE', 'b', 'r', 'f', 's'], ['OBJECT', 'ENCODING', 'b'], ['TYPE', 'b'], ['DUMP', 'b']);
    // A copy has bytes of its own; other writers replace the value, readers see its text.
    cmds.push(['COPY', 'b', 'c'], ['SETBIT', 'b', 0, 1], ['SETRANGE', 'c', 1, 'copy'], ['GET', 'b'], ['GET', 'c']);
    cmds.push(['APPEND', 'r', 'tail'], ['GET', 'r'], ['SETBIT', 'r', 8, 1], ['GET', 'r'], ['INCR', 's'], ['LCS', 'b', 'b', 'LEN']);
    cmds.push(['BITOP', 'XOR', 'x', 'b', 'c', 'f'], ['GET', 'x'], ['SORT', 'none', 'BY', 'nosort', 'GET', '*'], ['MGET', 'b', 'r', 'f']);
    cmds.push(['SET', 'g', 'old', 'GET'], ['SET', 'b', 'new', 'GET'], ['GET', 'b'], ['GETDEL', 'f'], ['EXISTS', 'f']);
    cmds.push(['RENAME', 'r', 'r2'], ['OBJECT', 'ENCODING', 'r2'], ['DEBUG', 'RELOAD'], ['GET', 'r2'], ['GET', 'c'], ['OBJECT', 'ENCODING', 'r2']);
    await pair.samePipelined(cmds);
  });

  it('PFADD and PFCOUNT read an HLL edited in place by SETRANGE', async () => {
    await same('PFADD h a b c', 'SETRANGE h 700 x', 'PFADD h d', 'SETRANGE h 1 x', 'PFCOUNT h', 'PFADD h2 a', 'PFMERGE h2 h');
    await same('DEL h', 'PFADD h a', 'PFADD h2 b', 'PFMERGE h h2', 'SETRANGE h 4 D', 'SETRANGE h 20000 z', 'PFCOUNT h', 'PFADD h e');
  });
});
