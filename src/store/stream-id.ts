// Stream IDs (t_stream.c's streamID: two unsigned 64-bit numbers, ms and seq) held as
// 16-char latin1 strings, the 128-bit big-endian form Redis uses as rax keys and in the
// RDB's PELs. String order is then ID order, an ID is a Map key as it is, and both halves
// keep all 64 bits (a JS number would round ids past 2^53).

/** A stream ID: 16 chars of one byte each, ms then seq, big-endian. */
export type StreamId = string;

const TWO32 = 0x100000000;
const U64_MAX = 2n ** 64n - 1n;

/** Eight big-endian byte chars of the unsigned value hi * 2^32 + lo. */
function u64Chars(hi: number, lo: number): string {
  return String.fromCharCode(hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255,
    lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
}

/** The 32-bit word of id at char offset at. */
function word(id: StreamId, at: number): number {
  return ((id.charCodeAt(at) << 24) | (id.charCodeAt(at + 1) << 16) | (id.charCodeAt(at + 2) << 8) | id.charCodeAt(at + 3)) >>> 0;
}

/** The ID of ms and seq, both integers within 0..2^53. */
export function streamId(ms: number, seq: number): StreamId {
  const msHi = Math.floor(ms / TWO32);
  const seqHi = Math.floor(seq / TWO32);
  return u64Chars(msHi, ms - msHi * TWO32) + u64Chars(seqHi, seq - seqHi * TWO32);
}

function u64FromBig(v: bigint): string {
  return u64Chars(Number(v >> 32n), Number(v & 0xffffffffn));
}

/** The ID of any two unsigned 64-bit values. */
export function streamIdBig(ms: bigint, seq: bigint): StreamId {
  return u64FromBig(ms) + u64FromBig(seq);
}

/** One half (0: ms, 8: seq) as a number when below 2^53, else as a bigint. */
export function idPart(id: StreamId, at: 0 | 8): number | bigint {
  const hi = word(id, at);
  const lo = word(id, at + 4);
  if (hi < 0x200000) return hi * TWO32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export const MIN_ID: StreamId = streamId(0, 0);
export const MAX_ID: StreamId = '\xff'.repeat(16);

/** "ms-seq", as replies print an ID. */
export function idText(id: StreamId): string {
  return `${idPart(id, 0)}-${idPart(id, 8)}`;
}

/** streamIncrID: the next ID, or null past the last possible one. */
export function nextId(id: StreamId): StreamId | null {
  if (id === MAX_ID) return null;
  let i = 15;
  while (id.charCodeAt(i) === 255) i--;
  return id.slice(0, i) + String.fromCharCode(id.charCodeAt(i) + 1) + '\0'.repeat(15 - i);
}

/** streamDecrID: the previous ID, or null before 0-0. */
export function prevId(id: StreamId): StreamId | null {
  if (id === MIN_ID) return null;
  let i = 15;
  while (id.charCodeAt(i) === 0) i--;
  return id.slice(0, i) + String.fromCharCode(id.charCodeAt(i) - 1) + '\xff'.repeat(15 - i);
}

/** Same ms, seq + 1; null when seq is already the largest (XADD ms-* on the last ms). */
export function nextSeq(id: StreamId): StreamId | null {
  const seq = id.slice(8);
  if (seq === '\xff'.repeat(8)) return null;
  const next = nextId(MIN_ID.slice(0, 8) + seq)!;
  return id.slice(0, 8) + next.slice(8);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * string2ull: a canonical non-negative int64 as string2ll reads it, else what strtoull
 * takes (leading space, a sign, a '-' that negates modulo 2^64), up to 2^64-1; null when
 * neither reads it.
 */
export function parseU64(s: string): bigint | null {
  const n = s.length;
  if (n > 0 && n < 16) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (i === n && (n === 1 || s.charCodeAt(0) !== 48)) return BigInt(v);
  }
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
