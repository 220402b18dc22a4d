// What one round of a replication bench script starts (servers, their temp dirs, clients)
// and the redis-benchmark context its SET load runs with, all stopped and removed by close().
import type { RoundContext } from './measure.js';
import type { RespClient } from './resp.js';
import { makeTempDir, removeTempDir, startServer, type RunningServer, type ServerSpec } from './servers.js';

export class RoundServers {
  /** For benchmarkSet: 50 clients over 100k keys, `requests` with and without pipelining. */
  readonly ctx: RoundContext;
  private readonly dirs: string[] = [];
  private readonly started: RunningServer[] = [];
  private readonly clients: RespClient[] = [];
  private readonly deferred: Array<() => void> = [];

  constructor(requests: number) {
    this.ctx = {
      config: { throughput: { clients: 50, keyspace: 100000, requests, pipelinedRequests: requests } },
      defer: (fn: () => void) => this.deferred.push(fn),
    } as unknown as RoundContext;
  }

  /** A server in a fresh temp dir, and a client of it. */
  async start(spec: ServerSpec, args: string[] = []): Promise<{ s: RunningServer; c: RespClient }> {
    const dir = makeTempDir();
    this.dirs.push(dir);
    const s = await startServer(spec, { dir, args });
    this.started.push(s);
    return { s, c: await this.client(s) };
  }

  /** Another client of a server of the round. */
  async client(s: RunningServer): Promise<RespClient> {
    const c = await s.client();
    this.clients.push(c);
    return c;
  }

  async close(): Promise<void> {
    this.deferred.forEach((fn) => fn());
    this.clients.forEach((c) => c.close());
    for (const s of this.started.reverse()) await s.stop();
    this.dirs.forEach(removeTempDir);
  }
}
