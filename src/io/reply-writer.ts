// RESP2 (and, after HELLO 3, RESP3) replies encoded straight into one growing Buffer per client; the client actor
// takes the batch once per event-loop turn and writes it with one syscall (writev when a
// large bulk travels as a chunk of its own). Headers, numbers and short strings are
// written with plain byte stores: a native Buffer call costs more than the bytes it copies.
import { formatDouble } from './format-double.js';
import type { Latin1Buffer } from './latin1.js';
import { markMutable } from '../mutable-fields.js';

/** PROTO_REPLY_CHUNK_BYTES: past this size a full buffer is sealed into a chunk rather than doubled. */
const CHUNK_SIZE = 16 * 1024;
/**
 * PROTO_REPLY_MIN_BYTES: the buffer's first size; it grows by doubling. A client has none
 * until its first reply and gives it back when idle: 10k connections that each got one
 * 16 kB buffer up front left a page of each in the allocator's heap (RSS) once freed.
 */
const MIN_SIZE = 1024;
/** The buffer of a writer that holds none. */
const NO_BUFFER = Buffer.alloc(0) as Latin1Buffer;
/** Bulks at least this long are not copied into the batch but sent as their own chunk. */
const BIG_BULK = 64 * 1024;
/** Strings shorter than this are copied char by char; longer ones with one native call. */
const SHORT = 64;
/** Room for a type byte, a 20-digit number and CRLF. */
const HEADER_ROOM = 24;

const CR = 13;
const LF = 10;

/**
 * Whole batches common enough to send without a copy each (SET's +OK, SADD's and HSET's :1, a
 * miss): one shared Buffer, never written to, in a one-slot array that nobody changes either.
 */
const SHARED_BATCHES: readonly (readonly Buffer[])[] = ['+OK\r\n', ':1\r\n', ':0\r\n', '$-1\r\n', '+PONG\r\n']
  .map((s) => [Buffer.from(s, 'latin1')]);
const SHARED_MAX = 7;

/** The shared batch holding exactly buf[0, n), or null. */
function sharedBatch(buf: Buffer, n: number): readonly Buffer[] | null {
  if (n > SHARED_MAX) return null;
  for (const batch of SHARED_BATCHES) {
    const b = batch[0]!;
    if (b.length !== n) continue;
    let i = 0;
    while (i < n && buf[i] === b[i]) i++;
    if (i === n) return batch;
  }
  return null;
}

export class ReplyWriter {
  private buf = NO_BUFFER;
  private len = 0;
  /** rbp: the most buf held in one batch since it was last given back. */
  private peak = 0;
  /** Finished chunks ahead of buf (large bulks and filled batches), in order. */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  /**
   * The view takeView made last, buf[0, its length): a batch as long is the same memory, so it
   * goes as the same view, not a new one per reply (~100 B of garbage, bench/alloc-per-command.ts
   * get). Dropped with buf.
   */
  private view: Buffer = NO_BUFFER;
  /**
   * takeForSocket's one-slot batch, reused: its caller keeps it only until written(). While it
   * holds a view of buf (not NO_BUFFER), buf is lent to that socket write.
   */
  private readonly socketBatch: Buffer[] = [NO_BUFFER];
  /** True while replies are dropped: muted, or silenced and not pushing. */
  private discard = false;
  /** A client whose replies nobody reads (the master link). */
  private muted = false;
  /** CLIENT REPLY OFF or SKIP. */
  private silenced = false;
  /** An out-of-band message is being written (CLIENT_PUSHING): it goes out even when silenced. */
  private pushing = false;
  /** HELLO 3: nulls, doubles, maps, sets and push messages take their RESP3 types. */
  resp3 = false;
  /** Told of every error reply (INFO errorstats counts them). */
  onError: ((msg: string) => void) | null = null;

  constructor() {
    markMutable(this, 'chunks', 'chunkBytes', 'discard', 'muted', 'silenced', 'pushing', 'resp3');
  }

  /** Drops every reply from now on (the master link, whose replies nobody reads). */
  mute(on: boolean): void {
    this.muted = on;
    this.discard = on || (this.silenced && !this.pushing);
  }

  /** CLIENT REPLY OFF / SKIP: command replies are dropped, pub/sub and invalidation messages still go. */
  silence(on: boolean): void {
    this.silenced = on;
    this.discard = this.muted || (on && !this.pushing);
  }

  /** Brackets an out-of-band message (pub/sub, an invalidation): written even when silenced. Returns the previous state for endPush. */
  beginPush(): boolean {
    const was = this.pushing;
    this.pushing = true;
    this.discard = this.muted;
    return was;
  }

  endPush(was: boolean): void {
    this.pushing = was;
    this.discard = this.muted || (this.silenced && !was);
  }

  /** Bytes written since the last take. */
  get pending(): number {
    return this.len + this.chunkBytes;
  }

  /** Bytes this writer holds: its buffer (Redis's buf, whatever it holds) and the chunks sealed ahead of it. */
  get held(): number {
    return this.buf.length + this.chunkBytes;
  }

  /** rbs: the buffer's size (0 while it has none). */
  get bufferSize(): number {
    return this.buf.length;
  }

  /** rbp: the most of it one batch used since it was last given back. */
  get bufferPeak(): number {
    return Math.max(this.peak, this.len);
  }

  /** The batch written since the last take, or null when there is none. Its Buffers are not to be written to. */
  take(): readonly Buffer[] | null {
    // The usual batch, one chunk, as a one-slot array: pushed onto an empty one it would
    // get room for 17 (garbage per reply, the young generation's scavenges: the latency tail).
    if (this.chunks.length === 0) {
      if (this.len === 0) return null;
      return this.takeShared() ?? [this.sealed()];
    }
    if (this.len > 0) this.seal();
    const out = this.chunks;
    this.chunks = [];
    this.chunkBytes = 0;
    return out;
  }

  /**
   * take() for a socket write: a batch that is all in buf goes as a shared batch, or else as
   * a view of buf rather than a copy. A copy per reply is an ArrayBuffer slice, memory V8
   * counts as external: LRANGE_100's 905-byte replies made 90 MB of it per 100k requests, and
   * V8 answered with a full collection after every scavenge (bench/tail-timeline.sh -t
   * lrange_100). The caller then reports whether the kernel took the whole batch (written)
   * before anything more is written here; the batch array is the writer's until then.
   */
  takeForSocket(): readonly Buffer[] | null {
    if (this.chunks.length > 0 || this.len === 0) return this.take();
    const shared = this.takeShared();
    if (shared !== null) return shared;
    this.socketBatch[0] = this.takeView()!;
    return this.socketBatch;
  }

  /** The shared batch that holds exactly what buf holds, taken from it; null when none does. */
  private takeShared(): readonly Buffer[] | null {
    const shared = sharedBatch(this.buf, this.len);
    if (shared !== null) {
      if (this.len > this.peak) this.peak = this.len;
      this.len = 0;
    }
    return shared;
  }

  /** After takeForSocket's batch went to the socket: unless the kernel took it all, the socket keeps buf and the next reply takes a new one. */
  written(all: boolean): void {
    if (this.socketBatch[0] !== NO_BUFFER && !all) {
      this.setBuffer(NO_BUFFER);
      this.peak = 0;
    }
    this.socketBatch[0] = NO_BUFFER;
  }

  /**
   * The batch written since the last take as one Buffer, in place when it is all in buf: a
   * view that the next write overwrites, for a reader that is done with it before (a script
   * reading its redis.call's reply). Null when there is none.
   */
  takeView(): Buffer | null {
    if (this.chunks.length > 0) return Buffer.concat(this.take()!);
    const n = this.len;
    if (n === 0) return null;
    if (this.view.length !== n) this.view = this.buf.subarray(0, n);
    if (n > this.peak) this.peak = n;
    this.len = 0;
    return this.view;
  }

  /** buf becomes b; the view of the old one goes with it. */
  private setBuffer(b: Latin1Buffer): void {
    this.buf = b;
    this.view = NO_BUFFER;
  }

  /** Moves what buf holds into a chunk of its own. */
  private seal(): void {
    this.push(this.sealed());
  }

  /** What buf holds, copied out; buf starts over empty. */
  private sealed(): Buffer {
    // Buffer.from(buf.subarray(...)) makes a view first: ~40% dearer for a short batch; so
    // does copy() of a part of buf, so a short batch (+OK) is copied byte by byte.
    const n = this.len;
    if (n > this.peak) this.peak = n;
    const out = Buffer.allocUnsafe(n);
    if (n < SHORT) {
      const buf = this.buf;
      for (let i = 0; i < n; i++) out[i] = buf[i]!;
    } else {
      this.buf.copy(out, 0, 0, n);
    }
    this.len = 0;
    return out;
  }

  private push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
  }

  // clientsCronResizeOutputBuffer
  /** An idle client gives its buffer back (nothing is pending in it between batches); the next reply takes a small one. */
  release(): void {
    if (this.len > 0) return;
    this.setBuffer(NO_BUFFER);
    this.peak = 0;
  }

  /** Makes room for n more bytes in buf. */
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    if (n > this.buf.length || this.buf.length < CHUNK_SIZE) {
      // Room for what buf already holds too: sized for n alone, a bulk written after a
      // nearly full batch was cut short under its declared length (fuzz seed 407).
      const bigger = Buffer.allocUnsafe(Math.max(this.len + n, this.buf.length * 2, MIN_SIZE)) as Latin1Buffer;
      this.buf.copy(bigger, 0, 0, this.len);
      this.setBuffer(bigger);
      return;
    }
    this.seal();
  }

  /** Writes type byte, decimal n and CRLF at len (room already made). */
  private header(type: number, n: number): void {
    const b = this.buf;
    let p = this.len;
    b[p++] = type;
    if (n < 0) {
      b[p++] = 45;
      n = -n;
    }
    if (n < 10) {
      b[p++] = 48 + n;
    } else {
      const digits = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : String(n).length;
      const end = p + digits;
      for (let i = end - 1; i >= p; i--) {
        b[i] = 48 + (n % 10);
        n = Math.floor(n / 10);
      }
      p = end;
    }
    b[p++] = CR;
    b[p++] = LF;
    this.len = p;
  }

  /** Writes latin1 chars of s at len (room already made). */
  private chars(s: string): void {
    const n = s.length;
    if (n < SHORT) this.span(s, 0, n);
    else this.len += this.buf.latin1Write(s, this.len);
  }

  /** s's chars from..from+n, byte by byte (a short run: cheaper than the native write). */
  private span(s: string, from: number, n: number): void {
    const b = this.buf;
    let p = this.len;
    for (let i = from, end = from + n; i < end; i++) b[p++] = s.charCodeAt(i);
    this.len = p;
  }

  private crlf(): void {
    this.buf[this.len++] = CR;
    this.buf[this.len++] = LF;
  }

  /** A line of ASCII: type byte, text, CRLF. */
  private line(type: number, s: string): void {
    if (this.discard) return;
    this.room(s.length + 3);
    this.buf[this.len++] = type;
    this.chars(s);
    this.crlf();
  }

  ok(): void {
    this.line(43, 'OK');
  }

  /** +s */
  simple(s: string): void {
    this.line(43, s);
  }

  /** -msg: msg starts with its code, "ERR ...", "WRONGTYPE ..." */
  error(msg: string): void {
    this.onError?.(msg);
    this.line(45, msg.replace(/[\r\n]/g, ' '));
  }

  integer(n: number | bigint): void {
    if (this.discard) return;
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      this.room(HEADER_ROOM);
      this.header(58, n);
    } else {
      this.line(58, String(n));
    }
  }

  /** A bulk string; its chars are bytes (latin1). */
  bulk(s: string): void {
    if (this.discard) return;
    const n = s.length;
    if (n >= BIG_BULK) {
      this.room(HEADER_ROOM);
      this.header(36, n);
      this.seal();
      this.push(Buffer.from(s, 'latin1'));
      this.room(2);
    } else {
      this.room(n + HEADER_ROOM + 2);
      this.header(36, n);
      this.chars(s);
    }
    this.crlf();
  }

  /**
   * A bulk of s's chars from..from+n without making that substring: LRANGE's elements read
   * from a packed list. A long span is sliced (one small string; then the native copy).
   */
  bulkSpan(s: string, from: number, n: number): void {
    if (this.discard) return;
    if (n >= SHORT) return this.bulk(s.slice(from, from + n));
    this.room(n + HEADER_ROOM + 2);
    this.header(36, n);
    this.span(s, from, n);
    this.crlf();
  }

  /**
   * Bulks of items[from..from+n) (a run of a list's ring: LRANGE's reply), the buffer and
   * the write position held in locals over the run, where a bulk() per element re-reads
   * both and makes room each time (most of LRANGE's time on short elements).
   */
  bulkRun(items: readonly (string | undefined)[], from: number, n: number): void {
    if (this.discard) return;
    let b = this.buf;
    let p = this.len;
    for (let k = from; k < from + n; k++) {
      const s = items[k]!;
      const len = s.length;
      if (len >= SHORT) {
        this.len = p;
        this.bulk(s);
        b = this.buf;
        p = this.len;
        continue;
      }
      // '$', at most two digits, CRLF, the chars, CRLF.
      if (p + len + 7 > b.length) {
        this.len = p;
        this.room(len + 7);
        b = this.buf;
        p = this.len;
      }
      b[p++] = 36;
      if (len >= 10) b[p++] = 48 + ((len / 10) | 0);
      b[p++] = 48 + (len % 10);
      b[p++] = CR;
      b[p++] = LF;
      for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i);
      b[p++] = CR;
      b[p++] = LF;
    }
    this.len = p;
  }

  bulkOrNull(s: string | undefined | null): void {
    if (s === undefined || s === null) this.nullBulk();
    else this.bulk(s);
  }

  /** addReplyVerbatim: text as RESP3's '=' of its 3-letter format (txt, mkd), a bulk string in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (!this.resp3) return this.bulk(s);
    if (this.discard) return;
    this.room(s.length + 4 + HEADER_ROOM + 2);
    this.header(61, s.length + 4);
    this.chars(`${format}:`);
    this.chars(s);
    this.crlf();
  }

  /** A double printed as Redis 7.0 prints it (%.17g): a bulk string, or RESP3's ',' type. */
  double(d: number): void {
    if (this.resp3) this.line(44, formatDouble(d));
    else this.bulk(formatDouble(d));
  }

  /** addReplyHumanLongDouble: a double already printed (GEOPOS's %.17Lf trimmed), as ',' in RESP3, a bulk in RESP2. */
  humanDouble(text: string): void {
    if (this.resp3) this.line(44, text);
    else this.bulk(text);
  }

  /** RESP3's boolean; RESP2 has none and gets 1 or 0. */
  bool(b: boolean): void {
    if (this.resp3) this.line(35, b ? 't' : 'f');
    else this.integer(b ? 1 : 0);
  }

  /** RESP3's big number (decimal digits); a bulk string in RESP2. */
  bigNumber(digits: string): void {
    if (this.resp3) this.line(40, digits);
    else this.bulk(digits);
  }

  /** RESP2's $-1; RESP3's one null. */
  nullBulk(): void {
    if (this.resp3) this.line(95, '');
    else this.line(36, '-1');
  }

  /** RESP2's *-1; RESP3's one null. */
  nullArray(): void {
    if (this.resp3) this.line(95, '');
    else this.line(42, '-1');
  }

  /** A map of n pairs: RESP3's '%', a flat array of 2n in RESP2. */
  map(n: number): void {
    if (this.discard) return;
    this.room(HEADER_ROOM);
    if (this.resp3) this.header(37, n);
    else this.header(42, 2 * n);
  }

  /**
   * n pairs (ZRANGE WITHSCORES, HRANDFIELD WITHVALUES): RESP3 nests each pair in an array of
   * its own (each opened by pair()), RESP2 sends one flat array of 2n.
   */
  pairs(n: number): void {
    this.array(this.resp3 ? n : 2 * n);
  }

  /** Opens one pair of a pairs() reply: an array of 2 in RESP3, nothing in RESP2. */
  pair(): void {
    if (this.resp3) this.array(2);
  }

  /** A set of n members: RESP3's '~', an array in RESP2. */
  set(n: number): void {
    if (this.discard) return;
    this.room(HEADER_ROOM);
    this.header(this.resp3 ? 126 : 42, n);
  }

  array(n: number): void {
    if (this.discard) return;
    this.room(HEADER_ROOM);
    this.header(42, n);
  }

  /** RESP3's attribute header ('|'): n pairs of metadata ahead of the reply they annotate. */
  attribute(n: number): void {
    if (this.discard) return;
    this.room(HEADER_ROOM);
    this.header(124, n);
  }

  /** An out-of-band message's header (pub/sub): RESP3's '>', an array in RESP2. */
  pushHeader(n: number): void {
    if (this.discard) return;
    this.room(HEADER_ROOM);
    this.header(this.resp3 ? 62 : 42, n);
  }

  emptyArray(): void {
    this.array(0);
  }

  bulks(items: Iterable<string>, count: number): void {
    this.array(count);
    for (const s of items) this.bulk(s);
  }

  /** Bytes already in RESP form, shared with others (the replication stream): queued, not copied. */
  chunk(b: Buffer): void {
    if (this.discard) return;
    if (this.len > 0) this.seal();
    this.push(b);
  }

  /** Bytes already in RESP form. */
  raw(b: Buffer): void {
    if (this.discard) return;
    this.room(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
}
