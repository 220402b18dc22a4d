// A redis-server 7.0 and an in-process redstate started together, and assertions that the
// same command gets the same reply from both (errors compared by their text).
import { afterAll, beforeAll, expect } from 'vitest';
import { RespClient, RespError, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

export interface Pair {
  redis: Proc;
  redstate: InProcess;
  /** Connected to redis-server. */
  r: RespClient;
  /** Connected to redstate. */
  s: RespClient;
}

/** Starts both servers for the test file (DEBUG enabled on both); fields fill in beforeAll. */
export function sideBySide(): Pair {
  const pair = {} as Pair;
  beforeAll(async () => {
    [pair.redis, pair.redstate] = await Promise.all([
      startRedis(['--enable-debug-command', 'yes']),
      startRedstate({ 'enable-debug-command': 'yes' }),
    ]);
    [pair.r, pair.s] = await Promise.all([RespClient.connect(pair.redis.port), RespClient.connect(pair.redstate.port)]);
  });
  afterAll(async () => {
    pair.r.close();
    pair.s.close();
    await Promise.all([pair.redis.close(), pair.redstate.close()]);
  });
  return pair;
}

/** A reply with errors turned into { error: text }, for toEqual. */
export const plain = (x: Reply): unknown =>
  x instanceof RespError ? { error: x.message } : Array.isArray(x) ? x.map(plain) : x;

/** Sends cmd to both; expects the same reply and returns it. */
export async function same(p: Pair, ...cmd: string[]): Promise<unknown> {
  const [want, got] = await Promise.all([p.r.call(...cmd), p.s.call(...cmd)]);
  expect(plain(got), cmd.join(' ')).toEqual(plain(want));
  return plain(got);
}
