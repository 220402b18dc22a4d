// Integer rules shared by the store and the commands: what Redis's string2ll accepts.

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** True when s[start, end) is the canonical decimal form of a 64-bit signed integer. */
export function isIntegerString(s: string, start = 0, end = s.length): boolean {
  const n = end - start;
  if (n === 0 || n > 20) return false;
  let i = start;
  if (s.charCodeAt(i) === 45) {
    if (n === 1) return false;
    i++;
  }
  if (s.charCodeAt(i) === 48) return n === 1;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (n < 19) return true;
  const v = BigInt(start === 0 && end === s.length ? s : s.slice(start, end));
  return v >= INT64_MIN && v <= INT64_MAX;
}

/**
 * Parses a 64-bit signed integer with string2ll's rules; null when s is not one.
 * Values beyond 2^53 come back as bigint so that nothing is rounded.
 */
export function parseInteger(s: string): Int64 | null {
  if (!isIntegerString(s)) return null;
  return s.length < 16 ? Number(s) : narrowInt64(BigInt(s));
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A 64-bit integer held as a number while it is safe, as a bigint past 2^53. */
export type Int64 = number | bigint;

/** An int64 as a number while it is safe, else as the bigint. */
export function narrowInt64(v: bigint): Int64 {
  return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
}

/**
 * a + b as C's 64-bit counters wrap (a stream's entries_added and a group's entries_read:
 * XSETID and XGROUP may set them to LLONG_MAX, and XADD still counts on).
 */
export function wrapAddInt64(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const n = a + b;
    if (Number.isSafeInteger(n)) return n;
  }
  return narrowInt64(BigInt.asIntN(64, BigInt(a) + BigInt(b)));
}

/** int64 a + b (INCRBY, HINCRBY): a number while safe, exact as a bigint past 2^53; null on overflow. */
export function addInt64(a: Int64, b: Int64): Int64 | null {
  if (typeof a === 'number' && typeof b === 'number') {
    const n = a + b;
    if (Number.isSafeInteger(n)) return n;
  }
  const n = BigInt(a) + BigInt(b);
  return n > INT64_MAX || n < INT64_MIN ? null : n;
}

export const INT64 = { min: INT64_MIN, max: INT64_MAX };

/**
 * The int64 a double stands for (an expiry time held as a number): past 2^53 the shortest
 * decimal that reads back as it, so that PEXPIREAT's 9223372036854775000 comes back as given;
 * 2^63 (what INT64_MAX rounds to) is INT64_MAX again.
 */
export function int64OfDouble(v: number): Int64 {
  if (Number.isSafeInteger(v)) return v;
  if (v >= 2 ** 63) return INT64_MAX;
  if (v <= -(2 ** 63)) return INT64_MIN;
  return BigInt(String(Math.trunc(v)));
}
