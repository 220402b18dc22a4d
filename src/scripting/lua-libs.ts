// The libraries Redis 7.0 links into its Lua (deps/lua/src: lua_bit.c, lua_struct.c,
// lua_cmsgpack.c, lua_cjson.c), written in Lua 5.4 against the same behaviour: byte layouts,
// number formats and error texts as those C libraries produce them, so that a script's
// bytes and errors match redis-server's. Each chunk returns its library table; `null` (the
// lightuserdata cjson.null) is passed in by the host.
//
// Where 5.4 differs from 5.1 under them: integers are 64-bit Lua integers instead of doubles
// (an integer of 15 digits or more they make is a double, which prints as in 5.1: asDouble),
// and table iteration order is 5.4's, so a map encoded from a Lua table with several keys may
// list them in another order than redis-server.

/**
 * asDouble(v): v as 5.1 holds a number, as far as it shows: an integer of 15 digits or more
 * becomes a float, which prints with %.14g (1.2345678901235e+17), where an integer prints
 * whole. One line, so that it opens a chunk (PRELUDE too) without moving its line numbers.
 */
export const AS_DOUBLE = "local function asDouble(v) if math.type(v) == 'integer' and (v >= 1e14 or v <= -1e14) then return v + 0.0 end return v end";

/** LuaBitOp 1.0: 32-bit operations on numbers, results as signed 32-bit integers. */
export const BIT = String.raw`
local floor, fmod, tointeger, type, select, tonumber = math.floor, math.fmod, math.tointeger, type, select, tonumber
-- x, argument i of name's given ones; a missing one is 'no value', as luaL_checknumber says.
local function tobit(x, name, i, given)
  local n = tonumber(x)
  if n == nil then
    local got = given < i and 'no value' or type(x)
    error("bad argument #" .. i .. " to '" .. name .. "' (number expected, got " .. got .. ")", 0)
  end
  if math.type(n) == 'float' then
    if n ~= n or n == math.huge or n == -math.huge then return 0 end
    local f = floor(n)
    local d = n - f
    if d > 0.5 or (d == 0.5 and fmod(f, 2) ~= 0) then f = f + 1 end
    n = tointeger(fmod(f, 4294967296.0)) or 0
  end
  n = n & 0xffffffff
  if n >= 0x80000000 then n = n - 0x100000000 end
  return n
end
local function norm(n)
  n = n & 0xffffffff
  if n >= 0x80000000 then n = n - 0x100000000 end
  return n
end
local bit = {}
bit.tobit = function(...) return tobit((...), 'tobit', 1, select('#', ...)) end
bit.bnot = function(...) return norm(~tobit((...), 'bnot', 1, select('#', ...))) end
local function fold(name, op)
  return function(...)
    local given = select('#', ...)
    local r = tobit((...), name, 1, given)
    for i = 2, given do r = op(r, tobit((select(i, ...)), name, i, given)) end
    return norm(r)
  end
end
-- A shift or rotation of x by n (mod 32): op(x as 32 unsigned bits, n).
local function shift(name, op)
  return function(...)
    local given = select('#', ...)
    local x, n = ...
    return norm(op(tobit(x, name, 1, given) & 0xffffffff, tobit(n, name, 2, given) & 31))
  end
end
bit.band = fold('band', function(a, b) return a & b end)
bit.bor = fold('bor', function(a, b) return a | b end)
bit.bxor = fold('bxor', function(a, b) return a ~ b end)
bit.lshift = shift('lshift', function(v, s) return v << s end)
bit.rshift = shift('rshift', function(v, s) return v >> s end)
bit.arshift = shift('arshift', function(v, s) return norm(v) // (1 << s) end)
bit.rol = shift('rol', function(v, s) return (v << s) | (v >> (32 - s)) end)
bit.ror = shift('ror', function(v, s) return (v >> s) | (v << (32 - s)) end)
bit.bswap = function(...)
  local v = tobit((...), 'bswap', 1, select('#', ...)) & 0xffffffff
  return norm(((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24))
end
bit.tohex = function(...)
  local given = select('#', ...)
  local x, n = ...
  local v = tobit(x, 'tohex', 1, given)
  n = n == nil and 8 or tobit(n, 'tohex', 2, given)
  if n == 0 then return '' end
  local fmt = '%0'
  if n < 0 then n = -n fmt = fmt .. 'X' else fmt = fmt .. 'x' end
  if n > 8 then n = 8 end
  local masked = (v & 0xffffffff) & ((1 << (4 * n)) - 1)
  return string.format(fmt:sub(1, 2) .. n .. fmt:sub(3), masked)
end
return bit
`;

/** Roberto Ierusalimschy's struct library (pack, unpack, size) as Redis ships it. */
export const STRUCT = String.raw`${AS_DOUBLE}
local spack, sunpack, type, tonumber = string.pack, string.unpack, type, tonumber
local SIZES = { b = 1, B = 1, h = 2, H = 2, l = 8, L = 8, T = 8, f = 4, d = 8, x = 1 }
-- Reads the options of fmt one by one: calls each(opt, size, little, align) for data options.
local function walk(fname, fmt, each)
  local i, little, maxalign, total = 1, true, 1, 0
  while i <= #fmt do
    local opt = fmt:sub(i, i)
    i = i + 1
    local digits = fmt:match('^%d+', i)
    local n
    if digits then n = tonumber(digits) i = i + #digits end
    if opt == ' ' then
    elseif opt == '<' or opt == '=' then little = true
    elseif opt == '>' then little = false
    elseif opt == '!' then maxalign = n or 8
    else
      local size
      if opt == 'i' or opt == 'I' then
        size = n or 4
        if size > 8 or size < 1 then error("bad argument #1 to '" .. fname .. "' (integral size " .. size .. ' is larger than limit of 8)', 0) end
      elseif opt == 'c' then size = n or 1
      elseif opt == 's' then size = 0
      else
        size = SIZES[opt]
        if size == nil then error("bad argument #1 to '" .. fname .. "' (invalid format option '" .. opt .. "')", 0) end
      end
      local align = (opt == 'c' or opt == 's' or opt == 'x') and 1 or math.min(size, maxalign)
      if align > 1 and total % align ~= 0 then
        total = total + each('pad', align - total % align)
      end
      total = total + each(opt, size, little)
    end
  end
end
local function intfmt(opt, size, little)
  local signed = opt == 'b' or opt == 'h' or opt == 'l' or opt == 'i'
  return (little and '<' or '>') .. (signed and 'i' or 'I') .. size
end
local struct = {}
struct.pack = function(fmt, ...)
  if type(fmt) ~= 'string' then error("bad argument #1 to 'pack' (string expected, got " .. type(fmt) .. ")", 0) end
  local out, arg, args = {}, 1, table.pack(...)
  local function nextarg(kind)
    local v = args[arg]
    if kind == 'string' then
      if type(v) ~= 'string' and type(v) ~= 'number' then
        error("bad argument #" .. (arg + 1) .. " to 'pack' (string expected, got " .. (v == nil and 'no value' or type(v)) .. ")", 0)
      end
    elseif tonumber(v) == nil then
      error("bad argument #" .. (arg + 1) .. " to 'pack' (number expected, got " .. (v == nil and 'no value' or type(v)) .. ")", 0)
    end
    arg = arg + 1
    return v
  end
  walk('pack', fmt, function(opt, size, little)
    if opt == 'pad' or opt == 'x' then out[#out + 1] = string.rep('\0', size) return size end
    if opt == 'f' or opt == 'd' then
      out[#out + 1] = spack((little and '<' or '>') .. opt, tonumber(nextarg('number'))) return size
    end
    if opt == 's' then
      local s = tostring(nextarg('string'))
      out[#out + 1] = s .. '\0' return #s + 1
    end
    if opt == 'c' then
      local s = tostring(nextarg('string'))
      if size == 0 then size = #s end
      -- struct.c numbers it past the string it checks.
      if #s < size then error("bad argument #" .. (arg + 1) .. " to 'pack' (string too short)", 0) end
      out[#out + 1] = s:sub(1, size) return size
    end
    local v = tonumber(nextarg('number'))
    if math.type(v) == 'float' then
      -- putinteger's casts on x86-64: (Uinttype) of a number >= 0, (Inttype) of a negative one.
      if v ~= v or v >= 2 ^ 64 then v = 0
      elseif v >= 2 ^ 63 then v = math.tointeger(math.floor(v - 2 ^ 64))
      elseif v <= -2 ^ 63 then v = math.mininteger
      else v = math.tointeger(v < 0 and math.ceil(v) or math.floor(v)) end
    end
    if size < 8 then v = v & ((1 << (8 * size)) - 1) end
    out[#out + 1] = spack((little and '<' or '>') .. 'I' .. size, v) return size
  end)
  return table.concat(out)
end
struct.unpack = function(fmt, data, init)
  if type(fmt) ~= 'string' then error("bad argument #1 to 'unpack' (string expected, got " .. type(fmt) .. ")", 0) end
  if type(data) ~= 'string' then error("bad argument #2 to 'unpack' (string expected, got " .. type(data) .. ")", 0) end
  local pos = (init or 1) - 1
  local out = {}
  local function need(size)
    if pos + size > #data then error("bad argument #2 to 'unpack' (data string too short)", 0) end
  end
  walk('unpack', fmt, function(opt, size, little)
    if opt == 'pad' or opt == 'x' then pos = pos + size return size end
    if opt == 's' then
      local e = data:find('\0', pos + 1, true)
      if e == nil then error('unfinished string in data', 0) end
      out[#out + 1] = data:sub(pos + 1, e - 1)
      local n = e - pos
      pos = e
      return n
    end
    if opt == 'c' then
      if size == 0 then
        if #out == 0 or type(out[#out]) ~= 'number' then error("bad argument #1 to 'unpack' (format 'c0' needs a previous size)", 0) end
        size = math.tointeger(table.remove(out)) or 0
      end
      need(size)
      out[#out + 1] = data:sub(pos + 1, pos + size)
      pos = pos + size
      return size
    end
    need(size)
    if opt == 'f' or opt == 'd' then
      out[#out + 1] = sunpack((little and '<' or '>') .. opt, data, pos + 1)
    else
      local f = intfmt(opt, size, little)
      local v = sunpack(f, data, pos + 1)
      -- getinteger's 64-bit unsigned, a double in 5.1.
      if v < 0 and f:find('I', 1, true) then v = v + 2.0 ^ 64 end
      out[#out + 1] = asDouble(v)
    end
    pos = pos + size
    return size
  end)
  out[#out + 1] = pos + 1
  return table.unpack(out)
end
struct.size = function(fmt)
  local total = 0
  walk('size', fmt, function(opt, size)
    if opt == 's' or (opt == 'c' and size == 0) then error("bad argument #1 to 'size' (options 'c0' - 's' have undefined sizes)", 0) end
    total = total + size
    return size
  end)
  return total
end
return struct
`;

/** lua-cmsgpack 0.4 (Redis's copy): MessagePack pack/unpack of Lua values. */
export const CMSGPACK = String.raw`${AS_DOUBLE}
local spack, sunpack, type, select, char, byte = string.pack, string.unpack, type, select, string.char, string.byte
local MAX_NESTING = 16
local function isArray(t)
  local count, max = 0, 0
  for k in pairs(t) do
    if type(k) ~= 'number' or k <= 0 or k ~= math.floor(k) then return false end
    count = count + 1
    if k > max then max = k end
  end
  return count == max
end
local function encodeInt(n, out)
  if n >= 0 then
    if n <= 127 then out[#out + 1] = char(n)
    elseif n <= 0xff then out[#out + 1] = char(0xcc, n)
    elseif n <= 0xffff then out[#out + 1] = spack('>BI2', 0xcd, n)
    elseif n <= 0xffffffff then out[#out + 1] = spack('>BI4', 0xce, n)
    else out[#out + 1] = spack('>Bi8', 0xcf, n) end
  else
    if n >= -32 then out[#out + 1] = spack('b', n)
    elseif n >= -128 then out[#out + 1] = spack('>Bb', 0xd0, n)
    elseif n >= -32768 then out[#out + 1] = spack('>Bi2', 0xd1, n)
    elseif n >= -2147483648 then out[#out + 1] = spack('>Bi4', 0xd2, n)
    else out[#out + 1] = spack('>Bi8', 0xd3, n) end
  end
end
local encode
local function encodeTable(t, out, level)
  if isArray(t) then
    local n = #t
    if n <= 15 then out[#out + 1] = char(0x90 | n)
    elseif n <= 0xffff then out[#out + 1] = spack('>BI2', 0xdc, n)
    else out[#out + 1] = spack('>BI4', 0xdd, n) end
    for i = 1, n do encode(t[i], out, level + 1) end
  else
    local n = 0
    for _ in pairs(t) do n = n + 1 end
    if n <= 15 then out[#out + 1] = char(0x80 | n)
    elseif n <= 0xffff then out[#out + 1] = spack('>BI2', 0xde, n)
    else out[#out + 1] = spack('>BI4', 0xdf, n) end
    for k, v in pairs(t) do encode(k, out, level + 1) encode(v, out, level + 1) end
  end
end
encode = function(v, out, level)
  local t = type(v)
  if t == 'string' then
    local n = #v
    if n < 32 then out[#out + 1] = char(0xa0 | n)
    elseif n <= 0xff then out[#out + 1] = char(0xd9, n)
    elseif n <= 0xffff then out[#out + 1] = spack('>BI2', 0xda, n)
    else out[#out + 1] = spack('>BI4', 0xdb, n) end
    out[#out + 1] = v
  elseif t == 'boolean' then out[#out + 1] = char(v and 0xc3 or 0xc2)
  elseif t == 'number' then
    local i = math.tointeger(v)
    if i ~= nil and v == v then encodeInt(i, out)
    elseif sunpack('f', spack('f', v)) == v then out[#out + 1] = spack('>Bf', 0xca, v)
    else out[#out + 1] = spack('>Bd', 0xcb, v) end
  elseif t == 'table' and level < MAX_NESTING then encodeTable(v, out, level)
  else out[#out + 1] = char(0xc0) end
end
local function missing() error('Missing bytes in input.', 0) end
local decode
local function decodeN(s, pos, n, map, level)
  local t = {}
  for i = 1, n do
    local k
    k, pos = decode(s, pos, level + 1)
    if map then
      local v
      v, pos = decode(s, pos, level + 1)
      if k ~= nil then t[k] = v end
    else t[i] = k end
  end
  return t, pos
end
decode = function(s, pos, level)
  if pos > #s then missing() end
  local b = byte(s, pos)
  pos = pos + 1
  local function take(fmt, size)
    if pos + size - 1 > #s then missing() end
    local v = sunpack(fmt, s, pos)
    pos = pos + size
    return v
  end
  local function str(n)
    if pos + n - 1 > #s then missing() end
    local v = s:sub(pos, pos + n - 1)
    pos = pos + n
    return v
  end
  if b <= 0x7f then return b, pos
  elseif b >= 0xe0 then return b - 256, pos
  elseif b >= 0xa0 and b <= 0xbf then return str(b & 0x1f), pos
  elseif b >= 0x90 and b <= 0x9f then return decodeN(s, pos, b & 0x0f, false, level)
  elseif b >= 0x80 and b <= 0x8f then return decodeN(s, pos, b & 0x0f, true, level)
  elseif b == 0xc0 then return nil, pos
  elseif b == 0xc2 then return false, pos
  elseif b == 0xc3 then return true, pos
  elseif b == 0xcc then return take('B', 1), pos
  elseif b == 0xcd then return take('>I2', 2), pos
  elseif b == 0xce then return take('>I4', 4), pos
  -- uint 64 as the long long its bits make, as Redis's mp_decode reads it.
  elseif b == 0xcf then return asDouble(take('>i8', 8)), pos
  elseif b == 0xd0 then return take('b', 1), pos
  elseif b == 0xd1 then return take('>i2', 2), pos
  elseif b == 0xd2 then return take('>i4', 4), pos
  elseif b == 0xd3 then return asDouble(take('>i8', 8)), pos
  elseif b == 0xca then return take('>f', 4), pos
  elseif b == 0xcb then return take('>d', 8), pos
  elseif b == 0xd9 then return str(take('B', 1)), pos
  elseif b == 0xda then return str(take('>I2', 2)), pos
  elseif b == 0xdb then return str(take('>I4', 4)), pos
  elseif b == 0xdc then local n = take('>I2', 2) return decodeN(s, pos, n, false, level)
  elseif b == 0xdd then local n = take('>I4', 4) return decodeN(s, pos, n, false, level)
  elseif b == 0xde then local n = take('>I2', 2) return decodeN(s, pos, n, true, level)
  elseif b == 0xdf then local n = take('>I4', 4) return decodeN(s, pos, n, true, level) end
  error('Bad data format in input.', 0)
end
local cmsgpack = { _NAME = 'cmsgpack', _VERSION = 'lua-cmsgpack 0.4.0', _COPYRIGHT = 'Copyright (C) 2012, Salvatore Sanfilippo', _DESCRIPTION = 'MessagePack C implementation.' }
cmsgpack.pack = function(...)
  local n = select('#', ...)
  if n == 0 then error("bad argument #0 to 'pack' (MessagePack pack needs input.)", 0) end
  local out = {}
  for i = 1, n do encode((select(i, ...)), out, 0) end
  return table.concat(out)
end
local function unpackFrom(s, offset, limit)
  local out, pos, count = {}, offset + 1, 0
  while pos <= #s and (limit == 0 or count < limit) do
    count = count + 1
    out[count], pos = decode(s, pos, 0)
  end
  return out, count, pos
end
cmsgpack.unpack = function(s)
  if type(s) ~= 'string' then error("bad argument #1 to 'unpack' (string expected, got " .. type(s) .. ")", 0) end
  local out, n = unpackFrom(s, 0, 0)
  return table.unpack(out, 1, n)
end
local function limited(s, limit, offset)
  local out, n, pos = unpackFrom(s, offset or 0, limit)
  local nextOffset = pos > #s and -1 or pos - 1
  return nextOffset, table.unpack(out, 1, n)
end
cmsgpack.unpack_one = function(s, offset) return limited(s, 1, offset) end
cmsgpack.unpack_limit = function(s, limit, offset) return limited(s, limit, offset) end
return cmsgpack
`;

/** lua-cjson 2.1.0 (Redis's copy): JSON encode/decode with its defaults and error texts. */
export const CJSON = String.raw`${AS_DOUBLE}
local null = ...
local type, tostring, format, byte, char, sub, find, concat =
  type, tostring, string.format, string.byte, string.char, string.sub, string.find, table.concat
local cfg = { sparseConvert = false, sparseRatio = 2, sparseSafe = 10, encodeDepth = 1000, decodeDepth = 1000,
  precision = 14, encodeInvalid = false, decodeInvalid = true, keepBuffer = true }
local ESC = {}
for i = 0, 31 do ESC[char(i)] = format('\\u%04x', i) end
ESC['\127'] = '\\u007f'
ESC['"'] = '\\"' ESC['\\'] = '\\\\' ESC['/'] = '\\/'
ESC['\b'] = '\\b' ESC['\f'] = '\\f' ESC['\n'] = '\\n' ESC['\r'] = '\\r' ESC['\t'] = '\\t'
local function encodeString(s) return '"' .. s:gsub('[%c"\\/\127]', ESC) .. '"' end
local function encodeNumber(n)
  if n ~= n or n == math.huge or n == -math.huge then
    if not cfg.encodeInvalid then error('Cannot serialise number: must not be NaN or Inf', 0) end
    if n ~= n then return 'nan' end
    return n > 0 and 'inf' or '-inf'
  end
  return format('%.' .. cfg.precision .. 'g', n)
end
-- lua_array_length: the array size of t, -1 when t is to be an object.
local function arrayLength(t)
  local max, items = 0, 0
  for k in pairs(t) do
    if math.type(k) == 'float' and k == math.floor(k) then k = math.tointeger(k) end
    if math.type(k) ~= 'integer' or k < 1 then return -1 end
    if k > max then max = k end
    items = items + 1
  end
  if cfg.sparseRatio > 0 and max > items * cfg.sparseRatio and max > cfg.sparseSafe then
    if not cfg.sparseConvert then error('Cannot serialise table: excessively sparse array', 0) end
    return -1
  end
  return max
end
local encodeValue
local function encodeTable(t, depth, out)
  depth = depth + 1
  if depth > cfg.encodeDepth then error('Cannot serialise, excessive nesting (' .. depth .. ')', 0) end
  local n = arrayLength(t)
  if n > 0 then
    out[#out + 1] = '['
    for i = 1, n do
      if i > 1 then out[#out + 1] = ',' end
      encodeValue(t[i], depth, out)
    end
    out[#out + 1] = ']'
    return
  end
  out[#out + 1] = '{'
  local first = true
  for k, v in pairs(t) do
    if not first then out[#out + 1] = ',' end
    first = false
    local kt = type(k)
    if kt == 'string' then out[#out + 1] = encodeString(k)
    elseif kt == 'number' then out[#out + 1] = '"' .. encodeNumber(k) .. '"'
    else error('Cannot serialise ' .. kt .. ': table key must be a number or string', 0) end
    out[#out + 1] = ':'
    encodeValue(v, depth, out)
  end
  out[#out + 1] = '}'
end
encodeValue = function(v, depth, out)
  local t = type(v)
  if t == 'string' then out[#out + 1] = encodeString(v)
  elseif t == 'number' then out[#out + 1] = encodeNumber(v)
  elseif t == 'boolean' then out[#out + 1] = tostring(v)
  elseif t == 'table' then encodeTable(v, depth, out)
  elseif v == nil or v == null then out[#out + 1] = 'null'
  else error('Cannot serialise ' .. t .. ': type not supported', 0) end
end

-- The decoder: cjson's tokenizer and its "Expected X but found Y at character N" errors.
local NAMES = { ['{'] = 'T_OBJ_BEGIN', ['}'] = 'T_OBJ_END', ['['] = 'T_ARR_BEGIN', [']'] = 'T_ARR_END',
  [':'] = 'T_COLON', [','] = 'T_COMMA' }
local function utf8char(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)) end
  if cp < 0x10000 then return char(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)) end
  return char(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f))
end
local UNESC = { ['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f', n = '\n', r = '\r', t = '\t' }
-- C's strtod on s from i: the value and the index after the longest prefix it reads (decimal,
-- hex with a binary exponent, inf, infinity, nan), or nil when it reads nothing.
local function strtod(s, i)
  local j, neg = i, false
  local sign = sub(s, j, j)
  if sign == '+' or sign == '-' then neg, j = sign == '-', j + 1 end
  local word = sub(s, j, j + 7):lower()
  if word == 'infinity' then return neg and -math.huge or math.huge, j + 8 end
  if sub(word, 1, 3) == 'inf' then return neg and -math.huge or math.huge, j + 3 end
  if sub(word, 1, 3) == 'nan' then return 0 / 0, j + 3 end
  local hex = find(s, '^0[xX]%.?%x', j)
  if hex then
    local v, k, scale = 0.0, j + 2, 0
    local _, e = find(s, '^%x*', k)
    for d = k, e do v = v * 16 + tonumber(sub(s, d, d), 16) end
    k = e + 1
    if sub(s, k, k) == '.' then
      _, e = find(s, '^%x*', k + 1)
      for d = k + 1, e do v, scale = v * 16 + tonumber(sub(s, d, d), 16), scale - 4 end
      k = e + 1
    end
    local exp = s:match('^[pP]([-+]?%d+)', k)
    if exp then scale, k = scale + tonumber(exp), k + 1 + #exp end
    v = v * 2.0 ^ scale
    return neg and -v or v, k
  end
  local _, e = find(s, '^%d*', j)
  local digits = e - j + 1
  if sub(s, e + 1, e + 1) == '.' then
    local _, f = find(s, '^%d*', e + 2)
    digits, e = digits + f - e - 1, f
  end
  if digits == 0 then return nil end
  local exp = s:match('^[eE][-+]?%d+', e + 1)
  if exp then e = e + #exp end
  return tonumber(sub(s, j, e)) * (neg and -1.0 or 1.0), e + 1
end
-- json_is_invalid_number: what JSON forbids but strtod reads (a +, a leading zero, hex, inf, nan).
local function invalidNumber(s, i)
  local j = i
  local c = sub(s, j, j)
  if c == '+' then return true end
  if c == '-' then j = j + 1 end
  c = sub(s, j, j)
  if c == '0' then return find(s, '^[xX%d]', j + 1) ~= nil end
  if c ~= '' and c <= '9' then return false end
  local w = sub(s, j, j + 2):lower()
  return w == 'inf' or w == 'nan'
end
-- json_next_number_token: the number strtod reads (an integral value of up to 14 digits as an
-- integer, which prints the same).
local function numberToken(s, i)
  local v, e = strtod(s, i)
  if v == nil then return 'error', 'invalid number', i, i end
  if v == math.floor(v) and math.abs(v) < 1e14 and 1 / v > -math.huge then v = math.tointeger(v) end
  return 'number', v, i, e
end
-- Returns kind, value, start, next: kind is a punctuation char, 'string', 'number', 'boolean',
-- 'null', 'end' or 'error' (value then holds the error text).
local function token(s, i)
  local _, e = find(s, '^[ \t\n\r]*', i)
  i = e + 1
  local c = sub(s, i, i)
  -- The C tokenizer reads a NUL as the end of the text.
  if c == '' or c == '\0' then return 'end', nil, i, i end
  if NAMES[c] then return c, nil, i, i + 1 end
  if c == '"' then
    local buf, j = {}, i + 1
    while true do
      -- Control characters are kept as they are; a NUL ends the text, as in C.
      local a, b = find(s, '["\\\0]', j)
      if a == nil then return 'error', 'unexpected end of string', #s + 1, #s + 1 end
      buf[#buf + 1] = sub(s, j, a - 1)
      local ch = sub(s, a, a)
      if ch == '"' then return 'string', concat(buf), i, a + 1 end
      if ch ~= '\\' then return 'error', 'unexpected end of string', a, a end
      local esc = sub(s, a + 1, a + 1)
      if esc == 'u' then
        local hex = s:match('^%x%x%x%x', a + 2)
        if hex == nil then return 'error', 'invalid unicode escape code', a, a end
        local cp = tonumber(hex, 16)
        local nextj = a + 6
        if cp >= 0xd800 and cp <= 0xdbff then
          local lo = s:match('^\\u(%x%x%x%x)', nextj)
          local lov = lo and tonumber(lo, 16)
          if lov == nil or lov < 0xdc00 or lov > 0xdfff then return 'error', 'invalid unicode escape code', a, a end
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lov - 0xdc00)
          nextj = nextj + 6
        elseif cp >= 0xdc00 and cp <= 0xdfff then return 'error', 'invalid unicode escape code', a, a end
        buf[#buf + 1] = utf8char(cp)
        j = nextj
      elseif UNESC[esc] then
        buf[#buf + 1] = UNESC[esc]
        j = a + 2
      else return 'error', 'invalid escape code', a, a end
    end
  end
  if c == '-' or find(c, '^%d') then
    if not cfg.decodeInvalid and invalidNumber(s, i) then return 'error', 'invalid number', i, i end
    return numberToken(s, i)
  end
  if sub(s, i, i + 3) == 'true' then return 'boolean', true, i, i + 4 end
  if sub(s, i, i + 4) == 'false' then return 'boolean', false, i, i + 5 end
  if sub(s, i, i + 3) == 'null' then return 'null', null, i, i + 4 end
  if cfg.decodeInvalid and invalidNumber(s, i) then return numberToken(s, i) end
  return 'error', 'invalid token', i, i
end
local function tokenName(kind)
  if NAMES[kind] then return NAMES[kind] end
  return ({ string = 'T_STRING', number = 'T_NUMBER', boolean = 'T_BOOLEAN', null = 'T_NULL', ['end'] = 'T_END' })[kind]
end
local function expected(what, kind, value, at)
  local found = kind == 'error' and value or tokenName(kind)
  error('Expected ' .. what .. ' but found ' .. found .. ' at character ' .. at, 0)
end
local decodeValue
local function decodeObject(s, i, depth)
  local t = {}
  local kind, value, at, nxt = token(s, i)
  if kind == '}' then return t, nxt end
  while true do
    if kind ~= 'string' then expected('object key string', kind, value, at) end
    local key = value
    kind, value, at, nxt = token(s, nxt)
    if kind ~= ':' then expected('colon', kind, value, at) end
    t[key], nxt = decodeValue(s, nxt, depth)
    kind, value, at, nxt = token(s, nxt)
    if kind == '}' then return t, nxt end
    if kind ~= ',' then expected('comma or object end', kind, value, at) end
    kind, value, at, nxt = token(s, nxt)
  end
end
local function decodeArray(s, i, depth)
  local t, n = {}, 0
  local kind, value, at, nxt = token(s, i)
  if kind == ']' then return t, nxt end
  while true do
    n = n + 1
    -- A bad token is reported where it was found (inside a string, not at its start).
    if kind == 'error' then expected('value', kind, value, at) end
    t[n], nxt = decodeValue(s, at, depth)
    kind, value, at, nxt = token(s, nxt)
    if kind == ']' then return t, nxt end
    if kind ~= ',' then expected('comma or array end', kind, value, at) end
    kind, value, at = token(s, nxt)
  end
end
decodeValue = function(s, i, depth)
  local kind, value, at, nxt = token(s, i)
  if kind == '{' or kind == '[' then
    depth = depth + 1
    if depth > cfg.decodeDepth then
      error('Found too many nested data structures (' .. depth .. ') at character ' .. at, 0)
    end
    if kind == '{' then return decodeObject(s, nxt, depth) end
    return decodeArray(s, nxt, depth)
  end
  if kind == 'string' or kind == 'number' or kind == 'boolean' or kind == 'null' then return value, nxt end
  expected('value', kind, value, at)
end
local cjson = { null = null, _NAME = 'cjson', _VERSION = '2.1.0' }
cjson.encode = function(...)
  if select('#', ...) ~= 1 then error('expected 1 argument', 0) end
  local out = {}
  encodeValue((...), 0, out)
  return concat(out)
end
cjson.decode = function(...)
  if select('#', ...) ~= 1 then error('expected 1 argument', 0) end
  local s = ...
  if type(s) == 'number' then s = tostring(s)
  elseif type(s) ~= 'string' then error("bad argument #1 to 'decode' (string expected, got " .. type(s) .. ')', 0) end
  -- A NUL in the first two bytes is how lua-cjson recognises UTF-16 and UTF-32.
  if #s >= 2 and (byte(s, 1) == 0 or byte(s, 2) == 0) then error('JSON parser does not support UTF-16 or UTF-32', 0) end
  local v, nxt = decodeValue(s, 1, 0)
  local kind, value, at = token(s, nxt)
  if kind ~= 'end' then expected('the end', kind, value, at) end
  return v
end
local function setting(key, convert)
  return function(v)
    if v ~= nil then cfg[key] = convert(v) end
    return cfg[key]
  end
end
local function onoff(v) return v == true or v == 'on' or v == 1 end
cjson.encode_max_depth = setting('encodeDepth', tonumber)
cjson.decode_max_depth = setting('decodeDepth', tonumber)
cjson.encode_number_precision = setting('precision', tonumber)
cjson.encode_keep_buffer = setting('keepBuffer', onoff)
cjson.encode_invalid_numbers = setting('encodeInvalid', onoff)
cjson.decode_invalid_numbers = setting('decodeInvalid', onoff)
cjson.encode_sparse_array = function(convert, ratio, safe)
  if convert ~= nil then cfg.sparseConvert = onoff(convert) end
  if ratio ~= nil then cfg.sparseRatio = ratio end
  if safe ~= nil then cfg.sparseSafe = safe end
  return cfg.sparseConvert, cfg.sparseRatio, cfg.sparseSafe
end
cjson.new = function() return cjson end
return cjson
`;
