// A TCP listening socket made at once (listenToPort): bound and listening when the call
// returns, or the reason it cannot be. CONFIG SET port and bind answer only once their new
// sockets listen, in the same call, and at start-up a bind that fails aborts it; node's
// net.Server.listen() tells of a taken port only in a later turn. node's tcp_wrap binding binds
// and listens synchronously (libuv reports EADDRINUSE at the listen); the handle is then given
// to a net.Server, which adopts it as it is.
import { errnoException } from './strerror.js';

/** The TCP handle of node's tcp_wrap binding, as far as it is used here. */
export interface TcpHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  getsockname(out: { address?: string; port?: number }): number;
  close(): void;
}

interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  constants: { SERVER: number; UV_TCP_IPV6ONLY: number };
}

const tcpWrap = (process as unknown as { binding(name: string): TcpWrapBinding }).binding('tcp_wrap');

/** A listening socket on host:port (port 0: one the kernel picks), IPv6 ones v6-only as Redis makes them; or the failure, as an errno Error. */
export function bindTcp(host: string, port: number, backlog: number): TcpHandle | NodeJS.ErrnoException {
  const handle = new tcpWrap.TCP(tcpWrap.constants.SERVER);
  const v6 = host.includes(':');
  let status = v6 ? handle.bind6(host, port, tcpWrap.constants.UV_TCP_IPV6ONLY) : handle.bind(host, port);
  if (status === 0) status = handle.listen(backlog);
  if (status === 0) return handle;
  handle.close();
  return errnoException(status, 'bind');
}

/** The port a listening handle took. */
export function boundPort(handle: TcpHandle): number {
  const out: { port?: number } = {};
  handle.getsockname(out);
  return out.port ?? 0;
}
