// Geo commands (geo.c) over sorted sets whose scores are 52-bit geohashes (store/geohash.ts):
// GEOADD GEOPOS GEODIST GEOHASH GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUSBYMEMBER and
// their _RO forms.
import type { Client } from '../actors/client.js';
import { NOTIFY, notifyKey } from '../actors/notify.js';
import {
  GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, align52, decodeScore, distance, geoScore, hashBits, searchCells,
  standardGeohash, withinShape, type GeoShape,
} from '../store/geohash.js';
import { pqsort } from '../store/pqsort.js';
import { ZSet } from '../store/values.js';
import { fail, floatArg, intArg, is, lookupOf } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';
import { zadd } from './zsets.js';

/** extractLongLatOrReply: argv[i], argv[i+1] as longitude, latitude within Redis's limits. */
function lonLatArg(c: Client, argv: string[], i: number): [number, number] | null {
  const lon = floatArg(c, argv[i]!);
  if (lon === null) return null;
  const lat = floatArg(c, argv[i + 1]!);
  if (lat === null) return null;
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    return fail(c, `ERR invalid longitude,latitude pair ${printfF(lon)},${printfF(lat)}`);
  }
  return [lon, lat];
}

/**
 * printf's "%f": six decimals, every digit of a huge value (toFixed turns exponential past
 * 1e21), and the sign of -0 (which toFixed drops; fuzz seed 402).
 */
function printfF(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  if (Object.is(x, -0)) return '-0.000000';
  if (Math.abs(x) < 1e21) return x.toFixed(6);
  return `${BigInt(x)}.000000`;
}

/** extractUnitOrReply: metres per unit; null after the error. */
function unitArg(c: Client, s: string): number | null {
  if (is(s, 'M')) return 1;
  if (is(s, 'KM')) return 1000;
  if (is(s, 'FT')) return 0.3048;
  if (is(s, 'MI')) return 1609.34;
  return fail(c, 'ERR unsupported unit provided. please use M, KM, FT, MI');
}

/** addReplyDoubleDistance: four decimals, rounded as llrint rounds (half to even). */
function fixed4(d: number): string {
  const x = d * 10000;
  let r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) r = 2 * Math.round(x / 2);
  const neg = r < 0;
  const digits = String(Math.abs(r)).padStart(5, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

/** addReplyHumanLongDouble of a double: "%.17Lf" without trailing zeros. */
function human(d: number): string {
  let s = d.toFixed(17);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** The zset at key for a geo read: undefined when missing, null after WRONGTYPE. */
function geoSet(c: Client, key: string): ZSet | undefined | null {
  return lookupOf(c, key, ZSet);
}

// geoaddCommand: rewritten into the ZADD it is, and run (and propagated) as that.
function geoadd(c: Client, argv: string[]): void {
  let at = 2;
  let nx = false;
  let xx = false;
  for (; at < argv.length; at++) {
    if (is(argv[at], 'NX')) nx = true;
    else if (is(argv[at], 'XX')) xx = true;
    else if (!is(argv[at], 'CH')) break;
  }
  if ((argv.length - at) % 3 !== 0 || (xx && nx)) return c.reply.error(ERR.syntax);
  const out = ['zadd', ...argv.slice(1, at)];
  for (let i = at; i < argv.length; i += 3) {
    const xy = lonLatArg(c, argv, i);
    if (xy === null) return;
    out.push(String(geoScore(xy[0], xy[1])), argv[i + 2]!);
  }
  zadd(c, out, false);
  c.propagateAs(out);
}

// geoposCommand
function geopos(c: Client, argv: string[]): void {
  const z = geoSet(c, argv[1]!);
  if (z === null) return;
  c.reply.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z?.score(argv[j]!);
    if (score === undefined) {
      c.reply.nullArray();
      continue;
    }
    const [x, y] = decodeScore(score);
    c.reply.array(2);
    c.reply.humanDouble(human(x));
    c.reply.humanDouble(human(y));
  }
}

// geodistCommand
function geodist(c: Client, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) {
    const u = unitArg(c, argv[4]!);
    if (u === null) return;
    toMeter = u;
  } else if (argv.length > 5) {
    return c.reply.error(ERR.syntax);
  }
  const z = geoSet(c, argv[1]!);
  if (z === null) return;
  const a = z?.score(argv[2]!);
  const b = z?.score(argv[3]!);
  if (a === undefined || b === undefined) return c.reply.nullBulk();
  const [x1, y1] = decodeScore(a);
  const [x2, y2] = decodeScore(b);
  c.reply.bulk(fixed4(distance(x1, y1, x2, y2) / toMeter));
}

// geohashCommand
function geohash(c: Client, argv: string[]): void {
  const z = geoSet(c, argv[1]!);
  if (z === null) return;
  c.reply.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z?.score(argv[j]!);
    if (score === undefined) c.reply.nullBulk();
    else c.reply.bulk(standardGeohash(...decodeScore(score)));
  }
}

const COORDS = 1;
const MEMBER = 2;
const NOSTORE = 4;
const SEARCH = 8;
const SEARCHSTORE = 16;

interface Point {
  member: string;
  score: number;
  dist: number;
  xy: [number, number];
}

/**
 * membersOfAllNeighbors: the members in each cell's score range [min, max) that lie in the
 * shape, cell after cell, stopping at limit (0: none). A neighbour equal to the last one
 * scanned is skipped, but only once a neighbour was scanned: Redis's check reads index 0 (the
 * centre) as "none yet", so a neighbour equal to the centre is scanned again.
 */
function pointsInShape(z: ZSet, s: GeoShape, limit: number): Point[] {
  const out: Point[] = [];
  const cells = searchCells(s);
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === null || cell === undefined) continue;
    const bits = hashBits(cell);
    if (last > 0) {
      const prev = cells[last]!;
      if (bits === hashBits(prev) && cell.step === prev.step) continue;
    }
    if (out.length && limit && out.length >= limit) break;
    const min = align52(bits, cell.step);
    const max = align52(bits + 1, cell.step);
    const rank = z.firstInScoreRange({ min, max, minex: false, maxex: true }, false);
    if (rank >= 0) {
      z.walk(rank, false, (member, score) => {
        if (score >= max) return false;
        const xy = decodeScore(score);
        const dist = withinShape(s, xy);
        if (dist !== null) out.push({ member, score, dist, xy });
        return !(out.length && limit && out.length >= limit);
      });
    }
    last = i;
  }
  return out;
}

// georadiusGeneric
function georadius(c: Client, argv: string[], srcIndex: number, flags: number): void {
  const z = geoSet(c, argv[srcIndex]!);
  if (z === null) return;
  let base: number;
  const shape: GeoShape = { xy: [0, 0], conversion: 1 };
  let storeKey: string | null = null;
  let storeDist = false;
  if (flags & COORDS) {
    base = 6;
    const xy = lonLatArg(c, argv, 2);
    if (xy === null) return;
    shape.xy = xy;
    if (!radiusArg(c, argv, base - 2, shape)) return;
  } else if (flags & MEMBER && z === undefined) {
    base = 5;
  } else if (flags & MEMBER) {
    base = 5;
    const score = z!.score(argv[2]!);
    if (score === undefined) return c.reply.error('ERR could not decode requested zset member');
    shape.xy = decodeScore(score);
    if (!radiusArg(c, argv, base - 2, shape)) return;
  } else {
    base = flags & SEARCHSTORE ? 3 : 2;
    if (flags & SEARCHSTORE) storeKey = argv[1]!;
  }
  let withDist = false;
  let withHash = false;
  let withCoords = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort: 'none' | 'asc' | 'desc' = 'none';
  let any = false;
  let count = 0;
  const search = (flags & SEARCH) !== 0;
  const rest = argv.length - base;
  for (let i = 0; i < rest; i++) {
    const arg = argv[base + i]!;
    const more = rest - i - 1;
    if (is(arg, 'WITHDIST')) withDist = true;
    else if (is(arg, 'WITHHASH')) withHash = true;
    else if (is(arg, 'WITHCOORD')) withCoords = true;
    else if (is(arg, 'ANY')) any = true;
    else if (is(arg, 'ASC')) sort = 'asc';
    else if (is(arg, 'DESC')) sort = 'desc';
    else if (is(arg, 'COUNT') && more >= 1) {
      const n = intArg(c, argv[base + ++i]!);
      if (n === null) return;
      if (n <= 0) return c.reply.error('ERR COUNT must be > 0');
      count = n;
    } else if ((is(arg, 'STORE') || is(arg, 'STOREDIST')) && more >= 1 && !(flags & NOSTORE) && !search) {
      storeKey = argv[base + ++i]!;
      storeDist = is(arg, 'STOREDIST');
    } else if (is(arg, 'STOREDIST') && search && flags & SEARCHSTORE) {
      storeDist = true;
    } else if (is(arg, 'FROMMEMBER') && more >= 1 && search && !fromLoc) {
      const member = argv[base + ++i]!;
      fromMember = true;
      if (z === undefined) continue;
      const score = z.score(member);
      if (score === undefined) return c.reply.error('ERR could not decode requested zset member');
      shape.xy = decodeScore(score);
    } else if (is(arg, 'FROMLONLAT') && more >= 2 && search && !fromMember) {
      const xy = lonLatArg(c, argv, base + i + 1);
      if (xy === null) return;
      shape.xy = xy;
      fromLoc = true;
      i += 2;
    } else if (is(arg, 'BYRADIUS') && more >= 2 && search && !byBox) {
      if (!radiusArg(c, argv, base + i + 1, shape)) return;
      byRadius = true;
      i += 2;
    } else if (is(arg, 'BYBOX') && more >= 3 && search && !byRadius) {
      const w = floatArg(c, argv[base + i + 1]!, 'ERR need numeric width');
      if (w === null) return;
      const h = floatArg(c, argv[base + i + 2]!, 'ERR need numeric height');
      if (h === null) return;
      if (h < 0 || w < 0) return c.reply.error('ERR height or width cannot be negative');
      const u = unitArg(c, argv[base + i + 3]!);
      if (u === null) return;
      shape.box = { width: w, height: h };
      shape.conversion = u;
      byBox = true;
      i += 3;
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  if (storeKey !== null && (withDist || withHash || withCoords)) {
    const what = flags & SEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    return c.reply.error(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (search && !(fromMember || fromLoc)) {
    return c.reply.error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
  }
  if (search && !(byRadius || byBox)) {
    return c.reply.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
  }
  if (any && !count) return c.reply.error('ERR the ANY argument requires COUNT argument');
  if (z === undefined) {
    if (storeKey === null) return c.reply.emptyArray();
    if (c.db.lookupWrite(storeKey) !== undefined && c.db.delete(storeKey)) notifyKey(c, NOTIFY.generic, 'del', storeKey);
    return c.reply.integer(0);
  }
  if (count !== 0 && sort === 'none' && !any) sort = 'asc';
  const points = pointsInShape(z, shape, any ? count : 0);
  if (points.length === 0 && storeKey === null) return c.reply.emptyArray();
  const returned = count === 0 || points.length < count ? points.length : count;
  if (sort !== 'none') {
    // sort_gp_asc / sort_gp_desc: ties compare equal. glibc's qsort keeps them in the order
    // found (as Array.sort does); a COUNT window goes through pqsort, which does not.
    const sign = sort === 'asc' ? 1 : -1;
    const cmp = (a: Point, b: Point): number => sign * (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
    if (returned === points.length) points.sort(cmp);
    else pqsort(points, cmp, 0, returned - 1);
  }
  if (storeKey === null) {
    const options = (withDist ? 1 : 0) + (withCoords ? 1 : 0) + (withHash ? 1 : 0);
    c.reply.array(returned);
    for (let i = 0; i < returned; i++) {
      const p = points[i]!;
      if (options) c.reply.array(options + 1);
      c.reply.bulk(p.member);
      if (withDist) c.reply.bulk(fixed4(p.dist / shape.conversion));
      // addReplyLongLong of the double score: a non-geo score in a cell's range truncates.
      if (withHash) c.reply.integer(Math.trunc(p.score));
      if (withCoords) {
        c.reply.array(2);
        c.reply.humanDouble(human(p.xy[0]));
        c.reply.humanDouble(human(p.xy[1]));
      }
    }
    return;
  }
  if (returned > 0) {
    // Built as a skiplist and converted when small, as Redis does: a -0 score stays -0 in a
    // result too large for a listpack.
    let longest = 0;
    for (let i = 0; i < returned; i++) longest = Math.max(longest, points[i]!.member.length);
    const out = ZSet.sized(returned, longest);
    for (let i = 0; i < returned; i++) {
      const p = points[i]!;
      out.set(p.member, storeDist ? p.dist / shape.conversion : p.score);
    }
    c.db.set(storeKey, out);
    notifyKey(c, NOTIFY.zset, search ? 'geosearchstore' : 'georadiusstore', storeKey);
  } else if (c.db.lookupWrite(storeKey) !== undefined) {
    c.db.delete(storeKey);
    notifyKey(c, NOTIFY.generic, 'del', storeKey);
  }
  c.reply.integer(returned);
}

/** extractDistanceOrReply into the shape: a radius and its unit. */
function radiusArg(c: Client, argv: string[], i: number, shape: GeoShape): boolean {
  const r = floatArg(c, argv[i]!, 'ERR need numeric radius');
  if (r === null) return false;
  if (r < 0) {
    c.reply.error('ERR radius cannot be negative');
    return false;
  }
  const u = unitArg(c, argv[i + 1]!);
  if (u === null) return false;
  shape.radius = r;
  shape.conversion = u;
  return true;
}

const R = ['read', 'geo', 'slow'];
const W = ['write', 'geo', 'slow'];

export const geoCommands: CommandSpec[] = [
  { name: 'geoadd', arity: -5, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: W, run: geoadd },
  { name: 'geopos', arity: -2, flags: ['readonly'], keys: [1, 1, 1], acl: R, run: geopos },
  { name: 'geodist', arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: R, run: geodist },
  { name: 'geohash', arity: -2, flags: ['readonly'], keys: [1, 1, 1], acl: R, run: geohash },
  { name: 'geosearch', arity: -7, flags: ['readonly'], keys: [1, 1, 1], acl: R, run: (c, argv) => georadius(c, argv, 1, SEARCH) },
  {
    name: 'geosearchstore', arity: -8, flags: ['write', 'denyoom'], keys: [1, 2, 1], acl: W,
    run: (c, argv) => georadius(c, argv, 2, SEARCH | SEARCHSTORE),
  },
  {
    name: 'georadius', arity: -6, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], acl: W,
    run: (c, argv) => georadius(c, argv, 1, COORDS),
  },
  { name: 'georadius_ro', arity: -6, flags: ['readonly'], keys: [1, 1, 1], acl: R, run: (c, argv) => georadius(c, argv, 1, COORDS | NOSTORE) },
  {
    name: 'georadiusbymember', arity: -5, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], acl: W,
    run: (c, argv) => georadius(c, argv, 1, MEMBER),
  },
  {
    name: 'georadiusbymember_ro', arity: -5, flags: ['readonly'], keys: [1, 1, 1], acl: R,
    run: (c, argv) => georadius(c, argv, 1, MEMBER | NOSTORE),
  },
];
