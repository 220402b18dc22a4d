// parseDouble (string2d): short integers take a shortcut past strtod; both ways must read
// a string as Redis does.
import { describe, expect, it } from 'vitest';
import { parseDouble } from '../../src/store/floats.js';

describe('parseDouble', () => {
  it('reads short integers, signs and leading zeros included', () => {
    expect(parseDouble('12345')).toBe(12345);
    expect(parseDouble('+5')).toBe(5);
    expect(parseDouble('007')).toBe(7);
    expect(Object.is(parseDouble('-0'), -0)).toBe(true);
    expect(parseDouble('999999999999999')).toBe(999999999999999);
  });

  it('leaves longer numbers, fractions and exponents to strtod', () => {
    expect(parseDouble('9007199254740993')).toBe(9007199254740992);
    expect(parseDouble('1.5')).toBe(1.5);
    expect(parseDouble('1e3')).toBe(1000);
    expect(parseDouble('-inf')).toBe(-Infinity);
  });

  it('refuses what is not all a number', () => {
    for (const s of ['', '-', '+', ' 5', '5 ', '5a', 'nan', '1e400x']) expect(parseDouble(s)).toBeNull();
  });
});
