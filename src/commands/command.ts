// What a command is: its name, arity, flags and key positions as COMMAND reports them
// (Redis 7.0's command table), and the function that runs it against a client.
// The global `performance` is a lazy accessor: each read of it calls a getter (two a command).
import { performance } from 'node:perf_hooks';
import type { Client } from '../actors/client.js';
import { LatencyHistogram } from './latency-histogram.js';

export type CommandFlag =
  | 'write' | 'readonly' | 'denyoom' | 'admin' | 'pubsub' | 'noscript' | 'blocking'
  | 'loading' | 'stale' | 'skip_monitor' | 'skip_slowlog' | 'fast' | 'no_auth'
  | 'may_replicate' | 'no_multi' | 'allow_busy' | 'no_async_loading' | 'movablekeys' | 'no_mandatory_keys' | 'asking'
  | 'touches_arbitrary_keys';

export interface CommandSpec {
  /** Lower case, as COMMAND prints it. */
  name: string;
  /** Redis's arity: N exactly, or -N for at least N (the name counts). */
  arity: number;
  flags: CommandFlag[];
  /** First key, last key (-1: the last argument) and step; 0 0 0 for keyless commands. */
  keys?: [number, number, number];
  /** ACL categories without the '@', e.g. ['string', 'fast']. */
  acl?: string[];
  run(c: Client, argv: string[]): void;
  /**
   * What processCommand rejects before a call runs or is queued by MULTI, beyond the arity:
   * an unknown subcommand or a subcommand's own arity. Null when the call may go on.
   */
  check?(argv: string[]): string | null;
  /**
   * getCommandFlags for EVAL, EVALSHA and FCALL (scriptFlagsToCmdFlags): a script that declares
   * flags is judged by them in place of the command's own; null for one without flags or unknown.
   */
  declaredFlags?(c: Client, argv: string[]): CallFlags | null;
  /**
   * CMD_PROTECTED: the setting that must allow the client (allowProtectedAction) for the call
   * to go on, checked right after the arity: before AUTH, and before MULTI queues it.
   */
  protectedBy?: ProtectedSetting;
  /** A container's (CONFIG, CLIENT...): its subcommands, each a command of its own (subcommands.ts). */
  subcommands?: readonly Command[];
}

/** The flags processCommand judges a call by before it runs or is queued (getCommandFlags). */
export interface CallFlags {
  readonly write: boolean;
  /** May grow memory: refused out of memory. */
  readonly denyOom: boolean;
  /** Runs on a replica whose link is down under replica-serve-stale-data no. */
  readonly stale: boolean;
  /** A write, or may propagate something (PUBLISH, PFCOUNT): what CLIENT PAUSE WRITE holds. */
  readonly mayReplicate: boolean;
}

/** The settings that guard protected commands. */
export type ProtectedSetting = 'enable-debug-command' | 'enable-module-command';

/** One call in this many is timed. */
const SAMPLE_EVERY = 16;

/**
 * A command's counters for INFO commandstats. Reading the clock costs more than a fast
 * command itself, so one call in SAMPLE_EVERY is timed and usec is their mean times calls.
 */
export class CommandStats {
  calls = 0;
  rejected = 0;
  failed = 0;
  private sampledUsec = 0;
  private samples = 0;
  /** latency_histogram: made at the first call recorded (latency-tracking). */
  histogram: LatencyHistogram | null = null;

  get usec(): number {
    return this.samples === 0 ? 0 : (this.sampledUsec / this.samples) * this.calls;
  }

  /** Before a call: performance.now() when this call is to be timed, else -1. */
  start(): number {
    return this.calls % SAMPLE_EVERY === 0 ? performance.now() : -1;
  }

  /** After a call, with what start() returned (and the clock read then, when read already). */
  finish(started: number, now = started >= 0 ? performance.now() : 0): void {
    if (started >= 0) {
      this.sampledUsec += (now - started) * 1000;
      this.samples++;
    }
    this.calls++;
  }

  /** A call's duration for LATENCY HISTOGRAM and INFO latencystats. */
  recordLatency(durationUs: number): void {
    (this.histogram ??= new LatencyHistogram()).record(durationUs);
  }

  reset(): void {
    this.calls = this.rejected = this.failed = this.sampledUsec = this.samples = 0;
    this.histogram = null;
  }
}

/** A spec with its flags resolved to booleans, for the dispatch hot path. */
export interface Command extends CommandSpec {
  readonly isWrite: boolean;
  readonly denyOom: boolean;
  readonly noAuth: boolean;
  readonly allowsLoading: boolean;
  /** Refused while a replica loads its master's payload in the background (async_loading). */
  readonly noAsyncLoading: boolean;
  readonly allowsStale: boolean;
  readonly noMulti: boolean;
  readonly allowBusy: boolean;
  /** Refused from scripts. */
  readonly noScript: boolean;
  /** A write, or a command that may propagate something (PUBLISH, PFCOUNT): what CLIENT PAUSE WRITE holds. */
  readonly mayReplicate: boolean;
  /** Its own write, denyoom, stale and may_replicate flags, as processCommand takes them. */
  readonly callFlags: CallFlags;
  readonly isFast: boolean;
  readonly skipSlowlog: boolean;
  /** Not shown to MONITOR: admin commands and those flagged skip_monitor. */
  readonly skipMonitor: boolean;
  /** SCAN, RANDOMKEY (CMD_TOUCHES_ARBITRARY_KEYS): the keys they expire on the way go out as lone DELs, as active expiry's do. */
  readonly touchesArbitraryKeys: boolean;
  readonly stats: CommandStats;
}

/**
 * The spec with its flags resolved. Every field is written here, in one order, whatever the
 * spec left out: all commands then share one hidden class in V8, so the property reads of
 * processCommand and call stay monomorphic. (Spread from 234 spec literals, each command had
 * its own: the dispatch code, optimized for the first command a client sent, was thrown away
 * and compiled again at each new command, on V8's threads, at the start of every benchmark test.)
 */
export function compile(spec: CommandSpec): Command {
  const has = (f: CommandFlag): boolean => spec.flags.includes(f);
  const own: CallFlags = { write: has('write'), denyOom: has('denyoom'), stale: has('stale'), mayReplicate: has('write') || has('may_replicate') };
  return {
    name: spec.name,
    arity: spec.arity,
    flags: spec.flags,
    keys: spec.keys,
    acl: spec.acl,
    run: spec.run,
    check: spec.check,
    declaredFlags: spec.declaredFlags,
    protectedBy: spec.protectedBy,
    subcommands: spec.subcommands,
    isWrite: own.write,
    denyOom: own.denyOom,
    noAuth: has('no_auth'),
    allowsLoading: has('loading'),
    noAsyncLoading: has('no_async_loading'),
    allowsStale: own.stale,
    noMulti: has('no_multi'),
    allowBusy: has('allow_busy'),
    noScript: has('noscript'),
    mayReplicate: own.mayReplicate,
    callFlags: own,
    isFast: has('fast'),
    skipSlowlog: has('skip_slowlog'),
    skipMonitor: has('skip_monitor') || has('admin'),
    touchesArbitraryKeys: has('touches_arbitrary_keys'),
    stats: new CommandStats(),
  };
}
