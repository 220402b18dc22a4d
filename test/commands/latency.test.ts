// LATENCY against redis-server 7.0: with latency-monitor-threshold set, a command that sleeps
// past it is a "command" event on both servers, with the same shape in LATEST and HISTORY and
// the same DOCTOR report (its measured milliseconds aside); RESET, HELP and errors compared.
import { afterAll, describe, expect, it } from 'vitest';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide();

afterAll(async () => {
  for (const c of [pair.r, pair.s]) await c?.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
});

/** Milliseconds measured by each server, written as N. */
const ms = (s: string): string => s.replace(/\d+ms/g, 'Nms').replace(/period \d+\.\d+ sec/g, 'period N sec');

async function scenario(c: RespClient): Promise<unknown> {
  await c.call('LATENCY', 'RESET');
  await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
  const disabled = await c.call('LATENCY', 'DOCTOR');
  await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '5');
  const quiet = await c.call('LATENCY', 'DOCTOR');
  await c.call('DEBUG', 'SLEEP', '0.02');
  await c.call('GET', 'fast');
  const latest = (await c.call('LATENCY', 'LATEST')) as Array<[string, number, number, number]>;
  const history = (await c.call('LATENCY', 'HISTORY', 'command')) as Array<[number, number]>;
  for (const [, time, last, max] of latest) {
    expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(60);
    expect(last).toBeGreaterThanOrEqual(20);
    expect(max).toBeGreaterThanOrEqual(last);
  }
  const doctor = ms(String(await c.call('LATENCY', 'DOCTOR')));
  await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
  const noSlowlog = ms(String(await c.call('LATENCY', 'DOCTOR')));
  await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
  return { disabled, quiet, events: latest.map((e) => e[0]), history: history.length, doctor, noSlowlog,
    reset: await c.pipeline([['LATENCY', 'RESET', 'nosuch', 'command'], ['LATENCY', 'LATEST'], ['LATENCY', 'HISTORY', 'command']]) };
}

/** LATENCY HISTOGRAM's flat RESP2 reply as command -> [calls, [[usec, cumulative]...]]. */
function histograms(reply: Reply): Map<string, { calls: number; buckets: number[][] }> {
  const flat = reply as Reply[];
  const out = new Map<string, { calls: number; buckets: number[][] }>();
  for (let i = 0; i < flat.length; i += 2) {
    const [, calls, , usec] = flat[i + 1] as [string, number, string, number[]];
    const buckets = [];
    for (let j = 0; j < usec.length; j += 2) buckets.push([usec[j]!, usec[j + 1]!]);
    out.set(flat[i] as string, { calls, buckets });
  }
  return out;
}

/** The microsecond labels Redis's hdr histogram walk gives its power-of-2 levels from 1024 ns. */
const LEVELS = Array.from({ length: 21 }, (_, j) => Math.floor((1032 * 2 ** j - 1) / 1000));

describe('LATENCY', () => {
  it('INFO latencystats lists each command with calls at latency-tracking-info-percentiles, as Redis does', async () => {
    const stats = async (c: RespClient): Promise<string[]> => {
      await c.call('CONFIG', 'RESETSTAT');
      await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '0 50 99.9 100');
      for (let i = 0; i < 3; i++) await c.call('SET', 'k', String(i));
      await c.call('OBJECT', 'ENCODING', 'k');
      const lines = String(await c.call('INFO', 'latencystats')).split('\r\n').filter((l) => l !== '');
      await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9');
      await c.call('DEL', 'k');
      for (const l of lines.slice(1)) {
        const values = [...l.matchAll(/=(\d+\.\d{3})/g)].map((m) => Number(m[1]));
        expect(values, l).toEqual([...values].sort((a, b) => a - b));
      }
      // Each server's own timings: the names and percentile labels must agree.
      return lines.map((l) => l.replace(/=\d+\.\d{3}/g, '=N')).sort();
    };
    const [want, got] = await Promise.all([stats(pair.r), stats(pair.s)]);
    expect(got).toEqual(want);
    expect(got).toContain('latency_percentiles_usec_object|encoding:p0=N,p50=N,p99.9=N,p100=N');
  });

  it('latency-tracking and latency-tracking-info-percentiles take what Redis takes, shown as Redis shows them', async () => {
    for (const v of ['101', 'x', '', '50 50', '-1', '1e1 .5 0', 'inf', 'nan', '50  99', '99.99999', '50 99 99.9']) {
      await pair.same(['CONFIG', 'SET', 'latency-tracking-info-percentiles', v], 'CONFIG GET latency-tracking-info-percentiles');
    }
    await pair.same('CONFIG SET latency-tracking maybe', 'CONFIG SET latency-tracking no', 'CONFIG GET latency-tracking', 'CONFIG SET latency-tracking yes');
  });

  it('GRAPH draws the samples as Redis does: header, rule, filled sparkline and labels', async () => {
    const graph = async (c: RespClient): Promise<string> => {
      await c.call('LATENCY', 'RESET');
      await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '5');
      await c.call('DEBUG', 'SLEEP', '0.01');
      // One sample per second is kept: the second one must fall in the next second.
      const [first] = (await c.call('TIME')) as string[];
      while (((await c.call('TIME')) as string[])[0] === first) await new Promise((r) => setTimeout(r, 20));
      await c.call('DEBUG', 'SLEEP', '0.04');
      const text = String(await c.call('LATENCY', 'GRAPH', 'command'));
      await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
      return text.replace(/\d+/g, 'N');
    };
    const [want, got] = await Promise.all([graph(pair.r), graph(pair.s)]);
    expect(got).toBe(want);
    expect(got).toContain(`${'-'.repeat(80)}\n #\n |\n |\n_|\n  \n`);
    await pair.same('LATENCY GRAPH nosuch', 'LATENCY GRAPH', 'LATENCY GRAPH a b');
  });

  it('HISTOGRAM counts every call of each command (subcommands by their full name) in power-of-2 buckets', async () => {
    const run = async (c: RespClient, port: number): Promise<Map<string, { calls: number; buckets: number[][] }>> => {
      const waiter = await RespClient.connect(port);
      await c.call('CONFIG', 'RESETSTAT');
      for (let i = 0; i < 5; i++) await c.call('SET', 'k', String(i));
      await c.call('GET', 'k');
      await c.call('CONFIG', 'GET', 'maxmemory');
      const served = waiter.call('BLPOP', 'hq', '0');
      while (!/blocked_clients:1/.test((await c.call('INFO', 'clients')) as string)) await new Promise((r) => setTimeout(r, 10));
      await c.call('LPUSH', 'hq', 'x');
      await served;
      await waiter.call('BLPOP', 'none', '0.02');
      waiter.close();
      await c.call('DEL', 'hq', 'k');
      return histograms(await c.call('LATENCY', 'HISTOGRAM', 'set', 'get', 'config', 'blpop', 'nosuch'));
    };
    const [want, got] = await Promise.all([run(pair.r, pair.redis.port), run(pair.s, pair.redstate.port)]);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    expect([...want.keys()].sort()).toEqual(['blpop', 'config|get', 'config|resetstat', 'get', 'set']);
    for (const [name, h] of got) {
      expect(h.calls, name).toBe(want.get(name)!.calls);
      const usec = h.buckets.map((b) => b[0]!);
      const counts = h.buckets.map((b) => b[1]!);
      for (const u of usec) expect(LEVELS, name).toContain(u);
      expect(counts, name).toEqual([...counts].sort((a, b) => a - b));
      expect(counts.at(-1), name).toBe(h.calls);
    }
    // BLPOP counts the served call only, as Redis does; the one that timed out is not in it.
    expect(got.get('blpop')!.calls).toBe(1);
    expect(got.get('set')!.calls).toBe(5);
    await pair.same('LATENCY HISTOGRAM nosuch', 'LATENCY HISTOGRAM nosuch other');
  });

  it('a command past the threshold is a command event: LATEST, HISTORY, DOCTOR and RESET as Redis', async () => {
    const [want, got] = await Promise.all([scenario(pair.r), scenario(pair.s)]);
    expect(got).toEqual(want);
    expect((got as { events: string[] }).events).toEqual(['command']);
  });

  it('HELP, bad subcommands and arities as Redis', async () => {
    await pair.same('LATENCY', 'LATENCY HELP', 'LATENCY foo', 'LATENCY HISTORY', 'LATENCY LATEST x', 'LATENCY DOCTOR x',
      'LATENCY HISTORY nosuch', 'CONFIG SET latency-monitor-threshold -1', 'CONFIG GET latency-monitor-threshold');
  });
});
