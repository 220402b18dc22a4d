// RDB both ways with redis-server 7.0, judged by DEBUG DIGEST: a dataset saved by one
// server and loaded by the other digests the same on both.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { digest, writeEveryType } from '../helpers/dataset.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess, tempDir, type Proc } from '../helpers/servers.js';

const started: Proc[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.close()));
});

async function start(which: typeof startRedis, args: string[], dir?: string): Promise<RespClient> {
  const p = await which(args, dir);
  started.push(p);
  return RespClient.connect(p.port);
}

/** Builds every type in `from`, SAVEs, starts `to` on a copy of the dump: same DBSIZE and digest. */
async function expectSameAfterMove(from: typeof startRedis, to: typeof startRedis): Promise<void> {
  const src = await start(from, []);
  await writeEveryType(src);
  const want = await digest(src);
  expect(want).not.toBe('0'.repeat(40));
  expect(await src.call('SAVE')).toBe('OK');
  const dir = tempDir();
  copyFileSync(join(started[0]!.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
  const dst = await start(to, ['--dbfilename', 'dump.rdb'], dir);
  expect(await dst.call('DBSIZE')).toBe(await src.call('DBSIZE'));
  expect(await digest(dst)).toBe(want);
  src.close();
  dst.close();
}

describe('RDB interchange with redis-server 7.0', () => {
  it('redis-server loads what redstate saved, with the same digest', () => expectSameAfterMove(startRedstateProcess, startRedis));

  it('redstate loads what redis-server saved, with the same digest', () => expectSameAfterMove(startRedis, startRedstateProcess));
});
