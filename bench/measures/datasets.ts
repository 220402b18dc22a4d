// The datasets the measures load: DEBUG POPULATE's strings, and a mixed
// dataset of every type in small (listpack-sized) and large encodings, written
// with plain HSET/RPUSH/SADD/ZADD/SET in pipelined batches.
import type { BenchConfig } from '../config.js';
import type { RespClient } from '../resp.js';
import { ReplyError } from '../resp.js';

type Command = (string | number)[];

/** The two datasets, as the measures that load either name them. */
export const datasets = [
  { id: 'populate', name: 'DEBUG POPULATE' },
  { id: 'mixed', name: 'mixed types' },
] as const;

export async function expectDbsize(client: RespClient, expected: number): Promise<void> {
  const size = await client.call('DBSIZE');
  if (size !== expected) throw new Error(`DBSIZE is ${String(size)}, expected ${expected}`);
}

/** DEBUG POPULATE <keys> <prefix> <valueSize> on an empty server (by default the populate dataset's size). */
export async function populate(client: RespClient, config: BenchConfig, keys = config.populate.keys, prefix = 'key'): Promise<void> {
  await client.call('DEBUG', 'POPULATE', keys, prefix, config.populate.valueSize);
  await expectDbsize(client, keys);
}

/** The commands of the mixed dataset, generated lazily; deterministic. */
export function* mixedCommands(config: BenchConfig): Generator<Command> {
  const { keys, largeElements } = config.mixed;
  const small = 10;
  const share = (fraction: number) => Math.round(keys * fraction);
  const members = (n: number, from = 0) => Array.from({ length: n }, (_, j) => `member:${from + j}`);

  for (let i = 0; i < share(0.4); i++) yield ['SET', `string:${i}`, `value:${i}`.padEnd(32, '.')];
  for (let i = 0; i < share(0.15); i++) {
    yield ['HSET', `hash:${i}`, ...members(small).flatMap((m, j) => [m, `v${j}`.padEnd(16, '.')])];
  }
  for (let i = 0; i < share(0.15); i++) yield ['RPUSH', `list:${i}`, ...members(small)];
  for (let i = 0; i < share(0.15); i++) yield ['SADD', `set:${i}`, ...members(small)];
  for (let i = 0; i < share(0.15); i++) {
    yield ['ZADD', `zset:${i}`, ...members(small).flatMap((m, j) => [j, m])];
  }

  const large = Math.max(1, Math.round(keys / 1000));
  const chunk = 100;
  for (let i = 0; i < large; i++) {
    for (let from = 0; from < largeElements; from += chunk) {
      const ms = members(Math.min(chunk, largeElements - from), from);
      yield ['HSET', `bighash:${i}`, ...ms.flatMap((m) => [m, `${m}:value`.padEnd(24, '.')])];
      yield ['RPUSH', `biglist:${i}`, ...ms];
      yield ['SADD', `bigset:${i}`, ...ms];
      yield ['ZADD', `bigzset:${i}`, ...ms.flatMap((m, j) => [from + j + 0.5, m])];
    }
  }
}

/** How many keys the mixed dataset has. */
export function mixedKeyCount(config: BenchConfig): number {
  const { keys } = config.mixed;
  const share = (fraction: number) => Math.round(keys * fraction);
  return share(0.4) + 4 * share(0.15) + 4 * Math.max(1, Math.round(keys / 1000));
}

/** Writes the mixed dataset in pipelined batches; any error reply throws. */
export async function loadMixed(client: RespClient, config: BenchConfig, signal: AbortSignal): Promise<number> {
  let batch: Command[] = [];
  const flush = async () => {
    signal.throwIfAborted();
    const replies = await client.pipeline(batch);
    const error = replies.find((r) => r instanceof ReplyError);
    if (error) throw new Error(`loading the mixed dataset: ${(error as ReplyError).message}`);
    batch = [];
  };
  for (const command of mixedCommands(config)) {
    batch.push(command);
    if (batch.length >= 500) await flush();
  }
  if (batch.length) await flush();
  const keys = mixedKeyCount(config);
  await expectDbsize(client, keys);
  return keys;
}
