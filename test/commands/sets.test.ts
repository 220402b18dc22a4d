// Set commands: every reply of redstate compared with redis-server 7.0's for the same
// command sequence (every command and option, the 7.0 error texts, WRONGTYPE, binary
// members, sets emptied by SREM / SPOP / SMOVE disappearing), and OBJECT ENCODING at the
// intset threshold. An intset lists its members in ascending order in both servers, so its
// replies match byte for byte; a hashtable's order is Redis's hash order, so those replies
// are compared sorted, and random ones (SPOP, SRANDMEMBER) for their shape and content.
import { afterAll, describe, expect, it } from 'vitest';
import { SetValue } from '../../src/store/set.js';
import { BINARY, sideBySide, words } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same, sameSorted, mine } = pair;

/** Runs a command with a random reply on both servers, without comparing. */
async function both(cmd: string): Promise<void> {
  await Promise.all([pair.r.call(...words(cmd)), pair.s.call(...words(cmd))]);
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('single-set commands', () => {
  it('SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS, intsets in order', async () => {
    await same(
      'SADD s 3 1 2 -5 10 9223372036854775807 -9223372036854775808', 'SADD s 1 2', 'SMEMBERS s', 'SCARD s',
      'SISMEMBER s 2', 'SISMEMBER s 7', 'SMISMEMBER s 2 7 -5', 'SMISMEMBER missing a b', 'SISMEMBER missing a',
      'SCARD missing', 'SMEMBERS missing', 'SREM s 1 nosuch 10', 'SREM missing a', 'SMEMBERS s', 'OBJECT ENCODING s',
      'SADD s 0 -0 +1 01 9223372036854775808', 'OBJECT ENCODING s', 'SCARD s', 'SISMEMBER s -0', 'SISMEMBER s 0',
    );
    await sameSorted('SMEMBERS s');
    await same(['SADD', 'b', BINARY, '', 'a\r\nb'], ['SISMEMBER', 'b', BINARY], ['SREM', 'b', '', BINARY], 'SMEMBERS b',
      'SREM b a\r\nb', ['SREM', 'b', 'a\r\nb'], 'EXISTS b', 'ZADD b 1 x');
  });

  it('SPOP and SRANDMEMBER: errors, missing keys, whole sets', async () => {
    await same('SADD s 5 3 1 4 2');
    await same(
      'SPOP missing', 'SPOP missing 3', 'SRANDMEMBER missing', 'SRANDMEMBER missing 3', 'SRANDMEMBER missing -3',
      'SPOP s 0', 'SPOP s -1', 'SPOP s abc', 'SPOP s 1 2', 'SRANDMEMBER s 0', 'SRANDMEMBER s abc', 'SRANDMEMBER s 1 2',
      'SRANDMEMBER s -9223372036854775808', 'SRANDMEMBER s 9223372036854775808', 'SRANDMEMBER s 5', 'SRANDMEMBER s 100',
      'SPOP s 5', 'EXISTS s', 'SADD t 7', 'SPOP t', 'EXISTS t',
    );
    await same('SADD u a b c');
    await sameSorted('SRANDMEMBER u 10', 'SPOP u 10');
    await same('EXISTS u');
  });

  it('SPOP and SRANDMEMBER: random members, distinct unless the count is negative', async () => {
    await same(['SADD', 'big', ...range(0, 1000)]);
    for (const n of [1, 10, 400, 900]) {
      const r = (await mine(`SRANDMEMBER big ${n}`)) as string[];
      expect(r.length).toBe(n);
      expect(new Set(r).size).toBe(n);
      expect(r.every((m) => Number(m) >= 0 && Number(m) < 1000)).toBe(true);
    }
    const rep = (await mine('SRANDMEMBER big -2000')) as string[];
    expect(rep.length).toBe(2000);
    expect(new Set(rep).size).toBeLessThan(1000);
    const popped = new Set<string>();
    for (const n of [1, 5, 100, 800]) {
      const r = n === 1 ? [(await mine('SPOP big')) as string] : ((await mine(`SPOP big ${n}`)) as string[]);
      expect(r.length).toBe(n);
      for (const m of r) {
        expect(popped.has(m)).toBe(false);
        popped.add(m);
      }
      expect(await mine('SCARD big')).toBe(1000 - popped.size);
      expect(await mine(['SMISMEMBER', 'big', ...r])).toEqual(r.map(() => 0));
    }
    expect(await mine('OBJECT ENCODING big')).toBe('intset');
    expect(((await mine('SPOP big 1000')) as string[]).length).toBe(94);
    expect(await mine('EXISTS big')).toBe(0);
  });

  it('SPOP of most of a hashtable keeps the rest in a new set, intset when it can', async () => {
    await same(['SADD', 'h', ...range(0, 600)], 'OBJECT ENCODING h');
    expect(((await mine('SPOP h 595')) as string[]).length).toBe(595);
    await pair.r.call('SPOP', 'h', 595);
    await same('SCARD h', 'OBJECT ENCODING h', ['SADD', 's', ...range(0, 600), 'x'], 'SREM s x');
    await both('SPOP s 590');
    await same('SCARD s', 'OBJECT ENCODING s');
  });

  it('SMOVE', async () => {
    await same('SADD a 1 2 3', 'SADD b x', 'SET str v');
    await same(
      'SMOVE a b 1', 'SMOVE a b nosuch', 'SMOVE missing b 1', 'SMOVE a a 2', 'SMOVE a a nosuch', 'SMOVE a c 2',
      'SMEMBERS c', 'OBJECT ENCODING c', 'SMOVE a b 3', 'EXISTS a', 'SMOVE missing str 1', 'SMOVE str b 1',
      'SMOVE b str x', 'SMOVE b d x', 'OBJECT ENCODING d',
    );
    await sameSorted('SMEMBERS b');
  });

  it('WRONGTYPE', async () => {
    await same('SET k v', 'ZADD z 1 a');
    const commands = [
      'SADD k a', 'SREM k a', 'SCARD k', 'SISMEMBER k a', 'SMISMEMBER k a', 'SMEMBERS k', 'SPOP k', 'SPOP k 2',
      'SPOP k 0', 'SRANDMEMBER k', 'SRANDMEMBER k 2', 'SINTER k', 'SINTERSTORE d k', 'SUNION k', 'SUNIONSTORE d k',
      'SDIFF k', 'SDIFFSTORE d k', 'SINTERCARD 1 k', 'SSCAN k 0', 'SADD z a',
    ];
    await same(...commands);
  });
});

describe('SINTER SUNION SDIFF and the STORE variants', () => {
  it('intsets give ordered replies; missing keys are empty sets', async () => {
    await same('SADD n1 1 2 3 4', 'SADD n2 3 4 5', 'SADD n3 4 40');
    await same(
      'SINTER n1 n2', 'SINTER n1 n2 n3', 'SUNION n1 n2 n3', 'SDIFF n1 n2', 'SDIFF n2 n1 n3', 'SINTER n1 missing',
      'SINTER missing n1', 'SINTER n1 n1', 'SDIFF n1 n1', 'SDIFF n1 n2 n1', 'SDIFF missing n1', 'SUNION missing other',
      'SDIFF n1 missing',
    );
  });

  it('hashtables, compared as sets', async () => {
    await same('SADD a x y z 1', 'SADD b y z w', ['SADD', 'big', ...range(0, 30), 'q']);
    await sameSorted('SINTER a b', 'SUNION a b big', 'SDIFF a b', 'SDIFF big a b', 'SINTER big a');
  });

  it('the STORE variants, empty results deleting the destination, encodings', async () => {
    await same('SADD n1 1 2 3 4', 'SADD n2 3 4 5', 'SADD s a 3', 'SET str v');
    await same(
      'SINTERSTORE d n1 n2', 'SMEMBERS d', 'OBJECT ENCODING d', 'SUNIONSTORE d n1 s', 'OBJECT ENCODING d', 'SCARD d',
      'SDIFFSTORE d n1 n2', 'SMEMBERS d', 'SINTERSTORE d n1 s', 'SMEMBERS d', 'OBJECT ENCODING d',
      'SINTERSTORE d n1 missing', 'EXISTS d', 'SDIFFSTORE d n1 n1', 'EXISTS d', 'SUNIONSTORE d missing', 'EXISTS d',
      'SUNIONSTORE str n1', 'TYPE str', 'SUNIONSTORE n1 n1 n2', 'SMEMBERS n1', 'SINTERSTORE d n1 str',
    );
  });

  it('SDIFF picks Redis 7.0 algorithm, and with it the encoding of an all-integer result', async () => {
    await same(['SADD', 'dd', ...range(1, 20), 'x'], 'SADD e1 x', 'SADD e2 1', 'SADD e3 2');
    await same('SDIFFSTORE out dd e1 e2 e3', 'OBJECT ENCODING out', 'SDIFFSTORE out dd e1', 'OBJECT ENCODING out');
    await sameSorted('SDIFF dd e1 e2 e3');
  });

  it('SINTERCARD', async () => {
    await same('SADD n1 1 2 3 4', 'SADD n2 3 4 5', 'SADD s a b');
    await same(
      'SINTERCARD 2 n1 n2', 'SINTERCARD 2 n1 n2 LIMIT 1', 'SINTERCARD 1 n1 LIMIT 0', 'SINTERCARD 1 n1 limit 10',
      'SINTERCARD 2 n1 missing', 'SINTERCARD 2 n1 s', 'SINTERCARD 0 n1', 'SINTERCARD -1 n1', 'SINTERCARD x n1',
      'SINTERCARD 3 n1 n2', 'SINTERCARD 1 n1 LIMIT -1', 'SINTERCARD 1 n1 LIMIT x', 'SINTERCARD 1 n1 FOO',
      'SINTERCARD 1 n1 LIMIT', 'SINTERCARD 1 n1 LIMIT 1 LIMIT 2',
    );
  });
});

describe('SSCAN', () => {
  it('an intset in one step, options and errors', async () => {
    await same('SADD s 5 -3 100 7 15');
    await same(
      'SSCAN s 0', 'SSCAN s 0 COUNT 1', 'SSCAN s 0 MATCH 1*', 'SSCAN s 42', 'SSCAN s x', 'SSCAN s 0 COUNT 0',
      'SSCAN s 0 COUNT x', 'SSCAN s 0 FOO bar', 'SSCAN s 0 MATCH', 'SSCAN missing 0', 'SSCAN missing 0 FOO',
    );
  });

  it('a hashtable, walked with cursors while it changes, gives every stable member', async () => {
    await same(['SADD', 'h', ...range(0, 400).map((i) => `m${i}`)]);
    const seen = new Set<string>();
    let cursor = '0';
    let step = 0;
    do {
      const [next, items] = (await mine(['SSCAN', 'h', cursor, 'COUNT', 25])) as [string, string[]];
      for (const m of items) seen.add(m);
      // Changes between steps: members added and removed beyond the stable ones.
      await mine(['SADD', 'h', `extra${step}`]);
      await mine(['SREM', 'h', `extra${step - 1}`]);
      cursor = next;
      step++;
    } while (cursor !== '0');
    for (let i = 0; i < 400; i++) expect(seen.has(`m${i}`)).toBe(true);
    const small = (await mine('SSCAN h 0 MATCH m1?? COUNT 1000')) as [string, string[]];
    expect(small[1].length).toBe(100);
  });
});

describe('SetValue', () => {
  it('intset order and membership by value, one-way conversion', () => {
    const s = SetValue.from(['10', '-2', '3', '9223372036854775807', '-9223372036854775808']);
    expect([...s.values()]).toEqual(['-9223372036854775808', '-2', '3', '10', '9223372036854775807']);
    expect(s.has('3')).toBe(true);
    expect(s.has('03')).toBe(false);
    expect(s.add('x')).toBe(true);
    expect(s.encoding).toBe('hashtable');
    expect(s.delete('x')).toBe(true);
    expect(s.encoding).toBe('hashtable');
    for (let i = 0; i < 100; i++) s.add(`m${i}`);
    for (let i = 0; i < 100; i += 2) expect(s.delete(`m${i}`)).toBe(true);
    expect(s.size).toBe(55);
    for (let i = 0; i < 100; i++) expect(s.has(`m${i}`)).toBe(i % 2 === 1);
    const popped = new Set<string>();
    while (s.size > 0) popped.add(s.pop());
    expect(popped.size).toBe(55);
  });
});

describe('encodings', () => {
  afterAll(async () => {
    await same('CONFIG SET set-max-intset-entries 512');
  });

  it('intset up to set-max-intset-entries integers, then hashtable for good', async () => {
    await same(['SADD', 'i', ...range(0, 512)], 'OBJECT ENCODING i', 'SADD i 512', 'OBJECT ENCODING i');
    await both('SPOP i 10');
    await same('OBJECT ENCODING i');
    await both('SPOP i 490');
    await same('OBJECT ENCODING i', 'SCARD i', 'SADD j 1 a', 'OBJECT ENCODING j', 'SREM j a', 'OBJECT ENCODING j',
      'CONFIG SET set-max-intset-entries 3', 'SADD k 1 2 3', 'OBJECT ENCODING k', 'SADD k 4', 'OBJECT ENCODING k',
      'SREM k 4 3', 'OBJECT ENCODING k', 'SADD m 01', 'OBJECT ENCODING m');
  });
});

// Small sets of strings are packed here (Redis 7.2's listpack set) and hashtables in Redis
// 7.0: every reply must be 7.0's, OBJECT ENCODING included, across the conversions.
describe('packed sets, hashtables in Redis 7.0', () => {
  const names = (n: number, from = 0): string[] => range(from, n).map((i) => `member:${i}`);

  it('up to 128 members, then past it; members up to 64 bytes, then longer', async () => {
    await same(['SADD', 'p', ...names(127)], 'OBJECT ENCODING p', 'SADD p member:127', 'SCARD p', 'SADD p member:128',
      'OBJECT ENCODING p', 'SCARD p', 'SISMEMBER p member:0', 'SISMEMBER p member:128', ['SMISMEMBER', 'p', ...names(3, 127)]);
    await same(['SADD', 'l', 'a', 'x'.repeat(64), BINARY.slice(0, 64)], 'OBJECT ENCODING l', ['SISMEMBER', 'l', 'x'.repeat(64)],
      ['SADD', 'l', 'y'.repeat(65)], ['SISMEMBER', 'l', 'y'.repeat(65)], 'SCARD l', 'OBJECT ENCODING l');
    await same('SADD i 3 1 2', 'SADD i a', 'OBJECT ENCODING i', 'SREM i a', 'OBJECT ENCODING i', 'SADD i 0');
    await sameSorted('SMEMBERS p', 'SMEMBERS l', 'SMEMBERS i', 'SRANDMEMBER p 1000', 'SRANDMEMBER i 10');
    await same('DEBUG DIGEST-VALUE p l i', 'DEBUG DIGEST');
  });

  it('SREM and SPOP down to empty, the key going with its last member', async () => {
    await same(['SADD', 'a', ...names(20)], ['SREM', 'a', ...names(5), 'nosuch'], 'SCARD a', ['SREM', 'a', ...names(15, 5)], 'EXISTS a');
    await same(['SADD', 'b', ...names(10)], 'SADD c x y z');
    for (let i = 0; i < 10; i++) await both('SPOP b');
    await same('EXISTS b', 'SCARD b');
    await both('SPOP c 2');
    await same('SCARD c', 'OBJECT ENCODING c');
    await both('SPOP c 5');
    await same('EXISTS c', ['SADD', 'd', ...names(40)]);
    // CASE 2 (random pops), CASE 3 (the few kept move to a new set), then CASE 1 (the rest).
    const popped: string[] = [];
    for (const n of [5, 33, 2]) {
      await pair.r.call('SPOP', 'd', n);
      popped.push(...((await mine(`SPOP d ${n}`)) as string[]));
      await same('SCARD d', 'OBJECT ENCODING d');
    }
    expect(popped.sort()).toEqual(names(40).sort());
    await same('EXISTS d');
  });

  it('SINTERSTORE SUNIONSTORE SDIFFSTORE results, SMOVE and COPY, in and past the limits', async () => {
    await same(['SADD', 'a', ...names(100), '7'], ['SADD', 'b', ...names(100, 50), '7', '8'], 'SADD n 7 8 9', ['SADD', 'w', 'z'.repeat(65), 'member:1']);
    await same('SINTERSTORE r1 a b', 'OBJECT ENCODING r1', 'SUNIONSTORE r2 a b', 'OBJECT ENCODING r2', 'SDIFFSTORE r3 a b n',
      'OBJECT ENCODING r3', 'SINTERSTORE r4 a n', 'OBJECT ENCODING r4', 'SUNIONSTORE r5 n w', 'OBJECT ENCODING r5',
      'SDIFFSTORE r6 n a', 'OBJECT ENCODING r6', 'SINTERSTORE r7 w a', 'SINTERCARD 2 a b', 'SINTERCARD 2 a b LIMIT 3');
    await sameSorted('SMEMBERS r1', 'SMEMBERS r2', 'SMEMBERS r3', 'SMEMBERS r4', 'SMEMBERS r5', 'SMEMBERS r6', 'SMEMBERS r7',
      'SINTER a b n', 'SUNION a w', 'SDIFF b a');
    await same('SMOVE a n member:0', 'OBJECT ENCODING n', 'SMOVE n a member:0', 'SMOVE w e member:1', 'OBJECT ENCODING e',
      'SREM a member:0', 'SREM a 7', 'SADD hi a 1 2', 'SREM hi a', 'COPY hi c', 'OBJECT ENCODING c', 'COPY a c2',
      'OBJECT ENCODING c2', 'COPY r2 c3', 'OBJECT ENCODING c3');
    await sameSorted('SMEMBERS n', 'SMEMBERS e', 'SMEMBERS c', 'SMEMBERS c2', 'SMEMBERS c3');
    await same('DEBUG DIGEST');
  });

  it('SSCAN of a packed set past 16 members walks with cursors and gives every stable member', async () => {
    await same(['SADD', 'h', ...names(100)]);
    const seen = new Set<string>();
    let cursor = '0';
    let step = 0;
    do {
      const [next, items] = (await mine(['SSCAN', 'h', cursor, 'COUNT', 10])) as [string, string[]];
      for (const m of items) seen.add(m);
      await mine(['SADD', 'h', `extra${step}`]);
      await mine(['SREM', 'h', `extra${step - 1}`, `member:${99 - step}`]);
      cursor = next;
      step++;
    } while (cursor !== '0');
    expect(step).toBeGreaterThan(5);
    for (let i = 0; i < 100 - step; i++) expect(seen.has(`member:${i}`)).toBe(true);
  });
});
