// The dispatch path (processCommand, call) reads a dozen fields of the command it runs: all
// commands must share one hidden class in V8, or that code is deoptimized and compiled again
// each time a client sends a command it had not seen (issue 21's tail latency).
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { everyCommand } from '../../src/commands/table.js';

setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('compiled commands', () => {
  it('share one hidden class, subcommands included', () => {
    const all = everyCommand();
    expect(all.length).toBeGreaterThan(200);
    const apart = all.filter((c) => !haveSameMap(c, all[0]!)).map((c) => c.name);
    expect(apart).toEqual([]);
  });
});
