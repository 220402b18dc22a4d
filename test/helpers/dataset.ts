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
