// A dataset of every type and every encoding Redis 7.0 uses, written through RESP to any
// server, so the same data can be built in redstate and in redis-server and compared.
import type { RespClient } from './resp-client.js';

const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');

export async function writeEveryType(c: RespClient, scale = 1): Promise<void> {
  const send = async (...args: Array<string | number>): Promise<void> => {
    const r = await c.call(...args);
    if (r instanceof Error) throw new Error(`${args.slice(0, 3).join(' ')}: ${r.message}`);
  };
  for (const db of [0, 1, 5, 15]) {
    await send('SELECT', db);
    await send('SET', 'int', 12345);
    await send('SET', 'negint', -9007199254740993);
    await send('SET', 'embstr', 'hello world');
    await send('SET', 'raw', 'r'.repeat(100));
    await send('SET', 'compressible', 'abc'.repeat(40_000));
    await send('SET', `bin${binary}`, binary);
    await send('SET', 'empty', '');
    await send('SET', 'ttl', 'expires', 'EX', 100_000);
    await send('RPUSH', 'list:small', 'a', 'b', 1, 2, binary);
    for (let i = 0; i < 10 * scale; i++) {
      await send('RPUSH', 'list:large', ...Array.from({ length: 100 }, (_, j) => `item-${i}-${j}`));
    }
    await send('RPUSH', 'list:big', 'x'.repeat(20_000), 'y'.repeat(9000), 'z');
    await send('HSET', 'hash:small', 'f1', 'v1', 'f2', 2, binary, binary);
    await send('HSET', 'hash:large', ...Array.from({ length: 600 * scale }, (_, i) => [`field${i}`, `value${i}`]).flat());
    await send('HSET', 'hash:wide', 'f', 'w'.repeat(100));
    await send('SADD', 'set:ints', 1, 2, 3, -4, 65536, 4294967296);
    await send('SADD', 'set:manyints', ...Array.from({ length: 600 * scale }, (_, i) => i * 7));
    await send('SADD', 'set:strings', 'a', 'b', binary);
    await send('SADD', 'set:small', 'a', 7, -3, 'm'.repeat(64), ...Array.from({ length: 124 }, (_, i) => `s${i}`));
    await send('ZADD', 'zset:small', 1, 'one', 1.1, 'onepointone', -0.5, 'neg', 'inf', 'top', '-inf', 'bottom', 2, binary);
    await send('ZADD', 'zset:large', ...Array.from({ length: 200 * scale }, (_, i) => [i / 3, `m${i}`]).flat());
    await send('ZADD', 'zset:long', 3, 'l'.repeat(100));
    for (let i = 0; i < 150 * scale; i++) await send('XADD', 'stream', `${1000 + i}-${i % 3}`, 'n', i, 'text', `entry ${i}`);
    await send('XADD', 'stream', '2000-*', binary, binary);
    await send('XDEL', 'stream', '1003-0', '1004-1');
    await send('XGROUP', 'CREATE', 'stream', 'g', '0');
    await send('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 20, 'STREAMS', 'stream', '>');
    await send('XACK', 'stream', 'g', '1001-1', '1002-2');
    await send('XGROUP', 'CREATE', 'stream:empty', 'g', '$', 'MKSTREAM');
    await send('PFADD', 'hll:sparse', ...Array.from({ length: 20 }, (_, i) => `e${i}`));
    await send('PFADD', 'hll:dense', ...Array.from({ length: 3000 }, (_, i) => `e${i}`));
    await send('PFCOUNT', 'hll:dense');
    await send('GEOADD', 'geo', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania', -122.27652, 37.805186, 'Oakland');
    await send('SETBIT', 'bitmap', 100_000, 1);
    await send('BITFIELD', 'bitmap', 'SET', 'i16', '#3', -1234);
    await send('HSET', 'hash:ttl', 'a', 'b');
    await send('PEXPIRE', 'hash:ttl', 50_000_000);
  }
  await send('SELECT', 0);
}

export async function digest(c: RespClient): Promise<string> {
  const d = await c.call('DEBUG', 'DIGEST');
  if (typeof d !== 'string') throw new Error(`DEBUG DIGEST: ${String(d)}`);
  return d;
}

/**
 * Writes of the data-model families as a replica must follow them: clock-ID XADDs, `~` trims,
 * consumer-group reads with and without NOACK, claims, XSETID, bitmaps, HLLs in both
 * encodings, PFMERGE, geo searches stored, SORT STORE. Redis propagates neither a history
 * read nor entries-read with an XCLAIM: the NOACK read, whose XGROUP SETID carries
 * entries-read, comes last so that every server agrees.
 */
export function dataModelWrites(): Array<Array<string | number>> {
  const script: Array<Array<string | number>> = [];
  for (let i = 0; i < 400; i++) script.push(['XADD', 'events', '*', 'n', i, 'kind', i % 3 ? 'click' : 'view']);
  script.push(['XADD', 'events', 'MAXLEN', '~', 250, '*', 'n', 'trim'], ['XTRIM', 'events', 'MINID', '~', '0-1']);
  script.push(['XGROUP', 'CREATE', 'events', 'g', '0'], ['XGROUP', 'CREATE', 'events', 'h', '$']);
  script.push(['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', 30, 'STREAMS', 'events', '>']);
  script.push(['XREADGROUP', 'GROUP', 'g', 'carol', 'COUNT', 5, 'STREAMS', 'events', '>']);
  script.push(['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'COUNT', 10, 'STREAMS', 'events', '>']);
  script.push(['XAUTOCLAIM', 'events', 'g', 'dave', 0, '0', 'COUNT', 4], ['XGROUP', 'CREATECONSUMER', 'events', 'h', 'erin']);
  script.push(['XADD', 'nums', '5-1', 'a', 1], ['XADD', 'nums', '5-*', 'a', 2], ['XSETID', 'nums', '9-9'], ['XDEL', 'nums', '5-1']);
  script.push(['SETBIT', 'bits', 1000, 1], ['BITFIELD', 'bits', 'INCRBY', 'u8', '#3', 200, 'SET', 'i16', 40, -7], ['BITOP', 'XOR', 'bits2', 'bits', 'bits']);
  script.push(['PFADD', 'hll', ...Array.from({ length: 50 }, (_, i) => `e${i}`)], ['PFCOUNT', 'hll']);
  script.push(['PFADD', 'hll2', ...Array.from({ length: 4000 }, (_, i) => `x${i}`)], ['PFMERGE', 'hll3', 'hll', 'hll2'], ['PFCOUNT', 'hll3']);
  script.push(['GEOADD', 'geo', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania']);
  script.push(['GEOSEARCHSTORE', 'near', 'geo', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'STOREDIST']);
  script.push(['GEORADIUS', 'geo', 15, 37, 300, 'km', 'STORE', 'near2'], ['RPUSH', 'list', 3, 1, 2], ['SORT', 'list', 'STORE', 'sorted']);
  return script;
}

/** XINFO STREAM FULL with seen-time values replaced: a consumer's is the time each server last saw it. */
export function withoutSeenTimes(x: unknown): unknown {
  if (!Array.isArray(x)) return x;
  return x.map((v, i) => (x[i - 1] === 'seen-time' ? 'T' : withoutSeenTimes(v)));
}
