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

/**
 * Hash slots, shared by every call: a slot holds a position plus the `base` of the call
 * that wrote it, so slots left by earlier calls read as empty without clearing the table.
 */
const slots = new Int32Array(1 << HASH_BITS);
let base = 1;

/**
 * Compresses input; null when the result would not be shorter than the input (Redis then
 * stores the string raw). Deterministic: the output depends on the input alone.
 */
export function lzfCompress(input: Buffer): Buffer | null {
  const n = input.length;
  if (n < 4) return null;
  if (base + n >= 0x7fffffff) {
    slots.fill(0);
    base = 1;
  }
  const callBase = base;
  base += n;

  // Three bytes of slack: at most three are written between two checks of `op > n`.
  const out = Buffer.allocUnsafe(n + 3);
  let op = 1; // out[0] is the control byte of the first literal run
  let lit = 0;
  let ip = 0;
  let v = (input[0]! << 8) | input[1]!;
  while (ip < n - 2) {
    v = ((v << 8) | input[ip + 2]!) & 0xffffff;
    const slot = Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS);
    const ref = slots[slot]! - callBase;
    slots[slot] = ip + callBase;
    const off = ip - ref - 1;
    if (ref >= 0 && off < MAX_OFF &&
        input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      const max = Math.min(n - ip, MAX_REF);
      let len = 3;
      while (len < max && input[ref + len] === input[ip + len]) len++;
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
      if (op > n) return null;
      // Index the positions the match covered, so later data can refer into it.
      const end = ip + len;
      for (let p = ip + 1; p < end && p < n - 2; p++) {
        const h = (input[p]! << 16) | (input[p + 1]! << 8) | input[p + 2]!;
        slots[Math.imul(h, 0x9e3779b1) >>> (32 - HASH_BITS)] = p + callBase;
      }
      ip = end;
      v = (input[ip]! << 8) | input[ip + 1]!;
      continue;
    }
    out[op++] = input[ip++]!;
    if (++lit === MAX_LIT) {
      out[op - MAX_LIT - 1] = MAX_LIT - 1;
      lit = 0;
      op++;
    }
    if (op > n) return null;
  }
  while (ip < n) {
    out[op++] = input[ip++]!;
    if (++lit === MAX_LIT) {
      out[op - MAX_LIT - 1] = MAX_LIT - 1;
      lit = 0;
      op++;
    }
  }
  if (lit > 0) out[op - lit - 1] = lit - 1;
  else op--;
  return op < n ? out.subarray(0, op) : null;
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
    const at = ip - start;
    const ctrl = src[ip++]!;
    if (ctrl < MAX_LIT) {
      const run = ctrl + 1;
      if (run > end - ip) throw new Error(`LZF: literal run at ${at} passes the end of the input`);
      if (run > outLen - op) throw new Error(`LZF: literal run at ${at} passes the end of the output`);
      for (let k = 0; k < run; k++) dst[op++] = src[ip++]!;
      continue;
    }
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
    // Byte by byte on purpose: a reference may overlap the bytes it produces.
    for (let k = 0; k < len; k++) dst[op++] = dst[ref++]!;
  }
  if (op !== outLen) throw new Error(`LZF: expanded to ${op} bytes, expected ${outLen}`);
}

function checkExpansion(inLen: number, outLen: number): void {
  if (outLen > inLen * LZF_MAX_EXPANSION) throw new Error(`LZF: ${inLen} bytes cannot expand to ${outLen}`);
}
