// What the tiny bench runs check of every metric: a finite number came out of
// every round for both servers, positive unless 0 is legitimate; never its size.
import type { BenchResult } from '../../bench/runner.js';

/** One line per metric and server that failed or came out wrong; empty when all is well. */
export function problemsOf(result: BenchResult): string[] {
  const problems: string[] = [];
  for (const measure of result.measures) {
    for (const metric of measure.metrics) {
      for (const server of ['redstate', 'redis'] as const) {
        const { median, errors } = metric[server];
        // At tiny sizes a garbage collection between the two readings can make memory per key negative.
        const sign = measure.id === 'memory' || metric.anySign || (metric.mayBeZero ? median! >= 0 : median! > 0);
        const ok = median !== undefined && Number.isFinite(median) && sign;
        if (!ok || errors.length) problems.push(`${measure.id} ${metric.key} ${server}: ${median} ${errors.join('; ')}`);
      }
    }
  }
  return problems;
}
