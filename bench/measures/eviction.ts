// Measure 5: what maxmemory costs GET and SET: redis-benchmark SET and GET throughput with
// no limit, with a limit far above the dataset under allkeys-lru and allkeys-lfu (the
// per-command check and the access word's upkeep, nothing evicted), and with a limit 4 MB
// above the empty server's used_memory under allkeys-lru, which the SETs fill (evicting).
import type { Measure, MetricDef } from '../measure.js';
import { infoNumber } from '../resp.js';
import { runTool } from '../servers.js';
import { parseBenchmarkCsv } from './throughput.js';

const variants = [
  { id: 'none', name: 'no maxmemory', policy: 'noeviction', limit: () => 0 },
  { id: 'lru', name: 'allkeys-lru, 4 GB', policy: 'allkeys-lru', limit: () => 4 * 1024 ** 3 },
  { id: 'lfu', name: 'allkeys-lfu, 4 GB', policy: 'allkeys-lfu', limit: () => 4 * 1024 ** 3 },
  { id: 'evicting', name: 'allkeys-lru, evicting', policy: 'allkeys-lru', limit: (empty: number) => empty + 4 * 1024 ** 2 },
] as const;
const tests = ['set', 'get'] as const;
/** Values big enough that the evicting variant's keyspace does not fit in 4 MB. */
const VALUE_SIZE = 100;

export const eviction: Measure = {
  id: 'eviction',
  title: 'maxmemory: cost on SET and GET',
  describe: ({ throughput: t }) =>
    `redis-benchmark -c ${t.clients} -n ${t.requests} -r ${t.keyspace} -d ${VALUE_SIZE} -t set,get --csv, no pipelining, ` +
    `under: ${variants.map((v) => v.name).join('; ')} (the evicting limit is the empty server's used_memory + 4 MB).`,

  metrics: (): MetricDef[] =>
    variants.flatMap((v) => tests.map((test) => ({ key: `${test}.${v.id}.rps`, label: `${test.toUpperCase()}, ${v.name}`, unit: 'req/s' }))),

  async round(ctx) {
    const { clients, requests, keyspace } = ctx.config.throughput;
    const server = await ctx.start();
    const client = await server.client();
    ctx.defer(() => client.close());
    const values: Record<string, number> = {};
    // Read once, fresh: after a FLUSHALL redstate still counts the old dataset until V8 collects it.
    const empty = await infoNumber(client, 'memory', 'used_memory');
    for (const v of variants) {
      await client.call('CONFIG', 'SET', 'maxmemory', '0');
      await client.call('FLUSHALL');
      await client.call('CONFIG', 'SET', 'maxmemory-policy', v.policy, 'maxmemory', String(v.limit(empty)));
      const csv = await runTool(
        ['redis-benchmark', '-h', '127.0.0.1', '-p', String(server.port), '-c', String(clients), '-n', String(requests),
          '-r', String(keyspace), '-d', String(VALUE_SIZE), '-t', tests.join(','), '--csv'],
        (child) => ctx.defer(() => child.kill('SIGKILL')),
      );
      const rows = parseBenchmarkCsv(csv);
      for (const test of tests) {
        const rps = rows.get(test)?.rps;
        if (rps !== undefined) values[`${test}.${v.id}.rps`] = rps;
      }
    }
    return values;
  },
};
