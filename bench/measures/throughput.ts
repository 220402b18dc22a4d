// Measure 1: redis-benchmark against a fresh server, without pipelining and
// with -P 16: requests per second, p50 and p99 latency per test, read from
// redis-benchmark's --csv output. One unmeasured run of the same tests goes first:
// a fresh node process spends its first thousands of requests of each command in
// the interpreter and on V8's compiler threads (on 2 cores, ~300 ms of CPU taken from
// the benchmark client), and a server is not judged by its first second.
import type { BenchConfig } from '../config.js';
import type { Measure, MetricDef } from '../measure.js';
import { runTool } from '../servers.js';

export const modeName = (pipeline: number) => (pipeline === 1 ? 'no pipelining' : `-P ${pipeline}`);
const rpsGoal = (pipeline: number) => (pipeline === 1 ? 0.9 : 0.5);
/** The issue's tail target: these tests' p99 without pipelining within 2x redis's. */
const TAIL_TESTS = new Set(['set', 'get', 'incr', 'hset', 'sadd', 'zadd']);
const TAIL_GOAL = 2;
export const requestsFor = (t: BenchConfig['throughput'], pipeline: number) =>
  pipeline === 1 ? t.requests : t.pipelinedRequests;
const warmUpRequests = (t: BenchConfig['throughput']) => Math.min(t.requests, 20_000);

/**
 * CSV rows by lower-case test name ("LRANGE_100 (first 100 elements)" -> lrange_100). Fields
 * are quoted: a test named by its command line may hold commas (an EVAL's script).
 */
export function parseBenchmarkCsv(csv: string): Map<string, Record<string, number>> {
  const rows = new Map<string, Record<string, number>>();
  const lines = csv.trim().split('\n').map((l) => [...l.trim().matchAll(/"([^"]*)"|([^,]+)/g)].map((m) => m[1] ?? m[2]!));
  const header = lines.shift() ?? [];
  for (const cells of lines) {
    const name = cells[0] ?? '';
    if (name.includes('(needed')) continue; // the LPUSH that fills the list for LRANGE
    const test = name.split(' ')[0]!.toLowerCase();
    if (rows.has(test)) continue;
    const row: Record<string, number> = {};
    header.forEach((column, i) => i > 0 && (row[column] = Number(cells[i])));
    rows.set(test, row);
  }
  return rows;
}

export const throughput: Measure = {
  id: 'throughput',
  title: 'Throughput',
  describe: ({ throughput: t }) =>
    `redis-benchmark -c ${t.clients} -r ${t.keyspace} -t ${t.tests.join(',')} --csv, ` +
    t.pipelines.map((p) => `${modeName(p)} (-n ${requestsFor(t, p)})`).join(' and ') +
    `, after one unmeasured run of the same tests (-n ${warmUpRequests(t)}, no pipelining); ` +
    'latencies in ms as redis-benchmark reports them.',

  metrics(config: BenchConfig): MetricDef[] {
    const { tests, pipelines } = config.throughput;
    const rps = pipelines.flatMap((p) =>
      tests.map((test) => ({
        key: `${test}.P${p}.rps`,
        label: `${test.toUpperCase()}, ${modeName(p)}`,
        unit: 'req/s',
        target: { kind: 'ratio', op: '>=', value: rpsGoal(p) } as const,
        chart: true,
      })),
    );
    const latency = pipelines.flatMap((p) =>
      tests.flatMap((test) =>
        (['p50', 'p99'] as const).map((q) => ({
          key: `${test}.P${p}.${q}`,
          label: `${test.toUpperCase()} ${q} latency, ${modeName(p)}`,
          unit: 'ms',
          ...(q === 'p99' && p === 1 && TAIL_TESTS.has(test) ? { target: { kind: 'ratio', op: '<=', value: TAIL_GOAL } as const } : {}),
        })),
      ),
    );
    return [...rps, ...latency];
  },

  async round(ctx) {
    const { tests, clients, keyspace, pipelines } = ctx.config.throughput;
    const server = await ctx.start();
    const client = await server.client();
    ctx.defer(() => client.close());
    const benchmark = (requests: number, pipeline: number) =>
      runTool(
        ['redis-benchmark', '-h', '127.0.0.1', '-p', String(server.port), '-c', String(clients),
          '-n', String(requests), '-r', String(keyspace), '-P', String(pipeline), '-t', tests.join(','), '--csv'],
        (child) => ctx.defer(() => child.kill('SIGKILL')),
      );
    await benchmark(warmUpRequests(ctx.config.throughput), 1);
    const values: Record<string, number> = {};
    for (const p of pipelines) {
      await client.call('FLUSHALL');
      const rows = parseBenchmarkCsv(await benchmark(requestsFor(ctx.config.throughput, p), p));
      for (const test of tests) {
        const row = rows.get(test);
        if (!row) continue; // missing metric: reported as "no result"
        values[`${test}.P${p}.rps`] = row.rps!;
        values[`${test}.P${p}.p50`] = row.p50_latency_ms!;
        values[`${test}.P${p}.p99`] = row.p99_latency_ms!;
      }
    }
    return values;
  },
};
