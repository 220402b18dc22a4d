// A replica's rdb-filter-only (REPLCONF), as redis-cli --functions-rdb and --rdb ask for it, on
// redstate and redis-server 7.0 side by side: the payload holds the function libraries alone,
// or everything; a filter without the EOF capability is refused; both disk and diskless
// masters send a filtered payload to the replica's socket, never into the dump file.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRdbFile } from '../../src/io/rdb-decoder.js';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstate, tempDir, type InProcess, type Proc } from '../helpers/servers.js';

const LIB = "#!lua name=lib1\nredis.register_function('func1', function() return 123 end)";

let redstate: InProcess;
let redis: Proc;
const dirs = [tempDir(), tempDir()];

beforeAll(async () => {
  [redis, redstate] = await Promise.all([startRedis([], dirs[0]), startRedstate({ dir: dirs[1]! })]);
});
afterAll(async () => {
  await Promise.all([redstate.close(), redis.close()]);
});

/** An RDB file's keys per non-empty db and its libraries. */
function dumped(file: string): unknown {
  const rdb = decodeRdbFile(file);
  return { keys: rdb.dbs.flatMap((d, id) => (d.dict.size > 0 ? [[id, d.dict.size]] : [])), functions: rdb.functions };
}

/** What redis-cli with flag wrote to file. */
async function cliRdb(port: number, flag: '--rdb' | '--functions-rdb', file: string): Promise<unknown> {
  const { stderr } = await promisify(execFile)('redis-cli', ['-p', String(port), flag, file]);
  expect(stderr).toContain('Transfer finished with success');
  return dumped(file);
}

describe('rdb-filter-only', () => {
  it('gives redis-cli --functions-rdb the libraries alone, and --rdb everything, from disk and diskless masters', async () => {
    const got: unknown[][] = [[], []];
    for (const [i, port] of [redis.port, redstate.port].entries()) {
      const c = await RespClient.connect(port);
      expect(await c.call('DEBUG', 'POPULATE', 1000)).toBe('OK');
      expect(await c.call('SELECT', 3)).toBe('OK');
      expect(await c.call('SET', 'k', 'v')).toBe('OK');
      expect(await c.call('FUNCTION', 'LOAD', 'REPLACE', LIB)).toBe('lib1');
      for (const diskless of ['no', 'yes']) {
        expect(await c.call('CONFIG', 'SET', 'repl-diskless-sync', diskless, 'repl-diskless-sync-delay', '0')).toBe('OK');
        for (const flag of ['--rdb', '--functions-rdb'] as const) got[i]!.push(await cliRdb(port, flag, join(dirs[i]!, 'cli.rdb')));
        // The disk master's dump file is the whole payload's: the filtered one went to the socket.
        if (diskless === 'no') got[i]!.push(dumped(join(dirs[i]!, 'dump.rdb')));
      }
      c.close();
    }
    const all = { keys: [[0, 1000], [3, 1]], functions: [LIB] };
    const libraries = { keys: [], functions: [LIB] };
    expect(got[0]).toEqual([all, libraries, all, all, libraries]);
    expect(got[1]).toEqual(got[0]);
  });

  it('answers the filters and a filtered SYNC without EOF as redis-server does', async () => {
    const replies = async (port: number): Promise<Reply[]> => {
      const out: Reply[] = [];
      for (const script of [
        [['REPLCONF', 'rdb-filter-only', 'functions keys']], [['REPLCONF', 'rdb-filter-only', '"functions']],
        [['REPLCONF', 'rdb-filter-only', 'FUNCTIONS'], ['SYNC']], [['REPLCONF', 'rdb-filter-only', ''], ['PSYNC', '?', '-1']],
      ]) {
        const c = await RespClient.connect(port);
        for (const cmd of script) out.push(await c.call(...cmd));
        c.close();
      }
      return out;
    };
    const [want, ours] = await Promise.all([replies(redis.port), replies(redstate.port)]);
    expect(ours).toEqual(want);
    expect(want.map((r) => (r as Error).message)).toContain('ERR Filtered replica requires EOF capability');
  });
});
