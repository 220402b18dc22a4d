// Generic key commands (db.c, expire.c, object.c): existence, expiry, renaming, moving
// between dbs, SCAN, OBJECT.
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey, notifyKeyspaceEvent } from '../actors/notify.js';
import type { Db, StringEncoding } from '../store/db.js';
import { INT64, int64OfDouble, isIntegerString, parseInteger } from '../store/numbers.js';
import { MutableString } from '../store/mutable-string.js';
import { List, typeName, type Value } from '../store/values.js';
import { int32Arg, is } from './args.js';
import { globMatch } from './glob.js';
import type { CommandSpec } from './command.js';
import { deletionArgv } from './dispatch.js';
import { cstr, ERR } from './errors.js';
import { parseScanCursor, parseScanOptions, replyScan, scanMatches, scanStep } from './scan-cursors.js';
import { container, replyHelp } from './subcommands.js';

/** checkAlreadyExpired: a time already past deletes at once, except on a replica (its master sends the DEL). */
function alreadyExpired(c: Client, when: number): boolean {
  return when <= Date.now() && !c.server.isReplica;
}

// The EXPIRE_* flags of parseExtendedExpireArgumentsOrReply.
const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

/** parseExtendedExpireArgumentsOrReply: NX XX GT LT from argv[3]; null after the error. */
function parseExpireFlags(c: Client, argv: string[]): number | null {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    if (is(opt, 'NX')) flags |= NX;
    else if (is(opt, 'XX')) flags |= XX;
    else if (is(opt, 'GT')) flags |= GT;
    else if (is(opt, 'LT')) flags |= LT;
    else {
      c.reply.error(`ERR Unsupported option ${cstr(opt, opt.length)}`);
      return null;
    }
  }
  if (flags & NX && flags & (XX | GT | LT)) {
    c.reply.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return null;
  }
  if (flags & GT && flags & LT) {
    c.reply.error('ERR GT and LT options at the same time are not compatible');
    return null;
  }
  return flags;
}

/**
 * The absolute unix ms an EXPIRE-family argument names (negatives allowed), or null after
 * "invalid expire time" for an int64 overflow of the unit conversion or of base + when.
 */
function expireWhenOrReply(c: Client, arg: string, base: number, seconds: boolean, cmd: string): number | null {
  const v = parseInteger(arg);
  if (v === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  if (typeof v === 'number') {
    const ms = seconds ? v * 1000 : v;
    if (Number.isSafeInteger(ms) && Number.isSafeInteger(ms + base)) return ms + base;
  }
  let when = BigInt(v);
  if (seconds) {
    if (when > INT64.max / 1000n || when < INT64.min / 1000n) {
      c.reply.error(ERR.invalidExpire(cmd));
      return null;
    }
    when *= 1000n;
  }
  if (when > INT64.max - BigInt(base)) {
    c.reply.error(ERR.invalidExpire(cmd));
    return null;
  }
  return Number(when + BigInt(base));
}

/** expireGenericCommand: EXPIRE PEXPIRE EXPIREAT PEXPIREAT. base is now for the relative ones. */
function expireGeneric(c: Client, argv: string[], base: number, seconds: boolean): void {
  const flags = parseExpireFlags(c, argv);
  if (flags === null) return;
  const when = expireWhenOrReply(c, argv[2]!, base, seconds, argv[0]!.toLowerCase());
  if (when === null) return;
  const key = argv[1]!;
  if (c.db.lookupUncounted(key) === undefined) return c.reply.integer(0);
  if (flags !== 0) {
    const current = c.db.getExpire(key);
    // No expiry counts as an infinite TTL: never below GT's bound, always above LT's.
    if ((flags & NX && current !== undefined) || (flags & XX && current === undefined) ||
        (flags & GT && (current === undefined || when <= current)) ||
        (flags & LT && current !== undefined && when >= current)) {
      return c.reply.integer(0);
    }
  }
  if (alreadyExpired(c, when)) {
    c.db.delete(key);
    notifyKey(c, NOTIFY.generic, 'del', key);
    c.propagateAs(deletionArgv(c, key));
  } else {
    c.db.setExpire(key, when);
    notifyKey(c, NOTIFY.generic, 'expire', key);
    c.propagateAs(['PEXPIREAT', key, String(int64OfDouble(when)), ...argv.slice(3)]);
  }
  c.reply.integer(1);
}

/** ttlGenericCommand: -2 missing, -1 no expiry; ms or rounded seconds, remaining or absolute. */
function ttlGeneric(c: Client, key: string, ms: boolean, absolute: boolean): void {
  if (c.db.lookup(key, false) === undefined) return c.reply.integer(-2);
  const expire = c.db.getExpire(key);
  if (expire === undefined) return c.reply.integer(-1);
  // Past 2^53 in bigints, from the int64 the time stands for, as Redis's long long arithmetic.
  const at = int64OfDouble(expire);
  const ttl = absolute ? at : typeof at === 'number' ? Math.max(at - Date.now(), 0) : at - BigInt(Date.now());
  if (ms) return c.reply.integer(ttl);
  if (typeof ttl === 'bigint') return c.reply.integer((ttl + 500n) / 1000n);
  const t = ttl + 500;
  c.reply.integer((t - (t % 1000)) / 1000);
}

/** delGenericCommand: DEL and UNLINK; an expired key does not count. */
function delGeneric(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i]!;
    // delGenericCommand: an expired key goes first, then whatever is there; a replica's expired
    // key is still there, so its writable replica's client deletes it (and counts it).
    c.db.expireIfDue(key);
    if (c.db.delete(key)) {
      notifyKey(c, NOTIFY.generic, 'del', key);
      n++;
    }
  }
  c.reply.integer(n);
}

/** How many of argv[1..] exist, duplicates counted (EXISTS; TOUCH, which also touches them). */
function countExisting(c: Client, argv: string[], touch: boolean): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.lookup(argv[i]!, touch) !== undefined) n++;
  c.reply.integer(n);
}

/** renameGenericCommand: RENAME and RENAMENX (nx); the TTL travels with the value. */
function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const [, from, to] = argv as [string, string, string];
  const v = c.db.lookupUncounted(from);
  if (v === undefined) return c.reply.error(ERR.noSuchKey);
  if (from === to) return nx ? c.reply.integer(0) : c.reply.ok();
  const expire = c.db.getExpire(from);
  if (c.db.lookupUncounted(to) !== undefined) {
    if (nx) return c.reply.integer(0);
    // dbDelete then dbAdd, as Redis: the destination is a new key.
    c.db.delete(to);
  }
  moveValue(c.db, from, c.db, to, v, expire);
  notifyKey(c, NOTIFY.generic, 'rename_from', from);
  notifyKey(c, NOTIFY.generic, 'rename_to', to);
  if (nx) c.reply.integer(1);
  else c.reply.ok();
}

/** Puts v under dstKey in dst (replacing what was there) with its expiry, and removes srcKey. */
function moveValue(src: Db, srcKey: string, dst: Db, dstKey: string, v: Value, expire: number | undefined): void {
  const enc = src.stringEncodings.get(srcKey);
  dst.set(dstKey, v);
  if (enc !== undefined) dst.markEncoding(dstKey, enc);
  if (expire !== undefined) dst.setExpire(dstKey, expire);
  src.delete(srcKey);
}

/** The db with that index, or undefined after "DB index is out of range". */
function dbOrReply(c: Client, id: number): Db | undefined {
  const db = c.server.keyspace.dbs[id];
  if (db === undefined) c.reply.error(ERR.dbIndexOutOfRange);
  return db;
}

/** A copy of v that shares nothing mutable with it (COPY). */
function duplicate(v: Value): Value {
  if (typeof v === 'string') return v;
  if (v instanceof List) return List.from(v);
  // setTypeDup, hashTypeDup, zsetDup, streamDup: each copy keeps its encoding, whatever the
  // limits now say; dupStringObject: an edited string's copy has bytes of its own.
  return v.clone();
}

/** OBJECT ENCODING for a string: as tryObjectEncoding would leave it, unless the db says otherwise. */
function stringEncoding(s: string, marked: StringEncoding | undefined): string {
  if (marked !== undefined) return marked;
  if (isIntegerString(s)) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}

/** strEncoding(o->encoding): what OBJECT ENCODING and DEBUG OBJECT name a value's encoding. */
export function encodingOf(v: Value, marked: StringEncoding | undefined): string {
  if (typeof v === 'string') return stringEncoding(v, marked);
  // An edited string that long is raw in Redis whatever was done to it.
  if (v instanceof MutableString) return 'raw';
  return v instanceof List ? 'quicklist' : v.encoding;
}

/**
 * Strings holding 0..9999 are Redis's shared integers (OBJ_SHARED_INTEGERS), refcount INT_MAX,
 * while the server shares them (sharedIntegers); an unencoded one is its own. Judged by the
 * configuration now: Redis's by the one its value was written under, which no key records here.
 */
export function refCount(v: Value, marked: StringEncoding | undefined, sharedIntegers: boolean): number {
  if (!sharedIntegers || typeof v !== 'string' || marked !== undefined || !isIntegerString(v)) return 1;
  const n = Number(v);
  return n >= 0 && n < 10000 ? 2147483647 : 1;
}

const OBJECT_HELP = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

const LFU_NOTE = 'Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

/** objectCommand's subcommands that take a key (its value and access word); nil for a missing one. */
const OBJECT_KEY_SUBCOMMANDS: [string, (c: Client, v: Value, key: string, access: number) => void][] = [
  ['encoding', (c, v, key) => {
    c.reply.bulk(encodingOf(v, c.db.stringEncodings.get(key)));
  }],
  ['refcount', (c, v, key) => c.reply.integer(refCount(v, c.db.stringEncodings.get(key), c.server.memory.sharedIntegers))],
  ['idletime', (c, _v, _key, access) => {
    const clock = c.server.keyspace.access;
    if (clock.lfu) return c.reply.error(`ERR An LFU maxmemory policy is selected, idle time not tracked. ${LFU_NOTE}`);
    c.reply.integer(Math.floor(clock.idleMs(access) / 1000));
  }],
  ['freq', (c, _v, _key, access) => {
    const clock = c.server.keyspace.access;
    if (!clock.lfu) return c.reply.error(`ERR An LFU maxmemory policy is not selected, access frequency not tracked. ${LFU_NOTE}`);
    c.reply.integer(clock.frequency(access));
  }],
];

// objectCommand: in Redis 7.0 a container whose subcommands are commands of their own (object|encoding...).
const objectCommand = container('object', [
  ...OBJECT_KEY_SUBCOMMANDS.map(([sub, run]): CommandSpec => ({
    name: `object|${sub}`, arity: 3, flags: ['readonly'], keys: [2, 2, 1], acl: ['keyspace', 'read', 'slow'],
    run(c, argv) {
      const v = c.db.lookup(argv[2]!, false);
      if (v === undefined) return c.reply.nullBulk();
      run(c, v, argv[2]!, c.db.accessWord(argv[2]!)!);
    },
  })),
  {
    name: 'object|help', arity: 2, flags: ['loading', 'stale'], acl: ['keyspace', 'slow'],
    run: (c) => replyHelp(c, 'OBJECT', OBJECT_HELP),
  },
]);

export const keyCommands: CommandSpec[] = [
  {
    name: 'del', arity: -2, flags: ['write'], keys: [1, -1, 1], acl: ['keyspace', 'write', 'slow'],
    run: delGeneric,
  },
  {
    name: 'unlink', arity: -2, flags: ['write', 'fast'], keys: [1, -1, 1], acl: ['keyspace', 'write', 'fast'],
    run: delGeneric,
  },
  {
    name: 'exists', arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], acl: ['keyspace', 'read', 'fast'],
    run(c, argv) {
      countExisting(c, argv, false);
    },
  },
  {
    name: 'touch', arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], acl: ['keyspace', 'read', 'fast'],
    run(c, argv) {
      countExisting(c, argv, true);
    },
  },
  {
    name: 'expire', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'write', 'fast'],
    run(c, argv) {
      expireGeneric(c, argv, Date.now(), true);
    },
  },
  {
    name: 'pexpire', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'write', 'fast'],
    run(c, argv) {
      expireGeneric(c, argv, Date.now(), false);
    },
  },
  {
    name: 'expireat', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'write', 'fast'],
    run(c, argv) {
      expireGeneric(c, argv, 0, true);
    },
  },
  {
    name: 'pexpireat', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'write', 'fast'],
    run(c, argv) {
      expireGeneric(c, argv, 0, false);
    },
  },
  {
    name: 'ttl', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'read', 'fast'],
    run(c, argv) {
      ttlGeneric(c, argv[1]!, false, false);
    },
  },
  {
    name: 'pttl', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'read', 'fast'],
    run(c, argv) {
      ttlGeneric(c, argv[1]!, true, false);
    },
  },
  {
    name: 'expiretime', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'read', 'fast'],
    run(c, argv) {
      ttlGeneric(c, argv[1]!, false, true);
    },
  },
  {
    name: 'pexpiretime', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'read', 'fast'],
    run(c, argv) {
      ttlGeneric(c, argv[1]!, true, true);
    },
  },
  {
    name: 'persist', arity: 2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'write', 'fast'],
    run(c, argv) {
      const key = argv[1]!;
      const persisted = c.db.lookupUncounted(key) !== undefined && c.db.persist(key);
      if (persisted) notifyKey(c, NOTIFY.generic, 'persist', key);
      c.reply.integer(persisted ? 1 : 0);
    },
  },
  {
    name: 'type', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'read', 'fast'],
    run(c, argv) {
      const v = c.db.lookup(argv[1]!, false);
      c.reply.simple(v === undefined ? 'none' : typeName(v));
    },
  },
  {
    // keysCommand: expired keys are skipped, not deleted, while walking.
    name: 'keys', arity: 2, flags: ['readonly'], keys: [0, 0, 0], acl: ['keyspace', 'read', 'slow', 'dangerous'],
    run(c, argv) {
      const pattern = argv[1]!;
      const all = pattern === '*';
      const db = c.db;
      const now = Date.now();
      const out: string[] = [];
      for (const key of db.dict.keys()) {
        if (!all && !globMatch(pattern, key)) continue;
        const when = db.expires.size > 0 ? db.getExpire(key) : undefined;
        if (when === undefined || when > now) out.push(key);
      }
      c.reply.bulks(out, out.length);
    },
  },
  {
    // scanGenericCommand over the db: MATCH, then TYPE, then expiry filter what the step walked.
    name: 'scan', arity: -2, flags: ['readonly', 'touches_arbitrary_keys'], keys: [0, 0, 0], acl: ['keyspace', 'read', 'slow'],
    run(c, argv) {
      const cursor = parseScanCursor(c, argv[1]!);
      if (cursor === null) return;
      const opts = parseScanOptions(c, argv, 2, true);
      if (opts === null) return;
      const db = c.db;
      const dict = db.dict;
      const step = scanStep(cursor, dict, () => dict.keys(), opts.count);
      const out: string[] = [];
      for (const key of step.items) {
        if (!scanMatches(opts, key)) continue;
        const v = db.lookup(key);
        if (v !== undefined && (opts.type === null || typeName(v) === opts.type)) out.push(key);
      }
      replyScan(c, step.next, out);
    },
  },
  {
    name: 'randomkey', arity: 1, flags: ['readonly', 'touches_arbitrary_keys'], keys: [0, 0, 0], acl: ['keyspace', 'read', 'slow'],
    run(c) {
      c.reply.bulkOrNull(c.db.randomKey());
    },
  },
  {
    name: 'rename', arity: 3, flags: ['write'], keys: [1, 2, 1], acl: ['keyspace', 'write', 'slow'],
    run(c, argv) {
      renameGeneric(c, argv, false);
    },
  },
  {
    name: 'renamenx', arity: 3, flags: ['write', 'fast'], keys: [1, 2, 1], acl: ['keyspace', 'write', 'fast'],
    run(c, argv) {
      renameGeneric(c, argv, true);
    },
  },
  {
    // moveCommand: the key keeps its TTL in the other db, and is not moved over an existing one.
    name: 'move', arity: 3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: ['keyspace', 'write', 'fast'],
    run(c, argv) {
      const id = int32Arg(c, argv[2]!);
      if (id === null) return;
      const dst = dbOrReply(c, id);
      if (dst === undefined) return;
      if (dst === c.db) return c.reply.error('ERR source and destination objects are the same');
      const key = argv[1]!;
      const v = c.db.lookupUncounted(key);
      if (v === undefined || dst.lookupUncounted(key) !== undefined) return c.reply.integer(0);
      moveValue(c.db, key, dst, key, v, c.db.getExpire(key));
      c.reply.integer(1);
    },
  },
  {
    name: 'swapdb', arity: 3, flags: ['write', 'fast'], keys: [0, 0, 0], acl: ['keyspace', 'write', 'fast', 'dangerous'],
    run(c, argv) {
      const a = int32Arg(c, argv[1]!, 'ERR invalid first DB index');
      if (a === null) return;
      const b = int32Arg(c, argv[2]!, 'ERR invalid second DB index');
      if (b === null) return;
      const ks = c.server.keyspace;
      if (ks.dbs[a] === undefined || ks.dbs[b] === undefined) return c.reply.error(ERR.dbIndexOutOfRange);
      ks.swap(a, b);
      c.reply.ok();
    },
  },
  {
    // copyCommand: COPY source destination [DB destination-db] [REPLACE]; the TTL is copied too.
    name: 'copy', arity: -3, flags: ['write', 'denyoom'], keys: [1, 2, 1], acl: ['keyspace', 'write', 'slow'],
    run(c, argv) {
      let dst: Db | undefined = c.db;
      let replace = false;
      for (let j = 3; j < argv.length; j++) {
        if (is(argv[j], 'REPLACE')) {
          replace = true;
        } else if (is(argv[j], 'DB') && j + 1 < argv.length) {
          const id = int32Arg(c, argv[++j]!);
          if (id === null) return;
          dst = dbOrReply(c, id);
          if (dst === undefined) return;
        } else {
          return c.reply.error(ERR.syntax);
        }
      }
      const [, from, to] = argv as [string, string, string];
      if (dst === c.db && from === to) return c.reply.error('ERR source and destination objects are the same');
      const v = c.db.lookup(from);
      if (v === undefined) return c.reply.integer(0);
      const expire = c.db.getExpire(from);
      if (dst.lookupWrite(to) !== undefined) {
        if (!replace) return c.reply.integer(0);
        dst.delete(to);
      }
      const enc = c.db.stringEncodings.get(from);
      dst.set(to, duplicate(v));
      // dupStringObject keeps a string's encoding.
      if (enc !== undefined) dst.markEncoding(to, enc);
      if (expire !== undefined) dst.setExpire(to, expire);
      notifyKeyspaceEvent(c.server, NOTIFY.generic, 'copy_to', to, dst.id);
      c.reply.integer(1);
    },
  },
  objectCommand,
];
