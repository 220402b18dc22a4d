// The differential fuzzer's fixed-seed run in the suite: 50,000 random commands sent to
// redstate (its own process) and redis-server 7.0 side by side, with no unexplained mismatch,
// hang or crash, and 20,000 more after HELLO 3 with RESP3's reply types compared too; 50,000
// with a replica of the other kind under each server (a redis-server replica of redstate, a
// redstate replica of redis-server) holding its master's digest at every check; and every
// command redstate serves is either generated or excluded with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCommands } from '../../src/commands/table.js';
import { EXCLUDED, FAMILIES } from './commands.js';
import { commandOf, describe as describeReport, Fuzzer } from './runner.js';

describe('differential fuzzer', () => {
  const fuzzer = new Fuzzer();
  beforeAll(() => fuzzer.start());
  afterAll(() => fuzzer.stop());

  it('covers every served command or says why not', () => {
    const generated = new Set(FAMILIES.flatMap((f) => Object.keys(f).map(commandOf)));
    const missing = allCommands().map((c) => c.name).filter((n) => !generated.has(n) && !(n in EXCLUDED));
    expect(missing).toEqual([]);
  });

  it('50,000 commands of seed 1 get the same replies from redstate and redis-server', async () => {
    const result = await fuzzer.run({ seed: 1, commands: 50_000, batchDeadlineMs: 20_000 });
    expect(result.reports.map((r) => describeReport(r))).toEqual([]);
    expect(result.commands).toBeGreaterThanOrEqual(50_000);
  }, 180_000);

  it('20,000 commands of seed 1 in RESP3 get the same replies, of the same RESP3 types', async () => {
    const result = await fuzzer.run({ seed: 1, commands: 20_000, batchDeadlineMs: 20_000, resp3: true });
    expect(result.reports.map((r) => describeReport(r))).toEqual([]);
    expect(result.commands).toBeGreaterThanOrEqual(20_000);
  }, 120_000);
});

describe('differential fuzzer with replicas', () => {
  const fuzzer = new Fuzzer({ replicas: true });
  beforeAll(() => fuzzer.start());
  afterAll(() => fuzzer.stop());

  it('50,000 commands of seed 2: same replies, and each replica holds its master\'s dataset at every DEBUG DIGEST', async () => {
    const result = await fuzzer.run({ seed: 2, commands: 50_000, batchDeadlineMs: 20_000 });
    expect(result.reports.map((r) => describeReport(r))).toEqual([]);
    expect(result.commands).toBeGreaterThanOrEqual(50_000);
  }, 120_000);
});
