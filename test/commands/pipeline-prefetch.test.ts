// Pipelines on a keyspace large enough for a read's keys to be prefetched before its commands
// run (Db.prefetchRead: tables of 65536 slots and up), beside redis-server 7.0: the same
// replies, the same dataset after, and a replica of the redstate master, which prefetches its
// master's stream the same way, holding it too.
import { afterAll, describe, expect, it } from 'vitest';
import { RespClient } from '../helpers/resp-client.js';
import { info, until } from '../helpers/replication.js';
import { startRedstate, type InProcess } from '../helpers/servers.js';
import { prng } from '../persistence/dataset.js';
import { plain, sideBySide, type Arg } from './side-by-side.js';

const pair = sideBySide();
const KEYS = 70_000;
let replica: InProcess | undefined;
let rc: RespClient | undefined;

afterAll(async () => {
  rc?.close();
  await replica?.close();
});

describe('pipelines over a keyspace whose reads are prefetched', () => {
  it('get the same replies as redis-server and leave the same dataset, on the redstate replica too', async () => {
    await Promise.all([pair.r.call('DEBUG', 'POPULATE', KEYS, 'key', 20), pair.s.call('DEBUG', 'POPULATE', KEYS, 'key', 20)]);
    replica = await startRedstate({ 'enable-debug-command': 'yes' });
    rc = await RespClient.connect(replica.port);
    await rc.call('REPLICAOF', '127.0.0.1', String(pair.redstate.port));
    await until(async () => (await info(rc!)).get('master_link_status') === 'up', 30_000, () => 'the replica in sync');

    const random = prng(36);
    const pick = (n: number): number => Math.floor(random() * n);
    const key = (): string => `key:${pick(KEYS + 10_000)}`;
    const command = (): Arg[] => {
      const k = key();
      switch (pick(11)) {
        case 0: return ['SET', k, `v${pick(1000)}`];
        case 1: return ['GET', k];
        case 2: return ['DEL', k];
        case 3: return ['INCR', `n:${pick(KEYS)}`];
        case 4: return ['EXISTS', k, key()];
        case 5: return ['RENAME', k, key()];
        case 6: return ['APPEND', k, 'x'];
        case 7: return ['MGET', k, key(), key()];
        case 8: return ['GETDEL', k];
        case 9: return ['SETNX', k, 'nx'];
        default: return ['SELECT', pick(4) === 0 ? 1 : 0];
      }
    };
    for (const size of [2, 16, 100, 1000, 16, 3000, 2, 1000]) {
      const cmds = Array.from({ length: size }, command);
      const [want, got] = await Promise.all([pair.r.pipeline(cmds), pair.s.pipeline(cmds)]);
      expect(got.map(plain)).toEqual(want.map(plain));
    }

    const digest = await pair.r.call('DEBUG', 'DIGEST');
    expect(await pair.s.call('DEBUG', 'DIGEST')).toBe(digest);
    const masterOffset = async (): Promise<string | undefined> => (await info(pair.s)).get('master_repl_offset');
    await until(async () => (await info(rc!)).get('slave_repl_offset') === (await masterOffset()), 30_000, () => 'the replica caught up');
    expect(await rc.call('DEBUG', 'DIGEST')).toBe(digest);
  });
});
