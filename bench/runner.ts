// Runs the measures: for each, `rounds` rounds, each round on both servers in
// alternating order (redstate first in even rounds, redis first in odd ones)
// so that machine noise hits both alike. A round that throws or runs out of
// time fails alone; whatever it started is stopped and its temp dirs removed.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { BenchConfig } from './config.js';
import type { Measure, MetricDef, RoundContext } from './measure.js';
import { eviction } from './measures/eviction.js';
import { fullSync } from './measures/full-sync.js';
import { memory } from './measures/memory.js';
import { partialResync } from './measures/partial-resync.js';
import { propagation } from './measures/propagation.js';
import { replicaDuringSync } from './measures/replica-during-sync.js';
import { replicationLag } from './measures/repl-lag.js';
import { rdb } from './measures/rdb.js';
import { scripting } from './measures/scripting.js';
import { streams } from './measures/streams.js';
import { snapshotStalls } from './measures/snapshot-stalls.js';
import { syncStalls } from './measures/sync-stalls.js';
import { throughput } from './measures/throughput.js';
import {
  makeTempDir, removeTempDir, serverNames, serverSpecs, startServer,
  type RunningServer, type ServerName, type ServerSpec,
} from './servers.js';
import { spread } from './stats.js';

/** The measures of the foundation: one server at a time. */
export const serverMeasures: Measure[] = [throughput, memory, snapshotStalls, rdb, streams, scripting, eviction];
/** The measures of replication: masters and their replicas. */
export const replicationMeasures: Measure[] = [fullSync, propagation, partialResync, replicationLag, syncStalls, replicaDuringSync];
export const allMeasures: Measure[] = [...serverMeasures, ...replicationMeasures];

export interface Summary {
  values: number[];
  errors: string[];
  median?: number;
  min?: number;
  max?: number;
}

export interface MetricResult extends MetricDef {
  redstate: Summary;
  redis: Summary;
  /** redstate median / redis median. */
  ratio?: number;
  /** Whether the target is met; absent without a target or without numbers. */
  met?: boolean;
}

export interface MeasureResult {
  id: string;
  title: string;
  description: string;
  metrics: MetricResult[];
}

export interface BenchResult {
  meta: {
    mode: BenchConfig['mode'];
    rounds: number;
    startedAt: string;
    durationSec: number;
    commit?: string;
    dirty?: boolean;
    commands: Record<ServerName, string>;
    versions: { node: string; redis: string };
    host: { cpus: number; cpuModel: string; memoryGb: number; kernel: string };
    config: BenchConfig;
  };
  measures: MeasureResult[];
}

export interface RunOptions {
  specs?: Record<ServerName, ServerSpec>;
  measures?: Measure[];
  log?: (message: string) => void;
}

type RoundOutcome = { values: Record<string, number> } | { error: string };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Runs fn with a fresh RoundContext and a time limit; afterwards runs every
 * deferred cleanup (even ones deferred late by a round that timed out) and
 * removes the temp dirs unless `keepDirs` collects them for later removal.
 */
async function runScoped<T>(
  base: Pick<RoundContext, 'config' | 'specs' | 'shared' | 'log'>,
  spec: ServerSpec,
  timeoutMs: number,
  fn: (ctx: RoundContext) => Promise<T>,
  keepDirs?: string[],
): Promise<T> {
  const cleanups: (() => unknown)[] = [];
  const servers: RunningServer[] = [];
  const dirs: string[] = keepDirs ?? [];
  const controller = new AbortController();
  let finished = false;
  const defer = (cleanup: () => unknown) => (finished ? Promise.resolve().then(cleanup).catch(() => undefined) : cleanups.push(cleanup));
  const ctx: RoundContext = {
    ...base,
    spec,
    signal: controller.signal,
    newDir() {
      const dir = makeTempDir();
      dirs.push(dir);
      return dir;
    },
    async start(options = {}, which = spec) {
      const server = await startServer(which, { ...options, dir: options.dir ?? ctx.newDir() });
      servers.push(server);
      defer(() => server.stop());
      return server;
    },
    defer,
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${seconds(timeoutMs)}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([fn(ctx), timeout]);
  } catch (err) {
    // "connection closed" says little when the server crashed: say how it died
    const crashed = servers.map((s) => s.failure).filter(Boolean);
    throw crashed.length ? new Error(`${(err as Error).message} (${crashed.join('; ')})`) : err;
  } finally {
    clearTimeout(timer);
    finished = true;
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // cleaning up after a failure may fail too
      }
    }
    if (!keepDirs) dirs.forEach(removeTempDir);
  }
}

function summarize(def: MetricDef, outcomes: Record<ServerName, RoundOutcome[]>): MetricResult {
  const summary = (name: ServerName): Summary => {
    const values: number[] = [];
    const errors: string[] = [];
    outcomes[name].forEach((outcome, round) => {
      const value = 'values' in outcome ? outcome.values[def.key] : undefined;
      if (value !== undefined && Number.isFinite(value)) values.push(value);
      else errors.push(`round ${round + 1}: ${'error' in outcome ? outcome.error : 'no result'}`);
    });
    return { values, errors, ...(values.length ? spread(values) : {}) };
  };
  const result: MetricResult = { ...def, redstate: summary('redstate'), redis: summary('redis') };
  const { redstate, redis } = result;
  if (redstate.median !== undefined && redis.median) result.ratio = redstate.median / redis.median;
  const compared = def.target?.kind === 'limit' ? redstate.median : result.ratio;
  if (def.target && compared !== undefined) {
    result.met = def.target.op === '>=' ? compared >= def.target.value : compared <= def.target.value;
  }
  return result;
}

export async function runBench(config: BenchConfig, options: RunOptions = {}): Promise<BenchResult> {
  const specs = options.specs ?? serverSpecs();
  const log = options.log ?? ((message: string) => console.error(message));
  const started = Date.now();
  const deadline = started + config.budgetMs;
  const measures: MeasureResult[] = [];

  for (const measure of options.measures ?? allMeasures) {
    const base = { config, specs, shared: {}, log };
    const outcomes: Record<ServerName, RoundOutcome[]> = { redstate: [], redis: [] };
    const measureDirs: string[] = [];
    let prepareError: string | undefined;
    if (measure.prepare) {
      try {
        await runScoped(base, specs.redis, config.roundTimeoutMs, (ctx) => measure.prepare!(ctx), measureDirs);
      } catch (err) {
        prepareError = `preparing failed: ${(err as Error).message}`;
        log(`[${measure.id}] ${prepareError}`);
      }
    }
    for (let round = 0; round < config.rounds; round++) {
      const order = round % 2 === 0 ? serverNames : [...serverNames].reverse();
      for (const name of order) {
        const timeoutMs = Math.min(config.roundTimeoutMs, deadline - Date.now());
        const label = `[${measure.id}] round ${round + 1}/${config.rounds} ${name}`;
        let outcome: RoundOutcome;
        if (prepareError) outcome = { error: prepareError };
        else if (timeoutMs < 1000) outcome = { error: `skipped: the time budget of ${seconds(config.budgetMs)} is used up` };
        else {
          const t0 = Date.now();
          try {
            outcome = { values: await runScoped(base, specs[name], timeoutMs, (ctx) => measure.round(ctx)) };
            log(`${label}: ${seconds(Date.now() - t0)}`);
          } catch (err) {
            outcome = { error: (err as Error).message };
          }
        }
        if ('error' in outcome) log(`${label} FAILED: ${outcome.error}`);
        outcomes[name].push(outcome);
      }
    }
    measureDirs.forEach(removeTempDir);
    measures.push({
      id: measure.id,
      title: measure.title,
      description: measure.describe(config),
      metrics: measure.metrics(config).map((def) => summarize(def, outcomes)),
    });
  }

  return {
    meta: {
      mode: config.mode,
      rounds: config.rounds,
      startedAt: new Date(started).toISOString(),
      durationSec: Math.round((Date.now() - started) / 1000),
      commands: { redstate: specs.redstate.command.join(' '), redis: specs.redis.command.join(' ') },
      versions: { node: process.version, redis: redisVersion() },
      host: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        kernel: os.release(),
      },
      config,
    },
    measures,
  };
}

function redisVersion(): string {
  try {
    return /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    return 'not found';
  }
}
