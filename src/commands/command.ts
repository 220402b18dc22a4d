// What a command is: its name, arity, flags and key positions as COMMAND reports them
// (Redis 7.0's command table), and the function that runs it against a client.
import type { Client } from '../actors/client.js';

export type CommandFlag =
  | 'write' | 'readonly' | 'denyoom' | 'admin' | 'pubsub' | 'noscript' | 'blocking'
  | 'loading' | 'stale' | 'skip_monitor' | 'skip_slowlog' | 'fast' | 'no_auth'
  | 'may_replicate' | 'no_multi' | 'allow_busy' | 'no_async_loading' | 'movablekeys';

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
}

/** A spec with its flags resolved to booleans, for the dispatch hot path. */
export interface Command extends CommandSpec {
  readonly isWrite: boolean;
  readonly noAuth: boolean;
  readonly allowsLoading: boolean;
  readonly allowsStale: boolean;
  readonly noMulti: boolean;
  /** Per-command counters for INFO commandstats. */
  readonly stats: { calls: number; usec: number; rejected: number; failed: number };
}

export function compile(spec: CommandSpec): Command {
  const has = (f: CommandFlag): boolean => spec.flags.includes(f);
  return {
    ...spec,
    isWrite: has('write'),
    noAuth: has('no_auth'),
    allowsLoading: has('loading'),
    allowsStale: has('stale'),
    noMulti: has('no_multi'),
    stats: { calls: 0, usec: 0, rejected: 0, failed: 0 },
  };
}
