// A TCP socket as an RxJS stream of chunks plus a batched writer. Back-pressure couples
// the two: while the kernel will not take more of our output, we stop reading the peer's
// input, so a client that pipelines without reading its replies cannot make us buffer
// without bound.
import type { Socket } from 'node:net';
// The Observable module alone (in rxjs's exports map, with its types): the package index
// loads every operator, ~70 ms of a server's start-up.
import { Observable } from 'rxjs/internal/Observable';

export interface SocketStream {
  /** Chunks as they arrive; completes when the peer closes, errors on a socket error. */
  readonly chunks$: Observable<Buffer>;
  /**
   * Writes a batch with one syscall (writev for several chunks). False when the kernel
   * took no more: reading stops until the output drains, then onDrain runs.
   */
  write(batch: readonly Buffer[]): boolean;
  /** Set by the owner to carry on with work it held back while blocked. */
  onDrain: () => void;
  /** Sends what is queued, then closes. */
  end(): void;
  destroy(): void;
  readonly socket: Socket;
}

export function socketStream(socket: Socket): SocketStream {
  let blocked = false;

  const chunks$ = new Observable<Buffer>((sub) => {
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

  const stream: SocketStream = {
    chunks$,
    socket,
    onDrain: () => {},
    write(batch) {
      if (socket.destroyed) return false;
      let ok = true;
      if (batch.length === 1) {
        ok = socket.write(batch[0]!);
      } else {
        socket.cork();
        for (const b of batch) ok = socket.write(b);
        socket.uncork();
      }
      if (!ok && !blocked) {
        blocked = true;
        socket.pause();
      }
      return ok;
    },
    end() {
      socket.end();
    },
    destroy() {
      socket.destroy();
    },
  };
  // After the owner unsubscribed (a closed client), a reset from the peer must not go unhandled.
  socket.on('error', () => {});
  socket.on('drain', () => {
    blocked = false;
    socket.resume();
    stream.onDrain();
  });
  return stream;
}
