// A TCP proxy between a replica and its master that watches each connection's
// handshake: when the replica sent PSYNC, whether the master answered
// +CONTINUE or +FULLRESYNC, and how many bytes the master sent after the
// +CONTINUE line. That count is what a partial resync cost on the wire, which
// neither server reports (redstate's INFO has no total_net_repl_output_bytes).
import net from 'node:net';
import { now } from './stats.js';

export interface ProxiedLink {
  /** now() when the replica's PSYNC passed through; NaN before. */
  psyncAt: number;
  continued: boolean;
  fullResync: boolean;
  /** Bytes from the master after the +CONTINUE line (the resent and the live stream). */
  bytesAfterContinue: number;
  /** now() when the +CONTINUE line passed, and when the master's last chunk after it did; NaN before. */
  continueAt: number;
  lastDataAt: number;
}

const CONTINUE = '+CONTINUE';

/**
 * Copies `from` into `to` with back-pressure, calling `seen` on each chunk
 * first; either side closing closes the other.
 */
function relay(from: net.Socket, to: net.Socket, seen: (chunk: Buffer) => void): void {
  from.on('data', (chunk: Buffer) => {
    seen(chunk);
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('close', () => to.destroy());
  from.on('error', () => to.destroy());
}

export class LinkProxy {
  /** One entry per connection the replica made, in order. */
  readonly links: ProxiedLink[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server) {}

  /** Listens on a free loopback port and forwards every connection to 127.0.0.1:targetPort. */
  static start(targetPort: number): Promise<LinkProxy> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      const proxy = new LinkProxy(server);
      server.on('connection', (replica) => proxy.accept(replica, targetPort));
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(proxy));
    });
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  private accept(replica: net.Socket, targetPort: number): void {
    const master = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [replica, master]) {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    }
    const link: ProxiedLink = { psyncAt: NaN, continued: false, fullResync: false, bytesAfterContinue: 0, continueAt: NaN, lastDataAt: NaN };
    this.links.push(link);
    let head = ''; // what the master said before the payload or stream began (latin1)
    relay(replica, master, (chunk) => {
      if (Number.isNaN(link.psyncAt) && chunk.includes('PSYNC')) link.psyncAt = now();
    });
    relay(master, replica, (chunk) => {
      if (link.continued) {
        link.bytesAfterContinue += chunk.length;
        link.lastDataAt = now();
        return;
      }
      if (link.fullResync) return;
      head += chunk.toString('latin1');
      const at = head.indexOf(CONTINUE);
      const end = at < 0 ? -1 : head.indexOf('\r\n', at);
      if (end >= 0) {
        link.continued = true;
        link.continueAt = link.lastDataAt = now();
        link.bytesAfterContinue = head.length - (end + 2);
      } else if (head.includes('+FULLRESYNC')) {
        link.fullResync = true;
      }
    });
  }

  close(): void {
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
  }
}
