// Measure 6: EVAL throughput. redis-benchmark runs a small script (one INCR of a random key
// through redis.call) as EVAL and as EVALSHA, and a script making ten such calls as EVAL,
// with throughput.clients clients, without pipelining: requests per second and p50/p99
// latency, as the throughput measure reads them.
import type { Measure, MetricDef } from '../measure.js';
import { runTool } from '../servers.js';
import { parseBenchmarkCsv } from './throughput.js';

const SCRIPT = "return redis.call('incr', KEYS[1])";
/** SHA1 of SCRIPT, which SCRIPT LOAD returns (checked in the round). */
const SHA = '2bab3b661081db58bd2341920e0ba7cf5dc77b25';
const SCRIPT10 = "for i = 1, 10 do redis.call('incr', KEYS[1]) end return 1";
/** Each form: its metric key, and redis-benchmark's command after --csv. */
const FORMS = [
  { form: 'eval', argv: ['EVAL', SCRIPT] },
  { form: 'evalsha', argv: ['EVALSHA', SHA] },
  { form: 'eval10', argv: ['EVAL', SCRIPT10] },
] as const;

export const scripting: Measure = {
  id: 'scripting',
  title: 'Scripting',
  describe: ({ throughput: t }) =>
    `redis-benchmark -c ${t.clients} -n ${t.requests} -r ${t.keyspace} --csv EVAL[SHA] "${SCRIPT}" 1 key:__rand_int__, ` +
    `and EVAL10: EVAL "${SCRIPT10}" the same way; no pipelining; latencies in ms as redis-benchmark reports them.`,

  metrics(): MetricDef[] {
    return FORMS.flatMap(({ form }) => [
      { key: `${form}.rps`, label: form.toUpperCase(), unit: 'req/s', chart: true },
      { key: `${form}.p50`, label: `${form.toUpperCase()} p50 latency`, unit: 'ms' },
      { key: `${form}.p99`, label: `${form.toUpperCase()} p99 latency`, unit: 'ms' },
    ]);
  },

  async round(ctx) {
    const { clients, requests, keyspace } = ctx.config.throughput;
    const server = await ctx.start();
    const client = await server.client();
    ctx.defer(() => client.close());
    const sha = await client.call('SCRIPT', 'LOAD', SCRIPT);
    if (sha !== SHA) throw new Error(`scripting: SCRIPT LOAD answered ${String(sha)}`);
    const values: Record<string, number> = {};
    for (const { form, argv } of FORMS) {
      const csv = await runTool(
        ['redis-benchmark', '-h', '127.0.0.1', '-p', String(server.port), '-c', String(clients), '-n', String(requests),
          '-r', String(keyspace), '--csv', ...argv, '1', 'key:__rand_int__'],
        (child) => ctx.defer(() => child.kill('SIGKILL')),
      );
      // redis-benchmark names the row by the command's first word.
      const row = parseBenchmarkCsv(csv).get(argv[0].toLowerCase());
      if (!row) continue;
      values[`${form}.rps`] = row.rps!;
      values[`${form}.p50`] = row.p50_latency_ms!;
      values[`${form}.p99`] = row.p99_latency_ms!;
    }
    return values;
  },
};
