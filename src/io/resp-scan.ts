// Where the keys of the commands a read holds are, found ahead of the parser: the db readies
// their lookups together (Db.prefetchRead), so that a pipeline's cache misses overlap instead
// of each command waiting on its own in turn. A guess, never a parse: a read that begins in
// the middle of a command (a master's stream) is scanned from the first `*` after a newline,
// and a bulk whose bytes look like a command's start may mislead it; either way what it finds
// is only looked up early, so a wrong guess costs the probe and nothing else.

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
const ZERO = 48;
const NINE = 57;
/** Longer counts are not the short headers of a pipeline's commands: the scan stops there. */
const COUNT_DIGITS_MAX = 9;
/** First arguments longer than this are not prefetched (hashing them costs more than a miss). */
const KEY_MAX = 256;
const LF_STAR = Buffer.from('\n*', 'latin1');

/** Where count() left off: past its CR LF. */
let after = 0;
/** Where the last scan stopped with its arrays full: the next command's start; else -1. */
let resumeAt = -1;

/** The decimal at buf[p] up to its CR LF, after set past them; -1 when it is not one or is cut. */
function count(buf: Uint8Array, p: number, len: number): number {
  let n = 0;
  let i = p;
  for (; i < len; i++) {
    const b = buf[i]!;
    if (b === CR) break;
    if (b < ZERO || b > NINE || i - p >= COUNT_DIGITS_MAX) return -1;
    n = n * 10 + (b - ZERO);
  }
  if (i === p || i + 1 >= len || buf[i + 1] !== LF) return -1;
  after = i + 2;
  return n;
}

/** buf[a, aEnd) and buf[b, bEnd) hold the same bytes. */
function sameBytes(buf: Buffer, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  while (a < aEnd) if (buf[a++] !== buf[b++]) return false;
  return true;
}

/**
 * The first arguments of the multibulk commands in buf from `from` on, in order, as
 * [starts[k], ends[k]) for k below the count returned (at most starts.length); a command cut
 * by the read's end counts when its first argument is whole. Stops at anything that is not a
 * multibulk command. With the arrays full, scanResume() tells where to go on. A read whose
 * first two commands name the same first argument is taken for a pipeline on one key (a
 * list's LPUSHes): nothing is found, and the rest is not scanned.
 */
export function scanFirstArgs(buf: Buffer, from: number, starts: Int32Array, ends: Int32Array): number {
  const len = buf.length;
  const max = starts.length;
  let p = from;
  resumeAt = -1;
  if (buf[p] !== STAR) {
    const at = buf.indexOf(LF_STAR, p);
    if (at < 0) return 0;
    p = at + 1;
  }
  let n = 0;
  while (p < len && buf[p] === STAR) {
    if (n === max) {
      resumeAt = p;
      return n;
    }
    const argc = count(buf, p + 1, len);
    if (argc < 0) return n;
    p = after;
    for (let a = 0; a < argc; a++) {
      if (p >= len || buf[p] !== DOLLAR) return n;
      const bulk = count(buf, p + 1, len);
      if (bulk < 0) return n;
      const start = after;
      if (a === 1 && bulk <= KEY_MAX && start + bulk <= len) {
        starts[n] = start;
        ends[n] = start + bulk;
        n++;
        if (n === 2 && from === 0 && sameBytes(buf, starts[0]!, ends[0]!, start, start + bulk)) return 0;
      }
      p = start + bulk + 2;
      if (p > len) return n;
    }
  }
  return n;
}

/** Where the last scanFirstArgs, its arrays full, would go on; -1 when it stopped otherwise. */
export function scanResume(): number {
  return resumeAt;
}
