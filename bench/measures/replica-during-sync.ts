// Replication 6: what a client of a replica gets while it full-syncs. The
// replica holds an old dataset (DEBUG POPULATE under another prefix); a worker
// sends EXISTS key:0 to it every millisecond while it syncs from a master
// holding the new one: `:0` is the old data, `:1` the new, `-LOADING` neither.
// redstate loads with repl-diskless-load swapdb (the old data stays readable
// until the new replaces it), redis with its default (disabled: it empties
// the old data and answers -LOADING while it loads the file).
import type { Measure } from '../measure.js';
import { now, percentile } from '../stats.js';
import { populate } from './datasets.js';
import { startNode, syncArgs, waitSynced } from './replicas.js';
import { startPinger } from './snapshot-stalls.js';

const PROBE_EVERY_MS = 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const replicaDuringSync: Measure = {
  id: 'replicasync',
  title: 'Replication: the replica during a full sync',
  describe: (c) =>
    `A replica holding ${c.replication.keys} old keys syncs from a master with ${c.replication.keys} new ones ` +
    `(repl-diskless-sync no); EXISTS of a new key every ${PROBE_EVERY_MS} ms on the replica from REPLICAOF until it is in sync. ` +
    'redstate with repl-diskless-load swapdb, redis with its default (disabled). Old data: how long after REPLICAOF ' +
    'the old dataset was still answered; LOADING: from the first -LOADING reply to the last.',

  metrics: () => [
    { key: 'sync.ms', label: 'full sync (REPLICAOF until in sync)', unit: 'ms' },
    { key: 'stale.ms', label: 'old data answered for', unit: 'ms', mayBeZero: true },
    { key: 'loading.ms', label: '-LOADING answered for', unit: 'ms', mayBeZero: true, chart: true },
    { key: 'probe.p99', label: 'reply p99 of the replica during the sync', unit: 'ms' },
    { key: 'probe.max', label: 'reply max of the replica during the sync', unit: 'ms', chart: true },
  ],

  async round(ctx) {
    const keys = ctx.config.replication.keys;
    const master = await startNode(ctx, { args: syncArgs(false) });
    await populate(master.client, ctx.config, keys);
    const swapdb = ctx.spec.name === 'redstate' ? ['--repl-diskless-load', 'swapdb'] : [];
    const replica = await startNode(ctx, { args: swapdb });
    await populate(replica.client, ctx.config, keys, 'old');

    const prober = await startPinger(replica.server.port, PROBE_EVERY_MS, ['EXISTS', 'key:0']);
    ctx.defer(() => prober.terminate());
    const startedAt = now();
    await replica.client.call('REPLICAOF', '127.0.0.1', master.server.port);
    await waitSynced(replica.client, keys, ctx.signal);
    const syncedAt = now();
    await sleep(10 * PROBE_EVERY_MS);
    const { sentAt, latencies, replies } = await prober.stop();

    const during = sentAt.flatMap((at, i) => (at >= startedAt && at <= syncedAt ? [i] : []));
    if (during.length === 0) throw new Error('no probe was sent during the sync');
    const times = (reply: (line: string) => boolean) => during.filter((i) => reply(replies[i]!)).map((i) => sentAt[i]!);
    const unexpected = during.find((i) => !/^(:0|:1|-LOADING)/.test(replies[i]!));
    if (unexpected !== undefined) throw new Error(`the replica answered ${replies[unexpected]}`);
    const stale = times((line) => line === ':0');
    const loading = times((line) => line.startsWith('-LOADING'));
    const span = (list: number[]) => (list.length ? list[list.length - 1]! - list[0]! : 0);
    const probeLatencies = during.map((i) => latencies[i]!);
    return {
      'sync.ms': syncedAt - startedAt,
      'stale.ms': stale.length ? stale[stale.length - 1]! - startedAt : 0,
      'loading.ms': span(loading),
      'probe.p99': percentile(probeLatencies, 99),
      'probe.max': percentile(probeLatencies, 100),
    };
  },
};
