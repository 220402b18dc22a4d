// A TCP socket as an RxJS stream of chunks plus a batched writer. Back-pressure couples
// the two: while the kernel will not take more of our output, we stop reading the peer's
// input, so a client that pipelines without reading its replies cannot make us buffer
// without bound. One is held per connection for its whole life, idle or not: its methods
// live on the prototype, and the Observable is made when subscribed to, not kept.
import type { Socket } from 'node:net';
// The Observable module alone (in rxjs's exports map, with its types): the package index
// loads every operator, ~70 ms of a server's start-up.
import { Observable } from 'rxjs/internal/Observable';

const noop = (): void => {};

export class SocketStream {
  /** Told when the output drained, to carry on with work it held back while blocked. */
  owner: { onDrain(): void } | null = null;
  private blocked = false;

  constructor(readonly socket: Socket) {
    // After the owner unsubscribed (a closed client), a reset from the peer must not go unhandled.
    socket.on('error', noop);
    socket.on('drain', () => this.drained());
  }

  /** Chunks as they arrive; completes when the peer closes, errors on a socket error. */
  get chunks$(): Observable<Buffer> {
    const socket = this.socket;
    return new Observable<Buffer>((sub) => {
      const onData = (b: Buffer): void => sub.next(b);
      const onEnd = (): void => sub.complete();
      const onError = (e: Error): void => sub.error(e);
      socket.on('data', onData);
      socket.on('close', onEnd);
      socket.on('error', onError);
      return () => {
        socket.off('data', onData);
        socket.off('close', onEnd);
        socket.off('error', onError);
      };
    });
  }

  /**
   * Writes a batch with one syscall (writev for several chunks). False when the kernel
   * took no more: reading stops until the output drains, then onDrain runs.
   */
  write(batch: Buffer[]): boolean {
    const socket = this.socket;
    if (socket.destroyed) return false;
    let ok = true;
    if (batch.length === 1) {
      ok = socket.write(batch[0]!);
    } else {
      socket.cork();
      for (const b of batch) ok = socket.write(b);
      socket.uncork();
    }
    if (!ok && !this.blocked) {
      this.blocked = true;
      socket.pause();
    }
    return ok;
  }

  /** Sends what is queued, then closes. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private drained(): void {
    this.blocked = false;
    this.socket.resume();
    this.owner?.onDrain();
  }
}
