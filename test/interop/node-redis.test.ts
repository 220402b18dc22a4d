// node-redis (the `redis` package) against redstate unchanged and against redis-server 7.0, in
// RESP2 and RESP3: one producer and three consumers on separate connections share a blocking
// work queue (BLMOVE into a per-consumer processing list) and a stream consumer group (XREADGROUP
// BLOCK, XACK), while a subscriber follows the progress over SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE.
// What each server makes of it (every job done once, the messages each subscription got, the
// receivers PUBLISH counted, what is left pending) must be the same.
import { createClient, type RedisClientType } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { sideBySide } from '../commands/side-by-side.js';

const pair = sideBySide({ flushEach: true });

const JOBS = 30;
const ENTRIES = 24;
const CONSUMERS = 3;

const opened: RedisClientType[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.destroy()));
});

async function client(port: number, resp: 2 | 3): Promise<RedisClientType> {
  const c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false }, RESP: resp }) as RedisClientType;
  c.on('error', () => {});
  opened.push(c);
  await c.connect();
  return c;
}

/** The entry ids of an XREADGROUP reply: node-redis's RESP2 form ({ name, messages }[]), or RESP3's map of key to [id, fields] entries. */
function entryIds(reply: unknown): string[] {
  if (reply === null) return [];
  if (Array.isArray(reply)) return reply.flatMap((s: { messages: Array<{ id: string }> }) => s.messages.map((m) => m.id));
  const streams = reply instanceof Map ? [...reply.values()] : Object.values(reply as object);
  return (streams as Array<Array<[string, unknown]>>).flatMap((entries) => entries.map(([id]) => id));
}

/** Polls until f() holds (a deadline of 10 s). */
async function until(f: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A queue worker: moves each job into its own processing list, reports it, and clears it; 'stop' ends it. */
async function listWorker(c: RedisClientType, id: number, done: string[]): Promise<void> {
  for (;;) {
    const job = await c.blMove('jobs', `processing:${id}`, 'LEFT', 'RIGHT', 0);
    if (job === null || job === 'stop') return;
    done.push(job);
    await c.publish('events', `done:${job}`);
    await c.lRem(`processing:${id}`, 1, job);
  }
}

/** A stream consumer of group g: reads new entries with BLOCK until `want` were read by the group, acking each. */
async function streamWorker(c: RedisClientType, name: string, read: string[], want: number): Promise<void> {
  while (read.length < want) {
    const reply = await c.xReadGroup('g', name, { key: 'stream', id: '>' }, { COUNT: 4, BLOCK: 100 });
    const ids = entryIds(reply);
    read.push(...ids);
    if (ids.length > 0) await c.xAck('stream', 'g', ids);
  }
}

async function scenario(port: number, resp: 2 | 3): Promise<unknown> {
  const producer = await client(port, resp);
  const subscriber = await client(port, resp);
  const workers = await Promise.all(Array.from({ length: CONSUMERS }, () => client(port, resp)));
  const streamers = await Promise.all(Array.from({ length: CONSUMERS }, () => client(port, resp)));

  const heard: Record<string, string[]> = { message: [], pmessage: [], smessage: [] };
  await subscriber.subscribe('events', (m, ch) => heard.message!.push(`${ch}:${m}`));
  await subscriber.pSubscribe('ev*', (m, ch) => heard.pmessage!.push(`${ch}:${m}`));
  await subscriber.sSubscribe('shard', (m, ch) => heard.smessage!.push(`${ch}:${m}`));

  // The consumers wait first: the jobs are handed out as they arrive, each to one waiting worker.
  const done: string[] = [];
  const working = workers.map((w, i) => listWorker(w, i, done));
  await until(async () => /blocked_clients:3\r/.test(await producer.info('clients')));
  for (let j = 0; j < JOBS; j++) await producer.rPush('jobs', `job${j}`);
  await producer.rPush('jobs', Array.from({ length: CONSUMERS }, () => 'stop'));
  await Promise.all(working);

  await producer.xGroupCreate('stream', 'g', '$', { MKSTREAM: true });
  const read: string[] = [];
  const streaming = streamers.map((s, i) => streamWorker(s, `c${i}`, read, ENTRIES));
  const added: string[] = [];
  for (let j = 0; j < ENTRIES; j++) added.push(await producer.xAdd('stream', `${j + 1}-0`, { n: String(j) }));
  await Promise.all(streaming);

  const receivers = [await producer.publish('events', 'last'), await producer.sPublish('shard', 'last'),
    await producer.publish('nobody', 'x')];
  await until(() => heard.message!.length === JOBS + 1 && heard.pmessage!.length === JOBS + 1 && heard.smessage!.length === 1);
  return {
    done: [...done].sort(),
    left: [await producer.lLen('jobs'), ...(await Promise.all(workers.map((_, i) => producer.lLen(`processing:${i}`))))],
    added,
    read: [...read].sort(),
    pending: await producer.sendCommand(['XPENDING', 'stream', 'g']),
    receivers,
    heard: Object.fromEntries(Object.entries(heard).map(([k, v]) => [k, [...v].sort()])),
    numsub: await producer.pubSubNumSub(['events', 'shard']),
  };
}

describe('node-redis', () => {
  for (const resp of [2, 3] as const) {
    it(`RESP${resp}: producer and consumers over a blocking list queue, a stream group and pub/sub behave as on redis-server`, async () => {
      const [want, got] = await Promise.all([scenario(pair.redis.port, resp), scenario(pair.redstate.port, resp)]);
      expect(got).toEqual(want);
      const ours = got as { done: string[]; read: string[]; receivers: number[] };
      expect(ours.done).toHaveLength(JOBS);
      expect(new Set(ours.done).size).toBe(JOBS);
      expect(ours.read).toHaveLength(ENTRIES);
      expect(new Set(ours.read).size).toBe(ENTRIES);
      expect(ours.receivers).toEqual([2, 1, 0]);
    });
  }
});
