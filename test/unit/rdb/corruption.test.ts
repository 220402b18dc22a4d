// Truncated and damaged files: the decoder must throw an RdbError, never anything else,
// and never hand back a partial result.
import { describe, expect, it } from 'vitest';
import { lzfCompress } from '../../../src/io/lzf.js';
import { decodeRdb } from '../../../src/io/rdb-decoder.js';
import { RdbEncoder } from '../../../src/io/rdb-encoder.js';
import { RdbError, RdbType as T } from '../../../src/io/rdb-format.js';
import { Consumer, Nack } from '../../../src/store/stream.js';
import { streamId } from '../../../src/store/stream-id.js';
import { Hash, List, SetValue, Stream, ZSet } from '../../../src/store/values.js';
import { intset, listpack, rdbFile, rdbKey, rdbLength, rdbString, ziplist, zipmap } from './rdb-bytes.js';

function encodedFile(): Buffer {
  const enc = new RdbEncoder({ compression: true });
  enc.header([['redis-ver', '7.0.15'], ['redis-bits', '64']]);
  enc.selectDb(0, 6, 1);
  enc.entry('s', 'hello', undefined);
  enc.entry('i', '-1234', 1_700_000_000_000);
  enc.entry('lzf', 'abcabcabc'.repeat(20), undefined);
  enc.entry('l', List.from(['a', '1', 'bb']), undefined);
  const h = new Hash();
  h.set('f', 'v');
  enc.entry('h', h, undefined);
  enc.entry('set', SetValue.from(['1', 'x']), undefined);
  const st = new Stream();
  st.append(streamId(5, 1), ['f', 'v', 'n', '12']);
  st.append(streamId(7, 0), ['f', 'w', 'n', '-3']);
  st.append(streamId(7, 1), ['other', 'x']);
  const g = st.createGroup('g', streamId(7, 0), 2)!;
  const alice = new Consumer('alice', 1_700_000_000_000);
  g.consumers.set('alice', alice);
  const nack = new Nack(1_700_000_000_500, 2, alice);
  g.pel.set(streamId(7, 0), nack);
  alice.pel.set(streamId(7, 0), nack);
  enc.entry('st', st, undefined);
  enc.selectDb(2, 1, 0);
  const z = new ZSet();
  z.set('m', 1.5);
  z.set('n', -2);
  enc.entry('z', z, undefined);
  enc.end();
  return enc.take()!;
}

function blobBody(): Buffer[] {
  const zl = ziplist(['q'.repeat(40), 'r'.repeat(40), 7]);
  const packed = lzfCompress(zl)!;
  return [
    rdbKey(T.LIST_QUICKLIST_2, 'ql', Buffer.concat([rdbLength(2), rdbLength(2), rdbString(listpack(['a', 5, -300, 'b'.repeat(70)])),
      rdbLength(1), rdbString('plain')])),
    rdbKey(T.LIST_QUICKLIST, 'zl', Buffer.concat([rdbLength(1), Buffer.from([0xc3]), rdbLength(packed.length), rdbLength(zl.length), packed])),
    rdbKey(T.SET_INTSET, 'is', rdbString(intset(4, [1, 70000]))),
    rdbKey(T.HASH_ZIPMAP, 'zm', rdbString(zipmap([['f', 'v'], ['g', 'w']], 2))),
    rdbKey(T.ZSET_ZIPLIST, 'zz', rdbString(ziplist(['m', '1.5', 'n', 3]))),
  ];
}

/** Decodes, expecting an RdbError; anything else (or success) fails the test. */
function expectRdbError(file: Buffer, what: string): void {
  let result: unknown;
  try {
    result = decodeRdb(file, { now: 0 });
  } catch (e) {
    if (!(e instanceof RdbError)) throw new Error(`${what}: threw ${String(e)}`);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(file.length);
    expect(e.message).toMatch(/^RDB .* \(at byte offset \d+\)$/s);
    return;
  }
  throw new Error(`${what}: decoded without error: ${JSON.stringify(result).slice(0, 100)}`);
}

describe('decodeRdb on damaged files', () => {
  const files: Array<[string, Buffer]> = [
    ['encoder output', encodedFile()],
    ['hand-built blobs', rdbFile(10, blobBody())],
  ];

  it('both sample files decode when intact', () => {
    for (const [, file] of files) expect(() => decodeRdb(file, { now: 0 })).not.toThrow();
  });

  it('throws RdbError when truncated at any offset', () => {
    for (const [name, file] of files) {
      for (let n = 0; n < file.length; n++) expectRdbError(file.subarray(0, n), `${name} cut at ${n}`);
    }
  });

  it('throws RdbError for any flipped byte (the checksum catches what parsing does not)', () => {
    for (const [name, file] of files) {
      for (let i = 0; i < file.length; i++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const bad = Buffer.from(file);
          bad[i]! ^= mask;
          expectRdbError(bad, `${name} byte ${i} ^ ${mask}`);
        }
      }
    }
  });

  it('with the checksum disabled, damage inside blobs still only ever raises RdbError', () => {
    const file = rdbFile(10, blobBody(), 'zero');
    for (let i = 9; i < file.length - 9; i++) {
      for (const mask of [0x01, 0x02, 0x10, 0x40, 0x80, 0xff]) {
        const bad = Buffer.from(file);
        bad[i]! ^= mask;
        try {
          decodeRdb(bad, { now: 0 });
        } catch (e) {
          if (!(e instanceof RdbError)) throw new Error(`byte ${i} ^ ${mask}: threw ${String(e)}`);
        }
      }
    }
  });

  it('with the checksum disabled, damage inside a stream only ever raises RdbError', () => {
    const enc = new RdbEncoder({ compression: false });
    const st = new Stream();
    for (let i = 0; i < 105; i++) st.append(streamId(1000 + i, i % 3), i % 5 === 0 ? ['f', String(i), 'other', 'x'] : ['f', `v${i}`]);
    st.delete(streamId(1010, 1));
    const g = st.createGroup('g', streamId(1050, 0), 40)!;
    const bob = new Consumer('bob', 1_700_000_000_000);
    g.consumers.set('bob', bob);
    for (const id of [streamId(1001, 1), streamId(1100, 2)]) {
      const nack = new Nack(1_700_000_000_001, 1, bob);
      g.pel.set(id, nack);
      bob.pel.set(id, nack);
    }
    enc.typedValue(st);
    const typed = enc.take()!;
    const file = rdbFile(10, [Buffer.concat([typed.subarray(0, 1), rdbString('st'), typed.subarray(1)])], 'zero');
    expect(() => decodeRdb(file, { now: 0 })).not.toThrow();
    for (let i = 9; i < file.length - 9; i++) {
      for (const mask of [0x01, 0x40, 0xff]) {
        const bad = Buffer.from(file);
        bad[i]! ^= mask;
        try {
          decodeRdb(bad, { now: 0 });
        } catch (e) {
          if (!(e instanceof RdbError)) throw new Error(`byte ${i} ^ ${mask}: threw ${String(e)}`);
        }
      }
    }
  });

  it('reports where the damage is', () => {
    expect(() => decodeRdb(rdbFile(10, [rdbKey(T.HASH_LISTPACK, 'h', rdbString(Buffer.from([9, 0, 0, 0, 0, 0, 0xff])))])))
      .toThrow('RDB Hash listpack integrity check failed. (listpack header says 9 bytes, blob has 7, blob byte 0) (at byte offset 12)');
    expect(() => decodeRdb(Buffer.from('REDIS0010\xfe', 'latin1')))
      .toThrow('RDB is truncated: 1 more bytes needed, 0 left (at byte offset 10)');
  });
});
