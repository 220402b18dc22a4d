// Streams compared reply for reply with redis-server 7.0: XADD (ids, NOMKSTREAM, MAXLEN and
// MINID exact and ~, LIMIT), ranges, XDEL, XTRIM, XREAD, XSETID, XINFO, consumer groups
// (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM) and their errors. Times that
// depend on each server's clock (idle, delivery and seen times) are compared masked.
import { describe, expect, it } from 'vitest';
import type { Reply } from '../helpers/resp-client.js';
import { plain, sideBySide, type Arg } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same } = pair;

/** Replaces the integers that follow these names (map replies) with 'T'. */
const TIMES = new Set(['seen-time', 'idle']);

function mask(x: unknown): unknown {
  if (!Array.isArray(x)) return x;
  const out: unknown[] = [];
  for (let i = 0; i < x.length; i++) {
    const prev = x[i - 1];
    if (typeof prev === 'string' && TIMES.has(prev) && typeof x[i] === 'number') out.push('T');
    else if (prev === 'pending' && Array.isArray(x[i])) out.push((x[i] as unknown[]).map(maskPendingRow));
    else out.push(mask(x[i]));
  }
  return out;
}

/** A pending row, [id, consumer, time, count] or [id, time, count]: the delivery time masked. */
function maskPendingRow(row: unknown): unknown {
  const r = [...(row as unknown[])];
  r[r.length - 2] = 'T';
  return r;
}

/** Runs cmd on both; the replies must match once clock-dependent numbers are masked. */
async function sameMasked(...cmds: Arg[][]): Promise<void> {
  for (const cmd of cmds) {
    const [want, got] = await Promise.all([pair.r.call(...cmd), pair.s.call(...cmd)]);
    expect(mask(plain(got)), cmd.join(' ')).toEqual(mask(plain(want)));
  }
}

/** XPENDING's extended form: [id, consumer, idle, deliveries], idle masked. */
async function samePending(...cmd: Arg[]): Promise<void> {
  const [want, got] = await Promise.all([pair.r.call('XPENDING', ...cmd), pair.s.call('XPENDING', ...cmd)]);
  const strip = (r: Reply): unknown => (Array.isArray(r) ? r.map((row) => (Array.isArray(row) ? [row[0], row[1], row[3]] : row)) : plain(r));
  expect(strip(got), `XPENDING ${cmd.join(' ')}`).toEqual(strip(want));
}

async function fill(key: string, n: number, fields: (i: number) => Arg[] = (i) => ['f', i]): Promise<void> {
  await pair.samePipelined(Array.from({ length: n }, (_, i) => ['XADD', key, `${i + 1}-1`, ...fields(i)]));
}

describe('XADD', () => {
  it('adds with explicit, ms-* and incomplete ids, and refuses ids out of order', async () => {
    await same('XADD s 1-1 a 1', 'XADD s 1-2 b 2', 'XADD s 1-* c 3', 'XADD s 5-* d 4', 'XADD s 5-* e 5', 'XADD s 7 f 6');
    await same('XADD s 7 g 7', 'XADD s 1-1 x y', 'XADD s 0-0 x y', 'XADD t 0-0 x y', 'XADD t 0-* x y', 'XADD t 0-1 x y');
    await same('XADD s 18446744073709551615-18446744073709551614 z 1', 'XADD s 18446744073709551615-* z 2');
    await same('XADD s * z 3', 'XADD s 18446744073709551615-* z 4', 'XLEN s', 'XRANGE s - +');
    await same('XADD u 18446744073709551615-* a b', 'XADD u 18446744073709551615-* a b', 'XRANGE u - +');
  });

  it('carries and borrows IDs across their 32-bit words, and reads 15- and 16-digit halves', async () => {
    await same('XADD s 4294967295-4294967295 a 1', 'XADD s 4294967295-* a 2', 'XADD s 4294967296-18446744073709551615 a 3');
    await same('XADD s 4294967296-* a 4', 'XADD s 999999999999999-999999999999999 a 5', 'XADD s 1000000000000000-0 a 6');
    await same('XADD s 9007199254740993-1 a 7', 'XADD s 9007199254740993-* a 8', 'XRANGE s - +');
    await same('XRANGE s (4294967295-4294967295 +', 'XRANGE s - (4294967296-0', 'XRANGE s (4294967296-18446744073709551615 +');
    await same('XREVRANGE s (9007199254740993-1 -', 'XRANGE s (999999999999999-999999999999999 (9007199254740993-1');
  });

  it('answers bad ids, arity, options and types as Redis does', async () => {
    await same('XADD s', 'XADD s 1-1', 'XADD s 1-1 a', 'XADD s 1-1 a b c', 'XADD s abc a b', 'XADD s 1-x a b');
    await same('XADD s - a b', 'XADD s + a b', 'XADD s -1 a b', 'XADD s 18446744073709551616 a b', 'XADD s 1-18446744073709551616 a b');
    await same('XADD s 1- a b', 'XADD s -5 a b', 'XADD s +5 a b', 'XADD s 00001-01 a b', 'XRANGE s - +');
    await same('XADD s MAXLEN -1 * a b', 'XADD s MAXLEN x * a b', 'XADD s MAXLEN 1 MINID 1 * a b', 'XADD s LIMIT 5 * a b');
    await same('XADD s MAXLEN 5 LIMIT 5 * a b', 'XADD s MAXLEN ~ 5 LIMIT -1 * a b', 'XADD s MINID - * a b', 'XADD s MINID abc * a b');
    await same('XADD s NOMKSTREAM', 'EXISTS s', 'SET str x', 'XADD str * a b', 'XADD nope NOMKSTREAM * a b', 'EXISTS nope');
    await same('XADD s NOMKSTREAM 3-3 a b', 'XADD s NOMKSTREAM 4-4 a b', 'XRANGE s - +');
    const id = (await pair.mine('XADD auto * k v')) as string;
    expect(id).toMatch(/^\d{13}-0$/);
  });

  it('trims with MAXLEN and MINID, exact and ~, at node boundaries as Redis does', async () => {
    await fill('s', 750);
    await same('XADD s MAXLEN ~ 600 751-1 f x', 'XLEN s', 'XADD s MAXLEN 300 752-1 f x', 'XLEN s', 'XRANGE s - + COUNT 3');
    await same('XADD s MINID ~ 500 753-1 f x', 'XLEN s', 'XADD s MINID = 510 754-1 f x', 'XLEN s', 'XRANGE s - + COUNT 2');
    await same('XADD s MAXLEN ~ 10 LIMIT 150 755-1 f x', 'XLEN s', 'XADD s MAXLEN ~ 10 LIMIT 0 756-1 f x', 'XLEN s');
    await same('XINFO STREAM s', 'XTRIM s MAXLEN 0', 'XLEN s', 'XINFO STREAM s');
  });

  it('starts nodes where Redis does: by entries, by bytes, with and without the master fields', async () => {
    await fill('a', 400, (i) => (i % 7 === 0 ? ['other', i] : ['f', i, 'g', 'x'.repeat(i % 50)]));
    await fill('b', 60, (i) => ['blob', 'y'.repeat(100 + 37 * i)]);
    await fill('c', 300, (i) => ['n', -i * 1000, 'big', String(2 ** 40 + i)]);
    for (const k of ['a', 'b', 'c']) await same(`XINFO STREAM ${k}`, `XTRIM ${k} MAXLEN ~ 20`, `XINFO STREAM ${k}`);
    await same('XTRIM a MINID ~ 395', 'XINFO STREAM a', 'XTRIM b MINID 59', 'XINFO STREAM b');
  });

  it('XINFO STREAM counts the rax nodes again after nodes are appended, emptied in the middle or trimmed, and only then', async () => {
    await same('CONFIG SET stream-node-max-entries 4');
    const cmds: Arg[][] = [];
    let id = 0;
    for (let round = 0; round < 60; round++) {
      // Nodes of four entries from ID 1 on: deleting a node's four entries empties it (a new
      // node at the end and an emptied one in the middle leave as many nodes as before).
      if (round % 3 === 0) {
        const node = 4 * Math.floor(((id - 12) * ((round % 5) + 1)) / 24) + 1;
        cmds.push(['XDEL', 's', ...[0, 1, 2, 3].map((k) => `${(node + k) * 37}-1`)]);
      }
      if (round % 7 === 6) cmds.push(['XTRIM', 's', 'MAXLEN', '~', 12]);
      for (let i = 0; i < 1 + (round % 9); i++) cmds.push(['XADD', 's', `${++id * 37}-1`, 'f', id]);
      cmds.push(['XINFO', 'STREAM', 's'], ['XINFO', 'STREAM', 's']);
    }
    await pair.samePipelined(cmds);
    await same('CONFIG SET stream-node-max-entries 100');
  });
});

describe('ranges, XLEN, XDEL, XTRIM', () => {
  it('reads ranges forward and back, exclusive bounds and COUNT', async () => {
    await fill('s', 30);
    await same('XRANGE s - +', 'XREVRANGE s + -', 'XRANGE s 5 10', 'XRANGE s (5-1 (10-1', 'XREVRANGE s (10-1 (5-1');
    await same('XRANGE s 5-1 5-1', 'XRANGE s (5-1 5-1', 'XRANGE s - + COUNT 4', 'XREVRANGE s + - COUNT 4', 'XRANGE s - + COUNT 0');
    await same('XRANGE s - + COUNT -3', 'XRANGE s 20 +', 'XRANGE s 31 +', 'XRANGE s + -', 'XRANGE none - +', 'XREVRANGE none + -');
    await same('XRANGE s (- +', 'XRANGE s - (+', 'XRANGE s (0-0 +', 'XRANGE s - (0-0', 'XRANGE s (18446744073709551615-18446744073709551615 +');
    await same('XRANGE s - + COUNT', 'XRANGE s - + COUNT x', 'XRANGE s - + LIMIT 1', 'XRANGE s x +', 'XRANGE s - x');
    await same('XRANGE s ( +', 'XRANGE s (abc +', 'SET str x', 'XRANGE str - +', 'XLEN str', 'XLEN s', 'XLEN none');
  });

  it('deletes entries, keeping first id, max deleted id and node counts as Redis does', async () => {
    await fill('s', 250);
    await same('XDEL s 1-1 2-1 2-1 999-1', 'XDEL s 50-1', 'XINFO STREAM s', 'XRANGE s - + COUNT 3');
    await pair.samePipelined(Array.from({ length: 100 }, (_, i) => ['XDEL', 's', `${101 + i}-1`]));
    await same('XINFO STREAM s', 'XRANGE s 95 205', 'XDEL s abc', 'XDEL s 1-1 x', 'XDEL none 1-1', 'XDEL none x');
    await same('XTRIM s MINID 240', 'XINFO STREAM s', 'XTRIM s MAXLEN 3', 'XRANGE s - +', 'XDEL s 248-1 249-1 250-1', 'XINFO STREAM s', 'EXISTS s');
  });

  it('XTRIM answers its options and errors as Redis does', async () => {
    await fill('s', 500);
    await same('XTRIM s', 'XTRIM s MAXLEN', 'XTRIM s FOO 1', 'XTRIM s MAXLEN 1 MINID 1', 'XTRIM s MAXLEN 10 LIMIT 10');
    await same('XTRIM s LIMIT 10', 'XTRIM s NOMKSTREAM MAXLEN 1', 'XTRIM s MAXLEN ~ 100 LIMIT 100', 'XLEN s', 'XTRIM s MAXLEN ~ 100', 'XLEN s');
    await same('XTRIM s MINID ~ 450', 'XLEN s', 'XTRIM s MINID = 460', 'XLEN s', 'XTRIM s MAXLEN = 0', 'XTRIM none MAXLEN 0', 'SET str x', 'XTRIM str MAXLEN 1');
  });
});

describe('XREAD and XSETID', () => {
  it('reads past ids from several streams', async () => {
    await fill('a', 5);
    await fill('b', 3);
    await same('XREAD STREAMS a b 0 0', 'XREAD COUNT 2 STREAMS a b 2 0-0', 'XREAD STREAMS a b $ $', 'XREAD STREAMS a none 4-1 0');
    await same('XREAD COUNT -1 STREAMS a 3', 'XREAD STREAMS a', 'XREAD STREAMS a b 0', 'XREAD a 0', 'XREAD COUNT x STREAMS a 0');
    await same('XREAD STREAMS a >', 'XREAD STREAMS a +', 'XREAD STREAMS a abc', 'XREAD GROUP g c STREAMS a 0', 'XREAD NOACK STREAMS a 0');
    await same('XREAD BLOCK x STREAMS a 0', 'XREAD BLOCK -1 STREAMS a 0', 'XREAD BLOCK 0 STREAMS a 0', 'SET str x', 'XREAD STREAMS str 0');
  });

  it('XSETID moves the last id, entries-added and max deleted id', async () => {
    await fill('s', 5);
    await same('XSETID s 3-1', 'XSETID s 10-0', 'XINFO STREAM s', 'XADD s 10-0 a b', 'XSETID s 20-0 ENTRIESADDED 3', 'XSETID s 20-0 ENTRIESADDED 50 MAXDELETEDID 15-0');
    await same('XINFO STREAM s', 'XSETID s 21-0 MAXDELETEDID 22-0', 'XSETID s 21-0 ENTRIESADDED -1', 'XSETID s 21-0 FOO', 'XSETID none 1-1', 'XSETID s abc');
    await same('XDEL s 1-1 2-1 3-1 4-1 5-1', 'XSETID s 0-1', 'XINFO STREAM s', 'SET str x', 'XSETID str 1-1');
  });
});

describe('consumer groups', () => {
  it('XGROUP creates, sets, destroys and manages consumers', async () => {
    await fill('s', 10);
    await same('XGROUP CREATE s g 0', 'XGROUP CREATE s g 0', 'XGROUP CREATE s g2 $ ENTRIESREAD 10', 'XGROUP CREATE s g3 5-1 ENTRIESREAD -1');
    await same('XGROUP CREATE none g 0', 'XGROUP CREATE none g $ MKSTREAM', 'TYPE none', 'XGROUP CREATE s g4 0 ENTRIESREAD -2', 'XGROUP CREATE s g4 0 FOO');
    await same('XGROUP CREATE s g4 abc', 'XGROUP CREATE s g4 + ', 'XGROUP SETID s g 3-1', 'XGROUP SETID s g $ ENTRIESREAD 10', 'XGROUP SETID s nog 0');
    await same('XGROUP SETID s g - ', 'XGROUP SETID s g 1 MKSTREAM', 'XGROUP CREATECONSUMER s g alice', 'XGROUP CREATECONSUMER s g alice');
    await same('XGROUP CREATECONSUMER s nog alice', 'XGROUP DELCONSUMER s g bob', 'XGROUP DELCONSUMER s g alice', 'XGROUP DESTROY s g3', 'XGROUP DESTROY s g3');
    await same('XGROUP', 'XGROUP FOO', 'XGROUP CREATE s', 'XGROUP DESTROY s g x', 'XGROUP HELP', 'SET str x', 'XGROUP CREATE str g 0');
    await sameMasked(['XINFO', 'GROUPS', 's'], ['XINFO', 'STREAM', 's', 'FULL']);
  });

  it('XREADGROUP delivers new entries, serves history, and XACK/XPENDING/XINFO follow', async () => {
    await fill('s', 20);
    await same('XGROUP CREATE s g 0', 'XREADGROUP GROUP g alice COUNT 3 STREAMS s >', 'XREADGROUP GROUP g bob COUNT 2 STREAMS s >');
    await same('XREADGROUP GROUP g alice STREAMS s 0', 'XREADGROUP GROUP g alice COUNT 1 STREAMS s 1-1', 'XREADGROUP GROUP g nobody STREAMS s 0');
    await same('XACK s g 2-1 4-1 99-1', 'XACK s g 2-1', 'XACK s nog 1-1', 'XACK none g 1-1', 'XACK s g abc', 'XPENDING s g');
    await samePending('s', 'g', '-', '+', 10);
    await samePending('s', 'g', '-', '+', 10, 'bob');
    await samePending('s', 'g', '(1-1', '5', 2);
    await samePending('s', 'g', 'IDLE', 0, '-', '+', 10, 'alice');
    await same('XPENDING s g - + 10 nobody', 'XPENDING s g - +', 'XPENDING s g IDLE 5 - + ', 'XPENDING s nog', 'XPENDING none g', 'XPENDING s g x + 1');
    await same('XPENDING s g - + x', 'XPENDING s g IDLE x - + 1', 'XPENDING s g - + 10 a b', 'XPENDING s g (18446744073709551615-18446744073709551615 + 1');
    await same('XDEL s 1-1', 'XREADGROUP GROUP g alice STREAMS s 0', 'XREADGROUP GROUP g carol NOACK COUNT 5 STREAMS s >', 'XPENDING s g');
    await same('XREADGROUP GROUP g alice STREAMS s $', 'XREADGROUP GROUP nog alice STREAMS s >', 'XREADGROUP GROUP g alice STREAMS none >');
    await same('XREADGROUP STREAMS s >', 'XREADGROUP GROUP g STREAMS s >', 'XREADGROUP GROUP g a STREAMS s', 'XREADGROUP GROUP g alice STREAMS s >');
    await same('XREADGROUP GROUP g alice STREAMS s >', 'XADD s 100-1 f late', 'XREADGROUP GROUP g dave STREAMS s >', 'XPENDING s g');
    await sameMasked(['XINFO', 'STREAM', 's', 'FULL'], ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 2], ['XINFO', 'CONSUMERS', 's', 'g'], ['XINFO', 'GROUPS', 's']);
    await same(['XPENDING', 'k\0x', 'g\0y'], ['XREADGROUP', 'GROUP', 'g\0y', 'c', 'STREAMS', 'k\0x', '>'], ['XCLAIM', 's', 'g', 'c', 0, '1-1', 'FOO\0x']);
    await same('XINFO CONSUMERS s nog', 'XINFO CONSUMERS none g', 'XINFO STREAM s FOO', 'XINFO STREAM s FULL COUNT', 'XINFO STREAM s FULL COUNT x', 'XINFO HELP', 'XINFO FOO s');
  });

  it('lag and entries-read follow reads, deletes and SETID as Redis reports them', async () => {
    await fill('s', 10);
    await same('XGROUP CREATE s g 0', 'XGROUP CREATE s h 5-1', 'XGROUP CREATE s k $', 'XINFO GROUPS s');
    await same('XREADGROUP GROUP g a COUNT 4 STREAMS s >', 'XINFO GROUPS s', 'XDEL s 7-1', 'XINFO GROUPS s');
    await same('XREADGROUP GROUP h a COUNT 1 STREAMS s >', 'XREADGROUP GROUP g a STREAMS s >', 'XINFO GROUPS s');
    await same('XGROUP SETID s g 2-1', 'XINFO GROUPS s', 'XGROUP SETID s k 0 ENTRIESREAD 0', 'XINFO GROUPS s', 'XADD s 11-1 f x', 'XINFO GROUPS s');
  });

  it('XCLAIM and XAUTOCLAIM move pending entries between consumers', async () => {
    await fill('s', 12);
    await same('XGROUP CREATE s g 0', 'XREADGROUP GROUP g alice COUNT 8 STREAMS s >');
    await same('XCLAIM s g bob 0 1-1 2-1', 'XCLAIM s g bob 0 3-1 JUSTID', 'XCLAIM s g bob 3600000 4-1', 'XCLAIM s g bob 0 5-1 RETRYCOUNT 7');
    await same('XCLAIM s g bob 0 11-1', 'XCLAIM s g bob 0 11-1 FORCE', 'XCLAIM s g bob 0 99-1 FORCE', 'XCLAIM s g bob 0 6-1 LASTID 50-0', 'XINFO GROUPS s');
    await same('XCLAIM s g bob 0 7-1 IDLE 5000 JUSTID', 'XCLAIM s g bob 0 7-1 TIME 1000 JUSTID', 'XCLAIM s g bob 0 FOO', 'XCLAIM s g bob x 1-1');
    await same('XCLAIM s g bob 0 1-1 IDLE x', 'XCLAIM s g bob 0 1-1 RETRYCOUNT x', 'XCLAIM s g bob 0 1-1 LASTID x', 'XCLAIM s nog bob 0 1-1', 'XCLAIM none g bob 0 1-1');
    await samePending('s', 'g', '-', '+', 20);
    await same('XDEL s 8-1', 'XAUTOCLAIM s g carol 0 0 COUNT 3', 'XAUTOCLAIM s g carol 0 0 COUNT 3 JUSTID', 'XAUTOCLAIM s g dave 0 (5-1');
    await same('XAUTOCLAIM s g dave 3600000 0', 'XAUTOCLAIM s g dave 0 0 COUNT 0', 'XAUTOCLAIM s g dave 0 0 COUNT x', 'XAUTOCLAIM s g dave 0 0 FOO');
    await same('XAUTOCLAIM s g dave x 0', 'XAUTOCLAIM s g dave 0 x', 'XAUTOCLAIM s nog dave 0 0', 'XAUTOCLAIM none g dave 0 0');
    await samePending('s', 'g', '-', '+', 20);
    await same('XPENDING s g', 'XGROUP DELCONSUMER s g dave', 'XPENDING s g');
  });
});

describe('WATCH', () => {
  it('sees XADD, XDEL and XTRIM, and not XSETID or consumer-group changes, as Redis', async () => {
    await fill('s', 5);
    await same('XGROUP CREATE s g 0');
    for (const write of ['XSETID s 99-0', 'XGROUP CREATECONSUMER s g c', 'XREADGROUP GROUP g c COUNT 1 STREAMS s >', 'XACK s g 1-1', 'XCLAIM s g d 0 2-1', 'XGROUP SETID s g 0', 'XADD s 100-1 f x', 'XDEL s 3-1']) {
      await same('WATCH s', write, 'MULTI', 'PING', 'EXEC');
    }
  });
});

describe('keys and types', () => {
  it('TYPE, OBJECT ENCODING, COPY, RENAME and DEBUG DIGEST-VALUE see streams', async () => {
    await fill('s', 150);
    await same('XGROUP CREATE s g 0', 'XREADGROUP GROUP g a COUNT 2 STREAMS s >', 'TYPE s', 'OBJECT ENCODING s', 'COPY s t', 'XRANGE t - + COUNT 2');
    await same('DEBUG DIGEST-VALUE s', 'DEBUG DIGEST-VALUE t', 'XADD t 999-1 x y', 'XLEN s', 'XLEN t', 'XPENDING t g', 'RENAME t u', 'XINFO GROUPS u');
    await same('DEBUG DIGEST');
    await pair.sameSorted('SCAN 0 TYPE stream');
  });
});
