// A tiny run of every bench measure, so that the bench cannot rot: it asserts
// that numbers came out and that the report files were written, never how big
// the numbers are. redstate runs as `dist/cli.js`, the bin (built by pretest);
// REDSTATE_CMD may name another command while redstate cannot do it all yet.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { presets } from '../../bench/config.js';
import { parseBenchmarkCsv } from '../../bench/measures/throughput.js';
import { writeReports } from '../../bench/report.js';
import { runBench, serverMeasures, type BenchResult } from '../../bench/runner.js';
import { cleanUpEverything } from '../../bench/servers.js';
import { problemsOf } from './problems.js';

const outDir = mkdtempSync(join(tmpdir(), 'redstate-bench-test-'));
afterAll(() => {
  cleanUpEverything();
  rmSync(outDir, { recursive: true, force: true });
});

describe('bench', () => {
  it('parses redis-benchmark --csv', () => {
    const rows = parseBenchmarkCsv(
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n' +
        '"LPUSH","50632.91","0.627","0.136","0.599","0.999","1.511","4.639"\n' +
        '"LPUSH (needed to benchmark LRANGE)","1.0","1","1","1","1","1","1"\n' +
        '"LRANGE_100 (first 100 elements)","39062.50","0.813","0.320","0.775","1.263","1.543","2.303"\n' +
        '"EVAL return redis.call(\'incr\', KEYS[1]) 1 key:__rand_int__","2116.40","23.563","0.336","9.319","45.695","489.215","766.463"\n',
    );
    expect(rows.get('lpush')).toMatchObject({ rps: 50632.91, p50_latency_ms: 0.599, p99_latency_ms: 1.511 });
    expect(rows.get('lrange_100')?.rps).toBe(39062.5);
    expect(rows.get('eval')).toMatchObject({ rps: 2116.4, p99_latency_ms: 489.215 });
  });

  it('runs a tiny version of every server measure on redstate and redis and writes the reports', async () => {
    const result: BenchResult = await runBench(presets.tiny, { measures: serverMeasures, log: () => undefined });
    expect(problemsOf(result)).toEqual([]);
    expect(result.measures.map((m) => m.id)).toEqual(['throughput', 'memory', 'stalls', 'rdb', 'streams', 'scripting', 'eviction']);

    const files = writeReports(result, outDir, 'tiny-test');
    for (const file of [files.markdown, files.json, files.svg, files.latest!]) expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(files.json, 'utf8')).measures).toHaveLength(serverMeasures.length);
    expect(readFileSync(files.markdown, 'utf8')).toContain('| SET, no pipelining (req/s) |');
    expect(readFileSync(files.svg, 'utf8')).toMatch(/^<svg[\s\S]*<rect[\s\S]*<\/svg>\n$/);
  }, 120_000);
});
