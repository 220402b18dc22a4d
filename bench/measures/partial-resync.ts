// Replication 4: partial resync. A replica connected through a counting proxy
// (link-proxy.ts) is cut with CLIENT KILL TYPE master while `partialWrites`
// SETs go to the master; it reconnects by itself (within replicationCron's
// second) and continues. Reported: the bytes the master sent after +CONTINUE,
// the stream the replica missed (the master's final offset minus the
// replica's offset at the cut), and the time from the replica's PSYNC until
// the offsets are equal.
import { LinkProxy } from '../link-proxy.js';
import type { Measure } from '../measure.js';
import type { RespClient } from '../resp.js';
import { now } from '../stats.js';
import { offsetOf, startNode, startReplica, syncArgs, waitCaughtUp } from './replicas.js';

const BATCH = 1000;

/** The measure's writes: `count` SETs of key:<i> to value, pipelined BATCH at a time; each batch's ms to onBatch. */
export async function writeBatches(client: RespClient, count: number, value: string, onBatch: (ms: number) => void = () => {}): Promise<void> {
  for (let i = 0; i < count; i += BATCH) {
    const n = Math.min(BATCH, count - i);
    const started = now();
    await client.pipeline(Array.from({ length: n }, (_, j) => ['SET', `key:${i + j}`, value]));
    onBatch(now() - started);
  }
}

export const partialResync: Measure = {
  id: 'psync',
  title: 'Replication: partial resync',
  describe: (c) =>
    `A replica (the same server) behind a byte-counting proxy; CLIENT KILL TYPE master on it, then ` +
    `${c.replication.partialWrites} SETs of ${c.populate.valueSize}-byte values to the master in pipelined batches ` +
    `of ${BATCH} (the same writes went over the live link first, to warm the replica up); repl-backlog-size 64mb ` +
    'on both. Bytes: what the master sent after +CONTINUE, and the missed stream (master offset once equal minus ' +
    'the replica offset at the cut); time: from PSYNC to equal offsets.',

  metrics: () => [
    { key: 'sent.bytes', label: 'bytes sent after +CONTINUE', unit: 'bytes' },
    { key: 'missed.bytes', label: 'missed stream', unit: 'bytes' },
    { key: 'excess.bytes', label: 'bytes sent beyond the missed stream', unit: 'bytes',
      target: { kind: 'limit', op: '<=', value: 0 }, mayBeZero: true },
    { key: 'resync.ms', label: 'from PSYNC to equal offsets', unit: 'ms', chart: true },
  ],

  async round(ctx) {
    const { partialWrites } = ctx.config.replication;
    const master = await startNode(ctx, { args: [...syncArgs(true), '--repl-backlog-size', '64mb'] });
    const proxy = await LinkProxy.start(master.server.port);
    ctx.defer(() => proxy.close());
    const replica = await startReplica(ctx, proxy.port, { args: ['--repl-backlog-size', '64mb'] });
    const value = 'v'.repeat(ctx.config.populate.valueSize);
    const write = () => writeBatches(master.client, partialWrites, value);
    // the same writes once over the live link first: a replica that has been running has
    // a warm JIT (a fresh node replica applied its first 10k SETs 5× slower than later ones)
    await write();
    await waitCaughtUp(master.client, [replica.client], ctx.signal);

    await replica.client.call('CLIENT', 'KILL', 'TYPE', 'master');
    const cutAt = await offsetOf(replica.client);
    await write();
    const final = await waitCaughtUp(master.client, [replica.client], ctx.signal);
    const equalAt = now();
    const link = proxy.links[1];
    if (!link) throw new Error('the replica did not reconnect');
    if (!link.continued) throw new Error(`the replica did not continue (${link.fullResync ? 'full resync' : 'no +CONTINUE'})`);
    const missed = final - cutAt;
    return {
      'sent.bytes': link.bytesAfterContinue,
      'missed.bytes': missed,
      'excess.bytes': link.bytesAfterContinue - missed,
      'resync.ms': equalAt - link.psyncAt,
    };
  },
};
