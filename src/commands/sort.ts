// SORT and SORT_RO (sort.c): the elements of a list, set or sorted set ordered as numbers or
// (ALPHA) as bytes, by themselves or by the keys and hash fields a BY pattern names, a LIMIT
// window of them, each replaced by the GET patterns' values, returned or STOREd as a list.
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey } from '../actors/notify.js';
import { pqsort } from '../store/pqsort.js';
import { isSubnormal, strtod } from '../store/floats.js';
import { isIntegerString } from '../store/numbers.js';
import { textOf } from '../store/mutable-string.js';
import { Hash, isString, List, SetValue, ZSet } from '../store/values.js';
import { intArg, is } from './args.js';
import type { CommandSpec } from './command.js';
import { cs, ERR, WRONGTYPE } from './errors.js';
import { encodingOf } from './keys.js';
import { findCommand } from './table.js';

/**
 * Where a pattern points for element: the key its first '*' makes with element, and the hash
 * field named after a "->" past the '*' (null: the key's own string). Null without a '*'.
 */
function patternTarget(pattern: string, element: string): { key: string; field: string | null } | null {
  const star = pattern.indexOf('*');
  if (star < 0) return null;
  const arrow = pattern.indexOf('->', star + 1);
  const field = arrow >= 0 && arrow + 2 < pattern.length ? pattern.slice(arrow + 2) : null;
  return { key: pattern.slice(0, star) + element + pattern.slice(star + 1, field === null ? pattern.length : arrow), field };
}

/**
 * lookupKeyByPattern: "#" is the element itself; else what patternTarget names. Undefined
 * when nothing is there (or the pattern has no '*').
 */
function lookupByPattern(c: Client, pattern: string, element: string): string | undefined {
  if (pattern === '#') return element;
  const at = patternTarget(pattern, element);
  if (at === null) return undefined;
  const v = c.db.lookup(at.key);
  if (v === undefined) return undefined;
  if (at.field !== null) return v instanceof Hash ? v.get(at.field) : undefined;
  return isString(v) ? textOf(v) : undefined;
}

/**
 * Whether the value a BY pattern finds for element comes to Redis's SORT as an integer object,
 * which it takes without the strtod whose errno it checks: a string key held as int, or a
 * listpack hash's field value (kept as an integer when it is one).
 */
function byIsInteger(c: Client, pattern: string, element: string): boolean {
  const at = pattern === '#' ? null : patternTarget(pattern, element);
  if (at === null) return false;
  const v = c.db.lookup(at.key);
  if (at.field === null) return typeof v === 'string' && encodingOf(v, c.db.stringEncodings.get(at.key)) === 'int';
  if (!(v instanceof Hash) || v.encoding !== 'listpack') return false;
  const value = v.get(at.field);
  return value !== undefined && isIntegerString(value);
}

/** compareStringObjects: bytes, then length. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C locale, as SORT ALPHA collates what it returns: bytes up to the first NUL. */
function collate(a: string, b: string): number {
  return compareBytes(cs(a), cs(b));
}

interface Item {
  element: string;
  score: number;
  by: string | undefined;
}

// sortCommandGeneric
/** user_has_full_key_access: SORT's BY and GET patterns may name any key, so the user must be able to read all. */
function readsAnyKey(c: Client, argv: string[], readonly: boolean): boolean {
  return c.user.readsAnyKey(findCommand(readonly ? 'sort_ro' : 'sort')!, argv);
}

function sort(c: Client, argv: string[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let storeKey: string | null = null;
  let by: string | null = null;
  let dontSort = false;
  const gets: string[] = [];
  // Judged once, at the first BY or GET that needs it.
  let fullKeyAccess: boolean | undefined;
  const mayReadAnyKey = (): boolean => (fullKeyAccess ??= readsAnyKey(c, argv, readonly));
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j]!;
    if (is(a, 'ASC')) desc = false;
    else if (is(a, 'DESC')) desc = true;
    else if (is(a, 'ALPHA')) alpha = true;
    else if (is(a, 'LIMIT') && left >= 2) {
      const s = intArg(c, argv[j + 1]!);
      if (s === null) return;
      const n = intArg(c, argv[j + 2]!);
      if (n === null) return;
      limitStart = s;
      limitCount = n;
      j += 2;
    } else if (!readonly && is(a, 'STORE') && left >= 1) {
      storeKey = argv[++j]!;
    } else if (is(a, 'BY') && left >= 1) {
      by = argv[++j]!;
      // A BY pattern without '*' names one key for all: nothing to sort by.
      dontSort = !by.includes('*');
      if (!dontSort && !mayReadAnyKey()) return c.reply.error('ERR BY option of SORT denied due to insufficient ACL permissions.');
    } else if (is(a, 'GET') && left >= 1) {
      if (!mayReadAnyKey()) return c.reply.error('ERR GET option of SORT denied due to insufficient ACL permissions.');
      gets.push(argv[++j]!);
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  const v = c.db.lookup(argv[1]!);
  if (v !== undefined && !(v instanceof List) && !(v instanceof SetValue) && !(v instanceof ZSet)) return c.reply.error(WRONGTYPE);
  // A set's own order is its hash order: what is stored, or what a script sees (and may write
  // with), must not depend on it.
  if (dontSort && v instanceof SetValue && (storeKey !== null || c.isScript)) {
    dontSort = false;
    alpha = true;
    by = null;
  }
  // "Destructively convert encoded sorted sets for SORT". Converting reads each score back
  // with strtod, and a subnormal one leaves ERANGE in errno, which the numeric sort below
  // takes for its own strtod's: Redis 7.0 then refuses to sort any element it reads as text.
  let staleErange = false;
  if (v instanceof ZSet && v.encoding === 'listpack') {
    v.walk(0, false, (_m, score) => {
      staleErange = isSubnormal(score);
      return !staleErange;
    });
    c.db.lookupWrite(argv[1]!);
    v.toSkiplist();
  }
  const total = v === undefined ? 0 : v instanceof List ? v.length : v.size;
  let start = Math.min(Math.max(limitStart, 0), total);
  const count = Math.min(Math.max(limitCount, -1), total);
  let end = count < 0 ? total - 1 : start + count - 1;
  if (start >= total) {
    start = total - 1;
    end = total - 2;
  }
  if (end >= total) end = total - 1;

  let elements: string[];
  if (v === undefined) {
    elements = [];
  } else if (dontSort && (v instanceof List || v instanceof ZSet)) {
    // The native order (reversed by DESC), only the LIMIT window.
    elements = [];
    if (end >= start) {
      const n = end - start + 1;
      if (v instanceof List) {
        for (let i = 0; i < n; i++) elements.push(v.at(desc ? total - 1 - start - i : start + i)!);
      } else {
        v.walk(desc ? total - 1 - start : start, desc, (m) => {
          elements.push(m);
          return elements.length < n;
        });
      }
      end -= start;
      start = 0;
    }
  } else if (v instanceof List) {
    elements = [...v];
  } else if (v instanceof SetValue) {
    elements = [...v.values(storeKey !== null)];
  } else {
    elements = [];
    v.walk(0, false, (m) => void elements.push(m));
  }

  if (!dontSort) {
    const items: Item[] = elements.map((element) => ({ element, score: 0, by: undefined }));
    let bad = false;
    for (const it of items) {
      const byVal = by === null ? it.element : lookupByPattern(c, by, it.element);
      if (byVal === undefined) continue;
      if (alpha) {
        if (by !== null) it.by = byVal;
      } else {
        // strtod reads a C string: a NUL byte ends it
        const text = cs(byVal);
        const r = strtod(text);
        if (r.end !== text.length || r.erange || Number.isNaN(r.value)) bad = true;
        else if (staleErange && (by === null || !byIsInteger(c, by, it.element))) bad = true;
        it.score = r.value;
      }
    }
    if (bad) return c.reply.error('ERR One or more scores can\'t be converted into double');
    // A STOREd result compares bytes; a returned one collates.
    const text = storeKey === null ? collate : compareBytes;
    const cmp = (a: Item, b: Item): number => {
      let r: number;
      if (!alpha) r = a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.element, b.element);
      else if (by !== null) r = a.by === undefined || b.by === undefined ? (a.by === b.by ? 0 : a.by === undefined ? -1 : 1) : text(a.by, b.by);
      else r = text(a.element, b.element);
      return desc ? -r : r;
    };
    // With BY, a LIMIT window goes through pqsort (its order of ties is Redis's), else qsort.
    if (by !== null && (start !== 0 || end !== items.length - 1)) pqsort(items, cmp, start, end);
    else items.sort(cmp);
    elements = items.map((it) => it.element);
  }

  const out: Array<string | undefined> = [];
  for (let j = start; j <= end; j++) {
    const e = elements[j]!;
    if (gets.length === 0) out.push(e);
    for (const g of gets) out.push(lookupByPattern(c, g, e));
  }
  if (storeKey === null) {
    c.reply.array(out.length);
    for (const s of out) c.reply.bulkOrNull(s);
    return;
  }
  if (out.length > 0) {
    c.db.set(storeKey, List.from(out.map((s) => s ?? '')));
    notifyKey(c, NOTIFY.list, 'sortstore', storeKey);
  } else if (c.db.lookupWrite(storeKey) !== undefined) {
    c.db.delete(storeKey);
    notifyKey(c, NOTIFY.generic, 'del', storeKey);
  }
  c.reply.integer(out.length);
}

const ACL = ['set', 'sortedset', 'list', 'slow', 'dangerous'];

export const sortCommands: CommandSpec[] = [
  { name: 'sort', arity: -2, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], acl: ['write', ...ACL], run: (c, argv) => sort(c, argv, false) },
  { name: 'sort_ro', arity: -2, flags: ['readonly', 'movablekeys'], keys: [1, 1, 1], acl: ['read', ...ACL], run: (c, argv) => sort(c, argv, true) },
];
