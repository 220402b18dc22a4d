// LCS (t_string.c lcsCommand): the longest common subsequence of two strings by the plain
// dynamic-programming table, as the string, its length (LEN) or its matching ranges (IDX).
import type { Client } from '../actors/client.js';
import { textOf } from '../store/mutable-string.js';
import { isString } from '../store/values.js';
import { intArg, is } from './args.js';
import type { CommandSpec } from './command.js';
import { ERR } from './errors.js';

// lcsCommand
function lcs(c: Client, argv: string[]): void {
  const va = c.db.lookup(argv[1]!);
  const vb = c.db.lookup(argv[2]!);
  if ((va !== undefined && !isString(va)) || (vb !== undefined && !isString(vb))) {
    return c.reply.error('ERR The specified keys must contain string values');
  }
  const a = va === undefined ? '' : textOf(va);
  const b = vb === undefined ? '' : textOf(vb);
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    if (is(opt, 'IDX')) getIdx = true;
    else if (is(opt, 'LEN')) getLen = true;
    else if (is(opt, 'WITHMATCHLEN')) withMatchLen = true;
    else if (is(opt, 'MINMATCHLEN') && j < argv.length - 1) {
      const n = intArg(c, argv[++j]!);
      if (n === null) return;
      minMatchLen = Math.max(n, 0);
    } else {
      return c.reply.error(ERR.syntax);
    }
  }
  if (getLen && getIdx) return c.reply.error('ERR If you want both the length and indexes, please just use IDX.');
  const alen = a.length;
  const blen = b.length;
  const w = blen + 1;
  if ((alen + 1) * w * 4 > c.server.config.getInt('proto-max-bulk-len')) {
    return c.reply.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  const t = new Uint32Array((alen + 1) * w);
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) t[i * w + j] = t[(i - 1) * w + j - 1]! + 1;
      else t[i * w + j] = Math.max(t[(i - 1) * w + j]!, t[i * w + j - 1]!);
    }
  }
  const len = t[alen * w + blen]!;
  if (getLen) return c.reply.integer(len);
  // Walk back from the end, as Redis does, collecting the string and the ranges.
  const chars = new Array<string>(len);
  const ranges: number[][] = [];
  let idx = len;
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[idx - 1] = a[i - 1]!;
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (t[(i - 1) * w + j]! > t[i * w + j - 1]!) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minMatchLen === 0 || matchLen >= minMatchLen) ranges.push([aStart, aEnd, bStart, bEnd, matchLen]);
      aStart = alen;
    }
  }
  if (!getIdx) return c.reply.bulk(chars.join(''));
  c.reply.map(2);
  c.reply.bulk('matches');
  c.reply.array(ranges.length);
  for (const [as, ae, bs, be, ml] of ranges) {
    c.reply.array(withMatchLen ? 3 : 2);
    c.reply.array(2);
    c.reply.integer(as!);
    c.reply.integer(ae!);
    c.reply.array(2);
    c.reply.integer(bs!);
    c.reply.integer(be!);
    if (withMatchLen) c.reply.integer(ml!);
  }
  c.reply.bulk('len');
  c.reply.integer(len);
}

export const lcsCommands: CommandSpec[] = [
  { name: 'lcs', arity: -3, flags: ['readonly'], keys: [1, 2, 1], acl: ['read', 'string', 'slow'], run: lcs },
];
