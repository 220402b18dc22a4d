// oom-score-adj and oom-score-adj-values against redis-server 7.0, both as processes: the same
// steps give each server's /proc/<pid>/oom_score_adj the same values (relative to the score the
// process had, or absolute; the replica's value while a replica; the old score back at no), and
// the same replies to bad values.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { RespClient, RespError, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';

const running: Proc[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.close()));
});

const score = (p: Proc): number => Number(readFileSync(`/proc/${p.proc.pid}/oom_score_adj`, 'latin1'));

/**
 * The replies and the process's score after each step, above the score it started with (s0):
 * the scores written from outside are s0 + 100 and s0 + 22, as an unprivileged process may
 * raise its score but not take it below where it began.
 */
async function steps(p: Proc): Promise<unknown[]> {
  const c = await RespClient.connect(p.port);
  const out: unknown[] = [];
  const s0 = score(p);
  const run = async (...cmd: Array<string | number>): Promise<void> => {
    const r: Reply = await c.call(...cmd);
    out.push(r instanceof RespError ? r.message : r, score(p) - s0);
  };
  writeFileSync(`/proc/${p.proc.pid}/oom_score_adj`, `${s0 + 100}\n`);
  await run('CONFIG', 'SET', 'oom-score-adj-values', '10 20 30');
  await run('CONFIG', 'SET', 'oom-score-adj', 'yes');
  await run('CONFIG', 'SET', 'oom-score-adj-values', '15 20 30');
  await run('REPLICAOF', '127.0.0.1', '1');
  await run('REPLICAOF', 'NO', 'ONE');
  await run('CONFIG', 'SET', 'oom-score-adj', 'absolute');
  await run('CONFIG', 'GET', 'oom-score-adj');
  await run('CONFIG', 'SET', 'oom-score-adj', 'relative');
  await run('CONFIG', 'GET', 'oom-score-adj');
  await run('CONFIG', 'SET', 'oom-score-adj-values', '2000 2000 2000');
  await run('CONFIG', 'SET', 'oom-score-adj', 'no');
  // Changed from outside while off: the next yes is relative to that.
  writeFileSync(`/proc/${p.proc.pid}/oom_score_adj`, `${s0 + 22}\n`);
  await run('CONFIG', 'SET', 'oom-score-adj-values', '9 9 9', 'oom-score-adj', 'yes');
  await run('CONFIG', 'SET', 'oom-score-adj', 'no');
  for (const bad of ['-2001 -2001 -2001', '2001 0 0', '1 2', '1 2 x', '']) await run('CONFIG', 'SET', 'oom-score-adj-values', bad);
  await run('CONFIG', 'SET', 'oom-score-adj', 'maybe');
  await run('CONFIG', 'GET', 'oom-score-adj-values');
  c.close();
  return out;
}

describe('oom-score-adj', () => {
  it('sets the process\'s OOM score for its role as redis-server does', async () => {
    const [redis, redstate] = await Promise.all([startRedis(), startRedstateProcess()]);
    running.push(redis, redstate);
    const [want, got] = await Promise.all([steps(redis), steps(redstate)]);
    expect(got).toEqual(want);
    expect(want.slice(0, 10)).toEqual(['OK', 100, 'OK', 110, 'OK', 115, 'OK', 120, 'OK', 115]);
  });
});
