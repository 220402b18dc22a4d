// Measure 5: streams at size. XADD of `entries` entries (three fields each, explicit
// increasing IDs) in pipelined batches, one client; then the whole stream read back with
// XRANGE pages of 1000, and consumed through a group with XREADGROUP COUNT 1000 (each batch
// acknowledged with XACK); and the memory the stream takes per entry, used_memory read after
// MEMORY PURGE (jemalloc's dirty pages for Redis, a full garbage collection for redstate,
// whose used_memory otherwise counts garbage not yet collected). Entries per second.
import type { Measure } from '../measure.js';
import { infoNumber, ReplyError, type RespClient } from '../resp.js';

const now = () => performance.now();
const BATCH = 1000;

/** Sends commands in pipelined batches of BATCH; any error reply throws. */
async function pipelined(client: RespClient, commands: Iterable<Array<string | number>>, signal: AbortSignal): Promise<void> {
  let batch: Array<Array<string | number>> = [];
  const flush = async () => {
    signal.throwIfAborted();
    const replies = await client.pipeline(batch);
    const error = replies.find((r) => r instanceof ReplyError);
    if (error) throw new Error(`streams: ${(error as ReplyError).message}`);
    batch = [];
  };
  for (const c of commands) {
    batch.push(c);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length) await flush();
}

/** INFO's used_memory once the server let go of what it no longer uses. */
async function usedMemory(client: RespClient): Promise<number> {
  await client.call('MEMORY', 'PURGE');
  return infoNumber(client, 'memory', 'used_memory');
}

function* adds(n: number): Generator<Array<string | number>> {
  for (let i = 1; i <= n; i++) yield ['XADD', 's', `${1_600_000_000_000 + Math.floor(i / 10)}-${i % 10}`, 'sensor', i % 100, 'temp', 20 + (i % 17), 'ok', 1];
}

export const streams: Measure = {
  id: 'streams',
  title: 'Streams',
  describe: (c) =>
    `XADD ${c.streams.entries} entries (3 fields) pipelined by ${BATCH}; XRANGE pages of ${BATCH} over all of them; ` +
    `XREADGROUP COUNT ${BATCH} (+ XACK) until drained; used_memory growth per entry (after MEMORY PURGE).`,

  metrics: () => [
    { key: 'xadd.eps', label: 'XADD', unit: 'entries/s', target: { kind: 'ratio', op: '>=', value: 0.5 }, chart: true },
    { key: 'xrange.eps', label: 'XRANGE read', unit: 'entries/s', target: { kind: 'ratio', op: '>=', value: 0.5 }, chart: true },
    { key: 'xreadgroup.eps', label: 'XREADGROUP + XACK', unit: 'entries/s', target: { kind: 'ratio', op: '>=', value: 0.5 }, chart: true },
    { key: 'bytes.entry', label: 'memory per entry', unit: 'B', target: { kind: 'ratio', op: '<=', value: 2 } },
  ],

  async round(ctx) {
    const n = ctx.config.streams.entries;
    const server = await ctx.start();
    const client = await server.client();
    ctx.defer(() => client.close());
    const before = await usedMemory(client);
    let t = now();
    await pipelined(client, adds(n), ctx.signal);
    const xaddMs = now() - t;
    if ((await client.call('XLEN', 's')) !== n) throw new Error('XLEN is not the number of entries added');
    const after = await usedMemory(client);

    t = now();
    let read = 0;
    let from = '-';
    for (;;) {
      ctx.signal.throwIfAborted();
      const page = (await client.call('XRANGE', 's', from, '+', 'COUNT', BATCH)) as Array<[string, string[]]>;
      read += page.length;
      if (page.length < BATCH) break;
      from = `(${page[page.length - 1]![0]}`;
    }
    const xrangeMs = now() - t;
    if (read !== n) throw new Error(`XRANGE read ${read} entries of ${n}`);

    await client.call('XGROUP', 'CREATE', 's', 'g', '0');
    t = now();
    let consumed = 0;
    for (;;) {
      ctx.signal.throwIfAborted();
      const reply = (await client.call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', BATCH, 'STREAMS', 's', '>')) as Array<[string, Array<[string, string[]]>]> | null;
      if (reply === null) break;
      const entries = reply[0]![1];
      consumed += entries.length;
      await client.call('XACK', 's', 'g', ...entries.map((e) => e[0]));
    }
    const groupMs = now() - t;
    if (consumed !== n) throw new Error(`XREADGROUP consumed ${consumed} entries of ${n}`);
    return {
      'xadd.eps': (n / xaddMs) * 1000,
      'xrange.eps': (n / xrangeMs) * 1000,
      'xreadgroup.eps': (n / groupMs) * 1000,
      'bytes.entry': (after - before) / n,
    };
  },
};
