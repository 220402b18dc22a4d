// Geohashes as Redis computes them (geohash.c, geohash_helper.c): 26 steps of latitude and
// longitude interleaved into the 52-bit integer a geo member's sorted-set score holds, the
// cells around a point that a radius or box search scans, and the haversine distance on
// Redis's Earth radius. The arithmetic follows Redis's operation for operation, so scores
// and decoded coordinates are the same doubles as redis-server's.

const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
const D_R = Math.PI / 180.0;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const TWO32 = 0x100000000;

/** A cell: its latitude and longitude indexes at `step` bits each (GeoHashBits, de-interleaved). */
export interface GeoHash {
  lat: number;
  lon: number;
  step: number;
}

interface Range {
  min: number;
  max: number;
}

const LONG_RANGE: Range = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
const LAT_RANGE: Range = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

function spread16(x: number): number {
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  return (x | (x << 1)) & 0x55555555;
}

function compact16(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  return (x | (x >>> 8)) & 0x0000ffff;
}

/** interleave64: latitude bits at the even positions, longitude at the odd ones, as a double (rounded past 2^53 as Redis's score is). */
function interleave(lat: number, lon: number): number {
  const lo = (spread16(lat & 0xffff) | (spread16(lon & 0xffff) << 1)) >>> 0;
  const hi = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0;
  return hi * TWO32 + lo;
}

/** deinterleave64 of the uint64 hi:lo. */
function deinterleave(hi: number, lo: number): { lat: number; lon: number } {
  return {
    lat: (compact16(lo) | (compact16(hi) << 16)) >>> 0,
    lon: (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0,
  };
}

/**
 * (uint64_t)score as gcc converts it on x86-64: below 2^63 through int64 (so a negative
 * score wraps, and one at or below -2^63 gives 2^63), from 2^63 by subtracting it first
 * (so 2^64 and above, infinity and NaN give 0); as hi:lo 32-bit words.
 */
function scoreBits(score: number): [number, number] {
  if (score >= 0 && score < 2 ** 64) {
    const hi = Math.floor(score / TWO32);
    return [hi >>> 0, (Math.trunc(score) - hi * TWO32) >>> 0];
  }
  if (!(score < 0)) return [0, 0];
  const b = score > -(2 ** 63) ? BigInt.asUintN(64, BigInt(Math.trunc(score))) : 2n ** 63n;
  return [Number(b >> 32n), Number(b & 0xffffffffn)];
}

/** geohashEncode: null when the point is outside the ranges (or Redis's limits). */
export function encode(lon: number, lat: number, step: number, longRange = LONG_RANGE, latRange = LAT_RANGE): GeoHash | null {
  if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN) return null;
  if (lat < latRange.min || lat > latRange.max || lon < longRange.min || lon > longRange.max) return null;
  let latOffset = (lat - latRange.min) / (latRange.max - latRange.min);
  let lonOffset = (lon - longRange.min) / (longRange.max - longRange.min);
  latOffset *= 2 ** step;
  lonOffset *= 2 ** step;
  return { lat: Math.trunc(latOffset) >>> 0, lon: Math.trunc(lonOffset) >>> 0, step };
}

/** The interleaved bits of a cell. */
export function hashBits(h: GeoHash): number {
  return interleave(h.lat, h.lon);
}

/** geohashAlign52Bits: the score of a 26-step point, or where a coarser cell's scores begin. */
export function align52(bits: number, step: number): number {
  return bits * 2 ** (52 - step * 2);
}

/** GEOADD's score for a point: its 26-step hash as the 52-bit integer. */
export function geoScore(lon: number, lat: number): number {
  return align52(hashBits(encode(lon, lat, GEO_STEP_MAX)!), GEO_STEP_MAX);
}

interface Area {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
}

/** geohashDecode: the cell's bounds. */
function decodeArea(h: GeoHash, longRange = LONG_RANGE, latRange = LAT_RANGE): Area {
  const latScale = latRange.max - latRange.min;
  const lonScale = longRange.max - longRange.min;
  const n = 2 ** h.step;
  return {
    latMin: latRange.min + (h.lat * 1.0 / n) * latScale,
    latMax: latRange.min + ((h.lat + 1) * 1.0 / n) * latScale,
    lonMin: longRange.min + (h.lon * 1.0 / n) * lonScale,
    lonMax: longRange.min + ((h.lon + 1) * 1.0 / n) * lonScale,
  };
}

/** decodeGeohash: a member's score back to [longitude, latitude], the centre of its cell. */
export function decodeScore(score: number): [number, number] {
  const { lat, lon } = deinterleave(...scoreBits(score));
  const a = decodeArea({ lat, lon, step: GEO_STEP_MAX });
  let x = (a.lonMin + a.lonMax) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (a.latMin + a.latMax) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

/** GEOHASH's 11 characters: the point re-encoded on the standard -90..90 latitude range. */
export function standardGeohash(lon: number, lat: number): string {
  const alphabet = '0123456789bcdefghjkmnpqrstuvwxyz';
  const h = encode(lon, lat, 26, { min: -180, max: 180 }, { min: -90, max: 90 })!;
  const bits = hashBits(h);
  let out = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Math.floor(bits / 2 ** (52 - (i + 1) * 5)) % 32;
    out += alphabet[idx];
  }
  return out;
}

const degRad = (a: number): number => a * D_R;
const radDeg = (a: number): number => a / D_R;

function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** geohashGetDistance: haversine on Redis's Earth radius. */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degRad(lon1);
  const lon2r = degRad(lon2);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

/** A search shape: a radius or a width x height box, in `conversion` units to the metre, around xy. */
export interface GeoShape {
  xy: [number, number];
  conversion: number;
  radius?: number;
  box?: { width: number; height: number };
}

/** geohashEstimateStepsByRadius. */
function stepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  return Math.min(26, Math.max(1, step));
}

/** geohashBoundingBox: [minLon, minLat, maxLon, maxLat]. */
function boundingBox(s: GeoShape): [number, number, number, number] {
  const [lon, lat] = s.xy;
  const height = s.conversion * (s.box === undefined ? s.radius! : s.box.height / 2);
  const width = s.conversion * (s.box === undefined ? s.radius! : s.box.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(lat + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(lat - latDelta)));
  const south = lat < 0;
  return [south ? lon - lonDeltaBottom : lon - lonDeltaTop, lat - latDelta, south ? lon + lonDeltaBottom : lon + lonDeltaTop, lat + latDelta];
}

/**
 * A cell moved by dx, dy cells, wrapping as geohash_move_x/y do. An axis not moved keeps its
 * bits unmasked: a centre on longitude 180 (or latitude 85.05112878) encodes one past the last
 * cell, and its north and south (east and west) neighbours stay past it (fuzz seed 406).
 */
function moved(h: GeoHash, dx: number, dy: number): GeoHash {
  const n = 2 ** h.step;
  return { lat: dy === 0 ? h.lat : (h.lat + dy + n) % n, lon: dx === 0 ? h.lon : (h.lon + dx + n) % n, step: h.step };
}

/**
 * geohashCalculateAreasByShapeWGS84 and the order membersOfAllNeighbors scans: the cell of
 * the centre and its 8 neighbours (north, south, east, west, NE, NW, SE, SW), null for
 * those dropped because the area lies wholly inside the centre's side of them.
 */
export function searchCells(s: GeoShape): Array<GeoHash | null> {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(s);
  const [lon, lat] = s.xy;
  let radius = s.box === undefined ? s.radius! : Math.sqrt((s.box.width / 2) * (s.box.width / 2) + (s.box.height / 2) * (s.box.height / 2));
  radius *= s.conversion;
  let steps = stepsByRadius(radius, lat);
  let hash = encode(lon, lat, steps)!;
  const around = (h: GeoHash): GeoHash[] => [
    moved(h, 0, 1), moved(h, 0, -1), moved(h, 1, 0), moved(h, -1, 0), moved(h, 1, 1), moved(h, -1, 1), moved(h, 1, -1), moved(h, -1, -1),
  ];
  const [north, south, east, west] = around(hash);
  const decrease = decodeArea(north!).latMax < maxLat || decodeArea(south!).latMin > minLat ||
    decodeArea(east!).lonMax < maxLon || decodeArea(west!).lonMin > minLon;
  if (steps > 1 && decrease) {
    steps--;
    hash = encode(lon, lat, steps)!;
  }
  const n: Array<GeoHash | null> = around(hash);
  const area = decodeArea(hash);
  if (steps >= 2) {
    // Indexes into n: 0 N, 1 S, 2 E, 3 W, 4 NE, 5 NW, 6 SE, 7 SW.
    if (area.latMin < minLat) n[1] = n[7] = n[6] = null;
    if (area.latMax > maxLat) n[0] = n[4] = n[5] = null;
    if (area.lonMin < minLon) n[3] = n[7] = n[5] = null;
    if (area.lonMax > maxLon) n[2] = n[6] = n[4] = null;
  }
  return [hash, ...n];
}

/** geoWithinShape: the distance in metres of a member's point from the centre, or null when outside. */
export function withinShape(s: GeoShape, point: [number, number]): number | null {
  const [x1, y1] = s.xy;
  const [x2, y2] = point;
  if (s.box === undefined) {
    const d = distance(x1, y1, x2, y2);
    return d > s.radius! * s.conversion ? null : d;
  }
  const width = s.box.width * s.conversion;
  const height = s.box.height * s.conversion;
  if (latDistance(y2, y1) > height / 2) return null;
  if (distance(x2, y2, x1, y2) > width / 2) return null;
  return distance(x1, y1, x2, y2);
}
