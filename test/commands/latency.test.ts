// LATENCY against redis-server 7.0: with latency-monitor-threshold set, a command that sleeps
// past it is a "command" event on both servers, with the same shape in LATEST and HISTORY and
// the same DOCTOR report (its measured milliseconds aside); RESET, HELP and errors compared.
import { afterAll, describe, expect, it } from 'vitest';
import type { RespClient } from '../helpers/resp-client.js';
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

describe('LATENCY', () => {
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
