// Number formats Redis puts on the wire.

/** C's "%.17g": how Redis 7.0 prints doubles (ZSCORE, DEBUG DIGEST's sorted-set scores). */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const exp = d.toExponential(16);
  const e = exp.indexOf('e');
  const x = Number(exp.slice(e + 1));
  if (x < -4 || x >= 17) {
    const mant = stripZeros(exp.slice(0, e));
    const digits = String(Math.abs(x)).padStart(2, '0');
    return `${mant}e${x < 0 ? '-' : '+'}${digits}`;
  }
  return stripZeros(d.toFixed(16 - x));
}

/**
 * The "human" long-double format of INCRBYFLOAT and HINCRBYFLOAT: fixed point, no
 * exponent, no trailing zeros. Redis computes in long double; the shortest round-trip
 * form of the double is what that prints in practice (10.5 + 0.1 gives "10.6").
 */
export function formatHumanDouble(d: number): string {
  if (d === 0) return '0';
  const s = String(d);
  const e = s.indexOf('e');
  if (e < 0) return s;
  if (Math.abs(d) < 1e-17) return stripZeros(d.toFixed(17));
  return expandExponent(s.slice(0, e), Number(s.slice(e + 1)));
}

/** Writes mantissa * 10^exp (mantissa as String(number) prints it) in fixed point. */
function expandExponent(mantissa: string, exp: number): string {
  const neg = mantissa.startsWith('-');
  const [int, frac = ''] = (neg ? mantissa.slice(1) : mantissa).split('.');
  const digits = int! + frac;
  const point = int!.length + exp;
  const body = point <= 0
    ? `0.${'0'.repeat(-point)}${digits}`
    : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (neg ? '-' : '') + body;
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}
