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
export function parseInteger(s: string): number | bigint | null {
  if (!isIntegerString(s)) return null;
  if (s.length < 16) return Number(s);
  const v = BigInt(s);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** int64 a + b (INCRBY, HINCRBY): a number while safe, exact as a bigint past 2^53; null on overflow. */
export function addInt64(a: number | bigint, b: number | bigint): number | bigint | null {
  if (typeof a === 'number' && typeof b === 'number') {
    const n = a + b;
    if (Number.isSafeInteger(n)) return n;
  }
  const n = BigInt(a) + BigInt(b);
  return n > INT64_MAX || n < INT64_MIN ? null : n;
}

export const INT64 = { min: INT64_MIN, max: INT64_MAX };
