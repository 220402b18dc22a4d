import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Crc64 } from '../../../src/io/crc64.js';

/** Bit-by-bit reference: reflected Jones polynomial, as crc64.c's _crc64 computes it. */
function slowCrc64(buf: Buffer): bigint {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of buf) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

describe('crc64', () => {
  it('has Redis check value', () => {
    expect(new Crc64().update(Buffer.from('123456789')).value).toBe(0xe9c6d914c4b8d9can);
    expect(new Crc64().update(Buffer.alloc(0)).value).toBe(0n);
  });

  it('matches the bitwise reference at every length and alignment', () => {
    const data = randomBytes(300);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= 300; end += 7) {
        expect(new Crc64().update(data, start, end).value).toBe(slowCrc64(data.subarray(start, end)));
      }
    }
  });

  it('matches the reference over inputs longer than the 64 KB window of the module', () => {
    const data = randomBytes(140_000);
    expect(new Crc64().update(data, 3, 139_997).value).toBe(slowCrc64(data.subarray(3, 139_997)));
  });

  it('gives the same result incrementally as in one shot', () => {
    const data = randomBytes(100_003);
    const whole = new Crc64().update(data).value;
    const inc = new Crc64();
    for (let i = 0; i < data.length;) {
      const n = Math.floor(Math.random() * 5000);
      inc.update(data, i, Math.min(data.length, i + n));
      i += n;
    }
    expect(inc.value).toBe(whole);
  });

  it('writes and matches the little-endian trailer', () => {
    const crc = new Crc64().update(Buffer.from('123456789'));
    const out = Buffer.alloc(10);
    crc.writeLE(out, 1);
    expect(out.readBigUInt64LE(1)).toBe(0xe9c6d914c4b8d9can);
    expect(crc.matchesLE(out, 1)).toBe(true);
    out[5]! ^= 1;
    expect(crc.matchesLE(out, 1)).toBe(false);
  });
});
