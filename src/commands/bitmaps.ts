// Bitmaps on plain strings (bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
// BITFIELD_RO. Bits are numbered from the most significant bit of the first byte. Counting
// uses a byte table and skipping scans whole bytes, never bit by bit over a range. Writes
// edit a long string in place (store/mutable-string.ts).
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey } from '../actors/notify.js';
import { storedForm, type StringValue } from '../store/mutable-string.js';
import { parseInteger } from '../store/numbers.js';
import { editString, fail, intArg, is, keepEdit, lookupBytes, type StringEdit } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';

const BIT_OFFSET = 'ERR bit offset is not an integer or out of range';

/** Set bits of each byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/** redisPopcount over s[start, end] (bytes). */
function popcount(s: StringValue, start: number, end: number): number {
  let n = 0;
  for (let i = start; i <= end; i++) n += POPCOUNT[s.charCodeAt(i)]!;
  return n;
}

/**
 * getBitOffsetFromArgument: a bit offset below proto-max-bulk-len bytes; with hash, "#N"
 * means N fields of `bits` bits. Null after the error.
 */
function bitOffsetArg(c: Client, s: string, hash = false, bits = 0): number | null {
  const useHash = hash && bits > 0 && s.charCodeAt(0) === 35;
  const v = parseInteger(useHash ? s.slice(1) : s);
  if (v === null) return fail(c, BIT_OFFSET);
  let off = BigInt(v);
  if (useHash) off *= BigInt(bits);
  const max = BigInt(c.server.config.getInt('proto-max-bulk-len'));
  if (off < 0n || (!c.isMaster && off >> 3n >= max)) return fail(c, BIT_OFFSET);
  return Number(off);
}

// setbitCommand
function setbit(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2]!);
  if (offset === null) return;
  const on = intArg(c, argv[3]!, 'ERR bit is not an integer or out of range');
  if (on === null) return;
  if (on !== 0 && on !== 1) return c.reply.error('ERR bit is not an integer or out of range');
  const key = argv[1]!;
  const byte = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset & 7));
  const edit = editString(c, key, byte + 1);
  if (edit === null) return;
  const b = edit.s.charCodeAt(byte);
  const was = (b & mask) !== 0;
  if (edit.s.length !== edit.oldLength || was !== (on === 1)) {
    edit.s.setByte(byte, on ? b | mask : b & ~mask);
    keepEdit(c, key, edit);
    notifyKey(c, NOTIFY.string, 'setbit', key);
  }
  // lookupStringForBitCommand leaves the string raw, changed or not.
  c.db.markEncoding(key, 'raw');
  c.reply.integer(was ? 1 : 0);
}

// getbitCommand
function getbit(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2]!);
  if (offset === null) return;
  const s = lookupBytes(c, argv[1]!);
  if (s === null) return;
  const byte = Math.floor(offset / 8);
  if (s === undefined || byte >= s.length) return c.reply.integer(0);
  c.reply.integer((s.charCodeAt(byte) >> (7 - (offset & 7))) & 1);
}

/**
 * The byte range [start, end] of BITCOUNT and BITPOS (BYTE or BIT units, negatives from the
 * end, clamped), with masks of the bits outside a BIT range in its first and last bytes.
 */
interface BitRange {
  start: number;
  end: number;
  firstMask: number;
  lastMask: number;
}

function bitRange(start: number, end: number, len: number, isBit: boolean): BitRange {
  const total = isBit ? len * 8 : len;
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  let firstMask = 0;
  let lastMask = 0;
  if (isBit && start <= end) {
    firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
    lastMask = (1 << (7 - (end & 7))) - 1;
    start >>= 3;
    end >>= 3;
  }
  return { start, end, firstMask, lastMask };
}

/** BYTE or BIT in argv[i] (absent: BYTE); null after a syntax error. */
function unitArg(c: Client, s: string | undefined): boolean | null {
  if (s === undefined || is(s, 'BYTE')) return false;
  if (is(s, 'BIT')) return true;
  return fail(c, ERR.syntax);
}

// bitcountCommand
function bitcount(c: Client, argv: string[]): void {
  const s = lookupBytes(c, argv[1]!);
  if (s === null) return;
  if (s === undefined) return c.reply.integer(0);
  let r: BitRange;
  if (argv.length === 4 || argv.length === 5) {
    const start = intArg(c, argv[2]!);
    if (start === null) return;
    const end = intArg(c, argv[3]!);
    if (end === null) return;
    if (start < 0 && end < 0 && start > end) return c.reply.integer(0);
    const isBit = unitArg(c, argv[4]);
    if (isBit === null) return;
    r = bitRange(start, end, s.length, isBit);
  } else if (argv.length === 2) {
    r = { start: 0, end: s.length - 1, firstMask: 0, lastMask: 0 };
  } else {
    return c.reply.error(ERR.syntax);
  }
  if (r.start > r.end) return c.reply.integer(0);
  let n = popcount(s, r.start, r.end);
  if (r.firstMask) n -= POPCOUNT[s.charCodeAt(r.start) & r.firstMask]!;
  if (r.lastMask) n -= POPCOUNT[s.charCodeAt(r.end) & r.lastMask]!;
  c.reply.integer(n);
}

/** redisBitpos: the first bit equal to `bit` in the bytes at[0..n), counted from at's first bit; -1 (bit 1) or past the end (bit 0) when none. */
function firstBit(byteAt: (i: number) => number, n: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  let i = 0;
  while (i < n && byteAt(i) === skip) i++;
  if (i === n) return bit ? -1 : n * 8;
  const b = byteAt(i);
  for (let k = 7; k >= 0; k--) if (((b >> k) & 1) === bit) return i * 8 + (7 - k);
  return -1;
}

// bitposCommand
function bitpos(c: Client, argv: string[]): void {
  const bit = intArg(c, argv[2]!);
  if (bit === null) return;
  if (bit !== 0 && bit !== 1) return c.reply.error('ERR The bit argument must be 1 or 0.');
  const s = lookupBytes(c, argv[1]!);
  if (s === null) return;
  if (s === undefined) return c.reply.integer(bit ? -1 : 0);
  let r: BitRange;
  let endGiven = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const start = intArg(c, argv[3]!);
    if (start === null) return;
    const isBit = unitArg(c, argv[5]);
    if (isBit === null) return;
    let end: number;
    if (argv.length >= 5) {
      const e = intArg(c, argv[4]!);
      if (e === null) return;
      end = e;
      endGiven = true;
    } else {
      end = isBit ? s.length * 8 + 7 : s.length - 1;
    }
    r = bitRange(start, end, s.length, isBit);
  } else if (argv.length === 3) {
    r = { start: 0, end: s.length - 1, firstMask: 0, lastMask: 0 };
  } else {
    return c.reply.error(ERR.syntax);
  }
  if (r.start > r.end) return c.reply.integer(-1);
  // The bits outside a BIT range read as the opposite of the one looked for.
  const byteAt = (i: number): number => {
    const at = r.start + i;
    let b = s.charCodeAt(at);
    if (at === r.start && r.firstMask) b = bit ? b & ~r.firstMask : b | r.firstMask;
    if (at === r.end && r.lastMask) b = bit ? b & ~r.lastMask : b | r.lastMask;
    return b & 0xff;
  };
  const bytes = r.end - r.start + 1;
  let pos = firstBit(byteAt, bytes, bit);
  if (endGiven && bit === 0 && pos === bytes * 8) return c.reply.integer(-1);
  if (pos !== -1) pos += r.start * 8;
  c.reply.integer(pos);
}

// bitopCommand
function bitop(c: Client, argv: string[]): void {
  const op = argv[1]!.toUpperCase();
  if (op !== 'AND' && op !== 'OR' && op !== 'XOR' && op !== 'NOT') return c.reply.error(ERR.syntax);
  if (op === 'NOT' && argv.length !== 4) return c.reply.error('ERR BITOP NOT must be called with a single source key.');
  const srcs: StringValue[] = [];
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const s = lookupBytes(c, argv[j]!);
    if (s === null) return;
    srcs.push(s ?? '');
    maxlen = Math.max(maxlen, (s ?? '').length);
  }
  const key = argv[2]!;
  if (maxlen === 0) {
    if (c.db.lookupWrite(key) !== undefined) {
      c.db.delete(key);
      notifyKey(c, NOTIFY.generic, 'del', key);
    }
    return c.reply.integer(0);
  }
  const out = Buffer.alloc(maxlen);
  const first = srcs[0]!;
  for (let j = 0; j < maxlen; j++) {
    let v = j < first.length ? first.charCodeAt(j) : 0;
    if (op === 'NOT') v = ~v & 0xff;
    for (let i = 1; i < srcs.length; i++) {
      const src = srcs[i]!;
      const b = j < src.length ? src.charCodeAt(j) : 0;
      if (op === 'AND') v &= b;
      else if (op === 'OR') v |= b;
      else v ^= b;
    }
    out[j] = v;
  }
  c.db.set(key, out.toString('latin1'));
  c.db.markEncoding(key, 'raw');
  notifyKey(c, NOTIFY.string, 'set', key);
  c.reply.integer(maxlen);
}

// --- BITFIELD -------------------------------------------------------------------------------

const WRAP = 0;
const SAT = 1;
const FAIL = 2;

interface FieldOp {
  op: 'get' | 'set' | 'incrby';
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: number;
}

/** getBitfieldTypeFromArgument: i1..i64 or u1..u63; null after the error. */
function fieldTypeArg(c: Client, s: string): { signed: boolean; bits: number } | null {
  const err = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
  const signed = s.charCodeAt(0) === 105;
  if (!signed && s.charCodeAt(0) !== 117) return fail(c, err);
  const bits = parseInteger(s.slice(1));
  if (bits === null || bits < 1 || bits > (signed ? 64 : 63)) return fail(c, err);
  return { signed, bits: Number(bits) };
}

/** getUnsignedBitfield over bytes read by byteAt (past the end: zero). */
function readField(byteAt: (i: number) => number, offset: number, bits: number): bigint {
  let v = 0n;
  for (let j = 0; j < bits; j++, offset++) v = (v << 1n) | BigInt((byteAt(Math.floor(offset / 8)) >> (7 - (offset & 7))) & 1);
  return v;
}

/** setUnsignedBitfield into buf (long enough): the low `bits` bits of v. */
function writeField(buf: Buffer, offset: number, bits: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  for (let j = 0; j < bits; j++, offset++) {
    const on = (u >> BigInt(bits - 1 - j)) & 1n;
    const byte = Math.floor(offset / 8);
    const mask = 1 << (7 - (offset & 7));
    buf[byte] = on ? buf[byte]! | mask : buf[byte]! & ~mask;
  }
}

/**
 * check(Un)SignedBitfieldOverflow on the exact result: the value to store, or null when it
 * overflows under FAIL (WRAP keeps the low bits, SAT the nearest limit).
 */
function fitField(v: bigint, signed: boolean, bits: number, overflow: number, isSet: boolean): bigint | null {
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const min = signed ? -max - 1n : 0n;
  if (v >= min && v <= max) return v;
  if (overflow === FAIL) return null;
  // checkSignedBitfieldOverflow takes max - value as an int64: for a SET within max of INT64_MIN
  // it wraps negative and reads as an overflow upwards (fuzz seed 511).
  if (overflow === SAT && isSet && signed && bits < 64 && v <= max - (1n << 63n)) return max;
  if (overflow === SAT) return v > max ? max : min;
  return signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
}

// bitfieldGeneric
function bitfield(c: Client, argv: string[], readonly: boolean): void {
  const ops: FieldOp[] = [];
  let overflow = WRAP;
  let writes = false;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const sub = argv[j]!;
    let op: FieldOp['op'];
    if (is(sub, 'GET') && left >= 2) op = 'get';
    else if (is(sub, 'SET') && left >= 3) op = 'set';
    else if (is(sub, 'INCRBY') && left >= 3) op = 'incrby';
    else if (is(sub, 'OVERFLOW') && left >= 1) {
      const t = argv[++j]!;
      if (is(t, 'WRAP')) overflow = WRAP;
      else if (is(t, 'SAT')) overflow = SAT;
      else if (is(t, 'FAIL')) overflow = FAIL;
      else return c.reply.error('ERR Invalid OVERFLOW type specified');
      continue;
    } else {
      return c.reply.error(ERR.syntax);
    }
    const type = fieldTypeArg(c, argv[j + 1]!);
    if (type === null) return;
    const offset = bitOffsetArg(c, argv[j + 2]!, true, type.bits);
    if (offset === null) return;
    let value = 0n;
    if (op !== 'get') {
      writes = true;
      highest = Math.max(highest, offset + type.bits - 1);
      const v = parseInteger(argv[j + 3]!);
      if (v === null) return c.reply.error(ERR.notInteger);
      value = BigInt(v);
    }
    ops.push({ op, ...type, offset, value, overflow });
    j += op === 'get' ? 2 : 3;
  }
  if (writes && readonly) return c.reply.error('ERR BITFIELD_RO only supports the GET subcommand');
  const key = argv[1]!;
  let edit: StringEdit | null = null;
  if (writes) {
    edit = editString(c, key, Math.floor(highest / 8) + 1);
    if (edit === null) return;
  }
  const s = edit === null ? lookupBytes(c, key) : edit.s;
  if (s === null) return;
  const buf = edit === null ? null : edit.s.view();
  // Writes that did not fail and changed a field (or the string grew): only they signal the
  // key and count as dirty, as in Redis.
  let changes = 0;
  const grew = edit !== null && edit.s.length !== edit.oldLength;
  const text = s ?? '';
  const byteAt = (i: number): number => (i < text.length ? text.charCodeAt(i) : 0);
  c.reply.array(ops.length);
  for (const f of ops) {
    const u = readField(byteAt, f.offset, f.bits);
    const current = f.signed ? BigInt.asIntN(f.bits, u) : u;
    if (f.op === 'get') {
      c.reply.integer(toNumber(current));
      continue;
    }
    const wanted = f.op === 'incrby' ? current + f.value : f.signed ? f.value : BigInt.asUintN(64, f.value);
    const next = fitField(wanted, f.signed, f.bits, f.overflow, f.op === 'set');
    if (next === null) {
      c.reply.nullBulk();
      continue;
    }
    c.reply.integer(toNumber(f.op === 'incrby' ? next : current));
    writeField(buf!, f.offset, f.bits, next);
    if (grew || next !== current) changes++;
  }
  if (edit === null) return;
  if (changes > 0) {
    keepEdit(c, key, edit);
    c.db.dirtied(changes - 1);
    c.db.markEncoding(key, 'raw');
    notifyKey(c, NOTIFY.string, 'setbit', key);
  } else if (grew && !edit.inPlace) {
    c.db.setUnsignalled(key, storedForm(edit.s));
  } else {
    c.db.markEncoding(key, 'raw');
  }
}

function toNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const W = ['write', 'bitmap'];
const R = ['read', 'bitmap'];

export const bitmapCommands: CommandSpec[] = [
  { name: 'setbit', arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: [...W, 'slow'], run: setbit },
  { name: 'getbit', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'], run: getbit },
  { name: 'bitcount', arity: -2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'], run: bitcount },
  { name: 'bitpos', arity: -3, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, 'slow'], run: bitpos },
  { name: 'bitop', arity: -4, flags: ['write', 'denyoom'], keys: [2, -1, 1], acl: [...W, 'slow'], run: bitop },
  { name: 'bitfield', arity: -2, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: [...W, 'slow'], run: (c, argv) => bitfield(c, argv, false) },
  { name: 'bitfield_ro', arity: -2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, 'fast'], run: (c, argv) => bitfield(c, argv, true) },
];
