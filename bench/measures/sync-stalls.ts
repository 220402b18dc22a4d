// Replication 5: what a full sync costs the master's clients and memory.
// The master holds the DEBUG POPULATE dataset under the snapshot-stalls write
// load and PING worker; three fresh replicas (the same server) are told
// REPLICAOF at once (disk-based sync, so that redis too can serve all three
// from one fork). Reported: PING latencies from the first REPLICAOF until all
// three are in sync, that duration, the peak memory of the master's processes
// above the memory just before (as % of the dataset), and how many snapshots
// (INFO stats total_forks) the master took for the three.
import type { Measure } from '../measure.js';
import { sampleMemoryPeak, treeMemory } from '../proc.js';
import { infoNumber } from '../resp.js';
import { now } from '../stats.js';
import { populate } from './datasets.js';
import { startNode, syncArgs, waitSynced, type Node } from './replicas.js';
import { averageMemory, stallFigures, startPinger, startWriteLoad } from './snapshot-stalls.js';

const REPLICAS = 3;
const MEMORY_SAMPLE_MS = 10;
/**
 * How often each replica is asked whether it is in sync. Every 2 ms, the three replicas'
 * INFO replies took a quarter of a core of this 2-core host while the master saved (perf
 * sched), CPU the master's pings then waited for: the measure's own load, not the sync's.
 */
export const SYNCED_POLL_MS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const syncStalls: Measure = {
  id: 'syncstalls',
  title: 'Replication: the master during a full sync',
  describe: (c) =>
    `A master with DEBUG POPULATE ${c.replication.keys} key ${c.populate.valueSize} (repl-diskless-sync no), ` +
    `${c.stalls.writesPerSec} SETs/s over its keys and PING every ${c.stalls.pingEveryMs} ms from a worker; ` +
    `${REPLICAS} fresh replicas (the same server) told REPLICAOF at once. Pings and memory from the first REPLICAOF ` +
    `until all ${REPLICAS} are in sync (each asked every ${SYNCED_POLL_MS} ms); memory as in the snapshot-stalls measure, above the master just before; ` +
    'snapshots: total_forks taken for the three.',

  metrics: () => [
    { key: 'ping.p50', label: 'PING p50 during the sync', unit: 'ms' },
    { key: 'ping.p99', label: 'PING p99 during the sync', unit: 'ms', target: { kind: 'limit', op: '<=', value: 5 }, chart: true },
    { key: 'ping.max', label: 'PING max during the sync', unit: 'ms', target: { kind: 'limit', op: '<=', value: 20 }, chart: true },
    { key: 'sync.ms', label: `until all ${REPLICAS} replicas are in sync`, unit: 'ms', chart: true },
    { key: 'dataset.mb', label: 'dataset (process memory above empty server)', unit: 'MB', anySign: true },
    { key: 'extra.mb', label: 'peak extra memory of the master', unit: 'MB', mayBeZero: true },
    { key: 'extra.pct', label: 'peak extra memory, % of dataset', unit: '%',
      target: { kind: 'limit', op: '<=', value: 10 }, chart: true, anySign: true },
    { key: 'snapshots', label: `snapshots taken for ${REPLICAS} replicas`, unit: 'count' },
  ],

  async round(ctx) {
    const keys = ctx.config.replication.keys;
    const { pingEveryMs, writesPerSec } = ctx.config.stalls;
    const master = await startNode(ctx, { args: syncArgs(false) });
    const writer = await master.server.client();
    ctx.defer(() => writer.close());
    const empty = treeMemory(master.server.pid);
    await populate(master.client, ctx.config, keys);
    const replicas: Node[] = [];
    for (let i = 0; i < REPLICAS; i++) replicas.push(await startNode(ctx));
    const forksBefore = await infoNumber(master.client, 'stats', 'total_forks');

    const pinger = await startPinger(master.server.port, pingEveryMs);
    ctx.defer(() => pinger.terminate());
    const load = startWriteLoad(writer, keys, ctx.config.populate.valueSize, writesPerSec);
    ctx.defer(() => load.cancel());
    await sleep(200);
    const before = await averageMemory(master.server.pid);
    const sampler = sampleMemoryPeak(master.server.pid, MEMORY_SAMPLE_MS);
    ctx.defer(() => sampler.stop());

    const startedAt = now();
    await Promise.all(replicas.map((r) => r.client.call('REPLICAOF', '127.0.0.1', master.server.port)));
    await Promise.all(replicas.map((r) => waitSynced(r.client, keys, ctx.signal, SYNCED_POLL_MS)));
    const syncMs = now() - startedAt;
    const peak = sampler.stop();
    load.stop();
    const pings = await pinger.stop();
    const latencies = pings.latencies.filter((_, i) => pings.sentAt[i]! >= startedAt);
    if (latencies.length === 0) throw new Error('no PING was sent during the sync');

    return {
      ...stallFigures(latencies, empty, before, peak),
      'sync.ms': syncMs,
      snapshots: (await infoNumber(master.client, 'stats', 'total_forks')) - forksBefore,
    };
  },
};
