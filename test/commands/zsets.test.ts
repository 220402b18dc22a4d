// Sorted-set commands: every reply of redstate compared with redis-server 7.0's for the same
// command sequence (every command and option, the 7.0 error texts, WRONGTYPE, binary
// members, -inf/+inf and %.17g scores, empty sets disappearing), on small (listpack) and
// large (skiplist) sets alike, and OBJECT ENCODING at the thresholds. Random replies
// (ZRANDMEMBER, ZSCAN of a large set) are checked for their shape and content.
import { afterAll, describe, expect, it } from 'vitest';
import { BINARY, sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same, mine } = pair;

/** ZADD key of n members m0.. with scores i % mod, on both servers. */
async function fill(key: string, n: number, mod = 1e9): Promise<void> {
  const args = Array.from({ length: n }, (_, i) => [i % mod, `m${i}`]).flat();
  await same(['ZADD', key, ...args]);
}

describe('ZADD and ZINCRBY', () => {
  it('options, flags and their errors', async () => {
    await same(
      'ZADD z 1 a 2 b 3 c', 'ZADD z 1 a', 'ZADD z CH 10 a 20 b 4 d', 'ZADD z XX CH 11 a 12 new', 'ZADD z NX 0 a 0 e',
      'ZADD z GT CH 1 a 100 b', 'ZADD z LT CH 1 a 200 b', 'ZADD z XX GT 300 b', 'ZADD z xx lt ch 0 b',
      'ZRANGE z 0 -1 WITHSCORES',
      'ZADD z NX XX 1 a', 'ZADD z GT LT 1 a', 'ZADD z GT NX 1 a', 'ZADD z LT NX 1 a', 'ZADD z INCR 1 a 2 b',
      'ZADD z 1 a 2', 'ZADD z NX XX', 'ZADD z abc a', 'ZADD z nan a', 'ZADD z 1e400 a', 'ZADD z 1e-400 a',
      ['ZADD', 'z', ' 1', 'a'], ['ZADD', 'z', '1 ', 'a'], 'ZADD z 0x10 hex', 'ZADD z 5e-324 tiny', 'ZADD z .5 half',
      'ZADD z INCR 5 a', 'ZADD z INCR NX 5 a', 'ZADD z INCR XX 5 nosuch', 'ZADD z INCR GT -100 a',
      'ZADD z INCR inf a', 'ZADD z INCR -inf a', 'ZADD z INCR +inf a', 'ZSCORE z a',
      'ZADD z XX 1 x', 'ZADD missing XX 1 x', 'ZADD missing XX INCR 1 x', 'EXISTS missing',
      'ZADD z infinity i -Infinity j', 'ZRANGE z 0 -1 WITHSCORES',
    );
  });

  it('ZINCRBY, %.17g scores, -0', async () => {
    await same(
      'ZINCRBY z 1.1 a', 'ZINCRBY z 0.2 a', 'ZINCRBY z -1e300 a', 'ZINCRBY z 1e300 a', 'ZSCORE z a',
      'ZINCRBY z abc a', 'ZINCRBY z nx a', 'ZINCRBY z inf a', 'ZINCRBY z -inf a', 'ZSCORE z a',
      'ZINCRBY z2 -0 m', 'ZSCORE z2 m', 'ZADD z3 -0 m', 'ZSCORE z3 m', 'ZADD z3 0 m', 'ZADD z3 CH -0 m',
      ['ZADD', 'long', '-0', 'x'.repeat(65)], ['ZSCORE', 'long', 'x'.repeat(65)],
      'ZADD z4 0.1 a 3.0000000000000004 b 1e21 c 1e-5 d 123456789.123 e', 'ZRANGE z4 0 -1 WITHSCORES',
    );
  });

  it('binary members and WRONGTYPE', async () => {
    await same(
      ['ZADD', 'bin', 1, BINARY, 2, '', 3, 'a\r\nb'], ['ZSCORE', 'bin', BINARY], ['ZRANK', 'bin', ''],
      'ZRANGE bin 0 -1 WITHSCORES', ['ZREM', 'bin', BINARY, 'a\r\nb'], 'ZRANGE bin 0 -1',
      'SET str v', 'ZADD str 1 a', 'ZINCRBY str 1 a', 'SADD s a', 'ZADD s 1 a',
    );
    const commands = [
      'ZADD k 1 a', 'ZINCRBY k 1 a', 'ZREM k a', 'ZCARD k', 'ZSCORE k a', 'ZMSCORE k a', 'ZRANK k a', 'ZREVRANK k a',
      'ZCOUNT k 0 1', 'ZLEXCOUNT k - +', 'ZRANGE k 0 1', 'ZRANGESTORE d k 0 1', 'ZREVRANGE k 0 1', 'ZRANGEBYSCORE k 0 1',
      'ZREVRANGEBYSCORE k 1 0', 'ZRANGEBYLEX k - +', 'ZREVRANGEBYLEX k + -', 'ZREMRANGEBYRANK k 0 1',
      'ZREMRANGEBYSCORE k 0 1', 'ZREMRANGEBYLEX k - +', 'ZPOPMIN k', 'ZPOPMAX k 2', 'ZMPOP 1 k MIN', 'ZRANDMEMBER k',
      'ZRANDMEMBER k 2', 'ZSCAN k 0', 'ZUNION 1 k', 'ZINTER 1 k', 'ZDIFF 1 k', 'ZUNIONSTORE d 1 k', 'ZINTERSTORE d 1 k',
      'ZDIFFSTORE d 1 k', 'ZINTERCARD 1 k',
    ];
    await same('SET k v', ...commands);
  });
});

/**
 * A seeded walk of ZADD (every valid mix of NX XX GT LT CH INCR, several pairs at once),
 * ZINCRBY and ZREM over a few thousand members and few distinct scores: members move within
 * a leaf of the tree, across leaves and to the ends, ties are ordered by member bytes.
 */
function randomZaddWalk(seed: number, n: number): string[][] {
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const member = (): string => `m${Math.floor(rnd() * 3000)}`;
  const score = (): string => (rnd() < 0.9 ? String(Math.floor(rnd() * 40)) : pick(['-0', '0.5', '-1.25', 'inf', '-inf', '1e-300']));
  const flags = [[], [], ['CH'], ['NX'], ['XX'], ['GT'], ['LT'], ['XX', 'GT', 'CH'], ['XX', 'LT'], ['NX', 'CH'], ['INCR'], ['XX', 'INCR'], ['GT', 'INCR']];
  const cmds: string[][] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.08) {
      cmds.push(['ZREM', 'z', member(), member()]);
    } else if (r < 0.18) {
      cmds.push(['ZINCRBY', 'z', pick(['1', '-1', '2.5', '10']), member()]);
    } else {
      const f = pick(flags);
      const pairs = f.includes('INCR') ? 1 : 1 + Math.floor(rnd() * 3);
      cmds.push(['ZADD', 'z', ...f, ...Array.from({ length: pairs }, () => [score(), member()]).flat()]);
    }
  }
  return cmds;
}

describe('a random ZADD workload on a skiplist', () => {
  it('leaves the same set as redis: ranks, scores, ranges and DEBUG DIGEST', async () => {
    const cmds = randomZaddWalk(21, 12_000);
    await pair.samePipelined(cmds);
    expect(await mine('OBJECT ENCODING z')).toBe('skiplist');
    const probes: string[][] = [['ZCARD', 'z'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['DEBUG', 'DIGEST-VALUE', 'z'], ['DEBUG', 'DIGEST']];
    for (let i = 0; i < 3000; i += 97) {
      probes.push(['ZRANK', 'z', `m${i}`], ['ZREVRANK', 'z', `m${i}`], ['ZSCORE', 'z', `m${i}`]);
    }
    for (const [min, max] of [['3', '7'], ['(3', '(7'], ['-inf', '0'], ['39', '+inf'], ['0.5', '0.5']]) {
      probes.push(['ZRANGE', 'z', min!, max!, 'BYSCORE', 'WITHSCORES'], ['ZREVRANGE', 'z', max!, min!, 'BYSCORE', 'LIMIT', '3', '20']);
    }
    probes.push(['ZRANGE', 'z', '[m1', '(m2', 'BYLEX', 'LIMIT', '0', '50'], ['ZRANGE', 'z', '100', '160'], ['ZRANGE', 'z', '-40', '-1', 'REV']);
    await pair.samePipelined(probes);
  });
});

describe('reading', () => {
  it('ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK on small and large sets, and missing keys', async () => {
    await fill('small', 10, 3);
    await fill('large', 300, 7);
    for (const k of ['small', 'large', 'missing']) {
      await same(
        `ZCARD ${k}`, `ZSCORE ${k} m5`, `ZSCORE ${k} nosuch`, `ZMSCORE ${k} m1 nosuch m9 m299`, `ZRANK ${k} m0`,
        `ZRANK ${k} m9`, `ZREVRANK ${k} m9`, `ZRANK ${k} m299`, `ZREVRANK ${k} m299`, `ZRANK ${k} nosuch`,
      );
    }
  });

  it('ZCOUNT and ZLEXCOUNT, ranges and their errors', async () => {
    await fill('small', 10, 4);
    await fill('large', 300, 20);
    await same(`ZADD lex ${['a', 'ab', 'b', 'ba', 'c', 'cc', 'd'].map((m) => `0 ${m}`).join(' ')}`);
    await same(`ZADD biglex ${Array.from({ length: 200 }, (_, i) => `0 w${String(i).padStart(3, '0')}`).join(' ')}`);
    for (const k of ['small', 'large', 'missing']) {
      await same(
        `ZCOUNT ${k} -inf +inf`, `ZCOUNT ${k} 1 2`, `ZCOUNT ${k} (1 (3`, `ZCOUNT ${k} (1 (1`, `ZCOUNT ${k} 3 1`,
        `ZCOUNT ${k} -inf (0`, `ZCOUNT ${k} 1e400 inf`, ['ZCOUNT', k, '', '('], ['ZCOUNT', k, ' 1', '2'],
        `ZCOUNT ${k} 0x1 0x2`, `ZCOUNT ${k} a 1`, `ZCOUNT ${k} 1 nan`, `ZCOUNT ${k} ((1 2`,
      );
    }
    for (const k of ['lex', 'biglex', 'missing']) {
      await same(
        `ZLEXCOUNT ${k} - +`, `ZLEXCOUNT ${k} [b (d`, `ZLEXCOUNT ${k} (a [c`, `ZLEXCOUNT ${k} [w050 (w100`,
        `ZLEXCOUNT ${k} + -`, `ZLEXCOUNT ${k} (b (b`, `ZLEXCOUNT ${k} [b [b`, `ZLEXCOUNT ${k} b c`,
        `ZLEXCOUNT ${k} -a +`, ['ZLEXCOUNT', k, '', '+'], `ZLEXCOUNT ${k} [ +`,
      );
    }
  });
});

describe('the ZRANGE family', () => {
  const queries = (k: string): string[] => [
    `ZRANGE ${k} 0 -1 WITHSCORES`, `ZRANGE ${k} 2 5`, `ZRANGE ${k} -3 -1 withscores`, `ZRANGE ${k} 5 2`,
    `ZRANGE ${k} -1000 1000`, `ZRANGE ${k} 0 2 REV WITHSCORES`, `ZREVRANGE ${k} 1 3 WITHSCORES`, `ZREVRANGE ${k} -2 -1`,
    `ZRANGE ${k} (1 3 BYSCORE WITHSCORES`, `ZRANGE ${k} 3 (1 BYSCORE REV`, `ZRANGE ${k} -inf +inf BYSCORE LIMIT 2 3`,
    `ZRANGE ${k} +inf -inf BYSCORE REV LIMIT 1 2 WITHSCORES`, `ZRANGE ${k} -inf +inf BYSCORE LIMIT 0 -1`,
    `ZRANGE ${k} -inf +inf BYSCORE LIMIT -1 5`, `ZRANGE ${k} -inf +inf BYSCORE LIMIT 1000 5`,
    `ZRANGE ${k} -inf +inf BYSCORE LIMIT 0 0`, `ZRANGE ${k} 2 1 BYSCORE`,
    `ZRANGEBYSCORE ${k} 1 3`, `ZRANGEBYSCORE ${k} (1 +inf WITHSCORES LIMIT 1 4`, `ZRANGEBYSCORE ${k} -inf (2`,
    `ZREVRANGEBYSCORE ${k} +inf -inf`, `ZREVRANGEBYSCORE ${k} 3 (1 WITHSCORES LIMIT 2 3`, `ZREVRANGEBYSCORE ${k} 1 3`,
  ];
  // Lex ranges are only defined over equal scores (else Redis's answer depends on its skiplist's random levels).
  const lexQueries = (k: string): string[] => [
    `ZRANGE ${k} - + BYLEX`, `ZRANGE ${k} [m1 (m3 BYLEX LIMIT 1 3`, `ZRANGE ${k} + - BYLEX REV LIMIT 0 4`,
    `ZRANGEBYLEX ${k} - +`, `ZRANGEBYLEX ${k} (m10 [m2`, `ZRANGEBYLEX ${k} - + LIMIT 3 -1`, `ZREVRANGEBYLEX ${k} [m5 -`,
    `ZREVRANGEBYLEX ${k} + (m1 LIMIT 2 2`, `ZRANGEBYLEX ${k} + -`,
  ];

  it('by rank, score and lex, on small and large sets and a missing key', async () => {
    await fill('small', 12, 4);
    await fill('large', 300, 5);
    await fill('lexsmall', 12, 1);
    await fill('lexlarge', 300, 1);
    for (const k of ['small', 'large', 'missing']) await same(...queries(k));
    for (const k of ['lexsmall', 'lexlarge', 'missing']) await same(...lexQueries(k));
  });

  it('syntax errors of 7.0', async () => {
    await fill('z', 5);
    await same(
      'ZRANGE z 0 -1 LIMIT 0 1', 'ZRANGE z - + BYLEX WITHSCORES', 'ZRANGE z 0 1 BYSCORE BYLEX', 'ZRANGE z 0 1 REV REV',
      'ZRANGE z 0 1 BYSCORE BYSCORE', 'ZRANGE z 0 1 FOO', 'ZRANGE z 0 1 LIMIT 0', 'ZRANGE z 0 1 BYSCORE LIMIT a 1',
      'ZRANGE z 0 1 BYSCORE LIMIT 0 b', 'ZRANGE z a 1', 'ZRANGE z 0 b', 'ZRANGE z a b BYSCORE', 'ZRANGE z a b BYLEX',
      'ZRANGEBYSCORE z 0 1 BYSCORE', 'ZRANGEBYSCORE z 0 1 REV', 'ZRANGEBYLEX z - + WITHSCORES', 'ZREVRANGE z 0 1 LIMIT 0 1',
      'ZREVRANGE z 0 1 REV', 'ZRANGEBYSCORE z (a 1', 'ZRANGEBYLEX z a b', 'ZRANGE z', 'ZRANGEBYSCORE z 1',
      'ZRANGE z 0 1 LIMIT 0 -1', 'ZRANGESTORE d z 0 1 WITHSCORES', 'ZRANGE missing a b BYSCORE',
    );
  });

  it('ZRANGESTORE: results, empty results delete the destination, encodings', async () => {
    await fill('large', 300, 50);
    await same(
      'ZRANGESTORE d large 0 9', 'ZRANGE d 0 -1 WITHSCORES', 'OBJECT ENCODING d',
      'ZRANGESTORE d large 0 127', 'OBJECT ENCODING d', 'ZRANGESTORE d large 0 128', 'OBJECT ENCODING d',
      'ZRANGESTORE d large (3 10 BYSCORE REV LIMIT 1 5', 'ZRANGE d 0 -1 WITHSCORES',
      'ZRANGESTORE d large - + BYLEX LIMIT 0 200', 'OBJECT ENCODING d', 'ZCARD d',
      'ZRANGESTORE d large 5 1', 'EXISTS d', 'ZRANGESTORE d large 0 1', 'ZRANGESTORE d missing 0 -1', 'EXISTS d',
      'SET str v', 'ZRANGESTORE str large 0 1', 'TYPE str', 'ZRANGESTORE d str 0 1',
    );
  });

  it('binary members and lex ranges over them', async () => {
    await same(['ZADD', 'b', 0, BINARY, 0, '\x00', 0, '\xff', 0, 'a', 0, '']);
    await same('ZRANGE b 0 -1', ['ZRANGEBYLEX', 'b', '(\x00', '[\xff'], ['ZRANGEBYLEX', 'b', '[', '(a'],
      ['ZREVRANGEBYLEX', 'b', '+', '(\x00'], ['ZLEXCOUNT', 'b', '(', '+']);
  });
});

describe('removing', () => {
  it('ZREM and the ZREMRANGEBY family, and an emptied set disappears', async () => {
    await fill('small', 10, 3);
    await fill('large', 300, 10);
    await same(`ZADD lex ${['a', 'b', 'c', 'd', 'e'].map((m) => `0 ${m}`).join(' ')}`);
    await same(
      'ZREM small m1 m1 nosuch m2', 'ZREM missing a', 'ZCARD small',
      'ZREMRANGEBYRANK small 0 1', 'ZREMRANGEBYRANK small -2 -1', 'ZREMRANGEBYRANK small 5 1', 'ZREMRANGEBYRANK small a 1',
      'ZRANGE small 0 -1 WITHSCORES', 'ZREMRANGEBYRANK small 0 -1', 'EXISTS small',
      'ZREMRANGEBYSCORE large (2 4', 'ZREMRANGEBYSCORE large 8 +inf', 'ZREMRANGEBYSCORE large a 1', 'ZCARD large',
      'ZREMRANGEBYRANK large 10 20', 'ZRANGE large 0 15 WITHSCORES', 'ZREMRANGEBYSCORE large -inf +inf', 'EXISTS large',
      'ZREMRANGEBYLEX lex (a [c', 'ZREMRANGEBYLEX lex a c', 'ZRANGE lex 0 -1', 'ZREMRANGEBYLEX lex - +', 'EXISTS lex',
      'ZREMRANGEBYRANK missing 0 1', 'ZREMRANGEBYSCORE missing 0 1', 'ZREMRANGEBYLEX missing - +',
      'ZADD one 1 a', 'ZREM one a b', 'EXISTS one', 'SADD one x',
    );
  });

  it('ZPOPMIN ZPOPMAX ZMPOP', async () => {
    await fill('small', 6, 2);
    await fill('large', 300, 9);
    await same(
      'ZPOPMIN small', 'ZPOPMAX small 2', 'ZPOPMIN small 0', 'ZPOPMIN small -1', 'ZPOPMIN small abc', 'ZPOPMIN small 1 2',
      'ZPOPMIN missing', 'ZPOPMIN missing 3', 'ZPOPMAX small 100', 'EXISTS small',
      'ZPOPMIN large 5', 'ZPOPMAX large 5', 'ZMPOP 1 large MIN', 'ZMPOP 2 missing large MAX COUNT 3', 'ZMPOP 1 missing MIN',
      'ZMPOP 0 large MIN', 'ZMPOP a large MIN', 'ZMPOP 1 large FOO', 'ZMPOP 1 large MIN COUNT 0', 'ZMPOP 1 large MIN COUNT',
      'ZMPOP 1 large MIN COUNT 1 COUNT 1', 'ZMPOP 5 large MIN', 'ZMPOP 1 large MAX COUNT 1000', 'EXISTS large',
    );
  });
});

describe('ZRANDMEMBER', () => {
  it('errors, missing keys, counts at least the size', async () => {
    await fill('small', 5, 2);
    await fill('large', 200, 7);
    await same(
      'ZRANDMEMBER missing', 'ZRANDMEMBER missing 3', 'ZRANDMEMBER missing 3 WITHSCORES', 'ZRANDMEMBER small 0',
      'ZRANDMEMBER small abc', 'ZRANDMEMBER small 1 foo', 'ZRANDMEMBER small 1 WITHSCORES x',
      'ZRANDMEMBER small -9223372036854775808', 'ZRANDMEMBER small 4611686018427387904 WITHSCORES',
      'ZRANDMEMBER small -4611686018427387904 WITHSCORES', 'ZRANDMEMBER small 5 WITHSCORES', 'ZRANDMEMBER small 100',
      'ZRANDMEMBER large 200 WITHSCORES',
    );
  });

  it('distinct members below the size, repeats with a negative count', async () => {
    await fill('small', 20, 3);
    await fill('large', 200, 7);
    for (const k of ['small', 'large']) {
      for (const n of [1, 3, 15, 150]) {
        const r = (await mine(`ZRANDMEMBER ${k} ${n} WITHSCORES`)) as string[];
        const size = k === 'small' ? 20 : 200;
        expect(r.length).toBe(2 * Math.min(n, size));
        const members = r.filter((_, i) => i % 2 === 0);
        expect(new Set(members).size).toBe(members.length);
        for (let i = 0; i < r.length; i += 2) expect(r[i + 1]).toBe(String(Number(r[i]!.slice(1)) % (k === 'small' ? 3 : 7)));
      }
      const rep = (await mine(`ZRANDMEMBER ${k} -50`)) as string[];
      expect(rep.length).toBe(50);
      expect(rep.every((m) => /^m\d+$/.test(m))).toBe(true);
      expect(typeof (await mine(`ZRANDMEMBER ${k}`))).toBe('string');
    }
  });
});

describe('ZUNION ZINTER ZDIFF and the STORE variants', () => {
  it('weights, aggregates, sets as inputs, errors', async () => {
    await same('ZADD a 1 x 2 y 3 z', 'ZADD b 10 y 20 z 30 w', 'SADD s x w q', 'SET str v');
    await fill('large', 200, 11);
    await same(
      'ZUNION 2 a b WITHSCORES', 'ZUNION 2 a b WEIGHTS 2 -1 WITHSCORES', 'ZUNION 3 a b s AGGREGATE MIN WITHSCORES',
      'ZUNION 2 a b AGGREGATE MAX WEIGHTS 0.5 inf WITHSCORES', 'ZUNION 2 a missing', 'ZUNION 1 missing',
      'ZINTER 2 a b WITHSCORES', 'ZINTER 2 a a WEIGHTS 2 3 WITHSCORES', 'ZINTER 2 a s WITHSCORES', 'ZINTER 2 a missing',
      'ZINTER 2 b large AGGREGATE SUM WITHSCORES', 'ZDIFF 2 a b WITHSCORES', 'ZDIFF 2 a a', 'ZDIFF 3 b a s WITHSCORES',
      'ZDIFF 1 missing', 'ZDIFF 2 large a', 'ZUNION 2 a large WITHSCORES',
      'ZUNION 2 a b WEIGHTS inf -inf WITHSCORES', 'ZUNION 1 a WEIGHTS 0 WITHSCORES', 'ZINTER 2 a b WEIGHTS inf -inf WITHSCORES',
      'ZUNION 0 a', 'ZUNION -1 a', 'ZUNION x a', 'ZUNION 3 a b', 'ZUNION 2 a b WEIGHTS 1', 'ZUNION 2 a b WEIGHTS 1 x',
      'ZUNION 2 a b AGGREGATE', 'ZUNION 2 a b AGGREGATE AVG', 'ZUNION 2 a b FOO', 'ZDIFF 2 a b WEIGHTS 1 1',
      'ZDIFF 2 a b AGGREGATE MIN', 'ZUNION 2 a str', 'ZINTER 2 str missing WEIGHTS x', 'ZUNIONSTORE d 0 a',
      'ZUNIONSTORE d 2 a b WITHSCORES', 'ZINTERCARD 0 a', 'ZINTERCARD 2 a b', 'ZINTERCARD 2 a b LIMIT 1',
      'ZINTERCARD 2 a b LIMIT -1', 'ZINTERCARD 2 a b LIMIT x', 'ZINTERCARD 2 a b WEIGHTS 1 1', 'ZINTERCARD 1 large LIMIT 5',
    );
  });

  it('the STORE variants, their encodings and empty results', async () => {
    await same('ZADD a 1 x 2 y 3 z', 'ZADD b 10 y 20 z 30 w', 'ZADD zero 0 x');
    await fill('large', 200, 11);
    await same(
      'ZUNIONSTORE d 2 a b WEIGHTS 1 2', 'ZRANGE d 0 -1 WITHSCORES', 'OBJECT ENCODING d',
      'ZINTERSTORE d 2 a b AGGREGATE MAX', 'ZRANGE d 0 -1 WITHSCORES', 'ZDIFFSTORE d 2 b a', 'ZRANGE d 0 -1 WITHSCORES',
      'ZUNIONSTORE d 2 large a', 'OBJECT ENCODING d', 'ZINTERSTORE d 2 large large', 'OBJECT ENCODING d',
      'ZDIFFSTORE d 2 large large', 'EXISTS d', 'ZUNIONSTORE d 2 a b', 'ZINTERSTORE d 2 a missing', 'EXISTS d',
      'ZUNIONSTORE a 2 a b', 'ZRANGE a 0 -1 WITHSCORES',
      'ZUNIONSTORE n 1 zero WEIGHTS -1', 'ZSCORE n x', 'ZUNION 1 zero WEIGHTS -1 WITHSCORES',
      ['ZADD', 'longzero', 0, 'x'.repeat(65)], 'ZUNION 1 longzero WEIGHTS -1 WITHSCORES',
    );
  });
});

describe('ZSCAN', () => {
  it('a listpack in one step, options and errors', async () => {
    await same('ZADD z 1.5 a 2.25 b inf c -inf d 3 ab');
    await same(
      'ZSCAN z 0', 'ZSCAN z 0 MATCH a*', 'ZSCAN z 0 COUNT 1', 'ZSCAN z 123', 'ZSCAN z x', 'ZSCAN z -1',
      'ZSCAN z 0 COUNT 0', 'ZSCAN z 0 COUNT x', 'ZSCAN z 0 FOO bar', 'ZSCAN z 0 MATCH', 'ZSCAN missing 0 FOO',
      'ZSCAN missing x',
    );
  });

  it('a skiplist, walked with cursors, gives every member once with its score', async () => {
    await fill('large', 500, 13);
    const seen = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, items] = (await mine(['ZSCAN', 'large', cursor, 'COUNT', 37])) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(500);
    for (const [m, s] of seen) expect(s).toBe(String(Number(m.slice(1)) % 13));
    const matched = (await mine('ZSCAN large 0 MATCH m1?? COUNT 1000')) as [string, string[]];
    expect(matched[1].length).toBe(200);
  });
});

describe('encodings', () => {
  afterAll(async () => {
    await same('CONFIG SET zset-max-listpack-entries 128', 'CONFIG SET zset-max-listpack-value 64');
  });

  it('listpack up to zset-max-listpack-entries and -value, then skiplist for good', async () => {
    await fill('z', 128);
    await same('OBJECT ENCODING z', 'ZADD z 1 one-more', 'OBJECT ENCODING z', 'ZREMRANGEBYRANK z 0 100',
      'OBJECT ENCODING z', ['ZADD', 'v', 1, 'x'.repeat(64)], 'OBJECT ENCODING v', ['ZADD', 'v', 1, 'y'.repeat(65)],
      'OBJECT ENCODING v', ['ZADD', 'w', 1, 'y'.repeat(65)], 'OBJECT ENCODING w');
    await same('CONFIG SET zset-max-listpack-entries 2', 'ZADD e 1 a 2 b', 'OBJECT ENCODING e', 'ZADD e 3 c',
      'OBJECT ENCODING e', 'ZUNIONSTORE u 1 e', 'OBJECT ENCODING u', 'ZRANGESTORE r e 0 1', 'OBJECT ENCODING r',
      'CONFIG SET zset-max-listpack-entries 0', 'ZADD f 1 a', 'OBJECT ENCODING f',
      'CONFIG SET zset-max-listpack-entries 128', 'CONFIG SET zset-max-listpack-value 3', 'ZADD g 1 abc',
      'OBJECT ENCODING g', 'ZADD g 1 abcd', 'OBJECT ENCODING g');
  });
});
