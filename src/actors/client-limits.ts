// Client memory limits (networking.c): client-output-buffer-limit, checked whenever a
// client's replies are written out (checkClientOutputBufferLimits), and
// client-query-buffer-limit, checked after each chunk read (readQueryFromClient). A client
// over either is dropped at once, its pending output discarded, as Redis frees it ASAP.
// maxmemory-clients (evictClients) drops the clients that hold most until all clients
// together hold less than the limit; redstate checks it in the cron, Redis also before each
// command (it keeps clients in memory buckets; a walk of every client per command costs too
// much here).
import { clientInfoString } from '../commands/client-cmd.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

export class ClientLimits {
  private queryMax = 0;
  /** stat_evictedclients */
  evictedClients = 0;

  constructor(private readonly server: Server) {
    this.configure();
    server.config.watch((name) => {
      if (name === 'client-query-buffer-limit') this.configure();
    });
  }

  // checkClientOutputBufferLimits
  /**
   * True when c's output is over its class's hard limit, or over the soft one for longer than
   * allowed: the pubsub class while c is subscribed (CLIENT_PUBSUB), else the normal one.
   */
  outputLimitReached(c: Client): boolean {
    // Replicas have their own class (the replica-client actor checks it); a master has none.
    if (c.replica !== null || c.isMaster) return false;
    const { hard, soft, seconds } = this.server.outputLimits(c.inPubSub ? 'pubsub' : 'normal');
    if (hard === 0 && soft === 0) return false;
    const used = c.outputBytes;
    if (hard > 0 && used >= hard) return true;
    if (soft === 0 || used < soft) {
      c.softLimitSince = -1;
      return false;
    }
    const now = Math.floor(Date.now() / 1000);
    if (c.softLimitSince < 0) c.softLimitSince = now;
    return now - c.softLimitSince > seconds;
  }

  /**
   * True when c's unparsed input with the chunk just read would pass client-query-buffer-limit
   * (a master's never does): Redis checks its query buffer after each read, before parsing.
   */
  queryLimitReached(c: Client, incoming: number): boolean {
    return !c.isMaster && c.parser.buffered + incoming > this.queryMax;
  }

  // evictClients
  /** Drops the clients holding most memory until all of them hold less than maxmemory-clients. */
  evictClients(clients: Iterable<Client>, maxmemory: number, log: (line: string) => void): void {
    const setting = this.server.config.get('maxmemory-clients')!;
    const limit = setting.endsWith('%') ? Math.floor((maxmemory * Number(setting.slice(0, -1))) / 100) : Number(setting);
    if (limit === 0) return;
    let total = 0;
    const candidates: Client[] = [];
    for (const c of clients) {
      if (c.isMaster || c.replica !== null || c.noEvict) continue;
      total += c.memoryBytes;
      candidates.push(c);
    }
    if (total < limit) return;
    candidates.sort((a, b) => b.memoryBytes - a.memoryBytes);
    for (const c of candidates) {
      if (total < limit) break;
      total -= c.memoryBytes;
      log(`Evicting client: ${clientInfoString(c, 0)}`);
      c.drop();
      this.evictedClients++;
    }
  }

  /** The log line of a client dropped for its output (the warning Redis logs). */
  static outputLog(c: Client): string {
    return `Client ${clientInfoString(c, 0)} scheduled to be closed ASAP for overcoming of output buffer limits.`;
  }

  static queryLog(c: Client): string {
    return `Closing client that reached max query buffer length: ${clientInfoString(c, 0)}`;
  }

  private configure(): void {
    this.queryMax = this.server.config.getInt('client-query-buffer-limit');
  }
}
