// Number formats Redis puts on the wire.

/** C's "%.17g": how Redis 7.0 prints doubles (ZSCORE, DEBUG DIGEST's sorted-set scores). */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // Up to 2^53 an integer's shortest digits (String) are all its digits, as %.17g prints them.
  if (Number.isSafeInteger(d)) return String(d);
  const { digits, x } = seventeenDigits(Math.abs(d));
  const sign = d < 0 ? '-' : '';
  if (x < -4 || x >= 17) {
    const mant = stripZeros(`${digits[0]}.${digits.slice(1)}`);
    return `${sign}${mant}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  }
  const fixed = x >= 0 ? `${digits.slice(0, x + 1)}.${digits.slice(x + 1)}` : `0.${'0'.repeat(-x - 1)}${digits}`;
  return sign + stripZeros(fixed);
}

/**
 * d2string: formatDouble, but an integral value within double2ll's range (|d| <= LLONG_MAX / 2)
 * as its exact integer digits (what a sorted set's listpack holds for its score).
 */
export function d2string(d: number): string {
  return d !== 0 && Number.isInteger(d) && Math.abs(d) <= 2 ** 62 ? BigInt(d).toString() : formatDouble(d);
}

const bits = new DataView(new ArrayBuffer(8));

/**
 * v (> 0) rounded to 17 significant digits, as glibc rounds: to nearest, an exact tie to
 * the even digit. JavaScript's toExponential breaks ties upwards, so an exact tie (checked
 * in integers: v == (D - 1/2) * 10^(x-16)) with an odd last digit steps back one.
 */
function seventeenDigits(v: number): { digits: string; x: number } {
  const exp = v.toExponential(16);
  const e = exp.indexOf('e');
  const x = Number(exp.slice(e + 1));
  let digits = exp[0]! + exp.slice(2, e);
  const last = digits.charCodeAt(16) - 48;
  // Only a value whose expansion goes on "5000..." after the 17th digit can be a tie.
  if (last % 2 === 1 && /^5000/.test(v.toExponential(20).slice(18, 22))) {
    bits.setFloat64(0, v);
    const hi = bits.getUint32(0);
    const biased = hi >>> 20;
    let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(bits.getUint32(4));
    if (biased !== 0) m |= 1n << 52n;
    const e2 = (biased === 0 ? 1 : biased) - 1075 + 1;
    const k = 16 - x;
    let lhs = m;
    let rhs = BigInt(digits) * 2n - 1n;
    if (e2 >= 0) lhs <<= BigInt(e2);
    else rhs <<= BigInt(-e2);
    if (k >= 0) lhs *= 10n ** BigInt(k);
    else rhs *= 10n ** BigInt(-k);
    if (lhs === rhs) digits = (BigInt(digits) - 1n).toString();
  }
  return { digits, x };
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}
