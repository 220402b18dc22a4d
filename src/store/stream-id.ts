// Stream IDs (t_stream.c's streamID: two unsigned 64-bit numbers, ms and seq) held as
// 16-char latin1 strings, the 128-bit big-endian form Redis uses as rax keys and in the
// RDB's PELs. String order is then ID order, an ID is a Map key as it is, and both halves
// keep all 64 bits (a JS number would round ids past 2^53).

/** A stream ID: 16 chars of one byte each, ms then seq, big-endian. */
export type StreamId = string;

const TWO32 = 0x100000000;
const U64_MAX = 2n ** 64n - 1n;
const WORD_MAX = 0xffffffff;

/**
 * The ID of four 32-bit words, made by one call: a concatenation of two halves is a V8
 * ConsString (16 chars is past its 13-char threshold), which charCodeAt and comparisons
 * flatten again (perf under the streams measure's XADDs: ~5% of the server's user time).
 */
function idOf(msHi: number, msLo: number, seqHi: number, seqLo: number): StreamId {
  return String.fromCharCode(msHi >>> 24, (msHi >>> 16) & 255, (msHi >>> 8) & 255, msHi & 255,
    msLo >>> 24, (msLo >>> 16) & 255, (msLo >>> 8) & 255, msLo & 255,
    seqHi >>> 24, (seqHi >>> 16) & 255, (seqHi >>> 8) & 255, seqHi & 255,
    seqLo >>> 24, (seqLo >>> 16) & 255, (seqLo >>> 8) & 255, seqLo & 255);
}

/** The 32-bit word of id at char offset at. */
function word(id: StreamId, at: number): number {
  return ((id.charCodeAt(at) << 24) | (id.charCodeAt(at + 1) << 16) | (id.charCodeAt(at + 2) << 8) | id.charCodeAt(at + 3)) >>> 0;
}

/** The ID of ms and seq, both integers within 0..2^53. */
export function streamId(ms: number, seq: number): StreamId {
  const msHi = Math.floor(ms / TWO32);
  const seqHi = Math.floor(seq / TWO32);
  return idOf(msHi, ms - msHi * TWO32, seqHi, seq - seqHi * TWO32);
}

/** The ID of any two unsigned 64-bit values. */
export function streamIdBig(ms: bigint, seq: bigint): StreamId {
  return idOf(Number(ms >> 32n), Number(ms & 0xffffffffn), Number(seq >> 32n), Number(seq & 0xffffffffn));
}

/** One half (0: ms, 8: seq) as a number when below 2^53, else as a bigint. */
export function idPart(id: StreamId, at: 0 | 8): number | bigint {
  const hi = word(id, at);
  const lo = word(id, at + 4);
  if (hi < 0x200000) return hi * TWO32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export const MIN_ID: StreamId = streamId(0, 0);
export const MAX_ID: StreamId = idOf(WORD_MAX, WORD_MAX, WORD_MAX, WORD_MAX);

/** "ms-seq", as replies print an ID. */
export function idText(id: StreamId): string {
  return `${idPart(id, 0)}-${idPart(id, 8)}`;
}

/** streamIncrID: the next ID, or null past the last possible one. */
export function nextId(id: StreamId): StreamId | null {
  return id === MAX_ID ? null : stepId(id, 1);
}

/** streamDecrID: the previous ID, or null before 0-0. */
export function prevId(id: StreamId): StreamId | null {
  return id === MIN_ID ? null : stepId(id, -1);
}

/** id + 1 or id - 1 as one 128-bit number (the caller keeps it within range). */
function stepId(id: StreamId, delta: 1 | -1): StreamId {
  const w = [word(id, 0), word(id, 4), word(id, 8), word(id, 12)];
  const wraps = delta === 1 ? WORD_MAX : 0;
  let i = 3;
  // A word at its limit wraps, carrying (or borrowing) into the one before it.
  for (; w[i] === wraps; i--) w[i] = WORD_MAX - wraps;
  w[i]! += delta;
  return idOf(w[0]!, w[1]!, w[2]!, w[3]!);
}

/** Same ms, seq + 1; null when seq is already the largest (XADD ms-* on the last ms). */
export function nextSeq(id: StreamId): StreamId | null {
  return word(id, 8) === WORD_MAX && word(id, 12) === WORD_MAX ? null : stepId(id, 1);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** s[from, to) as a number when it is a canonical decimal of 1-15 digits (below 2^53), else -1. */
function smallDecimal(s: string, from: number, to: number): number {
  const n = to - from;
  if (n < 1 || n > 15 || (n > 1 && s.charCodeAt(from) === 48)) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * string2ull: a canonical non-negative int64 as string2ll reads it, else what strtoull
 * takes (leading space, a sign, a '-' that negates modulo 2^64), up to 2^64-1; null when
 * neither reads it.
 */
export function parseU64(s: string): bigint | null {
  const n = s.length;
  const small = smallDecimal(s, 0, n);
  if (small >= 0) return BigInt(small);
  let i = 0;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sign = s.charCodeAt(i);
  if (sign === 43 || sign === 45) {
    neg = sign === 45;
    i++;
  }
  const digits = s.slice(i);
  if (digits.length === 0 || !/^[0-9]+$/.test(digits)) return null;
  const v = BigInt(digits);
  if (v > U64_MAX) return null;
  if (!neg) return v;
  // string2ll would have read a canonical negative int64 and refused it.
  if (i === 1 && s === `-${v}` && v <= 2n ** 63n) return null;
  return (U64_MAX + 1n - v) & U64_MAX;
}

/** A parsed ID argument; seqGiven is false for XADD's "ms-*". */
export interface ParsedId {
  id: StreamId;
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply: "-" and "+" (unless strict), "ms" (seq = missingSeq),
 * "ms-seq", and "ms-*" where allowSeqStar; null when invalid.
 */
export function parseStreamId(s: string, missingSeq: 0 | 'max', strict = false, allowSeqStar = false): ParsedId | null {
  if (s.length > 127) return null;
  if (s === '-' || s === '+') {
    if (strict) return null;
    return { id: s === '-' ? MIN_ID : MAX_ID, seqGiven: true };
  }
  const dash = s.indexOf('-');
  if (dash > 0) {
    // The usual "ms-seq" of two short canonical numbers, without a BigInt.
    const ms = smallDecimal(s, 0, dash);
    const seq = smallDecimal(s, dash + 1, s.length);
    if (ms >= 0 && seq >= 0) return { id: streamId(ms, seq), seqGiven: true };
  }
  const ms = parseU64(dash < 0 ? s : s.slice(0, dash));
  if (ms === null) return null;
  if (dash < 0) return { id: streamIdBig(ms, missingSeq === 0 ? 0n : U64_MAX), seqGiven: true };
  const rest = s.slice(dash + 1);
  if (allowSeqStar && rest === '*') return { id: streamIdBig(ms, 0n), seqGiven: false };
  const seq = parseU64(rest);
  if (seq === null) return null;
  return { id: streamIdBig(ms, seq), seqGiven: true };
}

/** The ms half as 8 chars, for comparing ms parts alone. */
export function msChars(id: StreamId): string {
  return id.slice(0, 8);
}
