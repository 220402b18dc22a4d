// A redis-server 7.0 and a redstate process (run `npm run build` first) under the same
// maxmemory for one test file, reset before each test, and the workload helpers the maxmemory
// tests fill them with.
import { beforeEach } from 'vitest';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { onBoth, peerPair, type Peer } from '../helpers/peer-pair.js';

export const LIMIT = 24 * 1024 * 1024;
/** Values of 4000 bytes: Redis holds about 5800 of them under LIMIT, redstate about 3500. */
export const VALUE = 'v'.repeat(4000);
export const BATCH = 200;
/** Keys that fill either server past LIMIT. */
export const FILL = 10_000;

/** redis first, then redstate. */
export const peers: Peer[] = [];

/** Starts the pair for the calling test file and resets both before each test. */
export function maxmemoryPair(): void {
  peerPair(['--maxmemory', String(LIMIT), '--maxmemory-policy', 'noeviction'], peers);
  beforeEach(async () => {
    for (const { c } of peers) {
      await c.call('CONFIG', 'SET', 'maxmemory', '0');
      await c.call('FLUSHALL');
      await c.call('CONFIG', 'RESETSTAT');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction', 'maxmemory-samples', '5',
        'maxmemory-eviction-tenacity', '10', 'lfu-log-factor', '10', 'maxmemory', String(LIMIT));
    }
  });
}

export async function info(c: RespClient, field: string): Promise<number> {
  const text = (await c.call('INFO', 'everything')) as string;
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(text);
  if (m === null) throw new Error(`no ${field} in INFO`);
  return Number(m[1]);
}

/**
 * SETs prefix:from..prefix:to-1 in pipelined batches (with EX ttl(i) when given), after each
 * batch running afterBatch, which may end the fill by returning true; the replies.
 */
export async function fill(c: RespClient, prefix: string, from: number, to: number, ttl?: (i: number) => number,
  afterBatch?: (replies: Reply[]) => Promise<boolean | void>): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (let i = from; i < to; i += BATCH) {
    const cmds: string[][] = [];
    for (let j = i; j < Math.min(to, i + BATCH); j++) {
      cmds.push(ttl === undefined ? ['SET', `${prefix}:${j}`, VALUE] : ['SET', `${prefix}:${j}`, VALUE, 'EX', String(ttl(j))]);
    }
    const batch = await c.pipeline(cmds);
    replies.push(...batch);
    if ((await afterBatch?.(batch)) === true) break;
  }
  return replies;
}

/** Which of prefix:from..to-1 exist. */
export async function present(c: RespClient, prefix: string, from: number, to: number): Promise<number[]> {
  const cmds: string[][] = [];
  for (let i = from; i < to; i++) cmds.push(['EXISTS', `${prefix}:${i}`]);
  const replies = await c.pipeline(cmds);
  return replies.flatMap((r, j) => (r === 1 ? [from + j] : []));
}

export const both = <T>(f: (p: Peer) => Promise<T>): Promise<T[]> => onBoth(peers, f);

