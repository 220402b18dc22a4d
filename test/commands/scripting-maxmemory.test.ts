// Scripts and functions out of memory, every reply compared with redis-server 7.0's: a
// script without a shebang starts and only its first denyoom write fails (redis.call raises,
// redis.pcall returns the error); one declared able to write is refused up front unless it
// says no-writes or allow-oom; eviction runs before a script as before any command. And what
// INFO counts of a script's errors (errorstats, total_error_replies, commandstats' rejected
// and failed calls), a refusal out of memory among them.
// maxmemory 1 puts both servers over the limit whatever they hold.
import { afterEach, describe, expect, it } from 'vitest';
import { RespClient } from '../helpers/resp-client.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same } = pair;

const ev = (body: string, ...rest: string[]): string[] => ['EVAL', body, ...(rest.length ? rest : ['0'])];
const overLimit = (policy = 'noeviction'): Promise<void> => same(['CONFIG', 'SET', 'maxmemory-policy', policy, 'maxmemory', '1']);

const LIB = "#!lua name=m\n" +
  "redis.register_function('w', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n" +
  "redis.register_function{function_name='r', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}\n" +
  "redis.register_function{function_name='o', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end, flags={'allow-oom'}}\n" +
  "redis.register_function{function_name='nw', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end, flags={'no-writes'}}";

afterEach(async () => {
  await same(['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction'], ['FUNCTION', 'FLUSH'], ['SCRIPT', 'FLUSH']);
});

describe('scripts under maxmemory, side by side with redis-server 7.0', () => {
  it('a script without flags starts; its first denyoom write fails, reads and non-denyoom writes work', async () => {
    await same(['SET', 'k', 'v'], ['SET', 'gone', 'x']);
    await overLimit();
    await same(
      ev("return redis.call('get', KEYS[1])", '1', 'k'),
      ev("return redis.call('set', KEYS[1], 'x')", '1', 'k'),
      ev("return redis.pcall('set', KEYS[1], 'x')", '1', 'k'),
      ev("local e = redis.pcall('set', KEYS[1], 'x') return {type(e), e.err}", '1', 'k'),
      ev("return redis.pcall('incr', KEYS[1])", '1', 'n'),
      // A write that does not grow memory runs, and the script can not be stopped halfway after it.
      ev("redis.call('del', KEYS[2]) return redis.call('set', KEYS[1], 'y')", '2', 'k', 'gone'),
      ['GET', 'k'], ['EXISTS', 'gone'],
      ['SCRIPT', 'LOAD', "return redis.call('set', KEYS[1], 'z')"],
    );
    await same(['EVALSHA', 'f1cb8f3d3a2d4fac2b2bbcc2d9a3f0d5a8b5c6d7', '0']);
    await same(['EVALSHA', '3b0a6f7c84c4c3a52e1e2d6c1b6b3dd1a0a8d5f2', '0']);
    const sha = await pair.r.call('SCRIPT', 'LOAD', "return redis.call('set', KEYS[1], 'z')");
    await same(['EVALSHA', sha as string, '1', 'k'], ['EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'k']);
  });

  it('a script with a shebang that may write is refused up front; no-writes runs; allow-oom writes', async () => {
    await same(['SET', 'k', 'v']);
    await overLimit();
    await same(
      ev("#!lua\nreturn redis.call('get', KEYS[1])", '1', 'k'),
      ev("#!lua flags=allow-stale\nreturn 1"),
      ev("#!lua\nreturn 1", 'bad-numkeys'),
      ['EVAL_RO', "#!lua\nreturn 1", '0'],
      ev("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", '1', 'k'),
      ev("#!lua flags=no-writes\nreturn redis.pcall('set', KEYS[1], 'x')", '1', 'k'),
      ev("#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'oom')", '1', 'k'),
      ['GET', 'k'],
      ['SCRIPT', 'LOAD', "#!lua\nreturn 2"],
    );
    await same(['EVALSHA', '0ec3e0dbc7b9d7ea8f9f8f1db9b0c3b5e0f0a2a1', '0']);
    const sha = await pair.r.call('SCRIPT', 'LOAD', "#!lua\nreturn 2");
    await same(['EVALSHA', sha as string, '0'], ['EVALSHA_RO', sha as string, '0']);
  });

  it('functions: without flags refused up front, no-writes runs (and can not write), allow-oom writes', async () => {
    await same(['SET', 'k', 'v'], ['FUNCTION', 'LOAD', LIB]);
    await overLimit();
    await same(
      ['FCALL', 'w', '1', 'k', 'x'], ['FCALL_RO', 'w', '1', 'k', 'x'], ['FCALL', 'r', '1', 'k'], ['FCALL_RO', 'r', '1', 'k'],
      ['FCALL', 'nw', '1', 'k', 'x'], ['FCALL', 'o', '1', 'k', 'oom'], ['GET', 'k'], ['FCALL', 'missing', '0'],
    );
  });

  it('FUNCTION LOAD and RESTORE are refused out of memory (denyoom writes); DELETE, FLUSH, LIST, DUMP and STATS run', async () => {
    const other = "#!lua name=n\nredis.register_function('f2', function() return 2 end)";
    await same(['FUNCTION', 'LOAD', LIB]);
    const dump = await pair.r.call('FUNCTION', 'DUMP');
    await overLimit();
    // Sorted: Redis lists a library's functions in its dict's order.
    await pair.sameSorted(['CONFIG', 'RESETSTAT'], ['FUNCTION', 'LOAD', other], ['FUNCTION', 'LOAD', 'REPLACE', LIB], ['FUNCTION', 'LIST'],
      ['FUNCTION', 'RESTORE', dump as string, 'REPLACE'], ['FUNCTION', 'STATS'], ['MULTI'], ['FUNCTION', 'LOAD', other], ['EXEC'],
      ['FUNCTION', 'DELETE', 'm'], ['FUNCTION', 'DUMP'], ['FUNCTION', 'LOAD', LIB], ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LIST']);
    const [want, got] = await Promise.all([errorCounts(pair.r), errorCounts(pair.s)]);
    expect(got).toEqual(want);
  });

  it('a script that EXEC runs out of memory is refused by its flags', async () => {
    // EVALSHA of a sha unknown when queued holds no denyoom command; another client loads the
    // script and lowers maxmemory before EXEC.
    const body = "#!lua\nreturn redis.call('set', KEYS[1], 'x')";
    const sha = await pair.r.call('SCRIPT', 'LOAD', body);
    await same(['SCRIPT', 'FLUSH'], ['MULTI'], ['EVALSHA', sha as string, '1', 'k'], ['EVAL', "return redis.pcall('set', KEYS[1], 'y')", '1', 'k']);
    const others = await Promise.all([RespClient.connect(pair.redis.port), RespClient.connect(pair.redstate.port)]);
    for (const o of others) {
      await o.call('SCRIPT', 'LOAD', body);
      await o.call('CONFIG', 'SET', 'maxmemory', '1');
      o.close();
    }
    await same(['EXEC'], ['EXISTS', 'k']);
  });

  it('eviction runs before a script as before a command', async () => {
    await same(['SET', 'a', '1'], ['SET', 'b', '2']);
    await overLimit('allkeys-lru');
    await same(ev("return redis.call('dbsize')"), ev("return redis.pcall('set', KEYS[1], 'x')", '1', 'c'), ['DBSIZE']);
  });
});

/** What INFO says of errors: errorstats, total_error_replies, and each command's calls, rejected and failed calls. */
async function errorCounts(c: RespClient): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of String(await c.call('INFO', 'everything')).split('\r\n')) {
    const m = /^(errorstat_\w+|total_error_replies|cmdstat_[\w|]+):(.*)$/.exec(line);
    if (m !== null) out[m[1]!] = m[2]!.replace(/usec=\d+,usec_per_call=[\d.]+,/, '');
  }
  return out;
}

describe("INFO's error counts after a script's errors, side by side with redis-server 7.0", () => {
  it('counts each error once: where redis.call was refused or failed, or where the script replied it', async () => {
    await same(['HSET', 'h', 'f', 'v'],
      ['FUNCTION', 'LOAD', "#!lua name=e\nredis.register_function('pc', function() redis.pcall('get', 'h') return redis.pcall('get', 'h') end)"]);
    const scenarios: Array<{ oom?: boolean; cmd: string[] }> = [
      // A refusal is counted where it happens, kept by pcall or not (the OOM Redis counts and redstate did not).
      { oom: true, cmd: ev("redis.pcall('set', 'k', 'v') return 1") },
      { oom: true, cmd: ev("return redis.pcall('set', 'k', 'v')") },
      { oom: true, cmd: ev("return redis.call('set', 'k', 'v')") },
      { cmd: ['EVAL_RO', "redis.pcall('set', 'a', 'b') return 1", '0'] },
      { cmd: ev("return redis.pcall('set', 'a')") },
      { cmd: ev("redis.pcall('nosuchcmd') return 1") },
      { cmd: ev("return redis.call('nosuchcmd')") },
      // A command's own error is counted by the command; the script fails without counting it again.
      { cmd: ev("redis.pcall('get', 'h') return 1") },
      { cmd: ev("return redis.call('get', 'h')") },
      { cmd: ev("return {redis.pcall('get', 'h'), redis.pcall('get', 'h')}") },
      { cmd: ev("local e = redis.pcall('get', 'h') error(e)") },
      { cmd: ev("local e = redis.pcall('get', 'h') return tostring(e.ignore_error_stats_update)") },
      { cmd: ev("redis.pcall('get', 'h') error('x')") },
      // The script's own errors are counted once.
      { cmd: ev("return {redis.error_reply('MY x')}") },
      { cmd: ev("return redis.pcall({})") },
      { cmd: ['FCALL', 'pc', '0'] },
    ];
    for (const { oom, cmd } of scenarios) {
      if (oom === true) await overLimit();
      await same(['CONFIG', 'RESETSTAT'], cmd, ['CONFIG', 'SET', 'maxmemory', '0']);
      const [want, got] = await Promise.all([errorCounts(pair.r), errorCounts(pair.s)]);
      expect(got, cmd.join(' ')).toEqual(want);
    }
    // The same rule for EXEC: its commands' errors make them failed, not EXEC.
    await same(['CONFIG', 'RESETSTAT'], ['MULTI'], ['SET', 'a', 'b'], ['GET', 'h'], ['EXEC']);
    const [want, got] = await Promise.all([errorCounts(pair.r), errorCounts(pair.s)]);
    expect(got, 'MULTI SET GET EXEC').toEqual(want);
  });
});
