import { describe, expect, it } from 'vitest';
import { CommandStats } from '../../src/commands/command.js';

describe('CommandStats', () => {
  it('times one call in sixteen and scales the mean to every call', () => {
    const s = new CommandStats();
    let timed = 0;
    for (let i = 0; i < 40; i++) {
      const started = s.start();
      if (started >= 0) timed++;
      s.finish(started);
    }
    expect(s.calls).toBe(40);
    expect(timed).toBe(3);
    expect(s.usec).toBeGreaterThanOrEqual(0);
    s.reset();
    expect([s.calls, s.usec, s.failed, s.rejected]).toEqual([0, 0, 0, 0]);
  });

  it('counts a first call fully', () => {
    const s = new CommandStats();
    const started = s.start();
    const until = performance.now() + 2;
    while (performance.now() < until);
    s.finish(started);
    expect(s.usec).toBeGreaterThanOrEqual(2000);
  });
});
