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

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}
