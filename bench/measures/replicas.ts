// What the replication measures share: the sync settings both servers get,
// replicas started and told REPLICAOF, and offsets read from INFO replication
// and polled until a replica has caught up.
import type { RoundContext } from '../measure.js';
import { parseInfo, ReplyError, type RespClient } from '../resp.js';
import { runTool, type RunningServer, type ServerSpec, type StartOptions } from '../servers.js';
import { parseBenchmarkCsv, requestsFor } from './throughput.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Full sync on disk or straight to the sockets, never waiting to gather replicas. */
export function syncArgs(diskless: boolean): string[] {
  return ['--repl-diskless-sync', diskless ? 'yes' : 'no', '--repl-diskless-sync-delay', '0'];
}

/** The spec that is not ctx.spec: the other half of a cross pair. */
export function otherSpec(ctx: RoundContext): ServerSpec {
  return ctx.spec.name === 'redstate' ? ctx.specs.redis : ctx.specs.redstate;
}

export interface Node {
  server: RunningServer;
  client: RespClient;
}

/** Starts a server (ctx.spec unless told) with a client that is closed after the round. */
export async function startNode(ctx: RoundContext, options: Partial<StartOptions> = {}, spec = ctx.spec): Promise<Node> {
  const server = await ctx.start(options, spec);
  const client = await server.client();
  ctx.defer(() => client.close());
  return { server, client };
}

/** Starts a replica of the server listening on `port` (a master, or a proxy in front of one). */
export async function startReplica(ctx: RoundContext, port: number, options: Partial<StartOptions> = {}, spec = ctx.spec): Promise<Node> {
  const node = await startNode(ctx, options, spec);
  await node.client.call('REPLICAOF', '127.0.0.1', port);
  return node;
}

/** INFO replication, or undefined while the server answers -LOADING. */
async function replicationInfo(client: RespClient): Promise<Record<string, string> | undefined> {
  try {
    return parseInfo(await client.call('INFO', 'replication'));
  } catch (err) {
    if (err instanceof ReplyError) return undefined;
    throw err;
  }
}

/** master_repl_offset: on a master what it has fed, on a replica what it has applied. */
export async function offsetOf(client: RespClient): Promise<number> {
  const offset = Number((await replicationInfo(client))?.master_repl_offset);
  return Number.isFinite(offset) ? offset : NaN;
}

/** Polls a replica until its link is up and it holds `keys` keys (-LOADING counts as not yet). */
export async function waitSynced(replica: RespClient, keys: number, signal: AbortSignal, everyMs = 2): Promise<void> {
  for (;;) {
    signal.throwIfAborted();
    if ((await replicationInfo(replica))?.master_link_status === 'up') {
      try {
        if ((await replica.call('DBSIZE')) === keys) return;
      } catch (err) {
        if (!(err instanceof ReplyError)) throw err;
      }
    }
    await sleep(everyMs);
  }
}

/** Polls until every replica's link is up and its offset equals the master's; returns that offset. */
export async function waitCaughtUp(master: RespClient, replicas: RespClient[], signal: AbortSignal, everyMs = 1): Promise<number> {
  for (;;) {
    signal.throwIfAborted();
    const [target, ...infos] = await Promise.all([offsetOf(master), ...replicas.map(replicationInfo)]);
    const behind = infos.some((info) => info?.master_link_status !== 'up' || Number(info.master_repl_offset) !== target);
    if (!behind) return target;
    await sleep(everyMs);
  }
}

/**
 * Until the master counts `count` replicas online. A replica reports its link up once it has
 * loaded, before redis's master has reaped the sync's fork; a FLUSHALL in between kills that
 * fork, and the replica stays up at its offset while the master sends it no stream.
 */
export async function waitOnline(master: RespClient, count: number, signal: AbortSignal): Promise<void> {
  for (;;) {
    signal.throwIfAborted();
    const info = parseInfo(await master.call('INFO', 'replication'));
    const online = Object.entries(info).filter(([k, v]) => /^slave\d+$/.test(k) && v.includes('state=online')).length;
    if (online >= count) return;
    await sleep(1);
  }
}

/** redis-benchmark SET at the throughput measure's clients and sizes, with -P `pipeline`; its req/s. */
export async function benchmarkSet(ctx: RoundContext, port: number, pipeline: number): Promise<number> {
  const t = ctx.config.throughput;
  const csv = await runTool(
    ['redis-benchmark', '-h', '127.0.0.1', '-p', String(port), '-c', String(t.clients),
      '-n', String(requestsFor(t, pipeline)), '-r', String(t.keyspace),
      '-P', String(pipeline), '-t', 'set', '--csv'],
    (child) => ctx.defer(() => child.kill('SIGKILL')),
  );
  const rps = parseBenchmarkCsv(csv).get('set')?.rps;
  if (!rps) throw new Error(`redis-benchmark reported no SET figure: ${csv.slice(0, 200)}`);
  return rps;
}
