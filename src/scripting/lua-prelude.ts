// The Lua source that turns a bare Lua 5.4 state into the environment Redis 7.0 gives
// scripts (script_lua.c's luaRegisterRedisAPI, luaSetErrorMetatable, scriptingInit): the
// `redis` table, the 5.1 habits real scripts rely on, the deterministic PRNG, the error
// handler that adds source and line, and read-only globals. It runs once per state with
// full privileges; what scripts see afterwards is the frozen table it returns.
//
// It finds the JS-backed primitives in the global `__js` (call, pcall, sha1hex, log, setrepl,
// setresp, lrand48, srand48, acl, cfunction, args, hookyielded, passyield) and the libraries' tables (cjson, cmsgpack, struct, bit) already built.
import { AS_DOUBLE } from './lua-libs.js';

/** The chunk name loadLibrary gives a library's code (the load timeout's hook looks for it). */
export const LIBRARY_SOURCE = '@user_function';

export const PRELUDE = String.raw`${AS_DOUBLE}
local mode, host = ...
local G = _G
local js = G.__js
G.__js = nil
local load, xpcall, pcall = load, xpcall, pcall
local type, error, tostring, rawget, rawset, setmetatable, select, next, pairs =
  type, error, tostring, rawget, rawset, setmetatable, select, next, pairs
local dbg = debug

-- Lua 5.1 spellings that Redis scripts use and 5.4 dropped.
G.unpack = table.unpack
table.getn = function(t) return #t end
table.maxn = function(t)
  local n = 0
  for k in pairs(t) do if type(k) == 'number' and k > n then n = k end end
  return n
end
table.foreach = function(t, f)
  for k, v in pairs(t) do local r = f(k, v) if r ~= nil then return r end end
end
table.foreachi = function(t, f)
  for i = 1, #t do local r = f(i, t[i]) if r ~= nil then return r end end
end
math.mod = math.fmod
math.pow = function(a, b) return a ^ b end
math.log10 = function(x) return math.log(x, 10) end
math.atan2 = function(y, x) return math.atan(y, x) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.frexp = function(x)
  if x == 0 or x ~= x or x == math.huge or x == -math.huge then return x, 0 end
  local e = math.floor(math.log(math.abs(x), 2)) + 1
  local m = x / 2.0 ^ e
  if math.abs(m) >= 1 then m, e = m / 2, e + 1 elseif math.abs(m) < 0.5 then m, e = m * 2, e - 1 end
  return m, e
end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x) local a, b = math.exp(x), math.exp(-x) return (a - b) / (a + b) end
string.gfind = string.gmatch
G.gcinfo = function() return math.floor(collectgarbage('count')) end

-- What luaL_checkint makes of a number in 5.1: a fraction is cut off toward zero, where 5.4's
-- luaL_checkinteger refuses it ("number has no integer representation"); a numeric string
-- likewise. Anything else comes back as it was, for the C function's own error.
local mtype, mfloor, mceil, huge = math.type, math.floor, math.ceil, math.huge
local function truncate(v)
  if type(v) == 'string' then v = tonumber(v) or v end
  if mtype(v) ~= 'float' or v ~= v or v == huge or v == -huge then return v end
  if v >= 0 then return mfloor(v) end
  return mceil(v)
end

-- Redis's math.random: rand.c's generator (one per server, shared by both states).
local lrand48, srand48 = js.lrand48, js.srand48
math.random = function(...)
  local r = (lrand48() % 2147483647) / 2147483647
  local n = select('#', ...)
  if n == 0 then return r end
  local m = truncate((...))
  if n == 1 then
    if m < 1 then error("bad argument #1 to 'random' (interval is empty)", 0) end
    return math.floor(r * m) + 1
  end
  local lo, hi = truncate((...)), truncate((select(2, ...)))
  if lo > hi then error("bad argument #2 to 'random' (interval is empty)", 0) end
  return math.floor(r * (hi - lo + 1)) + lo
end
math.randomseed = function(seed) srand48(math.floor(tonumber(seed) or 0)) end

-- The redis table.
local redis = {}
redis.call = js.call
redis.pcall = js.pcall
-- Bad arguments make these two return an error reply, not raise one (as in script_lua.c).
-- luaPushErrorBuff: "-CODE text" keeps its code, a message without one gets ERR; C strings
-- end at a NUL, and the ends lose their CR and LF.
redis.error_reply = function(msg)
  if type(msg) ~= 'string' then return { err = 'ERR wrong number or type of arguments' } end
  msg = msg:match('^[^%z]*')
  if msg:sub(1, 1) ~= '-' then msg = '-' .. msg end
  local sp = msg:find(' ', 1, true)
  local code, text = 'ERR', msg:sub(2)
  if sp then code, text = msg:sub(2, sp - 1), msg:sub(sp + 1) end
  return { err = code .. ' ' .. text:match('^[\r\n]*(.-)[\r\n]*$') }
end
redis.status_reply = function(msg)
  if type(msg) ~= 'string' then return { err = 'ERR wrong number or type of arguments' } end
  return { ok = msg }
end
-- One argument; what lua_tolstring cannot read (nil, a table) hashes as the empty string.
redis.sha1hex = function(...)
  if select('#', ...) ~= 1 then error({ err = 'ERR wrong number of arguments' }) end
  local s = ...
  if type(s) ~= 'string' and type(s) ~= 'number' then s = '' end
  return js.sha1hex(tostring(asDouble(s)))
end
redis.log = function(level, ...)
  local n = select('#', ...)
  if n == 0 then error({ err = 'ERR redis.log() requires two arguments or more.' }) end
  if type(level) ~= 'number' then error({ err = 'ERR First argument must be a number (log level).' }) end
  if level < 0 or level > 3 then error({ err = 'ERR Invalid debug level.' }) end
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  js.log(level, table.concat(parts, ' '))
end
redis.setresp = function(...)
  if select('#', ...) ~= 1 then error({ err = 'ERR redis.setresp() requires one argument.' }) end
  local v = ...
  if v ~= 2 and v ~= 3 then error({ err = 'ERR RESP version must be 2 or 3.' }) end
  js.setresp(v)
end
-- luaRedisSetReplCommand: its "two arguments" text, lua_tonumber's 0 for what is not a number,
-- the C int cast's truncation.
redis.set_repl = function(...)
  if select('#', ...) ~= 1 then error({ err = 'ERR redis.set_repl() requires two arguments.' }) end
  local flags = tonumber((...)) or 0
  flags = flags < 0 and math.ceil(flags) or math.floor(flags)
  if flags < 0 or flags > 3 then error({ err = 'ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.' }) end
  js.setrepl(flags)
end
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.acl_check_cmd = function(...)
  if select('#', ...) == 0 then error({ err = 'ERR Please specify at least one argument for this redis lib call' }) end
  return js.acl(...)
end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION = js.version
redis.REDIS_VERSION_NUM = js.versionNum
G.redis = redis

-- What Redis removes from a script's reach.
for _, name in ipairs({ 'print', 'os', 'io', 'require', 'dofile', 'loadfile', 'package', 'utf8', 'debug',
  'warn' }) do G[name] = nil end

-- luaErrorInformation: every error leaves a script as a table with err, source and line, the
-- line being the script's (chunks named '@...'), not that of a library function it called.
-- 5.4 words its type errors "attempt to index a nil value (local 't')"; 5.1, whose texts
-- scripts and their tests match, says "attempt to index local 't' (a nil value)".
-- 5.4 names a constant integer key "field 'integer index'" where 5.1 says "field '?'".
local function as51(msg)
  msg = msg:gsub("attempt to (.-) an? (%w+) value %((%w+) '([^']*)'%)", "attempt to %1 %3 '%4' (a %2 value)")
  return (msg:gsub("field 'integer index'", "field '?'"))
end
local function errorHandler(err)
  local found
  local level = 2
  while true do
    local info = dbg.getinfo(level, 'Sl')
    if info == nil then break end
    if info.what ~= 'C' and info.source:sub(1, 1) == '@' then found = info break end
    level = level + 1
  end
  if type(err) ~= 'table' then err = { err = 'ERR ' .. as51(tostring(err)) } end
  if found then err.source = found.source err.line = found.currentline end
  return err
end

-- Redis's libraries and most of its redis.* functions are C functions. Two things follow that
-- Lua versions must keep: luaL_error names the script line that called them, and a call in
-- tail position ('return bit.band(x)') keeps the script's frame, so that line exists. Each
-- such function is therefore called through a C trampoline (js.cfunction) and raises
-- through this boundary, which adds the caller's position to a string error.
local pack, unpackn = table.pack, table.unpack
local function asC(f)
  return js.cfunction(function(...)
    local r = pack(pcall(f, ...))
    if not r[1] then
      if type(r[2]) == 'string' then error(r[2], 3) end
      error(r[2], 0)
    end
    return unpackn(r, 2, r.n)
  end)
end
for _, name in ipairs({ 'cjson', 'cmsgpack', 'struct', 'bit', 'redis' }) do
  local lib = G[name]
  for k, f in pairs(lib) do
    if type(f) == 'function' and k ~= 'call' and k ~= 'pcall' then lib[k] = asC(f) end
  end
end
math.random = asC(math.random)
math.randomseed = asC(math.randomseed)

-- Each script runs in a coroutine of the host (host), which the count hook suspends so that the
-- event loop can turn (engine.ts). To the script that coroutine must look like Redis's main
-- thread: coroutine.yield there is refused as 5.1 refuses it, coroutine.running() is nil. A
-- coroutine the script made is suspended by the hook as well (js.hookyielded says so): its
-- resumer suspends its own coroutine in turn (js.passyield marks that yield as the hook's),
-- up to the host's, and once resumed resumes it again; a resumer that cannot yield resumes it
-- at once.
local co = coroutine
local cyield, cresume, ccreate, crunning, cyieldable = co.yield, co.resume, co.create, co.running, co.isyieldable
local hookyielded, passyield = js.hookyielded, js.passyield
local function resume(t, ...)
  local r = pack(cresume(t, ...))
  while r[1] and hookyielded() do
    if cyieldable() then
      passyield()
      cyield()
    end
    r = pack(cresume(t))
  end
  return unpackn(r, 1, r.n)
end
co.resume = resume
-- luaB_auxwrap, a C function: a string error gets the caller's position.
co.wrap = function(f)
  local t = ccreate(f)
  return asC(function(...)
    local r = pack(resume(t, ...))
    if r[1] then return unpackn(r, 2, r.n) end
    error(r[2], 0)
  end)
end
co.yield = function(...)
  if crunning() == host then error('attempt to yield across metamethod/C-call boundary', 0) end
  return cyield(...)
end
co.running = function()
  local t = crunning()
  if t == host then return nil end
  return t
end
co.isyieldable = nil
co.close = nil

-- Lua versions of the C functions that call back into Lua (table.sort's comparator,
-- string.gsub's replacement function or table, tostring's __tostring): 5.4 cannot yield under
-- a C function that calls Lua without a continuation, so a script looping for ever there could
-- be neither suspended nor killed (engine.ts). Written in Lua, those calls are yieldable. Like
-- asC they run behind the C trampoline, and raise as their C counterparts would: an error
-- they raise themselves through cerror (luaL_error's caller position, or none for the
-- runtime errors of lua_lessthan), one a C function they called raised with their own
-- position ('redis:N:') at the caller's position, any other (the script's own) unchanged.
local RAISED = {}
local function cerror(msg, positioned) error({ [RAISED] = msg, positioned = positioned }, 0) end
local function asLib(f, depth)
  -- depth: Lua frames between the script and this function (a wrapper that calls it).
  depth = depth or 0
  return js.cfunction(function(...)
    local r = pack(pcall(f, ...))
    if r[1] then return unpackn(r, 2, r.n) end
    local e = r[2]
    local msg, level = e, 0
    if type(e) == 'table' and rawget(e, RAISED) ~= nil then
      msg, level = e[RAISED], e.positioned and 3 or 0
    elseif type(e) == 'string' then
      local bare = e:match('^redis:%d+: (.*)$')
      if bare then msg, level = bare, 3 end
    end
    if level == 3 then level = level + depth end
    -- luaL_argerror does not count self in a method call (s:gsub(...)).
    local arg, rest
    if level > 0 then arg, rest = msg:match('^bad argument #(%d+)(.*)$') end
    if arg and dbg.getinfo(2 + depth, 'n').namewhat == 'method' then
      msg = 'bad argument #' .. (arg - 1) .. rest
    end
    error(msg, level)
  end)
end
local function argtype(n, i, v) return n < i and 'no value' or type(v) end

-- Lua 5.1's auxsort, step for step (median of three, then partition around it, the smaller
-- half by recursion), so that a comparator sees the same calls and equal elements end in the
-- same order as on Redis; raw reads and writes as 5.1's. Without a comparator (lt nil) '<'
-- compares, inline for speed.
local function auxsort(t, lo, up, lt)
  while lo < up do
    local a, b = rawget(t, lo), rawget(t, up)
    if lt == nil and b < a or lt ~= nil and lt(b, a) then rawset(t, lo, b) rawset(t, up, a) end
    if up - lo == 1 then break end
    local i = (lo + up) // 2
    a, b = rawget(t, i), rawget(t, lo)
    if lt == nil and a < b or lt ~= nil and lt(a, b) then
      rawset(t, i, b) rawset(t, lo, a)
    else
      b = rawget(t, up)
      if lt == nil and b < a or lt ~= nil and lt(b, a) then rawset(t, i, b) rawset(t, up, a) end
    end
    if up - lo == 2 then break end
    local p = rawget(t, i)
    rawset(t, i, rawget(t, up - 1)) rawset(t, up - 1, p)
    local j = up - 1
    i = lo
    while true do
      i = i + 1
      local ai = rawget(t, i)
      while lt == nil and ai < p or lt ~= nil and lt(ai, p) do
        if i > up then cerror('invalid order function for sorting', true) end
        i = i + 1
        ai = rawget(t, i)
      end
      j = j - 1
      local aj = rawget(t, j)
      while lt == nil and p < aj or lt ~= nil and lt(p, aj) do
        if j < lo then cerror('invalid order function for sorting', true) end
        j = j - 1
        aj = rawget(t, j)
      end
      if j < i then break end
      rawset(t, i, aj) rawset(t, j, ai)
    end
    a, b = rawget(t, up - 1), rawget(t, i)
    rawset(t, up - 1, b) rawset(t, i, a)
    if i - lo < up - i then
      j, i, lo = lo, i - 1, i + 1
    else
      j, i, up = i + 1, up, i - 1
    end
    auxsort(t, j, i, lt)
  end
end
-- An array of only numbers (no NaN) or only strings, with no metatable, has one sorted order
-- and its C sort calls no Lua: it keeps the speed of C.
local csort, getmeta = table.sort, dbg.getmetatable
local function plain(t)
  if getmeta(t) ~= nil then return false end
  local kind = type(rawget(t, 1))
  if kind ~= 'number' and kind ~= 'string' then return false end
  for i = 1, rawlen(t) do
    local v = rawget(t, i)
    if type(v) ~= kind or v ~= v then return false end
  end
  return true
end
table.sort = asLib(function(...)
  local n, t, comp = select('#', ...), ...
  if type(t) ~= 'table' then cerror("bad argument #1 to 'sort' (table expected, got " .. argtype(n, 1, t) .. ')', true) end
  if comp ~= nil and type(comp) ~= 'function' then
    cerror("bad argument #2 to 'sort' (function expected, got " .. type(comp) .. ')', true)
  end
  if comp ~= nil then return auxsort(t, 1, rawlen(t), comp) end
  if plain(t) then return csort(t) end
  -- lua_lessthan's type error carries no position under the C sort.
  local ok, e = pcall(auxsort, t, 1, rawlen(t))
  if ok then return end
  local bare = type(e) == 'string' and e:match('^redis:%d+: (attempt to compare .*)$')
  if bare then cerror(bare, false) end
  error(e, 0)
end)

-- str_gsub with a function or table: string.find finds the next match (with its captures), the
-- loop does what 5.1's does between matches: an empty match right after a match counts, an
-- empty match copies the next character, '^' stops after the first position, at most max_n
-- matches. A string replacement stays with the C gsub. (Called through a table so that C
-- argument errors name 'gsub'.)
local C = { gsub = string.gsub, find = string.find }
local sub, concat, ctostring = string.sub, table.concat, tostring
local function replaced(s, repl, st, e, ...)
  local v
  if type(repl) == 'function' then
    if select('#', ...) == 0 then v = repl(sub(s, st, e)) else v = repl(...) end
  else
    local key = ...
    if select('#', ...) == 0 then key = sub(s, st, e) end
    v = repl[key]
  end
  if not v then return sub(s, st, e) end
  local tv = type(v)
  if tv == 'string' then return v end
  if tv == 'number' then return ctostring(v) end
  cerror('invalid replacement value (a ' .. tv .. ')', true)
end
local function nextMatch(s, repl, st, e, ...)
  if st == nil then return nil end
  return st, e, replaced(s, repl, st, e, ...)
end
string.gsub = asLib(function(...)
  local s, p, repl, maxn = ...
  local tr = type(repl)
  if tr == 'string' or tr == 'number' then return C.gsub(...) end
  s = C.gsub(s, p, '', 0)
  if tr ~= 'function' and tr ~= 'table' then cerror("bad argument #3 to 'gsub' (string/function/table expected)", true) end
  local max = math.huge
  if maxn ~= nil then
    max = tonumber(maxn)
    if max == nil then cerror("bad argument #4 to 'gsub' (number expected, got " .. type(maxn) .. ')', true) end
    max = max < 0 and math.ceil(max) or math.floor(max)
  end
  local anchor = sub(p, 1, 1) == '^'
  local len, out, k, pos, n = #s, {}, 0, 1, 0
  while n < max do
    local st, e, v = nextMatch(s, repl, C.find(s, p, pos))
    if st == nil then break end
    n = n + 1
    if st > pos then k = k + 1 out[k] = sub(s, pos, st - 1) end
    k = k + 1 out[k] = v
    if e >= st then
      pos = e + 1
    elseif st <= len then
      k = k + 1 out[k] = sub(s, st, st)
      pos = st + 1
    else
      pos = st + 1
      break
    end
    if anchor then break end
  end
  if pos <= len then k = k + 1 out[k] = sub(s, pos) end
  return concat(out, '', 1, k), n
end)

-- The library functions that take integers, as 5.1's take them (truncate above): string.sub(s,
-- 1, #s / 2) and string.format('%d', ms / 1000) work as in Redis. A call that cannot fail
-- (straight says which: the right types, integers, in range) goes straight to the C function,
-- the common case; any other goes through asLib, its numbers truncated, so that an error is
-- placed and worded as C's (the C function called as C.<name> to be named so). Only a failing
-- call in tail position ('return string.sub(s, {})') loses the script's line: the script's
-- frame gives way to the Lua wrapper, where 5.1 keeps it for the C function (asC's reason;
-- behind its trampoline every call would cost a microsecond).
local function viaC(name, f)
  return load('local C = ... return function(...) return C.' .. name .. '(...) end', '=redis')({ [name] = f })
end
local function isInteger(v) return mtype(v) == 'integer' end
local function isText(v) local t = type(v) return t == 'string' or t == 'number' end
local function takesIntegers(lib, name, from, to, straight, valid)
  local f = lib[name]
  local named = viaC(name, f)
  local checked = asLib(function(...)
    local n, a = select('#', ...), pack(...)
    for k = from, to < n and to or n do
      a[k] = truncate(a[k])
      if valid then valid(k, a[k]) end
    end
    return named(unpackn(a, 1, n))
  end, 1)
  lib[name] = function(...)
    if straight(select('#', ...), ...) then return f(...) end
    -- Not a tail call: asLib finds the script one frame up, and whether it called a method.
    local r = pack(checked(...))
    return unpackn(r, 1, r.n)
  end
end
-- Whether args from..n are integers, within lo..hi when given.
local function integers(from, n, lo, hi, ...)
  for k = from, n do
    local v = (select(k, ...))
    if not isInteger(v) or (lo and (v < lo or v > hi)) then return false end
  end
  return true
end
takesIntegers(string, 'sub', 2, 3, function(n, s, ...) return n >= 2 and n <= 3 and isText(s) and integers(1, n - 1, nil, nil, ...) end)
takesIntegers(string, 'byte', 2, 3, function(n, s, ...) return n >= 1 and n <= 3 and isText(s) and integers(1, n - 1, nil, nil, ...) end)
takesIntegers(string, 'rep', 2, 2, function(n, s, count, sep)
  return n == 2 and isText(s) and isInteger(count) and count * #tostring(s) < 2 ^ 31
end)
takesIntegers(string, 'char', 1, huge, function(n, ...) return integers(1, n, 0, 255, ...) end, function(k, v)
  if mtype(v) == 'integer' and (v < 0 or v > 255) then cerror('bad argument #' .. k .. " to 'char' (invalid value)", true) end
end)
takesIntegers(G, 'select', 1, 1, function(n, i) return n >= 1 and (i == '#' or (isInteger(i) and i >= 1)) end)

-- string.format's integer conversions (c d i o x X) take 5.1's truncated numbers, %q quotes a
-- number as 5.1's does, and an option 5.1 does not know is refused in its words. Always through asLib: a format can fail
-- in too many ways to tell a straight call apart.
local format = viaC('format', string.format)
string.format = asLib(function(...)
  local n, a = select('#', ...), pack(...)
  local fmt, k, i = a[1], 1, 1
  while type(fmt) == 'string' do
    local _, e, conv = C.find(fmt, '%%[-+ #0]*%d*%.?%d*(.?)', i)
    if e == nil then break end
    if conv ~= '%' then
      if not C.find('cdiouxXeEfgGqs', conv, 1, true) then cerror("invalid option '%" .. conv .. "' to 'format'", true) end
      k = k + 1
      if k <= n and C.find('cdioxX', conv, 1, true) then a[k] = truncate(a[k]) end
      -- 5.1's %q quotes a number as the string it prints as; 5.4 writes it bare (or in hex).
      if k <= n and conv == 'q' and type(a[k]) == 'number' then a[k] = tostring(a[k]) end
    end
    i = e + 1
  end
  return format(unpackn(a, 1, n))
end)

-- luaB_tostring as 5.1 has it: __tostring's first result, whatever it is.
G.tostring = asLib(function(...)
  if select('#', ...) == 0 then cerror("bad argument #1 to 'tostring' (value expected)", true) end
  local v = ...
  local mt = getmeta(v)
  local f = mt and rawget(mt, '__tostring')
  if f ~= nil then return (f(v)) end
  return ctostring(v)
end)

-- luaRedisPcall: Redis's pcall hands back an error table's err string, not the table.
G.pcall = function(f, ...)
  local r = pack(pcall(f, ...))
  if not r[1] and type(r[2]) == 'table' then
    local err = r[2].err
    if type(err) == 'string' then r[2] = err end
  end
  return unpackn(r, 1, r.n)
end

-- Read-only tables (Redis 7.0's lua_enablereadonlytable): a script can neither add a global nor
-- change a library. Each table is replaced by an empty proxy that reads through to it.
local readonly = {}
local function refuse() error('Attempt to modify a readonly table', 2) end
local function freeze(t, index)
  local proxy = setmetatable({}, {
    __index = index or t,
    __newindex = refuse,
    __pairs = function() return next, t, nil end,
    __len = function() return #t end,
    __metatable = false,
  })
  readonly[proxy] = true
  return proxy
end
local function refuseAny() error('Attempt to modify a readonly table', 0) end
G.rawset = function(t, k, v)
  if readonly[t] then refuseAny() end
  return rawset(t, k, v)
end
local setmeta = setmetatable
-- 5.1 never finalizes a table; 5.4 would run a __gc present when the metatable is set, at any
-- allocation and where the hook can not suspend it: the table is given its metatable without.
G.setmetatable = function(t, mt)
  if readonly[t] then refuseAny() end
  local gc = type(mt) == 'table' and rawget(mt, '__gc')
  if not gc then return setmeta(t, mt) end
  rawset(mt, '__gc', nil)
  setmeta(t, mt)
  rawset(mt, '__gc', gc)
  return t
end
for _, name in ipairs({ 'redis', 'string', 'table', 'math', 'coroutine', 'cjson', 'cmsgpack', 'struct', 'bit' }) do
  G[name] = freeze(G[name])
end
local env
-- loadstring as 7.0 has it: text chunks, compiled with the script's globals.
G.loadstring = function(s, name)
  if type(s) ~= 'string' then error("bad argument #1 to 'loadstring' (string expected)", 2) end
  return load(s, name or s, 't', env)
end
G.load = function(chunk, name, _, _) return load(chunk, name, 't', env) end
setmetatable(G, {
  __index = function(_, k)
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end,
})
env = freeze(G, G)
rawset(G, '_G', env)
-- getmetatable of a read-only table shows what Redis's does: the globals' metatable, itself
-- read-only, for _G; nothing for a library.
local shownMeta = { [env] = freeze(getmetatable(G)) }
local getmeta = getmetatable
G.getmetatable = asC(function(...)
  if select('#', ...) == 0 then error("bad argument #1 to 'getmetatable' (value expected)", 0) end
  local t = ...
  if readonly[t] then return shownMeta[t] end
  return getmeta(t)
end)

-- The privileged side, kept by the host in the registry: compile a body with the script's
-- globals, and run a function under the error handler, with KEYS and ARGV as globals (EVAL)
-- or as its arguments (FCALL). The host builds the two tables inside the run (js.args), where
-- running out of memory is an error of the script, not of the state.
local args = js.args
local function compile(body, chunkname) return load(body, chunkname, 't', env) end
local function runEval(f)
  local keys, argv = args()
  rawset(G, 'KEYS', keys)
  rawset(G, 'ARGV', argv)
  return xpcall(f, errorHandler)
end
local function runFunction(f) return xpcall(f, errorHandler, args()) end
local function gc() collectgarbage('collect') end
local api = { compile = compile, run = mode == 'functions' and runFunction or runEval, gc = gc }
if mode ~= 'functions' then return api end

-- The functions state (function_lua.c): a library's code runs once, at FUNCTION LOAD, where
-- its only global is a reduced redis table whose register_function collects its functions;
-- the functions it registered later run with the full globals (but no KEYS or ARGV).
local loading = false
local registered, order
local function nonexistent(k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 3)
end
local FLAGS = { ['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true, ['no-cluster'] = true,
  ['allow-cross-slot-keys'] = true }
local function regerr(msg) error({ err = 'ERR ' .. msg }) end
local function register(...)
  -- A function that kept the load's redis table calls it later, at run time.
  if not loading then regerr('redis.register_function can only be called on FUNCTION LOAD command') end
  local n = select('#', ...)
  local name, callback, flags, description
  if n == 1 then
    local t = ...
    if type(t) ~= 'table' then
      regerr('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).')
    end
    for k, v in pairs(t) do
      if k == 'function_name' then name = v
      elseif k == 'callback' then callback = v
      elseif k == 'flags' then flags = v
      elseif k == 'description' then description = v
      else regerr('unknown argument given to redis.register_function') end
    end
  elseif n == 2 then
    name, callback = ...
    if type(name) ~= 'string' then regerr('first argument to redis.register_function must be a string') end
    if type(callback) ~= 'function' then regerr('second argument to redis.register_function must be a function') end
  else regerr('wrong number of arguments to redis.register_function') end
  if name == nil then regerr('redis.register_function must get a function name argument') end
  if type(name) ~= 'string' then regerr('function_name argument given to redis.register_function must be a string') end
  if callback == nil then regerr('redis.register_function must get a callback argument') end
  if type(callback) ~= 'function' then regerr('callback argument given to redis.register_function must be a function') end
  if description ~= nil and type(description) ~= 'string' then
    regerr('description argument given to redis.register_function must be a string')
  end
  local list = {}
  if flags ~= nil then
    if type(flags) ~= 'table' then regerr('flags argument to redis.register_function must be a table representing function flags') end
    for _, f in ipairs(flags) do
      if type(f) ~= 'string' or not FLAGS[f] then regerr('unknown flag given') end
      list[#list + 1] = f
    end
  end
  if not name:match('^[%w_]+$') then
    -- (sic: Redis 7.0 says "Library names" here too)
    regerr('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long')
  end
  if registered[name] then regerr('Function already exists in the library') end
  registered[name] = { name = name, f = callback, flags = list, description = description }
  order[#order + 1] = name
end
local loadRedis = setmetatable({ register_function = asC(register), log = G.redis.log,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = js.version, REDIS_VERSION_NUM = js.versionNum }, {
  __index = function(_, k) nonexistent(k) end, __newindex = refuse, __metatable = false })
local fenv = setmetatable({}, {
  __index = function(_, k)
    if loading then
      if k == 'redis' then return loadRedis end
      nonexistent(k)
    end
    if k == 'KEYS' or k == 'ARGV' then nonexistent(k) end
    local v = rawget(G, k)
    if v == nil then nonexistent(k) end
    return v
  end,
  __newindex = refuse,
  __metatable = false,
})
readonly[fenv] = true
-- loadLibrary(code): the chunk's compile error (string), or ok and the registered functions
-- in order ({name, f, flags, description}), or false and the error table it raised.
api.loadLibrary = function(code)
  local chunk, err = load(code, '${LIBRARY_SOURCE}', 't', fenv)
  if chunk == nil then return err end
  registered, order = {}, {}
  loading = true
  local ok, e = xpcall(chunk, errorHandler)
  loading = false
  if not ok then return false, e end
  local out = {}
  for i, name in ipairs(order) do out[i] = registered[name] end
  registered, order = nil, nil
  return true, out
end
return api
`;
