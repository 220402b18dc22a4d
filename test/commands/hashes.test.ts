// Hash commands: every reply of redstate compared with redis-server 7.0's for the same
// command sequence (every command and option, every error text, WRONGTYPE, binary fields and
// values, hashes emptied by HDEL disappearing), OBJECT ENCODING at the listpack thresholds,
// and field order: a listpack keeps insertion order in both servers, so HGETALL matches
// byte for byte while small. HINCRBYFLOAT adds in long double as Redis does (a pseudo-random
// walk compares them). Random replies (HRANDFIELD, HSCAN of a hashtable) are checked for their
// shape and content.
import { describe, expect, it } from 'vitest';
import { BINARY, MAX, MIN, randomFloats, sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same, samePipelined, mine } = pair;

/** n field/value pairs f0 v0 f1 v1 ... */
const pairs = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => [`f${from + i}`, `v${from + i}`]).flat();

describe('HSET HMSET HSETNX HGET HMGET', () => {
  it('sets several pairs, counts new fields, updates in place', async () => {
    await same('HSET h a 1 b 2', 'HSET h b 3 c 4 a 5', 'HGETALL h', 'HMSET h d 6 a 7', 'HGETALL h',
      'HGET h a', 'HGET h zz', 'HGET nokey a', 'HMGET h a zz d', 'HMGET nokey a b', 'HSET h a 1 a 2',
      'HGET h a', 'TYPE h', 'OBJECT ENCODING h');
  });

  it('an odd number of arguments is an arity error naming the command', async () => {
    await same('HSET h a', 'HSET h a 1 b', 'HMSET h a', 'HMSET h a 1 b', 'HSET h', 'EXISTS h',
      'HGET h', 'HMGET h', 'HSETNX h a');
  });

  it('HSETNX sets only a new field', async () => {
    await same('HSETNX h a 1', 'HSETNX h a 2', 'HSETNX h b 3', 'HGETALL h');
  });
});

describe('HDEL HLEN HEXISTS HSTRLEN', () => {
  it('deletes fields, and the key with the last one', async () => {
    await same('HSET h a 1 b 2 c 3', 'HDEL h a zz', 'HDEL h zz', 'HLEN h', 'HDEL h b c a', 'EXISTS h',
      'HLEN h', 'HDEL nokey a', 'HSET h x 1', 'HDEL h x x', 'EXISTS h');
  });

  it('HEXISTS and HSTRLEN', async () => {
    await same('HSET h a hello e', ['HSET', 'h', 'empty', ''], 'HEXISTS h a', 'HEXISTS h b', 'HEXISTS nokey a',
      'HSTRLEN h a', 'HSTRLEN h empty', 'HSTRLEN h zz', 'HSTRLEN nokey a', 'HSET h n 12345', 'HSTRLEN h n');
  });

  it('listpack order survives updates and deletes', async () => {
    await same(['HSET', 'h', ...pairs(20)], 'HDEL h f3 f0 f19', 'HSET h f5 new f0 back', 'HGETALL h', 'HKEYS h',
      'HVALS h', 'HKEYS nokey', 'HVALS nokey', 'HGETALL nokey');
  });
});

describe('HINCRBY HINCRBYFLOAT', () => {
  it('HINCRBY: new fields, int64 limits, overflow, errors', async () => {
    await same('HINCRBY h a 5', 'HINCRBY h a -12', ['HINCRBY', 'h', 'b', MAX], 'HINCRBY h b 1', ['HINCRBY', 'h', 'b', MIN],
      ['HINCRBY', 'h', 'c', MIN], 'HINCRBY h c -1', 'HINCRBY h c 0', 'HINCRBY h a x', 'HINCRBY nokey a x',
      'EXISTS nokey', 'HINCRBY h a 1.5', ['HINCRBY', 'h', 'a', MAX + '0'], 'HSET h s abc n 007 e 1e5 sp',
      'HINCRBY h s 1', 'HINCRBY h n 1', 'HINCRBY h e 1', 'HINCRBY h sp 1', ['HSET', 'h', 'blank', ''],
      'HINCRBY h blank 1', 'HGETALL h');
  });

  it('HINCRBYFLOAT: results, errors, NaN and infinity', async () => {
    await same('HINCRBYFLOAT h a 10.5', 'HINCRBYFLOAT h a 0.1', 'HINCRBYFLOAT h a -5', 'HINCRBYFLOAT h b 3.0',
      'HINCRBYFLOAT h c 1e3', 'HINCRBYFLOAT h c -1000', 'HINCRBYFLOAT h d 5.0e-3', 'HINCRBYFLOAT h i 7',
      'HINCRBYFLOAT h i 1.5', 'HINCRBYFLOAT h a abc', 'HINCRBYFLOAT h a inf', 'HINCRBYFLOAT h a -inf',
      'HINCRBYFLOAT h a nan', 'HINCRBYFLOAT nokey a x', 'EXISTS nokey', 'HSET h s abc sp x inf inf',
      'HINCRBYFLOAT h s 1', 'HINCRBYFLOAT h inf 1', 'HINCRBYFLOAT h e 1e20',
      'HINCRBYFLOAT h t 1e-30', 'HGETALL h');
  });

  it('HINCRBYFLOAT computes in long double: sums doubles get wrong, hex, huge and tiny magnitudes', async () => {
    await same('HSET h x 1500', 'HINCRBYFLOAT h x 0.1', 'HINCRBYFLOAT h y 0.1', 'HINCRBYFLOAT h y 0.2',
      'HINCRBYFLOAT h y 100.01', 'HINCRBYFLOAT h z 1e400', 'HINCRBYFLOAT h z 0x10', 'HINCRBYFLOAT h z 1e5000',
      'HINCRBYFLOAT h z 1e-5000', ['HINCRBYFLOAT', 'h', 'z', ' 1'], ['HINCRBYFLOAT', 'h', 'z', ''],
      'HSET h big 1.18e4932 hex 0X1P-2 tiny 1e-4940', 'HINCRBYFLOAT h big 1e4931', 'HINCRBYFLOAT h big -1e4931',
      'HINCRBYFLOAT h hex 0x.8', 'HINCRBYFLOAT h tiny -1e-4940', 'HINCRBYFLOAT h tiny 5e-18', 'HMGET h x y z big hex tiny');
  });

  it('HINCRBYFLOAT matches Redis over a pseudo-random walk', async () => {
    const gen = randomFloats(11);
    for (let i = 0; i < 300; i++) {
      const field = `f${i % 3}`;
      if (i % 30 === 0) await same(['HSET', 'h', field, gen()]);
      await same(['HINCRBYFLOAT', 'h', field, gen()]);
    }
    await same('HMGET h f0 f1 f2');
  });
});

describe('HRANDFIELD', () => {
  it('errors and edge counts', async () => {
    await same('HRANDFIELD nokey', 'HRANDFIELD nokey 5', 'HRANDFIELD nokey 0', 'HRANDFIELD nokey -3 WITHVALUES',
      'HRANDFIELD nokey abc', 'HRANDFIELD nokey 5 foo', 'HSET h a 1 b 2 c 3', 'HRANDFIELD h 0',
      'HRANDFIELD h 0 WITHVALUES', 'HRANDFIELD h abc', 'HRANDFIELD h 1 WITHVALUES x', 'HRANDFIELD h 1 foo',
      ['HRANDFIELD', 'h', MIN], ['HRANDFIELD', 'h', MAX, 'WITHVALUES'], ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '4611686018427387904', 'withvalues'], 'HRANDFIELD h 3', 'HRANDFIELD h 10 WITHVALUES');
  });

  it('random picks: distinct for positive counts, repeats allowed for negative ones', async () => {
    await same(['HSET', 'h', ...pairs(10)]);
    const all = new Map(Object.entries(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, `v${i}`]))));
    for (let round = 0; round < 20; round++) {
      const one = await mine(['HRANDFIELD', 'h']);
      expect(all.has(one as string)).toBe(true);
      const distinct = (await mine(['HRANDFIELD', 'h', '4'])) as string[];
      expect(new Set(distinct).size).toBe(4);
      for (const f of distinct) expect(all.has(f)).toBe(true);
      const repeats = (await mine(['HRANDFIELD', 'h', '-25', 'WITHVALUES'])) as string[];
      expect(repeats.length).toBe(50);
      for (let i = 0; i < 50; i += 2) expect(all.get(repeats[i]!)).toBe(repeats[i + 1]);
      const some = (await mine(['HRANDFIELD', 'h', '7', 'WITHVALUES'])) as string[];
      expect(new Set(some.filter((_, i) => i % 2 === 0)).size).toBe(7);
    }
    // Every field comes up eventually.
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 10; i++) seen.add((await mine(['HRANDFIELD', 'h'])) as string);
    expect(seen.size).toBe(10);
  });

  it('a large hash too', async () => {
    await same(['HSET', 'big', ...pairs(600)], 'OBJECT ENCODING big');
    const picks = (await mine(['HRANDFIELD', 'big', '300', 'WITHVALUES'])) as string[];
    expect(new Set(picks.filter((_, i) => i % 2 === 0)).size).toBe(300);
    for (let i = 0; i < picks.length; i += 2) expect(picks[i + 1]).toBe(`v${picks[i]!.slice(1)}`);
    expect(((await mine(['HRANDFIELD', 'big', '-1000'])) as string[]).length).toBe(1000);
    expect(((await mine(['HRANDFIELD', 'big', '1000'])) as string[]).length).toBe(600);
    // Under a third of the size: random slots of the table, distinct, each with its value.
    const few = (await mine(['HRANDFIELD', 'big', '50', 'WITHVALUES'])) as string[];
    expect(new Set(few.filter((_, i) => i % 2 === 0)).size).toBe(50);
    for (let i = 0; i < few.length; i += 2) expect(few[i + 1]).toBe(`v${few[i]!.slice(1)}`);
    // Repeats from the table reach every field.
    const many = (await mine(['HRANDFIELD', 'big', '-20000', 'WITHVALUES'])) as string[];
    for (let i = 0; i < many.length; i += 2) expect(many[i + 1]).toBe(`v${many[i]!.slice(1)}`);
    expect(new Set(many.filter((_, i) => i % 2 === 0)).size).toBe(600);
  });
});

describe('HSCAN', () => {
  it('a listpack in one step, MATCH, option errors after the lookup', async () => {
    await same(['HSET', 'h', ...pairs(30)], 'HSCAN h 0', 'HSCAN h 0 COUNT 2', 'HSCAN h 17 COUNT 5',
      'HSCAN h 0 MATCH f1*', 'HSCAN h 0 MATCH nothing*', 'HSCAN h 0 MATCH *5 COUNT 1', 'HSCAN nokey 0',
      'HSCAN nokey 0 COUNT 0', 'HSCAN nokey abc', 'HSCAN h abc', 'HSCAN h -1', 'HSCAN h 0 COUNT 0',
      'HSCAN h 0 COUNT x', 'HSCAN h 0 MATCH', 'HSCAN h 0 TYPE string', 'HSCAN h 0 FOO bar');
  });

  it('a hashtable step by step: every field exactly once, cursor back to 0', async () => {
    await same(['HSET', 'big', ...pairs(1000)], 'OBJECT ENCODING big');
    for (const match of [[], ['MATCH', 'f1*']]) {
      const seen = new Map<string, string>();
      let cursor = '0';
      let steps = 0;
      do {
        const [next, items] = (await mine(['HSCAN', 'big', cursor, 'COUNT', '50', ...match])) as [string, string[]];
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
    await same(['HSET', 'h', ...pairs(512)], 'OBJECT ENCODING h', 'HSET h f0 again', 'OBJECT ENCODING h',
      'HSET h f512 v', 'OBJECT ENCODING h', 'HDEL h f512 f1 f2', 'OBJECT ENCODING h', 'HLEN h',
      ['HSET', 'one', ...pairs(513)], 'OBJECT ENCODING one');
  });

  it('listpack up to 64-byte fields and values, hashtable beyond', async () => {
    await same(['HSET', 'h', edge, edge], 'OBJECT ENCODING h', ['HSET', 'h', 'a', big], 'OBJECT ENCODING h',
      'HDEL h a', 'OBJECT ENCODING h', ['HSET', 'k', big, '1'], 'OBJECT ENCODING k', ['HSET', 'm', 'a', '1', 'b', big],
      'OBJECT ENCODING m', 'HGET m a');
  });

  it('HSETNX of an existing field converts nothing; HINCRBY and HINCRBYFLOAT with a long field do', async () => {
    await same('HSET h a 1', ['HSETNX', 'h', 'a', big], 'OBJECT ENCODING h', ['HSETNX', 'h', 'b', big],
      'OBJECT ENCODING h', 'HSET i a 1', ['HINCRBY', 'i', big, '1'], 'OBJECT ENCODING i', 'HSET f a 1',
      ['HINCRBYFLOAT', 'f', big, '1.5'], 'OBJECT ENCODING f');
  });
});

describe('types and bytes', () => {
  it('WRONGTYPE from every hash command', async () => {
    await same('SET s v', 'RPUSH l a');
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
    await same(['HSET', 'b', ...small], ['HSET', 'b', '', '', '\r\n', '\x00'], 'OBJECT ENCODING b', 'HGETALL b',
      ['HGET', 'b', chunks[5]!], ['HSTRLEN', 'b', chunks[0]!], ['HDEL', 'b', chunks[3]!, ''], 'HGETALL b',
      ['HEXISTS', 'b', chunks[3]!], 'HSCAN b 0', ['HSET', 'b', BINARY, BINARY], 'OBJECT ENCODING b',
      ['HGET', 'b', BINARY], ['HMGET', 'b', chunks[7]!, BINARY, '\r\n'], 'HLEN b');
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
    await samePipelined(cmds);
  });
});
