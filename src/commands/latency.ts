// LATENCY LATEST HISTORY RESET DOCTOR GRAPH HISTOGRAM HELP (latency.c): with
// latency-monitor-threshold set (milliseconds), each command that ran at least that long is a
// sample of the "command" event ("fast-command" for one flagged fast; "command-unblocking" for
// serving a blocked client), one per second kept (the worst of that second), the last 160
// seconds per event and the all-time worst. Commands are timed as for the slow log
// (slowlog.ts): a fast command only when INFO commandstats samples it, or every command while
// latency-tracking keeps LATENCY HISTOGRAM's per-command histograms.
import type { Client } from '../actors/client.js';
import type { Server } from '../actors/server.js';
import type { Command, CommandSpec } from './command.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { renderSparkline } from './sparkline.js';
import { container, replyHelp } from './subcommands.js';
import { everyCommand, findCommand } from './table.js';

/** LATENCY_TS_LEN */
const TS_LEN = 160;

interface Series {
  /** Ring of [unix seconds, ms]; time 0 is an empty slot. */
  samples: Array<{ time: number; latency: number }>;
  idx: number;
  max: number;
}

export class LatencyMonitor {
  /** Events in the order first seen (Redis's dict order is its hash's). */
  private readonly events = new Map<string, Series>();
  /** latency-monitor-threshold, ms (0: off). */
  threshold = 0;
  /** latency-tracking: every call is timed for its command's LATENCY HISTOGRAM. */
  tracking = false;

  constructor(private readonly server: Server) {
    this.configure();
  }

  configure(): void {
    this.threshold = this.server.config.getInt('latency-monitor-threshold');
    this.tracking = this.server.config.getBool('latency-tracking');
  }

  /** Whether a call of cmd must be timed for the monitor (a fast command only when sampled). */
  times(cmd: Command): boolean {
    return this.threshold > 0 && !cmd.isFast;
  }

  // latencyAddSampleIfNeeded, as call() feeds it
  /** After a timed command: a sample when it ran at least the threshold. */
  commandRan(cmd: Command, durationUs: number): void {
    const ms = Math.floor(durationUs / 1000);
    if (this.threshold > 0 && ms >= this.threshold) this.addSample(cmd.isFast ? 'fast-command' : 'command', ms);
  }

  /** After serving a blocked client (updateStatsOnUnblock): the time its reply took. */
  unblockingRan(durationUs: number): void {
    const ms = Math.floor(durationUs / 1000);
    if (this.threshold > 0 && ms >= this.threshold) this.addSample('command-unblocking', ms);
  }

  /** latencyAddSampleIfNeeded for a server event (expire-cycle): a sample when it took at least the threshold. */
  event(name: string, ms: number): void {
    if (this.threshold > 0 && ms >= this.threshold) this.addSample(name, Math.floor(ms));
  }

  // latencyAddSample
  private addSample(event: string, latency: number): void {
    let ts = this.events.get(event);
    if (ts === undefined) {
      ts = { samples: Array.from({ length: TS_LEN }, () => ({ time: 0, latency: 0 })), idx: 0, max: 0 };
      this.events.set(event, ts);
    }
    const now = Math.floor(Date.now() / 1000);
    if (latency > ts.max) ts.max = latency;
    const prev = ts.samples[(ts.idx + TS_LEN - 1) % TS_LEN]!;
    if (prev.time === now) {
      if (latency > prev.latency) prev.latency = latency;
      return;
    }
    ts.samples[ts.idx] = { time: now, latency };
    ts.idx = (ts.idx + 1) % TS_LEN;
  }

  /** An event's samples, oldest first. */
  history(event: string): Array<{ time: number; latency: number }> {
    const ts = this.events.get(event);
    if (ts === undefined) return [];
    const out = [];
    for (let j = 0; j < TS_LEN; j++) {
      const s = ts.samples[(ts.idx + j) % TS_LEN]!;
      if (s.time !== 0) out.push(s);
    }
    return out;
  }

  // latencyCommandGenSparkeline
  /** LATENCY GRAPH's text for an event: a header, then its samples as an 80-column sparkline; null when unknown. */
  graph(event: string): string | null {
    const ts = this.events.get(event);
    if (ts === undefined) return null;
    const samples = this.history(event);
    const now = Math.floor(Date.now() / 1000);
    const values = samples.map((x) => x.latency);
    const labels = samples.map((x) => ago(now - x.time));
    const high = Math.max(...values);
    const low = Math.min(...values);
    return `${event} - high ${high} ms, low ${low} ms (all time high ${ts.max} ms)\n${'-'.repeat(80)}\n` + renderSparkline(values, labels, 80, 4);
  }

  /** Each event's latest sample and all-time worst. */
  latest(): Array<[string, number, number, number]> {
    return [...this.events].map(([event, ts]) => {
      const last = ts.samples[(ts.idx + TS_LEN - 1) % TS_LEN]!;
      return [event, last.time, last.latency, ts.max];
    });
  }

  // latencyResetEvent
  /** Forgets the named events (every event without names); how many were there. */
  reset(events: readonly string[]): number {
    if (events.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const e of events) if (this.events.delete(e)) n++;
    return n;
  }

  // createLatencyReport, for the events redstate records
  doctor(): string {
    const slowlog = this.server.config.getInt('slowlog-log-slower-than');
    if (this.events.size === 0 && this.threshold === 0) {
      return 'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
    }
    let report = '';
    let n = 0;
    let advices = 0;
    const advise = { slowlogEnabled: false, slowlogTuning: false, slowlogInspect: false, scheduler: false, largeObjects: false };
    for (const [event, ts] of this.events) {
      if (++n === 1) report += 'Dave, I have observed latency spikes in this Redis instance. You don\'t mind talking about it, do you Dave?\n\n';
      const s = analyze(this.history(event));
      report += `${n}. ${event}: ${s.samples} latency spikes (average ${s.avg}ms, mean deviation ${s.mad}ms, period ${(s.period / s.samples).toFixed(2)} sec). Worst all time event ${ts.max}ms.`;
      if (event === 'command') {
        if (slowlog < 0) {
          advise.slowlogEnabled = true;
          advices++;
        } else if (Math.trunc(slowlog / 1000) > this.threshold) {
          advise.slowlogTuning = true;
          advices++;
        }
        advise.slowlogInspect = advise.largeObjects = true;
        advices += 2;
      }
      if (event === 'fast-command') {
        advise.scheduler = true;
        advices++;
      }
      report += '\n';
    }
    if (n === 0 && advices === 0) {
      return `${report}Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n`;
    }
    if (advices === 0) {
      return `${report}\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n`;
    }
    report += '\nI have a few advices for you:\n\n';
    const us = this.threshold * 1000;
    if (advise.slowlogEnabled) report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${us}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
    if (advise.slowlogTuning) report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${us}'.\n`;
    if (advise.slowlogInspect) report += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
    if (advise.scheduler) {
      report += '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
        '  1) Lower the system load.\n' +
        '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
        '  3) Check if you have a "noisy neighbour" problem.\n' +
        '  4) Check with \'redis-cli --intrinsic-latency 100\' what is the intrinsic latency in your system.\n' +
        '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
    }
    if (advise.largeObjects) report += '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
    return report;
  }
}

/** How long ago a sample was, as LATENCY GRAPH labels it: 5s, 3m, 2h, 1d. */
function ago(elapsed: number): string {
  if (elapsed < 60) return `${elapsed}s`;
  if (elapsed < 3600) return `${Math.floor(elapsed / 60)}m`;
  if (elapsed < 86400) return `${Math.floor(elapsed / 3600)}h`;
  return `${Math.floor(elapsed / 86400)}d`;
}

// fillCommandCDF
/** One command's LATENCY HISTOGRAM entry: its calls, and per bucket (in us) the calls up to it. */
function replyCommandCdf(c: Client, cmd: Command, h: LatencyHistogram): void {
  const buckets = h.cumulative();
  c.reply.bulk(cmd.name);
  c.reply.map(2);
  c.reply.bulk('calls');
  c.reply.integer(h.total);
  c.reply.bulk('histogram_usec');
  c.reply.map(buckets.length);
  for (const [us, cumulative] of buckets) {
    c.reply.integer(us);
    c.reply.integer(cumulative);
  }
}

// latencyAllCommandsFillCDF, latencySpecificCommandsFillCDF
/** LATENCY HISTOGRAM [command ...]: every command with calls recorded, or those named (a container's subcommands with it). */
function latencyHistogram(c: Client, argv: string[]): void {
  const cmds: Command[] = [];
  if (argv.length === 2) cmds.push(...everyCommand());
  for (const name of argv.slice(2)) {
    const cmd = findCommand(name);
    if (cmd !== undefined) cmds.push(cmd, ...(cmd.subcommands ?? []));
  }
  const withData = cmds.filter((cmd) => cmd.stats.histogram !== null);
  c.reply.map(withData.length);
  for (const cmd of withData) replyCommandCdf(c, cmd, cmd.stats.histogram!);
}

// analyzeLatencyForEvent
/** Samples, integer average and mean absolute deviation (ms), and seconds since the oldest. */
function analyze(samples: Array<{ time: number; latency: number }>): { samples: number; avg: number; mad: number; period: number } {
  const n = samples.length;
  if (n === 0) return { samples: 0, avg: 0, mad: 0, period: 0 };
  let sum = 0;
  let oldest = Infinity;
  for (const s of samples) {
    sum += s.latency;
    oldest = Math.min(oldest, s.time);
  }
  const avg = Math.floor(sum / n);
  let dev = 0;
  for (const s of samples) dev += Math.abs(avg - s.latency);
  return { samples: n, avg, mad: Math.floor(dev / n), period: Math.max(1, Math.floor(Date.now() / 1000) - oldest) };
}

const HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

const ADMIN = { flags: ['admin', 'noscript', 'loading', 'stale'], acl: ['admin', 'slow', 'dangerous'] } as const;

/** latencyCommand, as the container Redis 7.0 makes of it. */
export const latencyCommands: CommandSpec[] = [container('latency', [
  {
    name: 'latency|latest', arity: 2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c) {
      const rows = c.server.latency.latest();
      c.reply.array(rows.length);
      for (const [event, time, latency, max] of rows) {
        c.reply.array(4);
        c.reply.bulk(event);
        c.reply.integer(time);
        c.reply.integer(latency);
        c.reply.integer(max);
      }
    },
  },
  {
    name: 'latency|history', arity: 3, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c, argv) {
      const samples = c.server.latency.history(argv[2]!);
      c.reply.array(samples.length);
      for (const s of samples) {
        c.reply.array(2);
        c.reply.integer(s.time);
        c.reply.integer(s.latency);
      }
    },
  },
  {
    name: 'latency|reset', arity: -2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c, argv) {
      c.reply.integer(c.server.latency.reset(argv.slice(2)));
    },
  },
  {
    name: 'latency|doctor', arity: 2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c: Client) {
      c.reply.verbatim(c.server.latency.doctor());
    },
  },
  {
    name: 'latency|graph', arity: 3, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run(c, argv) {
      const graph = c.server.latency.graph(argv[2]!);
      if (graph === null) return c.reply.error(`ERR No samples available for event '${argv[2]}'`);
      c.reply.verbatim(graph);
    },
  },
  {
    name: 'latency|histogram', arity: -2, flags: [...ADMIN.flags], acl: [...ADMIN.acl],
    run: latencyHistogram,
  },
  {
    name: 'latency|help', arity: 2, flags: ['loading', 'stale'], acl: ['slow'],
    run(c) {
      replyHelp(c, 'LATENCY', HELP);
    },
  },
])];
