// A redis-server 7.0 and an in-process redstate started together for one test file, and
// assertions that the same commands get the same replies from both (errors compared by their
// text). The command-family tests and the server tests all compare through this module.
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { RespClient, RespError, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

export type Arg = string | number | Buffer;
/** A command as its words, or as one string of space-separated words. */
export type Command = string | Arg[];

/** Every byte value once, as a latin1 string (redstate's binary-safe strings). */
export const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
export const MAX = '9223372036854775807';
export const MIN = '-9223372036854775808';

export const words = (cmd: Command): Arg[] => (typeof cmd === 'string' ? cmd.split(' ') : cmd);
const label = (cmd: Arg[], max = 120): string => cmd.map(String).join(' ').slice(0, max);

/** A reply with errors turned into { error: text }, for toEqual. */
export const plain = (x: Reply): unknown =>
  x instanceof RespError ? { error: x.message } : Array.isArray(x) ? x.map(plain) : x;

/** As plain, with every array sorted: for replies in hash order. */
const sortedPlain = (x: Reply): unknown =>
  x instanceof RespError ? { error: x.message } : Array.isArray(x) ? x.map(sortedPlain).sort() : x;

/**
 * Seeded number strings of the shapes strtold reads (fixed, exponent, long fractions, huge and
 * tiny magnitudes, hex floats, some negative): the INCRBYFLOAT and HINCRBYFLOAT walks.
 */
export function randomFloats(seed: number): () => string {
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const shapes = [
    (): string => (rnd() * 10).toFixed(Math.floor(rnd() * 6)),
    (): string => `${Math.floor(rnd() * 1e6)}e${Math.floor(rnd() * 40 - 20)}`,
    (): string => `0.${Math.floor(rnd() * 1e9)}`,
    (): string => `${Math.floor(rnd() * 1e15)}.${Math.floor(rnd() * 1000)}`,
    (): string => `1.${Math.floor(rnd() * 1e9)}e${Math.floor(rnd() * 9900 - 4950)}`,
    (): string => `0x${Math.floor(rnd() * 1e6).toString(16)}p${Math.floor(rnd() * 20 - 10)}`,
  ];
  return () => (rnd() < 0.3 ? '-' : '') + shapes[Math.floor(rnd() * shapes.length)]!();
}

export interface Options {
  /** Directives given to both servers (`--name value` to redis-server). */
  config?: Record<string, string>;
  /** FLUSHALL and SELECT 0 on both before each test. */
  flushEach?: boolean;
}

export interface Pair {
  redis: Proc;
  redstate: InProcess;
  /** Connected to redis-server. */
  r: RespClient;
  /** Connected to redstate. */
  s: RespClient;
  /** Runs the commands in order on both; each reply must be the same. */
  same(...cmds: Command[]): Promise<void>;
  /** As same, with every array in a reply compared sorted (hash orders, random picks of a whole set). */
  sameSorted(...cmds: Command[]): Promise<void>;
  /** Sends all the commands at once to each server, then compares the replies one by one. */
  samePipelined(cmds: Arg[][]): Promise<void>;
  /** PTTL on both: equal when -1 or -2, else within tolerance ms of each other. */
  sameTtl(key: string, tolerance?: number): Promise<void>;
  /** Runs a command on redstate only; returns its reply as plain gives it. */
  mine(cmd: Command): Promise<unknown>;
}

/**
 * Starts both servers for the test file (DEBUG enabled on both) and returns the pair; its
 * servers and clients fill in beforeAll, its methods may be taken off it at once.
 */
export function sideBySide(options: Options = {}): Pair {
  const config = { 'enable-debug-command': 'yes', ...options.config };
  async function compare(cmds: Command[], show: (x: Reply) => unknown): Promise<void> {
    for (const cmd of cmds.map(words)) {
      const [want, got] = await Promise.all([pair.r.call(...cmd), pair.s.call(...cmd)]);
      expect(show(got), label(cmd)).toEqual(show(want));
    }
  }
  const pair = {
    same: (...cmds) => compare(cmds, plain),
    sameSorted: (...cmds) => compare(cmds, sortedPlain),
    async samePipelined(cmds) {
      const all = async (c: RespClient): Promise<unknown[]> => (await Promise.all(cmds.map((x) => c.call(...x)))).map(plain);
      const [want, got] = await Promise.all([all(pair.r), all(pair.s)]);
      for (let i = 0; i < cmds.length; i++) expect(got[i], `${i}: ${label(cmds[i]!, 100)}`).toEqual(want[i]);
    },
    async sameTtl(key, tolerance = 1000) {
      const [want, got] = await Promise.all([pair.r.call('PTTL', key), pair.s.call('PTTL', key)]);
      expect(typeof got, `PTTL ${key}`).toBe('number');
      if ((want as number) < 0) expect(got, `PTTL ${key}`).toBe(want);
      else expect(Math.abs((got as number) - (want as number)), `PTTL ${key}: ${got} vs ${want}`).toBeLessThanOrEqual(tolerance);
    },
    mine: async (cmd) => plain(await pair.s.call(...words(cmd))),
  } as Pair;
  beforeAll(async () => {
    [pair.redis, pair.redstate] = await Promise.all([
      startRedis(Object.entries(config).flatMap(([name, value]) => [`--${name}`, value])),
      startRedstate(config),
    ]);
    [pair.r, pair.s] = await Promise.all([RespClient.connect(pair.redis.port), RespClient.connect(pair.redstate.port)]);
  });
  afterAll(async () => {
    pair.r?.close();
    pair.s?.close();
    await Promise.all([pair.redis?.close(), pair.redstate?.close()]);
  });
  if (options.flushEach) {
    beforeEach(async () => {
      await Promise.all([pair.r.call('FLUSHALL'), pair.r.call('SELECT', 0), pair.s.call('FLUSHALL'), pair.s.call('SELECT', 0)]);
    });
  }
  return pair;
}
