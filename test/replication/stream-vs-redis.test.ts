// What a master propagates, compared with redis-server 7.0: the same commands run on a
// redstate master and on a real redis-server master, each watched by a bare SYNC replica;
// the two command streams must be equal once absolute times are masked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespClient } from '../helpers/resp-client.js';
import { StreamReplica } from '../helpers/replica-stream.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

let redstate: InProcess;
let redis: Proc;

beforeAll(async () => {
  [redstate, redis] = await Promise.all([startRedstate({ hz: '100' }), startRedis(['--hz', '100'])]);
});
afterAll(async () => {
  await Promise.all([redstate.close(), redis.close()]);
});

/** Runs the script on a master with a SYNC replica attached; returns the stream it got. */
async function streamOf(port: number, script: Array<Array<string | number>>): Promise<string[][]> {
  const cli = await RespClient.connect(port);
  await cli.call('FLUSHALL');
  await cli.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  const replica = await StreamReplica.start(port);
  await replica.payload;
  for (const cmd of script) {
    if (cmd[0] === 'SLEEP') await new Promise((r) => setTimeout(r, Number(cmd[1])));
    else await cli.call(...cmd);
  }
  await cli.call('SET', 'end-of-script', '1');
  await replica.waitFor((cmds) => cmds.some((c) => c[1] === 'end-of-script'));
  cli.close();
  replica.close();
  return replica.commands
    .filter((c) => c[0] !== 'PING')
    .map((c) => c.map((a) => (/^1[6-9]\d{11}$/.test(a) ? '<ms>' : a)));
}

const future = String(Math.floor(Date.now() / 1000) + 100_000);

describe('the stream a master sends, against redis-server 7.0', () => {
  it('rewrites relative expiries as absolute, expired keys as DEL, and drops no-ops', async () => {
    const script: Array<Array<string | number>> = [
      ['SET', 'a', '1', 'EX', '100'],
      ['SET', 'b', '1', 'PX', '100000', 'GET'],
      ['SET', 'c', '1', 'EXAT', future],
      ['SET', 'c2', '1', 'KEEPTTL'],
      ['SETEX', 'd', '100', 'v'],
      ['PSETEX', 'e', '100000', 'v'],
      ['GETEX', 'a', 'EX', '200'],
      ['GETEX', 'a', 'PERSIST'],
      ['GETEX', 'a'],
      ['EXPIRE', 'b', '300'],
      ['EXPIRE', 'b', '400', 'NX'],
      ['PEXPIRE', 'b', '500000', 'GT'],
      ['EXPIREAT', 'b', future],
      ['PERSIST', 'b'],
      ['PERSIST', 'b'],
      ['EXPIRE', 'nosuchkey', '10'],
      ['EXPIRE', 'c', '-1'],
      ['DEL', 'nosuchkey'],
      ['SET', 'a', 'x', 'NX'],
      ['SET', 'lazy', 'v', 'PX', '1'],
      ['SLEEP', 20],
      ['GET', 'lazy'],
      ['SET', 'lazy2', 'v', 'PX', '1'],
      ['SLEEP', 20],
      ['SET', 'lazy2', 'again'],
      ['INCRBYFLOAT', 'f', '1.5'],
      ['HINCRBYFLOAT', 'h', 'x', '2.5'],
      ['SADD', 's1', 'only'],
      ['SPOP', 's1'],
      ['SADD', 's2', 'x', 'y'],
      ['SPOP', 's2', '5'],
      ['SPOP', 's2'],
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZMPOP', '1', 'z', 'MIN'],
      ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '5'],
      ['ZPOPMIN', 'z'],
      ['MULTI'], ['SET', 'm', '1'], ['INCR', 'm'], ['GET', 'm'], ['EXEC'],
      ['MULTI'], ['GET', 'm'], ['INCR', 'm'], ['EXEC'],
      ['MULTI'], ['GET', 'm'], ['EXEC'],
      ['SELECT', '2'], ['SET', 'in2', 'v'], ['SELECT', '0'],
      ['FLUSHDB'],
      ['FLUSHALL'],
      ['FLUSHDB'],
      ['FLUSHALL'],
      ['DEBUG', 'POPULATE', '10'],
      ['CONFIG', 'SET', 'save', '3600 1'], ['SET', 'k', 'v'], ['FLUSHALL'], ['CONFIG', 'SET', 'save', ''],
      ['RPUSH', 'l', 'a', 'b'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['RPOPLPUSH', 'l', 'l2'], ['RPOPLPUSH', 'l', 'l2'],
      ['SWAPDB', '0', '1'],
      // GETSET goes out as SET (replication.tcl's "GETSET replication"), SET without its GETs,
      // and SET with an expiry as SET PXAT alone.
      ['GETSET', 'gs', 'v1'], ['GETSET', 'gs', 'v2'], ['SET', 'gs', 'v3', 'GET'], ['SET', 'gs', 'v4', 'get', 'XX', 'GET'],
      ['SET', 'gs', 'v5', 'PXAT', '9999999999999', 'XX'], ['SET', 'gs', 'v6', 'KEEPTTL', 'GET'],
      // GETDEL goes out as DEL; PUBLISH and SPUBLISH go out, for a replica's subscribers; a
      // transaction's SELECT comes before its MULTI (Redis's own unit/type/string.tcl, multi.tcl).
      ['GETDEL', 'gs'], ['GETDEL', 'gs'], ['PUBLISH', 'ch', 'm'], ['SPUBLISH', 'sch', 'm'],
      ['SELECT', '3'], ['MULTI'], ['SET', 'x', '1'], ['PUBLISH', 'ch', 'm2'], ['EXEC'],
      ['MULTI'], ['PUBLISH', 'ch', 'm3'], ['EXEC'], ['SELECT', '0'],
      ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes'], ['SET', 'gd', '1'], ['GETDEL', 'gd'], ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no'],
    ];
    const [ours, theirs] = await Promise.all([streamOf(redstate.port, script), streamOf(redis.port, script)]);
    expect(ours).toEqual(theirs);
  });

  it("sends the keys SCAN and RANDOMKEY expire as lone DELs, and a transaction's or a script's in MULTI/EXEC (Redis's unit/expire.tcl)", async () => {
    const expiring = (n: number): Array<Array<string | number>> => Array.from({ length: n }, (_, i) => ['SET', `foo${i}`, 'bar', 'PX', '1']);
    const script: Array<Array<string | number>> = [
      ...expiring(2), ['SLEEP', 20], ['SCAN', '0'],
      ...expiring(2), ['SLEEP', 20], ['RANDOMKEY'],
      ...expiring(2), ['SLEEP', 20], ['MULTI'], ['SCAN', '0'], ['EXEC'],
      ...expiring(2), ['SLEEP', 20], ['EVAL', "return redis.call('scan', '0')", '0'],
      ...expiring(2), ['SLEEP', 20], ['MGET', 'foo0', 'foo1'],
    ];
    const [ours, theirs] = await Promise.all([streamOf(redstate.port, script), streamOf(redis.port, script)]);
    // Which expired key each meets first is its table's order: the DELs' keys are masked.
    const maskDels = (cmds: string[][]): string[][] => cmds.map((c) => (c[0] === 'DEL' ? ['DEL', 'foo?'] : c));
    expect(maskDels(ours)).toEqual(maskDels(theirs));
    expect(theirs.slice(0, 6).map((c) => c[0])).toEqual(['SELECT', 'SET', 'SET', 'DEL', 'DEL', 'SET']);
  });

  it('deletes with UNLINK under lazyfree, and expires keys actively as DEL', async () => {
    const script: Array<Array<string | number>> = [
      ['CONFIG', 'SET', 'lazyfree-lazy-server-del', 'yes'],
      ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes'],
      ['SET', 'a', '1'], ['EXPIRE', 'a', '-5'],
      ['SADD', 's', 'x', 'y'], ['SPOP', 's', '2'],
      ['SET', 'g', '1'], ['GETEX', 'g', 'PXAT', '1'],
      ['SET', 'lazy', 'v', 'PX', '1'], ['SLEEP', 20], ['EXISTS', 'lazy'],
      ['CONFIG', 'SET', 'lazyfree-lazy-server-del', 'no'],
      ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'no'],
      ['SET', 'active', 'v', 'PX', '1'], ['SLEEP', 20],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], ['SLEEP', 400],
    ];
    const [ours, theirs] = await Promise.all([streamOf(redstate.port, script), streamOf(redis.port, script)]);
    expect(ours).toEqual(theirs);
    expect(ours).toContainEqual(['DEL', 'active']);
  });

  it('sends expiry times at the int64 edge as an int64 a replica takes (fuzz seed 23200, --replicas)', async () => {
    const script: Array<Array<string | number>> = [
      ['MSET', 'a', '1', 'b', '1', 'c', '1'],
      ['PEXPIREAT', 'a', '9223372036854775807'],
      ['EXPIREAT', 'b', '9223372036854775'],
      ['GETEX', 'c', 'PXAT', '9223372036854775807'],
      ['SET', 'd', '1', 'PXAT', '9223372036854775807'],
    ];
    const [ours, theirs] = await Promise.all([streamOf(redstate.port, script), streamOf(redis.port, script)]);
    expect(ours).toEqual(theirs);
    expect(ours).toContainEqual(['PEXPIREAT', 'a', '9223372036854775807']);
  });
});
