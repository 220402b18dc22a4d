// Replies as the fuzzer reads and compares them: a streaming RESP2 and RESP3 reader that keeps
// every value as its bytes (integers too, so nothing is lost past 2^53), RESP3's types read as
// their RESP2 forms plus each reply's type skeleton (which types sit at which depth), and the
// comparison of one reply from redstate with redis-server's under one of the kinds commands.ts
// documents.
import type { Kind } from './commands.js';

/** '+text', '-error', ':int', '$bulk' (latin1), null (nil bulk), '*nil' (nil array), or an array. */
export type Reply = string | null | Reply[];

/** Parses the replies of one connection as its bytes arrive. */
export class ReplyReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Chunks not yet joined to buf, and how many bytes buf and they must hold before a parse can go on. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private need = 0;
  readonly replies: Reply[] = [];
  /** Out-of-band push messages read (not replies). */
  pushes = 0;
  /** Each reply's type skeleton (types()), in step with replies. */
  readonly skeletons: string[] = [];
  /** What was not RESP, once a server sent such bytes (nothing after them is read). */
  broken: string | null = null;

  push(chunk: Buffer): void {
    if (this.broken !== null) return;
    // A 512 MB bulk arrives in thousands of chunks: joined only once it is all there.
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.buf.length + this.pendingBytes < this.need) return;
    this.buf = Buffer.concat([this.buf, ...this.pending]);
    this.pending = [];
    this.pendingBytes = 0;
    let pos = 0;
    try {
      for (;;) {
        const types = new Set<string>();
        const r = parse(this.buf, pos, 0, types);
        if (typeof r === 'number') {
          this.need = r - pos;
          break;
        }
        // RESP3's push messages (CLIENT TRACKING's invalidations) are not replies: set aside.
        if (this.buf[pos] === 62) this.pushes++;
        else {
          this.replies.push(r[0]);
          this.skeletons.push([...types].sort().join(' '));
        }
        pos = r[1];
      }
    } catch (err) {
      this.broken = `${(err as Error).message} after ${JSON.stringify(this.buf.toString('latin1', Math.max(0, pos - 200), pos))}`;
    }
    this.buf = this.buf.subarray(pos);
  }
}

/**
 * A reply and where the next begins; or, when incomplete, how long the buffer must be at least.
 * RESP3 values read as RESP2 sends them (a map as its flat array, a set as an array, a double or
 * big number or verbatim text as a bulk, a boolean as 1 or 0, null as a nil bulk, an attribute
 * skipped); types gets "depth+type byte" of every value, so the protocol's own types still count.
 */
function parse(buf: Buffer, pos: number, depth: number, types: Set<string>): [Reply, number] | number {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return buf.length + 1;
  const type = buf[pos]!;
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  if (type !== 124) types.add(`${depth}${String.fromCharCode(type)}`);
  /** n values from p on, as one array. */
  const many = (n: number, p: number): [Reply[], number] | number => {
    const out: Reply[] = [];
    for (let i = 0; i < n; i++) {
      const r = parse(buf, p, depth + 1, types);
      if (typeof r === 'number') return r;
      out.push(r[0]);
      p = r[1];
    }
    return [out, p];
  };
  switch (type) {
    case 43: case 45: case 58: return [String.fromCharCode(type) + line, next];
    case 44: case 40: return ['$' + line, next];
    case 35: return [line === 't' ? ':1' : ':0', next];
    case 95: return [null, next];
    case 36: case 61: {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return next + n + 2;
      // A verbatim string's first four bytes name its format (txt:), which RESP2 does not send.
      return ['$' + buf.toString('latin1', type === 61 ? next + 4 : next, next + n), next + n + 2];
    }
    case 42: case 126: case 62: {
      const n = Number(line);
      if (n < 0) return ['*nil', next];
      return many(n, next);
    }
    case 37: return many(2 * Number(line), next);
    case 124: {
      const attrs = many(2 * Number(line), next);
      return typeof attrs === 'number' ? attrs : parse(buf, attrs[1], depth, types);
    }
    default: throw new Error(`bad reply type byte ${type} at ${buf.toString('latin1', pos, pos + 40)}`);
  }
}

export const isError = (r: Reply): boolean => typeof r === 'string' && r.startsWith('-');

/**
 * Null when the type skeletons of two replies (RESP3's maps, sets, doubles... at each depth)
 * are the same as far as kind makes them comparable: all of it for the kinds whose values are
 * compared, the top-level type for shape, nothing for scans, whose pages differ by design.
 */
export function skeletonsDiffer(kind: Kind, want: string, got: string): string | null {
  if (kind === 'scan' || kind === 'commandinfo') return null;
  const top = (s: string): string => s.split(' ').filter((t) => t.startsWith('0')).join(' ');
  const [w, g] = kind === 'shape' ? [top(want), top(got)] : [want, got];
  return w === g ? null : `RESP types differ: redis [${want}], redstate [${got}]`;
}

const same = (a: Reply, b: Reply): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A reply's type: the shape compare of shape-only replies. */
const shape = (r: Reply): string => (r === null ? 'nil' : Array.isArray(r) ? '*' : r === '*nil' ? '*nil' : r[0]!);

const sorted = (xs: Reply[]): string[] => xs.map((x) => JSON.stringify(x)).sort();

/** Field-value (or member-score) pairs, sorted. */
const pairs = (xs: Reply[]): string[] => {
  const out: string[] = [];
  for (let i = 0; i + 1 < xs.length; i += 2) out.push(JSON.stringify([xs[i], xs[i + 1]]));
  return out.sort();
};

/** The COUNT argument of a random pick (SRANDMEMBER key n, HRANDFIELD key n ...), if any. */
const pickCount = (cmd: string[]): number | null => (cmd.length >= 3 && /^-?\d+$/.test(cmd[2]!) ? Number(cmd[2]) : null);

/**
 * Null when redstate's reply (got) is allowed against redis-server's (want) under kind;
 * else why not. cmd is the command that got them.
 */
export function differs(kind: Kind, cmd: string[], want: Reply, got: Reply): string | null {
  if (same(want, got)) return null;
  if (isError(want) || isError(got) || shape(want) !== shape(got)) return 'replies differ';
  switch (kind) {
    case 'exact':
    case 'spop':
      return 'replies differ';
    case 'shape':
      return null;
    case 'timing':
      return ['$0', '$1', ':0', ':1'].includes(want as string) && [':0', ':1'].includes(got as string) ? null : 'replies differ';
    case 'commandinfo': {
      const head = (xs: Reply[]): Reply[] => xs.map((x) => (Array.isArray(x) ? x.slice(0, 7) : x));
      return same(head(want as Reply[]), head(got as Reply[])) ? null : 'command infos differ';
    }
    case 'unordered':
      return same(sorted(want as Reply[]), sorted(got as Reply[])) ? null : 'elements differ';
    case 'pairs':
      return same(pairs(want as Reply[]), pairs(got as Reply[])) ? null : 'pairs differ';
    case 'ttl': {
      const d = Math.abs(Number((want as string).slice(1)) - Number((got as string).slice(1)));
      return Number((want as string).slice(1)) < 0 || d > 2000 ? 'times differ' : null;
    }
    case 'scan': {
      const [wc, we] = want as [Reply, Reply[]];
      const [gc, ge] = got as [Reply, Reply[]];
      // SCAN's cursor is the first word, HSCAN's (SSCAN's, ZSCAN's) the second.
      const from = cmd[0]!.toLowerCase() === 'scan' ? cmd[1] : cmd[2];
      if (wc !== '$0' || gc !== '$0' || from !== '0') return null;
      return same(sorted(we), sorted(ge)) ? null : 'finished scans hold different elements';
    }
    case 'random': {
      if (!Array.isArray(want)) return null;
      const g = got as Reply[];
      if (want.length !== g.length) return 'picked counts differ';
      const n = pickCount(cmd);
      // WITHSCORES / WITHVALUES picks: two entries each, or one [member, score] pair in RESP3.
      const per = cmd.length >= 4 && !Array.isArray(want[0]) ? 2 : 1;
      // The whole collection comes back when a positive count covers it.
      if (n !== null && n > 0 && want.length < n * per) return same(sorted(want), sorted(g)) ? null : 'whole collections differ';
      return null;
    }
  }
}
