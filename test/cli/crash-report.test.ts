// Redis's bug report in the log when the server crashes (Redis's integration/logging.tcl):
// DEBUG SEGFAULT, a SIGABRT from outside and DEBUG PANIC, on redis-server 7.0 and on a
// redstate process side by side; each logs the report's markers and sections and ends by the
// same signal. Each process runs in its dir (Redis's chdir), where a core dump would go.
import { afterEach, describe, expect, it } from 'vitest';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';

const ARGS = ['--enable-debug-command', 'yes', '--crash-memcheck-enabled', 'no'];

const started: Proc[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.close()));
});

/** The report's parts, in the order they appear in the log. */
function reportParts(log: string, header: RegExp): string[] {
  const parts: Array<[string, RegExp]> = [
    ['start', /=== REDIS BUG REPORT START: Cut & paste starting from here ===/], ['header', header],
    ['stack', /------ STACK TRACE ------/], ['info', /------ INFO OUTPUT ------\n# Server\r?\nredis_version:7\.0\.15/],
    ['clients', /------ CLIENT LIST OUTPUT ------\n/], ['end', /=== REDIS BUG REPORT END. Make sure to include from START to END. ===/],
  ];
  const found: Array<[string, number]> = parts.map(([name, re]) => [name, log.search(re)]);
  return found.filter(([, at]) => at >= 0).sort((a, b) => a[1] - b[1]).map(([name]) => name);
}

const cases: Array<[string, (p: Proc) => Promise<void>, NodeJS.Signals, RegExp]> = [
  ['DEBUG SEGFAULT', async (p) => void (await RespClient.connect(p.port)).write('*2\r\n$5\r\nDEBUG\r\n$8\r\nSEGFAULT\r\n'),
    'SIGSEGV', / # Redis 7\.0\.15 crashed by signal: 11, si_code: 2\n/],
  ['a SIGABRT', async (p) => void p.proc.kill('SIGABRT'), 'SIGABRT', / # Redis 7\.0\.15 crashed by signal: 6, si_code: 0\n/],
  ['DEBUG PANIC', async (p) => void (await RespClient.connect(p.port)).write('*2\r\n$5\r\nDEBUG\r\n$5\r\nPANIC\r\n'),
    'SIGABRT', / # Guru Meditation: DEBUG PANIC called at Unix time \d+/],
];

describe("a crash leaves Redis's bug report in the log", () => {
  for (const [how, crash, signal, header] of cases) {
    it(`${how}: the report, then the end by ${signal}`, async () => {
      const servers = await Promise.all([startRedis(ARGS), startRedstateProcess(ARGS)]);
      started.push(...servers);
      const [redis, redstate] = await Promise.all(servers.map(async (p) => {
        await crash(p);
        await p.exited;
        return { parts: reportParts(p.output(), header), signal: p.proc.signalCode };
      }));
      expect(redis).toEqual({ parts: ['start', 'header', 'stack', 'info', 'clients', 'end'], signal });
      expect(redstate).toEqual(redis);
    });
  }
});
