// Generic key commands: every reply of redstate compared with redis-server 7.0's for the
// same command sequence, plus SCAN's guarantees (its cursors differ by design) and the
// cursor registry that HSCAN, SSCAN and ZSCAN share.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { scanStep } from '../../src/commands/scan-cursors.js';
import { Hash, List, SetValue, ZSet, type Value } from '../../src/store/values.js';
import { encodeCommand, RespClient, RespError } from '../helpers/resp-client.js';
import { BINARY, MAX, MIN, sideBySide, type Arg } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same, sameSorted, sameTtl } = pair;

/** The raw bytes of one reply (to tell +status from $bulk). */
function raw(port: number, ...args: Arg[]): Promise<string> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1', () => s.write(encodeCommand(args)));
    let data = '';
    s.on('data', (b) => (data += b.toString('latin1')));
    setTimeout(() => {
      s.destroy();
      res(data);
    }, 100);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The same collection on both servers: redis-server builds it with its commands, redstate's
 * is written straight to its store (the collection families are other modules).
 */
async function make(key: string, value: Value, cmd: Arg[], db = 0): Promise<void> {
  if (db !== 0) await pair.r.call('SELECT', db);
  const r = await pair.r.call(...cmd);
  if (r instanceof RespError) throw r;
  if (db !== 0) await pair.r.call('SELECT', 0);
  pair.redstate.server.keyspace.dbs[db]!.set(key, value);
}

function hashOf(pairs: Array<[string, string]>): Hash {
  const h = new Hash();
  for (const [f, v] of pairs) h.set(f, v);
  return h;
}

function zsetOf(pairs: Array<[number, string]>): ZSet {
  const z = new ZSet();
  for (const [s, m] of pairs) z.set(m, s);
  return z;
}

/** One key of every type: str, list, intset, set, hash, zset. */
async function makeEveryType(db = 0): Promise<void> {
  if (db !== 0) await same(['SELECT', db]);
  await same(['SET', 'str', 'v']);
  if (db !== 0) await same(['SELECT', 0]);
  await make('list', List.from(['a', 'b', 'c']), ['RPUSH', 'list', 'a', 'b', 'c'], db);
  await make('intset', SetValue.from(['1', '2', '3']), ['SADD', 'intset', '1', '2', '3'], db);
  await make('set', SetValue.from(['a', 'b']), ['SADD', 'set', 'a', 'b'], db);
  await make('hash', hashOf([['f', 'v']]), ['HSET', 'hash', 'f', 'v'], db);
  await make('zset', zsetOf([[1, 'a'], [2, 'b']]), ['ZADD', 'zset', '1', 'a', '2', 'b'], db);
}

const TYPES = ['str', 'list', 'intset', 'set', 'hash', 'zset'];

describe('DEL UNLINK EXISTS TOUCH', () => {
  it('count keys, duplicates and other types included, expired ones not', async () => {
    await makeEveryType();
    await same(['MSET', 'a', '1', 'b', '2', 'c', '3'], ['EXISTS', 'a', 'a', 'x', 'b', 'list'], ['TOUCH', 'a', 'a', 'x', 'zset'],
      ['DEL', 'a', 'a', 'x'], ['EXISTS', 'a'], ['UNLINK', 'b', 'b', 'c', 'nokey'], ['EXISTS', 'b', 'c'],
      ['DEL', ...TYPES], ['EXISTS', ...TYPES], ['SET', BINARY, BINARY], ['EXISTS', BINARY], ['DEL', BINARY],
      ['SET', 'e', 'v', 'PX', '10']);
    await sleep(30);
    await same(['EXISTS', 'e'], ['DEL', 'e'], ['SET', 'e', 'v', 'PX', '10']);
    await sleep(30);
    await same(['UNLINK', 'e'], ['TOUCH', 'e']);
  });
});

describe('EXPIRE PEXPIRE EXPIREAT PEXPIREAT', () => {
  it('NX XX GT LT on keys without, with a longer and with a shorter TTL', async () => {
    const sec = Math.floor(Date.now() / 1000);
    const commands = [['EXPIRE', '300'], ['PEXPIRE', '300000'], ['EXPIREAT', String(sec + 300)],
      ['PEXPIREAT', String(Date.now() + 300_250)]];
    const flagSets = [[], ['NX'], ['XX'], ['GT'], ['LT'], ['nx'], ['XX', 'GT'], ['XX', 'LT'], ['GT', 'GT'],
      ['NX', 'XX'], ['NX', 'GT'], ['NX', 'LT'], ['GT', 'LT'], ['LT', 'XX', 'GT'], ['XX', 'FOO'], ['FOO']];
    const setups = [['SET', 'k', 'v'], ['SET', 'k', 'v', 'EX', '100'], ['SET', 'k', 'v', 'EX', '1000'], ['DEL', 'k']];
    for (const setup of setups) {
      for (const [cmd, when] of commands) {
        for (const flags of flagSets) {
          await same(setup, [cmd!, 'k', when!, ...flags]);
          await sameTtl('k', 1500);
        }
      }
    }
  });

  it('argument errors and int64 overflows', async () => {
    await same(['SET', 'k', 'v'], ['EXPIRE', 'k', 'abc'], ['EXPIRE', 'k', '1.5'], ['EXPIRE', 'k', 'abc', 'FOO'],
      ['EXPIRE', 'k', '10', 'foo'], ['EXPIRE', 'nokey', 'abc'], ['EXPIRE', 'nokey', '10', 'FOO'], ['EXPIRE', 'nokey', '10'],
      ['EXPIRE', 'k', '9223372036854775'], ['EXPIRE', 'k', '9223372036854776'], ['EXPIRE', 'k', '-9223372036854776'],
      ['EXPIRE', 'k', MAX], ['EXPIRE', 'k', MIN], ['PEXPIRE', 'k', MAX], ['EXPIREAT', 'k', '9223372036854776'],
      ['EXPIREAT', 'k', MAX], ['PEXPIRE', 'k', '9223372036854775806'], ['EXISTS', 'k'], ['TTL', 'k'],
      ['PEXPIREAT', 'k', MAX], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k']);
    await sameTtl('k', 5000);
  });

  it('a time in the past deletes the key at once', async () => {
    await makeEveryType();
    await same(['EXPIRE', 'str', '-1'], ['EXISTS', 'str'], ['PEXPIRE', 'list', '0'], ['EXISTS', 'list'],
      ['EXPIREAT', 'set', '1'], ['PEXPIREAT', 'hash', '1000'], ['EXPIRE', 'zset', MIN.slice(0, -3)], ['PEXPIREAT', 'intset', MIN],
      ['EXISTS', ...TYPES], ['SET', 'k', 'v', 'EX', '100'], ['EXPIRE', 'k', '-5', 'LT'], ['EXISTS', 'k'],
      ['SET', 'k', 'v', 'EX', '100'], ['EXPIRE', 'k', '-5', 'GT'], ['EXISTS', 'k']);
  });

  it('TTL PTTL EXPIRETIME PEXPIRETIME PERSIST', async () => {
    const at = Math.floor(Date.now() / 1000) + 5000;
    await same(['TTL', 'nokey'], ['PTTL', 'nokey'], ['EXPIRETIME', 'nokey'], ['PEXPIRETIME', 'nokey'], ['PERSIST', 'nokey'],
      ['SET', 'k', 'v'], ['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'], ['PERSIST', 'k'],
      ['EXPIREAT', 'k', String(at)], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'], ['PEXPIREAT', 'k', String(at * 1000 + 499)],
      ['EXPIRETIME', 'k'], ['PEXPIREAT', 'k', String(at * 1000 + 500)], ['EXPIRETIME', 'k'], ['PERSIST', 'k'],
      ['PERSIST', 'k'], ['TTL', 'k'], ['SET', 't', 'v', 'PX', '100250'], ['TTL', 't']);
    await sameTtl('t');
  });

  it('TTL counts down and the key expires', async () => {
    await same(['SET', 'k', 'v', 'PX', '60'], ['TTL', 'k']);
    await sleep(100);
    await same(['TTL', 'k'], ['PTTL', 'k'], ['PERSIST', 'k'], ['EXISTS', 'k']);
  });
});

describe('TYPE', () => {
  it('names every type, none for a missing key, as a status reply', async () => {
    await makeEveryType();
    for (const key of [...TYPES, 'nokey']) await same(['TYPE', key]);
    expect(await raw(pair.redstate.port, 'TYPE', 'str')).toBe(await raw(pair.redis.port, 'TYPE', 'str'));
    expect(await raw(pair.redstate.port, 'TYPE', 'nokey')).toBe('+none\r\n');
  });
});

describe('KEYS', () => {
  it('matches glob patterns, binary keys included, and skips expired keys', async () => {
    await same(['MSET', 'hello', '1', 'hallo', '1', 'hxllo', '1', 'hllo', '1', 'heeeello', '1', 'h*llo', '1',
      'key:1', '1', 'key:2', '1', 'Key:3', '1', BINARY, '1', 'a\\b', '1', '', '1'],
    ['SET', 'gone', 'v', 'PX', '5']);
    await sleep(20);
    for (const p of ['*', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h\\*llo', 'key:*', '*:[0-9]',
      '[kK]ey*', 'nomatch', '', '\0*', `*${BINARY.slice(250)}`, 'a\\\\b', 'gone', '*[']) {
      await sameSorted(['KEYS', p]);
    }
  });
});

/** Every key a full SCAN walk returns, with its options. */
async function scanAll(c: RespClient, ...opts: Arg[]): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  for (let steps = 0; steps < 100_000; steps++) {
    const r = (await c.call('SCAN', cursor, ...opts)) as [string, string[]];
    keys.push(...r[1]);
    cursor = r[0];
    if (cursor === '0') return keys;
  }
  throw new Error('SCAN never finished');
}

describe('SCAN', () => {
  it('errors as Redis gives them', async () => {
    await same(['SCAN', 'x'], ['SCAN', ' 1'], ['SCAN', '1 '], ['SCAN', '+'], ['SCAN', '1.5'],
      ['SCAN', '18446744073709551616'], ['SCAN', '0', 'COUNT', '0'], ['SCAN', '0', 'COUNT', '-1'], ['SCAN', '0', 'COUNT', 'x'],
      ['SCAN', '0', 'MATCH'], ['SCAN', '0', 'COUNT'], ['SCAN', '0', 'FOO', 'bar'], ['SCAN', '0', 'TYPE'],
      ['SCAN', '0', 'MATCH', '*', 'COUNT', '10', 'FOO'], ['SCAN', '']);
  });

  it('cursors Redis accepts start a walk here too', async () => {
    await same(['SET', 'k', 'v']);
    for (const cursor of ['', '0', '+0', '-0', '00', '-1', '18446744073709551615', '123456789']) {
      const r = (await pair.s.call('SCAN', cursor)) as [string, string[]];
      expect(r, cursor).toEqual(['0', ['k']]);
    }
  });

  it('a full walk returns every key, with any COUNT, MATCH and TYPE', async () => {
    await makeEveryType();
    const keys = Array.from({ length: 300 }, (_, i) => `key:${i}`);
    await same(['MSET', ...keys.flatMap((k) => [k, 'v'])], ['SET', BINARY, 'v']);
    for (const count of ['1', '7', '10', '1000']) {
      const all = await scanAll(pair.s, 'COUNT', count);
      expect(new Set(all).size).toBe(all.length);
      expect(all.sort()).toEqual([...keys, ...TYPES, BINARY].sort());
    }
    for (const opts of [[], ['MATCH', 'key:1*'], ['MATCH', '*s*t*', 'COUNT', '3'], ['TYPE', 'STRING'], ['TYPE', 'zset'],
      ['TYPE', 'set', 'MATCH', 'int*'], ['TYPE', 'nosuchtype'], ['MATCH', BINARY.slice(0, 10) + '*']]) {
      const [w, g] = await Promise.all([scanAll(pair.r, ...opts), scanAll(pair.s, ...opts)]);
      expect(g.sort(), opts.join(' ')).toEqual(w.sort());
    }
  });

  it('replies cursor 0 with the last page, and skips (deleting) expired keys', async () => {
    await same(['MSET', 'a', '1', 'b', '2'], ['SET', 'gone', 'v', 'PX', '5']);
    await sleep(20);
    const r = (await pair.s.call('SCAN', '0', 'COUNT', '3')) as [string, string[]];
    expect(r[0]).toBe('0');
    expect(r[1].sort()).toEqual(['a', 'b']);
    expect(pair.redstate.server.keyspace.dbs[0]!.dict.has('gone')).toBe(false);
    const step = (await pair.s.call('SCAN', '0', 'COUNT', '1')) as [string, string[]];
    expect(step[0]).not.toBe('0');
    expect(step[1]).toHaveLength(1);
  });

  it('never misses a key present for the whole walk, whatever changes meanwhile', async () => {
    const stable = Array.from({ length: 200 }, (_, i) => `stable:${i}`);
    await pair.s.call('MSET', ...stable.flatMap((k) => [k, 'v']), ...Array.from({ length: 200 }, (_, i) => [`churn:${i}`, 'v']).flat());
    const seen = new Set<string>();
    let cursor = '0';
    let n = 0;
    do {
      const r = (await pair.s.call('SCAN', cursor, 'COUNT', '9')) as [string, string[]];
      for (const k of r[1]) seen.add(k);
      cursor = r[0];
      // Churn: delete, re-add and add keys while the walk is under way.
      await pair.s.call('DEL', `churn:${n}`, `churn:${199 - n}`);
      await pair.s.call('SET', `new:${n}`, 'v');
      await pair.s.call('SET', `churn:${n}`, 'again');
      n++;
    } while (cursor !== '0');
    for (const k of stable) expect(seen.has(k), k).toBe(true);
  });

  it('never misses a key present for the whole walk while the keyspace grows and shrinks through incremental resizes', async () => {
    // activerehashing off: only writes move a resize on, so resizes span SCAN calls.
    await pair.s.call('CONFIG', 'SET', 'activerehashing', 'no');
    const dict = () => pair.redstate.server.keyspace.dbs[0]!.dict;
    const stable = Array.from({ length: 300 }, (_, i) => `stable:${i}`);
    const bulk = Array.from({ length: 2700 }, (_, i) => `bulk:${i}`);
    await pair.s.call('MSET', ...[...stable, ...bulk].flatMap((k) => [k, 'v']));
    const seen = new Set<string>();
    const capacities = new Set<number>();
    let midResize = 0;
    let cursor = '0';
    let step = 0;
    let added = 0;
    do {
      // Mostly short steps; now and then a long one that can run through the rest of the old
      // table while writes have moved some of its keys ahead of the walk.
      const r = (await pair.s.call('SCAN', cursor, 'COUNT', step === 3 || step === 7 ? '600' : '20')) as [string, string[]];
      for (const k of r[1]) seen.add(k);
      cursor = r[0];
      // Grow past 3072 keys (the 4096-slot table doubles), then delete down to the stable keys
      // (it shrinks), each a resize that a few steps' writes carry out.
      if (step < 15) {
        await pair.s.call('MSET', ...Array.from({ length: 200 }, () => [`add:${added++}`, 'v']).flat());
      } else if (step < 75) {
        const gone = bulk.splice(0, 50);
        for (let j = 0; j < 50 && added > 0; j++) gone.push(`add:${--added}`);
        if (gone.length > 0) await pair.s.call('DEL', ...gone);
      }
      if (dict().rehashing) midResize++;
      capacities.add(dict().capacity);
      step++;
    } while (cursor !== '0' && step < 5000);
    await pair.s.call('CONFIG', 'SET', 'activerehashing', 'yes');
    expect(cursor).toBe('0');
    for (const k of stable) expect(seen.has(k), k).toBe(true);
    expect(midResize).toBeGreaterThan(2);
    expect(Math.max(...capacities)).toBeGreaterThan(8192);
    expect(Math.min(...capacities)).toBeLessThan(4096);
  });

  it('a reused, forged or other-db cursor starts over instead of missing keys', async () => {
    await pair.s.call('MSET', 'a', '1', 'b', '2', 'c', '3');
    const first = (await pair.s.call('SCAN', '0', 'COUNT', '1')) as [string, string[]];
    const next = (await pair.s.call('SCAN', first[0], 'COUNT', '10')) as [string, string[]];
    expect([...first[1], ...next[1]].sort()).toEqual(['a', 'b', 'c']);
    const again = (await pair.s.call('SCAN', first[0], 'COUNT', '10')) as [string, string[]];
    expect(again).toEqual(['0', expect.arrayContaining(['a', 'b', 'c'])]);
    const other = (await pair.s.call('SCAN', '0', 'COUNT', '1')) as [string, string[]];
    await pair.s.call('SELECT', 1);
    await pair.s.call('SET', 'in1', 'v');
    expect(await pair.s.call('SCAN', other[0])).toEqual(['0', ['in1']]);
  });
});

describe('the cursor registry', () => {
  it('walks any iterator in steps and ends with cursor 0', () => {
    const source = new Map(Array.from({ length: 10 }, (_, i) => [i, `v${i}`]));
    const out: number[] = [];
    let step = scanStep('0', source, () => source.keys(), 3);
    out.push(...step.items);
    while (step.next !== '0') {
      step = scanStep(step.next, source, () => source.keys(), 3);
      out.push(...step.items);
    }
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(scanStep('0', source, () => source.keys(), 10)).toEqual({ next: '0', items: out });
    expect(scanStep('0', source, () => source.keys(), Infinity).items).toHaveLength(10);
  });

  it('consumes each cursor, and restarts an unknown one or one of another source', () => {
    const a = new Set(['x', 'y', 'z']);
    const b = new Set(['p', 'q']);
    const s1 = scanStep('0', a, () => a.values(), 1);
    expect(s1.items).toEqual(['x']);
    expect(scanStep(s1.next, b, () => b.values(), 5)).toEqual({ next: '0', items: ['p', 'q'] });
    expect(scanStep(s1.next, a, () => a.values(), 5)).toEqual({ next: '0', items: ['y', 'z'] });
    expect(scanStep(s1.next, a, () => a.values(), 5)).toEqual({ next: '0', items: ['x', 'y', 'z'] });
    expect(scanStep('987654321987', a, () => a.values(), 5).items).toEqual(['x', 'y', 'z']);
  });

  it('forgets the oldest cursors past its bound', () => {
    const src = new Set([1, 2]);
    const oldest = scanStep('0', src, () => src.values(), 1).next;
    for (let i = 0; i < 1100; i++) scanStep('0', src, () => src.values(), 1);
    expect(scanStep(oldest, src, () => src.values(), 5).items).toEqual([1, 2]);
  });
});

describe('RENAME RENAMENX', () => {
  it('moves the value with its TTL, over what was at the destination', async () => {
    await makeEveryType();
    await same(['SET', 'a', '1', 'EX', '100'], ['SET', 'b', '2', 'EX', '500'], ['RENAME', 'a', 'b'], ['GET', 'b'],
      ['EXISTS', 'a'], ['TTL', 'b'], ['RENAME', 'b', 'a'], ['TTL', 'a'], ['SET', 'c', '3', 'EX', '100'], ['RENAME', 'str', 'c'],
      ['TTL', 'c'], ['GET', 'c'], ['RENAME', 'list', 'str'], ['TYPE', 'str'], ['RENAME', 'hash', BINARY], ['TYPE', BINARY],
      ['RENAME', 'nokey', 'x'], ['RENAME', 'nokey', 'nokey'], ['RENAME', 'a', 'a'], ['GET', 'a'], ['TTL', 'a'],
      ['RENAMENX', 'a', 'zset'], ['RENAMENX', 'a', 'a'], ['RENAMENX', 'nokey', 'a'], ['RENAMENX', 'nokey', 'nokey'],
      ['RENAMENX', 'a', 'fresh'], ['TTL', 'fresh'], ['GET', 'fresh'], ['EXISTS', 'a']);
    const moved = pair.redstate.server.keyspace.dbs[0]!.lookup('str');
    expect(moved).toBeInstanceOf(List);
  });

  it('an expired source is missing', async () => {
    await same(['SET', 'a', '1', 'PX', '5']);
    await sleep(20);
    await same(['RENAME', 'a', 'b'], ['RENAMENX', 'a', 'b'], ['EXISTS', 'b']);
  });
});

describe('RANDOMKEY', () => {
  it('nil when empty, the only key otherwise', async () => {
    await same(['RANDOMKEY'], ['SET', BINARY, 'v'], ['RANDOMKEY'], ['DEL', BINARY], ['SET', 'gone', 'v', 'PX', '5']);
    await sleep(20);
    await same(['RANDOMKEY']);
  });
});

describe('MOVE', () => {
  it('moves a key with its TTL, unless the other db has it', async () => {
    await makeEveryType();
    await same(['SET', 'k', 'v', 'EX', '100'], ['MOVE', 'k', '1'], ['EXISTS', 'k'], ['MOVE', 'nokey', '1'],
      ['MOVE', 'list', '2'], ['SELECT', '1'], ['GET', 'k'], ['TTL', 'k'], ['SET', 'str', 'mine'], ['SELECT', '2'],
      ['TYPE', 'list'], ['SELECT', '0'], ['MOVE', 'str', '1'], ['GET', 'str'], ['SELECT', '1'], ['GET', 'str'],
      ['MOVE', 'k', '0'], ['SELECT', '0'], ['GET', 'k']);
    expect(pair.redstate.server.keyspace.dbs[2]!.lookup('list')).toBeInstanceOf(List);
  });

  it('errors', async () => {
    await same(['SET', 'k', 'v'], ['MOVE', 'k', 'x'], ['MOVE', 'k', '0'], ['MOVE', 'nokey', '0'], ['MOVE', 'k', '16'],
      ['MOVE', 'k', '-1'], ['MOVE', 'k', '2147483647'], ['MOVE', 'k', '2147483648'], ['MOVE', 'k', '-2147483649'],
      ['MOVE', 'k', MAX], ['MOVE', 'k', '1.0'], ['EXISTS', 'k']);
  });
});

describe('SWAPDB', () => {
  it('exchanges two dbs', async () => {
    await same(['SET', 'a', 'in0'], ['SELECT', '3'], ['SET', 'a', 'in3', 'EX', '100'], ['SET', 'b', 'only3'],
      ['SWAPDB', '0', '3'], ['GET', 'a'], ['TTL', 'a'], ['GET', 'b'], ['SELECT', '0'], ['GET', 'a'], ['TTL', 'a'],
      ['GET', 'b'], ['SWAPDB', '3', '3'], ['SELECT', '3'], ['GET', 'a'], ['SWAPDB', '15', '3'], ['GET', 'a']);
  });

  it('errors', async () => {
    await same(['SWAPDB', 'x', '1'], ['SWAPDB', '1', 'x'], ['SWAPDB', 'x', 'y'], ['SWAPDB', '0', '16'], ['SWAPDB', '-1', '0'],
      ['SWAPDB', '2147483648', '0'], ['SWAPDB', '0', '2147483648'], ['SWAPDB', '0', MIN], ['SWAPDB', '1.5', '0']);
  });
});

describe('COPY', () => {
  it('copies every type with its TTL, within and across dbs', async () => {
    await makeEveryType();
    await same(['EXPIRE', 'str', '100']);
    for (const key of TYPES) {
      await same(['COPY', key, `${key}:copy`], ['TYPE', `${key}:copy`], ['OBJECT', 'ENCODING', `${key}:copy`],
        ['COPY', key, key, 'DB', '4'], ['SELECT', '4'], ['TYPE', key], ['SELECT', '0']);
    }
    await same(['GET', 'str:copy'], ['TTL', 'str:copy'], ['SELECT', '4'], ['TTL', 'str'], ['SELECT', '0']);
  });

  it('the copy shares nothing with the original', async () => {
    const db = pair.redstate.server.keyspace.dbs[0]!;
    const originals: Value[] = [List.from(['a']), SetValue.from(['a']), hashOf([['f', 'v']]), zsetOf([[1, 'a']])];
    for (const [i, v] of originals.entries()) {
      db.set(`o${i}`, v);
      expect(await pair.s.call('COPY', `o${i}`, `c${i}`)).toBe(1);
      const copy = db.lookup(`c${i}`)!;
      expect(copy).not.toBe(v);
      expect(copy.constructor).toBe(v.constructor);
    }
    (db.lookup('c0') as List).pushTail('b');
    (db.lookup('c1') as SetValue).add('b');
    (db.lookup('c2') as Hash).set('g', 'w');
    (db.lookup('c3') as ZSet).set('b', 2);
    expect([...(originals[0] as List)]).toEqual(['a']);
    expect([...(originals[1] as SetValue).values()]).toEqual(['a']);
    expect([...(originals[2] as Hash).entries()]).toEqual([['f', 'v']]);
    expect([...(originals[3] as ZSet).entries()]).toEqual([['a', 1]]);
    expect([...(db.lookup('c3') as ZSet).entries()]).toEqual([['a', 1], ['b', 2]]);
  });

  it('REPLACE, an existing destination, and errors', async () => {
    await same(['SET', 'a', '1'], ['SET', 'b', '2', 'EX', '100'], ['COPY', 'a', 'b'], ['GET', 'b'], ['COPY', 'a', 'b', 'REPLACE'],
      ['GET', 'b'], ['TTL', 'b'], ['COPY', 'nokey', 'b'], ['COPY', 'nokey', 'b', 'REPLACE'], ['COPY', 'a', 'a'],
      ['COPY', 'a', 'a', 'DB', '0'], ['COPY', 'nokey', 'nokey'], ['COPY', 'a', 'a', 'DB', '1'], ['COPY', 'a', 'b', 'DB'],
      ['COPY', 'a', 'b', 'DB', 'x'], ['COPY', 'a', 'b', 'DB', '16'], ['COPY', 'a', 'b', 'DB', '2147483648'],
      ['COPY', 'a', 'b', 'FOO'], ['COPY', 'a', 'b', 'replace', 'db', '2', 'REPLACE'], ['COPY', 'a', 'b', 'DB', '16', 'FOO'],
      ['COPY', 'a', 'b', 'FOO', 'DB', '16'], ['SELECT', '1'], ['GET', 'a'], ['SELECT', '2'], ['GET', 'b']);
  });
});

describe('OBJECT', () => {
  it('ENCODING of strings: int, embstr, raw', async () => {
    const values = ['0', '1', '-1', '12345', MAX, MIN, '9223372036854775808', '01', '+1', '1.5', ' 1', '', 'abc',
      'x'.repeat(44), 'x'.repeat(45), BINARY, '99999999999999999999'];
    for (const [i, v] of values.entries()) {
      await same(['SET', `s${i}`, v], ['OBJECT', 'ENCODING', `s${i}`], ['OBJECT', 'REFCOUNT', `s${i}`]);
      await same(['GETSET', `s${i}`, v], ['OBJECT', 'ENCODING', `s${i}`]);
    }
    await same(['SET', 'n', '9999'], ['OBJECT', 'REFCOUNT', 'n'], ['INCR', 'n'], ['OBJECT', 'REFCOUNT', 'n'],
      ['OBJECT', 'ENCODING', 'n'], ['MSET', 'm', '123', 'w', 'hello'], ['OBJECT', 'ENCODING', 'm'], ['OBJECT', 'ENCODING', 'w']);
  });

  it('REFCOUNT of a small integer: shared but under maxmemory with an LRU or LFU policy', async () => {
    for (const policy of ['allkeys-lru', 'volatile-lfu', 'volatile-ttl', 'noeviction']) {
      await same(['CONFIG', 'SET', 'maxmemory', '1gb'], ['CONFIG', 'SET', 'maxmemory-policy', policy], ['SET', 'n', '42'],
        ['OBJECT', 'REFCOUNT', 'n']);
    }
    await same(['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
  });

  it('ENCODING of collections, small and large', async () => {
    await makeEveryType();
    const fields = Array.from({ length: 600 }, (_, i): [string, string] => [`f${i}`, `v${i}`]);
    await make('bighash', hashOf(fields), ['HSET', 'bighash', ...fields.flat()]);
    await make('widehash', hashOf([['f', 'w'.repeat(100)]]), ['HSET', 'widehash', 'f', 'w'.repeat(100)]);
    const ints = Array.from({ length: 600 }, (_, i) => String(i));
    await make('bigintset', SetValue.from(ints), ['SADD', 'bigintset', ...ints]);
    const scores = Array.from({ length: 200 }, (_, i): [number, string] => [i, `m${i}`]);
    await make('bigzset', zsetOf(scores), ['ZADD', 'bigzset', ...scores.flatMap(([s, m]) => [String(s), m])]);
    for (const key of [...TYPES, 'bighash', 'widehash', 'bigintset', 'bigzset']) {
      await same(['OBJECT', 'ENCODING', key], ['OBJECT', 'REFCOUNT', key]);
    }
  });

  it('HELP, missing keys, FREQ and IDLETIME, arity and unknown subcommands', async () => {
    await same(['OBJECT', 'HELP'], ['object', 'help'], ['OBJECT', 'HELP', 'x'], ['OBJECT'], ['OBJECT', 'FOO'],
      ['OBJECT', 'FOO', 'k'], ['OBJECT', 'ENCODING'], ['OBJECT', 'ENCODING', 'a', 'b'], ['OBJECT', 'refcount'],
      ['OBJECT', 'IDLETIME'], ['OBJECT', 'FREQ'], ['OBJECT', 'ENCODING', 'nokey'], ['OBJECT', 'REFCOUNT', 'nokey'],
      ['OBJECT', 'IDLETIME', 'nokey'], ['OBJECT', 'FREQ', 'nokey'], ['SET', 'k', 'hello'], ['OBJECT', 'FREQ', 'k'],
      ['OBJECT', 'toString', 'k'], ['OBJECT', '__proto__', 'k']);
    expect(await raw(pair.redstate.port, 'OBJECT', 'HELP')).toBe(await raw(pair.redis.port, 'OBJECT', 'HELP'));
    const [w, g] = await Promise.all([pair.r.call('OBJECT', 'IDLETIME', 'k'), pair.s.call('OBJECT', 'IDLETIME', 'k')]);
    // Both count idle seconds on a one-second LRU clock.
    expect(g).toBeLessThanOrEqual(1);
    expect(w).toBeLessThanOrEqual(1);
  });
});

describe('activerehashing', () => {
  it('is a boolean directive, yes by default; on, the cron ends a resize no write moves on, off, the resize waits for writes', async () => {
    await same(['CONFIG', 'GET', 'activerehashing'], ['CONFIG', 'SET', 'activerehashing', 'maybe'],
      ['CONFIG', 'SET', 'activerehashing', 'no'], ['CONFIG', 'GET', 'activerehashing']);
    const dict = () => pair.redstate.server.keyspace.dbs[0]!.dict;
    // 3073 keys: the 4096-slot table begins to double at the last one.
    await pair.s.call('MSET', ...Array.from({ length: 3073 }, (_, i) => [`k:${i}`, 'v']).flat());
    expect(dict().rehashing).toBe(true);
    // Several cron runs (hz 10) leave it as it is.
    await sleep(350);
    expect(dict().rehashing).toBe(true);
    await same(['CONFIG', 'SET', 'activerehashing', 'yes']);
    const deadline = Date.now() + 10_000;
    while (dict().rehashing && Date.now() < deadline) await sleep(20);
    expect(dict().rehashing).toBe(false);
    expect(await pair.s.call('DBSIZE')).toBe(3073);
  });
});
