// What the fuzzer sends: one line per command redstate serves, next to its family, giving the
// arguments it draws (valid and not) and how its reply is compared (a second line for the same
// command is named command/variant). A command added to redstate
// gets its line here (fuzz.test.ts fails for a served command that has none and is not in
// EXCLUDED); a new family adds its own table to FAMILIES.
import { createHash } from 'node:crypto';
import type { Arg, Gen } from './gen.js';

/**
 * How a reply is compared with redis-server's (compare.ts). Every kind but exact is an allowed
 * difference, with its reason:
 * - exact: byte for byte.
 * - unordered: arrays compared sorted (members of a set or hash come in table order, and the
 *   tables differ by design).
 * - pairs: as unordered, by field-value pairs (HGETALL).
 * - scan: cursors are positions in each server's own table; a finished scan (cursor 0 on both)
 *   must hold the same elements, an unfinished one only has the same shape.
 * - random: SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, RANDOMKEY pick at random: same type and
 *   length, and the same elements (sorted) where the whole collection comes back.
 * - spop: SPOP removes random members; redstate pops, and redis-server removes the same members
 *   with SREM (which must remove them all), so both keyspaces stay equal; where SPOP made a new
 *   set of the few left, redis-server's is made again from them.
 * - commandinfo: COMMAND INFO's first seven fields (name ... ACL categories): a container lists
 *   its subcommands in Redis's dict order, and redstate serves fewer of some (command.test.ts
 *   compares every served command's and subcommand's entry byte for byte).
 * - timing: EXPIRE/PEXPIRE with GT or LT may set or not when the two relative times fall in
 *   the same millisecond on one server and not the other (0 or 1).
 * - ttl: times left or expiry times read from each server's clock: within 2 s (or 2000 ms).
 * - shape: INFO, CLIENT, TIME, LASTSAVE, COMMAND (alone, COUNT, LIST, DOCS and INFO of every
 *   command), CONFIG GET, HELLO, OBJECT IDLETIME, OBJECT REFCOUNT (Redis's count of its internal
 *   references: shared integers, a MULTI's queued arguments): timing, ids, versions, internals
 *   and the set of commands served differ; same reply type.
 * Errors are compared word for word whatever the kind.
 */
export type Kind = 'exact' | 'unordered' | 'pairs' | 'scan' | 'random' | 'spop' | 'commandinfo' | 'timing' | 'ttl' | 'shape';

export interface Entry {
  gen: (g: Gen) => Arg[];
  compare: Kind | ((args: Arg[]) => Kind);
  /** Relative frequency (default 1). */
  weight: number;
  /** Never inside MULTI (its reply decides what the fuzzer sends next). */
  outsideMulti?: boolean;
  /** Never mutated (a mutation would break what its arguments promise). */
  exactly?: boolean;
  /** A command sent right before this one, to bring both servers to the same state. */
  before?: Arg[];
  /** A command sent right after this one, to bring both servers back to the same state. */
  then?: Arg[];
}

const e = (gen: Entry['gen'], compare: Entry['compare'] = 'exact', weight = 1): Entry => ({ gen, compare, weight });
const up = (s: string | undefined): string => (s ?? '').toUpperCase();

const MAXS = '9223372036854775807';

/** An expiry option with a time of its kind (never one that lapses during a run). */
const expiry = (g: Gen): Arg[] => {
  const opt = g.pick(['EX', 'PX', 'EXAT', 'PXAT']);
  return [opt, opt === 'EXAT' ? g.unixTime() : opt === 'PXAT' && g.chance(0.6) ? String(Date.now() + 1e8) : g.expire()];
};

const setOptions = (g: Gen): Arg[] => g.opts(
  () => expiry(g),
  () => [g.pick(['NX', 'XX'])],
  () => ['KEEPTTL'],
  () => ['GET'],
);

export const connection: Record<string, Entry> = {
  ping: e((g) => g.opts(() => [g.value()])),
  echo: e((g) => [g.value()]),
  publish: e((g) => [g.value(), g.value()]),
  spublish: e((g) => [g.value(), g.value()]),
  pubsub: e((g) => [g.pick(['CHANNELS', 'NUMSUB', 'NUMPAT', 'SHARDCHANNELS', 'SHARDNUMSUB', 'x']), ...g.opts(() => [g.value()])]),
  select: e((g) => [g.pick(['0', '1', '2', '0', '1', '15', '16', '-1', 'x', MAXS])]),
  auth: e((g) => g.many(1, 2, g.value)),
  // Never mutated: a mutated HELLO 3 would switch a RESP2 run to RESP3 (the --resp3 runs start with HELLO 3).
  hello: { ...e((g) => [g.pick(['2', '4', '0', 'x', '-1']), ...g.opts(() => ['SETNAME', g.pick(['n1', 'a b', ''])])], 'shape', 0.3), exactly: true },
};

export const strings: Record<string, Entry> = {
  get: e((g) => [g.key()], 'exact', 3),
  set: e((g) => [g.key(), g.value(), ...setOptions(g)], 'exact', 4),
  setnx: e((g) => [g.key(), g.value()]),
  setex: e((g) => [g.key(), g.expire(), g.value()]),
  psetex: e((g) => [g.key(), g.expire(), g.value()]),
  getex: e((g) => [g.key(), ...g.opts(() => expiry(g), () => ['PERSIST'])]),
  getdel: e((g) => [g.key()]),
  getset: e((g) => [g.key(), g.value()]),
  mget: e((g) => g.keys(1, 4)),
  mset: e((g) => g.many(1, 3, g.key).flatMap((k) => [k, g.value()])),
  msetnx: e((g) => g.many(1, 3, g.key).flatMap((k) => [k, g.value()])),
  incr: e((g) => [g.key()], 'exact', 2),
  decr: e((g) => [g.key()]),
  incrby: e((g) => [g.key(), g.int64()], 'exact', 2),
  decrby: e((g) => [g.key(), g.int64()]),
  incrbyfloat: e((g) => [g.key(), g.float()], 'exact', 2),
  append: e((g) => [g.key(), g.value()], 'exact', 2),
  strlen: e((g) => [g.key()]),
  getrange: e((g) => [g.key(), g.index(), g.index()], 'exact', 2),
  substr: e((g) => [g.key(), g.index(), g.index()]),
  setrange: e((g) => [g.key(), g.pick(['0', '1', '5', '-1', '100', '100000', '536870912', 'x', '4294967296', MAXS]), g.value()], 'exact', 2),
};

/** EXPIRE and PEXPIRE with GT or LT compare two times taken from the clock at different moments. */
const relative = (a: Arg[]): Kind => (a.slice(2).some((x) => ['GT', 'LT'].includes(up(x))) ? 'timing' : 'exact');

const expireFlags = (g: Gen): Arg[] => g.opts(() => [g.pick(['NX', 'XX', 'GT', 'LT', 'nx', 'FOO'])], () => [g.pick(['GT', 'LT'])]);

export const keys: Record<string, Entry> = {
  del: e((g) => g.keys(1, 3)),
  unlink: e((g) => g.keys(1, 3)),
  exists: e((g) => g.keys(1, 4)),
  touch: e((g) => g.keys(1, 3)),
  expire: e((g) => [g.key(), g.expire(), ...expireFlags(g)], relative),
  pexpire: e((g) => [g.key(), g.expire(), ...expireFlags(g)], relative),
  expireat: e((g) => [g.key(), g.unixTime(), ...expireFlags(g)]),
  pexpireat: e((g) => [g.key(), g.chance(0.5) ? String(Date.now() + 1e8) : g.expire(), ...expireFlags(g)]),
  ttl: e((g) => [g.key()], 'ttl'),
  pttl: e((g) => [g.key()], 'ttl'),
  expiretime: e((g) => [g.key()], 'ttl'),
  pexpiretime: e((g) => [g.key()], 'ttl'),
  persist: e((g) => [g.key()]),
  type: e((g) => [g.key()], 'exact', 2),
  keys: e((g) => [g.pattern()], 'unordered'),
  // Only cursor 0 or invalid ones: a cursor names a different position in each server's table.
  // A scan expires the keys it visits, which differ by table: a full SCAN after it expires the rest.
  scan: {
    ...e((g) => [g.pick(['0', '0', '0', 'x', '18446744073709551616', '-', '1.5']),
      ...g.opts(() => ['MATCH', g.pattern()], () => ['COUNT', g.count()], () => ['TYPE', g.pick(['string', 'list', 'hash', 'set', 'zset', 'stream', 'foo'])])], 'scan'),
    then: ['SCAN', '0', 'COUNT', '1000000'],
  },
  // RANDOMKEY deletes the expired keys it happens to meet: a full SCAN after it deletes the rest.
  randomkey: { ...e(() => [], 'random'), then: ['SCAN', '0', 'COUNT', '1000000'] },
  rename: e((g) => [g.key(), g.key()]),
  renamenx: e((g) => [g.key(), g.key()]),
  move: e((g) => [g.key(), g.pick(['0', '1', '2', '16', '-1', 'x'])]),
  swapdb: e((g) => [g.pick(['0', '1', '2', '16', 'x']), g.pick(['0', '1', '2', '-1'])], 'exact', 0.3),
  copy: e((g) => [g.key(), g.key(), ...g.opts(() => ['DB', g.pick(['0', '1', '2', '16', 'x'])], () => ['REPLACE'])]),
  object: e((g) => [g.pick(['ENCODING', 'ENCODING', 'REFCOUNT', 'IDLETIME', 'FREQ', 'encoding', 'FOO']), g.key()],
    (a) => (['IDLETIME', 'REFCOUNT'].includes(up(a[0])) ? 'shape' : 'exact'), 2),
};

export const lists: Record<string, Entry> = {
  lpush: e((g) => [g.key(), ...g.members(1, 8)], 'exact', 3),
  rpush: e((g) => [g.key(), ...g.members(1, 8)], 'exact', 3),
  lpushx: e((g) => [g.key(), ...g.members()]),
  rpushx: e((g) => [g.key(), ...g.members()]),
  lpop: e((g) => [g.key(), ...g.opts(() => [g.count()])]),
  rpop: e((g) => [g.key(), ...g.opts(() => [g.count()])]),
  llen: e((g) => [g.key()]),
  lrange: e((g) => [g.key(), g.index(), g.index()], 'exact', 2),
  lindex: e((g) => [g.key(), g.index()]),
  lset: e((g) => [g.key(), g.index(), g.member()]),
  lrem: e((g) => [g.key(), g.count(), g.member()]),
  ltrim: e((g) => [g.key(), g.index(), g.index()]),
  linsert: e((g) => [g.key(), g.pick(['BEFORE', 'AFTER', 'before', 'x']), g.member(), g.member()]),
  rpoplpush: e((g) => [g.key(), g.key()]),
  lmove: e((g) => [g.key(), g.key(), g.pick(['LEFT', 'RIGHT', 'x']), g.pick(['LEFT', 'RIGHT', 'left'])]),
  lmpop: e((g) => {
    const keys = g.many(1, 3, g.key);
    return [g.pick([String(keys.length), '0', 'x']), ...keys, g.pick(['LEFT', 'RIGHT', 'x']), ...g.opts(() => ['COUNT', g.count()])];
  }),
  lpos: e((g) => [g.key(), g.member(), ...g.opts(() => ['RANK', g.count()], () => ['COUNT', g.count()], () => ['MAXLEN', g.count()])]),
};

export const hashes: Record<string, Entry> = {
  hset: e((g) => [g.key(), ...g.many(1, 4, g.member).flatMap((f) => [f, g.value()])], 'exact', 3),
  hmset: e((g) => [g.key(), ...g.many(1, 3, g.member).flatMap((f) => [f, g.value()])]),
  hsetnx: e((g) => [g.key(), g.member(), g.value()]),
  hget: e((g) => [g.key(), g.member()], 'exact', 2),
  hmget: e((g) => [g.key(), ...g.members(1, 4)]),
  hdel: e((g) => [g.key(), ...g.members(1, 3)]),
  hlen: e((g) => [g.key()]),
  hexists: e((g) => [g.key(), g.member()]),
  hstrlen: e((g) => [g.key(), g.member()]),
  hgetall: e((g) => [g.key()], 'pairs'),
  hkeys: e((g) => [g.key()], 'unordered'),
  hvals: e((g) => [g.key()], 'unordered'),
  hincrby: e((g) => [g.key(), g.member(), g.int64()], 'exact', 2),
  hincrbyfloat: e((g) => [g.key(), g.member(), g.float()], 'exact', 2),
  hrandfield: e((g) => [g.key(), ...g.opts(() => [g.pickCount(), ...g.opts(() => ['WITHVALUES'])])], 'random'),
  hscan: e((g) => [g.key(), g.pick(['0', '0', '1', 'x', '-1']), ...g.opts(() => ['MATCH', g.pattern()], () => ['COUNT', g.count()])], 'scan'),
};

export const sets: Record<string, Entry> = {
  sadd: e((g) => [g.key(), ...g.members(1, 8)], 'exact', 4),
  srem: e((g) => [g.key(), ...g.members(1, 3)]),
  scard: e((g) => [g.key()]),
  sismember: e((g) => [g.key(), g.member()]),
  smismember: e((g) => [g.key(), ...g.members(1, 4)]),
  smembers: e((g) => [g.key()], 'unordered'),
  spop: { ...e((g) => [g.key(), ...g.opts(() => [g.count()])], 'spop'), outsideMulti: true },
  srandmember: e((g) => [g.key(), ...g.opts(() => [g.pickCount()])], 'random'),
  smove: e((g) => [g.key(), g.key(), g.member()]),
  sinter: e((g) => g.keys(1, 3), 'unordered'),
  sinterstore: e((g) => [g.key(), ...g.keys(1, 3)]),
  sintercard: e((g) => [g.pick(['1', '2', '3', '0', '-1', 'x']), ...g.keys(1, 3), ...g.opts(() => ['LIMIT', g.count()])]),
  sunion: e((g) => g.keys(1, 3), 'unordered'),
  sunionstore: e((g) => [g.key(), ...g.keys(1, 3)]),
  sdiff: e((g) => g.keys(1, 3), 'unordered'),
  sdiffstore: e((g) => [g.key(), ...g.keys(1, 3)]),
  sscan: e((g) => [g.key(), g.pick(['0', '0', '1', 'x']), ...g.opts(() => ['MATCH', g.pattern()], () => ['COUNT', g.count()])], 'scan'),
};

const withScores = (g: Gen): Arg[] => g.opts(() => ['WITHSCORES']);
const limit = (g: Gen): Arg[] => g.opts(() => ['LIMIT', g.count(), g.count()]);
const numkeys = (g: Gen): Arg[] => {
  const keys = g.keys(1, 3);
  return [g.chance(0.9) ? String(keys.length) : g.pick(['0', '-1', '5', 'x']), ...keys];
};
const combine = (g: Gen): Arg[] => [...numkeys(g), ...g.opts(() => ['WEIGHTS', ...g.many(1, 3, g.float)], () => ['AGGREGATE', g.pick(['SUM', 'MIN', 'MAX', 'x'])])];
/** ZRANGE's source key and range: BYLEX ranges only over LEX_KEY (see lexKey). */
const zrangeArgs = (g: Gen): Arg[] => {
  const by = g.pick(['', '', 'BYSCORE', 'BYLEX']);
  const [a, b] = by === 'BYSCORE' ? [g.score(), g.score()] : by === 'BYLEX' ? [g.lex(), g.lex()] : [g.index(), g.index()];
  return [by === 'BYLEX' ? lexKey(g) : g.key(), a, b, ...(by ? [by] : []), ...g.opts(() => ['REV'], () => ['LIMIT', g.count(), g.count()])];
};

/**
 * Lex ranges are defined over members of equal score only (Redis's answer is otherwise
 * "unspecified": it depends on the encoding, and for skiplists on their random levels). The
 * lex commands range over a key that only ZADD with score 0 writes, or a missing key.
 */
const LEX_KEY = 'zlex';
const lexKey = (g: Gen): Arg => (g.chance(0.9) ? LEX_KEY : 'nokey');

export const zsets: Record<string, Entry> = {
  zadd: e((g) => [g.key(), ...g.opts(() => [g.pick(['NX', 'XX'])], () => [g.pick(['GT', 'LT'])], () => ['CH'], () => ['INCR']),
    ...g.many(1, 4, g.member).flatMap((m) => [g.score(), m])], 'exact', 4),
  'zadd/lex': { ...e((g) => [LEX_KEY, ...g.many(1, 4, g.member).flatMap((m) => ['0', m])]), exactly: true },
  zincrby: e((g) => [g.key(), g.float(), g.member()], 'exact', 2),
  zrem: e((g) => [g.key(), ...g.members(1, 3)]),
  zcard: e((g) => [g.key()]),
  zscore: e((g) => [g.key(), g.member()]),
  zmscore: e((g) => [g.key(), ...g.members(1, 3)]),
  zrank: e((g) => [g.key(), g.member()]),
  zrevrank: e((g) => [g.key(), g.member()]),
  zcount: e((g) => [g.key(), g.score(), g.score()]),
  zlexcount: e((g) => [lexKey(g), g.lex(), g.lex()]),
  zrange: e((g) => [...zrangeArgs(g), ...withScores(g)], 'exact', 3),
  zrangestore: e((g) => [g.key(), ...zrangeArgs(g)]),
  zrevrange: e((g) => [g.key(), g.index(), g.index(), ...withScores(g)]),
  zrangebyscore: e((g) => [g.key(), g.score(), g.score(), ...withScores(g), ...limit(g)]),
  zrevrangebyscore: e((g) => [g.key(), g.score(), g.score(), ...withScores(g), ...limit(g)]),
  zrangebylex: e((g) => [lexKey(g), g.lex(), g.lex(), ...limit(g)]),
  zrevrangebylex: e((g) => [lexKey(g), g.lex(), g.lex(), ...limit(g)]),
  zremrangebyrank: e((g) => [g.key(), g.index(), g.index()]),
  zremrangebyscore: e((g) => [g.key(), g.score(), g.score()]),
  zremrangebylex: e((g) => [lexKey(g), g.lex(), g.lex()]),
  zpopmin: e((g) => [g.key(), ...g.opts(() => [g.count()])]),
  zpopmax: e((g) => [g.key(), ...g.opts(() => [g.count()])]),
  zmpop: e((g) => [...numkeys(g), g.pick(['MIN', 'MAX', 'min', 'x']), ...g.opts(() => ['COUNT', g.count()])]),
  zrandmember: e((g) => [g.key(), ...g.opts(() => [g.pickCount(), ...g.opts(() => ['WITHSCORES'])])], 'random'),
  zscan: e((g) => [g.key(), g.pick(['0', '0', '1', 'x']), ...g.opts(() => ['MATCH', g.pattern()], () => ['COUNT', g.count()])], 'scan'),
  zunionstore: e((g) => [g.key(), ...combine(g)]),
  zunion: e((g) => [...combine(g), ...withScores(g)]),
  zinterstore: e((g) => [g.key(), ...combine(g)]),
  zinter: e((g) => [...combine(g), ...withScores(g)]),
  zdiffstore: e((g) => [g.key(), ...numkeys(g)]),
  zdiff: e((g) => [...numkeys(g), ...withScores(g)]),
  zintercard: e((g) => [...numkeys(g), ...g.opts(() => ['LIMIT', g.count()])]),
};

const bit = (g: Gen): Arg => g.pick(['0', '1', '0', '1', '2', '-1', 'x']);
const bitOffset = (g: Gen): Arg => (g.chance(0.8) ? String(g.range(0, 200)) : g.pick(['100000', '4294967296', '-1', 'x', '1.5']));
const bitRange = (g: Gen): Arg[] => g.opts(() => [g.index(), g.index(), ...g.opts(() => [g.pick(['BYTE', 'BIT', 'bit', 'x'])])]);
const bitType = (g: Gen): Arg => g.pick(['u8', 'i8', 'u1', 'i16', 'u63', 'i64', 'u64', 'i65', 'x']);
const bitfieldOps = (g: Gen, readOnly: boolean): Arg[] => g.many(1, 3, () => '').flatMap(() => {
  const offset = g.chance(0.3) ? `#${g.range(0, 5)}` : bitOffset(g);
  return readOnly || g.chance(0.4) ? ['GET', bitType(g), offset]
    : g.pick([['SET', bitType(g), offset, g.int64()], ['INCRBY', bitType(g), offset, g.int64()], ['OVERFLOW', g.pick(['WRAP', 'SAT', 'FAIL', 'x'])]]);
});

export const bitmaps: Record<string, Entry> = {
  setbit: e((g) => [g.key(), bitOffset(g), bit(g)], 'exact', 2),
  getbit: e((g) => [g.key(), bitOffset(g)]),
  bitcount: e((g) => [g.key(), ...bitRange(g)]),
  bitpos: e((g) => [g.key(), bit(g), ...bitRange(g)]),
  bitop: e((g) => [g.pick(['AND', 'OR', 'XOR', 'NOT', 'not', 'x']), g.key(), ...g.keys(1, 3)]),
  bitfield: e((g) => [g.key(), ...bitfieldOps(g, false)]),
  bitfield_ro: e((g) => [g.key(), ...bitfieldOps(g, true)]),
};

export const hyperloglog: Record<string, Entry> = {
  pfadd: e((g) => [g.key(), ...g.members(0, 8)], 'exact', 2),
  pfcount: e((g) => g.keys(1, 3)),
  pfmerge: e((g) => [g.key(), ...g.keys(0, 3)]),
};

// Compared unordered, with BY or LIMIT but not both, LIMIT without ALPHA, and never STOREd:
// elements that compare equal (BY keys all missing, ALPHA strings a NUL ends alike: "b" and
// "b\0", seed 710) keep the order they were read in, a set's or sorted set's table order, and a
// LIMIT window over such ties differs too. test/commands/sort-lcs.test.ts and found.test.ts
// compare orders, LIMIT windows and STORE with redis-server.
const sortArgs = (g: Gen): Arg[] => {
  const limit = g.chance(0.5) ? [] : g.opts(() => ['LIMIT', g.count(), g.count()]);
  const by = limit.length === 0 && g.chance(0.5) ? ['BY', g.pick(['nosort', 'k*', 'w_*', 'h*->f'])] : [];
  return [g.key(), ...by, ...limit, ...g.opts(() => ['GET', g.pick(['#', 'k*', 'h*->f', 'x'])], () => [g.pick(['ASC', 'DESC'])],
    ...(limit.length ? [] : [() => ['ALPHA']]))];
};

/**
 * Sent before each SORT: Redis 7.0's numeric SORT takes any ERANGE left in errno for its own
 * strtod's (sort.c), and no command clears it but one that parses a number through string2d or
 * string2ld, or with strtoul (SCAN). Any out-of-range float or integer a command read earlier
 * (1e400, 2^64, a value APPENDed into "-1e30810" for INCRBYFLOAT: seeds 313, 24717, 28627) made
 * Redis refuse a later SORT of plain numbers. ZADD parses its scores first (string2d sets errno
 * to 0), then finds no key and, with XX, does nothing and propagates nothing.
 */
const CLEAR_ERRNO: Arg[] = ['ZADD', 'fuzz:errno', 'XX', '0', 'm'];

export const sort: Record<string, Entry> = {
  sort: { ...e(sortArgs, 'unordered'), exactly: true, before: CLEAR_ERRNO },
  sort_ro: { ...e(sortArgs, 'unordered'), exactly: true, before: CLEAR_ERRNO },
};

/** LCS is O(len1 * len2) in time and memory: it compares two keys only short values are set at. */
const LCS_KEYS = ['lcs1', 'lcs2', 'nokey'];

export const lcs: Record<string, Entry> = {
  'set/lcs': { ...e((g) => [g.pick(LCS_KEYS.slice(0, 2)), g.value()]), exactly: true },
  lcs: { ...e((g) => [g.pick(LCS_KEYS), g.pick(LCS_KEYS), ...g.opts(() => [g.pick(['LEN', 'IDX'])], () => ['MINMATCHLEN', g.count()], () => ['WITHMATCHLEN'])]), exactly: true },
};

const lon = (g: Gen): Arg => (g.chance(0.8) ? (g.rnd() * 360 - 180).toFixed(g.range(0, 6)) : g.pick(['-180', '180', '180.1', 'x', 'nan']));
const lat = (g: Gen): Arg => (g.chance(0.8) ? (g.rnd() * 170 - 85).toFixed(g.range(0, 6)) : g.pick(['85.05112878', '-85.05112878', '85.06', 'x']));
const unit = (g: Gen): Arg => g.pick(['m', 'km', 'mi', 'ft', 'KM', 'x']);
const radius = (g: Gen): Arg => g.pick(['0', '1', '100', '5000', '20000', '-1', 'x']);
const geoFrom = (g: Gen): Arg[] => (g.chance(0.5) ? ['FROMMEMBER', g.member()] : ['FROMLONLAT', lon(g), lat(g)]);
const geoBy = (g: Gen): Arg[] => (g.chance(0.5) ? ['BYRADIUS', radius(g), unit(g)] : ['BYBOX', radius(g), radius(g), unit(g)]);
// No STOREDIST: a stored distance is a double from sin/cos/asin, whose last bit may differ
// between V8 and glibc (the digest would show it); printed with WITHDIST they are equal.
const geoOpts = (g: Gen, store: boolean): Arg[] => g.opts(() => [g.pick(['ASC', 'DESC'])], () => ['COUNT', g.count(), ...g.opts(() => ['ANY'])],
  ...(store ? [] : [() => ['WITHCOORD'], () => ['WITHDIST'], () => ['WITHHASH']]));
/** Without ASC or DESC (or with ANY), a search lists what it finds in its own walk's order. */
const geoKind = (a: Arg[]): Kind => (a.some((x) => ['ASC', 'DESC'].includes(up(x))) && !a.some((x) => up(x) === 'ANY') ? 'exact' : 'unordered');

export const geo: Record<string, Entry> = {
  geoadd: e((g) => [g.key(), ...g.opts(() => [g.pick(['NX', 'XX'])], () => ['CH']), ...g.many(1, 3, g.member).flatMap((m) => [lon(g), lat(g), m])], 'exact', 2),
  geopos: e((g) => [g.key(), ...g.members(0, 3)]),
  geodist: e((g) => [g.key(), g.member(), g.member(), ...g.opts(() => [unit(g)])]),
  geohash: e((g) => [g.key(), ...g.members(0, 3)]),
  geosearch: e((g) => [g.key(), ...geoFrom(g), ...geoBy(g), ...geoOpts(g, false)], geoKind),
  geosearchstore: e((g) => [g.key(), g.key(), ...geoFrom(g), ...geoBy(g), ...geoOpts(g, true)]),
  georadius: e((g) => [g.key(), lon(g), lat(g), radius(g), unit(g), ...geoOpts(g, false)], geoKind),
  georadius_ro: e((g) => [g.key(), lon(g), lat(g), radius(g), unit(g), ...geoOpts(g, false)], geoKind),
  georadiusbymember: e((g) => [g.key(), g.member(), radius(g), unit(g), ...geoOpts(g, false)], geoKind),
  georadiusbymember_ro: e((g) => [g.key(), g.member(), radius(g), unit(g), ...geoOpts(g, false)], geoKind),
};

/** Stream IDs: explicit (never "*": the clock picks it), some with "*" for the sequence only. */
const streamId = (g: Gen): Arg => (g.chance(0.8) ? `${g.range(0, 20)}-${g.chance(0.2) ? '*' : g.range(0, 3)}` : g.pick(['0', '0-0', '5', 'x', '-', '+', '18446744073709551615-18446744073709551615', '1-x']));
const rangeId = (g: Gen): Arg => (g.chance(0.3) ? g.pick(['-', '+', '(3-0', '0']) : `${g.range(0, 20)}${g.chance(0.5) ? `-${g.range(0, 3)}` : ''}`);
const trim = (g: Gen): Arg[] => [g.pick(['MAXLEN', 'MINID', 'maxlen']), ...g.opts(() => [g.pick(['=', '~'])]), g.pick(['0', '1', '3', '10', '5-0', '-1', 'x']), ...g.opts(() => ['LIMIT', g.count()])];
const GROUPS = ['g1', 'g2'];
const CONSUMERS = ['c1', 'c2'];

/**
 * Sometimes BLOCK: the fuzzer's one client never feeds a stream while it waits, so a read
 * with nothing to serve times out (null) after 1 ms, or at once inside MULTI; with a bad
 * timeout it gets the error. test/commands/blocking.test.ts compares reads served later.
 */
const block = (g: Gen): Arg[] => (g.chance(0.15) ? ['BLOCK', g.pick(['1', '1', '-1', 'x'])] : []);

export const streams: Record<string, Entry> = {
  xadd: e((g) => [g.key(), ...g.opts(() => ['NOMKSTREAM'], () => trim(g)), streamId(g), ...g.many(1, 2, g.member).flatMap((f) => [f, g.value()])], 'exact', 3),
  xtrim: e((g) => [g.key(), ...trim(g)]),
  xdel: e((g) => [g.key(), ...g.many(1, 3, () => streamId(g))]),
  xsetid: e((g) => [g.key(), streamId(g), ...g.opts(() => ['ENTRIESADDED', g.count()], () => ['MAXDELETEDID', streamId(g)])]),
  xlen: e((g) => [g.key()]),
  xrange: e((g) => [g.key(), rangeId(g), rangeId(g), ...g.opts(() => ['COUNT', g.count()])]),
  xrevrange: e((g) => [g.key(), rangeId(g), rangeId(g), ...g.opts(() => ['COUNT', g.count()])]),
  xread: e((g) => {
    const keys = g.keys(1, 2);
    return [...g.opts(() => ['COUNT', g.count()]), ...block(g), 'STREAMS', ...keys, ...keys.map(() => g.pick(['0', '0-0', '3-0', '$', 'x']))];
  }),
  // XINFO reports idle times and the layout of each server's own nodes: shape only.
  xinfo: e((g) => g.pick([() => ['STREAM', g.key(), ...g.opts(() => ['FULL'])], () => ['GROUPS', g.key()], () => ['CONSUMERS', g.key(), g.pick(GROUPS)], () => ['HELP']])(), 'shape', 0.5),
  xgroup: e((g) => g.pick([
    () => ['CREATE', g.key(), g.pick(GROUPS), g.pick(['0', '$', '3-0', 'x']), ...g.opts(() => ['MKSTREAM'], () => ['ENTRIESREAD', g.count()])],
    () => ['SETID', g.key(), g.pick(GROUPS), g.pick(['0', '$', '5-0'])], () => ['DESTROY', g.key(), g.pick(GROUPS)],
    () => ['CREATECONSUMER', g.key(), g.pick(GROUPS), g.pick(CONSUMERS)], () => ['DELCONSUMER', g.key(), g.pick(GROUPS), g.pick(CONSUMERS)],
  ])(), 'exact', 2),
  xreadgroup: e((g) => {
    const keys = g.keys(1, 2);
    return ['GROUP', g.pick(GROUPS), g.pick(CONSUMERS), ...g.opts(() => ['COUNT', g.count()], () => ['NOACK']), ...block(g), 'STREAMS', ...keys,
      ...keys.map(() => g.pick(['>', '>', '0', '3-0']))];
  }, 'exact', 2),
  xack: e((g) => [g.key(), g.pick(GROUPS), ...g.many(1, 3, () => streamId(g))]),
  // The extended form reports idle times: shape only.
  xpending: e((g) => [g.key(), g.pick(GROUPS), ...g.opts(() => [rangeId(g), rangeId(g), g.count(), ...g.opts(() => [g.pick(CONSUMERS)])])],
    (a) => (a.length > 2 ? 'shape' : 'exact')),
  xclaim: e((g) => [g.key(), g.pick(GROUPS), g.pick(CONSUMERS), g.pick(['0', '0', '100000', 'x']), ...g.many(1, 2, () => streamId(g)),
    ...g.opts(() => ['RETRYCOUNT', g.count()], () => ['FORCE'], () => ['JUSTID'])]),
  xautoclaim: e((g) => [g.key(), g.pick(GROUPS), g.pick(CONSUMERS), g.pick(['0', '0', '100000', 'x']), rangeId(g), ...g.opts(() => ['COUNT', g.count()], () => ['JUSTID'])]),
};

export const transactions: Record<string, Entry> = {
  multi: e(() => [], 'exact', 0.6),
  exec: e(() => [], 'exact', 0.5),
  discard: e(() => [], 'exact', 0.1),
  watch: e((g) => g.keys(1, 2), 'exact', 0.3),
  unwatch: e(() => [], 'exact', 0.1),
};

export const server: Record<string, Entry> = {
  module: e((g) => [g.pick(['LIST', 'HELP', 'LOAD', 'LOADEX', 'UNLOAD', 'x']), ...g.opts(() => [g.value()])], 'exact', 0.1),
  cluster: e((g) => [g.pick(['INFO', 'SLOTS', 'KEYSLOT', 'NODES', 'HELP', 'RESET', 'x']), ...g.opts(() => [g.value()])], 'exact', 0.1),
  readonly: e((g) => g.opts(() => [g.value()]), 'exact', 0.05),
  readwrite: e((g) => g.opts(() => [g.value()]), 'exact', 0.05),
  asking: e((g) => g.opts(() => [g.value()]), 'exact', 0.05),
  dbsize: e(() => []),
  flushdb: e((g) => g.opts(() => [g.pick(['ASYNC', 'SYNC', 'x'])]), 'exact', 0.1),
  flushall: e((g) => g.opts(() => [g.pick(['ASYNC', 'SYNC', 'x'])]), 'exact', 0.05),
  time: e(() => [], 'shape', 0.1),
  info: e((g) => g.opts(() => [g.pick(['server', 'keyspace', 'x', 'all', 'commandstats'])]), 'shape', 0.1),
  config: e((g) => g.pick([
    () => ['GET', g.pick(['*max-*-entries', 'hash-max-listpack-value', 'nosuch', 'SET-MAX-INTSET-ENTRIES', '*'])],
    () => ['SET', g.pick(['set-max-intset-entries', 'hash-max-listpack-entries', 'zset-max-listpack-value', 'nosuch']), g.pick(['3', '-1', 'x', '100', MAXS, ''])],
    () => ['FOO'],
  ])(), (a) => (up(a[0]!) === 'GET' ? 'shape' : 'exact'), 0.3),
  // Never mutated: a mutation could make PAUSE hold the fuzzer's client for minutes, REPLY OFF
  // silence it, or REDIRECT name a client id one server has and the other not.
  client: { ...e((g) => g.pick([
    () => ['SETNAME', g.pick(['n1', 'a b', '', 'x\n'])], () => ['GETNAME'], () => ['ID'], () => ['INFO'], () => ['LIST'],
    () => ['NO-EVICT', g.pick(['on', 'off', 'x'])], () => ['FOO'],
    // Tracking without REDIRECT sends a RESP2 client nothing; only pauses that end at once; REPLY's errors.
    () => ['TRACKING', g.pick(['on', 'off', 'x']), ...g.many(0, 2, () => g.pick(['BCAST', 'OPTIN', 'OPTOUT', 'NOLOOP', 'PREFIX', 'REDIRECT']))],
    () => ['CACHING', g.pick(['yes', 'no', 'x'])], () => ['GETREDIR'], () => ['TRACKINGINFO'],
    () => ['REPLY', g.pick(['x', 'maybe'])], () => ['PAUSE', g.pick(['0', '-1', 'x']), ...g.opts(() => [g.pick(['WRITE', 'ALL', 'foo'])])],
    () => ['UNPAUSE'],
  ])(), (a) => (['ID', 'INFO', 'LIST'].includes(up(a[0]!)) ? 'shape' : 'exact'), 0.3), exactly: true },
  command: e((g) => g.pick([
    () => ['COUNT'], () => ['INFO', ...g.many(0, 3, () => g.pick(['get', 'zadd', 'nosuch', 'config|get']))],
    () => ['GETKEYS', ...g.pick([['get', g.key()], ['mset', 'a', 'b', 'c', 'd'], ['nosuch'], ['get'], ['ping'], ['set', 'a']])],
    () => ['LIST', 'FILTERBY', 'PATTERN', g.pick(['z*', '*range*', 'x'])], () => ['DOCS', ...g.many(1, 3, () => g.pick(['get', 'zadd', 'nosuch', 'config|get', 'client|list']))], () => ['FOO'],
  ])(), (a) => (a.length === 0 || ['COUNT', 'LIST'].includes(up(a[0])) || (['INFO', 'DOCS'].includes(up(a[0])) && a.length === 1) ? 'shape'
    : up(a[0]) === 'INFO' ? 'commandinfo' : 'exact'), 0.3),
  // Never mutated: DEBUG POPULATE with a huge count fills memory for minutes, in Redis too.
  debug: { ...e((g) => g.pick([
    () => ['DIGEST-VALUE', ...g.keys(1, 2)], () => ['POPULATE', g.pick(['0', '5', '20', '-1', 'x']), ...g.opts(() => [g.pick(['k', 'key'])], () => [g.pick(['3', '0', '-1', '100'])])],
    () => ['RELOAD'], () => ['DIGEST'],
  ])(), 'exact', 0.3), exactly: true },
};

// MEMORY's figures (USAGE, STATS, DOCTOR, MALLOC-STATS) are V8's, not jemalloc's: only its
// answers that hold no figure are compared (test/memory/memory-command.test.ts compares the rest).
export const memory: Record<string, Entry> = {
  memory: { ...e((g) => g.pick([['PURGE'], ['PURGE', 'x'], ['NOSUCH'], ['HELP'], ['STATS', 'x'], ['DOCTOR', 'x'],
    ['MALLOC-STATS', 'x'], ['USAGE'], ['USAGE', 'k', 'SAMPLES'], ['USAGE', 'k', 'SAMPLES', '-1'], ['USAGE', 'nokey']]), 'exact', 0.05),
    // A mutation that drops the 'x' asks for the figures themselves (fuzz seeds 794, 813).
    exactly: true },
};

export const persistence: Record<string, Entry> = {
  save: e(() => [], 'exact', 0.02),
  lastsave: e(() => [], 'shape', 0.05),
};

/**
 * Scripts the fuzzer runs, each shown to give the same reply on both servers (5.1's and 5.4's
 * compile errors are worded differently, so scripts are never mutated: their numkeys, keys
 * and arguments vary instead). They touch the fuzzer's keys through KEYS and ARGV.
 */
const SCRIPTS = [
  "return redis.call('GET', KEYS[1])",
  "return redis.pcall('INCR', KEYS[1])",
  "return redis.call('SET', KEYS[1], ARGV[1])",
  "return redis.pcall('LPUSH', KEYS[1], ARGV[1], ARGV[2])",
  "return redis.pcall('HSET', KEYS[1], ARGV[1], ARGV[2])",
  "return redis.pcall('ZADD', KEYS[1], ARGV[1], ARGV[2])",
  "return redis.pcall('LRANGE', KEYS[1], 0, -1)",
  "return redis.call('TYPE', KEYS[1])",
  "return redis.call('DEL', KEYS[1], KEYS[2])",
  "return {KEYS[1], ARGV[1], 1, 2.9, -3.7, false, true, {1, {2}}, nil, 5}",
  "return redis.status_reply(ARGV[1])",
  "return redis.error_reply(ARGV[1])",
  "return {err = ARGV[1]}",
  "return redis.sha1hex(ARGV[1])",
  "return cmsgpack.unpack(cmsgpack.pack({1, 2, ARGV[1]}))",
  "return cjson.encode({1, ARGV[1]})",
  "return cjson.decode(ARGV[1])",
  "return bit.tohex(bit.bxor(#ARGV[1], 255))",
  "return struct.unpack('>I2', struct.pack('>I2', #ARGV[1]))",
  "return redis.call('nosuch')",
  "return redis.call('EVAL', 'return 1', 0)",
  "return redis.call('BLPOP', KEYS[1], 0)",
  "return nosuch",
  "x = 1",
  "local t = redis.call('GET', KEYS[1]) return t .. ARGV[1]",
  "return math.random(100)",
  "return redis.call('SET', KEYS[1], ARGV[1], 'XX', 'GET')",
  "#!lua flags=no-writes\nreturn redis.call('SET', KEYS[1], 'x')",
  "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])",
  "#!lua flags=bogus\nreturn 1",
  "return redis.pcall('RPOP', KEYS[1], ARGV[1])",
  // + 0: tonumber('-0') is the integer 0 in 5.4, -0 in 5.1 (lua-states.ts numbersAs51 says why it stays).
  "return tostring((tonumber(ARGV[1]) or 0) / 2 + 0)",
  "local n = redis.pcall('INCRBY', KEYS[1], 100000000000000) return type(n) == 'number' and tostring(n) or n",
];
const SHAS = SCRIPTS.map((s) => createHash('sha1').update(s).digest('hex'));

/** numkeys and its keys, then the arguments: mostly right, sometimes negative, too many or not a number. */
const scriptArgs = (g: Gen): Arg[] => {
  const keys = g.keys(0, 2);
  const args = g.many(0, 3, g.value);
  const numkeys = g.chance(0.9) ? String(keys.length) : g.pick(['-1', String(keys.length + args.length + 1), 'x', MAXS]);
  return [numkeys, ...keys, ...args];
};

/** Libraries FUNCTION LOAD draws from: two good ones (one registering the other's name) and bad ones. */
const LIBRARIES = [
  "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return redis.call('GET', keys[1]) end)\n" +
    "redis.register_function{function_name = 'f2', callback = function(keys, args) return redis.call('SET', keys[1], args[1]) end, flags = {}}\n" +
    "redis.register_function{function_name = 'r1', callback = function(keys, args) return #keys + #args end, flags = {'no-writes'}}",
  "#!lua name=lib2\nredis.register_function('g1', function(keys, args) return redis.pcall('INCRBY', keys[1], args[1]) end)",
  "#!lua name=lib2\nredis.register_function('f1', function() return 2 end)",
  "#!lua name=lib3\nreturn 1",
  "#!lua name=lib3\nredis.register_function('g1', function() return 3 end)",
  "#!lua\nredis.register_function('h', function() return 1 end)",
  "#!js name=lib4\nx",
  "lib5",
];

export const scripting: Record<string, Entry> = {
  eval: { ...e((g) => [g.pick(SCRIPTS), ...scriptArgs(g)], 'exact', 2), exactly: true },
  eval_ro: { ...e((g) => [g.pick(SCRIPTS), ...scriptArgs(g)]), exactly: true },
  evalsha: { ...e((g) => [g.chance(0.9) ? g.pick(SHAS) : g.pick(['x', SHAS[0]!.toUpperCase(), '']), ...scriptArgs(g)]), exactly: true },
  evalsha_ro: { ...e((g) => [g.pick(SHAS), ...scriptArgs(g)], 'exact', 0.5), exactly: true },
  script: { ...e((g) => g.pick([
    () => ['LOAD', g.pick(SCRIPTS)], () => ['EXISTS', ...g.many(1, 3, () => g.pick(SHAS))], () => ['FLUSH', ...g.opts(() => [g.pick(['ASYNC', 'SYNC', 'x'])])],
    () => ['KILL'], () => ['FOO'],
  ])(), 'exact', 0.5), exactly: true },
  fcall: { ...e((g) => [g.pick(['f1', 'f2', 'r1', 'g1', 'nosuch']), ...scriptArgs(g)], 'exact', 1.5), exactly: true },
  fcall_ro: { ...e((g) => [g.pick(['f1', 'f2', 'r1', 'g1']), ...scriptArgs(g)]), exactly: true },
  function: { ...e((g) => g.pick([
    () => ['LOAD', ...g.opts(() => ['REPLACE']), g.pick(LIBRARIES)], () => ['DELETE', g.pick(['lib1', 'lib2', 'lib3', 'x'])],
    () => ['LIST', ...g.opts(() => ['LIBRARYNAME', g.pick(['lib1', 'lib2', 'x'])], () => ['WITHCODE'])], () => ['STATS'],
    () => ['FLUSH', ...g.opts(() => [g.pick(['ASYNC', 'SYNC', 'x'])])], () => ['KILL'], () => ['RESTORE', g.value()], () => ['DUMP'], () => ['FOO'],
  ])(), (a) => (['LIST', 'DUMP'].includes(up(a[0])) ? 'shape' : 'exact'), 0.6), exactly: true },
};

/**
 * Served commands the fuzzer does not send, each with its reason. Also left out: COMMAND GETKEYS
 * of commands with a numkeys argument (ZUNION, ZMPOP, SINTERCARD...), and HELLO 3 in the RESP2
 * runs (RESP3 runs start with it: FuzzOptions.resp3).
 */
export const EXCLUDED: Record<string, string> = {
  quit: 'closes the connection',
  shutdown: 'stops the server',
  bgsave: '"already in progress" depends on timing',
  reset: 'undoes the SELECT and MULTI state the fuzzer tracks',
  ...Object.fromEntries(['blpop', 'brpop', 'blmpop', 'brpoplpush', 'blmove', 'bzpopmin', 'bzpopmax', 'bzmpop'].map((n) => [n,
    'blocks the fuzzer\'s one client when no key is ready: test/commands/blocking.test.ts compares them'])),
  ...Object.fromEntries(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe'].map((n) => [n,
    'puts the connection in the subscribed context: test/commands/pubsub.test.ts compares them'])),
  pfdebug: 'prints the internal registers and encodings, which differ by design',
  pfselftest: 'a long self test of the HLL code, not an answer to compare',
  dump: 'its payload is RDB bytes, whose encodings differ by design (dump tests compare RESTORE by digest)',
  restore: 'takes DUMP payloads (see dump)',
  'restore-asking': 'RESTORE outside a cluster: takes DUMP payloads (see dump)',
  migrate: 'moves keys to another server, which the fuzzer does not run (test/commands/migrate.test.ts compares it with redis-server)',
  sync: 'turns the connection into a replica (test/replication compares it with redis-server)',
  psync: 'turns the connection into a replica (test/replication compares it with redis-server)',
  replconf: 'ACK and GETACK get no reply (test/replication/commands-vs-redis.test.ts compares it)',
  wait: 'answers after replicas acked or a timeout (test/replication compares it with redis-server)',
  role: 'names the server\'s own offset (test/replication)',
  monitor: 'turns the connection into a monitor (test/replication/commands-vs-redis.test.ts)',
  replicaof: 'makes the server a replica (test/replication: replica-of-redis, resync, chains, bad-master)',
  failover: 'hands the master role to a replica (test/replication/failover.test.ts compares it with redis-server)',
  latency: 'its events are commands that ran past a threshold on each server (test/commands/latency.test.ts compares it)',
  slowlog: 'what each server logs depends on how long its commands took (test/commands/slowlog.test.ts compares it at threshold 0)',
  slaveof: 'makes the server a replica (test/replication: replica-of-redis, resync, chains, bad-master)',
  acl: 'changes who may run what, GENPASS is random and LOG holds client lines (test/commands/acl.test.ts compares it)',
};

export const FAMILIES: Array<Record<string, Entry>> = [connection, strings, keys, lists, hashes, sets, zsets, transactions, server, memory, persistence,
  bitmaps, hyperloglog, sort, lcs, geo, streams, scripting];
