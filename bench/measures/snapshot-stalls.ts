// Measure 3: what a BGSAVE costs the clients and the machine. On a populated
// server with a steady write load, a worker pings every millisecond while
// BGSAVE runs; we report the ping latencies of the save, its duration (from
// the BGSAVE reply until INFO says it is over) and the peak memory of all the
// server's processes (see proc.ts) above the memory just before the save.
import { Worker } from 'node:worker_threads';
import type { Measure } from '../measure.js';
import { treeMemory, sampleMemoryPeak } from '../proc.js';
import { parseInfo, ReplyError, type RespClient } from '../resp.js';
import { now, percentile } from '../stats.js';
import { populate } from './datasets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MEMORY_SAMPLE_MS = 10;

interface Pings {
  sentAt: number[];
  latencies: number[];
  /** The reply lines, when asked to keep them. */
  replies: string[];
}

/** Starts the ping worker (pinger.mjs) once it is connected and pinging; `command` replaces PING. */
export async function startPinger(port: number, everyMs: number, command?: string[]) {
  const worker = new Worker(new URL('./pinger.mjs', import.meta.url), {
    workerData: { port, everyMs, command, keepReplies: command !== undefined },
    execArgv: [],
  });
  const next = (type: string) =>
    new Promise<Pings>((resolve, reject) => {
      const onMessage = (m: { type: string; message?: string } & Pings) => {
        if (m.type === type) resolve(m);
        else if (m.type === 'error') reject(new Error(`pinger: ${m.message}`));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  await next('ready');
  return {
    /** The pings so far; the worker ends (its port would keep this process alive). */
    async stop(): Promise<Pings> {
      const done = next('done');
      worker.postMessage('stop');
      try {
        return await done;
      } finally {
        await worker.terminate();
      }
    },
    /** Ends the worker without its pings (a measure that failed). */
    terminate: () => worker.terminate(),
  };
}

/**
 * What both stall measures report: PING's p50/p99/max over the window, and the process memory
 * the dataset took above the empty server and the peak took above that (MB and % of the dataset).
 */
export function stallFigures(latencies: number[], empty: number, before: number, peak: number): Record<string, number> {
  const dataset = before - empty;
  const extra = Math.max(0, peak - before);
  return {
    'ping.p50': percentile(latencies, 50),
    'ping.p99': percentile(latencies, 99),
    'ping.max': percentile(latencies, 100),
    'dataset.mb': dataset / 2 ** 20,
    'extra.mb': extra / 2 ** 20,
    'extra.pct': (extra / dataset) * 100,
  };
}

/** SETs over existing keys, `perSec` a second in batches every 10 ms. */
export function startWriteLoad(client: RespClient, keys: number, valueSize: number, perSec: number) {
  const perTick = Math.max(1, Math.round(perSec / 100));
  const value = 'w'.repeat(valueSize);
  let errors = 0;
  let firstError = '';
  const timer = setInterval(() => {
    const batch = Array.from({ length: perTick }, () => ['SET', `key:${Math.floor(Math.random() * keys)}`, value]);
    client.pipeline(batch).then(
      (replies) => replies.forEach((r) => r instanceof ReplyError && (errors++, (firstError ||= r.message))),
      (err: Error) => (errors++, (firstError ||= err.message)),
    );
  }, 10);
  return {
    stop(): void {
      clearInterval(timer);
      if (errors) throw new Error(`write load got ${errors} errors, the first: ${firstError}`);
    },
    cancel: () => clearInterval(timer),
  };
}

export async function averageMemory(pid: number, samples = 5): Promise<number> {
  let sum = 0;
  for (let i = 0; i < samples; i++) {
    sum += treeMemory(pid);
    await sleep(10);
  }
  return sum / samples;
}

export const snapshotStalls: Measure = {
  id: 'stalls',
  title: 'Snapshot stalls (BGSAVE under load)',
  describe: (c) =>
    `DEBUG POPULATE ${c.populate.keys} key ${c.populate.valueSize}, then BGSAVE while ${c.stalls.writesPerSec} ` +
    `SETs/s overwrite random keys and a separate connection sends PING every ${c.stalls.pingEveryMs} ms ` +
    `(pings sent from BGSAVE until the save is over, at least ${c.stalls.minPings}). ` +
    `Memory: the server's resident set plus its children's private pages (the fork's copies), sampled every ${MEMORY_SAMPLE_MS} ms.`,

  metrics: () => [
    { key: 'ping.p50', label: 'PING p50 during BGSAVE', unit: 'ms' },
    { key: 'ping.p99', label: 'PING p99 during BGSAVE', unit: 'ms',
      target: { kind: 'limit', op: '<=', value: 5 }, chart: true },
    { key: 'ping.max', label: 'PING max during BGSAVE', unit: 'ms',
      target: { kind: 'limit', op: '<=', value: 20 }, chart: true },
    { key: 'bgsave.ms', label: 'BGSAVE duration', unit: 'ms', chart: true },
    { key: 'dataset.mb', label: 'dataset (process memory above empty server)', unit: 'MB', anySign: true },
    { key: 'extra.mb', label: 'peak extra memory during BGSAVE', unit: 'MB', mayBeZero: true },
    { key: 'extra.pct', label: 'peak extra memory, % of dataset', unit: '%',
      target: { kind: 'limit', op: '<=', value: 10 }, chart: true, anySign: true },
  ],

  async round(ctx) {
    const { keys, valueSize } = ctx.config.populate;
    const { pingEveryMs, writesPerSec, minPings } = ctx.config.stalls;
    const server = await ctx.start();
    const [client, writer, poller] = await Promise.all([server.client(), server.client(), server.client()]);
    ctx.defer(() => [client, writer, poller].forEach((c) => c.close()));
    const empty = treeMemory(server.pid);
    await populate(client, ctx.config);

    const pinger = await startPinger(server.port, pingEveryMs);
    ctx.defer(() => pinger.terminate());
    const load = startWriteLoad(writer, keys, valueSize, writesPerSec);
    ctx.defer(() => load.cancel());
    await sleep(200);
    const before = await averageMemory(server.pid);
    const sampler = sampleMemoryPeak(server.pid, MEMORY_SAMPLE_MS);
    ctx.defer(() => sampler.stop());

    const sentAt = now();
    await client.call('BGSAVE');
    const repliedAt = now();
    let doneAt = NaN;
    while (Number.isNaN(doneAt)) {
      ctx.signal.throwIfAborted();
      const info = parseInfo(await poller.call('INFO', 'persistence'));
      if (info.rdb_bgsave_in_progress === undefined) throw new Error('INFO persistence has no rdb_bgsave_in_progress');
      // a fresh server has never saved: last_bgsave_time_sec is -1 until this save ends
      if (info.rdb_bgsave_in_progress === '0' && info.rdb_last_bgsave_time_sec !== '-1') {
        doneAt = now();
        if (info.rdb_last_bgsave_status !== 'ok') throw new Error(`BGSAVE status ${info.rdb_last_bgsave_status}`);
      } else {
        await sleep(5);
      }
    }
    await sleep(Math.max(0, sentAt + (minPings + 1) * pingEveryMs - now()));
    const peak = sampler.stop();
    load.stop();
    const pings = await pinger.stop();
    const latencies = pings.latencies.filter((_, i) => pings.sentAt[i]! >= sentAt);
    if (latencies.length === 0) throw new Error('no PING was sent during the save');

    return { ...stallFigures(latencies, empty, before, peak), 'bgsave.ms': doneAt - repliedAt };
  },
};
