// RESP2 replies encoded straight into one growing Buffer per client; the client actor
// takes the batch once per event-loop turn and writes it with one syscall (writev when a
// large bulk travels as a chunk of its own).
import { formatDouble } from './format-double.js';

const INITIAL = 16 * 1024;
/** Bulks at least this long are not copied into the batch but sent as their own chunk. */
const BIG_BULK = 64 * 1024;

const lit = (s: string): Buffer => Buffer.from(s, 'latin1');
const OK = lit('+OK\r\n');
const NULL_BULK = lit('$-1\r\n');
const NULL_ARRAY = lit('*-1\r\n');
const EMPTY_ARRAY = lit('*0\r\n');
const CRLF = lit('\r\n');
/** Small integers and lengths are written from precomputed bytes. */
const SHARED_MAX = 10000;
const sharedInts: Buffer[] = [];
const sharedBulkHdr: Buffer[] = [];
const sharedArrayHdr: Buffer[] = [];
for (let i = 0; i < SHARED_MAX; i++) {
  sharedInts.push(lit(`:${i}\r\n`));
  sharedBulkHdr.push(lit(`$${i}\r\n`));
  sharedArrayHdr.push(lit(`*${i}\r\n`));
}

export class ReplyWriter {
  private buf = Buffer.allocUnsafe(INITIAL);
  private len = 0;
  /** Finished chunks ahead of buf (large bulks and filled batches), in order. */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  /** Set on a client whose replies nobody reads (the master link): they are dropped. */
  private discard = false;
  /** Told of every error reply (INFO errorstats counts them). */
  onError: ((msg: string) => void) | null = null;

  /** Drops every reply from now on (the master link, whose replies nobody reads). */
  mute(on: boolean): void {
    this.discard = on;
  }

  /** Bytes written since the last take. */
  get pending(): number {
    return this.len + this.chunkBytes;
  }

  /** The batch written since the last take, or null when there is none. */
  take(): Buffer[] | null {
    if (this.len === 0 && this.chunks.length === 0) return null;
    if (this.len > 0) this.seal();
    const out = this.chunks;
    this.chunks = [];
    this.chunkBytes = 0;
    return out;
  }

  /** Moves what buf holds into a chunk of its own. */
  private seal(): void {
    this.push(Buffer.from(this.buf.subarray(0, this.len)));
    this.len = 0;
  }

  private push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
      return;
    }
    this.seal();
  }

  private bytes(b: Buffer): void {
    if (this.discard) return;
    this.room(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  private ascii(s: string): void {
    if (this.discard) return;
    this.room(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  ok(): void {
    this.bytes(OK);
  }

  /** +s */
  simple(s: string): void {
    this.ascii(`+${s}\r\n`);
  }

  /** -msg: msg starts with its code, "ERR ...", "WRONGTYPE ..." */
  error(msg: string): void {
    this.onError?.(msg);
    this.ascii(`-${msg.replace(/[\r\n]/g, ' ')}\r\n`);
  }

  integer(n: number | bigint): void {
    if (typeof n === 'number' && n >= 0 && n < SHARED_MAX && Number.isInteger(n)) this.bytes(sharedInts[n]!);
    else this.ascii(`:${n}\r\n`);
  }

  /** A bulk string; its chars are bytes (latin1). */
  bulk(s: string): void {
    if (this.discard) return;
    const n = s.length;
    if (n < SHARED_MAX) this.bytes(sharedBulkHdr[n]!);
    else this.ascii(`$${n}\r\n`);
    if (n >= BIG_BULK) {
      this.seal();
      this.push(Buffer.from(s, 'latin1'));
    } else {
      this.room(n + 2);
      this.len += this.buf.write(s, this.len, 'latin1');
    }
    this.bytes(CRLF);
  }

  /** A bulk from bytes, for values that are already Buffers. */
  bulkBuffer(b: Buffer): void {
    this.ascii(`$${b.length}\r\n`);
    this.bytes(b);
    this.bytes(CRLF);
  }

  bulkOrNull(s: string | undefined | null): void {
    if (s === undefined || s === null) this.bytes(NULL_BULK);
    else this.bulk(s);
  }

  /** A double as a bulk string, printed as Redis 7.0 prints it (%.17g). */
  double(d: number): void {
    this.bulk(formatDouble(d));
  }

  nullBulk(): void {
    this.bytes(NULL_BULK);
  }

  nullArray(): void {
    this.bytes(NULL_ARRAY);
  }

  array(n: number): void {
    if (n < SHARED_MAX) this.bytes(sharedArrayHdr[n]!);
    else this.ascii(`*${n}\r\n`);
  }

  emptyArray(): void {
    this.bytes(EMPTY_ARRAY);
  }

  bulks(items: Iterable<string>, count: number): void {
    this.array(count);
    for (const s of items) this.bulk(s);
  }

  /** Bytes already in RESP form. */
  raw(b: Buffer): void {
    this.bytes(b);
  }
}
