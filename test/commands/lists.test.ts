// List commands: every reply of redstate compared with redis-server 7.0's for the same
// command sequence (every command and option, every error text, WRONGTYPE, binary values,
// lists emptied by a command disappearing), plus a seeded random walk over the ring buffer's
// in-place edits (wrap-around, growing, shrinking).
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

/** 'LPUSH k a b' as words. */
const w = (line: string): string[] => line.split(' ');

describe('LPUSH RPUSH LPUSHX RPUSHX LLEN', () => {
  it('pushes at both ends, in argument order', async () => {
    await same(w('LPUSH l a b c'), w('RPUSH l d e'), w('LRANGE l 0 -1'), w('LLEN l'), w('LLEN nokey'),
      w('lpush l x'), w('LINDEX l 0'), w('OBJECT ENCODING l'), w('TYPE l'));
  });

  it('the X variants push only onto an existing list', async () => {
    await same(w('LPUSHX l a'), w('RPUSHX l a b'), w('EXISTS l'), w('RPUSH l m'), w('LPUSHX l a b'), w('RPUSHX l y z'),
      w('LRANGE l 0 -1'));
  });

  it('arity errors', async () => {
    await same(w('LPUSH l'), w('RPUSH'), w('LPUSHX l'), w('LLEN'), w('LLEN a b'), w('LRANGE l 0'), w('LINSERT l BEFORE a'),
      w('LMOVE a b LEFT'), w('RPOPLPUSH a'), w('LPOS l'), w('LPOP'), w('RPOP l 1 2'), w('LPOP l 1 2 3'));
  });
});

describe('LPOP RPOP', () => {
  it('pop one element, or null', async () => {
    await same(w('RPUSH l a b c'), w('LPOP l'), w('RPOP l'), w('LPOP l'), w('LPOP l'), w('RPOP l'), w('EXISTS l'));
  });

  it('with a count: arrays, null array for no key, empty array for 0, errors for negatives', async () => {
    await same(w('LPOP nokey 0'), w('LPOP nokey 3'), w('RPOP nokey -1'), w('LPOP nokey abc'), w('RPUSH l a b c d e'),
      w('LPOP l 0'), w('LPOP l -1'), w('RPOP l abc'), w('LPOP l 1.5'), ['LPOP', 'l', MAX + '0'], ['LPOP', 'l', MIN],
      w('LPOP l 2'), w('RPOP l 2'), w('RPOP l 1'), w('EXISTS l'), w('RPUSH l x y'), w('RPOP l 10'), w('EXISTS l'),
      w('LPOP l 0'), ['LPOP', 'l', MAX]);
  });

  it('big counts on a long list', async () => {
    const items = Array.from({ length: 300 }, (_, i) => `i${i}`);
    await same(['RPUSH', 'l', ...items], w('LPOP l 120'), w('RPOP l 100'), w('LLEN l'), w('LRANGE l 0 -1'), w('LPOP l 1000'),
      w('EXISTS l'));
  });
});

describe('LRANGE LINDEX', () => {
  it('every kind of range', async () => {
    await same(w('RPUSH l a b c d e f'));
    const ends = ['0', '1', '3', '5', '6', '100', '-1', '-2', '-6', '-7', '-100', MAX, MIN];
    for (const s of ends) for (const e of ends) await same(['LRANGE', 'l', s, e]);
    await same(w('LRANGE nokey 0 -1'), w('LRANGE l a 1'), w('LRANGE l 0 b'), w('LRANGE nokey a b'), w('LRANGE l 1.0 2'));
  });

  it('LINDEX in and out of range; the key is looked up before the index is parsed', async () => {
    await same(w('RPUSH l a b c'));
    for (const i of ['0', '2', '3', '-1', '-3', '-4', MAX, MIN, 'abc', '1.5']) await same(['LINDEX', 'l', i]);
    await same(w('LINDEX nokey abc'), w('LINDEX nokey 0'));
  });
});

describe('LSET LREM LTRIM LINSERT', () => {
  it('LSET', async () => {
    await same(w('LSET nokey 0 x'), w('LSET nokey abc x'), w('RPUSH l a b c'), w('LSET l 0 A'), w('LSET l -1 C'),
      w('LSET l 3 x'), w('LSET l -4 x'), w('LSET l abc x'), ['LSET', 'l', MAX, 'x'], w('LRANGE l 0 -1'));
  });

  it('LREM from the head, from the tail, every one', async () => {
    const fill = w('RPUSH l a b a c a b a');
    for (const n of ['0', '1', '2', '-1', '-2', '3', '-3', '100', '-100']) {
      await same(w('DEL l'), fill, ['LREM', 'l', n, 'a'], w('LRANGE l 0 -1'), ['LREM', 'l', n, 'zz']);
    }
    await same(w('LREM l abc a'), w('LREM nokey 0 a'), w('LREM nokey x a'), w('DEL l'), w('RPUSH l a a'), w('LREM l 0 a'),
      w('EXISTS l'), w('RPUSH l a b'), w('LREM l -5 a'), w('LREM l 1 b'), w('EXISTS l'));
  });

  it('LTRIM', async () => {
    const fill = w('RPUSH l a b c d e f');
    const ranges = [['0', '-1'], ['1', '-2'], ['2', '2'], ['0', '0'], ['-1', '-1'], ['3', '1'], ['6', '10'], ['-100', '1'],
      ['1', '100'], ['-3', '-100'], [MIN, MAX]];
    for (const [s, e] of ranges) await same(w('DEL l'), fill, ['LTRIM', 'l', s!, e!], w('LRANGE l 0 -1'), w('EXISTS l'));
    await same(w('LTRIM nokey 0 1'), w('LTRIM nokey a 1'), w('LTRIM l 0 b'), w('EXISTS nokey'));
  });

  it('LINSERT', async () => {
    await same(w('LINSERT nokey BEFORE a x'), w('LINSERT nokey foo a x'), w('RPUSH l a b c'), w('LINSERT l before a x'),
      w('LINSERT l AFTER c y'), w('LINSERT l After b z'), w('LINSERT l BEFORE nope q'), w('LINSERT l middle a q'),
      w('RPUSH l a'), w('LINSERT l AFTER a dup'), w('LRANGE l 0 -1'));
  });
});

describe('RPOPLPUSH LMOVE', () => {
  it('every direction, a new destination, and rotation of one list', async () => {
    await same(w('RPUSH src a b c d'));
    for (const [from, to] of [['LEFT', 'LEFT'], ['LEFT', 'RIGHT'], ['RIGHT', 'LEFT'], ['right', 'right']]) {
      await same(['LMOVE', 'src', 'dst', from!, to!], w('LRANGE src 0 -1'), w('LRANGE dst 0 -1'));
    }
    await same(w('EXISTS src'), w('RPUSH r 1 2 3'), w('LMOVE r r LEFT RIGHT'), w('RPOPLPUSH r r'), w('LRANGE r 0 -1'),
      w('RPUSH one x'), w('LMOVE one one RIGHT LEFT'), w('LRANGE one 0 -1'), w('RPOPLPUSH one other'), w('EXISTS one'),
      w('LRANGE other 0 -1'));
  });

  it('errors: no source, wrong types, bad directions', async () => {
    await same(w('SET s v'), w('RPOPLPUSH nokey s'), w('LMOVE nokey s LEFT LEFT'), w('RPUSH l a'), w('RPOPLPUSH l s'),
      w('LMOVE l s LEFT RIGHT'), w('LRANGE l 0 -1'), w('RPOPLPUSH s l'), w('LMOVE l x UP LEFT'), w('LMOVE l x LEFT DOWN'),
      w('LMOVE nokey x foo LEFT'), w('LRANGE l 0 -1'));
  });
});

describe('LPOS', () => {
  it('RANK COUNT MAXLEN, from both ends', async () => {
    await same(w('RPUSH l a b c a b c a'));
    const options = [[], ['RANK', '1'], ['RANK', '2'], ['RANK', '-1'], ['RANK', '-3'], ['RANK', '4'], ['COUNT', '0'],
      ['COUNT', '1'], ['COUNT', '2'], ['COUNT', '10'], ['MAXLEN', '0'], ['MAXLEN', '1'], ['MAXLEN', '4'],
      ['RANK', '2', 'COUNT', '0'], ['RANK', '-2', 'COUNT', '2'], ['RANK', '-1', 'MAXLEN', '3', 'COUNT', '0'],
      ['COUNT', '0', 'MAXLEN', '5', 'RANK', '2'], ['rank', '1', 'RANK', '-1'], ['RANK', MIN], ['RANK', MIN, 'COUNT', '0'],
      ['RANK', MAX]];
    for (const opts of options) for (const el of ['a', 'c', 'z']) await same(['LPOS', 'l', el, ...opts]);
  });

  it('errors, and a missing key', async () => {
    await same(w('LPOS nokey a'), w('LPOS nokey a COUNT 0'), w('RPUSH l a'));
    for (const opts of [['RANK', '0'], ['RANK', 'x'], ['COUNT', '-1'], ['COUNT', 'x'], ['MAXLEN', '-1'], ['MAXLEN', 'x'],
      ['FOO'], ['COUNT'], ['RANK', '1', 'MAXLEN'], ['COUNT', MAX + '1']]) {
      await same(['LPOS', 'l', 'a', ...opts], ['LPOS', 'nokey', 'a', ...opts]);
    }
  });
});

describe('types and bytes', () => {
  it('WRONGTYPE from every list command, the list left alone by a failed LMOVE', async () => {
    await same(w('SET s v'), w('HSET h f v'));
    for (const key of ['s', 'h']) {
      await same(['LPUSH', key, 'a'], ['RPUSH', key, 'a'], ['LPUSHX', key, 'a'], ['RPUSHX', key, 'a'], ['LPOP', key],
        ['RPOP', key, '2'], ['LPOP', key, '0'], ['LLEN', key], ['LRANGE', key, '0', '-1'], ['LINDEX', key, '0'],
        ['LSET', key, '0', 'x'], ['LREM', key, '0', 'x'], ['LTRIM', key, '0', '1'], ['LINSERT', key, 'BEFORE', 'a', 'b'],
        ['RPOPLPUSH', key, 'x'], ['LMOVE', key, 'x', 'LEFT', 'LEFT'], ['LPOS', key, 'a'], ['LPOS', key, 'a', 'COUNT', '0']);
    }
  });

  it('binary values in every command', async () => {
    const parts = [BINARY, BINARY.slice(0, 10), '', '\r\n', BINARY.slice(128)];
    await same(['RPUSH', 'b', ...parts], ['LPUSH', 'b', BINARY], w('LRANGE b 0 -1'), ['LPOS', 'b', BINARY, 'COUNT', '0'],
      ['LREM', 'b', '1', BINARY], ['LINSERT', 'b', 'AFTER', '', BINARY], ['LSET', 'b', '0', '\x00'], w('LINDEX b 0'),
      w('LRANGE b 0 -1'), ['LMOVE', 'b', BINARY, 'RIGHT', 'LEFT'], ['LRANGE', BINARY, '0', '-1'], w('LPOP b 10'), w('EXISTS b'));
  });
});

describe('both bodies under a random walk', () => {
  /** mulberry32: the same walk on every run. */
  function random(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /**
   * Pushes, pops, inserts, removals, trims and moves on lists that stay packed (up to 128
   * elements), cross into a ring (more, or an element that passes 8 KB) and shrink again.
   */
  async function walk(seed: number, maxPush: number, trimTo: number): Promise<void> {
    const rnd = random(seed);
    const pick = (n: number): number => Math.floor(rnd() * n);
    const val = (): string => (pick(200) === 0 ? 'L'.repeat(3000) : 'abcde'[pick(5)]!);
    const int = (): string => String(pick(41) - 20);
    const key = (): string => (pick(4) === 0 ? 'm' : 'l');
    const ops: Array<() => string[]> = [
      () => ['LPUSH', key(), ...Array.from({ length: 1 + pick(maxPush) }, val)],
      () => ['RPUSH', key(), ...Array.from({ length: 1 + pick(maxPush) }, val)],
      () => ['LPOP', key(), String(pick(8))],
      () => ['RPOP', key()],
      () => ['LINSERT', key(), rnd() < 0.5 ? 'BEFORE' : 'AFTER', val(), 'ins'],
      () => ['LREM', key(), String(pick(7) - 3), val()],
      () => ['LTRIM', key(), int(), String(pick(trimTo) - 5)],
      () => ['LSET', key(), int(), 'set'],
      () => ['LMOVE', key(), key(), rnd() < 0.5 ? 'LEFT' : 'RIGHT', rnd() < 0.5 ? 'LEFT' : 'RIGHT'],
      () => ['LPOS', key(), val(), 'RANK', String(pick(2) === 0 ? 1 + pick(3) : -1 - pick(3)), 'COUNT', String(pick(3))],
      () => ['LINDEX', key(), int()],
    ];
    const cmds: Arg[][] = [];
    for (let i = 0; i < 1000; i++) {
      cmds.push(ops[pick(ops.length)]!());
      if (i % 5 === 0) cmds.push(['LRANGE', key(), '0', '-1']);
    }
    // Pipelined on both sides, compared at the end: fast, and the first difference still shows.
    const all = async (c: RespClient): Promise<unknown[]> => (await Promise.all(cmds.map((x) => c.call(...x)))).map(show);
    const [wr, gr] = await Promise.all([all(want), all(got)]);
    for (let i = 0; i < cmds.length; i++) expect(gr[i], `${i}: ${cmds[i]!.join(' ').slice(0, 100)}`).toEqual(wr[i]);
  }

  it('short lists', async () => {
    await walk(42, 20, 60);
  });

  it('lists crossing 128 elements', async () => {
    await walk(7, 120, 400);
  });
});
