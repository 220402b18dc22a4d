// A redis-server 7.0 and a redstate process (run `npm run build` first) started with the same
// arguments for one test file, each with a control connection, for tests that run the same
// steps on both and compare.
import { afterAll, beforeAll } from 'vitest';
import { RespClient } from './resp-client.js';
import { startRedis, startRedstateProcess, type Proc } from './servers.js';

export interface Peer {
  name: 'redis' | 'redstate';
  proc: Proc;
  /** The control connection the figures are read on. */
  c: RespClient;
}

/** Fills peers (redis first, then redstate) before the file's tests and closes both after them. */
export function peerPair(args: string[], peers: Peer[] = []): Peer[] {
  beforeAll(async () => {
    const [redis, redstate] = await Promise.all([startRedis(args), startRedstateProcess(args)]);
    peers.push(
      { name: 'redis', proc: redis, c: await RespClient.connect(redis.port) },
      { name: 'redstate', proc: redstate, c: await RespClient.connect(redstate.port) },
    );
  }, 30_000);
  afterAll(async () => {
    for (const p of peers) p.c.close();
    await Promise.all(peers.map((p) => p.proc.close()));
  });
  return peers;
}

/** Runs f on both servers at once; results in peers' order. */
export const onBoth = <T>(peers: readonly Peer[], f: (p: Peer) => Promise<T>): Promise<T[]> => Promise.all(peers.map(f));
