// List commands: every reply of redstate compared with redis-server 7.0's for the same
// command sequence (every command and option, every error text, WRONGTYPE, binary values,
// lists emptied by a command disappearing), plus a seeded random walk over the ring buffer's
// in-place edits (wrap-around, growing, shrinking).
import { describe, it } from 'vitest';
import { BINARY, MAX, MIN, sideBySide, type Arg } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same, samePipelined } = pair;

describe('LPUSH RPUSH LPUSHX RPUSHX LLEN', () => {
  it('pushes at both ends, in argument order', async () => {
    await same('LPUSH l a b c', 'RPUSH l d e', 'LRANGE l 0 -1', 'LLEN l', 'LLEN nokey',
      'lpush l x', 'LINDEX l 0', 'OBJECT ENCODING l', 'TYPE l');
  });

  it('the X variants push only onto an existing list', async () => {
    await same('LPUSHX l a', 'RPUSHX l a b', 'EXISTS l', 'RPUSH l m', 'LPUSHX l a b', 'RPUSHX l y z',
      'LRANGE l 0 -1');
  });

  it('arity errors', async () => {
    await same('LPUSH l', 'RPUSH', 'LPUSHX l', 'LLEN', 'LLEN a b', 'LRANGE l 0', 'LINSERT l BEFORE a',
      'LMOVE a b LEFT', 'RPOPLPUSH a', 'LPOS l', 'LPOP', 'RPOP l 1 2', 'LPOP l 1 2 3');
  });
});

describe('LPOP RPOP', () => {
  it('pop one element, or null', async () => {
    await same('RPUSH l a b c', 'LPOP l', 'RPOP l', 'LPOP l', 'LPOP l', 'RPOP l', 'EXISTS l');
  });

  it('with a count: arrays, null array for no key, empty array for 0, errors for negatives', async () => {
    await same('LPOP nokey 0', 'LPOP nokey 3', 'RPOP nokey -1', 'LPOP nokey abc', 'RPUSH l a b c d e',
      'LPOP l 0', 'LPOP l -1', 'RPOP l abc', 'LPOP l 1.5', ['LPOP', 'l', MAX + '0'], ['LPOP', 'l', MIN],
      'LPOP l 2', 'RPOP l 2', 'RPOP l 1', 'EXISTS l', 'RPUSH l x y', 'RPOP l 10', 'EXISTS l',
      'LPOP l 0', ['LPOP', 'l', MAX]);
  });

  it('big counts on a long list', async () => {
    const items = Array.from({ length: 300 }, (_, i) => `i${i}`);
    await same(['RPUSH', 'l', ...items], 'LPOP l 120', 'RPOP l 100', 'LLEN l', 'LRANGE l 0 -1', 'LPOP l 1000',
      'EXISTS l');
  });
});

describe('LRANGE LINDEX', () => {
  it('every kind of range', async () => {
    await same('RPUSH l a b c d e f');
    const ends = ['0', '1', '3', '5', '6', '100', '-1', '-2', '-6', '-7', '-100', MAX, MIN];
    for (const s of ends) for (const e of ends) await same(['LRANGE', 'l', s, e]);
    await same('LRANGE nokey 0 -1', 'LRANGE l a 1', 'LRANGE l 0 b', 'LRANGE nokey a b', 'LRANGE l 1.0 2');

  });

  it('ranges of a ring whose head wrapped, and packed elements long and short', async () => {
    const items = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `long${i}`.padEnd(70 + i, 'x') : `s${i}`));
    await same(['RPUSH', 'r', ...items], 'LPUSH r h1 h2 h3', ['RPUSH', 'p', ...items.slice(0, 20)]);
    for (const [s, e] of [['0', '-1'], ['0', '2'], ['2', '5'], ['-5', '-1'], ['100', '150'], ['199', '500']]) {
      await same(['LRANGE', 'r', s!, e!], ['LRANGE', 'p', s!, e!]);
    }
  });

  it('a ring of every short length (one and two digits, empty) past a reply chunk of 16 kB', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => 'y'.repeat(i % 64).replace(/^y/, String.fromCharCode(i % 256)));
    await same(['RPUSH', 'w', ...items], 'LPOP w 7');
    for (const [s, e] of [['0', '-1'], ['500', '-1'], ['0', '99']]) await same(['LRANGE', 'w', s!, e!]);
  });

  it('LINDEX in and out of range; the key is looked up before the index is parsed', async () => {
    await same('RPUSH l a b c');
    for (const i of ['0', '2', '3', '-1', '-3', '-4', MAX, MIN, 'abc', '1.5']) await same(['LINDEX', 'l', i]);
    await same('LINDEX nokey abc', 'LINDEX nokey 0');
  });
});

describe('LSET LREM LTRIM LINSERT', () => {
  it('LSET', async () => {
    await same('LSET nokey 0 x', 'LSET nokey abc x', 'RPUSH l a b c', 'LSET l 0 A', 'LSET l -1 C',
      'LSET l 3 x', 'LSET l -4 x', 'LSET l abc x', ['LSET', 'l', MAX, 'x'], 'LRANGE l 0 -1');
  });

  it('LREM from the head, from the tail, every one', async () => {
    const fill = 'RPUSH l a b a c a b a';
    for (const n of ['0', '1', '2', '-1', '-2', '3', '-3', '100', '-100']) {
      await same('DEL l', fill, ['LREM', 'l', n, 'a'], 'LRANGE l 0 -1', ['LREM', 'l', n, 'zz']);
    }
    await same('LREM l abc a', 'LREM nokey 0 a', 'LREM nokey x a', 'DEL l', 'RPUSH l a a', 'LREM l 0 a',
      'EXISTS l', 'RPUSH l a b', 'LREM l -5 a', 'LREM l 1 b', 'EXISTS l');
  });

  it('LTRIM', async () => {
    const fill = 'RPUSH l a b c d e f';
    const ranges = [['0', '-1'], ['1', '-2'], ['2', '2'], ['0', '0'], ['-1', '-1'], ['3', '1'], ['6', '10'], ['-100', '1'],
      ['1', '100'], ['-3', '-100'], [MIN, MAX]];
    for (const [s, e] of ranges) await same('DEL l', fill, ['LTRIM', 'l', s!, e!], 'LRANGE l 0 -1', 'EXISTS l');
    await same('LTRIM nokey 0 1', 'LTRIM nokey a 1', 'LTRIM l 0 b', 'EXISTS nokey');
  });

  it('LINSERT', async () => {
    await same('LINSERT nokey BEFORE a x', 'LINSERT nokey foo a x', 'RPUSH l a b c', 'LINSERT l before a x',
      'LINSERT l AFTER c y', 'LINSERT l After b z', 'LINSERT l BEFORE nope q', 'LINSERT l middle a q',
      'RPUSH l a', 'LINSERT l AFTER a dup', 'LRANGE l 0 -1');
  });
});

describe('RPOPLPUSH LMOVE', () => {
  it('every direction, a new destination, and rotation of one list', async () => {
    await same('RPUSH src a b c d');
    for (const [from, to] of [['LEFT', 'LEFT'], ['LEFT', 'RIGHT'], ['RIGHT', 'LEFT'], ['right', 'right']]) {
      await same(['LMOVE', 'src', 'dst', from!, to!], 'LRANGE src 0 -1', 'LRANGE dst 0 -1');
    }
    await same('EXISTS src', 'RPUSH r 1 2 3', 'LMOVE r r LEFT RIGHT', 'RPOPLPUSH r r', 'LRANGE r 0 -1',
      'RPUSH one x', 'LMOVE one one RIGHT LEFT', 'LRANGE one 0 -1', 'RPOPLPUSH one other', 'EXISTS one',
      'LRANGE other 0 -1');
  });

  it('errors: no source, wrong types, bad directions', async () => {
    await same('SET s v', 'RPOPLPUSH nokey s', 'LMOVE nokey s LEFT LEFT', 'RPUSH l a', 'RPOPLPUSH l s',
      'LMOVE l s LEFT RIGHT', 'LRANGE l 0 -1', 'RPOPLPUSH s l', 'LMOVE l x UP LEFT', 'LMOVE l x LEFT DOWN',
      'LMOVE nokey x foo LEFT', 'LRANGE l 0 -1');
  });
});

describe('LPOS', () => {
  it('RANK COUNT MAXLEN, from both ends', async () => {
    await same('RPUSH l a b c a b c a');
    const options = [[], ['RANK', '1'], ['RANK', '2'], ['RANK', '-1'], ['RANK', '-3'], ['RANK', '4'], ['COUNT', '0'],
      ['COUNT', '1'], ['COUNT', '2'], ['COUNT', '10'], ['MAXLEN', '0'], ['MAXLEN', '1'], ['MAXLEN', '4'],
      ['RANK', '2', 'COUNT', '0'], ['RANK', '-2', 'COUNT', '2'], ['RANK', '-1', 'MAXLEN', '3', 'COUNT', '0'],
      ['COUNT', '0', 'MAXLEN', '5', 'RANK', '2'], ['rank', '1', 'RANK', '-1'], ['RANK', MIN], ['RANK', MIN, 'COUNT', '0'],
      ['RANK', MAX]];
    for (const opts of options) for (const el of ['a', 'c', 'z']) await same(['LPOS', 'l', el, ...opts]);
  });

  it('errors, and a missing key', async () => {
    await same('LPOS nokey a', 'LPOS nokey a COUNT 0', 'RPUSH l a');
    for (const opts of [['RANK', '0'], ['RANK', 'x'], ['COUNT', '-1'], ['COUNT', 'x'], ['MAXLEN', '-1'], ['MAXLEN', 'x'],
      ['FOO'], ['COUNT'], ['RANK', '1', 'MAXLEN'], ['COUNT', MAX + '1']]) {
      await same(['LPOS', 'l', 'a', ...opts], ['LPOS', 'nokey', 'a', ...opts]);
    }
  });
});

describe('types and bytes', () => {
  it('WRONGTYPE from every list command, the list left alone by a failed LMOVE', async () => {
    await same('SET s v', 'HSET h f v');
    for (const key of ['s', 'h']) {
      await same(['LPUSH', key, 'a'], ['RPUSH', key, 'a'], ['LPUSHX', key, 'a'], ['RPUSHX', key, 'a'], ['LPOP', key],
        ['RPOP', key, '2'], ['LPOP', key, '0'], ['LLEN', key], ['LRANGE', key, '0', '-1'], ['LINDEX', key, '0'],
        ['LSET', key, '0', 'x'], ['LREM', key, '0', 'x'], ['LTRIM', key, '0', '1'], ['LINSERT', key, 'BEFORE', 'a', 'b'],
        ['RPOPLPUSH', key, 'x'], ['LMOVE', key, 'x', 'LEFT', 'LEFT'], ['LPOS', key, 'a'], ['LPOS', key, 'a', 'COUNT', '0']);
    }
  });

  it('binary values in every command', async () => {
    const parts = [BINARY, BINARY.slice(0, 10), '', '\r\n', BINARY.slice(128)];
    await same(['RPUSH', 'b', ...parts], ['LPUSH', 'b', BINARY], 'LRANGE b 0 -1', ['LPOS', 'b', BINARY, 'COUNT', '0'],
      ['LREM', 'b', '1', BINARY], ['LINSERT', 'b', 'AFTER', '', BINARY], ['LSET', 'b', '0', '\x00'], 'LINDEX b 0',
      'LRANGE b 0 -1', ['LMOVE', 'b', BINARY, 'RIGHT', 'LEFT'], ['LRANGE', BINARY, '0', '-1'], 'LPOP b 10', 'EXISTS b');
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
    await samePipelined(cmds);
  }

  it('short lists', async () => {
    await walk(42, 20, 60);
  });

  it('lists crossing 128 elements', async () => {
    await walk(7, 120, 400);
  });
});
