// FUNCTION and FCALL: every reply of redstate compared with redis-server 7.0's (libraries,
// register_function's forms and errors, flags, FCALL_RO, LIST/STATS/DELETE/FLUSH), FUNCTION
// DUMP payloads restored across the two servers both ways, corrupt payloads, and function
// libraries crossing in RDB files both ways.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Crc64 } from '../../src/io/crc64.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess } from '../helpers/servers.js';
import { plain, sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same, sameSorted } = pair;

const LIB_X = "#!lua name=x\nredis.register_function('f', function(keys, args) return {keys, args} end)";
const LIB_Y = "#!lua name=y\nredis.register_function{function_name='h', callback=function(keys) return redis.call('get', keys[1]) end, " +
  "flags={'no-writes'}, description='reads'}\nredis.register_function('w', function(keys, args) return redis.call('set', keys[1], args[1]) end)";

/** FUNCTION FLUSH on both before a test (FLUSHALL keeps libraries). */
const flushFunctions = (): Promise<void> => same(['FUNCTION', 'FLUSH']);

describe('FUNCTION LOAD and FCALL', () => {
  it('loads libraries, calls their functions, and refuses what Redis refuses', async () => {
    await flushFunctions();
    await same(['FUNCTION', 'LOAD', LIB_X], ['FCALL', 'f', '2', 'a', 'b', 'c'], ['FCALL', 'f', '0'],
      ['FUNCTION', 'LOAD', LIB_X], ['FUNCTION', 'LOAD', 'REPLACE', LIB_X], ['FUNCTION', 'LOAD', LIB_Y],
      ['FCALL', 'w', '1', 'k', 'v'], ['FCALL', 'h', '1', 'k'], ['FCALL_RO', 'h', '1', 'k'], ['FCALL_RO', 'w', '1', 'k', 'v'],
      ['FCALL', 'nosuch', '0'], ['FCALL', 'f', '-1'], ['FCALL', 'f', '3', 'a'], ['FCALL', 'f', 'x'],
      ['FUNCTION', 'LOAD', 'return 1'], ['FUNCTION', 'LOAD', '#!lua'], ['FUNCTION', 'LOAD', '#!lua name=z'],
      ['FUNCTION', 'LOAD', '#!lua name=z\nreturn 1'], ['FUNCTION', 'LOAD', '#!py name=z\nx'],
      ['FUNCTION', 'LOAD', '#!lua name=z foo=bar\nx'], ['FUNCTION', 'LOAD', '#!lua name=a-b\nx'],
      ['FUNCTION', 'LOAD', '#!lua name=z name=q\nx'], ['FUNCTION', 'LOAD', '#!lua foo\nx'],
      ['FUNCTION', 'LOAD', "#!lua name=z\nredis.register_function('f', function() return 1 end)"],
      ['FUNCTION', 'LOAD', "#!lua name=z\nredis.register_function('g', function() end) redis.register_function('g', function() end)"],
      ['FUNCTION', 'LOAD', "#!lua name=z\nredis.call('set','x',1)"], ['FUNCTION', 'LOAD', '#!lua name=z\nreturn 1 +'],
      ['FUNCTION', 'LOAD', "#!lua name=z\nerror('boom')"], ['FUNCTION', 'LOAD', '#!lua name=z\nlocal x = KEYS'],
      ['FUNCTION', 'LOAD', "#!lua name=z\nredis.register_function{function_name='q', callback=function() end, flags={'bogus'}}"],
      ['FUNCTION', 'LOAD', "#!lua name=z\nredis.register_function{function_name='q', callback=function() end, other=1}"],
      ['FUNCTION', 'LOAD', "#!lua name=z\nredis.register_function{function_name='q'}"],
      ['FUNCTION', 'LOAD', "#!lua name=z\nredis.register_function('q')"], ['FUNCTION', 'LOAD', "#!lua name=z\nredis.register_function('a-b', function() end)"],
      ['FUNCTION', 'LOAD', "#!lua name=z\nredis.register_function('q', 'notafunction')"],
      ['FUNCTION', 'LOAD', "#!lua name=z\nredis.register_function(1)"], ['FUNCTION', 'LOAD', 'BOGUS', LIB_X],
      ['FUNCTION', 'LOAD', "#!lua name=e\nredis.register_function('e', function() error('inner') end)"], ['FCALL', 'e', '0'],
      ['FUNCTION', 'LOAD', "#!lua name=k\nredis.register_function('k', function() return KEYS end)"], ['FCALL', 'k', '0'],
      ['FUNCTION', 'LOAD', "#!lua name=v\nlocal function helper(n) return n * 2 end\nredis.register_function('v', function(keys, args) return helper(#args) end)"],
      ['FCALL', 'v', '0', 'a', 'b'],
      ['FUNCTION', 'LOAD', "#!lua name=L\nredis.log(redis.LOG_NOTICE, 'loading') redis.register_function('l', function() return redis.REDIS_VERSION end)"],
      ['FCALL', 'l', '0']);
  });

  it("reads the #! line as sdssplitargs splits it, and refuses Redis's malformed ones word for word (Redis's unit/functions.tcl)", async () => {
    await flushFunctions();
    const f = "\nredis.register_function('f', function() return 1 end)";
    await same(['FUNCTION', 'LOAD', `#! name=test${f}`], ['FUNCTION', 'LOAD', `#!LUA NAME=up${f}`], ['FUNCTION', 'LOAD', `#!lua "name=quoted"${f}`],
      ['FUNCTION', 'LOAD', `#!lua "name=x${f}`], ['FUNCTION', 'LOAD', `#!${f}`], ['FUNCTION', 'LOAD', `#!lua  name=two  ${f}`],
      ['FUNCTION', 'LOAD', `#!lua	name=tab${f}`], ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
      ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'foo', 'LIBRARYNAME', 'foo'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'WITHCODE', 'bogus']);
  });

  it("stops a library whose load outlives 500 ms, and a function calling a kept register_function at run time (Redis's unit/functions.tcl)", async () => {
    await flushFunctions();
    await same(['FUNCTION', 'LOAD', '#!lua name=lib\nlocal a = 1\nwhile 1 do a = a + 1 end'],
      ['FUNCTION', 'LOAD', "#!lua name=lib1\nlocal lib = redis\nlib.register_function('f1', function() lib.math = math return {ok='OK'} end)\n" +
        "lib.register_function('f2', function() lib.register_function('f1', function() return 1 end) end)"],
      ['FCALL', 'f1', '0'], ['FCALL', 'f2', '0'], ['FUNCTION', 'LOAD', '#!lua name=lib2\nredis.math.random()'],
      ['FUNCTION', 'LOAD', "#!lua name=lib2\nredis.redis.call('ping')"], ['FUNCTION', 'LOAD', '#!lua name=lib3\na = 1']);
  });

  it("finds a function whatever its name's case; another library's function of another case clashes (Redis's unit/functions.tcl)", async () => {
    await flushFunctions();
    await same(['FUNCTION', 'LOAD', "#!lua name=test\nredis.register_function('test', function() return 'hello1' end)"],
      ['FCALL', 'TEST', '0'], ['FCALL', 'Test', '0'], ['FCALL_RO', 'TEST', '0'],
      ['FUNCTION', 'LOAD', "#!lua name=other\nredis.register_function('TeSt', function() return 'hello2' end)"],
      ['FUNCTION', 'LOAD', 'REPLACE', "#!lua name=test\nredis.register_function('TEST', function() return 'hello3' end)"],
      ['FCALL', 'test', '0'], ['FUNCTION', 'DELETE', 'TEST'], ['FUNCTION', 'DELETE', 'test'], ['FCALL', 'test', '0']);
  });

  it("answers a subcommand given too many arguments as addReplySubcommandSyntaxError does, here and in the other containers (Redis's unit/functions.tcl)", async () => {
    const long = 'x'.repeat(200);
    await same(['FUNCTION', 'RESTORE', 'a', 'b', 'c'], ['FUNCTION', 'FLUSH', 'SYNC', 'extra'], ['FUNCTION', 'FLUSH', 'bad'],
      ['function', 'flush', 'async', 'x'], ['SCRIPT', 'FLUSH', 'SYNC', 'extra'], ['ACL', 'LOG', '1', '2'], ['CLIENT', 'KILL', 'a', 'b', 'c'],
      ['PUBSUB', 'CHANNELS', 'a', 'b'], ['SLOWLOG', 'GET', '1', '2'], ['DEBUG', long], ['DEBUG', 'a\x00b'], ['xinfo', 'STREAM', 'k', 'x'],
      ['XGROUP', 'CREATE', 'k'], ['XINFO', 'STREAM']);
  });

  it('lists, counts, deletes and flushes libraries', async () => {
    await flushFunctions();
    // Redis lists libraries and functions in its dicts' order: the comparisons sort.
    await sameSorted(['FUNCTION', 'LOAD', LIB_Y], ['FUNCTION', 'LIST'], ['FUNCTION', 'LIST', 'WITHCODE'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'y*'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'nomatch'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME'], ['FUNCTION', 'LIST', 'BOGUS'], ['FUNCTION', 'STATS'],
      ['FUNCTION', 'DELETE', 'nosuch'], ['FUNCTION', 'DELETE', 'y'], ['FCALL', 'h', '1', 'k'], ['FUNCTION', 'LIST'],
      ['FUNCTION', 'LOAD', LIB_X], ['FUNCTION', 'FLUSH', 'BOGUS'], ['FUNCTION', 'FLUSH', 'ASYNC'], ['FUNCTION', 'LIST'],
      ['FUNCTION', 'KILL'], ['FUNCTION', 'BOGUS'], ['FUNCTION', 'HELP']);
  });
});

describe('FUNCTION DUMP and RESTORE', () => {
  it('restores what the other server dumped, both ways, with each policy', async () => {
    await flushFunctions();
    await pair.r.call('FUNCTION', 'LOAD', LIB_X);
    await pair.r.call('FUNCTION', 'LOAD', LIB_Y);
    const fromRedis = (await pair.r.call('FUNCTION', 'DUMP')) as string;
    expect(await pair.mine(['FUNCTION', 'RESTORE', fromRedis])).toBe('OK');
    await sameSorted(['FUNCTION', 'LIST', 'WITHCODE'], ['FCALL', 'f', '1', 'a', 'b']);
    const fromRedstate = (await pair.s.call('FUNCTION', 'DUMP')) as string;
    await pair.r.call('FUNCTION', 'FLUSH');
    expect(plain(await pair.r.call('FUNCTION', 'RESTORE', fromRedstate))).toBe('OK');
    // With both libraries clashing, Redis names the first of its dict's (seeded) order: one clashes.
    await sameSorted(['FUNCTION', 'LIST', 'WITHCODE'], ['FUNCTION', 'DELETE', 'y'], ['FUNCTION', 'RESTORE', fromRedis],
      ['FUNCTION', 'RESTORE', fromRedis, 'APPEND'], ['FUNCTION', 'LIST'],
      ['FUNCTION', 'RESTORE', fromRedis, 'REPLACE'], ['FUNCTION', 'RESTORE', fromRedis, 'FLUSH'], ['FUNCTION', 'RESTORE', fromRedis, 'BOGUS'],
      ['FUNCTION', 'LIST']);
  });

  it('refuses corrupt payloads and keeps its libraries', async () => {
    await flushFunctions();
    await same(['FUNCTION', 'LOAD', LIB_X]);
    const dump = (await pair.r.call('FUNCTION', 'DUMP')) as string;
    const flipped = dump.slice(0, 5) + String.fromCharCode(dump.charCodeAt(5) ^ 1) + dump.slice(6);
    await same(['FUNCTION', 'RESTORE', 'bogus'], ['FUNCTION', 'RESTORE', ''], ['FUNCTION', 'RESTORE', flipped],
      ['FUNCTION', 'RESTORE', dump.slice(3)], ['FUNCTION', 'LIST'], ['FCALL', 'f', '0', 'still']);
  });
});

/** A FUNCTION DUMP payload of these libraries, as Redis 7.0 frames it (FUNCTION2, RDB 10, CRC64). */
function payloadOf(...codes: string[]): Buffer {
  const parts = codes.map((code) => {
    const n = code.length;
    const len = n < 64 ? Buffer.from([n]) : Buffer.from([0x40 | (n >> 8), n & 0xff]);
    return Buffer.concat([Buffer.from([245]), len, Buffer.from(code, 'latin1')]);
  });
  const body = Buffer.concat([...parts, Buffer.from([10, 0])]);
  const out = Buffer.concat([body, Buffer.alloc(8)]);
  new Crc64().update(out, 0, body.length).writeLE(out, body.length);
  return out;
}

describe('FUNCTION RESTORE of a payload one of whose libraries fails', () => {
  it('changes nothing, with each policy', async () => {
    await flushFunctions();
    const bad = payloadOf(LIB_Y, "#!lua name=bad\nreturn 'registers nothing'");
    const clash = payloadOf(LIB_Y, "#!lua name=z\nredis.register_function('f', function() return 'z' end)");
    await sameSorted(['FUNCTION', 'LOAD', LIB_X], ['FUNCTION', 'RESTORE', bad], ['FUNCTION', 'RESTORE', bad, 'FLUSH'],
      ['FUNCTION', 'RESTORE', bad, 'REPLACE'], ['FUNCTION', 'RESTORE', clash], ['FUNCTION', 'RESTORE', clash, 'REPLACE'],
      ['FUNCTION', 'LIST'], ['FCALL', 'f', '0', 'x'], ['FCALL', 'h', '1', 'k'], ['FUNCTION', 'RESTORE', clash, 'FLUSH'],
      ['FUNCTION', 'LIST'], ['FCALL', 'f', '0']);
  });
});

describe('functions in the RDB', () => {
  it('cross from redis-server to redstate and back by RDB file', async () => {
    const redis = await startRedis();
    const r = await RespClient.connect(redis.port);
    await r.call('FUNCTION', 'LOAD', LIB_X);
    await r.call('FUNCTION', 'LOAD', LIB_Y);
    await r.call('SET', 'k', 'v');
    await r.call('SAVE');
    r.close();
    const redstate = await startRedstateProcess();
    copyFileSync(join(redis.dir, 'dump.rdb'), join(redstate.dir, 'dump.rdb'));
    await redis.close();
    const s = await RespClient.connect(redstate.port);
    expect(await s.call('DEBUG', 'RELOAD', 'NOSAVE')).toBe('OK');
    expect(await s.call('FCALL', 'h', '1', 'k')).toBe('v');
    expect(await s.call('FCALL', 'f', '1', 'a', 'b')).toEqual([['a'], ['b']]);
    await s.call('FUNCTION', 'DELETE', 'x');
    expect(await s.call('SAVE')).toBe('OK');
    s.close();
    const back = await startRedis();
    copyFileSync(join(redstate.dir, 'dump.rdb'), join(back.dir, 'dump.rdb'));
    await redstate.close();
    const b = await RespClient.connect(back.port);
    expect(await b.call('DEBUG', 'RELOAD', 'NOSAVE')).toBe('OK');
    expect(await b.call('FCALL', 'h', '1', 'k')).toBe('v');
    expect(plain(await b.call('FCALL', 'f', '0'))).toEqual({ error: 'ERR Function not found' });
    b.close();
    await back.close();
  });
});
