// A TCP socket as an RxJS stream of chunks plus a batched writer. Output the kernel will not
// take waits in the socket, and reading goes on meanwhile, as Redis reads a client whose
// replies pile up: a client that writes a whole pipeline before it reads a reply (redis-py's
// pipeline, one blocking sendall) would otherwise wait for us to read while we waited for it
// to read, for ever. What waits is bounded by client-output-buffer-limit and
// maxmemory-clients, which count it (the owner is told when it drained, to count again).
// One is held per connection for its whole life, idle or not: its methods
// live on the prototype, its four socket listeners are attached once, and a subscription
// holds no finalizer of its own (~0.6 kB less per connection than listeners per subscriber).
//
// A client connection reads into one buffer that every such connection shares (node's
// `onread` mode): no Buffer, backing store, Readable.push and nextTick per read, ~10% of
// the CPU of an unpipelined request (bench/compare-builds.sh). Its chunks are therefore
// transient: a view of that buffer, valid only while next() runs, so their subscriber
// copies whatever it keeps (RespParser.keepOwnCopies).
//
// One full read per connection per event-loop turn: after a read that filled the buffer,
// libuv reads the same socket again at once, up to 32 times (2 MB), before it looks at any
// other; a client writing a mass insertion held every other client's reply for 100+ ms.
// Reading it waits for the next turn instead, as Redis reads each client once an iteration,
// and a client's read is Redis's size too.
import type { Socket } from 'node:net';
import { errnoException } from './strerror.js';
import type { Subscriber } from 'rxjs';
// The Observable module alone (in rxjs's exports map, with its types): the package index
// loads every operator, ~70 ms of a server's start-up.
import { Observable } from 'rxjs/internal/Observable';

/**
 * Read size of a client connection: Redis's (PROTO_IOBUF_LEN). A client's mass insertion
 * runs ~120 SETs a turn where node's 64 kB ran ~470: the PING p50 of another client went
 * 2.1 -> 0.7 ms (bench/mass-insert-pings.ts), for ~10% of one client's -P 1000 throughput.
 */
const CLIENT_READ_SIZE = 16 * 1024;
/**
 * Read size of a connection we opened (what libuv reads at once: node's own default): the
 * replica link, whose one peer is the master and whose stream it must keep up with.
 */
const LINK_READ_SIZE = 64 * 1024;
let sharedReadBuffer: Buffer | null = null;
/** The shared buffer's first CLIENT_READ_SIZE bytes, as client connections read into it. */
let clientReadBuffer: Buffer | null = null;
/**
 * Reads of up to this many bytes come as a view made once per length: a view of the shared
 * buffer's first n bytes is the same bytes whichever read fills them, and a new one per read
 * was ~100 B of garbage per unpipelined request (bench/alloc-per-command.ts).
 */
const VIEWS_KEPT = 4096;
const sharedViews = new Array<Buffer | undefined>(VIEWS_KEPT + 1).fill(undefined);

/** net's private symbols for a socket's onread buffer and callback: the same for every socket. */
interface NetSymbols {
  kBuffer: symbol | undefined;
  kBufferCb: symbol | undefined;
}
let netSymbols: NetSymbols | null = null;

/** Looked up once, not by listing every accepted socket's own symbols (V8 collects all its keys to do it). */
function findNetSymbols(socket: Socket): NetSymbols {
  const symbols = Object.getOwnPropertySymbols(socket);
  return {
    kBuffer: symbols.find((x) => x.description === 'kBuffer'),
    kBufferCb: symbols.find((x) => x.description === 'kBufferCb'),
  };
}

/**
 * Makes an accepted socket, not yet reading (pauseOnConnect), read into the shared buffer:
 * what `new Socket({ onread })` sets up, which net.Server offers no way to ask for. False
 * when this node's net module does not have the fields it goes by (then chunks are owned).
 */
function readIntoSharedBuffer(socket: Socket, readSize: number, onRead: (n: number, buf: Buffer) => void): boolean {
  const fields = socket as unknown as Record<symbol, unknown> & { _handle?: { useUserBuffer?(buf: Buffer): void } };
  const { kBuffer, kBufferCb } = (netSymbols ??= findNetSymbols(socket));
  const handle = fields._handle;
  if (kBuffer === undefined || kBufferCb === undefined || typeof handle?.useUserBuffer !== 'function') return false;
  const whole = (sharedReadBuffer ??= Buffer.allocUnsafe(LINK_READ_SIZE));
  const buf = readSize === LINK_READ_SIZE ? whole : (clientReadBuffer ??= whole.subarray(0, CLIENT_READ_SIZE));
  fields[kBuffer] = buf;
  fields[kBufferCb] = onRead;
  handle.useUserBuffer(buf);
  return true;
}

/** A write request as a stream handle takes it; the handle calls oncomplete on it if it waits. */
interface WriteReq {
  oncomplete: (this: WriteReq, status: number) => void;
  /** Who waits for it, and what it holds alive meanwhile (the handle keeps only pointers). */
  stream: SocketStream | null;
  data: Buffer | readonly Buffer[] | null;
  bytes: number;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  /** Where the last write says whether the handle kept part of it queued. */
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

interface WritableHandle {
  writeBuffer(req: WriteReq, buf: Buffer): number;
  writev(req: WriteReq, chunks: readonly Buffer[], allBuffers: true): number;
}

/**
 * node's stream_wrap binding: a socket's handle written to as net.Socket's Writable does it
 * underneath, without the Writable's bookkeeping around each write (its request, after-write
 * record and nextTick: ~210 of ZADD's ~630 bytes of garbage a request, bench/alloc-per-command.ts).
 * Null where this node does not offer it: then every write goes through the Writable.
 */
const streamWrap: StreamWrapBinding | null = (() => {
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    const ok = typeof b.WriteWrap === 'function' && b.streamBaseState instanceof Int32Array && typeof b.kLastWriteWasAsync === 'number';
    return ok ? (b as StreamWrapBinding) : null;
  } catch {
    return null;
  }
})();

/** The handle's call when the kernel took the rest of a write it kept queued, or failed. */
function afterQueuedWrite(this: WriteReq, status: number): void {
  const stream = this.stream!;
  const bytes = this.bytes;
  this.stream = this.data = null;
  stream.queuedWriteDone(status, bytes);
}

/** The request of the next direct write: one serves every write the kernel takes at once. */
let spareReq: WriteReq | null = null;

export class SocketStream {
  /** Told when output the kernel did not take at once has all gone. */
  owner: { onDrain(): void } | null = null;
  /** Output waits in the socket (the last write was not taken whole) and has not drained yet. */
  private outputWaits = false;
  /** A full read this turn: reading waits for the next turn. */
  private heldForTurn = false;
  /** Bytes of direct writes the handle still keeps queued. */
  private inFlight = 0;
  /** Who gets the chunks (one subscriber at a time); events after it unsubscribed are dropped. */
  private sub: Subscriber<Buffer> | null = null;

  /** Chunks are views of the shared read buffer, valid only while the subscriber's next() runs. */
  transient: boolean;
  /** A read this long filled the buffer. */
  private readonly readSize: number;

  /**
   * shared: an accepted client connection, not reading yet (pauseOnConnect), that reads into
   * the shared buffer; it starts reading at start().
   */
  constructor(readonly socket: Socket, shared = false) {
    this.readSize = shared ? CLIENT_READ_SIZE : LINK_READ_SIZE;
    this.transient = shared && readIntoSharedBuffer(socket, this.readSize, this.onSharedRead);
    // Listening from the start, for the socket's whole life: no listener to add or remove per
    // subscription, and a reset from the peer after the owner unsubscribed is not unhandled.
    socket.on('data', (b: Buffer) => this.read(b, b.length));
    socket.on('close', () => this.live()?.complete());
    // A half-open socket (the server's clients) completes at the peer's end, where node would
    // shut our side down and close only on that shutdown's callback: end() closes at once.
    if (socket.allowHalfOpen) socket.on('end', () => this.live()?.complete());
    socket.on('error', (e: Error) => this.live()?.error(e));
    socket.on('drain', () => this.drained());
  }

  private readonly onSharedRead = (n: number, buf: Buffer): void => {
    const shared = buf === clientReadBuffer || buf === sharedReadBuffer;
    this.read(n <= VIEWS_KEPT && shared ? (sharedViews[n] ??= buf.subarray(0, n)) : buf.subarray(0, n), n);
  };

  private read(chunk: Buffer, n: number): void {
    this.live()?.next(chunk);
    if (n >= this.readSize && !this.heldForTurn) {
      this.heldForTurn = true;
      this.socket.pause();
      setImmediate(this.turnEnded);
    }
  }

  private readonly turnEnded = (): void => {
    this.heldForTurn = false;
    if (!this.socket.destroyed) this.socket.resume();
  };

  /**
   * From the next read on, a connection we opened reads into the shared buffer too (the
   * replica link, once it applies its master's stream), when it can: transient says whether
   * it does. Not while chunks read already wait in the socket: they would come after newer ones.
   */
  shareReads(): void {
    if (!this.transient && this.socket.readableLength === 0) this.transient = readIntoSharedBuffer(this.socket, this.readSize, this.onSharedRead);
  }

  /** Reading begins, for a socket accepted paused. */
  start(): void {
    this.socket.resume();
  }

  /** Chunks as they arrive; completes when the peer closes, errors on a socket error. */
  get chunks$(): Observable<Buffer> {
    return new Observable<Buffer>((sub) => {
      this.sub = sub;
    });
  }

  /** The subscriber while it still listens. */
  private live(): Subscriber<Buffer> | null {
    const sub = this.sub;
    return sub !== null && !sub.closed ? sub : null;
  }

  /**
   * Writes a batch with one syscall (writev for several chunks). What the kernel did not take
   * waits in the socket (queued), and onDrain runs once it has gone.
   */
  write(batch: readonly Buffer[]): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    let ok = true;
    // Straight to the handle while the Writable holds nothing that must go first.
    if (streamWrap !== null && socket.writable && socket.writableLength === 0 && !socket.connecting) {
      ok = this.writeDirect(batch, streamWrap);
    } else if (batch.length === 1) {
      ok = socket.write(batch[0]!);
    } else {
      socket.cork();
      for (const b of batch) ok = socket.write(b);
      socket.uncork();
    }
    if (!ok) this.outputWaits = true;
  }

  /** Bytes written and not yet taken by the kernel. */
  get queued(): number {
    return this.socket.writableLength + this.inFlight;
  }

  /**
   * Hands the batch to the socket's handle (one write or writev): true when the kernel took
   * it all. Otherwise libuv keeps the rest queued, ahead of any later write whichever path
   * that takes, and queuedWriteDone follows.
   */
  private writeDirect(batch: readonly Buffer[], binding: StreamWrapBinding): boolean {
    const handle = (this.socket as unknown as { _handle: WritableHandle | null })._handle;
    if (handle === null) return false;
    const req = (spareReq ??= Object.assign(new binding.WriteWrap(), { oncomplete: afterQueuedWrite, stream: null, data: null, bytes: 0 }));
    const status = batch.length === 1 ? handle.writeBuffer(req, batch[0]!) : handle.writev(req, batch, true);
    if (status !== 0) {
      this.socket.destroy(errnoException(status, 'write'));
      return false;
    }
    if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) return true;
    spareReq = null;
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) bytes += batch[i]!.length;
    req.stream = this;
    // The Buffers, not the caller's array: it may reuse that once write() returns.
    req.data = batch.length === 1 ? batch[0]! : batch.slice();
    req.bytes = bytes;
    this.inFlight += bytes;
    return false;
  }

  /** A direct write's end: the kernel took the rest, or the connection failed. */
  queuedWriteDone(status: number, bytes: number): void {
    this.inFlight -= bytes;
    if (this.socket.destroyed) return;
    if (status < 0) this.socket.destroy(errnoException(status, 'write'));
    else if (this.outputWaits && this.queued === 0) this.drained();
  }

  /**
   * Sends what is queued, then closes, as Redis closes the fd once its output is written: a
   * peer that goes on writing gets a reset (node's end() alone would shut down our side and
   * keep reading it for good). With nothing queued it closes at once (close(2) sends the FIN).
   * A socket already closed is left alone: its end() would make an Error (stack and message)
   * to say so, on every client's disconnect.
   */
  end(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    if (this.queued === 0) {
      socket.destroy();
    } else {
      socket.once('finish', () => socket.destroy());
      socket.end();
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private drained(): void {
    this.outputWaits = false;
    this.owner?.onDrain();
  }
}
