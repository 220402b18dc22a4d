import { describe, expect, it } from 'vitest';
import { formatDouble } from '../../src/io/format-double.js';

describe('formatDouble (%.17g)', () => {
  it.each([
    [1.1, '1.1000000000000001'],
    [1.5, '1.5'],
    [0, '0'],
    [-0, '-0'],
    [100, '100'],
    [1e17, '1e+17'],
    [1e16, '10000000000000000'],
    [1.5e300, '1.5000000000000001e+300'],
    [0.0001, '0.0001'],
    [0.00001, '1.0000000000000001e-05'],
    [-2.5, '-2.5'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ])('%d -> %s', (d, s) => {
    expect(formatDouble(d)).toBe(s);
  });
});
