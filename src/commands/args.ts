// Argument parsing and typed key lookups shared by every command family. Each helper that
// can fail writes Redis's error reply itself and returns null, so a command reads:
//   const n = intArg(c, argv[2]!); if (n === null) return;
import type { Client } from '../actors/client.js';
import { parseInteger } from '../store/numbers.js';
import { WRONGTYPE } from '../store/values.js';
import { ERR } from './errors.js';

/** A 64-bit integer argument as a JS number (indices and counts: precision past 2^53 is moot). */
export function intArg(c: Client, s: string, err: string = ERR.notInteger): number | null {
  const v = parseInteger(s);
  if (v === null) {
    c.reply.error(err);
    return null;
  }
  return Number(v);
}

/** As intArg, also refusing negatives with Redis's "out of range, must be positive". */
export function positiveIntArg(c: Client, s: string): number | null {
  const v = intArg(c, s);
  if (v !== null && v < 0) {
    c.reply.error('ERR value is out of range, must be positive');
    return null;
  }
  return v;
}

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF = /^[+-]?inf(?:inity)?$/i;

/** strtold's view of a double, as Redis accepts it: no spaces, no hex, no "nan". */
export function parseFloatStrict(s: string): number | null {
  if (FLOAT.test(s)) return Number(s);
  if (INF.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return null;
}

export function floatArg(c: Client, s: string, err: string = ERR.notFloat): number | null {
  const v = parseFloatStrict(s);
  if (v === null) c.reply.error(err);
  return v;
}

/** True when s equals word, ignoring ASCII case (option names: NX, WITHSCORES, ...). */
export function is(s: string | undefined, word: string): boolean {
  return s !== undefined && s.length === word.length && s.toUpperCase() === word;
}

/**
 * The value at key if it has the given class: undefined when missing, null (and a
 * WRONGTYPE reply written) when it holds another type. write: it is about to change.
 */
export function lookupOf<T extends object>(
  c: Client, key: string, type: abstract new (...args: never[]) => T, write = false,
): T | undefined | null {
  const v = write ? c.db.lookupWrite(key) : c.db.lookup(key);
  if (v === undefined) return undefined;
  if (v instanceof type) return v;
  c.reply.error(WRONGTYPE);
  return null;
}

/** The string at key: undefined when missing, null (WRONGTYPE replied) for another type. */
export function lookupString(c: Client, key: string): string | undefined | null {
  const v = c.db.lookup(key);
  if (v === undefined || typeof v === 'string') return v;
  c.reply.error(WRONGTYPE);
  return null;
}

/** Redis's glob matching (stringmatchlen), for KEYS, SCAN MATCH and CONFIG GET. */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  return matchFrom(pattern, 0, s, 0, nocase);
}

function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean): boolean {
  const eq = (a: string, b: string): boolean => (nocase ? a.toLowerCase() === b.toLowerCase() : a === b);
  while (pi < p.length) {
    const pc = p[pi]!;
    if (pc === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi + 1, s, k, nocase)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (pc === '?') {
      si++;
      pi++;
      continue;
    }
    if (pc === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let match = false;
      while (pi < p.length && p[pi] !== ']') {
        if (p[pi] === '\\' && pi + 1 < p.length) {
          pi++;
          if (eq(p[pi]!, s[si]!)) match = true;
        } else if (p[pi + 1] === '-' && pi + 2 < p.length && p[pi + 2] !== ']') {
          let lo = p[pi]!;
          let hi = p[pi + 2]!;
          if (lo > hi) [lo, hi] = [hi, lo];
          let ch = s[si]!;
          if (nocase) {
            lo = lo.toLowerCase();
            hi = hi.toLowerCase();
            ch = ch.toLowerCase();
          }
          if (ch >= lo && ch <= hi) match = true;
          pi += 2;
        } else if (eq(p[pi]!, s[si]!)) {
          match = true;
        }
        pi++;
      }
      if (not) match = !match;
      if (!match) return false;
      pi++;
      si++;
      continue;
    }
    if (pc === '\\' && pi + 1 < p.length) pi++;
    if (!eq(p[pi]!, s[si]!)) return false;
    pi++;
    si++;
  }
  return si === s.length;
}
