// COMMAND and its subcommands side by side with redis-server 7.0.
import { describe, expect, it } from 'vitest';
import type { Reply } from '../helpers/resp-client.js';
import { bytes } from '../helpers/raw-session.js';
import { allCommands } from '../../src/commands/table.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide();
const { same } = pair;

interface Entry {
  name: string;
  arity: number;
  flags: string[];
  keys: number[];
  acl: string[];
  subs: Map<string, Entry>;
}

/** A COMMAND INFO entry without its tips and key specs (compared byte for byte below). */
function entry(x: Reply): Entry {
  const e = x as Reply[];
  return {
    name: e[0] as string,
    arity: e[1] as number,
    flags: e[2] as string[],
    keys: [e[3] as number, e[4] as number, e[5] as number],
    acl: e[6] as string[],
    subs: new Map((e[9] as Reply[]).map((s) => [String((s as Reply[])[0]), entry(s)])),
  };
}

describe('COMMAND', () => {
  it('describes the server commands as Redis does, subcommands included', async () => {
    // Every command both servers have, containers with their subcommands, and some that are not commands.
    const ours = (await pair.s.call('COMMAND', 'LIST')) as string[];
    const theirs = new Set((await pair.r.call('COMMAND', 'LIST')) as string[]);
    const names = [...ours.filter((n) => theirs.has(n)), 'CONFIG|GET', 'bogus', 'config|bogus', 'object|bogus'];
    expect(names).toEqual(expect.arrayContaining(['object', 'object|encoding', 'latency|histogram', 'latency|graph']));
    const [want, got] = await Promise.all([pair.r.call('COMMAND', 'INFO', ...names), pair.s.call('COMMAND', 'INFO', ...names)]);
    const w = want as Reply[];
    const g = got as Reply[];
    expect(g).toHaveLength(names.length);
    for (let i = 0; i < names.length; i++) {
      if (w[i] === null) {
        expect(g[i], names[i]).toBeNull();
        continue;
      }
      const mine = entry(g[i]!);
      const theirs = entry(w[i]!);
      expect({ ...mine, subs: undefined }, names[i]).toEqual({ ...theirs, subs: undefined });
      expect(mine.subs.size > 0).toBe(theirs.subs.size > 0);
      for (const [name, sub] of mine.subs) expect(sub, name).toEqual(theirs.subs.get(name));
    }
  });

  it('INFO of every served command and subcommand byte for byte in RESP2 and RESP3: tips and key specs too', async () => {
    // A container's entry lists its subcommands in Redis's dict order (its random hash seed): each is compared by its full name.
    const all = allCommands().filter((cmd) => cmd.subcommands === undefined).map((cmd) => cmd.name);
    const subs = allCommands().flatMap((cmd) => cmd.subcommands?.map((sub) => sub.name) ?? []);
    const cmds = [...all, ...subs].map((n) => ['COMMAND', 'INFO', n]);
    for (const proto of ['2', '3']) {
      const [want, got] = await Promise.all([bytes(pair.redis.port, [['HELLO', proto], ...cmds]), bytes(pair.redstate.port, [['HELLO', proto], ...cmds])]);
      expect(got.replace(/id\r\n:\d+/, ''), `RESP${proto}`).toBe(want.replace(/id\r\n:\d+/, ''));
      expect(got).toContain('request_policy:all_shards');
    }
  });

  it('lists every command once, COUNT matching', async () => {
    const all = (await pair.s.call('COMMAND')) as Reply[];
    expect(await pair.s.call('COMMAND', 'COUNT')).toBe(all.length);
    const names = all.map((e) => (e as Reply[])[0]);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['config', 'client', 'command', 'info', 'debug', 'ping']));
    for (const e of all) expect(e as Reply[]).toHaveLength(10);
    expect(((await pair.s.call('COMMAND', 'INFO')) as Reply[]).length).toBe(all.length);
  });

  it('LIST, GETKEYS, DOCS and the errors match Redis', async () => {
    await same(
      ['COMMAND', 'bogus'], ['COMMAND', 'COUNT', 'x'], ['COMMAND', 'LIST', 'x'], ['COMMAND', 'LIST', 'FILTERBY'],
      ['COMMAND', 'LIST', 'FILTERBY', 'bogus', 'x'], ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'x', 'y'],
      ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'], ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'bogus'],
      ['COMMAND', 'GETKEYS'], ['COMMAND', 'GETKEYS', 'get'], ['COMMAND', 'GETKEYS', 'bogus', 'a'],
      ['COMMAND', 'GETKEYS', 'dbsize', 'x'], ['COMMAND', 'GETKEYS', 'ping', 'x'], ['COMMAND', 'GETKEYS', 'config', 'get', 'x'],
      ['COMMAND', 'GETKEYS', 'config', 'bogus', 'x'], ['COMMAND', 'GETKEYS', 'get', 'a'], ['COMMAND', 'GETKEYS', 'set', 'a'],
      ['COMMAND', 'GETKEYS', 'set', 'a', 'b', 'ex'], ['COMMAND', 'GETKEYS', 'mset', 'a', 'b', 'c', 'd'],
      ['COMMAND', 'GETKEYS', 'del', 'a', 'b', 'c'], ['COMMAND', 'DOCS', 'bogus'],
    );
  });

  it('GETKEYS and GETKEYSANDFLAGS find movable keys (numkeys, STREAMS, STORE) as Redis does, byte for byte', async () => {
    const lines = [
      'zunionstore d 2 a b weights 1 2', 'zunionstore d 0 a', 'zunionstore d 2 a', 'zunionstore d x a b', 'zinterstore d 1 a',
      'zdiffstore d 1 a', 'zunion 2 a b c', 'zunion 3 a b', 'zinter 1 a', 'zdiff 2 a b', 'zintercard 2 a b limit 1',
      'sintercard 2 a b', 'sintercard 0 a', 'sintercard -1 a', 'lmpop 2 a b left', 'lmpop 3 a b left', 'zmpop 1 a min count 2',
      'blmpop 0 2 a b left', 'bzmpop 0 1 a min', 'blmpop 0 0 a',
      'xread streams a b 0 0', 'xread count 2 streams a b 0 0', 'xread streams a b 0', 'xread count 2 streams a',
      'xread count 2 block 0 a b', 'xreadgroup group g c streams a 0', 'xreadgroup group streams c streams a 0',
      'xreadgroup group g c count 1 streams a b 0 0',
      'sort a', 'sort a store d', 'sort a by x get y store d', 'sort a store', 'sort a get store store d',
      'sort a store d store e', 'sort a limit store store 1 store d', 'sort_ro a store d',
      'georadius a 0 0 1 km', 'georadius a 0 0 1 km store d', 'georadius a 0 0 1 km storedist e store d',
      'georadius a 0 0 1 km store', 'georadiusbymember a m 1 km store d storedist e', 'georadiusbymember a m 1 store d',
      'eval s 2 a b c', 'eval s 0', 'eval s 3 a b', 'eval s x', 'eval s -1', 'evalsha s 1 a', 'eval_ro s 1 a',
      'evalsha_ro s 1 a', 'fcall f 2 a b', 'fcall_ro f 1 a', 'fcall f 0',
      'get a', 'set a b', 'mset a b c', 'lmove a b left right', 'blpop a b 0', 'pfcount a b', 'xread',
      'object encoding k', 'object freq k', 'object help', 'object bogus k', 'object encoding', 'object encoding a b', 'object',
      'latency histogram set', 'config get x',
    ];
    const cmds = lines.map((l) => ['COMMAND', 'GETKEYS', ...l.split(' ')]);
    const [want, got] = await Promise.all([bytes(pair.redis.port, cmds), bytes(pair.redstate.port, cmds)]);
    expect(got).toBe(want);
    expect(got).toContain('$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n');
    // The flags: the key specs', or for SET, BITFIELD, SORT and GEORADIUS* the getkeys procs'.
    const more = ['set a b get', 'set a b nx', 'set a b', 'bitfield a get u8 0', 'bitfield a get u8 0 set u8 0 1', 'bitfield a overflow wrap get u8 0',
      'bitfield a get u8', 'bitfield_ro a get u8 0', 'lmove a b left right', 'smove a b m', 'copy a b', 'rename a b', 'getdel a', 'getex a'];
    for (const proto of ['2', '3']) {
      const flagged = [['HELLO', proto], ...[...lines, ...more].map((l) => ['COMMAND', 'GETKEYSANDFLAGS', ...l.split(' ')])];
      const [w, g] = await Promise.all([bytes(pair.redis.port, flagged), bytes(pair.redstate.port, flagged)]);
      expect(g.replace(/id\r\n:\d+/, ''), `RESP${proto}`).toBe(w.replace(/id\r\n:\d+/, ''));
      expect(g).toContain('OW');
    }
  });

  it('GETKEYSANDFLAGS agrees with Redis on every served command and subcommand, at its arity and past it', async () => {
    const args = ['a', 'b', 'c', '2', 'e', 'f', 'g', 'h'];
    const lines: string[][] = [];
    for (const cmd of allCommands().flatMap((c) => c.subcommands ?? [c])) {
      const name = cmd.name.split('|');
      for (const n of [Math.abs(cmd.arity), Math.abs(cmd.arity) + 1, Math.abs(cmd.arity) + 3]) {
        lines.push(['COMMAND', 'GETKEYSANDFLAGS', ...name, ...args.slice(0, Math.max(0, n - name.length))]);
      }
    }
    const differ: string[] = [];
    for (const line of lines) {
      const [want, got] = await Promise.all([pair.r.call(...line), pair.s.call(...line)]);
      if (JSON.stringify(got) !== JSON.stringify(want)) differ.push(`${line.slice(2).join(' ')}: ${JSON.stringify(got)}, redis ${JSON.stringify(want)}`);
    }
    expect(differ).toEqual([]);
    expect(lines.length).toBeGreaterThan(500);
  });

  it('LIST FILTERBY PATTERN and ACLCAT find commands and subcommands', async () => {
    for (const filter of [['PATTERN', 'conf*'], ['PATTERN', 'CLIENT|*'], ['PATTERN', '*|help'], ['PATTERN', 'object*'], ['PATTERN', 'latency|*']]) {
      const [want, got] = await Promise.all([
        pair.r.call('COMMAND', 'LIST', 'FILTERBY', ...filter), pair.s.call('COMMAND', 'LIST', 'FILTERBY', ...filter)]);
      const ours = (got as string[]).sort();
      expect(ours.length, filter.join(' ')).toBeGreaterThan(0);
      expect(want as string[], filter.join(' ')).toEqual(expect.arrayContaining(ours));
    }
    const admin = (await pair.s.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'admin')) as string[];
    expect(admin).toEqual(expect.arrayContaining(['config|get', 'client|kill', 'debug', 'shutdown']));
    expect(admin).not.toContain('client|id');
  });

  it('COMMAND HELP is Redis text without the subcommands redstate lacks', async () => {
    const [want, got] = await Promise.all([pair.r.call('COMMAND', 'HELP'), pair.s.call('COMMAND', 'HELP')]);
    expect(want as string[]).toEqual(expect.arrayContaining(got as string[]));
    expect((got as string[])[0]).toBe('COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  });
});
