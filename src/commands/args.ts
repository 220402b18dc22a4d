// Argument parsing and typed key lookups shared by every command family. Each helper that
// can fail writes Redis's error reply itself and returns null, so a command reads:
//   const n = intArg(c, argv[2]!); if (n === null) return;
import type { Client } from '../actors/client.js';
import { parseDouble } from '../store/floats.js';
import { INT64, type Int64, parseInteger } from '../store/numbers.js';
import { MutableString, storedForm, type StringValue, textOf } from '../store/mutable-string.js';
import { isString, WRONGTYPE } from '../store/values.js';
import { MAX_STRING } from '../io/latin1.js';
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
 * The string at key as it is held, for a command that reads its bytes (length, charCodeAt,
 * slice): undefined when missing, null (WRONGTYPE replied) for another type. write: bytes
 * about to change in place (lookupKeyWrite: the snapshot in progress keeps the old ones).
 */
export function lookupBytes(c: Client, key: string, write = false): StringValue | undefined | null {
  const v = write ? c.db.lookupWrite(key) : c.db.lookup(key);
  return v === undefined || isString(v) ? v : fail(c, WRONGTYPE);
}

/** The text of the string at key: undefined when missing, null (WRONGTYPE replied) for another type. */
export function lookupString(c: Client, key: string): string | undefined | null {
  const v = lookupBytes(c, key);
  return v === undefined || v === null ? v : textOf(v);
}

/**
 * lookupKeyWrite of a string about to be replaced (INCR, APPEND): its slot in c.db (Db.writeSlot,
 * -1 when missing, stringAt reads it), null after a WRONGTYPE reply.
 */
export function writeSlotOfString(c: Client, key: string): number | null {
  const slot = c.db.writeSlot(key);
  return slot < 0 || isString(c.db.valueAt(slot)) ? slot : fail(c, WRONGTYPE);
}

/** The text of the string in a slot writeSlotOfString found. */
export function stringAt(c: Client, slot: number): string {
  return textOf(c.db.valueAt(slot) as StringValue);
}

/** An edit in place of the string at a key (editString). */
export interface StringEdit {
  /** The bytes to change. */
  readonly s: MutableString;
  /** s is the value the key holds, changed as it is written; otherwise a copy for keepEdit to store. */
  readonly inPlace: boolean;
  /** The value's length before the edit (0 for a missing key). */
  readonly oldLength: number;
}

/**
 * lookupKeyWrite of the string at key, opened for an edit that leaves it at least length bytes
 * long, zero-filled (lookupStringForBitCommand, sdsgrowzero); null after WRONGTYPE, or when
 * length passes the longest string V8 holds (Redis grows to 512 MB + 1 byte). A MutableString
 * is edited where it is; a JS string, or nothing, is copied. The snapshot in progress has the
 * old value first.
 */
export function editString(c: Client, key: string, length: number): StringEdit | null {
  const v = c.db.lookupWrite(key);
  if (v !== undefined && !isString(v)) return fail(c, WRONGTYPE);
  if (length > MAX_STRING) return fail(c, ERR.tooLong);
  if (v instanceof MutableString) {
    const oldLength = v.length;
    v.growTo(length);
    return { s: v, inPlace: true, oldLength };
  }
  const old = v ?? '';
  return { s: MutableString.copy(old, length), inPlace: false, oldLength: old.length };
}

/**
 * An edit's result at its key, TTL kept: a copy is stored (as a JS string while it is short),
 * a change in place reported.
 */
export function keepEdit(c: Client, key: string, edit: StringEdit): void {
  if (edit.inPlace) c.db.modified(key);
  else c.db.set(key, storedForm(edit.s), true);
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
