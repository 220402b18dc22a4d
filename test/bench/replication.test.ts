// A tiny run of every replication measure of the bench (2k keys, -n 2000, one
// round), so that they cannot rot: numbers come out for both servers and land
// in the reports; the only values checked are the exact ones (a partial
// resync sends the missed stream, no byte more or less), never timings.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presets } from '../../bench/config.js';
import { lagsOf } from '../../bench/measures/repl-lag.js';
import { writeReports } from '../../bench/report.js';
import { replicationMeasures, runBench, type BenchResult } from '../../bench/runner.js';
import { cleanUpEverything } from '../../bench/servers.js';
import { problemsOf } from './problems.js';

const outDir = mkdtempSync(join(tmpdir(), 'redstate-bench-repl-test-'));
afterAll(() => {
  cleanUpEverything();
  rmSync(outDir, { recursive: true, force: true });
});

describe('bench: replication', () => {
  it('computes lag in bytes, and in ms since the master stood at the replica offset', () => {
    const masters = [{ at: 0, offset: 100 }, { at: 10, offset: 200 }, { at: 20, offset: 300 }];
    const replicas = [
      { at: 10, offset: 150, master: 200 }, // the master passed 150 at 5 ms (interpolated)
      { at: 20, offset: 300, master: 300 }, // caught up
      { at: 20, offset: 100, master: 300 }, // where the master stood at its first sample
    ];
    expect(lagsOf(masters, replicas)).toEqual({ bytes: [50, 0, 200], ms: [5, 0, 20] });
  });

  it('runs a tiny version of every replication measure on both servers and reports it', async () => {
    const result: BenchResult = await runBench(presets.tiny, { measures: replicationMeasures, log: () => undefined });
    expect(problemsOf(result)).toEqual([]);
    expect(result.measures.map((m) => m.id)).toEqual(replicationMeasures.map((m) => m.id));

    const metric = (measure: string, key: string) =>
      result.measures.find((m) => m.id === measure)!.metrics.find((m) => m.key === key)!;
    for (const server of ['redstate', 'redis'] as const) {
      const sent = metric('psync', 'sent.bytes')[server].median!;
      expect(sent).toBe(metric('psync', 'missed.bytes')[server].median);
      // 500 SETs of 100-byte values cannot fit in fewer bytes
      expect(sent).toBeGreaterThan(presets.tiny.replication.partialWrites * presets.tiny.populate.valueSize);
    }

    const files = writeReports(result, outDir, 'tiny-repl-test', false);
    const markdown = readFileSync(files.markdown, 'utf8');
    for (const m of replicationMeasures) expect(markdown).toContain(`## ${m.title}`);
    expect(markdown).toContain('| full sync, mixed types, diskless, replica of the same server (ms) |');
    expect(JSON.parse(readFileSync(files.json, 'utf8')).measures).toHaveLength(replicationMeasures.length);
  }, 120_000);
});
