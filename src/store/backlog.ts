// The replication backlog: a ring of the newest `size` bytes of the replication stream, so
// that a replica that lost its link for a while can be sent what it missed (PSYNC) instead of
// a whole new snapshot. Offsets are stream offsets: the first byte ever fed after the
// backlog was created has offset `offset` (the seed's repl_backlog_off).

/** CONFIG_REPL_BACKLOG_MIN_SIZE: a smaller repl-backlog-size is raised to this. */
export const BACKLOG_MIN_SIZE = 16 * 1024;

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
    this.ring = Buffer.allocUnsafe(this.size);
    this.offset = firstOffset;
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
    // Only the last `size` bytes of an oversized feed can survive it.
    if (n > this.size) {
      this.idx = (this.idx + n - this.size) % this.size;
      start = end - this.size;
    }
    const len = end - start;
    const first = Math.min(len, this.size - this.idx);
    buf.copy(this.ring, this.idx, start, start + first);
    if (first < len) buf.copy(this.ring, 0, start + first, end);
    this.idx = (this.idx + len) % this.size;
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
    const skip = fromOffset - this.offset;
    const len = this.histlen - skip;
    if (len <= 0) return [];
    const start = (this.idx - this.histlen + skip + this.size * 2) % this.size;
    const first = Math.min(len, this.size - start);
    const out = [copyOf(this.ring, start, start + first)];
    if (first < len) out.push(copyOf(this.ring, 0, len - first));
    return out;
  }

  // resizeReplicationBacklog
  /** A new ring of newSize (at least the minimum) holding the newest history that fits. */
  resize(newSize: number): void {
    newSize = Math.max(newSize, BACKLOG_MIN_SIZE);
    if (newSize === this.size) return;
    const end = this.end;
    const keep = Math.min(this.histlen, newSize);
    const ring = Buffer.allocUnsafe(newSize);
    let at = 0;
    for (const piece of this.read(end - keep)) {
      piece.copy(ring, at);
      at += piece.length;
    }
    this.ring = ring;
    this.size = newSize;
    this.histlen = keep;
    this.idx = keep % newSize;
    this.offset = end - keep;
  }
}

function copyOf(b: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  b.copy(out, 0, start, end);
  return out;
}
