// LZF, the compression Redis applies to RDB strings (liblzf's format, our own code).
// A stream is a sequence of items, each opened by a control byte:
//   000LLLLL                      a literal run of L+1 bytes follows (1..32)
//   LLLooooo [LLLLLLLL] oooooooo  a back-reference: copy len+2 bytes from offset+1 bytes
//                                 back; len is LLL (1..6), or 7 plus the extra byte
// The compressor makes the very choices liblzf 3.6 makes as Redis builds it (HLOG 16,
// VERY_FAST), so that a string's compressed bytes, in an RDB file or a DUMP payload, are
// Redis's own: one hash slot per hash of the 4 bytes ending at a position's third (a 3-byte
// hash right after a back-reference, where liblzf starts hashing anew), no reference to the
// input's first byte, a back-reference that stops 2 bytes short of the end, the last two
// positions it covers hashed, and liblzf's room checks, which give up a little early.

const MAX_LIT = 32;
const MAX_OFF = 1 << 13;
/** The longest back-reference: a length field of 7 + 255, plus the 2 implied bytes (liblzf's MAX_REF). */
const MAX_REF = 7 + 255 + 2;
/** A 3-byte back-reference yields at most MAX_REF bytes: a stream claiming more is corrupt. */
export const LZF_MAX_EXPANSION = Math.ceil(MAX_REF / 3);
const HLOG = 16;
/** From this length a back-reference is copied by fill or copyWithin rather than a loop. */
const NATIVE_COPY = 32;
/** Uint8Array's fill: Buffer#fill checks its arguments before reaching it, doubling the cost of a ~100-byte run. */
const fillBytes = Uint8Array.prototype.fill;

/**
 * Hash slots, shared by every call: a slot holds a position plus the `base` of the call
 * that wrote it, so slots left by earlier calls read as empty without clearing the table.
 */
const slots = new Int32Array(1 << HLOG);
let base = 1;

/** liblzf's IDX (VERY_FAST): the slot of the rolling hash value h, in uint32 arithmetic. */
const slotOf = (h: number): number => ((h >>> 8) - Math.imul(h, 5)) & ((1 << HLOG) - 1);

/**
 * Compresses input; null when the result would not be shorter than the input (Redis then
 * stores the string raw). Deterministic: the output depends on the input alone.
 */
export function lzfCompress(input: Buffer): Buffer | null {
  const out = Buffer.allocUnsafe(input.length);
  const n = lzfCompressInto(input, 0, input.length, out, 0, input.length - 1);
  return n === 0 ? null : out.subarray(0, n);
}

/**
 * lzf_compress: src[start, end) into out from outAt, writing at most max bytes; the compressed
 * length, or 0 when it would not fit in max (liblzf's checks: 0 also where it would fit
 * with a byte or two to spare).
 */
export function lzfCompressInto(src: Buffer, start: number, end: number, out: Buffer, outAt: number, max: number): number {
  const n = end - start;
  if (n <= 0 || max <= 0) return 0;
  if (base + n >= 0x7fffffff) {
    slots.fill(0);
    base = 1;
  }
  // A slot holds position + callBase: positions this call wrote read back as >= start.
  const callBase = base - start;
  base += n;

  const outEnd = outAt + max;
  let op = outAt + 1; // out[outAt] is the control byte of the first literal run
  let lit = 0;
  let ip = start;
  let h = (src[ip]! << 8) | (src[ip + 1] ?? 0);
  while (ip < end - 2) {
    h = ((h << 8) | src[ip + 2]!) >>> 0;
    const slot = slotOf(h);
    const ref = slots[slot]! - callBase;
    slots[slot] = ip + callBase;
    const off = ip - ref - 1;
    if (ref > start && off < MAX_OFF &&
        src[ref + 2] === src[ip + 2] && src[ref] === src[ip] && src[ref + 1] === src[ip + 1]) {
      const maxLen = Math.min(end - ip - 2, MAX_REF);
      if (op + 4 >= outEnd && op - (lit === 0 ? 1 : 0) + 4 >= outEnd) return 0;
      // Close the pending literal run, or take back its unused control byte.
      if (lit > 0) out[op - lit - 1] = lit - 1;
      else op--;
      // liblzf's search: 16 steps unbounded when there is room for them, then up to maxLen.
      let len = 2;
      let unbounded = maxLen > 16 ? 16 : 0;
      while (unbounded > 0 && src[ref + ++len] === src[ip + len]) unbounded--;
      if (unbounded === 0) {
        do len++;
        while (len < maxLen && src[ref + len] === src[ip + len]);
      }
      const code = len - 2;
      if (code < 7) {
        out[op++] = (off >> 8) | (code << 5);
      } else {
        out[op++] = (off >> 8) | (7 << 5);
        out[op++] = code - 7;
      }
      out[op++] = off & 0xff;
      op++; // control byte of the next literal run
      lit = 0;
      ip += len;
      if (ip >= end - 2) break;
      // The reference's last two positions go into the table, hashed from scratch.
      ip -= 2;
      h = (src[ip]! << 16) | (src[ip + 1]! << 8) | src[ip + 2]!;
      slots[slotOf(h)] = ip++ + callBase;
      h = ((h << 8) | src[ip + 2]!) >>> 0;
      slots[slotOf(h)] = ip++ + callBase;
      continue;
    }
    if (op >= outEnd) return 0;
    out[op++] = src[ip++]!;
    if (++lit === MAX_LIT) {
      out[op - MAX_LIT - 1] = MAX_LIT - 1;
      lit = 0;
      op++;
    }
  }
  if (op + 3 > outEnd) return 0;
  while (ip < end) {
    out[op++] = src[ip++]!;
    if (++lit === MAX_LIT) {
      out[op - MAX_LIT - 1] = MAX_LIT - 1;
      lit = 0;
      op++;
    }
  }
  if (lit > 0) out[op - lit - 1] = lit - 1;
  else op--;
  return op - outAt;
}

/**
 * Decompresses input that must expand to exactly outLen bytes. Throws on anything a
 * well-formed stream cannot hold: runs past either end, references before the start,
 * a length mismatch, or a claimed size no LZF stream of this length can reach.
 */
export function lzfDecompress(input: Buffer, outLen: number): Buffer {
  checkExpansion(input.length, outLen);
  const out = Buffer.allocUnsafe(outLen);
  lzfDecompressInto(input, 0, input.length, out, outLen);
  return out;
}

/**
 * lzfDecompress of src[start, end) into dst[0, outLen), which must have room: lets a
 * caller that turns the result straight into a string reuse one scratch buffer.
 */
export function lzfDecompressInto(src: Buffer, start: number, end: number, dst: Buffer, outLen: number): void {
  checkExpansion(end - start, outLen);
  if (dst.length < outLen) throw new Error(`LZF: no room for ${outLen} bytes`);
  let ip = start;
  let op = 0;
  while (ip < end) {
    const ctrl = src[ip++]!;
    if (ctrl < MAX_LIT) {
      const run = ctrl + 1;
      if (run > end - ip) throw new Error(`LZF: literal run at ${ip - 1 - start} passes the end of the input`);
      if (run > outLen - op) throw new Error(`LZF: literal run at ${ip - 1 - start} passes the end of the output`);
      for (const stop = ip + run; ip < stop;) dst[op++] = src[ip++]!;
      continue;
    }
    const at = ip - 1 - start;
    let len = ctrl >> 5;
    if (len === 7) {
      if (ip >= end) throw new Error(`LZF: back-reference at ${at} is cut short`);
      len += src[ip++]!;
    }
    if (ip >= end) throw new Error(`LZF: back-reference at ${at} is cut short`);
    let ref = op - ((ctrl & 0x1f) << 8) - src[ip++]! - 1;
    if (ref < 0) throw new Error(`LZF: back-reference at ${at} points before the start`);
    len += 2;
    if (len > outLen - op) throw new Error(`LZF: back-reference at ${at} passes the end of the output`);
    const stop = op + len;
    if (len >= NATIVE_COPY && ref === op - 1) {
      // A long run of one byte (padding): one native call.
      fillBytes.call(dst, dst[ref]!, op, stop);
    } else if (len >= NATIVE_COPY && op - ref >= len) {
      // A long copy that does not overlap the bytes it produces.
      dst.copyWithin(op, ref, ref + len);
    } else {
      // Byte by byte: the reference overlaps the bytes it produces, or is short.
      for (let k = op; k < stop; k++) dst[k] = dst[ref++]!;
    }
    op = stop;
  }
  if (op !== outLen) throw new Error(`LZF: expanded to ${op} bytes, expected ${outLen}`);
}

function checkExpansion(inLen: number, outLen: number): void {
  if (outLen > inLen * LZF_MAX_EXPANSION) throw new Error(`LZF: ${inLen} bytes cannot expand to ${outLen}`);
}
