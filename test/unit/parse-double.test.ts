// parseDouble (string2d): short integers take a shortcut past strtod; both ways must read
// a string as Redis does.
import { describe, expect, it } from 'vitest';
import { parseDouble, strtod } from '../../src/store/floats.js';

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

  it('accepts a subnormal, as string2d does, and refuses what overflows or underflows to 0', () => {
    expect(parseDouble('1e-320')).toBe(1e-320);
    expect(parseDouble('0x1p-1074')).toBe(Number.MIN_VALUE);
    for (const s of ['1e-400', '1e400', '-1e400', '0x1p-1080']) expect(parseDouble(s)).toBeNull();
  });
});

// What glibc's strtod sets errno to ERANGE for (numeric SORT refuses those): found.test.ts
// compares SORT with redis-server's on the same strings.
describe('strtod ERANGE', () => {
  it('is set for overflow, underflow to 0 and an inexact subnormal, not for an exact one or 0', () => {
    const erange = (s: string): boolean => strtod(s).erange;
    for (const s of ['1e400', '-1e400', '1e-400', '1e-320', '-1e-320', '4.9e-324', '2.2250738585072009e-308', '0x1.8p-1074', '0x1p-1080']) {
      expect(erange(s), s).toBe(true);
    }
    // 2^-1074 written out in full is exact; so is 2^-1074 in hex, with trailing zeros.
    const exact = '4.940656458412465441765687928682213723650598026143247644255856825006755072702087518652998363616359923797965646954457177309266567103559397963987747960107818781263007131903114045278458171678489821036887186360569987307230500063874091535649843873124733972731696151400317153853980741262385655911710266585566867681870395603106249319452715914924553293054565444011274801297099995419319894090804165633245247571478690147267801593552386115501348035264934720193790268107107491703332226844753335720832431936092382893458368060106011506169809753078342277318329247904982524730776375927247874656084778203734469699533647017972677717585125660551199131504891101451037862738167250955837389733598993664809941164205702637090279242767544565229087538682506419718265533447265625e-324';
    for (const s of ['0', '-0', '0e-400', '2.2250738585072014e-308', '0x1p-1074', '0x1.000p-1074', exact]) expect(erange(s), s).toBe(false);
  });

  it('judges a subnormal of a million digits without building them into one number', () => {
    expect(strtod(`0.${'0'.repeat(319)}1${'7'.repeat(1_000_000)}`).erange).toBe(true);
    expect(strtod(`1${'0'.repeat(1_000_000)}e-1000320`).erange).toBe(true);
  });
});
