// Argument parsing and typed key lookups shared by every command family. Each helper that
// can fail writes Redis's error reply itself and returns null, so a command reads:
//   const n = intArg(c, argv[2]!); if (n === null) return;
import type { Client } from '../actors/client.js';
import { parseDouble } from '../store/floats.js';
import { INT64, type Int64, parseInteger } from '../store/numbers.js';
import { WRONGTYPE } from '../store/values.js';
import { ERR } from './errors.js';

/** A command's argv-mem (CLIENT LIST, the logs that name its client, client eviction) and multi-mem share: its arguments' bytes. */
export function argvBytes(argv: readonly string[]): number {
  let n = 0;
  for (const a of argv) n += a.length;
  return n;
}

/** Replies err and returns null: the failure of a helper that returns what it parsed. */
export function fail(c: Client, err: string): null {
  c.reply.error(err);
  return null;
}

/** A 64-bit integer argument as a JS number (indices and counts: precision past 2^53 is moot). */
export function intArg(c: Client, s: string, err: string = ERR.notInteger): number | null {
  const v = parseInteger(s);
  return v === null ? fail(c, err) : Number(v);
}

/** A 64-bit integer argument exactly: a number while safe, a bigint past 2^53. */
export function int64Arg(c: Client, s: string, err: string = ERR.notInteger): Int64 | null {
  return parseInteger(s) ?? fail(c, err);
}

/**
 * getRangeLongFromObjectOrReply: an integer argument within [min, max]. msg, when given,
 * replaces both the "not an integer" and the range error.
 */
export function rangeArg(c: Client, s: string, min: bigint, max: bigint, msg?: string): number | null {
  const v = parseInteger(s);
  if (v === null) return fail(c, msg ?? ERR.notInteger);
  if (v < min || v > max) return fail(c, msg ?? `ERR value is out of range, value must between ${min} and ${max}`);
  return Number(v);
}

/** getPositiveLongFromObjectOrReply: 0..LONG_MAX, msg answering a non-integer as well. */
export function positiveIntArg(c: Client, s: string, msg = 'ERR value is out of range, must be positive'): number | null {
  return rangeArg(c, s, 0n, INT64.max, msg);
}

/** getIntFromObjectOrReply: an int32 (db indexes), msg replacing both errors when given. */
export function int32Arg(c: Client, s: string, msg?: string): number | null {
  return rangeArg(c, s, -0x80000000n, 0x7fffffffn, msg);
}

/** The count of SRANDMEMBER, HRANDFIELD and ZRANDMEMBER: any long but LONG_MIN; negative allows repeats. */
export function randomCountArg(c: Client, s: string): number | null {
  return rangeArg(c, s, -INT64.max, INT64.max);
}

/**
 * hrandfieldCommand and zrandmemberCommand's "count [WITHVALUES | WITHSCORES]" from argv[2]:
 * the count, and whether argv[3] is the word that asks for pairs (then |count| may not pass
 * LONG_MAX / 2).
 */
export function randomPairsArgs(c: Client, argv: string[], word: string): { count: number; pairs: boolean } | null {
  const count = randomCountArg(c, argv[2]!);
  if (count === null) return null;
  if (argv.length > 4 || (argv.length === 4 && !is(argv[3], word))) return fail(c, ERR.syntax);
  const pairs = argv.length === 4;
  const half = INT64.max / 2n;
  // The count again as a bigint: past 2^53 the number lost the digits that decide.
  if (pairs && (BigInt(argv[2]!) < -half || BigInt(argv[2]!) > half)) return fail(c, 'ERR value is out of range');
  return { count, pairs };
}

/**
 * start..end of LRANGE, LTRIM, ZRANGE and ZREMRANGEBYRANK: negatives count from the end,
 * then the range is clamped to 0..len-1; null when nothing is in it.
 */
export function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  return [start, Math.min(end, len - 1)];
}

/**
 * getDoubleFromObjectOrReply: a double as string2d reads it (scores, weights). INCRBYFLOAT and
 * HINCRBYFLOAT read long doubles instead (parseLongDouble).
 */
export function floatArg(c: Client, s: string, err: string = ERR.notFloat): number | null {
  const v = parseDouble(s);
  return v === null ? fail(c, err) : v;
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
  return v instanceof type ? v : fail(c, WRONGTYPE);
}

/**
 * The string at key: undefined when missing, null (WRONGTYPE replied) for another type. write:
 * a string about to be replaced (lookupKeyWrite: no hit or miss counted).
 */
export function lookupString(c: Client, key: string, write = false): string | undefined | null {
  const v = write ? c.db.lookupUncounted(key) : c.db.lookup(key);
  return v === undefined || typeof v === 'string' ? v : fail(c, WRONGTYPE);
}

/**
 * lookupKeyWrite of a string about to be replaced (INCR, APPEND): its slot in c.db (Db.writeSlot,
 * -1 when missing), null after a WRONGTYPE reply.
 */
export function writeSlotOfString(c: Client, key: string): number | null {
  const slot = c.db.writeSlot(key);
  return slot < 0 || typeof c.db.valueAt(slot) === 'string' ? slot : fail(c, WRONGTYPE);
}

/**
 * The [B]LMPOP and [B]ZMPOP arguments from argv[numkeysAt]: numkeys keys, one of two words
 * (first: the first word), an optional COUNT; null after replying the error, in Redis's order.
 */
export function mpopArgs(
  c: Client, argv: string[], numkeysAt: number, firstWord: string, secondWord: string,
): { keys: string[]; first: boolean; count: number } | null {
  const numkeys = rangeArg(c, argv[numkeysAt]!, 1n, INT64.max, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return null;
  const whereAt = numkeysAt + 1 + numkeys;
  if (whereAt >= argv.length) return fail(c, ERR.syntax);
  const where = argv[whereAt];
  if (!is(where, firstWord) && !is(where, secondWord)) return fail(c, ERR.syntax);
  let count: number | null = null;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count !== null || !is(argv[j], 'COUNT') || j + 1 === argv.length) return fail(c, ERR.syntax);
    count = rangeArg(c, argv[++j]!, 1n, INT64.max, 'ERR count should be greater than 0');
    if (count === null) return null;
  }
  return { keys: argv.slice(numkeysAt + 1, whereAt), first: is(where, firstWord), count: count ?? 1 };
}
