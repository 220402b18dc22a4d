// What a measure is: a list of metrics, and a round that runs on one server
// and returns a number per metric. The runner (runner.ts) alternates the
// servers, repeats rounds, enforces timeouts and cleans up after each round.
import type { BenchConfig } from './config.js';
import type { RunningServer, ServerName, ServerSpec, StartOptions } from './servers.js';

/**
 * A goal from the issue. `ratio`: redstate / redis compared with value;
 * `limit`: redstate's own number compared with value (in the metric's unit).
 */
export interface Target {
  kind: 'ratio' | 'limit';
  op: '>=' | '<=';
  value: number;
}

export interface MetricDef {
  key: string;
  label: string;
  unit: string;
  target?: Target;
  /** Drawn in the SVG chart. */
  chart?: boolean;
  /** 0 is a legitimate result (e.g. no extra memory); the test accepts it. */
  mayBeZero?: boolean;
  /** A difference of two process-memory readings: at the tiny size, noise can give it any sign; the test accepts it. */
  anySign?: boolean;
}

export interface RoundContext {
  config: BenchConfig;
  specs: Record<ServerName, ServerSpec>;
  /** The server this round measures (redis during prepare). */
  spec: ServerSpec;
  /** What prepare() left for the rounds of this measure. */
  shared: Record<string, unknown>;
  /** Aborted when the round runs out of time. */
  signal: AbortSignal;
  /** A fresh temp dir, removed after the round (after the measure, in prepare). */
  newDir(): string;
  /** Starts ctx.spec (or another spec) in a fresh dir unless one is given; killed after the round. */
  start(options?: Partial<StartOptions>, spec?: ServerSpec): Promise<RunningServer>;
  /** Runs fn after the round, whatever happened. */
  defer(fn: () => unknown): void;
  log(message: string): void;
}

export interface Measure {
  id: string;
  title: string;
  /** One line on how it is measured, for the report. */
  describe(config: BenchConfig): string;
  metrics(config: BenchConfig): MetricDef[];
  /** Runs once before the rounds (as redis), e.g. to make a fixture. */
  prepare?(ctx: RoundContext): Promise<void>;
  round(ctx: RoundContext): Promise<Record<string, number>>;
}
