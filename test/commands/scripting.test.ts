// EVAL and SCRIPT: every reply of redstate compared with redis-server 7.0's for the same
// scripts: Lua <-> RESP conversions, redis.call/pcall and their errors, the error texts with
// their @user_script:N suffixes, protected globals, the 5.1 habits, deterministic
// math.random, the cjson/cmsgpack/struct/bit libraries, RESP3 callers and redis.setresp(3)
// (byte for byte), blocking commands refused, SCRIPT LOAD/EXISTS/FLUSH, numkeys errors and
// shebang flags.
import { describe, expect, it } from 'vitest';
import { bytes } from '../helpers/raw-session.js';
import { RespClient } from '../helpers/resp-client.js';
import { BINARY, plain, sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same } = pair;

/** EVAL of body with no keys, on both servers. */
const ev = (body: string, ...rest: string[]): string[] => ['EVAL', body, ...(rest.length ? rest : ['0'])];

describe('EVAL: Lua to RESP', () => {
  it('converts numbers, strings, booleans, nil and nested tables as Redis documents', async () => {
    await same(
      ev('return 1'), ev('return -7'), ev('return 3.99'), ev('return -3.99'), ev("return 'x'"), ev('return true'),
      ev('return false'), ev('return nil'), ev('return {}'), ev("return {1,2,3.3,'x',nil,4}"),
      ev("return {1,{2,{3,{err='deep'}}},'x'}"), ev("return {ok='fine'}"), ev("return {err='My Error'}"),
      ev("return {ok='a\\r\\nb'}"), ev('return math.huge'), ev('return -math.huge'), ev('return 2^63'), ev('return 2^53'),
      ev('return 0/0'), ev('return 1, 2'), ev('return {true, false, 1}'), ev("return {double=3.5}"),
      ev("return {map={a=1}}"), ev("return {set={a=true}}"), ev("return {big_number='123'}"),
      ev("return redis.status_reply('FINE')"), ev("return redis.error_reply('My Error')"),
      ev("return redis.error_reply('-WRONG x')"), ev('return tostring(3)'), ev('return 7 / 2'),
      ev("return 'a' .. 1"), ev('return #KEYS + #ARGV', '2', 'a', 'b', 'c'), ev('return {KEYS[1], ARGV[1]}', '1', 'k', 'v'),
    );
  });

  it("a table that holds itself is answered down to the stack limit; the engine carries on (Redis's unit/scripting.tcl)", async () => {
    // Nested arrays of one element down to the limit, then the error (1000 levels here; Redis's 5.1 reaches 7995).
    let reply = await pair.mine(ev('local a = {}; local b = {a}; a[1] = b; return a'));
    let depth = 0;
    for (; Array.isArray(reply); depth++) reply = (reply as unknown[])[0];
    expect([depth, reply]).toEqual([1000, { error: 'ERR reached lua stack limit' }]);
    await same(
      // Before the stack was grown for each level, the pushes past its end broke the state for good.
      ev("return redis.call('ping')"),
      ev("local a = {} for i = 1, 7999 do a[i] = 1 end return redis.call('lpush', 'l', unpack(a))"),
    );
  });

  it('keeps binary strings intact both ways', async () => {
    await same(ev('return ARGV[1]', '0', BINARY), ev("redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", '1', 'bin', BINARY),
      ev("return string.len(ARGV[1])", '0', BINARY), ev('return string.byte(ARGV[1], 256)', '0', BINARY));
  });
});

describe('EVAL: redis.call and redis.pcall', () => {
  it('converts every reply type into Lua', async () => {
    await same(
      ev("redis.call('set','k','v') return redis.call('get','k')"), ev("return redis.call('get','missing')"),
      ev("return type(redis.call('get','missing'))"), ev("return redis.call('incr','n')"),
      ev("return type(redis.call('incr','n'))"), ev("return redis.call('set','k','v')"),
      ev("local r = redis.call('set','k','v') return r.ok"), ev("redis.call('rpush','l','a','b') return redis.call('lrange','l',0,-1)"),
      ev("return redis.call('incrby','n', 10) / 4"), ev("return redis.call('mget','k','missing','k')"),
      ev("redis.call('set','f',0.1) return redis.call('get','f')"), ev("redis.call('set','f',100) return redis.call('get','f')"),
      ev("redis.call('set','f',1e20) return redis.call('get','f')"), ev("return redis.call('ping')"),
      ev("return redis.call('echo', 'hi')"), ev("return redis.call('exists', 'k', 'n')"),
      ev("return redis.call('SET', KEYS[1], ARGV[1], 'EX', 100)", '1', 'x', 'y'),
    );
  });

  it('raises command errors, returns them from pcall', async () => {
    await same(
      ['SET', 's', 'x'],
      ev("return redis.call('lpush','s','a')"), ev("return redis.pcall('lpush','s','a')"),
      ev("local t = redis.pcall('lpush','s','a') return t['err']"), ev("return redis.call('nosuch')"),
      ev("return redis.pcall('nosuch')"), ev("return redis.call('get')"), ev("return redis.call('get','a','b')"),
      ev("return redis.pcall('get','a','b')"), ev("return redis.call('multi')"), ev("return redis.call('eval', 'return 1', 0)"),
      ev("return redis.call('script', 'load', 'return 1')"), ev("return redis.call('config', 'get', 'port')"),
      ev('return redis.call()'), ev('return redis.pcall()'), ev("return redis.call('get', {})"),
      ev("return redis.pcall('get', {})"), ev("return redis.call('incr', 's')"),
      ev("return pcall(redis.call, 'nosuch')"), ev("local ok, e = pcall(redis.call, 'nosuch') return e"),
      ev("local ok, e = pcall(redis.call, 'nosuch') return e['err']"), ev("return redis.call('set','k')"),
      ev("redis.call('set','a','1')\nredis.call('set','b','2')\nreturn redis.call('lpush','s','x')"),
    );
  });

  it('refuses writes from EVAL_RO and no-writes scripts', async () => {
    await same(
      ['EVAL_RO', "return redis.call('set','k','v')", '0'], ['EVAL_RO', "return redis.call('get','k')", '0'],
      ['EVAL_RO', "return redis.pcall('set','k','v')", '0'],
      ev("#!lua flags=no-writes\nreturn redis.call('set','k','v')"), ev("#!lua flags=no-writes\nreturn redis.call('get','k')"),
      ev("#!lua\nreturn redis.call('set','k','v')"), ['EVAL_RO', "#!lua\nreturn 1", '0'],
      ev("#!lua flags=no-writes,allow-oom\nreturn 1"), ev('#!lua flags=bogus\nreturn 1'), ev('#!python\nreturn 1'),
      ev('#!lua name=x\nreturn 1'), ev('#!lua'), ev('#!lua\nreturn a'),
    );
  });

  it("refuses no-script commands, unless DEBUG SET-DISABLE-DENY-SCRIPTS 1 allows them (Redis's unit/scripting.tcl)", async () => {
    const list = ev("return type(redis.call('client','list'))");
    await same(list, ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'], list, ev("return redis.call('debug','set-disable-deny-scripts','0')"),
      list, ['DEBUG', 'set-disable-deny-scripts', 'x'], list, ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS']);
  });

  it("gives SORT BY a constant a set's members sorted, not in hash order, as it does for STORE (Redis's unit/scripting.tcl)", async () => {
    const members = 'a b c d e f g h i l m n o p q r s t u v z aa aaa azz'.split(' ');
    await same(['SADD', 'myset', ...members], ['SADD', 'nums', '10', '2', '33', '4'], ['RPUSH', 'list', 'z', 'a', 'm'],
      ev("return redis.call('sort', KEYS[1], 'by', '_')", '1', 'myset'),
      ev("return redis.call('sort', KEYS[1], 'by', '_', 'get', '#', 'get', '_:*', 'limit', '1', '3')", '1', 'myset'),
      ev("return redis.call('sort', KEYS[1], 'by', 'nosort')", '1', 'nums'), ev("return redis.call('sort', KEYS[1], 'by', '_')", '1', 'list'),
      ev("return redis.call('sort_ro', KEYS[1], 'by', '_', 'desc')", '1', 'myset'));
  });

  it("expires keys by the script's start all through it, busy or not (Redis's unit/scripting.tcl)", async () => {
    const wait200 = "local s = redis.call('TIME') local n repeat n = redis.call('TIME') until (n[1] - s[1]) * 1000000 + n[2] - s[2] > 200000";
    await same(['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'],
      ev("redis.call('SET', 'key', 'value', 'PX', '1') redis.call('DEBUG', 'SLEEP', 0.01) return redis.call('EXISTS', 'key')"),
      ['EXISTS', 'key'], ['CONFIG', 'SET', 'busy-reply-threshold', '50'],
      ev(`redis.call('SET', 'key', 'value', 'PX', '1') ${wait200} return {redis.call('EXISTS', 'key'), redis.call('GET', 'key')}`),
      ['EXISTS', 'key'], ['CONFIG', 'SET', 'busy-reply-threshold', '5000'], ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0']);
  });

  it('uses the db the caller selected; SELECT inside stays inside', async () => {
    await same(['SELECT', '3'], ['SET', 'k', 'three'], ev("return redis.call('get','k')"),
      ev("redis.call('select', 5) redis.call('set','k','five') return redis.call('get','k')"),
      ['GET', 'k'], ['SELECT', '5'], ['GET', 'k'], ['SELECT', '0']);
  });
});

describe('EVAL: errors', () => {
  it('answers compile and runtime errors with Redis texts and line numbers', async () => {
    await same(
      ev('return 1 +'), ev('return'), ev("error('x')"), ev("error({err='MY x'})"), ev('return a'), ev('a = 1'),
      ev('local t = nil\nreturn t.x'), ev("\n\nerror('on three')"), ev('return nosuch()'), ev('redis.call = 1'),
      ev('string.foo = 1'), ev("rawset(_G, 'x', 1)"), ev('setmetatable(_G, nil)'), ev('return #nil'),
      ev("return redis.setresp(4)"), ev("return redis.sha1hex()"), ev("return redis.error_reply(1)"),
      ev("return redis.log(redis.LOG_WARNING)"), ev("return redis.log('x', 'y')"), ev("return redis.log(9, 'y')"),
      ev('return redis.set_repl(9)'), ev("return cjson.decode('{bad')"), ev('return cjson.encode({[1]=1,[50]=2})'),
      ev('local function f(n) return f(n + 1) + 1 end return f(1)'),
      // An integer reply past 2^53 is a double in 5.1: 2^63-1 rounds to 2^63, which converts back as INT64_MIN.
      ['SET', 'big', '9223372036854775806'], ev("return redis.call('incr', 'big')"), ev("return tostring(redis.call('incr', 'big'))"),
      ev("return redis.call('decrby', 'big', 9007199254740000)"), ev("return redis.call('strlen', 'big') + 2^53"),
    );
  });

  it('answers numkeys and EVALSHA errors', async () => {
    await same(ev('return 1', '-1'), ev('return 1', '2', 'a'), ev('return 1', 'x'), ev('return 1', '99999999999999999999'),
      ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'], ['EVALSHA', 'short', '0'],
      ['EVALSHA', 'short', 'x'], ['EVALSHA', 'short', '5'], ['EVALSHA_RO', 'short', '-1'],
      ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '5'],
      ['EVALSHA_RO', 'ffffffffffffffffffffffffffffffffffffffff', '0'], ['EVAL'], ['EVAL', 'return 1']);
  });
});

describe('EVAL: the Lua environment', () => {
  it('has what Redis 7.0 has, and not what it removes', async () => {
    for (const name of ['print', 'os', 'io', 'require', 'dofile', 'loadfile', 'debug', 'package', 'utf8', 'module',
      'setfenv', 'collectgarbage', 'coroutine', 'unpack', 'loadstring', 'table.getn', 'table.maxn', 'table.foreach',
      'math.mod', 'math.pow', 'math.log10', 'math.ldexp', 'math.frexp', 'math.atan2', 'string.gfind', 'bit.tohex',
      'struct.pack', 'cmsgpack.pack', 'cjson.decode', 'redis.breakpoint', 'redis.debug', 'redis.set_repl',
      'redis.replicate_commands', 'redis.setresp', 'redis.sha1hex', 'redis.acl_check_cmd', 'redis.register_function',
      'redis.REPL_ALL', 'redis.LOG_DEBUG', 'gcinfo', 'xpcall', 'rawequal', 'load', 'select', 'cjson.null']) {
      await same(ev(`return type(${name})`));
    }
    await same(ev('return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}'),
      ev('return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}'),
      ev('return redis.REDIS_VERSION'), ev('return redis.REDIS_VERSION_NUM'), ev("return redis.sha1hex('')"),
      ev("return redis.sha1hex('hello')"), ev('return redis.replicate_commands()'), ev('return redis.breakpoint()'),
      ev("return loadstring('return 1 + 1')()"), ev('return unpack({1, 2})'), ev('return table.getn({1, 2, 3})'),
      ev('return table.maxn({1, 2, [7] = 3})'), ev("return math.pow(2, 10)"), ev('return math.mod(7, 3)'),
      ev('return {math.frexp(8)}'), ev('return math.ldexp(1, 4)'), ev('return math.log10(1000)'),
      ev("local s = '' for w in string.gfind('a b c', '%a') do s = s .. w end return s"),
      ev("redis.log(redis.LOG_DEBUG, 'from a script') return 1"), ev('return redis.set_repl(redis.REPL_ALL)'),
      ev('redis.set_repl()'), ev('redis.set_repl(1, 2)'), ev("redis.set_repl('x') return 1"), ev('redis.set_repl(1.5) return 1'),
      ev('redis.set_repl(4)'), ev('redis.set_repl(-1)'),
      ev("return redis.acl_check_cmd('get', 'x')"));
  });

  it("shows _G's metatable read-only, a library's as none (Redis's unit/scripting.tcl)", async () => {
    await same(ev('local g = getmetatable(_G) g.__index = {}'), ev('return type(getmetatable(_G))'),
      ev('return type(getmetatable(_G).__index)'), ev('return type(getmetatable(redis))'), ev('return type(getmetatable(string))'),
      ev("return type(getmetatable(''))"), ev('return getmetatable()'), ev('return type(getmetatable({}))'),
      ev('return getmetatable(setmetatable({}, {__metatable = 7}))'));
  });

  it("redis.acl_check_cmd answers by the caller's ACL rules: command, keys, unknown commands (Redis's unit/scripting.tcl)", async () => {
    await same(['ACL', 'SETUSER', 'bob', 'on', '>123', '+@scripting', '+set', '+config|get', '~x*']);
    const [r, s] = await Promise.all([RespClient.connect(pair.redis.port), RespClient.connect(pair.redstate.port)]);
    try {
      for (const cmd of [['AUTH', 'bob', '123'],
        ev("return redis.acl_check_cmd('set', 'xx', 1)", '1', 'xx'), ev("return redis.acl_check_cmd('hset', 'xx', 'f', 1)", '1', 'xx'),
        ev("return redis.acl_check_cmd('set', 'yy', 1)"), ev("return redis.acl_check_cmd('invalid-cmd', 'arg')"),
        ev("return redis.acl_check_cmd('config', 'get', 'port')"), ev("return redis.acl_check_cmd('config', 'set', 'port', 1)"),
        ev("return redis.acl_check_cmd('config', 'nosuch')"), ev("return redis.acl_check_cmd('set', {}, 1)"),
        ev('return redis.acl_check_cmd()'), ['ACL', 'LOG', 'RESET']]) {
        const [want, got] = await Promise.all([r.call(...cmd), s.call(...cmd)]);
        expect(plain(got), cmd.join(' ')).toEqual(plain(want));
      }
    } finally {
      r.close();
      s.close();
    }
    await same(['ACL', 'DELUSER', 'bob']);
  });

  it("has 5.1's coroutines (yield refused at the top, running() nil there, wrap's errors placed) and no table finalizers", async () => {
    await same(ev('coroutine.yield() return 1'), ev('return tostring(coroutine.running())'),
      ev('return {type(coroutine.isyieldable), type(coroutine.close), coroutine.status(coroutine.create(function() end))}'),
      ev('local t = {} for i = 1, 3 do t[i] = coroutine.wrap(function(a) for j = 1, 3 do a = a + coroutine.yield(a) end return a end) end ' +
        'local out = {} for i = 1, 3 do out[#out + 1] = t[i](i) out[#out + 1] = t[i](10) end return out'),
      ev('local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end) ' +
        'local _, x = coroutine.resume(co, 1) local _, y = coroutine.resume(co, 10) return {x, y, coroutine.status(co)}'),
      ev("return coroutine.wrap(function() error('boom') end)()"), ev("return coroutine.wrap(function() error({err = 'MY boom'}) end)()"),
      ev("local ok, e = coroutine.resume(coroutine.create(function() error('boom') end)) return {tostring(ok), e}"),
      ev('local f = coroutine.wrap(function() return 1 end) f() return f()'),
      ev('local n = 0 local mt = {__gc = function() n = n + 1 end} for i = 1, 1000 do setmetatable({}, mt) end ' +
        'collectgarbage() collectgarbage() return {n, type(getmetatable(setmetatable({}, mt)).__gc)}'));
  });

  it("sorts as 5.1's table.sort: same order of equal keys, same comparator calls, same errors", async () => {
    // records with many equal keys: their final order shows the algorithm, the count its comparisons
    const records = 'local t = {} for i = 1, 200 do t[i] = {k = (i * 7919) % 13, id = i} end ';
    await same(ev('local t = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0, 11, 15, 13, 12, 14, 10, -1, 2.5} table.sort(t) return cjson.encode(t)'),
      ev("local t = {'pear', 'apple', 'fig', 'Banana', 'apple2', '', 'z', 'a'} table.sort(t) return t"),
      ev('local t = {5, 3, 8, 1, 9, 2} table.sort(t, function(a, b) return a > b end) return t'),
      ev(records + 'local n = 0 table.sort(t, function(a, b) n = n + 1 return a.k < b.k end) ' +
        'local ids = {} for i, r in ipairs(t) do ids[i] = r.id end return {n, ids}'),
      ev(records + 'local n = 0 table.sort(t, function(a, b) n = n + 1 return a.k > b.k end) ' +
        'local ids = {} for i, r in ipairs(t) do ids[i] = r.id end return {n, ids}'),
      ev('local t = setmetatable({5, 3, 8, 1, 9, 2, 7, 4, 6, 0, 11, 15, 13, 12}, {}) table.sort(t) return t'),
      ev('local t = {} table.sort(t) local u = {1} table.sort(u) local v = {2, 1} table.sort(v) local w = {3, 1, 2} table.sort(w) return {#t, u, v, w}'),
      ev("local mt = {__lt = function(a, b) return a.v < b.v end} local t = {} for i = 1, 9 do t[i] = setmetatable({v = (i * 5) % 9}, mt) end " +
        'table.sort(t) local out = {} for i = 1, 9 do out[i] = t[i].v end return out'),
      ev("table.sort({1, 'a'})"), ev('table.sort({{}, {}})'), ev("return {pcall(table.sort, {1, 'x'})}"),
      ev('table.sort({3, 1, 2, 5, 4, 7, 6, 9, 8, 10, 11}, function(a, b) return true end)'),
      ev('table.sort({3, 2, 1}, 5)'), ev('table.sort(nil)'), ev('table.sort()'),
      ev("table.sort({1, 2, 3}, function(a, b) error('boom') end)"), ev("table.sort({1, 2, 3}, function(a, b) error({err = 'MY boom'}) end)"),
      ev('return table.sort({2, 1})'));
  });

  it("replaces as 5.1's string.gsub with functions and tables; string replacements unchanged", async () => {
    const upper = 'function(w) return w:upper() end';
    await same(ev(`return {string.gsub('hello world from lua', '%w+', ${upper})}`),
      ev("return {string.gsub('hello world', '(%w+) (%w+)', function(a, b) return b .. ' ' .. a end)}"),
      ev("return {string.gsub('a1b22c333', '%d+', function(d) return #d end)}"),
      ev("return {string.gsub('hello world', '%w+', function(w) if w == 'world' then return nil end return 'X' end)}"),
      ev("return {string.gsub('hello world', 'o', function() return false end)}"),
      ev("return {string.gsub('$name is $age', '%$(%w+)', {name = 'bob', age = 42})}"),
      ev("return {string.gsub('hello world', '%w+', setmetatable({}, {__index = function(_, k) return k:reverse() end}))}"),
      ev("return {string.gsub('abc', '()', function(p) return '[' .. p .. ']' end)}"),
      ev("return {string.gsub('hello hello', '^hello', function() return 'bye' end)}"),
      ev("return {string.gsub('hello hello', '^(h)(e)', function(a, b) return b .. a end)}"),
      ev("return {string.gsub('abc', '^', function() return 'X' end)}"), ev("return {string.gsub('abc', '$', function() return 'X' end)}"),
      ev("return {string.gsub('abc', 'c$', function() return 'X' end)}"), ev("return {string.gsub('xabc', '^b', function() return 'X' end)}"),
      ev("return {string.gsub('abc', '%w*', function(x) return '<' .. x .. '>' end)}"),
      ev("return {string.gsub('abc', '', function() return '-' end)}"), ev("return {string.gsub('', '', function() return '-' end)}"),
      ev("return {string.gsub('a,b,,c', '[^,]*', function(x) return #x end)}"),
      ev("return {string.gsub('abc', 'x*', function() return '-' end)}"),
      ev(`return {string.gsub('one two three four', '%w+', ${upper}, 2)}`), ev(`return {string.gsub('one two', '%w+', ${upper}, 0)}`),
      ev(`return {string.gsub('one two', '%w+', ${upper}, -1)}`), ev(`return {string.gsub('one two three', '%w+', ${upper}, 2.7)}`),
      ev(`return {string.gsub('one two three', '%w+', ${upper}, '1')}`), ev("return {string.gsub('abc', '', function() end, 2)}"),
      ev("return {('hello world'):gsub('o', {o = '0'})}"), ev('return {string.gsub(12345, 3, function(d) return d * 2 end)}'),
      ev("return {string.gsub('hello world', '(%w+) (%w+)', '%2 %1 %0 %%')}"), ev("return {string.gsub('abc', '%w', '%0%0', 2)}"),
      ev("return {string.gsub('abc', '%w', '%1-')}"),
      ev("return string.gsub('abc', '%w', function() return {} end)"), ev("return string.gsub('abc', '(', function() end)"),
      ev("return string.gsub('abc', '%', function() end)"), ev("return string.gsub(nil, 'a', function() end)"),
      ev("return ('x'):gsub(nil, function() end)"), ev("return string.gsub('abc', '%w', function() end, 'x')"),
      ev("return string.gsub('x', 'x', true)"), ev("return ('x'):gsub('x', true)"),
      ev("return {pcall(string.gsub, 'a', '(', tostring)}"), ev("return string.gsub('abc', '%w', function() error('boom') end)"));
  });

  it("gives tostring 5.1's __tostring", async () => {
    await same(ev("return tostring(setmetatable({}, {__tostring = function() return 'T' end}))"),
      ev('return tostring(setmetatable({}, {__tostring = function() return 5 end}))'),
      ev('return type(tostring(setmetatable({}, {__tostring = function() return {} end})))'),
      ev("return tostring(setmetatable({}, {__tostring = function() error('boom') end}))"),
      ev("return {tostring(1), tostring('x'), tostring(nil), tostring(true), tostring(1.5)}"), ev('return tostring()'));
  });

  it("prints numbers as 5.1's %.14g: 10/2 is 5, -0.0 is -0, an integer reply past 14 digits 1e+15 (fuzz seed 23200, --replicas)", async () => {
    await same(ev("return {tostring(3.0), 'x' .. (10 / 2), tostring(-0.0), string.format('%s', 2.0), tostring(tonumber('5.0'))}"),
      ev("return {tostring(1 / 3), tostring(1e15), tostring(2^53), tostring(12345678901234.6), tostring(math.sqrt(16)) .. math.floor(3.7)}"),
      ev("return {tostring(redis.call('INCRBY', 'n', 1000000000000000)), 'x' .. redis.call('INCRBY', 'm', -99999999999999)}"),
      ev("return {tostring(redis.call('INCRBY', 'm', -1)), redis.call('PEXPIRETIME', 'nokey') .. ''}"),
      ev("return {cjson.encode({1.0, 2.5, 10 / 2, 1e15}), cmsgpack.unpack(cmsgpack.pack(5.0)) .. '', struct.unpack('d', struct.pack('d', 4.0)) .. ''}"));
  });

  it("sends and returns an integer past 2^53 as 5.1's double of it", async () => {
    await same(ev("redis.call('SET', 'k', tonumber('123456789012345678')) return redis.call('GET', 'k')"),
      ev("redis.call('SET', 'k', 9007199254740993) return redis.call('GET', 'k')"), ev("redis.call('SET', 'k', -0.0) return redis.call('GET', 'k')"),
      ev("redis.call('SET', 'k', 1796548200000 * 1000) return redis.call('GET', 'k')"), ev('return {9007199254740993, 9223372036854775807, -0.0, 3.99}'));
  });

  it("reads inf, -inf and nan as 5.1's strtod does, in tonumber and string arithmetic (fuzz seed 23200)", async () => {
    await same(ev("return {tostring(tonumber('inf')), tostring(tonumber(' -Infinity ')), tostring(tonumber('NaN')), tostring('inf' + 0)}"),
      ev("return {tostring(tonumber('nano')), tostring(tonumber('infx')), tostring(tonumber('0x1p4')), tostring(tonumber('1e400'))}"),
      ev("return redis.call('ZADD', KEYS[1], tonumber(ARGV[1]), 'm')", '1', 'z', '-inf'), ['ZSCORE', 'z', 'm']);
  });

  it("takes a number with a fraction where 5.1 takes an integer, cut toward zero; refuses as 5.1's C functions refuse", async () => {
    await same(ev("return {string.sub('hello', 1, 5 / 2), string.rep('ab', 2.7), string.byte('hello', 1.5), string.char(65.9, 66)}"),
      ev("return {select(2.5, 'a', 'b', 'c'), select('#', 1, 2), ('hello'):sub(2.9), string.sub('hello', '2.5'), string.sub('hello', 1, -1.5)}"),
      ev("return {string.format('%d %s %5.2f %x %c|%-5d|%%d', -3.7, 1.5, 1.5, 255.9, 65.5, 2.5), ('%d'):format(2.5), math.random(2.5) <= 2}"),
      ev("local x = string.sub('abc', {}) return x"), ev("local x = ('hello'):sub({}) return x"), ev('local y = string.char(65, 300) return y'),
      ev("local x = select(-5, 'a') return x"), ev('local x = string.rep() return x'), ev("local x = string.format('%5y', 1) return x"),
      ev("local x = string.format('%d', 'x') return x"), ev("local x = string.format('%s %s', 1) return x"),
      ev("return {string.format('%q', 1 / 3), ('%q|%q'):format(10, 'a\\nb')}"));
  });

  it('draws math.random from the same sequence as Redis', async () => {
    // Both servers seed once at start: the n-th draws agree as long as both ran the same scripts.
    await same(ev('math.randomseed(0) return {math.random(100), math.random(1, 10), math.random(5, 5)}'),
      ev('math.randomseed(7) return {math.random(100), math.random(1, 10)}'),
      ev("math.randomseed(42) return tostring(math.random())"), ev('return math.random(0)'));
  });
});

describe('EVAL: libraries', () => {
  it('bit', async () => {
    await same(ev('return bit.tohex(-1)'), ev('return bit.tohex(255, -4)'), ev('return bit.tohex(255, 2)'),
      ev('return bit.band(0xffffffff, 7)'), ev('return bit.lshift(1, 31)'), ev('return bit.tobit(2^32 + 5)'),
      ev('return bit.bswap(0x12345678)'), ev('return {bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bnot(0)}'),
      ev('return {bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8)}'),
      ev('return bit.tobit(1.5)'), ev('return bit.tobit(2.5)'), ev('return bit.tobit(-1.5)'), ev("return bit.band('x')"),
      ev("local t = {} for _, x in ipairs({1, -1, 0x7fffffff, -0x80000000, 0x12345678, 2^32 + 3, -2.5, 1e10}) do for _, n in ipairs({0, 1, 31, 32, 33, -1}) do " +
        "t[#t+1] = bit.lshift(x, n) .. ',' .. bit.rshift(x, n) .. ',' .. bit.arshift(x, n) .. ',' .. bit.rol(x, n) .. ',' .. bit.ror(x, n) end end return table.concat(t, ' ')"),
      ev("return {bit.tohex(1, 0), bit.tohex(0x12345678, -3), bit.bswap(0x12345678)}"), ev('return bit.band()'), ev('return bit.band(1, nil)'),
      ev('return bit.lshift(1)'), ev('return bit.tohex()'), ev('return bit.bswap()'));
  });

  it('struct', async () => {
    await same(ev("return struct.pack('>HHi', 1, 2, -3)"), ev("return {struct.unpack('>HHi', struct.pack('>HHi', 1, 2, -3))}"),
      ev("return struct.pack('<bBhHlLiI3', -1, 255, -2, 65535, -3, 7, -4, 70000)"),
      ev("return {struct.unpack('<bBhHlLiI3', struct.pack('<bBhHlLiI3', -1, 255, -2, 65535, -3, 7, -4, 70000))}"),
      ev("return struct.pack('>sc3', 'ab', 'xyz')"), ev("return {struct.unpack('>sc3', struct.pack('>sc3', 'ab', 'xyz'))}"),
      ev("return struct.size('>iIhbd')"), ev("return {struct.unpack('>d', struct.pack('>d', 1.5))}"),
      ev("return {struct.unpack('>f', struct.pack('>f', 0.25))}"), ev("return {struct.unpack('>B', 'abc', 2)}"),
      ev("return struct.unpack('>I', 'ab')"), ev("return struct.pack('>q', 1)"), ev("return struct.pack('!4>bi', 1, 2)"),
      ev("return struct.pack('c5', 'ab')"), ev("return struct.pack('ic5', 1, 'ab')"), ev("return struct.unpack('s', 'abc')"));
  });

  it("holds 64-bit integers as 5.1's doubles: cmsgpack's int 64 and uint 64, cjson's and struct's numbers, sha1hex's", async () => {
    const unpacked = (hex: string): string[] => ev(`return tostring(cmsgpack.unpack(string.char(${hex})))`);
    await same(unpacked('0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff'), unpacked('0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff'),
      unpacked('0xcf, 0, 0, 0, 0, 0, 0, 0, 5'), unpacked('0xd3, 0x80, 0, 0, 0, 0, 0, 0, 1'), unpacked('0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe'),
      ev('return cjson.encode({123456789012345678, 42, -7, 99999999999999, 100000000000000, 12345678901234567890})'),
      ev("return {tostring(cjson.decode('[100000000000000]')[1]), cjson.encode(cjson.decode('[1e14, 12, -3.5]'))}"),
      ev("return {struct.pack('>I8', 2^63), struct.pack('>i8', 2^63), struct.pack('>I8', 1e20), struct.pack('>i8', -1e20), struct.pack('>I4', 0/0)}"),
      ev("return {tostring(struct.unpack('>I8', string.rep('\\255', 8))), tostring(struct.unpack('>i8', '\\127' .. string.rep('\\255', 7)))}"),
      ev('return {redis.sha1hex(123456789012345678), redis.sha1hex(2^53), redis.sha1hex(12)}'));
  });

  it('cmsgpack', async () => {
    await same(ev("return cmsgpack.pack({1,2,'a',{x=1}}, 1.5, -1, 300, true, nil)"),
      ev("return cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649)"),
      ev("return cmsgpack.pack(0.1, 1e300, string.rep('x', 40), string.rep('y', 300), string.rep('z', 70000))"),
      ev('return cmsgpack.pack({}, {{}}, false)'), ev("return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1,2}))}"),
      ev("local t = cmsgpack.unpack(cmsgpack.pack({x = 5})) return t.x"), ev("return {cmsgpack.unpack(cmsgpack.pack(-5, 70000, -70000, 2^40))}"),
      ev("return cmsgpack.unpack('\\196')"), ev("return cmsgpack.unpack('\\193')"), ev('return cmsgpack.pack()'),
      ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}"), ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"),
      ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}"));
  });

  it('cjson', async () => {
    await same(ev("return cjson.encode({a={1,2,3}})"), ev("return cjson.encode({b='x/y'})"), ev('return cjson.encode({c=1.5})'),
      ev('return cjson.encode({[true]=1})'),
      ev('return cjson.encode({d=cjson.null})'), ev('return cjson.encode({})'), ev('return cjson.encode({[1]=1,[5]=2})'),
      ev('return cjson.encode(1e20)'), ev('return cjson.encode(0.1)'), ev('return cjson.encode(1/3)'),
      ev("return cjson.encode('\\0\\1\\127\\233\"\\\\\\n\\t')"), ev('return cjson.encode(true)'), ev('return cjson.encode(nil)'),
      ev("return cjson.encode({1, 'two', {3}, {x={}}})"), ev('return cjson.encode(0/0)'), ev('return cjson.encode(function() end)'),
      ev("return cjson.decode('[1,2.5,\"x\",null,{\"a\":true}]')[2]"), ev("return tostring(cjson.decode('[1,2.5]')[1])"),
      ev("return cjson.encode(cjson.decode('{\"a\":[1,2,{\"b\":null}]}'))"), ev("return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')"),
      ev("return cjson.decode('[1,2')"), ev("return cjson.decode('{\"a\" 1}')"), ev("return cjson.decode('[1] x')"),
      ev("return cjson.decode('')"), ev("return cjson.decode('\"abc')"), ev("return cjson.decode('\"\\\\q\"')"),
      ev("return cjson.decode('{\"a\":1,}')"), ev("return cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001))"),
      ev("return type(cjson.decode('null'))"), ev("return cjson.decode('-12.5e1')"), ev('return cjson.decode(\'"\\\\/"\')'),
      ev("local t = cjson.decode('{\"k\":\"v\"}') return t.k"), ev("return cjson.decode('[]')"), ev('return cjson.encode({{}})'),
      // Numbers as lua-cjson reads them: strtod's prefix, with what JSON forbids but strtod takes.
      ...['+1', '0x10', '-0x1p3', '0x.8', '01', '1e', '1e5', '1.', '.5', '-', '-x', '--1', '0x', '+', '2.', '12abc',
        '[1,+2,0x1F,-inf]', 'Infinity', 'nan', '1.5e-3', '9007199254740993', '-0', '1e400', '{"a":1e2}'].map((j) =>
        ev('local ok, v = pcall(cjson.decode, ARGV[1]) if not ok then return v end return cjson.encode(v)', '0', j)));
    // NULs (UTF-16/32 in the first two bytes, else the end of the text), control characters, nil.
    const decode = (json: string): string[] => ev('return cjson.decode(ARGV[1])', '0', json);
    await same(decode('b\0'), decode('\0b'), decode('\0'), decode('[1]\0'), decode('["a\0b"]'), decode('[1, \0 2]'),
      decode('["a\x01b"]'), decode('["a\nb"]'), decode('{"a\0":1}'), ev('return cjson.decode(ARGV[1])'), ev('return cjson.decode({})'));
  });
});

describe('EVAL: RESP3', () => {
  /** The bytes of cmds on a fresh connection of each server, compared (HELLO's id masked). */
  const sameBytes = async (...cmds: string[][]): Promise<void> => {
    const [want, got] = await Promise.all([pair.redis.port, pair.redstate.port].map((port) => bytes(port, cmds)));
    const ids = (s: string): string => s.replace(/\$2\r\nid\r\n:\d+/g, '$2\r\nid\r\n:N');
    expect(ids(got)).toBe(ids(want));
  };
  const setup = [['HSET', 'h', 'f', 'v'], ['SADD', 's', 'm'], ['ZADD', 'z', '1.5', 'a'], ['SET', 'k', 'v']];
  const typed = "{2, {map={a=1}}, {set={b=true}}, {double=1.5}, {big_number='123'}, {verbatim_string={format='txt', string='hi'}}}";
  const calls = "local h = redis.call('HGETALL', 'h') local s = redis.call('SMEMBERS', 's') " +
    "local z = redis.call('ZSCORE', 'z', 'a') local n = redis.call('GET', 'missing') " +
    "return {type(h.map), h.map.f, tostring(s.set.m), tostring(z.double), type(n), redis.call('GET', 'k'), redis.call('EXISTS', 'k')}";

  it('answers a HELLO 3 caller in RESP3 types: nil and false as null, maps, sets, doubles, big numbers, verbatim', async () => {
    await sameBytes(['HELLO', '3'], ...setup, ev('return {1, false, true, nil, 2}'), ev('return false'), ev('return nil'), ev(`return ${typed}`),
      ev("return redis.call('HGETALL', 'h')"), ev("return redis.call('SMEMBERS', 's')"), ['HELLO', '2'], ev(`return ${typed}`));
  });

  it('gives a script RESP3 replies and booleans after redis.setresp(3), for RESP2 and RESP3 callers', async () => {
    for (const hello of [['HELLO', '2'], ['HELLO', '3']]) {
      await sameBytes(hello, ...setup, ev(`redis.setresp(3) ${calls}`), ev(`redis.setresp(3) return {true, false, ${typed}}`),
        ev("redis.setresp(3) return redis.call('HGETALL', 'h')"), ev("redis.setresp(3) return redis.call('GET', 'missing')"),
        ev("redis.setresp(3) return {redis.call('ZSCORE', 'z', 'a'), redis.call('SMEMBERS', 's')}"),
        ev('redis.setresp(3) redis.setresp(2) return {true, false}'), ev('redis.setresp(1)'), ev('redis.setresp()'),
        ev("redis.setresp(3) return 1"), ev('return {true, false}'));
    }
  });
});

describe('EVAL: RESP3 replies read by a script', () => {
  it("reads every type DEBUG PROTOCOL sends, an attribute's reply without the attribute (Redis's unit/scripting.tcl)", async () => {
    // A table of several keys is looked into by key: its order is the Lua version's (5.4 here, 5.1 in Redis).
    const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'attrib', 'verbatim', 'true', 'false'];
    const call = (t: string): string => `redis.setresp(3) local r = redis.call('debug', 'protocol', '${t}')`;
    await same(['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'],
      ...types.map((t) => ev(`${call(t)} return r`)), ...types.filter((t) => t !== 'verbatim').map((t) => ev(`${call(t)} return cjson.encode(r)`)),
      ev(`${call('set')} return {tostring(r.set[0]), tostring(r.set[1]), tostring(r.set[2]), tostring(r.set[3])}`),
      ev(`${call('map')} return {tostring(r.map[0]), tostring(r.map[1]), tostring(r.map[2]), tostring(r.map[3])}`),
      ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0']);
  });
});

describe('EVAL: commands that block', () => {
  it('refuses the blocking commands and XREAD/XREADGROUP with BLOCK; the non-blocking forms run', async () => {
    await same(['XADD', 'st', '1-1', 'f', 'v'], ['XGROUP', 'CREATE', 'st', 'g', '0'],
      ev("return redis.call('XREAD', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')", '1', 'st'),
      ev("return redis.pcall('XREAD', 'BLOCK', 100, 'STREAMS', KEYS[1], '0')", '1', 'st'),
      ev("return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', KEYS[1], '>')", '1', 'st'),
      // The command named as the script spelled it.
      ev("return redis.pcall('xread', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')", '1', 'st'),
      ev("return redis.pcall('xReadGroup', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', KEYS[1], '>')", '1', 'st'),
      ev("return redis.call('XREAD', 'COUNT', 1, 'STREAMS', KEYS[1], '0')", '1', 'st'),
      ev("return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')", '1', 'st'),
      ...['BLPOP', 'BRPOP', 'BZPOPMIN', 'BZPOPMAX'].map((c) => ev(`return redis.pcall('${c}', KEYS[1], 0)`, '1', 'l')),
      ev("return redis.pcall('BLMOVE', KEYS[1], 'x', 'LEFT', 'LEFT', 0)", '1', 'l'), ev("return redis.pcall('BRPOPLPUSH', KEYS[1], 'x', 0)", '1', 'l'),
      ev("return redis.pcall('BLMPOP', 0, 1, KEYS[1], 'LEFT')", '1', 'l'), ev("return redis.pcall('WAIT', 0, 0)"),
      ev("return redis.pcall('SUBSCRIBE', 'ch')"), ev("return redis.call('PUBLISH', 'ch', 'm')"), ev("return redis.pcall('MONITOR')"));
  });
});

describe('SCRIPT', () => {
  it('LOAD, EXISTS, EVALSHA, FLUSH', async () => {
    const body = "return 'loaded'";
    await same(['SCRIPT', 'LOAD', body], ['SCRIPT', 'EXISTS', 'd94a6d9e0c8d1d5c1a8e0c4b4fbd5c5e4f0a1b2c'],
      ['EVALSHA', 'b534286061d4b9e4026607613b95c06c06015ae8', '0'], ['SCRIPT', 'EXISTS', 'b534286061d4b9e4026607613b95c06c06015ae8', 'ffff'],
      ['EVALSHA', 'B534286061D4B9E4026607613B95C06C06015AE8', '0'], ['SCRIPT', 'EXISTS', 'B534286061D4B9E4026607613B95C06C06015AE8'],
      ['SCRIPT', 'LOAD', 'return 1 +'], ['SCRIPT', 'LOAD', '#!lua flags=bogus\nreturn 1'], ['SCRIPT', 'FLUSH', 'BOGUS'],
      ['SCRIPT', 'FLUSH', 'SYNC'], ['SCRIPT', 'EXISTS', 'b534286061d4b9e4026607613b95c06c06015ae8'],
      ['EVALSHA', 'b534286061d4b9e4026607613b95c06c06015ae8', '0'], ev(body), ['SCRIPT', 'EXISTS', 'b534286061d4b9e4026607613b95c06c06015ae8'],
      ['SCRIPT', 'FLUSH', 'ASYNC'], ['SCRIPT', 'FLUSH'], ['SCRIPT', 'KILL'], ['SCRIPT', 'BOGUS'], ['SCRIPT', 'HELP'],
      ['SCRIPT', 'DEBUG', 'NO'], ['SCRIPT', 'EXISTS'], ['SCRIPT', 'LOAD'], ev('return 1 +'),
      ['SCRIPT', 'EXISTS', '9f3c2f2d6ba6c5a4a7ee1ddbc1a7bd8e5d8f7cf3']);
  });

  it('a failed EVAL leaves the dataset as its writes left it, and never a key it did not write', async () => {
    await same(ev("redis.call('set','a','1') error('boom')"), ['GET', 'a'], ev("local x = nil + 1 redis.call('set','b','1')"),
      ['EXISTS', 'b'], ev("redis.call('incr', 'c') return redis.call('lpush', 'c', 'x')"), ['GET', 'c']);
  });

  it('stays up after scripts that loop, allocate or recurse without bound are stopped by their errors', async () => {
    const got = await pair.mine(ev("local s = string.rep('x', 65536) local t = {} for i = 1, 1e9 do t[i] = string.rep(s, 256) .. i end return #t"));
    expect(String((got as { error: string }).error)).toMatch(/not enough memory/);
    // Deep recursion, in Lua and through metamethods (the C stack): the Lua VM's errors.
    await same(ev('local function f(n) return 1 + f(n) end return f(1)'),
      ev('local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x'),
      ev('local function f() return pcall(f) end return tostring(f())'));
    await same(ev('return 1'), ev("redis.call('set', 'alive', 'yes') return redis.call('get', 'alive')"));
  });
});
