// Client memory limits (networking.c): client-output-buffer-limit, checked whenever a
// client's replies are written out (checkClientOutputBufferLimits), and
// client-query-buffer-limit, checked after each chunk read (readQueryFromClient). A client
// over either is dropped at once, its pending output discarded, as Redis frees it ASAP.
// maxmemory-clients (client eviction): what each normal and pub/sub client holds is counted
// whenever it changes (after a chunk is read, after each command, after a write, and in the
// cron), the evictable ones kept in buckets by size (powers of two, as Redis's
// client_mem_usage_buckets), and the clients of the largest buckets are dropped until all
// together hold less than the limit: before each command and after each chunk read (Redis's
// processCommand and beforeSleep), and in the cron.
import { clientInfoString } from '../commands/client-cmd.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

/** CLIENT_MEM_USAGE_BUCKET_MIN_LOG and _MAX_LOG: under 32 kB one bucket, from 8 GB one bucket. */
const BUCKET_MIN_LOG = 15;
const BUCKET_MAX_LOG = 33;
/** getClientEvictionLimit's floor: a smaller maxmemory-clients would leave no room to talk to the server. */
const MIN_EVICTION_LIMIT = 128 * 1024;
/** clientsCronResizeQueryBuffer: a client idle this long lets go of the parsed part of its query buffer, and of its reply buffer. */
const IDLE_MS = 2000;
/** PROTO_REPLY_CHUNK_BYTES: the reply buffer a Redis client writes into first, not counted against its output limits. */
const REPLY_BUFFER = 16 * 1024;

export class ClientLimits {
  /** client-query-buffer-limit */
  queryMax = 0;
  /** stat_evictedclients */
  evictedClients = 0;
  /** getClientEvictionLimit(): 0 while client eviction is off. */
  private evictionLimit = 0;
  /** stat_clients_type_memory of the normal and pub/sub types, while client eviction is on. */
  private tracked = 0;
  /** client_mem_usage_buckets: the evictable clients, by the power of two of what they hold. */
  private readonly buckets: Array<Set<Client>> = Array.from({ length: BUCKET_MAX_LOG - BUCKET_MIN_LOG + 1 }, () => new Set());

  constructor(private readonly server: Server) {
    this.configureQuery();
    this.configureEviction();
    server.config.watch((name) => {
      if (name === 'client-query-buffer-limit') this.configureQuery();
      else if (name === 'maxmemory-clients' || name === 'maxmemory') this.configureEviction();
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
    // Replies not written yet count past the first REPLY_BUFFER bytes, which Redis keeps in c->buf, outside the count.
    const used = c.outputBytes - Math.min(c.reply.pending, REPLY_BUFFER);
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

  /** Whether maxmemory-clients is on. */
  get evicting(): boolean {
    return this.evictionLimit > 0;
  }

  // updateClientMemUsageAndBucket
  /**
   * Counts what c holds now (with argvMem, its running command's arguments), and moves it to
   * the bucket of that size (none when it may not be evicted).
   */
  track(c: Client, argvMem = 0): void {
    if (this.evictionLimit === 0 || c.closed) return;
    // Masters and replicas are other types (getClientType); pseudo-clients are no connection.
    const counted = c.stream !== null && !c.isMaster && c.replica === null;
    const mem = counted ? c.memoryUsage(argvMem) : 0;
    this.tracked += mem - c.memUsage;
    c.memUsage = mem;
    const bucket = counted && !c.noEvict ? this.buckets[bucketIndex(mem)]! : null;
    if (bucket === c.memBucket) return;
    c.memBucket?.delete(c);
    bucket?.add(c);
    c.memBucket = bucket;
  }

  // removeClientFromMemUsageBucket
  /** Takes a closing client out of the count. */
  forget(c: Client): void {
    this.tracked -= c.memUsage;
    c.memUsage = 0;
    c.memBucket?.delete(c);
    c.memBucket = null;
  }

  // evictClients
  /**
   * Drops the evictable clients of the largest buckets, oldest in a bucket first, until all
   * clients together hold less than maxmemory-clients; true when it dropped any.
   */
  evictClients(): boolean {
    if (this.evictionLimit === 0 || this.tracked < this.evictionLimit) return false;
    let evicted = false;
    for (let b = this.buckets.length - 1; b >= 0 && this.tracked >= this.evictionLimit; b--) {
      for (const c of this.buckets[b]!) {
        this.server.log.notice(`Evicting client: ${clientInfoString(c, 0)}`);
        c.drop();
        this.evictedClients++;
        evicted = true;
        if (this.tracked < this.evictionLimit) break;
      }
    }
    if (this.tracked >= this.evictionLimit) this.server.log.warning('Over client maxmemory after evicting all evictable clients');
    return evicted;
  }

  /**
   * clientsCron's share: each client's count brought up to date (output the kernel took
   * since, idle clients), the clients over the limit evicted, and idle clients' query
   * buffers trimmed to what is left to parse and their reply buffers given back.
   */
  cron(clients: Iterable<Client>, now: number): void {
    for (const c of clients) {
      if (now - c.lastInteraction > IDLE_MS) {
        c.parser.release();
        c.reply.release();
      }
      this.track(c);
      // A soft limit's time runs out with no new output too.
      if (c.outputBytes > 0) c.checkOutputLimits();
    }
    this.evictClients();
  }

  /** The log line of a client dropped for its output (the warning Redis logs). */
  static outputLog(c: Client): string {
    return `Client ${clientInfoString(c, 0)} scheduled to be closed ASAP for overcoming of output buffer limits.`;
  }

  static queryLog(c: Client): string {
    return `Closing client that reached max query buffer length: ${clientInfoString(c, 0)}`;
  }

  /**
   * client-query-buffer-limit, also each client parser's keepLimit; a client in the middle of
   * a bulk over the old limit, whose bytes were not kept, is dropped as if it had reached it.
   */
  private configureQuery(): void {
    this.queryMax = this.server.config.getInt('client-query-buffer-limit');
    for (const c of [...this.server.clients.values()]) {
      if (c.isMaster) continue;
      c.parser.keepLimit = this.queryMax;
      if (!c.parser.discarding) continue;
      this.server.log.warning(ClientLimits.queryLog(c));
      c.drop();
    }
  }

  // getClientEvictionLimit
  /** maxmemory-clients in bytes (a percentage of maxmemory, none while maxmemory is 0), then every client counted afresh. */
  private configureEviction(): void {
    const config = this.server.config;
    const setting = config.get('maxmemory-clients')!;
    const maxmemory = config.getInt('maxmemory');
    let limit = setting.endsWith('%') ? Math.floor((maxmemory * Number(setting.slice(0, -1))) / 100) : Number(setting);
    if (limit > 0 && limit < MIN_EVICTION_LIMIT) limit = MIN_EVICTION_LIMIT;
    this.evictionLimit = limit;
    for (const c of this.server.clients.values()) {
      this.forget(c);
      this.track(c);
    }
  }
}

// getMemUsageBucket
/** The bucket of a client holding mem bytes: log2, clamped to the buckets there are. */
function bucketIndex(mem: number): number {
  const bits = mem >= 2 ** 32 ? 32 + (32 - Math.clz32(Math.floor(mem / 2 ** 32))) : 32 - Math.clz32(mem);
  return Math.min(BUCKET_MAX_LOG, Math.max(BUCKET_MIN_LOG, bits)) - BUCKET_MIN_LOG;
}
