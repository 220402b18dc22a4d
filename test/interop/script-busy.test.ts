// A script that runs past busy-reply-threshold, on redis-server 7.0 and on a redstate process
// side by side: other clients get -BUSY with Redis's text, SCRIPT KILL stops a script that
// has not written (its caller gets the kill error, then its pipelined commands run), in a
// pcall, a coroutine of its own, a table.sort comparator, a string.gsub replacement or a
// __tostring too, FUNCTION KILL stops a function, a script that wrote is
// -UNKILLABLE, plain SHUTDOWN is refused while SHUTDOWN NOSAVE stops the server; INFO
// commandstats counts the killed scripts as failed calls; a client the script unblocked waits
// for its end.
import { describe, expect, it } from 'vitest';
import { RespClient, RespError, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';

const THRESHOLD = ['--busy-reply-threshold', '100'];

const show = (x: Reply): unknown => (x instanceof RespError ? { error: x.message } : x);

/** PINGs until the server answers BUSY (the script passed the threshold); returns that reply. */
async function untilBusy(c: RespClient): Promise<unknown> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const r = await c.call('PING');
    if (r instanceof RespError && r.message.startsWith('BUSY')) return show(r);
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('never BUSY');
}

/** The scenario, replies in order, against one server (which it shuts down). */
async function scenario(server: Proc): Promise<unknown[]> {
  const out: unknown[] = [];
  const a = await RespClient.connect(server.port);
  const b = await RespClient.connect(server.port);
  const loop = a.call('EVAL', 'local i = 0 while true do i = i + 1 end', '0');
  const after = a.call('SET', 'after', 'kill');
  out.push(await untilBusy(b));
  for (const cmd of [['EVAL', 'return 1', '0'], ['GET', 'x'], ['SHUTDOWN'], ['FUNCTION', 'KILL'], ['SCRIPT', 'KILL']]) {
    out.push(show(await b.call(...cmd)));
  }
  out.push(show(await loop), show(await after), show(await b.call('GET', 'after')));
  // A script whose pcall catches the kill is killed all the same.
  const stubborn = a.call('EVAL', 'while true do pcall(function() while true do end end) end', '0');
  out.push(await untilBusy(b), show(await b.call('SCRIPT', 'KILL')), show(await stubborn));
  // So is a loop in a coroutine the script made.
  const inner = a.call('EVAL', 'coroutine.wrap(function() while true do end end)()', '0');
  out.push(await untilBusy(b), show(await b.call('SCRIPT', 'KILL')), show(await inner));
  // So is a loop under what is a C function calling Lua in Lua 5.1 and 5.4: a sort comparator,
  // gsub's replacement function or table, __tostring.
  for (const body of [
    'table.sort({3, 2, 1}, function(a, b) while true do end end)',
    "string.gsub('abc', '%w', function(c) while true do end end)",
    "string.gsub('abc', '%w', setmetatable({}, {__index = function() while true do end end}))",
    'return tostring(setmetatable({}, {__tostring = function() while true do end end}))',
  ]) {
    const looping = a.call('EVAL', body, '0');
    out.push(await untilBusy(b), show(await b.call('SCRIPT', 'KILL')), show(await looping));
  }
  // A function: FUNCTION KILL, not SCRIPT KILL; FUNCTION STATS names it (its duration aside).
  out.push(show(await b.call('FUNCTION', 'LOAD', "#!lua name=l\nredis.register_function('loop', function() while true do end end)")));
  const fn = a.call('FCALL', 'loop', '0');
  out.push(await untilBusy(b), show(await b.call('SCRIPT', 'KILL')));
  const stats = await b.call('FUNCTION', 'STATS');
  out.push(Array.isArray(stats) && Array.isArray(stats[1]) ? stats[1].slice(0, 4) : show(stats));
  out.push(show(await b.call('FUNCTION', 'KILL')), show(await fn));
  // The killed scripts failed, the refused commands were rejected (INFO commandstats).
  const cmdstats = String(await b.call('INFO', 'commandstats')).split('\r\n');
  out.push(cmdstats.filter((l) => /^cmdstat_(eval|fcall|get|shutdown):/.test(l)).map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, '')).sort());
  const writer = a.call('EVAL', "redis.call('set', 'x', '1') while true do end", '0');
  out.push(await untilBusy(b), show(await b.call('SCRIPT', 'KILL')), show(await b.call('SHUTDOWN')));
  void writer;
  void b.call('SHUTDOWN', 'NOSAVE');
  await Promise.all([a.waitClosed(), b.waitClosed()]);
  out.push('closed');
  const deadline = Date.now() + 20_000;
  while (server.proc.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  out.push(server.proc.exitCode === null ? 'running' : 'exited');
  return out;
}

/**
 * A client blocked on a list the busy script pushed to, while another client's command runs
 * (Redis's unit/scripting.tcl "Timedout scripts and unblocked command"): the BLPOP is served
 * once the script ends, with what it pushed last.
 */
async function unblockedAfterScript(server: Proc): Promise<unknown[]> {
  const [a, b, waiter] = await Promise.all([0, 1, 2].map(() => RespClient.connect(server.port)));
  // The script polls CLIENT LIST to know when b's command ran.
  const out: unknown[] = [await b.call('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1')];
  const popped = waiter.call('BLPOP', 'x', '0');
  while (!String(await b.call('CLIENT', 'LIST')).includes('cmd=blpop')) await new Promise((r) => setTimeout(r, 5));
  const script = a.call('EVAL', `redis.call('lpush', KEYS[1], 'y')
    while not string.find(redis.call('client', 'list'), 'abortscript') do end
    redis.call('lpush', KEYS[1], 'z')
    return 'done'`, '1', 'x');
  out.push(await untilBusy(b));
  // A command another client may run meanwhile; its reply names each server's own version.
  await b.call('HELLO', '2', 'SETNAME', 'abortscript');
  out.push(show(await popped), show(await script), show(await b.call('LRANGE', 'x', '0', '-1')));
  for (const c of [a, b, waiter]) c.close();
  return out;
}

describe('a script past busy-reply-threshold', () => {
  it('leaves a client it unblocked waiting until it ends, whatever other clients run meanwhile', async () => {
    const args = [...THRESHOLD, '--enable-debug-command', 'yes'];
    const [redis, redstate] = await Promise.all([startRedis(args), startRedstateProcess(args)]);
    try {
      const [want, got] = await Promise.all([unblockedAfterScript(redis), unblockedAfterScript(redstate)]);
      expect(got).toEqual(want);
      expect(want).toContainEqual(['x', 'z']);
    } finally {
      await Promise.all([redis.close(), redstate.close()]);
    }
  });

  it('answers BUSY, SCRIPT KILL, UNKILLABLE and SHUTDOWN NOSAVE as Redis 7.0 does', async () => {
    const [redis, redstate] = await Promise.all([startRedis(THRESHOLD), startRedstateProcess(THRESHOLD)]);
    try {
      const [want, got] = await Promise.all([scenario(redis), scenario(redstate)]);
      expect(got).toEqual(want);
      expect(want).toContainEqual({ error: 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.' });
    } finally {
      await Promise.all([redis.close(), redstate.close()]);
    }
  });
});
