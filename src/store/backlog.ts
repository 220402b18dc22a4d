// The replication backlog: a ring of the newest `size` bytes of the replication stream, so
// that a replica that lost its link for a while can be sent what it missed (PSYNC) instead of
// a whole new snapshot. Offsets are stream offsets: the first byte ever fed after the
// backlog was created has offset `offset` (the seed's repl_backlog_off).
//
// Its memory grows with the history, as Redis 7.0's backlog of replication-buffer blocks
// does, rather than being `size` bytes from the first replica on: a master that syncs
// replicas under little write traffic holds what the stream was, not the whole ring. Until
// the ring reaches `size` the history lies from its start, unwrapped.

/** CONFIG_REPL_BACKLOG_MIN_SIZE: a smaller repl-backlog-size is raised to this. */
export const BACKLOG_MIN_SIZE = 16 * 1024;
/** The ring's first memory (PROTO_REPLY_CHUNK_BYTES, Redis's replication buffer block). */
const FIRST_RING = 16 * 1024;

export class Backlog {
  /** repl_backlog_size. */
  size: number;
  /** repl_backlog_histlen: bytes of history held (at most size). */
  histlen = 0;
  /** repl_backlog_idx: where the next byte goes in the ring. */
  idx = 0;
  /** repl_backlog_off: the stream offset of the oldest byte held. */
  offset: number;
  private ring: Buffer;

  // createReplicationBacklog
  /** An empty ring whose first byte will be the stream byte at firstOffset. */
  constructor(size: number, firstOffset: number) {
    this.size = Math.max(size, BACKLOG_MIN_SIZE);
    this.ring = Buffer.allocUnsafe(Math.min(this.size, FIRST_RING));
    this.offset = firstOffset;
  }

  /** Bytes of memory the ring holds now (mem_replication_backlog): at most size. */
  get memory(): number {
    return this.ring.length;
  }

  /** The offset of the byte after the newest one held (master_repl_offset + 1). */
  get end(): number {
    return this.offset + this.histlen;
  }

  // feedReplicationBacklog
  /** Appends buf[start, end), dropping the oldest history that no longer fits; at most two copies. */
  feed(buf: Buffer, start = 0, end = buf.length): void {
    const n = end - start;
    const streamEnd = this.end + n;
    if (this.histlen + n > this.ring.length && this.ring.length < this.size) {
      this.grow(Math.min(this.size, Math.max(2 * this.ring.length, this.histlen + n)));
    }
    const cap = this.ring.length;
    // Only the last `cap` bytes of an oversized feed can survive it (cap is size then).
    if (n > cap) {
      this.idx = (this.idx + n - cap) % cap;
      start = end - cap;
    }
    const len = end - start;
    const first = Math.min(len, cap - this.idx);
    buf.copy(this.ring, this.idx, start, start + first);
    if (first < len) buf.copy(this.ring, 0, start + first, end);
    this.idx = (this.idx + len) % cap;
    this.histlen = Math.min(this.histlen + n, this.size);
    this.offset = streamEnd - this.histlen;
  }

  /** True when the history holds every byte from fromOffset on (fromOffset == end: none to send). */
  covers(fromOffset: number): boolean {
    return fromOffset >= this.offset && fromOffset <= this.end;
  }

  // addReplyReplicationBacklog
  /**
   * Copies of the history from fromOffset (which covers() must accept) to the end: one
   * Buffer per contiguous piece of the ring, so at most two.
   */
  read(fromOffset: number): Buffer[] {
    return this.pieces(fromOffset).map((p) => Buffer.from(p));
  }

  /** The history from fromOffset on as views of the ring, at most two. */
  private pieces(fromOffset: number): Buffer[] {
    const skip = fromOffset - this.offset;
    const len = this.histlen - skip;
    if (len <= 0) return [];
    const cap = this.ring.length;
    const start = (this.idx - this.histlen + skip + cap * 2) % cap;
    const first = Math.min(len, cap - start);
    const out = [this.ring.subarray(start, start + first)];
    if (first < len) out.push(this.ring.subarray(0, len - first));
    return out;
  }

  // resizeReplicationBacklog
  /** newSize (at least the minimum) from now on, keeping the newest history that fits. */
  resize(newSize: number): void {
    newSize = Math.max(newSize, BACKLOG_MIN_SIZE);
    if (newSize === this.size) return;
    const end = this.end;
    this.histlen = Math.min(this.histlen, newSize);
    this.offset = end - this.histlen;
    this.size = newSize;
    this.grow(Math.min(newSize, Math.max(this.histlen, FIRST_RING)));
  }

  /** The history moved to a ring of cap bytes (at least histlen), unwrapped from its start. */
  private grow(cap: number): void {
    const ring = Buffer.allocUnsafe(cap);
    let at = 0;
    for (const piece of this.pieces(this.offset)) {
      piece.copy(ring, at);
      at += piece.length;
    }
    this.ring = ring;
    this.idx = this.histlen % cap;
  }
}
