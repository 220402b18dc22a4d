// Replication 3: what propagation costs the master. redis-benchmark SET (the
// throughput measure's clients and sizes, with and without pipelining) on a
// master with no replica, then with 1 and 3 replicas of the same server
// attached and caught up: req/s, and with replicas as a share of the master's
// own no-replica figure. The replicas share the machine with the master, as
// they do for both servers.
import type { Measure, MetricDef } from '../measure.js';
import { modeName } from './throughput.js';
import { benchmarkSet, startNode, startReplica, syncArgs, waitCaughtUp, waitOnline, type Node } from './replicas.js';

export const propagation: Measure = {
  id: 'propagation',
  title: 'Replication: propagation cost',
  describe: (c) =>
    `redis-benchmark -t set -c ${c.throughput.clients} -r ${c.throughput.keyspace}, ` +
    c.throughput.pipelines.map((p) => modeName(p)).join(' and ') +
    ` on a master with 0, then ${c.replication.replicaCounts.join(', then ')} replicas (the same server) online ` +
    'and caught up before each run, after one unmeasured run and another each time replicas joined; share: req/s as % of the same master without replicas.',

  metrics: (c) =>
    c.throughput.pipelines.flatMap((p): MetricDef[] => [
      { key: `P${p}.r0.rps`, label: `SET without replicas, ${modeName(p)}`, unit: 'req/s' },
      ...c.replication.replicaCounts.map((n): MetricDef => ({
        key: `P${p}.r${n}.share`,
        label: `SET with ${n} replica${n > 1 ? 's' : ''}, ${modeName(p)}, share of no replicas`,
        unit: '%',
        target: { kind: 'ratio', op: '>=', value: 1 },
        chart: true,
      })),
    ]),

  async round(ctx) {
    const { pipelines } = ctx.config.throughput;
    const master = await startNode(ctx, { args: syncArgs(true) });
    const replicas: Node[] = [];
    const values: Record<string, number> = {};
    // One run unmeasured first, and one more each time replicas join, so that neither the
    // baseline nor the first writes of a fresh replica pay for a cold JIT (the lag measure
    // warms its replica the same way): the share is what propagating costs, not a start-up.
    await benchmarkSet(ctx, master.server.port, 1);
    for (const count of [0, ...ctx.config.replication.replicaCounts]) {
      if (replicas.length < count) {
        while (replicas.length < count) replicas.push(await startReplica(ctx, master.server.port));
        await waitOnline(master.client, count, ctx.signal);
        await waitCaughtUp(master.client, replicas.map((r) => r.client), ctx.signal);
        await benchmarkSet(ctx, master.server.port, 1);
      }
      for (const p of pipelines) {
        await master.client.call('FLUSHALL');
        await waitCaughtUp(master.client, replicas.map((r) => r.client), ctx.signal);
        const rps = await benchmarkSet(ctx, master.server.port, p);
        if (count === 0) values[`P${p}.r0.rps`] = rps;
        else values[`P${p}.r${count}.share`] = (rps / values[`P${p}.r0.rps`]!) * 100;
      }
    }
    return values;
  },
};
