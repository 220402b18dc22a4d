// Percentiles of samples and the median/min/max of rounds.
import { loadavg } from 'node:os';

/** Nearest-rank percentile (p in 0..100) of values, which need not be sorted. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** The bench's clock in ms: process.hrtime, which the PING worker (pinger.mjs) reads too. */
export const now = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * `rounds` rounds of one run per build, their order reversed every other round (so that no
 * build always runs first, on a machine whose load drifts), and the load average after each
 * round: runs[i] is build i's results, round by round.
 */
export async function alternatingRounds<T>(
  rounds: number,
  builds: number,
  run: (build: number, round: number) => T | Promise<T>,
): Promise<{ runs: T[][]; loads: number[] }> {
  const runs = Array.from({ length: builds }, () => [] as T[]);
  const loads: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = Array.from({ length: builds }, (_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) runs[i]!.push(await run(i, round));
    loads.push(loadavg()[0]!);
  }
  return { runs, loads };
}

/** The load averages a tool saw, as "min-max". */
export const loadRange = (loads: number[]): string => `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`;

/**
 * A tab-separated table of labelled figures: per label, the median over the rounds of each
 * build's figure (runs from alternatingRounds, one Map of label -> figure a round), and the
 * ratio of the first to the second when there are two builds.
 */
export function printMedians(names: readonly string[], runs: ReadonlyArray<ReadonlyArray<ReadonlyMap<string, number>>>): void {
  console.log(['', ...names, names.length === 2 ? 'ratio' : ''].join('\t'));
  for (const label of runs[0]![0]!.keys()) {
    const figures = runs.map((r) => spread(r.map((m) => m.get(label)!)).median);
    console.log([label, ...figures.map((f) => f.toFixed(1)), figures.length === 2 ? `${(figures[0]! / figures[1]!).toFixed(2)}x` : ''].join('\t'));
  }
}
