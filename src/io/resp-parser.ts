// The client-side half of RESP2: turns socket chunks into argument vectors.
// Arguments become latin1 strings (one byte per char), so keys and values stay binary-safe
// and compact. Lengths and headers are parsed in place on the Buffer; a bulk that spans
// chunks is gathered once and joined once, never re-concatenated per chunk.
import { latin1Slice, MAX_STRING } from './latin1.js';
import { splitArgs } from './split-args.js';

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
const EMPTY = Buffer.alloc(0);
/** The gathered chunks of a parser gathering none. */
const NO_CHUNKS: Buffer[] = [];
/** PROTO_INLINE_MAX_SIZE: the longest inline command or header line Redis waits for. */
const INLINE_MAX = 64 * 1024;
const INT_MAX = 2147483647;
/** Bulks this much larger than what is buffered are gathered in a list, not re-joined. */
const GATHER_AT = 16 * 1024;
/** A parse buffer this large is not kept for the few bytes left of it (a big bulk's, joined). */
const KEEP_WHOLE_MAX = 128 * 1024;
/** Bytes parsed that a buffer may still hold before trim() copies out the rest (clientsCronResizeQueryBuffer's 4 kB). */
const TRIM_WASTE = 4 * 1024;

export class ProtocolError extends Error {}

/** Parses a decimal integer (string2ll rules: optional '-', digits, no spaces); NaN if bad. */
export function parseIntBytes(buf: Buffer, start: number, end: number): number {
  if (start >= end || end - start > 20) return NaN;
  let i = start;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === end) return NaN;
  }
  if (buf[i] === 48 && end - i > 1) return NaN;
  let v = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Longer first arguments are not kept for reuse: no command name is this long. */
const NAME_MAX = 32;
/** A header line ("*3", "$16") ends within this many bytes, or is not one we accept. */
const SHORT_LINE = 24;

/**
 * strchr(buf + from, c): the first c, or -1 while the line is not complete (none comes before
 * the end or a NUL byte: Redis looks for line ends with strchr, so a NUL hides them and it
 * waits for more). A line that has none within INLINE_MAX bytes throws tooLong, Redis's
 * PROTO_INLINE_MAX_SIZE check. A header is a few bytes long, and scanning them here costs
 * less than the native call; longer lines (errors to report) go to indexOf.
 *
 * A line cut by the end of a read (a replica behind its master reads 64 kB at a time, cut
 * anywhere) returns from the loop with no operation of its own: optimized code meets no
 * branch it has no type feedback for, which deoptimized the parser the first time a replica
 * fell behind (--trace-deopt: "Insufficient type feedback", then the parser recompiled).
 */
function findLineEnd(buf: Buffer, from: number, c: number, tooLong: string): number {
  const len = buf.length;
  const short = from + SHORT_LINE;
  for (let i = from; i < len; i++) {
    const b = buf[i];
    if (b === c) return i;
    if (b === 0 || i === short) return findLongLineEnd(buf, from, i, c, tooLong);
  }
  return -1;
}

/** findLineEnd past a NUL or the first SHORT_LINE bytes, from at. */
function findLongLineEnd(buf: Buffer, from: number, at: number, c: number, tooLong: string): number {
  const end = buf.indexOf(c, at);
  const nul = buf.indexOf(0, at);
  const found = nul >= 0 && (end < 0 || nul < end) ? -1 : end;
  if (found < 0 && buf.length - from > INLINE_MAX) throw new ProtocolError(tooLong);
  return found;
}

/** Gets each complete command; returning false stops parsing until resume(). */
export type CommandSink = (argv: string[]) => boolean;

/** The most arguments the reused argv array keeps room for between commands. */
const ARGV_KEPT = 1024;
/** The arguments an idle client's argv array keeps room for (release()). */
const ARGV_IDLE = 16;

export class RespParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Chunks of a large bulk still being gathered (a list of its own only meanwhile), and their total length. */
  private gathered = NO_CHUNKS;
  private gatheredLen = 0;
  /** Bytes of a bulk larger than keepLimit, counted as they came and not kept. */
  private discarded = 0;
  /** Bulks still expected by the multibulk in progress (0: none in progress). */
  private argc = 0;
  /**
   * The arguments of the multibulk in progress, argv[0, argi): one array reused from command
   * to command, each command getting an exact-size copy (an array grown by pushes gets room
   * for 17, and that garbage per command is what the young generation's scavenges collect).
   * Shortened in place, never replaced nor emptied: V8 then keeps the field constant and the
   * array's room, and the code that inlined them stays valid (a fresh empty array from an
   * idle client's release() deoptimized parse() and takeArgv() of every client, the master
   * link's too, and the next store into it again: --trace-deopt).
   */
  private readonly argv: string[] = [];
  private argi = 0;
  private bulkLen = -1;

  /** The last command name made: the next one, most often the same, reuses it. */
  private lastName = '';

  /** Bytes fed so far: the end of the buffer being parsed, counted from the first byte. */
  private fedTotal = 0;
  /**
   * Where the last command handed to the sink ended, counted as fedTotal is: a master's
   * stream moves the replication offset by each command's exact byte span.
   */
  commandEnd = 0;

  /** proto-max-bulk-len */
  maxBulkLen = 512 * 1024 * 1024;
  /** Set while the client must still AUTH: Redis then caps counts and lengths. */
  unauthenticated = false;
  /** Set for a master's stream: an inline command there means a desync; a bare newline is a keepalive. */
  rejectInline = false;
  /** Told of each bare newline: a replica sends them while it loads, as keepalives. */
  onNewline: (() => void) | null = null;
  /**
   * client-query-buffer-limit (Infinity for a master's stream): a bulk longer than this would
   * get its client dropped before it is complete, so its bytes are counted and not kept.
   */
  keepLimit = Infinity;

  /** Bytes received but not yet parsed into commands (CLIENT LIST's qbuf, the query limit's measure). */
  get buffered(): number {
    return this.buf.length - this.pos + this.gatheredLen + this.discarded;
  }

  /** Bytes of input this parser holds on to (the query buffer's allocation in Redis). */
  get retained(): number {
    return this.buf.length + this.gatheredLen;
  }

  /** True while the bulk in progress is over keepLimit: its bytes are gone. */
  get discarding(): boolean {
    return this.discarded > 0;
  }

  // clientsCronResizeQueryBuffer
  /**
   * An idle client's share: trim(), and between commands the argv array's room past
   * ARGV_IDLE arguments goes too.
   */
  release(): void {
    if (this.argi === 0 && this.argv.length > ARGV_IDLE) this.argv.length = ARGV_IDLE;
    this.trim();
  }

  /** Lets go of the parsed part of the buffer, keeping a copy of what is left to parse. */
  trim(): void {
    if (this.pos < TRIM_WASTE || this.pos === this.buf.length) return;
    this.buf = Buffer.from(this.buf.subarray(this.pos));
    this.pos = 0;
  }

  /** Parses what it can, calling sink for every complete command. Throws ProtocolError. */
  feed(chunk: Buffer, sink: CommandSink): void {
    const rest = this.cutTokenRest(chunk);
    if (rest > 0) {
      // Only the token a read cut in two is joined, then parsing goes on in the chunk itself:
      // joining the whole chunk to it cost a buffer and a copy per read of a long pipeline (a
      // master's stream is cut mid-command at nearly every read).
      this.fedTotal += rest;
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk.subarray(0, rest)]);
      this.pos = 0;
      const paused = this.parse(sink);
      chunk = chunk.subarray(rest);
      if (paused) {
        this.append(chunk);
        return;
      }
    }
    if (this.append(chunk)) this.parse(sink);
  }

  /**
   * How many bytes at chunk's head complete the token the buffer ends with, when that is less
   * than the chunk: the rest of a bulk, or of a header line up to its CR LF. 0 when nothing is
   * cut, or the cut token is an inline command's, a large bulk's or longer than the chunk.
   */
  private cutTokenRest(chunk: Buffer): number {
    const left = this.buf.length - this.pos;
    if (left === 0 || this.gatheredLen > 0 || this.discarded > 0) return 0;
    let rest: number;
    if (this.bulkLen >= 0) {
      rest = this.bulkLen + 2 - left;
    } else {
      if (this.argc === 0 && this.buf[this.pos] !== STAR) return 0;
      if (this.buf[this.buf.length - 1] === CR) rest = 1;
      else {
        const cr = chunk.indexOf(CR);
        rest = cr < 0 || cr > SHORT_LINE ? 0 : cr + 2;
      }
    }
    return rest < chunk.length ? rest : 0;
  }

  /**
   * Keeps a chunk without parsing it: a client waiting for a blocking command's answer
   * holds its next commands until resume().
   */
  hold(chunk: Buffer): void {
    this.append(chunk);
  }

  /**
   * After feed() or hold() of a transient chunk (a view of a read buffer that the next read
   * overwrites, SocketStream): copies what of its memory the parser still holds, the rest
   * of a command and a large bulk's gathered pieces.
   */
  keepOwnCopies(chunk: Buffer): void {
    // Most often the chunk was parsed to its end and nothing of it is held: no copy, and no
    // read of .buffer, a native call (perf: ~0.4% of an unpipelined SET server's CPU).
    if (this.pos === this.buf.length) {
      this.buf = EMPTY;
      this.pos = 0;
    } else if (this.buf.buffer === chunk.buffer) {
      this.buf = Buffer.from(this.buf.subarray(this.pos));
      this.pos = 0;
    }
    const gathered = this.gathered;
    if (gathered.length === 0) return;
    const memory = chunk.buffer;
    for (let i = 0; i < gathered.length; i++) if (gathered[i]!.buffer === memory) gathered[i] = Buffer.from(gathered[i]!);
  }

  /** Adds a chunk to what is buffered; false while a large bulk is still being gathered. */
  private append(chunk: Buffer): boolean {
    this.fedTotal += chunk.length;
    if (this.discarded > 0) {
      this.discarded += chunk.length;
      return false;
    }
    if (this.gatheredLen > 0) {
      this.gathered.push(chunk);
      this.gatheredLen += chunk.length;
      if (this.gatheredLen < this.bulkLen + 2) return false;
      chunk = Buffer.concat(this.gathered, this.gatheredLen);
      this.gathered = NO_CHUNKS;
      this.gatheredLen = 0;
    } else if (this.pos < this.buf.length) {
      chunk = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.buf = chunk;
    this.pos = 0;
    return true;
  }

  /**
   * buf[start, end) as a string, the last name's string when the bytes are the same: a
   * pipeline of one command then makes no string for it, and the command table's lookup
   * finds its hash already computed.
   */
  private commandName(buf: Buffer, start: number, end: number): string {
    const last = this.lastName;
    if (end - start === last.length) {
      let i = 0;
      while (i < last.length && buf[start + i] === last.charCodeAt(i)) i++;
      if (i === last.length) return last;
    }
    const name = latin1Slice(buf, start, end);
    if (name.length <= NAME_MAX) this.lastName = name;
    return name;
  }

  /** The finished command's arguments; the reused array keeps none of them (nor its size, past ARGV_KEPT). */
  private takeArgv(): string[] {
    const n = this.argi;
    const a = this.argv;
    // Most commands have 2 or 3 arguments: a literal of them costs a third of slice()'s builtin call.
    const argv = n === 3 ? [a[0]!, a[1]!, a[2]!] : n === 2 ? [a[0]!, a[1]!] : a.slice(0, n);
    let used = n;
    if (n > ARGV_KEPT) {
      this.argv.length = ARGV_IDLE;
      used = ARGV_IDLE;
    }
    for (let i = 0; i < used; i++) this.argv[i] = '';
    this.argi = 0;
    return argv;
  }

  /** Goes on parsing what is buffered after a sink returned false. */
  resume(sink: CommandSink): void {
    this.parse(sink);
  }

  /** Parses what is buffered; true when a sink's false stopped it. */
  private parse(sink: CommandSink): boolean {
    const buf = this.buf;
    const len = buf.length;
    let pos = this.pos;
    let paused = false;
    try {
      while (pos < len) {
        if (this.argc === 0) {
          if (buf[pos] !== STAR) {
            const nl = findLineEnd(buf, pos, LF, 'too big inline request');
            if (nl < 0) break;
            const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
            if (end === pos) {
              pos = nl + 1;
              this.onNewline?.();
              continue;
            }
            if (this.rejectInline) throw new ProtocolError('Master using the inline protocol. Desync?');
            const args = splitArgs(latin1Slice(buf, pos, end));
            if (args === null) throw new ProtocolError('unbalanced quotes in request');
            pos = nl + 1;
            if (args.length === 0) continue;
            this.commandEnd = this.fedTotal - (len - pos);
            if (!sink(args)) {
              paused = true;
              break;
            }
            continue;
          }
          const eol = findLineEnd(buf, pos, CR, 'too big mbulk count string');
          if (eol < 0 || eol + 1 >= len) break;
          const n = parseIntBytes(buf, pos + 1, eol);
          if (Number.isNaN(n) || n > INT_MAX) throw new ProtocolError('invalid multibulk length');
          if (n > 10 && this.unauthenticated) throw new ProtocolError('unauthenticated multibulk length');
          pos = eol + 2;
          if (n > 0) this.argc = n;
          continue;
        }
        if (this.bulkLen < 0) {
          // processMultibulkBuffer: the whole line first, then its '$'
          const eol = findLineEnd(buf, pos, CR, 'too big bulk count string');
          if (eol < 0 || eol + 1 >= len) break;
          if (buf[pos] !== DOLLAR) {
            throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[pos]!)}'`);
          }
          const n = parseIntBytes(buf, pos + 1, eol);
          if (Number.isNaN(n) || n < 0 || n > this.maxBulkLen) throw new ProtocolError('invalid bulk length');
          if (n > 16384 && this.unauthenticated) throw new ProtocolError('unauthenticated bulk length');
          this.bulkLen = n;
          pos = eol + 2;
        }
        // A read cut in the bulk takes no branch the complete bulk does not test (findLineEnd).
        const need = this.bulkLen + 2;
        const missing = need - (len - pos);
        if (missing > GATHER_AT) {
          if (need > this.keepLimit) this.discarded = len - pos;
          else {
            this.gathered = [buf.subarray(pos)];
            this.gatheredLen = len - pos;
          }
          pos = len;
          break;
        }
        if (missing > 0) break;
        // A bulk past MAX_STRING can not be made a string: the throw took the server down. It
        // is refused once it has arrived (Redis would take it), as a declared length Redis waits on.
        if (this.bulkLen > MAX_STRING) throw new ProtocolError('invalid bulk length');
        const end = pos + this.bulkLen;
        this.argv[this.argi] = this.argi === 0 ? this.commandName(buf, pos, end) : latin1Slice(buf, pos, end);
        this.argi++;
        pos += need;
        this.bulkLen = -1;
        if (--this.argc === 0) {
          const argv = this.takeArgv();
          this.commandEnd = this.fedTotal - (len - pos);
          if (!sink(argv)) {
            paused = true;
            break;
          }
        }
      }
    } finally {
      this.pos = pos;
      // The size first: a read cut in a command (pos short of len) then takes no new branch.
      if (len > KEEP_WHOLE_MAX && pos < len) {
        this.trim();
      } else if (pos === len) {
        this.buf = EMPTY;
        this.pos = 0;
      }
    }
    return paused;
  }
}
