// Replication 1: full sync. A master holding the DEBUG POPULATE dataset (and
// then the mixed one), a fresh replica told REPLICAOF; the time from its reply until the replica's
// link is up and DBSIZE equals the master's. Disk-based and diskless (no
// gathering delay); the replica the same server as the master, and then the
// other one (the cross pairs redstate → redis and redis → redstate).
import type { Measure, MetricDef, RoundContext } from '../measure.js';
import type { RespClient } from '../resp.js';
import { now } from '../stats.js';
import { datasets, loadMixed, populate } from './datasets.js';
import { otherSpec, startNode, startReplica, syncArgs, waitSynced } from './replicas.js';

/** Loads a dataset into an empty master; its key count. */
async function load(dataset: (typeof datasets)[number]['id'], client: RespClient, ctx: RoundContext): Promise<number> {
  if (dataset === 'mixed') return loadMixed(client, ctx.config, ctx.signal);
  await populate(client, ctx.config, ctx.config.replication.keys);
  return ctx.config.replication.keys;
}

const modes = [
  { id: 'disk', diskless: false },
  { id: 'diskless', diskless: true },
] as const;

export const fullSync: Measure = {
  id: 'fullsync',
  title: 'Replication: full sync',
  describe: (c) =>
    `A master with DEBUG POPULATE ${c.replication.keys} key ${c.populate.valueSize}, or the mixed dataset of the memory ` +
    `measure (${c.mixed.keys} small keys and the large ones); a fresh replica told REPLICAOF, ` +
    'timed from its reply until master_link_status:up and DBSIZE equal. repl-diskless-sync no / yes with ' +
    'repl-diskless-sync-delay 0; the replica loads from disk (repl-diskless-load disabled). "Same": redstate → redstate ' +
    'in the redstate column, redis → redis in the redis one; "cross": redstate → redis and redis → redstate.',

  metrics: () =>
    datasets.flatMap((dataset) =>
      modes.flatMap(({ id }): MetricDef[] => [
        { key: `${dataset.id}.${id}.same.ms`, label: `full sync, ${dataset.name}, ${id}, replica of the same server`,
          unit: 'ms', target: { kind: 'ratio', op: '<=', value: 1 }, chart: true },
        { key: `${dataset.id}.${id}.cross.ms`,
          label: `full sync, ${dataset.name}, ${id}, replica of the other server (master in the column)`, unit: 'ms', chart: true },
      ]),
    ),

  async round(ctx) {
    const values: Record<string, number> = {};
    for (const dataset of datasets) {
      for (const { id, diskless } of modes) {
        const master = await startNode(ctx, { args: syncArgs(diskless) });
        const keys = await load(dataset.id, master.client, ctx);
        for (const [pair, spec] of [['same', ctx.spec], ['cross', otherSpec(ctx)]] as const) {
          const replica = await startReplica(ctx, master.server.port, {}, spec);
          const askedAt = now();
          await waitSynced(replica.client, keys, ctx.signal);
          values[`${dataset.id}.${id}.${pair}.ms`] = now() - askedAt;
          replica.client.close();
          await replica.server.stop();
        }
        master.client.close();
        await master.server.stop();
      }
    }
    return values;
  },
};
