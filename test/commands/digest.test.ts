// DEBUG DIGEST / DIGEST-VALUE: the fast SHA1 digest against a plain node:crypto transcription
// of debug.c, and against a real redis-server holding the same data.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDatasetDigest, valueDigest } from '../../src/store/digest.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { formatDouble } from '../../src/io/format-double.js';
import { idText, MAX_ID, MIN_ID, parseStreamId } from '../../src/store/stream-id.js';
import { Hash, isString, List, SetValue, Stream, ZSet, type Value } from '../../src/store/values.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, type Proc } from '../helpers/servers.js';

// --- debug.c, transcribed as plainly as possible ------------------------------------------

const sha1 = (b: Buffer): Buffer => createHash('sha1').update(b).digest();
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

function xorDigest(d: Buffer, data: Buffer): void {
  const h = sha1(data);
  for (let i = 0; i < 20; i++) d[i]! ^= h[i]!;
}

function mixDigest(d: Buffer, data: Buffer): void {
  xorDigest(d, data);
  sha1(d).copy(d);
}

function htonl(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function refObjectDigest(d: Buffer, v: Value, expire: boolean): void {
  if (isString(v)) {
    mixDigest(d, htonl(0));
    mixDigest(d, bytes(v.toString()));
  } else if (v instanceof List) {
    mixDigest(d, htonl(1));
    for (const s of v) mixDigest(d, bytes(s));
  } else if (v instanceof SetValue) {
    mixDigest(d, htonl(2));
    for (const s of v.values()) xorDigest(d, bytes(s));
  } else if (v instanceof ZSet) {
    mixDigest(d, htonl(3));
    for (const [m, score] of v.entries()) {
      const e = Buffer.alloc(20);
      mixDigest(e, bytes(m));
      mixDigest(e, bytes(formatDouble(score)));
      xorDigest(d, e);
    }
  } else if (v instanceof Stream) {
    mixDigest(d, htonl(6));
    v.range(MIN_ID, MAX_ID, false, (id, node, i) => {
      mixDigest(d, bytes(idText(id).replace('-', '.')));
      for (const s of node.fieldsAndValues(i)) mixDigest(d, bytes(s));
    });
  } else {
    mixDigest(d, htonl(4));
    for (const [f, val] of v.entries()) {
      const e = Buffer.alloc(20);
      mixDigest(e, bytes(f));
      mixDigest(e, bytes(val));
      xorDigest(d, e);
    }
  }
  if (expire) xorDigest(d, bytes('!!expire!!'));
}

function refDatasetDigest(ks: Keyspace): string {
  const final = Buffer.alloc(20);
  for (const db of ks.dbs) {
    if (db.dict.size === 0) continue;
    mixDigest(final, htonl(db.id));
    for (const [key, value] of db.dict) {
      const d = Buffer.alloc(20);
      mixDigest(d, bytes(key));
      refObjectDigest(d, value, db.expires.has(key));
      xorDigest(final, d);
    }
  }
  return final.toString('hex');
}

// --- one dataset, built in a Keyspace and in a redis-server --------------------------------

type Spec =
  | { db: number; key: string; string: string; ttl?: number }
  | { db: number; key: string; list: string[]; ttl?: number }
  | { db: number; key: string; set: string[]; ttl?: number }
  | { db: number; key: string; zset: Array<[string, string]>; ttl?: number }
  | { db: number; key: string; hash: Array<[string, string]>; ttl?: number }
  | { db: number; key: string; stream: Array<[string, ...string[]]>; ttl?: number };

const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

function dataset(): Spec[] {
  const out: Spec[] = [];
  for (const db of [0, 3, 15]) {
    out.push(
      { db, key: 'str', string: 'hello' },
      { db, key: 'int', string: '12345' },
      { db, key: 'negint', string: '-9007199254740993' },
      { db, key: 'notint', string: '0123' },
      { db, key: 'empty', string: '' },
      { db, key: `bin${binary}`, string: binary },
      { db, key: 'raw', string: 'r'.repeat(100) },
      { db, key: 'big', string: 'abc'.repeat(10_000) },
      { db, key: 'ttl', string: 'v', ttl: 1_000_000 },
      { db, key: 'list', list: ['a', 'b', '1', '2', binary] },
      { db, key: 'list:large', list: range(1000, (i) => `item-${i}`) },
      { db, key: 'set:ints', set: ['1', '2', '3', '-4', '65536', '4294967296'] },
      { db, key: 'set:large', set: range(600, (i) => String(i * 7)) },
      { db, key: 'set:str', set: ['a', 'b', binary, ''] },
      { db, key: 'zset', zset: [['1.1', 'a'], ['-0', 'b'], ['1e300', 'c'], ['inf', 'd'], ['-inf', 'e'], ['0', 'f'], ['3', 'g'], ['0.1', 'h'], ['-2.5e-10', 'i'], ['2', binary]] },
      { db, key: 'zset:large', zset: range(200, (i) => String(i)).map((i) => [String(Number(i) / 3), `m${i}`]) },
      { db, key: 'hash', hash: [['f1', 'v1'], ['f2', '2'], [binary, binary], ['', '']] },
      { db, key: 'hash:large', hash: range(600, (i) => `field${i}`).map((f, i) => [f, `value${i}`]) },
      { db, key: 'hash:wide', hash: [['f', 'w'.repeat(100)]], ttl: 50_000_000 },
      { db, key: 'stream', stream: [['1-1', 'f', 'v'], ['1-2', 'f', binary, 'g', ''], ['18446744073709551615-3', '', '7']] },
      { db, key: 'stream:large', stream: range(300, (i) => `${i + 5}-0`).map((id, i) => [id, 'n', String(i), 'x', 'abc'.repeat(i % 30)]) },
    );
  }
  return out;
}

function toNumber(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

function buildKeyspace(specs: Spec[]): Keyspace {
  const ks = new Keyspace(16);
  for (const s of specs) {
    const db = ks.dbs[s.db]!;
    let v: Value;
    if ('string' in s) v = s.string;
    else if ('list' in s) v = List.from(s.list);
    else if ('set' in s) v = SetValue.from(s.set);
    else if ('zset' in s) {
      const z = new ZSet();
      for (const [score, m] of s.zset) z.set(m, toNumber(score));
      v = z;
    } else if ('stream' in s) {
      const st = new Stream();
      for (const [id, ...fv] of s.stream) st.append(parseStreamId(id, 0)!.id, fv);
      v = st;
    } else {
      const h = new Hash();
      for (const [f, val] of s.hash) h.set(f, val);
      v = h;
    }
    db.set(s.key, v);
    if (s.ttl !== undefined) db.setExpire(s.key, Date.now() + s.ttl);
  }
  return ks;
}

async function buildRedis(c: RespClient, specs: Spec[]): Promise<void> {
  const send = async (...args: string[]): Promise<void> => {
    const r = await c.call(...args);
    if (r instanceof Error) throw new Error(`${args[0]}: ${r.message}`);
  };
  for (const s of specs) {
    await send('SELECT', String(s.db));
    if ('string' in s) await send('SET', s.key, s.string);
    else if ('list' in s) await send('RPUSH', s.key, ...s.list);
    else if ('set' in s) await send('SADD', s.key, ...s.set);
    else if ('zset' in s) await send('ZADD', s.key, ...s.zset.flat());
    else if ('stream' in s) for (const entry of s.stream) await send('XADD', s.key, ...entry);
    else await send('HSET', s.key, ...s.hash.flat());
    if (s.ttl !== undefined) await send('PEXPIRE', s.key, String(s.ttl));
  }
}

describe('dataset digest', () => {
  it('is 40 zeros for an empty dataset', () => {
    expect(computeDatasetDigest(new Keyspace(16))).toBe('0'.repeat(40));
  });

  it('matches the plain transcription of debug.c for every type', () => {
    const ks = buildKeyspace(dataset());
    expect(computeDatasetDigest(ks)).toBe(refDatasetDigest(ks));
  });

  it('hashes strings of every length around the SHA1 block edges', () => {
    const ks = new Keyspace(1);
    for (let n = 0; n < 300; n++) ks.dbs[0]!.set(`k${n}`, String.fromCharCode(...range(n, (i) => String((i * 37 + n) & 255)).map(Number)));
    for (const n of [1023, 1024, 1025, 4096, 100_000]) ks.dbs[0]!.set(`long${n}`, 'x'.repeat(n));
    expect(computeDatasetDigest(ks)).toBe(refDatasetDigest(ks));
  });

  it('does not depend on insertion order, and changes with the db number', () => {
    const specs = dataset().filter((s) => s.db === 0);
    const a = buildKeyspace(specs);
    const b = buildKeyspace([...specs].reverse());
    expect(computeDatasetDigest(a)).toBe(computeDatasetDigest(b));
    const moved = buildKeyspace(specs.map((s) => ({ ...s, db: 1 })));
    expect(computeDatasetDigest(moved)).not.toBe(computeDatasetDigest(a));
  });
});

describe('digest against redis-server 7.0', () => {
  let redis: Proc;
  let rc: RespClient;
  let ks: Keyspace;
  const specs = dataset();

  beforeAll(async () => {
    redis = await startRedis(['--enable-debug-command', 'yes']);
    rc = await RespClient.connect(redis.port);
    await buildRedis(rc, specs);
    ks = buildKeyspace(specs);
  });

  afterAll(async () => {
    rc.close();
    await redis.close();
  });

  it('DEBUG DIGEST is the same', async () => {
    expect(computeDatasetDigest(ks)).toBe(await rc.call('DEBUG', 'DIGEST'));
  });

  it('DEBUG DIGEST-VALUE is the same for every key, and zeros for a missing one', async () => {
    for (const db of [0, 3, 15]) {
      await rc.call('SELECT', String(db));
      const keys = [...specs.filter((s) => s.db === db).map((s) => s.key), 'missing'];
      const want = await rc.call('DEBUG', 'DIGEST-VALUE', ...keys);
      expect(keys.map((k) => valueDigest(ks.dbs[db]!, k))).toEqual(want);
    }
  });
});
