// Geo compared reply for reply with redis-server 7.0: GEOADD's scores (the sorted set is
// the same, score for score), positions, distances, geohashes, and radius and box searches
// with every option over a seeded cloud of points, and the errors.
import { describe, expect, it } from 'vitest';
import { prng } from '../persistence/dataset.js';
import { sideBySide, type Arg } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same } = pair;

const rng = prng;

const SICILY = 'GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge';

describe('GEOADD, GEOPOS, GEODIST, GEOHASH', () => {
  it('store the same scores and decode the same positions', async () => {
    await same(SICILY, 'ZRANGE Sicily 0 -1 WITHSCORES', 'GEOPOS Sicily Palermo Catania edge nope', 'GEOPOS none a');
    await same('GEODIST Sicily Palermo Catania', 'GEODIST Sicily Palermo Catania km', 'GEODIST Sicily Palermo Catania MI', 'GEODIST Sicily Palermo edge ft');
    await same('GEODIST Sicily Palermo nope', 'GEODIST none a b', 'GEODIST Sicily Palermo Catania yd', 'GEODIST Sicily a b km x', 'GEOHASH Sicily Palermo Catania nope', 'GEOHASH none a');
    await same('GEOADD Sicily NX 13.361389 38.115556 Palermo 1 1 new', 'GEOADD Sicily XX CH 2 2 Palermo 3 3 other', 'GEOADD Sicily NX XX 1 1 a', 'GEOADD Sicily 1 1');
    await same('GEOADD Sicily 181 1 a', 'GEOADD Sicily 1 86 a', 'GEOADD Sicily x 1 a', 'GEOADD Sicily GT 1 1 a', 'GEOADD Sicily 180 85.05112878 corner -180 -85.05112878 other');
    await same('ZRANGE Sicily 0 -1 WITHSCORES', 'GEOPOS Sicily corner other', 'GEOHASH Sicily corner other', 'SET s x', 'GEOADD s 1 1 a', 'GEOPOS s a');
    const cmds: Arg[][] = [];
    const rnd = rng(3);
    for (let i = 0; i < 300; i++) cmds.push(['GEOADD', 'cloud', rnd() * 360 - 180, rnd() * 170 - 85, `p${i}`]);
    cmds.push(['ZRANGE', 'cloud', 0, -1, 'WITHSCORES'], ['GEOPOS', 'cloud', ...Array.from({ length: 300 }, (_, i) => `p${i}`)]);
    cmds.push(['GEOHASH', 'cloud', ...Array.from({ length: 300 }, (_, i) => `p${i}`)]);
    for (let i = 0; i < 50; i++) cmds.push(['GEODIST', 'cloud', `p${i}`, `p${i + 100}`, ['m', 'km', 'mi', 'ft'][i % 4]!]);
    await pair.samePipelined(cmds);
  });
});

describe('searches', () => {
  it('find the same members by radius and box, sorted, counted, with every WITH option', async () => {
    const cmds: Arg[][] = [];
    const rnd = rng(9);
    for (let i = 0; i < 400; i++) cmds.push(['GEOADD', 'pts', 2 + rnd() * 4, 40 + rnd() * 4, `m${i}`]);
    for (let i = 0; i < 40; i++) {
      const lon = 2 + rnd() * 4;
      const lat = 40 + rnd() * 4;
      const r = Math.floor(rnd() * 200) + 1;
      cmds.push(['GEOSEARCH', 'pts', 'FROMLONLAT', lon, lat, 'BYRADIUS', r, 'km', 'ASC', 'WITHDIST', 'WITHCOORD', 'WITHHASH']);
      cmds.push(['GEOSEARCH', 'pts', 'FROMMEMBER', `m${i}`, 'BYBOX', r, r / 2, 'km', 'DESC', 'COUNT', 5, 'WITHDIST']);
      cmds.push(['GEORADIUS', 'pts', lon, lat, r * 1000, 'm', 'WITHDIST', 'COUNT', 3]);
      cmds.push(['GEORADIUSBYMEMBER_RO', 'pts', `m${i + 1}`, r, 'mi', 'ASC']);
      cmds.push(['GEORADIUS_RO', 'pts', lon, lat, r, 'km', 'COUNT', 2, 'ANY', 'ASC']);
      cmds.push(['GEOSEARCHSTORE', 'dst', 'pts', 'FROMLONLAT', lon, lat, 'BYRADIUS', r, 'km', 'STOREDIST'], ['ZRANGE', 'dst', 0, -1]);
      cmds.push(['GEORADIUS', 'pts', lon, lat, r, 'km', 'STORE', 'dst2', 'COUNT', 10], ['ZRANGE', 'dst2', 0, -1, 'WITHSCORES']);
    }
    cmds.push(['GEOSEARCH', 'pts', 'FROMLONLAT', 4, 42, 'BYRADIUS', 6000, 'km', 'ASC', 'COUNT', 20]);
    cmds.push(['GEOSEARCH', 'pts', 'FROMLONLAT', 4, 42, 'BYBOX', 1, 1, 'm'], ['GEOSEARCH', 'pts', 'FROMLONLAT', 4, 42, 'BYRADIUS', 0, 'km']);
    await pair.samePipelined(cmds);
  });

  // V8's sin, cos and asin (fdlibm) may differ from glibc's in the last bit: the distances
  // STOREDIST keeps agree to 1e-12 of their value, and printed to 4 decimals they are equal.
  it('stores distances with STOREDIST as Redis computes them, to the last bits', async () => {
    const rnd = rng(5);
    await pair.samePipelined(Array.from({ length: 200 }, (_, i) => ['GEOADD', 'pts', rnd() * 10, rnd() * 10, `m${i}`]));
    await same('GEORADIUS pts 5 5 500 km STOREDIST d ASC', 'ZRANGE d 0 -1', 'ZCARD d');
    const [want, got] = await Promise.all([pair.r.call('ZRANGE', 'd', 0, -1, 'WITHSCORES'), pair.s.call('ZRANGE', 'd', 0, -1, 'WITHSCORES')]);
    const w = want as string[];
    const g = got as string[];
    for (let i = 1; i < w.length; i += 2) expect(Math.abs(Number(g[i]) - Number(w[i]))).toBeLessThanOrEqual(Number(w[i]) * 1e-12);
  });

  // Searches centred on the grid's limits (latitude ±85.05112878, longitude ±180) or on a
  // non-geo score that decodes there: encode puts such a point one cell past the grid, and
  // the neighbours keep that index in the coordinate they do not move along.
  it('near the poles, across the antimeridian and on the grid\'s limits, over wide areas', async () => {
    const cmds: Arg[][] = [];
    const rnd = rng(21);
    const edge = (max: number, span: number): string => ((rnd() < 0.5 ? -1 : 1) * (max - rnd() * span)).toFixed(6);
    for (let i = 0; i < 150; i++) cmds.push(['GEOADD', 'polar', i % 3 ? edge(180, 20) : (rnd() * 360 - 180).toFixed(6), edge(85.05112878, 12), `m${i}`]);
    cmds.push(['GEOADD', 'polar', 180, 85.05112878, 'ne', -180, -85.05112878, 'sw', 180, 0, 'e', 0, 85.05112878, 'n']);
    cmds.push(['ZADD', 'polar', 4503599627370495, 'top', 4503599627370496, 'past', 1.5, 'frac', 10, 'ten', -1, 'neg']);
    const centres: Arg[][] = [['FROMLONLAT', 180, 85.05112878], ['FROMLONLAT', -180, -85.05112878], ['FROMLONLAT', 180, 0],
      ['FROMLONLAT', 0, 85.05112878], ['FROMMEMBER', 'top'], ['FROMMEMBER', 'past'], ['FROMMEMBER', 'neg'], ['FROMMEMBER', 'ne']];
    for (let i = 0; i < 12; i++) centres.push(['FROMLONLAT', edge(180, 15), edge(85.05, 15)]);
    for (const from of centres) {
      for (const r of [100, 1000, 3000, 5000, 20000, 40000]) {
        cmds.push(['GEOSEARCH', 'polar', ...from, 'BYRADIUS', r, 'km', 'ASC', 'WITHCOORD', 'WITHDIST', 'WITHHASH']);
        cmds.push(['GEOSEARCH', 'polar', ...from, 'BYBOX', r, r / 4, 'km', 'DESC', 'WITHHASH']);
      }
    }
    cmds.push(['GEORADIUS', 'polar', 180, 85.05112878, 5000, 'km', 'ASC'], ['GEORADIUSBYMEMBER', 'polar', 'past', 3000, 'km', 'DESC', 'WITHHASH']);
    await pair.samePipelined(cmds);
  });

  it('orders ties in a COUNT window as Redis\'s partial sort does (and SORT BY with LIMIT likewise)', async () => {
    const cmds: Arg[][] = [];
    const rnd = rng(33);
    for (let i = 0; i < 120; i++) {
      const p = Math.floor(rnd() * 4);
      cmds.push(['GEOADD', 'ties', 10 + p, 20 + p, `m${i}`], ['RPUSH', 'l', `e${Math.floor(rnd() * 40)}`], ['SET', `w_e${i}`, Math.floor(rnd() * 3)]);
    }
    for (const n of [1, 5, 7, 8, 41, 60, 119]) {
      cmds.push(['GEOSEARCH', 'ties', 'FROMLONLAT', 10, 20, 'BYRADIUS', 1000, 'km', 'ASC', 'COUNT', n]);
      cmds.push(['GEORADIUS', 'ties', 11, 21, 1000, 'km', 'DESC', 'COUNT', n, 'WITHDIST']);
      cmds.push(['SORT', 'l', 'BY', 'w_*', 'LIMIT', Math.floor(n / 3), n], ['SORT', 'l', 'BY', 'w_*', 'LIMIT', 0, n, 'DESC', 'ALPHA']);
    }
    await pair.samePipelined(cmds);
  });

  it('answers bad options and missing keys as Redis does', async () => {
    await same(SICILY);
    await same('GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC', 'GEOSEARCH Sicily BYRADIUS 200 km', 'GEOSEARCH Sicily FROMLONLAT 15 37', 'GEOSEARCH Sicily FROMMEMBER nope BYRADIUS 1 km');
    await same('GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS -1 km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS x km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km');
    await same('GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 y km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 yd', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km COUNT 0', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km ANY');
    await same('GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE x', 'GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 1 1 BYRADIUS 1 km', 'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km');
    await same('GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST', 'GEORADIUS Sicily 15 37 200 km STORE d WITHCOORD', 'GEORADIUS_RO Sicily 15 37 200 km STORE d', 'GEORADIUSBYMEMBER Sicily nope 1 km');
    await same('GEOSEARCH none FROMLONLAT 15 37 BYRADIUS 200 km', 'SET d x', 'GEOSEARCHSTORE d none FROMLONLAT 15 37 BYRADIUS 200 km', 'EXISTS d', 'GEORADIUSBYMEMBER none a 1 km', 'GEORADIUSBYMEMBER none a 1 km STORE d');
    await same('ZADD odd -3 neg +inf inf -inf ninf 18446744073709551616 big 9223372036854775808 half -1e300 tiny', 'GEOPOS odd neg inf ninf big half tiny');
    await same('GEOHASH odd neg inf ninf big half tiny', 'GEODIST odd neg half', 'GEOSEARCH odd FROMMEMBER neg BYRADIUS 100 km');
    await same('GEOADD Sicily 1e308 48.85 x', 'GEOADD Sicily -inf 1 x', 'GEOADD Sicily 1 -1e300 x', 'GEORADIUS Sicily 200 37 1 km', 'GEORADIUS Sicily 15 37 1 km FOO', 'SET str x', 'GEOSEARCH str FROMLONLAT 1 1 BYRADIUS 1 km', 'GEORADIUS Sicily 15 37 200 km STORE empty2 COUNT 1 DESC', 'ZRANGE empty2 0 -1');
  });
});
