// The snapshot file of a disk-based full sync, sent to every replica that snapshot serves
// (sendBulkToSlave, once for all of them). Each replica goes at its own pace, as Redis's
// per-replica reads of the file do, but the reads are shared: a piece of the file is read
// once into a pooled buffer and written to every replica that wants it then, and its buffer
// is read into again once every socket has taken it. So the master holds at most
// IN_FLIGHT pieces per replica (none of them copies) and allocates nothing per piece while
// the replicas keep up, where a read stream per replica had allocated the whole file once
// per replica, left for the collector.
import { close, closeSync, fstatSync, openSync, read } from 'node:fs';
import type { Logger } from '../log.js';
import type { ReplicaClient } from './replica-client.js';

/** Bytes read and written at once. */
export const BULK_PIECE = 128 * 1024;
/** Pieces a replica may have claimed and not yet seen its socket take. */
const IN_FLIGHT = 2;
/** Free buffers kept for the next reads. */
const POOL = 4;

/** Every read and every buffer taken by a transfer since start-up: what a test counts. */
export const bulkStats = { reads: 0, buffers: 0 };

/** A piece of the file at an offset: its buffer, its bytes once read, and the replicas holding it. */
interface Piece {
  readonly at: number;
  readonly buf: Buffer;
  data: Buffer | null;
  holders: number;
}

/** One replica's progress: the offset of the next piece it claims, and its claimed pieces in order (the first `written` handed to its socket). */
interface Sender {
  readonly replica: ReplicaClient;
  next: number;
  readonly claimed: Piece[];
  written: number;
  gone: boolean;
}

export class BulkTransfer {
  /** Bytes of the file. */
  readonly size: number;
  private readonly senders = new Map<ReplicaClient, Sender>();
  /** Pieces being read or held by a socket, by offset: a replica at that offset shares it. */
  private readonly pieces = new Map<number, Piece>();
  private readonly free: Buffer[] = [];
  private reading = 0;
  private failed = false;
  private fd: number;

  /** Opens the file a BGSAVE just wrote; throws the open or stat error. */
  constructor(path: string, private readonly log: Logger) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  /** A replica's share: `$<len>\r\n` now, the file as start() sends it. */
  join(replica: ReplicaClient): void {
    replica.writePayload(Buffer.from(`$${this.size}\r\n`));
    this.senders.set(replica, { replica, next: 0, claimed: [], written: 0, gone: false });
  }

  /** Sends the file to the replicas that joined. */
  start(): void {
    for (const s of [...this.senders.values()]) this.claim(s);
    this.closeIfDone();
  }

  /** A replica left: the pieces it claimed and has not written go back; the others go on. */
  leave(replica: ReplicaClient): void {
    const s = this.senders.get(replica);
    if (s === undefined) return;
    this.senders.delete(replica);
    s.gone = true;
    // Pieces already written come back through their write callbacks.
    for (const p of s.claimed.splice(s.written)) this.release(p);
    this.closeIfDone();
  }

  /** Claims the sender's next pieces (reading those nobody read yet), then writes what is ready. */
  private claim(s: Sender): void {
    while (!s.gone && s.claimed.length < IN_FLIGHT && s.next < this.size) {
      const p = this.piece(s.next);
      p.holders++;
      s.claimed.push(p);
      s.next += Math.min(BULK_PIECE, this.size - s.next);
    }
    this.write(s);
  }

  /** Hands the sender's socket its claimed pieces that are read, in order; when all are taken, BULK_SENT. */
  private write(s: Sender): void {
    while (!s.gone && s.written < s.claimed.length && s.claimed[s.written]!.data !== null) {
      const p = s.claimed[s.written++]!;
      s.replica.writePayload(p.data!, () => {
        // Write callbacks come in order: p is the oldest claimed piece still there.
        if (!s.gone) {
          s.claimed.shift();
          s.written--;
        }
        this.release(p);
        if (!s.gone) this.claim(s);
      });
    }
    if (!s.gone && s.next >= this.size && s.claimed.length === 0) {
      this.senders.delete(s.replica);
      s.gone = true;
      s.replica.tell({ type: 'BULK_SENT', now: Date.now() });
      this.closeIfDone();
    }
  }

  /** The piece at an offset: the one being read or held there, else a new read into a free buffer. */
  private piece(at: number): Piece {
    const held = this.pieces.get(at);
    if (held !== undefined) return held;
    let buf = this.free.pop();
    if (buf === undefined) {
      buf = Buffer.allocUnsafeSlow(BULK_PIECE);
      bulkStats.buffers++;
    }
    const p: Piece = { at, buf, data: null, holders: 0 };
    this.pieces.set(at, p);
    this.reading++;
    bulkStats.reads++;
    const want = Math.min(BULK_PIECE, this.size - at);
    read(this.fd, buf, 0, want, at, (err, n) => {
      this.reading--;
      if (err !== null || n !== want) {
        this.fail(err?.message ?? 'short read');
        return;
      }
      p.data = n === buf.length ? buf : buf.subarray(0, n);
      if (p.holders === 0) this.release(p, true);
      for (const s of [...this.senders.values()]) this.write(s);
      this.closeIfDone();
    });
    return p;
  }

  /** One holder less; a piece nobody holds goes, its buffer back to the pool once its read is over. */
  private release(p: Piece, force = false): void {
    if (!force) p.holders--;
    if (p.holders > 0 || p.data === null) return;
    if (this.pieces.get(p.at) === p) this.pieces.delete(p.at);
    if (this.free.length < POOL) this.free.push(p.buf);
  }

  /** The file cannot be read: every replica still waiting for it is dropped. */
  private fail(why: string): void {
    if (this.failed) return;
    this.failed = true;
    this.log.warning(`Read error sending DB to replica: ${why}`);
    for (const s of [...this.senders.values()]) s.replica.close();
    this.closeIfDone();
  }

  /** The file is closed once no replica needs it and no read is in progress. */
  private closeIfDone(): void {
    if (this.senders.size > 0 || this.reading > 0 || this.fd < 0) return;
    close(this.fd, () => {});
    this.fd = -1;
    this.free.length = 0;
  }
}
