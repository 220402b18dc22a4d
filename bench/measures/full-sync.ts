// Replication 1: full sync. A master holding the DEBUG POPULATE dataset, a
// fresh replica told REPLICAOF; the time from its reply until the replica's
// link is up and DBSIZE equals the master's. Disk-based and diskless (no
// gathering delay); the replica the same server as the master, and then the
// other one (the cross pairs redstate → redis and redis → redstate).
import type { Measure, MetricDef } from '../measure.js';
import { now } from '../stats.js';
import { populate } from './datasets.js';
import { otherSpec, startNode, startReplica, syncArgs, waitSynced } from './replicas.js';

const modes = [
  { id: 'disk', diskless: false },
  { id: 'diskless', diskless: true },
] as const;

export const fullSync: Measure = {
  id: 'fullsync',
  title: 'Replication: full sync',
  describe: (c) =>
    `A master with DEBUG POPULATE ${c.replication.keys} key ${c.populate.valueSize}; a fresh replica told REPLICAOF, ` +
    'timed from its reply until master_link_status:up and DBSIZE equal. repl-diskless-sync no / yes with ' +
    'repl-diskless-sync-delay 0; the replica loads from disk (repl-diskless-load disabled). "Same": redstate → redstate ' +
    'in the redstate column, redis → redis in the redis one; "cross": redstate → redis and redis → redstate.',

  metrics: () =>
    modes.flatMap(({ id }): MetricDef[] => [
      { key: `${id}.same.ms`, label: `full sync, ${id}, replica of the same server`, unit: 'ms',
        target: { kind: 'ratio', op: '<=', value: 1 }, chart: true },
      { key: `${id}.cross.ms`, label: `full sync, ${id}, replica of the other server (master in the column)`,
        unit: 'ms', chart: true },
    ]),

  async round(ctx) {
    const keys = ctx.config.replication.keys;
    const values: Record<string, number> = {};
    for (const { id, diskless } of modes) {
      const master = await startNode(ctx, { args: syncArgs(diskless) });
      await populate(master.client, ctx.config, keys);
      for (const [pair, spec] of [['same', ctx.spec], ['cross', otherSpec(ctx)]] as const) {
        const replica = await startReplica(ctx, master.server.port, {}, spec);
        const askedAt = now();
        await waitSynced(replica.client, keys, ctx.signal);
        values[`${id}.${pair}.ms`] = now() - askedAt;
        replica.client.close();
        await replica.server.stop();
      }
      master.client.close();
      await master.server.stop();
    }
    return values;
  },
};
