// INFO stats' replication traffic (total_net_repl_input_bytes / total_net_repl_output_bytes)
// counted as Redis 7.0 counts it: what a master sent its replicas after the PSYNC reply equals
// what a redis-server 7.0 replica says it received, and the other way round; the totals
// (total_net_input_bytes / total_net_output_bytes) include that share. Diskless, delay 0:
// no newline keep-alives, which a Redis master does not count and a Redis replica does.
import { describe, expect, it } from 'vitest';
import { caughtUp, info, waitFor, writeEveryFamily, writeManyKeys } from '../helpers/replication.js';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate } from '../helpers/servers.js';

const { running, client } = closedAfterEach();

async function counters(c: RespClient): Promise<{ in: number; out: number; replIn: number; replOut: number }> {
  const s = await info(c, 'stats');
  const n = (f: string): number => Number(s.get(f));
  return { in: n('total_net_input_bytes'), out: n('total_net_output_bytes'), replIn: n('total_net_repl_input_bytes'), replOut: n('total_net_repl_output_bytes') };
}

/** The master's replication output equals the sum of its replicas' replication input. */
async function balanced(m: RespClient, replicas: RespClient[]): Promise<number> {
  let out = 0;
  await waitFor('replication bytes sent = received', async () => {
    out = (await counters(m)).replOut;
    let got = 0;
    for (const r of replicas) got += (await counters(r)).replIn;
    return out === got;
  });
  return out;
}

const FAST = { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': '0' };

describe('replication traffic in INFO stats, against redis-server 7.0', () => {
  it('a redstate master counts what its redis replicas count receiving, full sync and partial resync', async () => {
    const ms = await startRedstate(FAST);
    running.push(ms);
    const m = await client(ms.port);
    await writeManyKeys(m, 1000);
    const rs = await startRedis(['--replicaof', '127.0.0.1', String(ms.port)]);
    running.push(rs);
    const r = await client(rs.port);
    await caughtUp(m, r);
    const afterSync = await balanced(m, [r]);
    expect(afterSync).toBeGreaterThan(10_000);
    const before = await counters(m);
    await m.call('SET', 'big', 'b'.repeat(1_000_000));
    await writeEveryFamily(m, 0);
    await caughtUp(m, r);
    const after = await counters(m);
    // The stream is replication output; the client replies are not.
    expect(after.replOut - before.replOut).toBeGreaterThan(1_000_000);
    expect(after.out - after.replOut - (before.out - before.replOut)).toBeLessThan(1_000_000);
    expect(after.out).toBeGreaterThan(after.replOut);
    expect(after.replIn).toBe(0);
    // +CONTINUE counts nowhere, the backlog sent after it does.
    expect(await m.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await writeEveryFamily(m, 1);
    await waitFor('a partial resync', async () => (await info(m, 'stats')).get('sync_partial_ok') === '1');
    await caughtUp(m, r);
    expect(await balanced(m, [r])).toBeGreaterThan(after.replOut);
    // CONFIG RESETSTAT starts the replication counters again, as redis-server's does.
    expect(await m.call('CONFIG', 'RESETSTAT')).toBe('OK');
    const reset = await info(m, 'stats');
    expect(['sync_full', 'sync_partial_ok', 'sync_partial_err'].map((f) => reset.get(f))).toEqual(['0', '0', '0']);
    // (A PING may have gone out since.)
    expect(Number(reset.get('total_net_repl_output_bytes'))).toBeLessThan(100);
  });

  it('a redstate replica counts what a redis master counts sending, full sync and partial resync', async () => {
    const ms = await startRedis(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
    running.push(ms);
    const m = await client(ms.port);
    await writeManyKeys(m, 1000);
    const rs = await startRedstate({ replicaof: ['127.0.0.1', String(ms.port)] });
    running.push(rs);
    const r = await client(rs.port);
    await caughtUp(m, r);
    await balanced(m, [r]);
    const before = await counters(r);
    await m.call('SET', 'big', 'b'.repeat(1_000_000));
    await writeEveryFamily(m, 0);
    await caughtUp(m, r);
    const after = await counters(r);
    expect(after.replIn - before.replIn).toBeGreaterThan(1_000_000);
    // The stream is not counted again as client input.
    expect(after.in - after.replIn - (before.in - before.replIn)).toBeLessThan(1_000_000);
    expect(after.replOut).toBe(0);
    expect(await r.call('CLIENT', 'KILL', 'TYPE', 'master')).toBe(1);
    await writeEveryFamily(m, 1);
    await waitFor('a partial resync', async () => (await info(m, 'stats')).get('sync_partial_ok') === '1');
    await caughtUp(m, r);
    expect(await balanced(m, [r])).toBeGreaterThan(after.replIn);
  });
});
