// COMMAND DOCS against redis-server 7.0: every served command's and subcommand's entry byte for
// byte in RESP2 and RESP3 (a container's with the subcommands redstate serves), the whole map,
// and redis-cli's `help` (built from COMMAND DOCS, as its hints are) the same for every group.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COMMAND_DOCS } from '../../src/commands/command-docs-data.js';
import { allCommands, lookupCommand } from '../../src/commands/table.js';
import { bytes, parseResp3, type Resp3 } from '../helpers/raw-session.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide();
const run = promisify(execFile);

const containers = allCommands().filter((c) => c.subcommands !== undefined).map((c) => c.name);
const plainNames = allCommands().map((c) => c.name).filter((n) => !containers.includes(n));
const subNames = allCommands().flatMap((c) => c.subcommands?.map((s) => s.name) ?? []);
/** Commands whose documentation lists subcommands (CLIENT, OBJECT...). */
const withSubcommands = plainNames.concat(containers).filter((n) => COMMAND_DOCS[n]?.subcommands !== undefined);

/** The transcripts of the same commands on both servers. */
async function both(cmds: string[][]): Promise<[string, string]> {
  return Promise.all([bytes(pair.redis.port, cmds), bytes(pair.redstate.port, cmds)]);
}

describe('COMMAND DOCS', () => {
  it('every command and subcommand, byte for byte in RESP2 and RESP3; unknown names left out', async () => {
    // An entry with subcommands lists them in Redis's dict order, which its random hash seed sets: compared below.
    const cmds = [...plainNames, ...subNames].filter((n) => !withSubcommands.includes(n)).map((n) => ['COMMAND', 'DOCS', n]);
    cmds.push(['COMMAND', 'DOCS', 'nosuch', 'get', 'GET', 'config|nosuch', 'CONFIG|GET']);
    for (const proto of ['2', '3']) {
      const [want, got] = await both([['HELLO', proto], ...cmds]);
      expect(got.replace(/id\r\n:\d+/, ''), `RESP${proto}`).toBe(want.replace(/id\r\n:\d+/, ''));
    }
  });

  it('an entry with subcommands: those redstate serves, as Redis documents them', async () => {
    const [want, got] = await both([['HELLO', '3'], ...withSubcommands.map((n) => ['COMMAND', 'DOCS', n])]);
    const mine = parseResp3(got).slice(1) as Array<Record<string, Record<string, Resp3>>>;
    const theirs = parseResp3(want).slice(1) as Array<Record<string, Record<string, Resp3>>>;
    withSubcommands.forEach((name, i) => {
      const served = lookupCommand(name)?.subcommands?.map((s) => s.name);
      const doc = { ...theirs[i]![name]! };
      const subs = doc.subcommands as Record<string, Resp3>;
      if (served !== undefined) doc.subcommands = Object.fromEntries(Object.entries(subs).filter(([n]) => served.includes(n)));
      expect(mine[i]![name], name).toEqual(doc);
    });
  });

  it('without names: a map of every served command, its count what it holds (the next reply parses after it)', async () => {
    const all = parseResp3(await bytes(pair.redstate.port, [['HELLO', '3'], ['COMMAND', 'DOCS']]));
    expect(all).toHaveLength(3);
    expect(all[2]).toBe('END');
    expect(Object.keys(all[1] as Record<string, Resp3>).sort()).toEqual(allCommands().map((c) => c.name).sort());
    const named = parseResp3(await bytes(pair.redstate.port, [['HELLO', '3'], ['COMMAND', 'DOCS', 'nosuch', ...plainNames, ...subNames]]));
    expect(named).toHaveLength(3);
    expect(named[2]).toBe('END');
    expect(Object.keys(named[1] as Record<string, Resp3>)).toEqual([...plainNames, ...subNames]);
  });

  it('redis-cli help shows the same usage, summary, since and group for every served command', async () => {
    const help = async (port: number, group: string): Promise<string[]> =>
      (await run('redis-cli', ['-p', String(port), 'help', `@${group}`], { timeout: 20_000 })).stdout.split(/\r?\n\s*\r?\n/).map((b) => b.trim()).filter((b) => b !== '');
    const groups = ['generic', 'string', 'list', 'set', 'sorted-set', 'hash', 'pubsub', 'transactions', 'connection',
      'server', 'geo', 'hyperloglog', 'stream', 'bitmap', 'scripting', 'cluster'];
    const shown: string[] = [];
    for (const group of groups) {
      const [want, got] = await Promise.all([help(pair.redis.port, group), help(pair.redstate.port, group)]);
      // redstate serves a subset of some groups: each entry it shows is Redis's entry.
      for (const entry of got) expect(want, group).toContain(entry);
      shown.push(...got);
    }
    for (const name of [...plainNames, ...subNames]) {
      const title = `\x1b[1m${name.toUpperCase().replace('|', ' ')}\x1b[0m`;
      expect(shown.some((b) => b.includes(title)), name).toBe(true);
    }
  });
});
