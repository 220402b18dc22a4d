// The metrics a server keeps beside its counters: the instantaneous rates (server.c's
// trackInstantaneousMetric, sampled from serverCron) and the error replies by code
// (afterErrorReply's errors dict). It imports no command, so the server actor can use it.
import type { Server } from '../actors/server.js';

/** STATS_METRIC_SAMPLES, and the period serverCron samples them at (run_with_period(100)). */
const SAMPLES = 16;
const PERIOD_MS = 100;

/** One instantaneous metric: a ring of per-second rates and the last reading. */
class Metric {
  private readonly samples = new Float64Array(SAMPLES);
  private idx = 0;

  constructor(private lastReading: number) {}

  /** trackInstantaneousMetric */
  track(reading: number, elapsedMs: number): void {
    this.samples[this.idx] = elapsedMs > 0 ? Math.floor(((reading - this.lastReading) * 1000) / elapsedMs) : 0;
    this.idx = (this.idx + 1) % SAMPLES;
    this.lastReading = reading;
  }

  /** getInstantaneousMetric: the mean of the ring. */
  get value(): number {
    let sum = 0;
    for (let i = 0; i < SAMPLES; i++) sum += this.samples[i]!;
    return Math.floor(sum / SAMPLES);
  }
}

export class ServerState {
  readonly ops: Metric;
  readonly netInput: Metric;
  readonly netOutput: Metric;
  readonly netReplInput: Metric;
  readonly netReplOutput: Metric;
  lastSample = Date.now();
  totalErrorReplies = 0;
  /** stat_unexpected_error_replies: errors replied to a master or a replica (Replication.errorOnLink). */
  unexpectedErrorReplies = 0;
  /**
   * totalErrorReplies when the last call() began or ended (incrCommandStatsOnError's
   * prev_err_count): a call failed when errors were counted since, so a script's EVAL does
   * not fail for the errors of its redis.calls, which failed themselves.
   */
  prevErrorReplies = 0;
  /** Error code (the reply's first word) -> count, for INFO errorstats. */
  readonly errors = new Map<string, number>();

  constructor(server: Server) {
    this.ops = new Metric(server.stats.commandsProcessed);
    const st = server.stats;
    this.netInput = new Metric(st.netInputBytes + st.netReplInputBytes);
    this.netOutput = new Metric(st.netOutputBytes + st.netReplOutputBytes);
    this.netReplInput = new Metric(st.netReplInputBytes);
    this.netReplOutput = new Metric(st.netReplOutputBytes);
  }
}

export function serverState(server: Server): ServerState {
  return server.metrics;
}

/** From serverCron: samples the rates at most every 100 ms. */
export function sampleInstantaneousMetrics(server: Server, now = Date.now()): void {
  const s = serverState(server);
  const elapsed = now - s.lastSample;
  if (elapsed < PERIOD_MS) return;
  s.lastSample = now;
  s.ops.track(server.stats.commandsProcessed, elapsed);
  const st = server.stats;
  s.netInput.track(st.netInputBytes + st.netReplInputBytes, elapsed);
  s.netOutput.track(st.netOutputBytes + st.netReplOutputBytes, elapsed);
  s.netReplInput.track(st.netReplInputBytes, elapsed);
  s.netReplOutput.track(st.netReplOutputBytes, elapsed);
}

/** afterErrorReply: counts an error reply ("ERR ...", "WRONGTYPE ...") by its code. */
export function countErrorReply(server: Server, msg: string): void {
  const s = serverState(server);
  s.totalErrorReplies++;
  const space = msg.indexOf(' ');
  const code = space < 0 ? msg : msg.slice(0, space);
  s.errors.set(code, (s.errors.get(code) ?? 0) + 1);
}

/** CONFIG RESETSTAT's share (resetServerStats): rates and error counts start again. */
export function resetServerState(server: Server): void {
  server.metrics = new ServerState(server);
}
