// The replication stream of one event-loop turn, as its bytes: commands encoded once, back
// to back, into one reused Buffer, taken at the turn's end as the piece that every replica's
// socket is given (Redis 7.0's shared replication buffer: one copy however many replicas).
// A large command, or a large chunk of a master's stream, is a piece of its own, not copied.
import { commandSize, encodeCommand, writeCommand } from './resp-command.js';

/** Commands and chunks of this size or more travel as pieces of their own. */
const OWN_PIECE = 64 * 1024;

export class StreamBatch {
  private buf = Buffer.allocUnsafe(OWN_PIECE);
  private len = 0;
  /** Pieces finished ahead of buf, in stream order. */
  private pieces: Buffer[] = [];
  private piecesBytes = 0;
  /** Where the bytes of the last append lie (the backlog copies them from there). */
  last: Buffer = this.buf;
  lastStart = 0;
  lastEnd = 0;

  /** Bytes appended since the last take or clear. */
  get pending(): number {
    return this.len + this.piecesBytes;
  }

  /** Appends argv as a RESP command; returns its size. */
  command(argv: readonly string[]): number {
    const n = commandSize(argv);
    if (n >= OWN_PIECE) {
      this.piece(encodeCommand(argv));
      return n;
    }
    if (this.len + n > this.buf.length) this.seal();
    this.mark(this.len, writeCommand(this.buf, this.len, argv));
    return n;
  }

  /** Appends bytes already in stream form (a master's stream, passed on). */
  bytes(b: Buffer): void {
    if (b.length >= OWN_PIECE) return this.piece(b);
    if (this.len + b.length > this.buf.length) this.seal();
    b.copy(this.buf, this.len);
    this.mark(this.len, this.len + b.length);
  }

  /** The pieces appended since the last take, in order (shared: never modified afterwards). */
  take(): Buffer[] {
    if (this.len > 0) this.seal();
    const out = this.pieces;
    this.pieces = [];
    this.piecesBytes = 0;
    return out;
  }

  /** Forgets what was appended (nobody is there to be given it). */
  clear(): void {
    this.len = 0;
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
    if (this.len > 0) this.seal();
    this.pieces.push(b);
    this.piecesBytes += b.length;
    this.last = b;
    this.lastStart = 0;
    this.lastEnd = b.length;
  }

  /** What buf holds becomes a piece (a copy: buf is reused). */
  private seal(): void {
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.pieces.push(out);
    this.piecesBytes += this.len;
    this.len = 0;
  }
}
