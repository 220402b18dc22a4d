// LZF, the compression Redis applies to RDB strings (liblzf's format, our own code).
// A stream is a sequence of items, each opened by a control byte:
//   000LLLLL                      a literal run of L+1 bytes follows (1..32)
//   LLLooooo [LLLLLLLL] oooooooo  a back-reference: copy len+2 bytes from offset+1 bytes
//                                 back; len is LLL (1..6), or 7 plus the extra byte
// The compressor keeps one hash slot per 3-byte prefix, as liblzf does.

const MAX_LIT = 32;
const MAX_OFF = 1 << 13;
/** The longest back-reference: a length field of 7 + 255, plus the 2 implied bytes. */
const MAX_REF = 7 + 255 + 2;
/** A 3-byte back-reference yields at most MAX_REF bytes: a stream claiming more is corrupt. */
export const LZF_MAX_EXPANSION = Math.ceil(MAX_REF / 3);
const HASH_BITS = 14;
/** From this length a back-reference is copied by fill or copyWithin rather than a loop. */
const NATIVE_COPY = 32;
/** Uint8Array's fill: Buffer#fill checks its arguments before reaching it, doubling the cost of a ~100-byte run. */
const fillBytes = Uint8Array.prototype.fill;

/**
 * Hash slots, shared by every call: a slot holds a position plus the `base` of the call
 * that wrote it, so slots left by earlier calls read as empty without clearing the table.
 */
const slots = new Int32Array(1 << HASH_BITS);
let base = 1;

/** Bytes past `max` that lzfCompressInto may scribble on before it gives up: out needs them. */
export const LZF_SLACK = 3;

/**
 * Compresses input; null when the result would not be shorter than the input (Redis then
 * stores the string raw). Deterministic: the output depends on the input alone.
 */
export function lzfCompress(input: Buffer): Buffer | null {
  const out = Buffer.allocUnsafe(input.length + LZF_SLACK);
  const n = lzfCompressInto(input, 0, input.length, out, 0, input.length - 1);
  return n === 0 ? null : out.subarray(0, n);
}

/**
 * Compresses src[start, end) into out from outAt: the compressed length, or 0 when it would
 * take more than max bytes (or the input is under 4 bytes). out must have room for
 * max + LZF_SLACK bytes from outAt.
 */
export function lzfCompressInto(src: Buffer, start: number, end: number, out: Buffer, outAt: number, max: number): number {
  const n = end - start;
  if (n < 4) return 0;
  if (base + n >= 0x7fffffff) {
    slots.fill(0);
    base = 1;
  }
  // A slot holds position + callBase: positions this call wrote read back as >= start.
  const callBase = base - start;
  base += n;

  const limit = outAt + max;
  let op = outAt + 1; // out[outAt] is the control byte of the first literal run
  let lit = 0;
  let ip = start;
  let v = (src[ip]! << 8) | src[ip + 1]!;
  while (ip < end - 2) {
    v = ((v << 8) | src[ip + 2]!) & 0xffffff;
    const slot = Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS);
    const ref = slots[slot]! - callBase;
    slots[slot] = ip + callBase;
    const off = ip - ref - 1;
    if (ref >= start && off < MAX_OFF &&
        src[ref] === src[ip] && src[ref + 1] === src[ip + 1] && src[ref + 2] === src[ip + 2]) {
      const max = Math.min(end - ip, MAX_REF);
      let len = 3;
      while (len < max && src[ref + len] === src[ip + len]) len++;
      // Close the pending literal run, or take back its unused control byte.
      if (lit > 0) out[op - lit - 1] = lit - 1;
      else op--;
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
      if (op > limit) return 0;
      ip += len;
      // Index the match's last two positions, as liblzf's VERY_FAST mode (Redis's) does.
      for (let p = ip - 2; p < ip && p < end - 2; p++) {
        const h = (src[p]! << 16) | (src[p + 1]! << 8) | src[p + 2]!;
        slots[Math.imul(h, 0x9e3779b1) >>> (32 - HASH_BITS)] = p + callBase;
      }
      v = (src[ip]! << 8) | src[ip + 1]!;
      continue;
    }
    out[op++] = src[ip++]!;
    if (++lit === MAX_LIT) {
      out[op - MAX_LIT - 1] = MAX_LIT - 1;
      lit = 0;
      op++;
    }
    if (op > limit) return 0;
  }
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
  return op <= limit ? op - outAt : 0;
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
