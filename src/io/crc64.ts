// Redis's CRC-64 (crc64.c): Jones polynomial 0xad93d23594c935a9, reflected in and out,
// initial value 0, no final xor; crc64("123456789") is 0xe9c6d914c4b8d9ca. The RDB
// trailer is this checksum over every byte before it, stored little-endian.
//
// The 64-bit state lives in two uint32 halves so that the hot loop is plain int32 math;
// eight tables (slicing-by-8) fold eight input bytes per step, read as two 32-bit words
// where the host is little-endian (two loads instead of eight, a third faster).

const POLY_LO = 0xac4bc9b5; // the reflected polynomial 0x95ac9329ac4bc9b5, low half
const POLY_HI = 0x95ac9329;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Table k, entry i, low and high halves: LO[k * 256 + i], HI[k * 256 + i]. */
const LO = new Uint32Array(8 * 256);
const HI = new Uint32Array(8 * 256);

for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = (lo >>> 1) | ((hi & 1) << 31);
    hi >>>= 1;
    if (carry) {
      lo ^= POLY_LO;
      hi ^= POLY_HI;
    }
  }
  LO[i] = lo;
  HI[i] = hi;
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const plo = LO[(k - 1) * 256 + i]!;
    const phi = HI[(k - 1) * 256 + i]!;
    const t = plo & 0xff;
    LO[k * 256 + i] = ((plo >>> 8) | (phi << 24)) ^ LO[t]!;
    HI[k * 256 + i] = (phi >>> 8) ^ HI[t]!;
  }
}

/** A running checksum, fed chunk by chunk in order. */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  /** Folds buf[start, end) into the checksum. */
  update(buf: Buffer, start = 0, end = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    // Bytes up to a 4-byte boundary, then eight at a time as two words, then the tail.
    if (LITTLE_ENDIAN && end - start >= 64) {
      for (; (buf.byteOffset + i) & 3; i++) {
        const t = (lo ^ buf[i]!) & 0xff;
        lo = ((lo >>> 8) | (hi << 24)) ^ LO[t]!;
        hi = (hi >>> 8) ^ HI[t]!;
      }
      const words = ((end - i) >>> 3) << 1;
      const w = new Int32Array(buf.buffer, buf.byteOffset + i, words);
      for (let j = 0; j < words; j += 2) {
        const a = lo ^ w[j]!;
        const b = hi ^ w[j + 1]!;
        const i7 = 7 * 256 + (a & 0xff);
        const i6 = 6 * 256 + ((a >>> 8) & 0xff);
        const i5 = 5 * 256 + ((a >>> 16) & 0xff);
        const i4 = 4 * 256 + (a >>> 24);
        const i3 = 3 * 256 + (b & 0xff);
        const i2 = 2 * 256 + ((b >>> 8) & 0xff);
        const i1 = 256 + ((b >>> 16) & 0xff);
        const i0 = b >>> 24;
        lo = LO[i7]! ^ LO[i6]! ^ LO[i5]! ^ LO[i4]! ^ LO[i3]! ^ LO[i2]! ^ LO[i1]! ^ LO[i0]!;
        hi = HI[i7]! ^ HI[i6]! ^ HI[i5]! ^ HI[i4]! ^ HI[i3]! ^ HI[i2]! ^ HI[i1]! ^ HI[i0]!;
      }
      i += words << 2;
    }
    for (; i < end; i++) {
      const t = (lo ^ buf[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ LO[t]!;
      hi = (hi >>> 8) ^ HI[t]!;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Writes the checksum as the RDB trailer: 8 bytes little-endian. */
  writeLE(out: Buffer, offset: number): void {
    out.writeUInt32LE(this.lo, offset);
    out.writeUInt32LE(this.hi, offset + 4);
  }

  /** True when the 8 little-endian bytes at buf[offset] hold this checksum. */
  matchesLE(buf: Buffer, offset: number): boolean {
    return buf.readUInt32LE(offset) === this.lo && buf.readUInt32LE(offset + 4) === this.hi;
  }
}
