// Strings (t_string.c): GET SET and friends, the INCR family, ranges.
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey } from '../actors/notify.js';
import { addLongDouble, formatLongDouble, LD_ZERO, parseLongDouble } from '../store/floats.js';
import { MAX_STRING } from '../io/latin1.js';
import { addInt64, INT64, int64OfDouble, parseInteger } from '../store/numbers.js';
import { type StringValue, textOf } from '../store/mutable-string.js';
import { isString, WRONGTYPE } from '../store/values.js';
import { editString, intArg, is, keepEdit, lookupBytes, lookupString, stringAt, writeSlotOfString } from './args.js';
import type { CommandSpec } from './command.js';
import { deletionArgv } from './dispatch.js';
import { ERR } from './errors.js';

// The OBJ_* flags of parseExtendedStringArgumentsOrReply.
const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const PERSIST = 16;
const EX = 32;
const PX = 64;
const EXAT = 128;
const PXAT = 256;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

interface StringOptions {
  flags: number;
  /** The argument of EX, PX, EXAT or PXAT. */
  expire: string | undefined;
}

const NO_OPTIONS: StringOptions = { flags: 0, expire: undefined };
const NX_ONLY: StringOptions = { flags: NX, expire: undefined };

function expireFlag(opt: string): number {
  if (is(opt, 'EX')) return EX;
  if (is(opt, 'PX')) return PX;
  if (is(opt, 'EXAT')) return EXAT;
  if (is(opt, 'PXAT')) return PXAT;
  return 0;
}

/**
 * parseExtendedStringArgumentsOrReply: SET's options (NX XX GET KEEPTTL and an expiry) or
 * GETEX's (PERSIST and an expiry) from argv[from]; null after a syntax error. Repeating an
 * option is allowed (the last expiry wins), mixing exclusive ones is not.
 */
function parseStringOptions(c: Client, argv: string[], from: number, forSet: boolean): StringOptions | null {
  if (argv.length === from) return NO_OPTIONS;
  let flags = 0;
  let expire: string | undefined;
  for (let j = from; j < argv.length; j++) {
    const opt = argv[j]!;
    if (forSet && is(opt, 'NX') && (flags & XX) === 0) flags |= NX;
    else if (forSet && is(opt, 'XX') && (flags & NX) === 0) flags |= XX;
    else if (forSet && is(opt, 'GET')) flags |= GET;
    else if (forSet && is(opt, 'KEEPTTL') && (flags & (PERSIST | ANY_EXPIRE)) === 0) flags |= KEEPTTL;
    else if (!forSet && is(opt, 'PERSIST') && (flags & (KEEPTTL | ANY_EXPIRE)) === 0) flags |= PERSIST;
    else {
      const unit = expireFlag(opt);
      if (unit === 0 || j + 1 === argv.length || (flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & ~unit))) !== 0) {
        c.reply.error(ERR.syntax);
        return null;
      }
      flags |= unit;
      expire = argv[++j];
    }
  }
  return { flags, expire };
}

const LLONG_MAX_DIV_1000 = INT64.max / 1000n;

/**
 * getExpireMillisecondsOrReply: the unix ms an EX/PX/EXAT/PXAT argument names; null after
 * replying "not an integer" or, for <= 0 or int64 overflow, "invalid expire time".
 */
function expireAtOrReply(c: Client, arg: string, flags: number, cmd: string): number | null {
  const v = parseInteger(arg);
  if (v === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  const seconds = (flags & (EX | EXAT)) !== 0;
  const base = (flags & (EX | PX)) !== 0 ? Date.now() : 0;
  if (v > 0 && typeof v === 'number') {
    const ms = (seconds ? v * 1000 : v) + base;
    if (Number.isSafeInteger(ms)) return ms;
  }
  if (v <= 0 || (seconds && BigInt(v) > LLONG_MAX_DIV_1000)) {
    c.reply.error(ERR.invalidExpire(cmd));
    return null;
  }
  const ms = BigInt(v) * (seconds ? 1000n : 1n) + BigInt(base);
  if (ms > INT64.max) {
    c.reply.error(ERR.invalidExpire(cmd));
    return null;
  }
  return Number(ms);
}

/** setGenericCommand: SET and its older spellings; SETNX (asInteger) answers 1 and 0, not OK and nil. */
function setGeneric(c: Client, key: string, value: string, opts: StringOptions, cmd: string, asInteger = false): void {
  const { flags } = opts;
  let when: number | null = null;
  if (opts.expire !== undefined) {
    when = expireAtOrReply(c, opts.expire, flags, cmd);
    if (when === null) return;
  }
  // GET reads the key (a hit or a miss); NX and XX alone look it up as a write, uncounted.
  let found = false;
  if (flags & GET) {
    const old = c.db.lookup(key);
    if (old !== undefined && !isString(old)) return c.reply.error(WRONGTYPE);
    c.reply.bulkOrNull(old === undefined ? old : textOf(old));
    found = old !== undefined;
  } else if (flags & (NX | XX)) {
    found = c.db.writeSlot(key) >= 0;
  }
  if ((flags & NX && found) || (flags & XX && !found)) {
    if (!(flags & GET)) {
      if (asInteger) c.reply.integer(0);
      else c.reply.nullBulk();
    }
    return;
  }
  c.db.set(key, value, (flags & KEEPTTL) !== 0);
  notifyKey(c, NOTIFY.string, 'set', key);
  if (when !== null) {
    c.db.setExpire(key, when);
    notifyKey(c, NOTIFY.generic, 'expire', key);
  }
  // Any expiry goes out as the absolute time alone: a relative one would mean another time on the replica.
  if (when !== null) c.propagateAs(['SET', key, value, 'PXAT', String(int64OfDouble(when))]);
  if (flags & GET) return;
  if (asInteger) c.reply.integer(1);
  else c.reply.ok();
}

/** getGenericCommand: the string at key or nil; false when WRONGTYPE was replied. */
function replyGet(c: Client, key: string): boolean {
  const v = lookupString(c, key);
  if (v === null) return false;
  c.reply.bulkOrNull(v);
  return true;
}

/** incrDecrCommand: by is a safe integer or an int64 bigint. */
function incrDecr(c: Client, key: string, by: number | bigint): void {
  const slot = writeSlotOfString(c, key);
  if (slot === null) return;
  const cur = slot < 0 ? 0 : parseInteger(stringAt(c, slot));
  if (cur === null) return c.reply.error(ERR.notInteger);
  const n = addInt64(cur, by);
  if (n === null) return c.reply.error(ERR.overflow);
  c.db.setAt(slot, key, String(n));
  notifyKey(c, NOTIFY.string, 'incrby', key);
  c.reply.integer(n);
}

/**
 * checkStringLength: a string may not grow past proto-max-bulk-len (the master link is exempt),
 * nor past the longest string V8 holds.
 */
function checkStringLength(c: Client, size: number): boolean {
  if (size <= MAX_STRING && (c.stream === null || size <= c.server.config.getInt('proto-max-bulk-len'))) return true;
  c.reply.error(ERR.tooLong);
  return false;
}

/** getrangeCommand and SUBSTR: bytes start..end inclusive, negatives from the end. */
function getRange(c: Client, argv: string[]): void {
  const start = intArg(c, argv[2]!);
  if (start === null) return;
  const end = intArg(c, argv[3]!);
  if (end === null) return;
  const s = lookupBytes(c, argv[1]!);
  if (s === null) return;
  if (s === undefined || (start < 0 && end < 0 && start > end)) return c.reply.bulk('');
  const len = s.length;
  const from = Math.max(start < 0 ? len + start : start, 0);
  const to = Math.min(Math.max(end < 0 ? len + end : end, 0), len - 1);
  c.reply.bulk(from > to || len === 0 ? '' : s.slice(from, to + 1));
}

/** MSET and MSETNX take key value pairs: false after the arity error of an odd count. */
function pairsOrReply(c: Client, argv: string[]): boolean {
  if (argv.length % 2 === 1) return true;
  c.reply.error(ERR.arity(argv[0]!.toLowerCase()));
  return false;
}

/** msetGenericCommand's writes. */
function setPairs(c: Client, argv: string[]): void {
  for (let i = 1; i < argv.length; i += 2) {
    c.db.set(argv[i]!, argv[i + 1]!);
    notifyKey(c, NOTIFY.string, 'set', argv[i]!);
  }
}

export const stringCommands: CommandSpec[] = [
  {
    name: 'get', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['read', 'string', 'fast'],
    run(c, argv) {
      replyGet(c, argv[1]!);
    },
  },
  {
    name: 'set', arity: -3, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: ['write', 'string', 'slow'],
    run(c, argv) {
      const opts = parseStringOptions(c, argv, 3, true);
      if (opts === null) return;
      setGeneric(c, argv[1]!, argv[2]!, opts, 'set');
      // Without an expiry (which rewrote it), it goes out without its GETs.
      if (opts.flags & GET && opts.expire === undefined) c.propagateAs(argv.filter((a, j) => j < 3 || !is(a, 'GET')));
    },
  },
  {
    name: 'setnx', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'string', 'fast'],
    run(c, argv) {
      setGeneric(c, argv[1]!, argv[2]!, NX_ONLY, 'setnx', true);
    },
  },
  {
    name: 'setex', arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: ['write', 'string', 'slow'],
    run(c, argv) {
      setGeneric(c, argv[1]!, argv[3]!, { flags: EX, expire: argv[2]! }, 'setex');
    },
  },
  {
    name: 'psetex', arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: ['write', 'string', 'slow'],
    run(c, argv) {
      setGeneric(c, argv[1]!, argv[3]!, { flags: PX, expire: argv[2]! }, 'psetex');
    },
  },
  {
    name: 'getex', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['write', 'string', 'fast'],
    run(c, argv) {
      const opts = parseStringOptions(c, argv, 2, false);
      if (opts === null) return;
      const key = argv[1]!;
      const v = lookupString(c, key);
      if (v === null) return;
      if (v === undefined) return c.reply.nullBulk();
      let when: number | null = null;
      if (opts.expire !== undefined) {
        when = expireAtOrReply(c, opts.expire, opts.flags, 'getex');
        if (when === null) return;
      }
      c.reply.bulk(v);
      // An absolute time already past deletes the key (checkAlreadyExpired); a replica waits for its master's DEL.
      if (opts.flags & (EXAT | PXAT) && when! <= Date.now() && !c.server.isReplica) {
        c.db.delete(key);
        c.propagateAs(deletionArgv(c, key));
        notifyKey(c, NOTIFY.generic, 'del', key);
      } else if (when !== null) {
        c.db.setExpire(key, when);
        c.propagateAs(['PEXPIREAT', key, String(int64OfDouble(when))]);
        notifyKey(c, NOTIFY.generic, 'expire', key);
      } else if (opts.flags & PERSIST) {
        if (c.db.persist(key)) notifyKey(c, NOTIFY.generic, 'persist', key);
        c.propagateAs(['PERSIST', key]);
      }
    },
  },
  {
    name: 'getdel', arity: 2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['write', 'string', 'fast'],
    run(c, argv) {
      if (!replyGet(c, argv[1]!)) return;
      if (!c.db.delete(argv[1]!)) return;
      notifyKey(c, NOTIFY.generic, 'del', argv[1]!);
      // getdelCommand propagates it as a delete of the key, as lazyfree-lazy-user-del has it.
      c.propagateAs([c.server.config.getBool('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', argv[1]!]);
    },
  },
  {
    name: 'getset', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'string', 'fast'],
    run(c, argv) {
      if (!replyGet(c, argv[1]!)) return;
      c.db.set(argv[1]!, argv[2]!);
      notifyKey(c, NOTIFY.string, 'set', argv[1]!);
      // getsetCommand propagates it as SET: replicas count a SET.
      c.propagateAs(['SET', argv[1]!, argv[2]!]);
    },
  },
  {
    name: 'mget', arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], acl: ['read', 'string', 'fast'],
    run(c, argv) {
      c.reply.array(argv.length - 1);
      for (let i = 1; i < argv.length; i++) {
        const v = c.db.lookup(argv[i]!);
        c.reply.bulkOrNull(v !== undefined && isString(v) ? textOf(v) : undefined);
      }
    },
  },
  {
    name: 'mset', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 2], acl: ['write', 'string', 'slow'],
    run(c, argv) {
      if (!pairsOrReply(c, argv)) return;
      c.db.prefetch(argv, 1, 2);
      setPairs(c, argv);
      c.reply.ok();
    },
  },
  {
    name: 'msetnx', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 2], acl: ['write', 'string', 'slow'],
    run(c, argv) {
      if (!pairsOrReply(c, argv)) return;
      c.db.prefetch(argv, 1, 2);
      for (let i = 1; i < argv.length; i += 2) if (c.db.writeSlot(argv[i]!) >= 0) return c.reply.integer(0);
      setPairs(c, argv);
      c.reply.integer(1);
    },
  },
  {
    name: 'incr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'string', 'fast'],
    run(c, argv) {
      incrDecr(c, argv[1]!, 1);
    },
  },
  {
    name: 'decr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'string', 'fast'],
    run(c, argv) {
      incrDecr(c, argv[1]!, -1);
    },
  },
  {
    name: 'incrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'string', 'fast'],
    run(c, argv) {
      const by = parseInteger(argv[2]!);
      if (by === null) return c.reply.error(ERR.notInteger);
      incrDecr(c, argv[1]!, by);
    },
  },
  {
    name: 'decrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'string', 'fast'],
    run(c, argv) {
      const by = parseInteger(argv[2]!);
      if (by === null) return c.reply.error(ERR.notInteger);
      // Negating LLONG_MIN would overflow.
      if (by === INT64.min) return c.reply.error('ERR decrement would overflow');
      incrDecr(c, argv[1]!, -by);
    },
  },
  {
    // incrbyfloatCommand
    name: 'incrbyfloat', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'string', 'fast'],
    run(c, argv) {
      const key = argv[1]!;
      const slot = writeSlotOfString(c, key);
      if (slot === null) return;
      const cur = slot < 0 ? LD_ZERO : parseLongDouble(stringAt(c, slot));
      const by = cur === null ? null : parseLongDouble(argv[2]!);
      if (cur === null || by === null) return c.reply.error(ERR.notFloat);
      const sum = addLongDouble(cur, by);
      if (sum === null) return c.reply.error('ERR increment would produce NaN or Infinity');
      const s = formatLongDouble(sum);
      c.db.setAt(slot, key, s);
      // createStringObjectFromLongDouble: stored as written, not as an integer.
      if (s.length <= 44) c.db.markEncoding(key, 'embstr');
      notifyKey(c, NOTIFY.string, 'incrbyfloat', key);
      // The replica must not redo the float arithmetic: it gets the result.
      c.propagateAs(['SET', key, s, 'KEEPTTL']);
      c.reply.bulk(s);
    },
  },
  {
    name: 'append', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: ['write', 'string', 'fast'],
    run(c, argv) {
      const key = argv[1]!;
      const value = argv[2]!;
      const slot = writeSlotOfString(c, key);
      if (slot === null) return;
      let length = value.length;
      if (slot < 0) {
        // A new key takes the argument as it is.
        c.db.setAt(slot, key, value);
      } else {
        // Appended to in place (dbUnshareStringValue): a long string is edited where it is, as
        // a JS string's concatenation was flattened again by the next read of its bytes.
        const old = (c.db.valueAt(slot) as StringValue).length;
        length += old;
        if (!checkStringLength(c, length)) return;
        const edit = editString(c, key, length)!;
        edit.s.write(old, value);
        keepEdit(c, key, edit);
        c.db.markEncoding(key, 'raw');
      }
      notifyKey(c, NOTIFY.string, 'append', key);
      c.reply.integer(length);
    },
  },
  {
    name: 'strlen', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['read', 'string', 'fast'],
    run(c, argv) {
      const v = lookupBytes(c, argv[1]!);
      if (v !== null) c.reply.integer(v === undefined ? 0 : v.length);
    },
  },
  {
    name: 'getrange', arity: 4, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'string', 'slow'],
    run: getRange,
  },
  {
    name: 'substr', arity: 4, flags: ['readonly'], keys: [1, 1, 1], acl: ['read', 'string', 'slow'],
    run: getRange,
  },
  {
    // setrangeCommand: the gap up to offset is filled with zero bytes.
    name: 'setrange', arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: ['write', 'string', 'slow'],
    run(c, argv) {
      const offset = intArg(c, argv[2]!);
      if (offset === null) return;
      if (offset < 0) return c.reply.error('ERR offset is out of range');
      const key = argv[1]!;
      const value = argv[3]!;
      // The type, an empty value and the length are looked at in Redis's order before the edit.
      const slot = writeSlotOfString(c, key);
      if (slot === null) return;
      if (value.length === 0) return c.reply.integer(slot < 0 ? 0 : (c.db.valueAt(slot) as StringValue).length);
      if (!checkStringLength(c, offset + value.length)) return;
      const edit = editString(c, key, offset + value.length)!;
      edit.s.write(offset, value);
      keepEdit(c, key, edit);
      c.db.markEncoding(key, 'raw');
      notifyKey(c, NOTIFY.string, 'setrange', key);
      c.reply.integer(edit.s.length);
    },
  },
];
