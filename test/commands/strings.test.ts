// String commands: every reply of redstate compared with redis-server 7.0's for the same
// command sequence (happy paths, every option and combination, every error text,
// WRONGTYPE, binary keys and values, integers at the int64 limits), plus expiry.
import { describe, expect, it } from 'vitest';
import { List } from '../../src/store/values.js';
import { BINARY, MAX, MIN, randomFloats, sideBySide } from './side-by-side.js';

/** Both servers run with the smallest proto-max-bulk-len, so its errors are cheap to reach. */
const MAX_BULK = 1024 * 1024;

const pair = sideBySide({ config: { 'proto-max-bulk-len': String(MAX_BULK) }, flushEach: true });
const { same, sameTtl } = pair;

/** A list at key on both servers (redstate's written straight to its store: lists are another family). */
async function makeList(key: string): Promise<void> {
  await pair.r.call('RPUSH', key, 'x');
  pair.redstate.server.keyspace.dbs[0]!.set(key, List.from(['x']));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('GET SET', () => {
  it('sets, gets and overwrites', async () => {
    await same(['GET', 'k'], ['SET', 'k', 'v'], ['GET', 'k'], ['SET', 'k', ''], ['GET', 'k'], ['SET', 'K', 'other'],
      ['GET', 'k'], ['GET', 'K'], ['set', 'k', 'lower'], ['GeT', 'k']);
  });

  it('every option pair and triple, on a missing, a plain and an expiring key', async () => {
    const pxat = Date.now() + 1_000_250;
    const exat = Math.floor(Date.now() / 1000) + 1000;
    const options = [['NX'], ['XX'], ['GET'], ['KEEPTTL'], ['EX', '100'], ['px', '100000'],
      ['EXAT', String(exat)], ['PXAT', String(pxat)]];
    // Every pair; triples of the options whose exclusions interact (a third expiry adds nothing).
    const combos: string[][] = [[]];
    for (const a of options) {
      combos.push(a);
      for (const b of options) {
        combos.push([...a, ...b]);
        if (a.length + b.length > 3) continue;
        for (const c of options.slice(0, 6)) combos.push([...a, ...b, ...c]);
      }
    }
    for (const setup of [[], ['SET', 'k', 'old'], ['SET', 'k', 'old', 'EX', '500']]) {
      for (const opts of combos) {
        await same(['DEL', 'k']);
        if (setup.length > 0) await same(setup);
        await same(['SET', 'k', 'new', ...opts], ['GET', 'k']);
        await sameTtl('k', 1500);
      }
    }
  });

  it('expire argument errors', async () => {
    await same(['SET', 'k', 'v', 'EX'], ['SET', 'k', 'v', 'EX', '0'], ['SET', 'k', 'v', 'EX', '-1'],
      ['SET', 'k', 'v', 'PX', '0'], ['SET', 'k', 'v', 'EXAT', '0'], ['SET', 'k', 'v', 'PXAT', '-5'],
      ['SET', 'k', 'v', 'EX', 'abc'], ['SET', 'k', 'v', 'EX', '1.5'], ['SET', 'k', 'v', 'EX', '9223372036854775'],
      ['SET', 'k', 'v', 'EX', '9223372036854776'], ['SET', 'k', 'v', 'EX', MAX], ['SET', 'k', 'v', 'PX', MAX],
      ['SET', 'k', 'v', 'EXAT', '9223372036854775'], ['SET', 'k', 'v', 'PX', '9223372036854775808'],
      ['SET', 'k', 'v', 'PXAT', MAX], ['EXISTS', 'k'], ['SET', 'k', 'v', 'FOO'], ['SET', 'k', 'v', 'PERSIST'],
      ['SET', 'k', 'v', 'NX', 'NX', 'GET', 'GET'], ['GET', 'k']);
  });

  it('PXAT at INT64_MAX is kept (TTLs within tolerance)', async () => {
    await same(['SET', 'k', 'v', 'PXAT', MAX], ['EXPIRETIME', 'k']);
    await sameTtl('k', 5000);
  });

  it('an absolute time in the past leaves no key', async () => {
    await same(['SET', 'k', 'v', 'EXAT', '1'], ['EXISTS', 'k'], ['SET', 'k', 'v', 'PXAT', '1000'], ['GET', 'k'],
      ['SET', 'k', 'v', 'GET', 'PXAT', '1'], ['GET', 'k']);
  });

  it('GET option: old value, nil, WRONGTYPE without writing', async () => {
    await makeList('list');
    await same(['SET', 'k', 'a', 'GET'], ['SET', 'k', 'b', 'GET'], ['SET', 'k', 'c', 'NX', 'GET'], ['GET', 'k'],
      ['SET', 'n', 'c', 'XX', 'GET'], ['EXISTS', 'n'], ['SET', 'list', 'v', 'GET'], ['TYPE', 'list'],
      ['SET', 'list', 'v'], ['GET', 'list']);
  });

  it('KEEPTTL keeps, plain SET drops the TTL', async () => {
    await same(['SET', 'k', 'v', 'EX', '100'], ['SET', 'k', 'w', 'KEEPTTL'], ['TTL', 'k'], ['SET', 'k', 'x'], ['TTL', 'k']);
  });

  it('SET over another type replaces it', async () => {
    await makeList('list');
    await same(['SET', 'list', 'v'], ['GET', 'list'], ['TYPE', 'list']);
  });
});

describe('SETNX SETEX PSETEX', () => {
  it('SETNX', async () => {
    await same(['SETNX', 'k', 'a'], ['SETNX', 'k', 'b'], ['GET', 'k']);
  });

  it('SETEX and PSETEX set a TTL and validate it', async () => {
    await same(['SETEX', 'k', '100', 'v'], ['GET', 'k'], ['TTL', 'k'], ['PSETEX', 'p', '100000', 'v'], ['TTL', 'p'],
      ['SETEX', 'k', '0', 'v'], ['SETEX', 'k', '-1', 'v'], ['SETEX', 'k', 'x', 'v'], ['PSETEX', 'k', '0', 'v'],
      ['SETEX', 'k', MAX, 'v'], ['PSETEX', 'k', MAX, 'v'], ['SETEX', 'k', '10'], ['GET', 'k']);
    await sameTtl('p');
  });
});

describe('MGET MSET MSETNX', () => {
  it('MGET mixes values, missing keys and other types', async () => {
    await makeList('list');
    await same(['MSET', 'a', '1', 'b', '2', 'a', '3'], ['MGET', 'a', 'b', 'c', 'list', 'a']);
  });

  it('MSET and MSETNX arity and all-or-nothing', async () => {
    await same(['MSET', 'a', '1', 'b'], ['MSETNX', 'a', '1', 'b'], ['MSETNX', 'x', '1', 'y', '2'],
      ['MSETNX', 'y', '3', 'z', '4'], ['MGET', 'x', 'y', 'z'], ['SET', 't', 'v', 'EX', '100'],
      ['MSET', 't', 'w'], ['TTL', 't']);
  });
});

describe('INCR DECR INCRBY DECRBY', () => {
  it('counts from a missing key and keeps the TTL', async () => {
    await same(['INCR', 'n'], ['INCR', 'n'], ['DECR', 'n'], ['DECR', 'm'], ['INCRBY', 'n', '100'], ['DECRBY', 'n', '-5'],
      ['GET', 'n'], ['EXPIRE', 'n', '100'], ['INCR', 'n'], ['TTL', 'n']);
  });

  it('refuses what string2ll refuses', async () => {
    for (const v of ['abc', ' 1', '1 ', '+1', '01', '-0', '1.5', '', '0x10', '9223372036854775808', '1e3']) {
      await same(['SET', 'n', v], ['INCR', 'n'], ['DECRBY', 'n', '1'], ['GET', 'n']);
      await same(['SET', 'm', '1'], ['INCRBY', 'm', v], ['DECRBY', 'm', v]);
    }
  });

  it('crosses 2^53 exactly and stops at the int64 limits', async () => {
    await same(['SET', 'n', '9007199254740991'], ['INCR', 'n'], ['GET', 'n'], ['INCR', 'n'], ['GET', 'n'],
      ['INCRBY', 'n', '9007199254740993'], ['GET', 'n'], ['DECRBY', 'n', '18014398509481986'], ['GET', 'n'],
      ['SET', 'n', '9223372036854775806'], ['INCR', 'n'], ['GET', 'n'], ['INCR', 'n'], ['GET', 'n'],
      ['SET', 'n', '-9223372036854775807'], ['DECR', 'n'], ['GET', 'n'], ['DECR', 'n'], ['GET', 'n'],
      ['INCRBY', 'n', MAX], ['GET', 'n'], ['INCRBY', 'n', '1'], ['GET', 'n'], ['INCRBY', 'n', MIN],
      ['DECRBY', 'n', MIN], ['SET', 'z', '0'], ['INCRBY', 'z', MIN], ['GET', 'z'], ['DECRBY', 'z', MAX], ['GET', 'z'],
      ['SET', 'p', '1'], ['INCRBY', 'p', MAX], ['SET', 'q', '-2'], ['INCRBY', 'q', MIN], ['GET', 'q']);
  });

  it('WRONGTYPE, and INCRBY checks its argument before the key', async () => {
    await makeList('list');
    await same(['INCR', 'list'], ['DECR', 'list'], ['INCRBY', 'list', '1'], ['INCRBY', 'list', 'x'], ['DECRBY', 'list', MIN]);
  });
});

describe('INCRBYFLOAT', () => {
  it('adds and formats like Redis', async () => {
    const pairs = [['10.5', '0.1'], ['5.0e3', '2.0e2'], ['1', '-1'], ['0', '-0'], ['3', '1.5'], ['17179869184', '1.5'],
      ['-1.25', '0.25'], ['1e10', '1'], ['123', '.5'], ['1', '-3.5'], ['0.5', '5'], ['100', '+2']];
    for (const [a, b] of pairs) await same(['SET', 'f', a!], ['INCRBYFLOAT', 'f', b!], ['GET', 'f']);
    await same(['INCRBYFLOAT', 'new', '2.5'], ['INCRBYFLOAT', 'new', '-2.5'], ['GET', 'new']);
  });

  it('errors and WRONGTYPE, and keeps the TTL', async () => {
    await makeList('list');
    await same(['INCRBYFLOAT', 'list', '1'], ['INCRBYFLOAT', 'list', 'x'], ['SET', 'f', '1'], ['INCRBYFLOAT', 'f', 'x'],
      ['INCRBYFLOAT', 'f', ''], ['INCRBYFLOAT', 'f', ' 1'], ['INCRBYFLOAT', 'f', 'nan'], ['INCRBYFLOAT', 'f', 'inf'],
      ['INCRBYFLOAT', 'f', '-infinity'], ['SET', 'g', 'abc'], ['INCRBYFLOAT', 'g', '1'], ['INCRBYFLOAT', 'g', 'x'],
      ['SET', 'h', '1.5', 'EX', '100'], ['INCRBYFLOAT', 'h', '1'], ['TTL', 'h']);
  });

  it('computes in long double: sums doubles get wrong, ties, hex, huge and tiny magnitudes', async () => {
    await same(['SET', 'f', '0.1'], ['INCRBYFLOAT', 'f', '0.2'], ['INCRBYFLOAT', 'f', '0.2'], ['INCRBYFLOAT', 'f', '100.01'],
      ['SET', 'f', '1'], ['INCRBYFLOAT', 'f', '1e400'], ['INCRBYFLOAT', 'f', '0x10'], ['INCRBYFLOAT', 'f', '1e5000']);
    const specials = ['inf', '-inf', 'Infinity', 'infinit', 'nan', '-nan', '1e', '.', '5.', '.5', '0x', '0x.8', '0X1P-2',
      '1e-5000', '1e-4940', '-0', '0e99999999', '1.18e4932', '1.2e4932', '0x1p16384', '00012.5000', '1E5', 'e5', '-',
      '1e-17', '5e-18', '-5e-18', '0.000000000000000015', '0.000000000000000025'];
    for (const init of ['0', '0.1', '-1.18e4932', '1e-4940']) {
      for (const v of specials) await same(['SET', 'f', init], ['INCRBYFLOAT', 'f', v], ['SET', 'f', v], ['INCRBYFLOAT', 'f', init]);
    }
  });

  it('matches Redis over a pseudo-random walk', async () => {
    const gen = randomFloats(7);
    for (let i = 0; i < 300; i++) {
      if (i % 30 === 0) await same(['SET', 'f', gen()]);
      await same(['INCRBYFLOAT', 'f', gen()]);
    }
  });
});

describe('APPEND STRLEN GETRANGE SUBSTR SETRANGE', () => {
  it('APPEND and STRLEN', async () => {
    await makeList('list');
    await same(['APPEND', 'k', 'abc'], ['APPEND', 'k', 'def'], ['GET', 'k'], ['STRLEN', 'k'], ['STRLEN', 'nokey'],
      ['APPEND', 'k', ''], ['APPEND', 'list', 'x'], ['STRLEN', 'list'], ['SET', 'n', '12'], ['APPEND', 'n', '3'],
      ['INCR', 'n'], ['SET', 't', 'a', 'EX', '100'], ['APPEND', 't', 'b'], ['TTL', 't']);
  });

  it('GETRANGE and SUBSTR over every index pair', async () => {
    const idx = ['0', '1', '4', '10', '11', '100', '-1', '-2', '-11', '-12', '-100', MAX, MIN];
    await same(['SET', 's', 'Hello World'], ['SET', 'i', '12345'], ['SET', 'e', '']);
    for (const key of ['s', 'i', 'e', 'nokey']) {
      for (const a of idx) for (const b of idx) await same(['GETRANGE', key, a, b]);
    }
    await makeList('list');
    await same(['SUBSTR', 's', '0', '4'], ['SUBSTR', 's', '-5', '-1'], ['GETRANGE', 's', 'x', '1'],
      ['GETRANGE', 's', '1', 'x'], ['GETRANGE', 'list', '0', '1'], ['GETRANGE', 'list', 'x', '1'],
      ['SUBSTR', 'list', '0', '1']);
  });

  it('SETRANGE pads with zero bytes, keeps the TTL, validates the offset', async () => {
    await makeList('list');
    await same(['SETRANGE', 'k', '5', 'abc'], ['GET', 'k'], ['SETRANGE', 'k', '0', 'XY'], ['GET', 'k'],
      ['SETRANGE', 'k', '7', 'tail!'], ['GET', 'k'], ['SETRANGE', 'k', '1', ''], ['SETRANGE', 'new', '3', ''],
      ['EXISTS', 'new'], ['SETRANGE', 'k', '-1', 'x'], ['SETRANGE', 'k', 'x', 'y'], ['SETRANGE', 'list', '0', 'x'],
      ['SETRANGE', 'list', '0', ''], ['SETRANGE', 'list', '-1', 'x'], ['SET', 't', 'abc', 'EX', '100'],
      ['SETRANGE', 't', '1', 'Z'], ['GET', 't'], ['TTL', 't'], ['SET', 'n', '100'], ['SETRANGE', 'n', '0', '2'],
      ['INCR', 'n']);
  });

  it('proto-max-bulk-len bounds APPEND and SETRANGE', async () => {
    const big = 'x'.repeat(MAX_BULK - 2);
    await same(['SET', 'k', big], ['APPEND', 'k', 'ab'], ['APPEND', 'k', 'c'], ['STRLEN', 'k'],
      ['SETRANGE', 'k', String(MAX_BULK - 1), 'a'], ['SETRANGE', 'k', String(MAX_BULK - 1), 'ab'],
      ['SETRANGE', 'new', String(MAX_BULK), 'a'], ['SETRANGE', 'new', MAX, 'a'], ['EXISTS', 'new'],
      ['SETRANGE', 'new', String(MAX_BULK - 1), 'a'], ['STRLEN', 'new']);
  });
});

describe('GETSET GETDEL GETEX', () => {
  it('GETSET returns the old value and drops the TTL', async () => {
    await makeList('list');
    await same(['GETSET', 'k', 'a'], ['SET', 'k', 'b', 'EX', '100'], ['GETSET', 'k', 'c'], ['GET', 'k'], ['TTL', 'k'],
      ['GETSET', 'list', 'x'], ['TYPE', 'list']);
  });

  it('GETDEL', async () => {
    await makeList('list');
    await same(['SET', 'k', 'v'], ['GETDEL', 'k'], ['EXISTS', 'k'], ['GETDEL', 'k'], ['GETDEL', 'list'], ['TYPE', 'list']);
  });

  it('GETEX options set, change and remove the TTL', async () => {
    const pxat = Date.now() + 500_250;
    await same(['SET', 'k', 'v'], ['GETEX', 'k'], ['TTL', 'k'], ['GETEX', 'k', 'EX', '100'], ['TTL', 'k'],
      ['GETEX', 'k', 'px', '200000'], ['TTL', 'k'], ['GETEX', 'k', 'PXAT', String(pxat)], ['TTL', 'k'],
      ['GETEX', 'k', 'EXAT', String(Math.floor(pxat / 1000) + 0)], ['GETEX', 'k', 'PERSIST'], ['TTL', 'k'],
      ['GETEX', 'k', 'EX', '1', 'EX', '300'], ['TTL', 'k'], ['GETEX', 'k', 'PERSIST', 'PERSIST'], ['TTL', 'k']);
  });

  it('GETEX errors, and the missing key answered before its expire argument', async () => {
    await makeList('list');
    await same(['SET', 'k', 'v'], ['GETEX', 'k', 'EX'], ['GETEX', 'k', 'PERSIST', 'EX', '1'], ['GETEX', 'k', 'EX', '1', 'PX', '1'],
      ['GETEX', 'k', 'KEEPTTL'], ['GETEX', 'k', 'NX'], ['GETEX', 'k', 'GET'], ['GETEX', 'k', 'EX', '0'],
      ['GETEX', 'k', 'EX', 'abc'], ['GETEX', 'k', 'EX', MAX], ['GETEX', 'k', 'PXAT', '0'], ['GETEX', 'nokey', 'EX', '-1'],
      ['GETEX', 'nokey', 'EX', 'abc'], ['GETEX', 'nokey', 'FOO'], ['GETEX', 'list'], ['GETEX', 'list', 'EX', '-1'], ['TTL', 'k']);
  });

  it('GETEX with a past EXAT or PXAT deletes the key', async () => {
    await same(['SET', 'k', 'v'], ['GETEX', 'k', 'EXAT', '1'], ['EXISTS', 'k'], ['SET', 'k', 'v'],
      ['GETEX', 'k', 'PXAT', '1'], ['EXISTS', 'k']);
  });
});

describe('WRONGTYPE', () => {
  it('every string command on a list', async () => {
    await makeList('list');
    await same(['GET', 'list'], ['GETSET', 'list', 'v'], ['GETDEL', 'list'], ['GETEX', 'list'], ['STRLEN', 'list'],
      ['APPEND', 'list', 'v'], ['GETRANGE', 'list', '0', '-1'], ['SETRANGE', 'list', '0', 'v'], ['INCR', 'list'],
      ['INCRBYFLOAT', 'list', '1'], ['SETNX', 'list', 'v'], ['MSETNX', 'list', 'v'], ['TYPE', 'list']);
  });
});

describe('binary safety', () => {
  it('keys and values with all 256 byte values', async () => {
    const key = `k${BINARY}`;
    await same(['SET', key, BINARY], ['GET', key], ['STRLEN', key], ['APPEND', key, BINARY], ['STRLEN', key],
      ['GETRANGE', key, '250', '260'], ['GETRANGE', key, '-3', '-1'], ['SETRANGE', key, '10', '\r\n\0\xff'],
      ['GET', key], ['MSET', BINARY, 'x', 'y', BINARY], ['MGET', BINARY, 'y', key], ['GETSET', 'y', '\0'],
      ['GETDEL', BINARY], ['EXISTS', BINARY], ['INCR', key], ['INCRBYFLOAT', key, '1']);
    for (let b = 0; b < 256; b += 17) {
      const one = String.fromCharCode(b);
      await same(['SET', one, one], ['GET', one], ['APPEND', one, one], ['GETRANGE', one, '1', '1']);
    }
  });
});

describe('expiry', () => {
  it('keys expire lazily: a read after the deadline finds nothing', async () => {
    await same(['SET', 'k', 'v', 'PX', '40'], ['SETEX', 's', '100', 'v'], ['PSETEX', 'p', '40', 'v']);
    await sleep(80);
    await same(['GET', 'k'], ['EXISTS', 'k'], ['GET', 'p'], ['INCR', 'p'], ['TTL', 'p'], ['GET', 's']);
  });

  it('keys expire actively, with nobody reading them', async () => {
    const db = pair.redstate.server.keyspace.dbs[0]!;
    await pair.s.call('SET', 'k', 'v', 'PX', '20');
    await pair.s.call('SET', 'stays', 'v');
    expect(db.dict.has('k')).toBe(true);
    const deadline = Date.now() + 3000;
    while (db.dict.has('k') && Date.now() < deadline) await sleep(20);
    expect(db.dict.has('k')).toBe(false);
    expect(db.dict.has('stays')).toBe(true);
  });
});
