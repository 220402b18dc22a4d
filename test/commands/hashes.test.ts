// Hash commands: every reply of redstate compared with redis-server 7.0's for the same
// command sequence (every command and option, every error text, WRONGTYPE, binary fields and
// values, hashes emptied by HDEL disappearing), OBJECT ENCODING at the listpack thresholds,
// and field order: a listpack keeps insertion order in both servers, so HGETALL matches
// byte for byte while small. HINCRBYFLOAT adds in long double as Redis does (a pseudo-random
// walk compares them). Random replies (HRANDFIELD, HSCAN of a hashtable) are checked for their
// shape and content.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RespClient, RespError, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

type Arg = string | number | Buffer;

const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
const MAX = '9223372036854775807';
const MIN = '-9223372036854775808';

let redis: Proc;
let rs: InProcess;
let want: RespClient;
let got: RespClient;

beforeAll(async () => {
  [redis, rs] = await Promise.all([startRedis(), startRedstate()]);
  [want, got] = await Promise.all([RespClient.connect(redis.port), RespClient.connect(rs.port)]);
});

afterAll(async () => {
  want?.close();
  got?.close();
  await Promise.all([redis?.close(), rs?.close()]);
});

beforeEach(async () => {
  await want.call('FLUSHALL');
  rs.server.keyspace.flushAll();
});

/** A reply with errors as text, so that a difference shows in the diff. */
function show(r: Reply): unknown {
  if (r instanceof RespError) return `(error) ${r.message}`;
  return Array.isArray(r) ? r.map(show) : r;
}

/** Runs the commands in order on both servers; each reply must be the same. Returns redstate's. */
async function same(...cmds: Arg[][]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const cmd of cmds) {
    const [w, g] = await Promise.all([want.call(...cmd), got.call(...cmd)]);
    expect(show(g), cmd.map(String).join(' ').slice(0, 120)).toEqual(show(w));
    out.push(show(g));
  }
  return out;
}

/** Runs cmd on redstate only. */
async function mine(...cmd: Arg[]): Promise<unknown> {
  return show(await got.call(...cmd));
}

/** 'HSET h a 1' as words. */
const w = (line: string): string[] => line.split(' ');

/** n field/value pairs f0 v0 f1 v1 ... */
const pairs = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => [`f${from + i}`, `v${from + i}`]).flat();

describe('HSET HMSET HSETNX HGET HMGET', () => {
  it('sets several pairs, counts new fields, updates in place', async () => {
    await same(w('HSET h a 1 b 2'), w('HSET h b 3 c 4 a 5'), w('HGETALL h'), w('HMSET h d 6 a 7'), w('HGETALL h'),
      w('HGET h a'), w('HGET h zz'), w('HGET nokey a'), w('HMGET h a zz d'), w('HMGET nokey a b'), w('HSET h a 1 a 2'),
      w('HGET h a'), w('TYPE h'), w('OBJECT ENCODING h'));
  });

  it('an odd number of arguments is an arity error naming the command', async () => {
    await same(w('HSET h a'), w('HSET h a 1 b'), w('HMSET h a'), w('HMSET h a 1 b'), w('HSET h'), w('EXISTS h'),
      w('HGET h'), w('HMGET h'), w('HSETNX h a'));
  });

  it('HSETNX sets only a new field', async () => {
    await same(w('HSETNX h a 1'), w('HSETNX h a 2'), w('HSETNX h b 3'), w('HGETALL h'));
  });
});

describe('HDEL HLEN HEXISTS HSTRLEN', () => {
  it('deletes fields, and the key with the last one', async () => {
    await same(w('HSET h a 1 b 2 c 3'), w('HDEL h a zz'), w('HDEL h zz'), w('HLEN h'), w('HDEL h b c a'), w('EXISTS h'),
      w('HLEN h'), w('HDEL nokey a'), w('HSET h x 1'), w('HDEL h x x'), w('EXISTS h'));
  });

  it('HEXISTS and HSTRLEN', async () => {
    await same(w('HSET h a hello e'), ['HSET', 'h', 'empty', ''], w('HEXISTS h a'), w('HEXISTS h b'), w('HEXISTS nokey a'),
      w('HSTRLEN h a'), w('HSTRLEN h empty'), w('HSTRLEN h zz'), w('HSTRLEN nokey a'), w('HSET h n 12345'), w('HSTRLEN h n'));
  });

  it('listpack order survives updates and deletes', async () => {
    await same(['HSET', 'h', ...pairs(20)], w('HDEL h f3 f0 f19'), w('HSET h f5 new f0 back'), w('HGETALL h'), w('HKEYS h'),
      w('HVALS h'), w('HKEYS nokey'), w('HVALS nokey'), w('HGETALL nokey'));
  });
});

describe('HINCRBY HINCRBYFLOAT', () => {
  it('HINCRBY: new fields, int64 limits, overflow, errors', async () => {
    await same(w('HINCRBY h a 5'), w('HINCRBY h a -12'), ['HINCRBY', 'h', 'b', MAX], w('HINCRBY h b 1'), ['HINCRBY', 'h', 'b', MIN],
      ['HINCRBY', 'h', 'c', MIN], w('HINCRBY h c -1'), w('HINCRBY h c 0'), w('HINCRBY h a x'), w('HINCRBY nokey a x'),
      w('EXISTS nokey'), w('HINCRBY h a 1.5'), ['HINCRBY', 'h', 'a', MAX + '0'], w('HSET h s abc n 007 e 1e5 sp'),
      w('HINCRBY h s 1'), w('HINCRBY h n 1'), w('HINCRBY h e 1'), w('HINCRBY h sp 1'), ['HSET', 'h', 'blank', ''],
      w('HINCRBY h blank 1'), w('HGETALL h'));
  });

  it('HINCRBYFLOAT: results, errors, NaN and infinity', async () => {
    await same(w('HINCRBYFLOAT h a 10.5'), w('HINCRBYFLOAT h a 0.1'), w('HINCRBYFLOAT h a -5'), w('HINCRBYFLOAT h b 3.0'),
      w('HINCRBYFLOAT h c 1e3'), w('HINCRBYFLOAT h c -1000'), w('HINCRBYFLOAT h d 5.0e-3'), w('HINCRBYFLOAT h i 7'),
      w('HINCRBYFLOAT h i 1.5'), w('HINCRBYFLOAT h a abc'), w('HINCRBYFLOAT h a inf'), w('HINCRBYFLOAT h a -inf'),
      w('HINCRBYFLOAT h a nan'), w('HINCRBYFLOAT nokey a x'), w('EXISTS nokey'), w('HSET h s abc sp x inf inf'),
      w('HINCRBYFLOAT h s 1'), w('HINCRBYFLOAT h inf 1'), w('HINCRBYFLOAT h e 1e20'),
      w('HINCRBYFLOAT h t 1e-30'), w('HGETALL h'));
  });

  it('HINCRBYFLOAT computes in long double: sums doubles get wrong, hex, huge and tiny magnitudes', async () => {
    await same(w('HSET h x 1500'), w('HINCRBYFLOAT h x 0.1'), w('HINCRBYFLOAT h y 0.1'), w('HINCRBYFLOAT h y 0.2'),
      w('HINCRBYFLOAT h y 100.01'), w('HINCRBYFLOAT h z 1e400'), w('HINCRBYFLOAT h z 0x10'), w('HINCRBYFLOAT h z 1e5000'),
      w('HINCRBYFLOAT h z 1e-5000'), ['HINCRBYFLOAT', 'h', 'z', ' 1'], ['HINCRBYFLOAT', 'h', 'z', ''],
      w('HSET h big 1.18e4932 hex 0X1P-2 tiny 1e-4940'), w('HINCRBYFLOAT h big 1e4931'), w('HINCRBYFLOAT h big -1e4931'),
      w('HINCRBYFLOAT h hex 0x.8'), w('HINCRBYFLOAT h tiny -1e-4940'), w('HINCRBYFLOAT h tiny 5e-18'), w('HMGET h x y z big hex tiny'));
  });

  it('HINCRBYFLOAT matches Redis over a pseudo-random walk', async () => {
    let seed = 11;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const shapes = [
      (): string => (rnd() * 10).toFixed(Math.floor(rnd() * 6)),
      (): string => `${Math.floor(rnd() * 1e6)}e${Math.floor(rnd() * 40 - 20)}`,
      (): string => `0.${Math.floor(rnd() * 1e9)}`,
      (): string => `${Math.floor(rnd() * 1e15)}.${Math.floor(rnd() * 1000)}`,
      (): string => `1.${Math.floor(rnd() * 1e9)}e${Math.floor(rnd() * 9900 - 4950)}`,
      (): string => `0x${Math.floor(rnd() * 1e6).toString(16)}p${Math.floor(rnd() * 20 - 10)}`,
    ];
    const gen = (): string => (rnd() < 0.3 ? '-' : '') + shapes[Math.floor(rnd() * shapes.length)]!();
    for (let i = 0; i < 300; i++) {
      const field = `f${i % 3}`;
      if (i % 30 === 0) await same(['HSET', 'h', field, gen()]);
      await same(['HINCRBYFLOAT', 'h', field, gen()]);
    }
    await same(w('HMGET h f0 f1 f2'));
  });
});

describe('HRANDFIELD', () => {
  it('errors and edge counts', async () => {
    await same(w('HRANDFIELD nokey'), w('HRANDFIELD nokey 5'), w('HRANDFIELD nokey 0'), w('HRANDFIELD nokey -3 WITHVALUES'),
      w('HRANDFIELD nokey abc'), w('HRANDFIELD nokey 5 foo'), w('HSET h a 1 b 2 c 3'), w('HRANDFIELD h 0'),
      w('HRANDFIELD h 0 WITHVALUES'), w('HRANDFIELD h abc'), w('HRANDFIELD h 1 WITHVALUES x'), w('HRANDFIELD h 1 foo'),
      ['HRANDFIELD', 'h', MIN], ['HRANDFIELD', 'h', MAX, 'WITHVALUES'], ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '4611686018427387904', 'withvalues'], w('HRANDFIELD h 3'), w('HRANDFIELD h 10 WITHVALUES'));
  });

  it('random picks: distinct for positive counts, repeats allowed for negative ones', async () => {
    await same(['HSET', 'h', ...pairs(10)]);
    const all = new Map(Object.entries(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, `v${i}`]))));
    for (let round = 0; round < 20; round++) {
      const one = await mine('HRANDFIELD', 'h');
      expect(all.has(one as string)).toBe(true);
      const distinct = (await mine('HRANDFIELD', 'h', '4')) as string[];
      expect(new Set(distinct).size).toBe(4);
      for (const f of distinct) expect(all.has(f)).toBe(true);
      const repeats = (await mine('HRANDFIELD', 'h', '-25', 'WITHVALUES')) as string[];
      expect(repeats.length).toBe(50);
      for (let i = 0; i < 50; i += 2) expect(all.get(repeats[i]!)).toBe(repeats[i + 1]);
      const some = (await mine('HRANDFIELD', 'h', '7', 'WITHVALUES')) as string[];
      expect(new Set(some.filter((_, i) => i % 2 === 0)).size).toBe(7);
    }
    // Every field comes up eventually.
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 10; i++) seen.add((await mine('HRANDFIELD', 'h')) as string);
    expect(seen.size).toBe(10);
  });

  it('a large hash too', async () => {
    await same(['HSET', 'big', ...pairs(600)], w('OBJECT ENCODING big'));
    const picks = (await mine('HRANDFIELD', 'big', '300', 'WITHVALUES')) as string[];
    expect(new Set(picks.filter((_, i) => i % 2 === 0)).size).toBe(300);
    for (let i = 0; i < picks.length; i += 2) expect(picks[i + 1]).toBe(`v${picks[i]!.slice(1)}`);
    expect(((await mine('HRANDFIELD', 'big', '-1000')) as string[]).length).toBe(1000);
    expect(((await mine('HRANDFIELD', 'big', '1000')) as string[]).length).toBe(600);
  });
});

describe('HSCAN', () => {
  it('a listpack in one step, MATCH, option errors after the lookup', async () => {
    await same(['HSET', 'h', ...pairs(30)], w('HSCAN h 0'), w('HSCAN h 0 COUNT 2'), w('HSCAN h 17 COUNT 5'),
      w('HSCAN h 0 MATCH f1*'), w('HSCAN h 0 MATCH nothing*'), w('HSCAN h 0 MATCH *5 COUNT 1'), w('HSCAN nokey 0'),
      w('HSCAN nokey 0 COUNT 0'), w('HSCAN nokey abc'), w('HSCAN h abc'), w('HSCAN h -1'), w('HSCAN h 0 COUNT 0'),
      w('HSCAN h 0 COUNT x'), w('HSCAN h 0 MATCH'), w('HSCAN h 0 TYPE string'), w('HSCAN h 0 FOO bar'));
  });

  it('a hashtable step by step: every field exactly once, cursor back to 0', async () => {
    await same(['HSET', 'big', ...pairs(1000)], w('OBJECT ENCODING big'));
    for (const match of [[], ['MATCH', 'f1*']]) {
      const seen = new Map<string, string>();
      let cursor = '0';
      let steps = 0;
      do {
        const [next, items] = (await mine('HSCAN', 'big', cursor, 'COUNT', '50', ...match)) as [string, string[]];
        expect(items.length).toBeLessThanOrEqual(100);
        for (let i = 0; i < items.length; i += 2) {
          expect(seen.has(items[i]!)).toBe(false);
          seen.set(items[i]!, items[i + 1]!);
        }
        cursor = next;
        steps++;
      } while (cursor !== '0');
      const fields = Array.from({ length: 1000 }, (_, i) => `f${i}`).filter((f) => match.length === 0 || f.startsWith('f1'));
      expect([...seen.keys()].sort()).toEqual(fields.sort());
      for (const [f, v] of seen) expect(v).toBe(`v${f.slice(1)}`);
      expect(steps).toBeGreaterThanOrEqual(20);
    }
  });
});

describe('encodings', () => {
  const big = 'x'.repeat(65);
  const edge = 'y'.repeat(64);

  it('listpack up to 512 fields, hashtable from 513, for good', async () => {
    await same(['HSET', 'h', ...pairs(512)], w('OBJECT ENCODING h'), w('HSET h f0 again'), w('OBJECT ENCODING h'),
      w('HSET h f512 v'), w('OBJECT ENCODING h'), w('HDEL h f512 f1 f2'), w('OBJECT ENCODING h'), w('HLEN h'),
      ['HSET', 'one', ...pairs(513)], w('OBJECT ENCODING one'));
  });

  it('listpack up to 64-byte fields and values, hashtable beyond', async () => {
    await same(['HSET', 'h', edge, edge], w('OBJECT ENCODING h'), ['HSET', 'h', 'a', big], w('OBJECT ENCODING h'),
      w('HDEL h a'), w('OBJECT ENCODING h'), ['HSET', 'k', big, '1'], w('OBJECT ENCODING k'), ['HSET', 'm', 'a', '1', 'b', big],
      w('OBJECT ENCODING m'), w('HGET m a'));
  });

  it('HSETNX of an existing field converts nothing; HINCRBY and HINCRBYFLOAT with a long field do', async () => {
    await same(w('HSET h a 1'), ['HSETNX', 'h', 'a', big], w('OBJECT ENCODING h'), ['HSETNX', 'h', 'b', big],
      w('OBJECT ENCODING h'), w('HSET i a 1'), ['HINCRBY', 'i', big, '1'], w('OBJECT ENCODING i'), w('HSET f a 1'),
      ['HINCRBYFLOAT', 'f', big, '1.5'], w('OBJECT ENCODING f'));
  });
});

describe('types and bytes', () => {
  it('WRONGTYPE from every hash command', async () => {
    await same(w('SET s v'), w('RPUSH l a'));
    for (const key of ['s', 'l']) {
      await same(['HSET', key, 'a', '1'], ['HMSET', key, 'a', '1'], ['HSETNX', key, 'a', '1'], ['HGET', key, 'a'],
        ['HMGET', key, 'a'], ['HDEL', key, 'a'], ['HLEN', key], ['HEXISTS', key, 'a'], ['HSTRLEN', key, 'a'], ['HGETALL', key],
        ['HKEYS', key], ['HVALS', key], ['HINCRBY', key, 'a', '1'], ['HINCRBYFLOAT', key, 'a', '1'], ['HRANDFIELD', key],
        ['HRANDFIELD', key, '2'], ['HSCAN', key, '0'], ['HSCAN', key, '0', 'COUNT', '0'], ['HINCRBY', key, 'a', 'x']);
    }
  });

  it('binary fields and values, in a listpack and in a hashtable', async () => {
    // Every byte in short items (the listpack) and in one long one (the hashtable).
    const chunks = Array.from({ length: 8 }, (_, i) => BINARY.slice(i * 32, i * 32 + 32));
    const small = chunks.flatMap((c, i) => [c, chunks[7 - i]!]);
    await same(['HSET', 'b', ...small], ['HSET', 'b', '', '', '\r\n', '\x00'], w('OBJECT ENCODING b'), w('HGETALL b'),
      ['HGET', 'b', chunks[5]!], ['HSTRLEN', 'b', chunks[0]!], ['HDEL', 'b', chunks[3]!, ''], w('HGETALL b'),
      ['HEXISTS', 'b', chunks[3]!], w('HSCAN b 0'), ['HSET', 'b', BINARY, BINARY], w('OBJECT ENCODING b'),
      ['HGET', 'b', BINARY], ['HMGET', 'b', chunks[7]!, BINARY, '\r\n'], w('HLEN b'));
  });

  it('a seeded random walk keeps the same fields, values and (listpack) order', async () => {
    let seed = 7;
    const pick = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const field = (): string => `f${pick(40)}`;
    const ops: Array<() => string[]> = [
      () => ['HSET', 'h', ...Array.from({ length: 1 + pick(4) }, () => [field(), `v${pick(1000)}`]).flat()],
      () => ['HSETNX', 'h', field(), 'nx'],
      () => ['HDEL', 'h', ...Array.from({ length: 1 + pick(6) }, field)],
      () => ['HINCRBY', 'h', field(), String(pick(100) - 50)],
      () => ['HGET', 'h', field()],
      () => ['HEXISTS', 'h', field()],
      () => ['HSTRLEN', 'h', field()],
      () => ['HMGET', 'h', field(), field()],
      () => ['HLEN', 'h'],
      () => ['HGETALL', 'h'],
    ];
    const cmds = Array.from({ length: 1500 }, () => ops[pick(ops.length)]!());
    const all = async (c: RespClient): Promise<unknown[]> => (await Promise.all(cmds.map((x) => c.call(...x)))).map(show);
    const [wr, gr] = await Promise.all([all(want), all(got)]);
    for (let i = 0; i < cmds.length; i++) expect(gr[i], `${i}: ${cmds[i]!.join(' ')}`).toEqual(wr[i]);
  });
});
