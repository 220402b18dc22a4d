// Measure 4: RDB. SAVE time and file size of the DEBUG POPULATE dataset on
// each server; then the start-up time of each server on the same dump.rdb,
// written by redis once in prepare(): from spawn until PING answers PONG and
// DBSIZE holds every key. The start-up of an empty server is shown beside it,
// since it is part of that time (node starts slower than redis-server).
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Measure } from '../measure.js';
import { populate } from './datasets.js';

const now = () => performance.now();
const goal = { kind: 'ratio', op: '<=', value: 1.5 } as const;

export const rdb: Measure = {
  id: 'rdb',
  title: 'RDB save and load',
  describe: (c) =>
    `DEBUG POPULATE ${c.populate.keys} key ${c.populate.valueSize}; SAVE timed by the client; ` +
    `load: both servers start on the dump.rdb redis-server wrote, timed from spawn until DBSIZE is ${c.populate.keys}.`,

  metrics: () => [
    { key: 'save.ms', label: 'SAVE time', unit: 'ms', target: goal, chart: true },
    { key: 'save.mb', label: 'RDB file size', unit: 'MB', chart: true },
    { key: 'load.ms', label: 'start-up with the redis dump.rdb', unit: 'ms', target: goal, chart: true },
    { key: 'start.ms', label: 'start-up, empty (for reference)', unit: 'ms' },
  ],

  async prepare(ctx) {
    const redis = await ctx.start();
    const client = await redis.client();
    ctx.defer(() => client.close());
    await populate(client, ctx.config);
    await client.call('SAVE');
    const fixture = join(ctx.newDir(), 'dump.rdb');
    copyFileSync(join(redis.dir, 'dump.rdb'), fixture);
    ctx.shared.fixture = fixture;
  },

  async round(ctx) {
    const saver = await ctx.start();
    const client = await saver.client();
    ctx.defer(() => client.close());
    await populate(client, ctx.config);
    const startedAt = now();
    await client.call('SAVE');
    const saveMs = now() - startedAt;
    const saveMb = statSync(join(saver.dir, 'dump.rdb')).size / 2 ** 20;
    client.close();
    await saver.stop();

    const dir = ctx.newDir();
    copyFileSync(ctx.shared.fixture as string, join(dir, 'dump.rdb'));
    const keys = ctx.config.populate.keys;
    const loader = await ctx.start({
      dir,
      ready: async (c) => (await c.call('DBSIZE')) === keys,
      timeoutMs: ctx.config.roundTimeoutMs,
    });
    await loader.stop();

    const empty = await ctx.start();
    await empty.stop();
    return { 'save.ms': saveMs, 'save.mb': saveMb, 'load.ms': loader.readyMs, 'start.ms': empty.readyMs };
  },
};
