// Measure 2: memory per key. Each dataset goes into a freshly started server;
// per key = (after loading - the empty server) / keys, for INFO's used_memory
// and for the RSS of the server's processes read from /proc.
import type { Measure, MetricDef } from '../measure.js';
import { treeMemory } from '../proc.js';
import { infoNumber, type RespClient } from '../resp.js';
import type { RunningServer } from '../servers.js';
import { datasets, loadMixed, populate } from './datasets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const goal = { kind: 'ratio', op: '<=', value: 2 } as const;

async function usage(server: RunningServer, client: RespClient) {
  await sleep(300); // let allocators and the garbage collector settle a little
  return { used: await infoNumber(client, 'memory', 'used_memory'), rss: treeMemory(server.pid) };
}

export const memory: Measure = {
  id: 'memory',
  title: 'Memory per key',
  describe: (c) =>
    `DEBUG POPULATE ${c.populate.keys} key ${c.populate.valueSize}; mixed: ${c.mixed.keys} small ` +
    `strings/hashes/lists/sets/zsets (10 elements) plus ${Math.max(1, Math.round(c.mixed.keys / 1000))} large ` +
    `ones of each collection type (${c.mixed.largeElements} elements). Bytes per key above the empty server; ` +
    `RSS from /proc.`,

  metrics: () =>
    datasets.flatMap(({ id, name }): MetricDef[] => [
      { key: `${id}.used`, label: `used_memory per key, ${name}`, unit: 'bytes', target: goal, chart: true },
      { key: `${id}.rss`, label: `RSS per key, ${name}`, unit: 'bytes', target: goal, chart: true },
    ]),

  async round(ctx) {
    const values: Record<string, number> = {};
    for (const { id } of datasets) {
      const server = await ctx.start();
      const client = await server.client();
      ctx.defer(() => client.close());
      const before = await usage(server, client);
      let keys = ctx.config.populate.keys;
      if (id === 'populate') await populate(client, ctx.config);
      else keys = await loadMixed(client, ctx.config, ctx.signal);
      const after = await usage(server, client);
      values[`${id}.used`] = (after.used - before.used) / keys;
      values[`${id}.rss`] = (after.rss - before.rss) / keys;
      client.close();
      await server.stop();
    }
    return values;
  },
};
