// HyperLogLog commands (hyperloglog.c): PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, on string
// values holding Redis's HLL bytes (store/hyperloglog.ts).
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey } from '../actors/notify.js';
import {
  DENSE, HDR, HLL_REGISTERS, HllBuffer, INVALID_HLL, SPARSE, countFromHistogram, denseGet, isHll, rawHistogram,
} from '../store/hyperloglog.js';
import { MutableString, storedForm, type StringValue } from '../store/mutable-string.js';
import { fail, lookupBytes } from './args.js';
import type { CommandSpec } from './command.js';

const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

/**
 * isHLLObjectOrReply on the string at key: undefined when missing, null after the error.
 * write: for a change in place (lookupKeyWrite: the snapshot in progress keeps the old bytes).
 */
function lookupHll(c: Client, key: string, write = false): HllBuffer | undefined | null {
  const v = lookupBytes(c, key, write);
  if (v === null || v === undefined) return v;
  return isHll(v) ? HllBuffer.of(v) : fail(c, NOT_HLL);
}

/**
 * An HLL's new bytes at key, TTL kept: where they were when the key held them as an edited
 * string, a new value otherwise (an HLL of 512 bytes or more stays an edited string, so the
 * next PFADD changes its registers in place). signal: a write WATCH, saves and replicas see;
 * without it, unseen, as Redis leaves what a PFADD changed before it met a corrupt part.
 */
function storeHll(c: Client, key: string, h: HllBuffer, signal: boolean): void {
  if (h.source !== null) {
    h.source.adopt(h.buf, h.len);
    if (signal) c.db.modified(key);
    return;
  }
  const value = storedForm(MutableString.adopting(h.buf, h.len));
  if (signal) c.db.set(key, value, true);
  else c.db.setUnsignalled(key, value);
}

function sparseMax(c: Client): number {
  return c.server.config.getInt('hll-sparse-max-bytes');
}

// pfaddCommand
function pfadd(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const found = lookupHll(c, key, true);
  if (found === null) return;
  const h = found ?? HllBuffer.create();
  let updated = found === undefined ? 1 : 0;
  const max = sparseMax(c);
  for (let j = 2; j < argv.length; j++) {
    const r = h.add(argv[j]!, max);
    if (r === -1) {
      // Redis sets the registers in the stored string itself: what the elements before the
      // corrupt part changed stays, unseen by WATCH, saves and replicas (it returns before dirty++).
      if (updated) storeHll(c, key, h, false);
      return c.reply.error(INVALID_HLL);
    }
    updated += r;
  }
  if (updated) {
    h.invalidateCache();
    storeHll(c, key, h, true);
    notifyKey(c, NOTIFY.string, 'pfadd', key);
  }
  // createHLLObject and dbUnshareStringValue both leave a raw string.
  c.db.markEncoding(key, 'raw');
  c.reply.integer(updated ? 1 : 0);
}

// pfcountCommand
function pfcount(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const h = lookupHll(c, argv[j]!);
      if (h === null) return;
      if (h !== undefined && !h.mergeInto(max)) return c.reply.error(INVALID_HLL);
    }
    return c.reply.integer(countFromHistogram(rawHistogram(max)));
  }
  const key = argv[1]!;
  const h = lookupHll(c, key);
  if (h === null) return;
  if (h === undefined) return c.reply.integer(0);
  // dbUnshareStringValue, before the cache is even read: a raw string from here on, whether
  // the count was cached or the registers turn out corrupt.
  c.db.markEncoding(key, 'raw');
  if (h.cacheValid()) return c.reply.integer(h.cachedCard());
  const hist = h.histogram();
  if (hist === null) return c.reply.error(INVALID_HLL);
  const card = countFromHistogram(hist);
  // The cached count is part of the value: it changes, and replicas get this PFCOUNT. Its
  // lookup as a write first, for the snapshot in progress to keep the bytes as they were.
  c.db.lookupWrite(key);
  h.setCachedCard(card);
  storeHll(c, key, h, true);
  // set() forgets the encoding: still the raw string unshared above.
  c.db.markEncoding(key, 'raw');
  c.reply.integer(card);
}

// pfmergeCommand
function pfmerge(c: Client, argv: string[]): void {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const h = lookupHll(c, argv[j]!);
    if (h === null) return;
    if (h === undefined) continue;
    if (h.encoding === DENSE) useDense = true;
    if (!h.mergeInto(max)) return c.reply.error(INVALID_HLL);
  }
  const key = argv[1]!;
  const s = c.db.lookupWrite(key) as StringValue | undefined;
  const h = s === undefined ? HllBuffer.create() : HllBuffer.of(s);
  if (useDense && !h.toDense()) return c.reply.error(INVALID_HLL);
  const limit = sparseMax(c);
  for (let r = 0; r < HLL_REGISTERS; r++) if (max[r]) h.set(r, max[r]!, limit);
  h.invalidateCache();
  storeHll(c, key, h, true);
  c.db.markEncoding(key, 'raw');
  notifyKey(c, NOTIFY.string, 'pfadd', key);
  c.reply.ok();
}

// pfdebugCommand
function pfdebug(c: Client, argv: string[]): void {
  const sub = argv[1]!;
  const key = argv[2]!;
  if (c.db.lookupWrite(key) === undefined) return c.reply.error('ERR The specified key does not exist');
  const h = lookupHll(c, key);
  if (h === null || h === undefined) return;
  // pfdebugCommand unshares the string before any subcommand.
  c.db.markEncoding(key, 'raw');
  switch (sub.toLowerCase()) {
    case 'getreg':
    case 'todense': {
      const sparse = h.encoding === SPARSE;
      if (sparse) {
        if (!h.toDense()) return c.reply.error(INVALID_HLL);
        // The encoding change is a write: replicas convert too.
        storeHll(c, key, h, true);
        c.db.markEncoding(key, 'raw');
      }
      if (sub.toLowerCase() === 'todense') return c.reply.integer(sparse ? 1 : 0);
      c.reply.array(HLL_REGISTERS);
      for (let r = 0; r < HLL_REGISTERS; r++) c.reply.integer(denseGet(h.buf, HDR, r));
      return;
    }
    case 'decode':
      if (h.encoding !== SPARSE) return c.reply.error('ERR HLL encoding is not sparse');
      return c.reply.bulk(h.decode());
    case 'encoding':
      return c.reply.simple(h.encoding === DENSE ? 'dense' : 'sparse');
    default:
      c.reply.error(`ERR Unknown PFDEBUG subcommand '${sub}'`);
  }
}

/**
 * pfselftestCommand: dense registers keep what is stored, and the estimate of dense and
 * sparse HLLs fed the same elements agree and stay within 6 standard errors. Redis feeds
 * 10^7 elements; here checkpoints go to 10^5, enough to cross the sparse to dense promotion.
 */
function pfselftest(c: Client): void {
  const dense = HllBuffer.create();
  dense.toDense();
  const bytes = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < 20; cycle++) {
    for (let r = 0; r < HLL_REGISTERS; r++) bytes[r] = Math.floor(Math.random() * 64);
    dense.buf.fill(0, HDR);
    for (let r = 0; r < HLL_REGISTERS; r++) dense.set(r, bytes[r]!, 0);
    for (let r = 0; r < HLL_REGISTERS; r++) {
      const v = denseGet(dense.buf, HDR, r);
      if (v !== bytes[r]) return c.reply.error(`ERR TESTFAILED Register ${r} should be ${bytes[r]} but is ${v}`);
    }
  }
  const d = HllBuffer.create();
  d.toDense();
  const sp = HllBuffer.create();
  const limit = sparseMax(c);
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seed = Math.floor(Math.random() * 2 ** 31);
  let checkpoint = 1;
  for (let j = 1; j <= 100_000; j++) {
    const ele = `${j ^ seed}`;
    d.add(ele, limit);
    sp.add(ele, limit);
    if (j !== checkpoint) continue;
    if (j < limit / 2 && sp.encoding !== SPARSE) return c.reply.error('ERR TESTFAILED sparse encoding not used');
    const card = countFromHistogram(d.histogram()!);
    if (card !== countFromHistogram(sp.histogram()!)) return c.reply.error('ERR TESTFAILED dense/sparse disagree');
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
    const abserr = Math.abs(checkpoint - card);
    if (abserr > maxerr) return c.reply.error(`ERR TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
    checkpoint *= 10;
  }
  c.reply.ok();
}

const W = ['write', 'hyperloglog'];

export const hyperloglogCommands: CommandSpec[] = [
  { name: 'pfadd', arity: -2, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, 'fast'], run: pfadd },
  { name: 'pfcount', arity: -2, flags: ['readonly', 'may_replicate'], keys: [1, -1, 1], acl: ['read', 'hyperloglog', 'slow'], run: pfcount },
  { name: 'pfmerge', arity: -2, flags: ['write', 'denyoom'], keys: [1, -1, 1], acl: [...W, 'slow'], run: pfmerge },
  { name: 'pfdebug', arity: 3, flags: ['write', 'denyoom', 'admin'], keys: [2, 2, 1], acl: [...W, 'admin', 'slow', 'dangerous'], run: pfdebug },
  { name: 'pfselftest', arity: 1, flags: ['admin'], acl: ['hyperloglog', 'admin', 'slow', 'dangerous'], run: pfselftest },
];
