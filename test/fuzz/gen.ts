// The fuzzer's seeded choices: a small keyspace and pools of values, numbers, indexes, scores
// and options chosen to land on the boundaries where implementations differ (int64 limits,
// inf/nan, empty and binary strings, encoding thresholds).

/** Every byte value once. */
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
const MAX = '9223372036854775807';
const MIN = '-9223372036854775808';

/** Few keys, so that commands meet each other's values (and WRONGTYPE). */
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k0', 'k1', 'k2', '', 'k\x00\xff', '{t}k'];

/** Collection members: short, numeric (intsets), long (past listpack value limits), binary. */
const MEMBERS = [
  'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '1', '2', '3', '10', '-5', '0', '1.5', '', '\x00', 'a\r\nb',
  '100000', '4294967296', MAX, MIN, 'x'.repeat(70), 'é', 'A', 'aa', 'ab', 'b\x00', '7', '8',
];

const VALUES = [
  ...MEMBERS, '', ' 1', '1 ', '+1', '-0', '01', '0x10', '3.0', '1e3', '1e308', '-1e308', 'inf', '-inf', 'nan',
  '9223372036854775808', '-9223372036854775809', '18446744073709551616', '0.1', '17.5e-3', '5.0e3',
  'hello world', 'x'.repeat(200), BINARY,
];

const INTS = [
  '0', '1', '-1', '2', '3', '5', '10', '-10', '100', '1000', MAX, MIN, '9223372036854775806', '-9223372036854775807',
  '9223372036854775808', '-9223372036854775809', '4611686018427387904', '2147483647', '2147483648', '-2147483649',
  '4294967295', 'abc', '', '1.5', ' 1', '1e3', '0x1',
];

const FLOATS = ['0', '1', '-1', '1.5', '-2.25', '0.1', '1e308', '-1e308', '1e-320', 'inf', '-inf', '+inf', 'nan',
  '3', '5e3', '1.7976931348623157e308', '  1', 'abc', '', '10.5', '1e400', '0x10', '2.5e-5'];

const INDEXES = ['0', '1', '2', '-1', '-2', '3', '-3', '10', '-10', '100', MAX, MIN, '2147483648', '-2147483649',
  '9223372036854775808', 'x', '1.0', '4294967296'];

const SCORES = ['0', '1', '2', '-1', '1.5', '(1', '(2', '-inf', '+inf', 'inf', '(-inf', '(+inf', 'nan', 'abc', '(',
  '1e308', '-1e308', '3', '10', '(0', '-0', '5e-1'];

const LEX = ['-', '+', '[a', '(a', '[b', '(c', '[', '(', 'a', '[\x00', '[zz', '(1', '[10', '+inf', '[e'];

/**
 * Expire times in seconds or ms: far future, past, zero, overflowing, invalid; never soon
 * (timing). No two huge ones closer than 2^53 allows: redstate holds expire times as doubles.
 */
const EXPIRES = ['100000', '200000', '-1', '0', '-100', MAX, MIN, '9223372036854776', '92233720368547758',
  '2147483648', '1e3', 'abc', '', '999999999999', '4102444800'];

/** Junk words a mutation inserts: the option keywords of many commands, numbers and empty. */
const JUNK = ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'COUNT', 'MATCH', 'TYPE', 'LIMIT', 'WITHSCORES', 'REV', 'BYSCORE',
  'BYLEX', 'EX', 'PX', 'KEEPTTL', 'GET', 'LEFT', 'RIGHT', 'BEFORE', 'AFTER', 'RANK', 'MAXLEN', 'WEIGHTS',
  'AGGREGATE', 'SUM', 'MIN', 'MAX', 'REPLACE', 'DB', 'WITHVALUES', '0', '-1', '1', '', MAX, 'x', '*'];

export type Arg = string;

/** A seeded source of command arguments (mulberry32). */
export class Gen {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  rnd(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.rnd() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** n results of f, n in [min, max]. */
  many(min: number, max: number, f: () => Arg): Arg[] {
    return Array.from({ length: this.range(min, max) }, f);
  }

  /** Each of the given option groups, present or not, in order. */
  opts(...groups: Array<() => Arg[]>): Arg[] {
    return groups.flatMap((g) => (this.chance(0.3) ? g() : []));
  }

  key = (): Arg => this.pick(KEYS);
  keys = (min = 1, max = 3): Arg[] => this.many(min, max, this.key);
  member = (): Arg => (this.chance(0.1) ? String(this.range(0, 40)) : this.pick(MEMBERS));
  members = (min = 1, max = 6): Arg[] => this.many(min, max, this.member);
  value = (): Arg => (this.chance(0.3) ? String(this.range(-20, 20)) : this.pick(VALUES));
  int64 = (): Arg => (this.chance(0.4) ? String(this.range(-5, 30)) : this.pick(INTS));
  float = (): Arg => this.pick(FLOATS);
  index = (): Arg => (this.chance(0.4) ? String(this.range(-6, 6)) : this.pick(INDEXES));
  count = (): Arg => (this.chance(0.6) ? String(this.range(-6, 12)) : this.pick(INDEXES));
  /** Counts for random picks: a huge negative one asks for that many picks (a huge reply, from Redis too). */
  pickCount = (): Arg => (this.chance(0.8) ? String(this.range(-6, 12)) : this.pick([MAX, MIN, 'x', '1.5', '-0']));
  score = (): Arg => (this.chance(0.3) ? String(this.range(-3, 10)) : this.pick(SCORES));
  lex = (): Arg => (this.chance(0.5) ? this.pick(['[', '(']) + this.member() : this.pick(LEX));
  expire = (): Arg => this.pick(EXPIRES);
  /** A future unix time in seconds far enough away that no key expires during a run. */
  unixTime = (): Arg => (this.chance(0.6) ? String(Math.floor(Date.now() / 1000) + 100000 + this.int(1000)) : this.expire());
  pattern = (): Arg => this.pick(['*', 'k*', '*0', 'k?', 'k[0-2]', '[^k]*', 'a*', '*a*b*', '\\*', '', '?', 'k[', '*[a-c]']);
  junk = (): Arg => (this.chance(0.5) ? this.pick(JUNK) : this.value());

  /** A few generated arguments changed at random: dropped, repeated, replaced or junk added. */
  mutate(args: Arg[]): Arg[] {
    const out = args.slice();
    const n = this.range(1, 2);
    for (let i = 0; i < n; i++) {
      const at = 1 + this.int(Math.max(out.length - 1, 1));
      switch (this.int(4)) {
        case 0: if (out.length > 1) out.splice(at, 1); break;
        case 1: out.splice(at, 0, out[at] ?? this.junk()); break;
        case 2: if (at < out.length) out[at] = this.junk(); break;
        default: out.splice(at, 0, this.junk());
      }
    }
    return out;
  }
}
