// Floating-point text as Redis reads and writes it. Redis has two parsers, for two types:
// - doubles (sorted-set scores, WEIGHTS, range ends) through the C library's strtod: string2d
//   for a whole argument, zslParseRange's strtod for a prefix. "1e400" overflows: refused.
// - x86 80-bit long doubles (INCRBYFLOAT, HINCRBYFLOAT) through strtold (string2ld), added in
//   long double and printed "%.17Lf" (ld2string): 0.1 + 0.2 gives 0.3 there where doubles
//   give 0.30000000000000004, and "1e400" is a fine long double.
// Both accept hex ("0x1p4") and infinities, as the C library does. A long double, and a hex
// double on its way in, is held exactly as m * 2^e in a BigInt, so that parsing, sums and
// printing round as the C library does.

/** A finite binary float, exactly: (-1)^neg * m * 2^e. */
export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
}

/** A binary format: significand bits; exponents of the least subnormal and the largest m * 2^e. */
interface Format {
  bits: number;
  minE: number;
  maxE: number;
}

const LONG_DOUBLE: Format = { bits: 64, minE: -16445, maxE: 16320 };
const DOUBLE: Format = { bits: 53, minE: -1074, maxE: 971 };

export const LD_ZERO: LongDouble = { neg: false, m: 0n, e: 0 };

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/**
 * num/den * 2^exp2 (num > 0) rounded to nearest-even in format f, with fewer bits below its
 * normal range (m 0n when it underflows to zero); null when it overflows.
 */
function round(f: Format, neg: boolean, num: bigint, den: bigint, exp2: number): LongDouble | null {
  const k = f.bits + 2 - (bitLength(num) - bitLength(den));
  const scaled = k >= 0 ? num << BigInt(k) : num;
  const div = k >= 0 ? den : den << BigInt(-k);
  const q = scaled / div;
  const sticky = q * div !== scaled;
  let s = bitLength(q) - f.bits;
  if (exp2 - k + s < f.minE) s = f.minE - exp2 + k;
  let m = q >> BigInt(s);
  const rem = q - (m << BigInt(s));
  const half = 1n << BigInt(s - 1);
  if (rem > half || (rem === half && (sticky || (m & 1n) === 1n))) m++;
  let e = exp2 - k + s;
  if (m === 1n << BigInt(f.bits)) {
    m >>= 1n;
    e++;
  }
  return e > f.maxE ? null : { neg, m, e };
}

/**
 * The hex digits (fracLength of them after the point, leading zeros dropped) times 2^exp in
 * format f, as round() gives it.
 */
function hexValue(f: Format, neg: boolean, digits: string, fracLength: number, exp: number): LongDouble | null {
  if (digits === '') return { neg, m: 0n, e: 0 };
  const exp2 = exp - 4 * fracLength;
  // Far out of range: skip building a huge BigInt.
  if (exp2 + 4 * digits.length > f.maxE + f.bits + 6) return null;
  if (exp2 + 4 * digits.length < f.minE - 10) return { neg, m: 0n, e: 0 };
  return round(f, neg, BigInt(`0x${digits}`), 1n, exp2);
}

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

/** A whole decimal number: sign, integer digits, fraction digits, exponent. */
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const DECIMAL_PREFIX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX_PREFIX = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?/;
const SPECIAL_PREFIX = /^[+-]?(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;

/** The least normal double (DBL_MIN): a nonzero result below it is subnormal. */
const DBL_MIN = 2.2250738585072014e-308;

export function isSubnormal(x: number): boolean {
  return x !== 0 && Math.abs(x) < DBL_MIN;
}

/**
 * Whether digits (no point, no leading zeros, not empty) times base^exp is exactly v, a
 * subnormal double: k * 2^-1074 (Number.MIN_VALUE). Trailing zeros go into the exponent first;
 * more significant digits than any subnormal's exact expansion has (767 decimal, 14 hex) are
 * inexact without a BigInt, which an argument of millions of digits would make slow.
 */
function exactSubnormal(digits: string, base: 10 | 16, exp: number, v: number): boolean {
  const significant = digits.replace(/0+$/, '');
  const e = exp + (base === 10 ? 1 : 4) * (digits.length - significant.length);
  if (significant.length > (base === 10 ? 767 : 14)) return false;
  const k = BigInt(Math.abs(v) / Number.MIN_VALUE);
  if (base === 16) {
    const n = BigInt(`0x${significant}`);
    const shift = e + 1074;
    return shift >= 0 ? n << BigInt(shift) === k : n === k << BigInt(-shift);
  }
  // A nonzero integer times a power of ten not below 1 is far above any subnormal.
  return e < 0 && BigInt(significant) << 1074n === k * 10n ** BigInt(-e);
}

/**
 * C's strtod: the value of the longest prefix of s (after blanks) that reads as a number,
 * how many chars that took (0: none, the value is 0), and whether glibc's strtod sets errno to
 * ERANGE: on overflow (+-HUGE_VAL), underflow to 0, and an inexact subnormal result (1e-320;
 * string2d accepts those, numeric SORT refuses them).
 */
export function strtod(s: string): { value: number; end: number; erange: boolean } {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  const rest = s.slice(i);
  const hex = HEX_PREFIX.exec(rest);
  if (hex !== null && hex[2]! + hex[3]! !== '') {
    const neg = hex[1] === '-';
    const digits = hex[2]! + hex[3]!;
    const significant = digits.replace(/^0+/, '');
    const exp2 = Number(hex[4] ?? 0) - 4 * hex[3]!.length;
    const r = hexValue(DOUBLE, neg, significant, hex[3]!.length, Number(hex[4] ?? 0));
    const end = i + hex[0].length;
    if (r === null) return { value: neg ? -Infinity : Infinity, end, erange: true };
    const value = (neg ? -1 : 1) * Number(r.m) * 2 ** r.e;
    if (significant === '') return { value, end, erange: false };
    const tiny = Math.abs(value) < DBL_MIN;
    return { value, end, erange: tiny && (value === 0 || !exactSubnormal(significant, 16, exp2, value)) };
  }
  const special = SPECIAL_PREFIX.exec(rest);
  if (special !== null) {
    const word = special[0];
    const value = /nan/i.test(word) ? NaN : word.startsWith('-') ? -Infinity : Infinity;
    return { value, end: i + word.length, erange: false };
  }
  const dec = DECIMAL_PREFIX.exec(rest);
  if (dec === null) return { value: 0, end: 0, erange: false };
  const value = Number(dec[0]);
  const end = i + dec[0].length;
  if (!Number.isFinite(value)) return { value, end, erange: true };
  if (Math.abs(value) >= DBL_MIN) return { value, end, erange: false };
  const d = DECIMAL.exec(dec[0])!;
  const frac = d[3] ?? '';
  const significant = (d[2]! + frac).replace(/^0+/, '');
  if (significant === '') return { value, end, erange: false };
  return { value, end, erange: value === 0 || !exactSubnormal(significant, 10, Number(d[4] ?? 0) - frac.length, value) };
}

/**
 * An optional sign and 1 to 15 digits: exactly a double, and what most scores look like,
 * read without strtod's prefix searches (a ZADD spent ~4% of its time in them).
 */
function isShortInteger(s: string): boolean {
  const signed = s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43; // '-' or '+'
  const digits = s.length - (signed ? 1 : 0);
  if (digits < 1 || digits > 15) return false;
  for (let i = signed ? 1 : 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** string2d (getDoubleFromObject): all of s a finite-or-inf double, no blanks first, no NaN. */
export function parseDouble(s: string): number | null {
  if (isShortInteger(s)) return Number(s);
  if (s.length === 0 || isSpace(s.charCodeAt(0))) return null;
  const r = strtod(s);
  // string2d refuses ERANGE with +-HUGE_VAL or 0 only: a subnormal is a fine score.
  const outOfRange = r.erange && (r.value === 0 || !Number.isFinite(r.value));
  return r.end !== s.length || outOfRange || Number.isNaN(r.value) ? null : r.value;
}

const HEX = /^([+-]?)0[xX]([\da-fA-F]*)(?:\.([\da-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^[+-]?inf(?:inity)?$/i;
/** MAX_LONG_DOUBLE_CHARS: string2ld refuses anything this long. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

// string2ld (getLongDoubleFromObject)
/**
 * strtold's nearest long double to all of s, decimal or hex; 'inf' for an infinity, null for
 * what Redis refuses (not a number, blanks, NaN, out of range).
 */
export function parseLongDouble(s: string): LongDouble | 'inf' | null {
  if (s.length === 0 || s.length >= MAX_LONG_DOUBLE_CHARS) return null;
  if (INFINITY.test(s)) return 'inf';
  const hex = HEX.exec(s);
  const d = hex ?? DECIMAL.exec(s);
  if (d === null || d[2]! + (d[3] ?? '') === '') return null;
  const neg = d[1] === '-';
  const frac = d[3] ?? '';
  const digits = (d[2]! + frac).replace(/^0+/, '');
  if (digits === '') return { neg, m: 0n, e: 0 };
  const exp = Number(d[4] ?? 0);
  let r: LongDouble | null;
  if (hex !== null) {
    r = hexValue(LONG_DOUBLE, neg, digits, frac.length, exp);
  } else {
    const exp10 = exp - frac.length;
    if (exp10 + digits.length > 4940) return null;
    if (exp10 + digits.length < -4960) return null;
    const num = BigInt(digits);
    r = exp10 >= 0
      ? round(LONG_DOUBLE, neg, num * 10n ** BigInt(exp10), 1n, 0)
      : round(LONG_DOUBLE, neg, num, 10n ** BigInt(-exp10), 0);
  }
  // Underflow to zero is ERANGE, which Redis refuses.
  return r === null || r.m === 0n ? null : r;
}

/** a + b rounded to a long double; null when that is NaN or infinite (either is 'inf'). */
export function addLongDouble(a: LongDouble | 'inf', b: LongDouble | 'inf'): LongDouble | null {
  if (a === 'inf' || b === 'inf') return null;
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const sum = (a.neg ? -a.m : a.m) * (1n << BigInt(a.e - e)) + (b.neg ? -b.m : b.m) * (1n << BigInt(b.e - e));
  if (sum === 0n) return LD_ZERO;
  return round(LONG_DOUBLE, sum < 0n, sum < 0n ? -sum : sum, 1n, e);
}

const LLONG_MIN = -(2n ** 63n);

/**
 * (long long)ceill(x * 1000.0) with x a long double, as getTimeoutFromObjectOrReply turns
 * seconds into milliseconds: the product rounded to 64 bits, then up to a whole millisecond
 * (0.0001 s waits 1 ms), and LLONG_MIN (as x86 converts) for infinities and anything out of
 * int64's range.
 */
export function longDoubleMillis(x: LongDouble | 'inf'): bigint {
  if (x === 'inf') return LLONG_MIN;
  if (x.m === 0n) return 0n;
  const p = round(LONG_DOUBLE, x.neg, x.m * 1000n, 1n, x.e);
  if (p === null) return LLONG_MIN;
  let magnitude = p.e >= 0 ? p.m << BigInt(p.e) : p.m >> BigInt(-p.e);
  if (!p.neg && p.e < 0 && magnitude << BigInt(-p.e) !== p.m) magnitude++;
  const v = p.neg ? -magnitude : magnitude;
  return v < LLONG_MIN || v >= -LLONG_MIN ? LLONG_MIN : v;
}

// ld2string with LD_STR_HUMAN
/** "%.17Lf" (ties to even, as glibc rounds), trailing zeros and a bare "-0" dropped. */
export function formatLongDouble(x: LongDouble): string {
  const scaled = x.m * 10n ** 17n;
  let q: bigint;
  if (x.e >= 0) {
    q = scaled << BigInt(x.e);
  } else {
    const sh = BigInt(-x.e);
    q = scaled >> sh;
    const rem = scaled - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
  }
  const digits = q.toString().padStart(18, '0');
  const s = `${digits.slice(0, -17)}.${digits.slice(-17)}`.replace(/\.?0+$/, '');
  return x.neg && s !== '0' ? `-${s}` : s;
}
