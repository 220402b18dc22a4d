// The SCAN family's cursors (SCAN, HSCAN, SSCAN, ZSCAN), and their shared argument parsing.
//
// Redis's cursor is a position in its hash table that survives rehashing (dictScan). A JS
// Map cannot resume at a position, but its iterators are live: a key present for the whole
// walk is visited exactly once, whatever is added or deleted meanwhile. So a cursor number
// names a live iterator parked in a bounded LRU. Each cursor is used once: resuming takes
// it out of the registry, and a fresh number is issued for the rest of the walk, so that a
// client retrying the same cursor (or an evicted or forged one) starts over. Starting over
// repeats elements, which SCAN's contract allows; it never misses one.
//
// start() must iterate something live and order-stable (a Map or Set): an array that
// swap-removes or splices would move unvisited elements behind the iterator.
import type { Client } from '../actors/client.js';
import { fail, intArg, is } from './args.js';
import { globMatch } from './glob.js';
import { cstr, ERR } from './errors.js';

/** Iterators parked at once, all servers of the process together; the oldest goes first. */
const MAX_CURSORS = 1024;

interface Parked {
  /** What the walk runs over: a cursor resumed against anything else starts over. */
  source: object;
  iter: Iterator<unknown>;
  /** The element read ahead to learn whether the walk was over. */
  ahead: unknown;
}

const parked = new Map<string, Parked>();
let lastCursor = 0;

export interface ScanStep<T> {
  /** The cursor to reply: '0' when the walk is complete. */
  next: string;
  items: T[];
}

/**
 * One step of a walk over source: up to count elements from where cursor left off (from
 * start() for cursor '0' or one not parked here), and the cursor that continues it.
 * A small collection scanned in one step (as Redis does for listpack and intset
 * encodings) passes count = Infinity.
 */
export function scanStep<T>(cursor: string, source: object, start: () => Iterator<T>, count: number): ScanStep<T> {
  const items: T[] = [];
  let iter: Iterator<T>;
  const p = cursor === '0' ? undefined : parked.get(cursor);
  if (p !== undefined && p.source === source) {
    parked.delete(cursor);
    iter = p.iter as Iterator<T>;
    items.push(p.ahead as T);
  } else {
    iter = start();
  }
  while (items.length < count) {
    const r = iter.next();
    if (r.done === true) return { next: '0', items };
    items.push(r.value);
  }
  const r = iter.next();
  if (r.done === true) return { next: '0', items };
  return { next: park({ source, iter, ahead: r.value }), items };
}

function park(p: Parked): string {
  const id = String(++lastCursor);
  parked.set(id, p);
  if (parked.size > MAX_CURSORS) parked.delete(parked.keys().next().value!);
  return id;
}

/**
 * parseScanCursorOrReply: strtoul's view of a cursor (optional sign, decimal digits, at most
 * 2^64-1; "" is 0), as a canonical decimal string; null after replying "invalid cursor".
 */
export function parseScanCursor(c: Client, arg: string): string | null {
  const s = cstr(arg, arg.length);
  if (/^[+-]?\d*$/.test(s) && s !== '+' && s !== '-') {
    const neg = s.startsWith('-');
    const v = BigInt(s === '' ? 0 : s.replace(/^[+-]/, ''));
    if (v < 2n ** 64n) return String(neg && v !== 0n ? 2n ** 64n - v : v);
  }
  c.reply.error('ERR invalid cursor');
  return null;
}

export interface ScanOptions {
  count: number;
  /** null when absent or "*", which matches everything. */
  match: string | null;
  /** The TYPE filter in lower case (SCAN only); null when absent. */
  type: string | null;
}

/** The options of scanGenericCommand from argv[from]; null after replying the error. */
export function parseScanOptions(c: Client, argv: string[], from: number, allowType: boolean): ScanOptions | null {
  const opts: ScanOptions = { count: 10, match: null, type: null };
  for (let i = from; i < argv.length; i += 2) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined) return fail(c, ERR.syntax);
    if (is(arg, 'COUNT')) {
      const n = intArg(c, value);
      if (n === null) return null;
      if (n < 1) return fail(c, ERR.syntax);
      opts.count = n;
    } else if (is(arg, 'MATCH')) {
      opts.match = value === '*' ? null : value;
    } else if (is(arg, 'TYPE') && allowType) {
      opts.type = value.toLowerCase();
    } else {
      return fail(c, ERR.syntax);
    }
  }
  return opts;
}

/** True when s passes the MATCH filter. */
export function scanMatches(opts: ScanOptions, s: string): boolean {
  return opts.match === null || globMatch(opts.match, s);
}

/** The two-element reply: the next cursor and the elements (flattened pairs for HSCAN, ZSCAN). */
export function replyScan(c: Client, next: string, items: readonly string[]): void {
  c.reply.array(2);
  c.reply.bulk(next);
  c.reply.bulks(items, items.length);
}
