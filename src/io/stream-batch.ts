// The replication stream of one event-loop turn, as its bytes: commands encoded once, back
// to back, into a Buffer from which each turn's stretch is taken as the piece that every
// replica's socket is given (Redis 7.0's shared replication buffer: one copy however many
// replicas). What was taken is never written over: the next turn's commands follow it, and a
// full Buffer is replaced, not reused, so a piece is a view, not a copy (one per turn made an
// allocation, often a new 8 kB pool, and a copy per write to the replicas).
// A large command, or a large chunk of a master's stream, is a piece of its own, not copied.
import { markMutable } from '../mutable-fields.js';
import { commandSize, encodeCommand, writeCommand } from './resp-command.js';

/** Commands and chunks of this size or more travel as pieces of their own. */
const OWN_PIECE = 64 * 1024;

export class StreamBatch {
  private buf = Buffer.allocUnsafe(OWN_PIECE);
  /** buf[0, from) was taken (replicas' sockets may still hold it); buf[from, len) is the turn's so far. */
  private from = 0;
  private len = 0;
  /** Pieces finished ahead of buf, in stream order. */
  private pieces: Buffer[] = [];
  private piecesBytes = 0;
  /** Where the bytes of the last append lie (the backlog copies them from there). */
  last: Buffer = this.buf;
  lastStart = 0;
  lastEnd = 0;

  constructor() {
    markMutable(this, 'buf', 'from', 'len', 'pieces', 'piecesBytes', 'last', 'lastStart', 'lastEnd');
  }

  /** Bytes appended since the last take or clear. */
  get pending(): number {
    return this.len - this.from + this.piecesBytes;
  }

  /** Appends argv as a RESP command; returns its size. */
  command(argv: readonly string[]): number {
    const n = commandSize(argv);
    if (n >= OWN_PIECE) {
      this.piece(encodeCommand(argv));
      return n;
    }
    if (this.len + n > this.buf.length) this.renew();
    this.mark(this.len, writeCommand(this.buf, this.len, argv));
    return n;
  }

  /**
   * Appends bytes already in stream form (a master's stream, passed on). transient: b is a
   * view of a buffer that is read into again (the shared read buffer), so that even a large
   * chunk is copied, not kept.
   */
  bytes(b: Buffer, transient: boolean): void {
    if (b.length >= OWN_PIECE) return this.piece(transient ? Buffer.from(b) : b);
    if (this.len + b.length > this.buf.length) this.renew();
    b.copy(this.buf, this.len);
    this.mark(this.len, this.len + b.length);
  }

  /** The pieces appended since the last take, in order (shared: never modified afterwards). */
  take(): Buffer[] {
    this.seal();
    const out = this.pieces;
    this.pieces = [];
    this.piecesBytes = 0;
    return out;
  }

  /** Forgets what was appended (nobody is there to be given it). */
  clear(): void {
    this.len = this.from;
    if (this.pieces.length === 0) return;
    this.pieces = [];
    this.piecesBytes = 0;
  }

  private mark(start: number, end: number): void {
    this.last = this.buf;
    this.lastStart = start;
    this.lastEnd = end;
    this.len = end;
  }

  private piece(b: Buffer): void {
    this.seal();
    this.pieces.push(b);
    this.piecesBytes += b.length;
    this.last = b;
    this.lastStart = 0;
    this.lastEnd = b.length;
  }

  /** What buf holds since the last piece becomes one: a view, never written over afterwards. */
  private seal(): void {
    if (this.len === this.from) return;
    this.pieces.push(this.buf.subarray(this.from, this.len));
    this.piecesBytes += this.len - this.from;
    this.from = this.len;
  }

  /** buf is full: what it holds becomes a piece, and appends go on in a new Buffer. */
  private renew(): void {
    this.seal();
    this.buf = Buffer.allocUnsafe(OWN_PIECE);
    this.from = 0;
    this.len = 0;
  }
}
