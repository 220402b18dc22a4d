// Replication 2: how far a replica trails its master under load. One replica
// (the same server) online; redis-benchmark SET on the master (the throughput
// measure's clients and sizes, with and without pipelining); every
// `sampleEveryMs` both offsets are read (INFO replication, on connections of
// their own, sent together). Lag in bytes: master minus replica at a sample.
// Lag in ms: how long before the replica's sample the master had reached the
// replica's offset (interpolated between master samples). Then the time from
// the load's end until the offsets are equal.
import type { Measure, MetricDef } from '../measure.js';
import type { RespClient } from '../resp.js';
import { now, percentile } from '../stats.js';
import { modeName } from './throughput.js';
import { benchmarkSet, offsetOf, startNode, startReplica, syncArgs, waitCaughtUp } from './replicas.js';

interface Sample {
  at: number;
  offset: number;
}

/** A replica's offset, and the master's read at the same time. */
interface ReplicaSample extends Sample {
  master: number;
}

/**
 * Reads both offsets every `everyMs` (skipping a tick while the last reading is out) until
 * stopped. The master's series starts with `start`, where both stood before the load.
 */
export function sampleOffsets(master: RespClient, replica: RespClient, everyMs: number, start: Sample) {
  const masters: Sample[] = [start];
  const replicas: ReplicaSample[] = [];
  let pending = false;
  let failure: Error | undefined;
  const sample = () => {
    if (pending) return;
    pending = true;
    const sentAt = now();
    Promise.all([offsetOf(master), offsetOf(replica)]).then(
      ([m, r]) => {
        const at = (sentAt + now()) / 2;
        masters.push({ at, offset: m });
        replicas.push({ at, offset: r, master: m });
        pending = false;
      },
      (err: Error) => (failure ??= err),
    );
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      if (failure) throw failure;
      return { masters, replicas };
    },
    cancel: () => clearInterval(timer),
  };
}

/** When the master had reached `offset`, interpolated between its samples (which only grow). */
function reachedAt(masters: Sample[], offset: number): number {
  const hi = masters.findIndex((s) => s.offset >= offset);
  if (hi <= 0) return hi === 0 ? masters[0]!.at : Infinity;
  const [a, b] = [masters[hi - 1]!, masters[hi]!];
  return a.at + ((offset - a.offset) / (b.offset - a.offset)) * (b.at - a.at);
}

/** The lags of every sample pair: bytes behind, and ms since the master was where the replica is. */
export function lagsOf(masters: Sample[], replicas: ReplicaSample[]): { bytes: number[]; ms: number[] } {
  const bytes = replicas.map((r) => Math.max(0, r.master - r.offset));
  const ms = replicas.map((r, i) => (bytes[i] === 0 ? 0 : Math.max(0, r.at - reachedAt(masters, r.offset))));
  return { bytes, ms };
}

export const replicationLag: Measure = {
  id: 'lag',
  title: 'Replication: lag under load',
  describe: (c) =>
    `One replica (the same server); redis-benchmark -t set -c ${c.throughput.clients} -r ${c.throughput.keyspace}, ` +
    c.throughput.pipelines.map((p) => modeName(p)).join(' and ') +
    ` on the master, after one unmeasured run done as the measured ones; both offsets read every ${c.replication.sampleEveryMs} ms. Lag in bytes: master minus replica; ` +
    "in ms: how long ago the master was at the replica's offset. Catch-up: from the load's end until the offsets are equal.",

  metrics: (c) =>
    c.throughput.pipelines.flatMap((p): MetricDef[] => [
      ...(['p50', 'p99', 'max'] as const).flatMap((q): MetricDef[] => [
        { key: `P${p}.bytes.${q}`, label: `lag ${q}, ${modeName(p)}`, unit: 'bytes', mayBeZero: true },
        { key: `P${p}.ms.${q}`, label: `lag ${q}, ${modeName(p)}`, unit: 'ms', mayBeZero: true,
          ...(q === 'p99' ? { target: { kind: 'ratio', op: '<=', value: 1 } as const, chart: true } : {}) },
      ]),
      { key: `P${p}.catchup.ms`, label: `catch-up after the load, ${modeName(p)}`, unit: 'ms', mayBeZero: true, chart: true },
    ]),

  async round(ctx) {
    const master = await startNode(ctx, { args: syncArgs(true) });
    const masterProbe = await master.server.client();
    const replica = await startReplica(ctx, master.server.port);
    ctx.defer(() => masterProbe.close());
    const values: Record<string, number> = {};
    /** FLUSHALL, then the SET load with both offsets sampled: the samples, and when the load ended. */
    const sampledRun = async (pipeline: number) => {
      await master.client.call('FLUSHALL');
      const start = { offset: await waitCaughtUp(master.client, [replica.client], ctx.signal), at: now() };
      const sampler = sampleOffsets(masterProbe, replica.client, ctx.config.replication.sampleEveryMs, start);
      ctx.defer(() => sampler.cancel());
      await benchmarkSet(ctx, master.server.port, pipeline);
      return { endedAt: now(), ...sampler.stop() };
    };
    // One run unmeasured, as the measured ones run (FLUSHALL and INFO polling included), so
    // that neither the master nor the replica pays for a cold JIT in the measured window.
    await sampledRun(1);
    for (const p of ctx.config.throughput.pipelines) {
      const { endedAt, masters, replicas } = await sampledRun(p);
      await waitCaughtUp(master.client, [replica.client], ctx.signal);
      values[`P${p}.catchup.ms`] = now() - endedAt;
      if (replicas.length === 0) throw new Error('no offsets were sampled during the load');
      const lags = lagsOf(masters, replicas);
      for (const [unit, list] of Object.entries(lags)) {
        values[`P${p}.${unit}.p50`] = percentile(list, 50);
        values[`P${p}.${unit}.p99`] = percentile(list, 99);
        values[`P${p}.${unit}.max`] = percentile(list, 100);
      }
    }
    return values;
  },
};
