// HyperLogLog (hyperloglog.c) in Redis's own bytes: a string of a 16-byte header ("HYLL",
// encoding, 3 unused bytes, the cached cardinality little-endian with its top bit marking
// it stale) and 16384 six-bit registers, either dense (12288 bytes, registers packed from
// the least significant bit) or sparse (ZERO, XZERO and VAL opcodes). Every operation here
// leaves exactly the bytes Redis's would, so a counter crosses RDB, DUMP and replication
// unchanged and counts the same on both servers.

import type { MutableString, StringValue } from './mutable-string.js';

const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_Q = 64 - HLL_P;
const REGISTER_MAX = 63;
export const HDR = 16;
const DENSE_SIZE = HDR + ((HLL_REGISTERS * 6 + 7) >> 3);
export const DENSE = 0;
export const SPARSE = 1;
const XZERO_BIT = 0x40;
const VAL_BIT = 0x80;
const VAL_MAX_VALUE = 32;
const VAL_MAX_LEN = 4;
const ZERO_MAX_LEN = 64;
const XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.721347520444481703680;

export const INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';

// --- MurmurHash64A on 32-bit halves ---------------------------------------------------------

let mulHi = 0;
let mulLo = 0;

/** (ah:al) * (bh:bl) mod 2^64 into mulHi:mulLo, every partial product exact in a double. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a1 = al >>> 16;
  const a0 = al & 0xffff;
  const b1 = bl >>> 16;
  const b0 = bl & 0xffff;
  const p1 = a1 * b0 + a0 * b1;
  const lo = a0 * b0 + (p1 % 0x10000) * 0x10000;
  const carry = Math.floor(lo / 0x100000000);
  mulLo = lo >>> 0;
  mulHi = (a1 * b1 + Math.floor(p1 / 0x10000) + carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
let hashHi = 0;
let hashLo = 0;

/** MurmurHash64A(bytes of the latin1 string s, seed 0xadc83b19) into hashHi:hashLo. */
function murmur64(s: string): void {
  const len = s.length;
  mul64(0, len, M_HI, M_LO);
  let hh = mulHi;
  let hl = (mulLo ^ 0xadc83b19) >>> 0;
  const whole = len - (len & 7);
  for (let i = 0; i < whole; i += 8) {
    let kl = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    let kh = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    mul64(kh, kl, M_HI, M_LO);
    kh = mulHi;
    kl = (mulLo ^ (kh >>> 15)) >>> 0;
    mul64(kh, kl, M_HI, M_LO);
    hh = (hh ^ mulHi) >>> 0;
    hl = (hl ^ mulLo) >>> 0;
    mul64(hh, hl, M_HI, M_LO);
    hh = mulHi;
    hl = mulLo;
  }
  const rest = len & 7;
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) {
      const b = s.charCodeAt(whole + j);
      if (j >= 4) hh = (hh ^ (b << (8 * (j - 4)))) >>> 0;
      else hl = (hl ^ (b << (8 * j))) >>> 0;
    }
    mul64(hh, hl, M_HI, M_LO);
    hh = mulHi;
    hl = mulLo;
  }
  hl = (hl ^ (hh >>> 15)) >>> 0;
  mul64(hh, hl, M_HI, M_LO);
  hh = mulHi;
  hl = (mulLo ^ (mulHi >>> 15)) >>> 0;
  hashHi = hh;
  hashLo = hl;
}

/** Trailing zero bits of a non-zero 32-bit value. */
function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

let patIndex = 0;

/** hllPatLen: the register an element goes to (patIndex) and its run length of zeros + 1. */
export function patLen(ele: string): number {
  murmur64(ele);
  patIndex = hashLo & (HLL_REGISTERS - 1);
  const low = hashLo >>> HLL_P;
  if (low !== 0) return ctz(low) + 1;
  if (hashHi !== 0) return 32 - HLL_P + ctz(hashHi) + 1;
  return HLL_Q + 1;
}

// --- registers ------------------------------------------------------------------------------

/** HLL_DENSE_GET_REGISTER over the registers starting at `base`. */
export function denseGet(p: Buffer, base: number, reg: number): number {
  const byte = base + ((reg * 6) >> 3);
  const fb = (reg * 6) & 7;
  return ((p[byte]! >> fb) | ((p[byte + 1] ?? 0) << (8 - fb))) & REGISTER_MAX;
}

/** HLL_DENSE_SET_REGISTER. */
function denseSetRaw(p: Buffer, base: number, reg: number, val: number): void {
  const byte = base + ((reg * 6) >> 3);
  const fb = (reg * 6) & 7;
  p[byte] = (p[byte]! & ~(REGISTER_MAX << fb)) | ((val << fb) & 0xff);
  if (byte + 1 < p.length) p[byte + 1] = (p[byte + 1]! & ~(REGISTER_MAX >> (8 - fb))) | (val >> (8 - fb));
}

/** hllDenseSet: raises a register; true when it changed. */
function denseSet(p: Buffer, reg: number, count: number): boolean {
  if (count <= denseGet(p, HDR, reg)) return false;
  denseSetRaw(p, HDR, reg, count);
  return true;
}

/** An HLL being changed: its bytes and their length (sparse ones grow in place). */
export class HllBuffer {
  /** The edited string whose bytes these are, changed as they are; null for a copy or a new HLL. */
  source: MutableString | null = null;

  constructor(public buf: Buffer, public len: number) {}

  /** The HLL in a string value: a MutableString's bytes themselves, a JS string's copied. */
  static of(v: StringValue): HllBuffer {
    if (typeof v === 'string') return HllBuffer.from(v);
    const h = new HllBuffer(v.buffer, v.length);
    h.source = v;
    return h;
  }

  static from(s: string): HllBuffer {
    const buf = Buffer.alloc(Math.max(s.length + 8, 64));
    buf.write(s, 0, 'latin1');
    return new HllBuffer(buf, s.length);
  }

  /** createHLLObject: empty and sparse, the registers as XZERO runs, the cache valid at 0. */
  static create(): HllBuffer {
    const h = new HllBuffer(Buffer.alloc(64), HDR + 2);
    h.buf.write('HYLL', 0, 'latin1');
    h.buf[4] = SPARSE;
    h.buf[HDR] = XZERO_BIT | ((XZERO_MAX_LEN - 1) >> 8);
    h.buf[HDR + 1] = (XZERO_MAX_LEN - 1) & 0xff;
    return h;
  }

  get encoding(): number {
    return this.buf[4]!;
  }

  toString(): string {
    return this.buf.toString('latin1', 0, this.len);
  }

  invalidateCache(): void {
    this.buf[15]! |= 0x80;
  }

  cacheValid(): boolean {
    return (this.buf[15]! & 0x80) === 0;
  }

  /** The cached count: exact past 2^53 too (a corrupted header can hold any; fuzz seed 561). */
  cachedCard(): number | bigint {
    const v = this.buf.readBigUInt64LE(8);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  setCachedCard(card: number): void {
    this.buf.writeBigUInt64LE(BigInt(card), 8);
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** hllSparseToDense; false for a corrupt sparse HLL. */
  toDense(): boolean {
    if (this.encoding === DENSE) return true;
    const dense = Buffer.alloc(DENSE_SIZE);
    this.buf.copy(dense, 0, 0, HDR);
    dense[4] = DENSE;
    let idx = 0;
    const p = this.buf;
    for (let i = HDR; i < this.len;) {
      const op = p[i]!;
      if ((op & 0xc0) === 0) {
        idx += (op & 0x3f) + 1;
        i++;
      } else if ((op & 0xc0) === XZERO_BIT) {
        idx += (((op & 0x3f) << 8) | p[i + 1]!) + 1;
        i += 2;
      } else {
        let run = (op & 3) + 1;
        const val = ((op >> 2) & 0x1f) + 1;
        // A run past the last register is corruption, as redis-server 7.0.15 answers (fuzz seed 405).
        if (run + idx > HLL_REGISTERS) return false;
        while (run--) denseSetRaw(dense, HDR, idx++, val);
        i++;
      }
    }
    if (idx !== HLL_REGISTERS) return false;
    this.buf = dense;
    this.len = DENSE_SIZE;
    return true;
  }

  /** hllAdd: 1 when a register changed, 0 when not, -1 for a corrupt HLL. */
  add(ele: string, sparseMax: number): number {
    const count = patLen(ele);
    return this.set(patIndex, count, sparseMax);
  }

  /** hllDenseSet / hllSparseSet: raises register `index` to count. */
  set(index: number, count: number, sparseMax: number): number {
    if (this.encoding === DENSE) return denseSet(this.buf, index, count) ? 1 : 0;
    if (this.encoding !== SPARSE) return -1;
    return this.sparseSet(index, count, sparseMax);
  }

  /** hllSparseSet, step for step, so the opcodes come out as Redis's do. */
  private sparseSet(index: number, count: number, sparseMax: number): number {
    if (count > VAL_MAX_VALUE) return this.promote(index, count);
    this.room(3);
    const p = this.buf;
    let end = this.len;
    let i = HDR;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (i < end) {
      let oplen = 1;
      const op = p[i]!;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if (op & VAL_BIT) span = (op & 3) + 1;
      else {
        span = (((op & 0x3f) << 8) | p[i + 1]!) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = i;
      i += oplen;
      first += span;
    }
    if (span === 0 || i >= end) return -1;
    const op = p[i]!;
    const isXzero = (op & 0xc0) === XZERO_BIT;
    const isZero = (op & 0xc0) === 0;
    const isVal = (op & VAL_BIT) !== 0;
    const next = isXzero ? i + 2 : i + 1;
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | p[i + 1]!) + 1 : (op & 3) + 1;
    let updated = false;
    if (isVal) {
      const old = ((op >> 2) & 0x1f) + 1;
      if (old >= count) return 0;
      if (runlen === 1) {
        p[i] = valOp(count, 1);
        updated = true;
      }
    }
    if (!updated && isZero && runlen === 1) {
      p[i] = valOp(count, 1);
      updated = true;
    }
    if (!updated) {
      const seq: number[] = [];
      const last = first + span - 1;
      const zeros = (len: number): void => {
        if (len > ZERO_MAX_LEN) seq.push(XZERO_BIT | ((len - 1) >> 8), (len - 1) & 0xff);
        else seq.push(len - 1);
      };
      if (isZero || isXzero) {
        if (index !== first) zeros(index - first);
        seq.push(valOp(count, 1));
        if (index !== last) zeros(last - index);
      } else {
        const cur = ((op >> 2) & 0x1f) + 1;
        if (index !== first) seq.push(valOp(cur, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(cur, last - index));
      }
      const delta = seq.length - (isXzero ? 2 : 1);
      if (delta > 0 && this.len + delta > sparseMax) return this.promote(index, count);
      if (delta !== 0 && next < end) p.copyWithin(next + delta, next, end);
      this.len += delta;
      end += delta;
      for (let k = 0; k < seq.length; k++) p[i + k] = seq[k]!;
    }
    // Merge adjacent VALs of one value, scanning up to 5 opcodes from prev.
    let q = prev >= 0 ? prev : HDR;
    let scan = 5;
    while (q < end && scan-- > 0) {
      const o = p[q]!;
      if ((o & 0xc0) === XZERO_BIT) {
        q += 2;
        continue;
      }
      if ((o & 0xc0) === 0) {
        q++;
        continue;
      }
      if (q + 1 < end && p[q + 1]! & VAL_BIT) {
        const v1 = ((o >> 2) & 0x1f) + 1;
        const v2 = ((p[q + 1]! >> 2) & 0x1f) + 1;
        if (v1 === v2) {
          const len = (o & 3) + 1 + (p[q + 1]! & 3) + 1;
          if (len <= VAL_MAX_LEN) {
            p[q + 1] = valOp(v1, len);
            p.copyWithin(q, q + 1, end);
            this.len--;
            end--;
            continue;
          }
        }
      }
      q++;
    }
    this.invalidateCache();
    return 1;
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    denseSet(this.buf, index, count);
    return 1;
  }

  /**
   * hllMerge: max[i] = max(max[i], register i); false for a corrupt HLL, which a run of any
   * kind past the last register is (as since Redis 7.0.12, CVE-2023-36824).
   */
  mergeInto(max: Uint8Array): boolean {
    const p = this.buf;
    if (this.encoding === DENSE) {
      for (let r = 0; r < HLL_REGISTERS; r++) {
        const v = denseGet(p, HDR, r);
        if (v > max[r]!) max[r] = v;
      }
      return true;
    }
    let idx = 0;
    for (let i = HDR; i < this.len;) {
      const op = p[i]!;
      if ((op & 0xc0) === 0) {
        idx += (op & 0x3f) + 1;
        if (idx > HLL_REGISTERS) return false;
        i++;
      } else if ((op & 0xc0) === XZERO_BIT) {
        idx += (((op & 0x3f) << 8) | p[i + 1]!) + 1;
        if (idx > HLL_REGISTERS) return false;
        i += 2;
      } else {
        let run = (op & 3) + 1;
        const val = ((op >> 2) & 0x1f) + 1;
        if (run + idx > HLL_REGISTERS) return false;
        while (run--) {
          if (val > max[idx]!) max[idx] = val;
          idx++;
        }
        i++;
      }
    }
    return idx === HLL_REGISTERS;
  }

  /** The register histogram hllCount works from; null for a corrupt sparse HLL. */
  histogram(): number[] | null {
    const h = new Array<number>(64).fill(0);
    const p = this.buf;
    if (this.encoding === DENSE) {
      for (let r = 0; r < HLL_REGISTERS; r++) h[denseGet(p, HDR, r)]!++;
      return h;
    }
    let idx = 0;
    for (let i = HDR; i < this.len;) {
      const op = p[i]!;
      if ((op & 0xc0) === 0) {
        const run = (op & 0x3f) + 1;
        idx += run;
        h[0]! += run;
        i++;
      } else if ((op & 0xc0) === XZERO_BIT) {
        const run = (((op & 0x3f) << 8) | p[i + 1]!) + 1;
        idx += run;
        h[0]! += run;
        i += 2;
      } else {
        const run = (op & 3) + 1;
        idx += run;
        h[((op >> 2) & 0x1f) + 1]! += run;
        i++;
      }
    }
    return idx === HLL_REGISTERS ? h : null;
  }

  /** PFDEBUG DECODE's text of the sparse opcodes. */
  decode(): string {
    const out: string[] = [];
    const p = this.buf;
    for (let i = HDR; i < this.len;) {
      const op = p[i]!;
      if ((op & 0xc0) === 0) {
        out.push(`z:${(op & 0x3f) + 1}`);
        i++;
      } else if ((op & 0xc0) === XZERO_BIT) {
        out.push(`Z:${(((op & 0x3f) << 8) | p[i + 1]!) + 1}`);
        i += 2;
      } else {
        out.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`);
        i++;
      }
    }
    return out.join(' ');
  }
}

function valOp(val: number, len: number): number {
  return (((val - 1) << 2) | (len - 1)) | VAL_BIT;
}

/** The histogram of raw registers (one byte each), as PFCOUNT of several keys merges them. */
export function rawHistogram(max: Uint8Array): number[] {
  const h = new Array<number>(64).fill(0);
  for (let r = 0; r < HLL_REGISTERS; r++) h[max[r]!]!++;
  return h;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    // pow(1 - x, 2) is correctly rounded in glibc, as the product is here.
    z -= (1 - x) * (1 - x) * y;
  } while (zPrime !== z);
  return z / 3;
}

/** hllCount: Ertl's estimator over the register histogram, in the same double arithmetic. */
export function countFromHistogram(h: number[]): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - h[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += h[j]!;
    z *= 0.5;
  }
  z += m * sigma(h[0]! / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

/** isHLLObjectOrReply's test: the magic, a known encoding, a dense one of the exact size. */
export function isHll(s: StringValue): boolean {
  if (s.length < HDR || s.slice(0, 4) !== 'HYLL') return false;
  const enc = s.charCodeAt(4);
  if (enc > SPARSE) return false;
  return enc !== DENSE || s.length === DENSE_SIZE;
}
