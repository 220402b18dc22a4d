// One Lua 5.4 state (wasmoon's WebAssembly build) dressed as Redis 7.0's script engine: the
// prelude's environment, the libraries, redis.call served by the host, and the conversions
// between RESP and Lua values (script_lua.c's redisProtocolToLuaType and
// luaReplyToRedisReply). A script runs in a coroutine of the state, which the count hook
// suspends when the host asks for a turn of the event loop (see engine.ts for why).
//
// Strings cross as latin1 JS strings (one char per byte, as the keyspace holds them) and are
// copied into and out of the WASM heap byte for byte, so scripts stay binary safe.
import { createHash } from 'node:crypto';
import { cstr } from '../commands/errors.js';
import { formatDouble } from '../io/format-double.js';
import { latin1Slice, type Latin1Buffer } from '../io/latin1.js';
import { ReplyWriter } from '../io/reply-writer.js';
import { REDIS_VERSION } from '../version.js';
import { BIT, CJSON, CMSGPACK, STRUCT } from './lua-libs.js';
import { LIBRARY_SOURCE, PRELUDE } from './lua-prelude.js';

/** What the VM asks of the server while a script runs. */
export interface VmHost {
  /** Runs a command for redis.call/pcall; returns its reply as RESP bytes (RESP3 when asked). */
  call(argv: string[], resp3: boolean): Buffer;
  /** redis.acl_check_cmd: whether the script's user may run argv; null when it names no command. */
  aclCheck(argv: string[]): boolean | null;
  log(level: number, msg: string): void;
  /** Polled from the count hook: true once SCRIPT KILL / FUNCTION KILL asked to stop. */
  killRequested(): boolean;
  /** redis.set_repl and redis.setresp, told to the host, which owns propagation. */
  setRepl(flags: number): void;
  /** Polled from the count hook: true when the script should be suspended for now. */
  shouldYield(): boolean;
  /**
   * An error in the script's reply (luaReplyToRedisReply, luaCallFunction): counted, unless
   * the redis.call that returned it counted it already (ignore_error_stats_update).
   */
  replyError(msg: string, counted: boolean): void;
}

/** A function a library registered, as FUNCTION LIST shows it, and its callback's ref. */
export interface LoadedFunction {
  name: string;
  description: string | null;
  flags: string[];
  ref: number;
}

/** How long a library's code may run at FUNCTION LOAD (function_lua.c's LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;

/**
 * The result of a run: the reply's RESP bytes (valid until the state's next run), or null
 * while the script is suspended.
 */
export type RunResult = Buffer | null;

const LUA_OK = 0;
const LUA_YIELD = 1;
const LUA_TNIL = 0;
const LUA_TBOOLEAN = 1;
const LUA_TNUMBER = 3;
const LUA_TSTRING = 4;
const LUA_TTABLE = 5;
const LUA_REGISTRYINDEX = -1001000;
const LUA_MASKLINE = 4;
const LUA_MASKCOUNT = 8;
/** Instructions between two looks at the kill flag (Redis's hook runs every 100000 too). */
const HOOK_EVERY = 100_000;
/** The field of an error table that says INFO errorstats counted it already. */
const COUNTED = 'ignore_error_stats_update';
/**
 * Nesting past which a reply is refused, as luaReplyToRedisReply's lua_checkstack refuses it.
 * Redis's Lua 5.1 gets there at ~8000 levels (a table holding itself: 7995); the writer here
 * recurses in JS, whose stack ends well before that, so the reply stops at 1000.
 */
const MAX_REPLY_DEPTH = 1000;

const ARGS_TYPE_ERROR = 'Lua redis lib command arguments must be strings or integers';
const INT64_MIN = -(2n ** 63n);
const TWO63 = 2 ** 63;
/** The least integer %.14g prints with an exponent. */
const FOURTEEN_DIGITS = 1e14;

/**
 * The wasmoon module's C exports this file calls (pointers and lengths, no string
 * marshalling), and the module's own helpers.
 */
export interface LuaModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(n: number): number;
  _free(p: number): void;
  _realloc(p: number, n: number): number;
  addFunction(f: (...args: number[]) => number | void, sig: string): number;
  removeFunction(p: number): void;
  stringToNewUTF8(s: string): number;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, i: number): void;
  _lua_checkstack(L: number, n: number): number;
  _lua_type(L: number, i: number): number;
  _lua_tolstring(L: number, i: number, lenPtr: number): number;
  _lua_pushlstring(L: number, p: number, len: number): number;
  _lua_pushstring(L: number, p: number): number;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushnil(L: number): void;
  _lua_pushlightuserdata(L: number, p: number): void;
  _lua_pushcclosure(L: number, f: number, n: number): void;
  _lua_pushvalue(L: number, i: number): void;
  _lua_rotate(L: number, i: number, n: number): void;
  _lua_callk(L: number, nargs: number, nres: number, ctx: number, k: number): void;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_rawseti(L: number, i: number, n: bigint): void;
  _lua_rawgeti(L: number, i: number, n: bigint): number;
  _lua_rawget(L: number, i: number): number;
  _lua_rawset(L: number, i: number): void;
  _lua_setfield(L: number, i: number, k: number): void;
  _lua_getfield(L: number, i: number, k: number): number;
  _lua_isinteger(L: number, i: number): number;
  _lua_tointegerx(L: number, i: number, isnum: number): bigint;
  _lua_tonumberx(L: number, i: number, isnum: number): number;
  _lua_toboolean(L: number, i: number): number;
  _lua_next(L: number, i: number): number;
  _lua_error(L: number): number;
  _lua_pcallk(L: number, nargs: number, nres: number, msgh: number, ctx: number, k: number): number;
  _luaL_loadbufferx(L: number, p: number, len: number, name: number, mode: number): number;
  _luaL_ref(L: number, t: number): number;
  _luaL_unref(L: number, t: number, ref: number): void;
  _luaL_openlibs(L: number): void;
  _lua_sethook(L: number, f: number, mask: number, count: number): void;
  _lua_getinfo(L: number, what: number, ar: number): number;
  _lua_close(L: number): void;
  _lua_newstate(alloc: number, ud: number): number;
  _lua_newthread(L: number): number;
  _lua_resume(L: number, from: number, nargs: number, nres: number): number;
  _lua_yieldk(L: number, nres: number, ctx: number, k: number): number;
  _lua_isyieldable(L: number): number;
  _lua_resetthread(L: number): number;
}

/**
 * rand.c's 48-bit generator behind math.random. One per server, shared by its two states, as
 * Redis keeps one C global: EVAL scripts and functions draw from the same sequence, which
 * starts from the generator's default seed when the server starts and goes on across scripts
 * and SCRIPT FLUSH (a script's math.randomseed moves it for everyone after).
 */
export class Rand48 {
  private x = 0x1234abcd330en;

  next(): number {
    this.x = (this.x * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    return Number(this.x >> 17n);
  }

  seed(seed: number): void {
    this.x = (BigInt.asUintN(32, BigInt(seed)) << 16n) | 0x330en;
  }
}

/** A RESP3 double's text (inf, -inf and nan included) as a number. */
const parseRespDouble = (s: string): number => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'nan' ? NaN : Number(s));

/** A script's name in the cache, and redis.sha1hex. */
export const sha1hex = (s: string): string => createHash('sha1').update(s, 'latin1').digest('hex');

/** redis.REDIS_VERSION_NUM: 0x00MMmmpp. */
const versionNum = (): number => {
  const [a, b, c] = REDIS_VERSION.split('.').map(Number);
  return (a! << 16) | (b! << 8) | c!;
};

/**
 * A Lua state with Redis's environment. `memoryLimit` caps what the state may allocate: past
 * it an allocation fails and the script gets Lua's "not enough memory" while the server lives.
 */
export class LuaVM {
  private readonly m: LuaModule;
  readonly L: number;
  private used = 0;
  private scratch = 0;
  private scratchLen = 0;
  private view = Buffer.alloc(0) as Latin1Buffer;
  private readonly lenPtr: number;
  private readonly names = new Map<string, number>();
  /** Registry refs of the prelude's privileged functions. */
  private readonly api: Record<'compile' | 'run' | 'gc' | 'loadLibrary', number> =
    { compile: 0, run: 0, gc: 0, loadLibrary: 0 };
  /** While a library loads: when its code has run too long (FUNCTION LOAD's timeout). */
  private loadDeadline = 0;
  private readonly fns: number[] = [];
  private host: VmHost | null = null;
  /** What redis.setresp asked for in the running script (2 at each start, as in Redis). */
  private resp = 2;
  private readonly hookFn: number;
  private closed = false;
  /** The coroutine scripts run in (anchored in the registry), reused from run to run. */
  private readonly co: number;
  private readonly coRef: number;
  /** The hook suspended a coroutine the script made, or its resumer passes that on (see the prelude). */
  private hookYield = false;
  private readonly nresPtr: number;
  /** The running script's names for its error replies, and its caller's protocol. */
  private where = '';
  private funcname = '';
  private resp3 = false;
  /** The running script's KEYS and ARGV, until js.args made them tables. */
  private keys: readonly string[] = [];
  private args: readonly string[] = [];
  /** Where each reply is written, taken at the end of each run. */
  private readonly out = new ReplyWriter();

  constructor(m: LuaModule, private readonly memoryLimit: number, private readonly mode: 'eval' | 'functions',
    private readonly rand: Rand48) {
    this.m = m;
    this.lenPtr = m._malloc(8);
    this.nresPtr = m._malloc(4);
    const alloc = this.fn((_ud, p, oldSize, newSize) => {
      if (newSize === 0) {
        if (p !== 0) {
          this.used -= oldSize;
          m._free(p);
        }
        return 0;
      }
      const delta = p !== 0 ? newSize - oldSize : newSize;
      if (delta > 0 && this.used + delta > this.memoryLimit) return 0;
      const q = m._realloc(p, newSize);
      if (q !== 0) this.used += delta;
      return q;
    }, 'iiiii');
    this.L = m._lua_newstate(alloc, 0);
    if (this.L === 0) throw new Error('Lua state could not be created');
    m._luaL_openlibs(this.L);
    this.co = m._lua_newthread(this.L);
    this.coRef = m._luaL_ref(this.L, LUA_REGISTRYINDEX);
    this.installPrimitives();
    this.installLibraries();
    this.runPrelude();
    this.hookFn = this.fn((L, ar) => this.hook(L, ar!), 'vii');
    m._lua_sethook(this.L, this.hookFn, LUA_MASKCOUNT, HOOK_EVERY);
  }

  /** Bytes the state holds now (used_memory_lua). */
  get memory(): number {
    return this.used;
  }

  /** A JS function as a WASM table entry, remembered so close() can give it back. */
  private fn(f: (...args: number[]) => number | void, sig: string): number {
    const p = this.m.addFunction(f, sig);
    this.fns.push(p);
    return p;
  }

  private cstr(name: string): number {
    let p = this.names.get(name);
    if (p === undefined) {
      p = this.m.stringToNewUTF8(name);
      this.names.set(name, p);
    }
    return p;
  }

  /** A Buffer over the module's memory, made again after the memory grew (which replaces its ArrayBuffer). */
  private heap(): Latin1Buffer {
    const u8 = this.m.HEAPU8;
    if (this.view.buffer !== u8.buffer) this.view = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength) as Latin1Buffer;
    return this.view;
  }

  /** Pushes a latin1 JS string as Lua bytes. */
  pushString(L: number, s: string): void {
    const n = s.length;
    if (n > this.scratchLen) {
      if (this.scratch !== 0) this.m._free(this.scratch);
      this.scratchLen = Math.max(n, 256, this.scratchLen * 2);
      this.scratch = this.m._malloc(this.scratchLen);
    }
    const heap = this.heap();
    const at = this.scratch;
    if (n < 16) for (let i = 0; i < n; i++) heap[at + i] = s.charCodeAt(i);
    else heap.latin1Write(s, at);
    this.m._lua_pushlstring(L, at, n);
  }

  /** The Lua string (or number, as Lua prints it) at idx, as a latin1 JS string. */
  toString(L: number, idx: number): string {
    const p = this.m._lua_tolstring(L, idx, this.lenPtr);
    if (p === 0) return '';
    return latin1Slice(this.heap(), p, p + this.m.HEAPU32[this.lenPtr >> 2]!);
  }

  /** Raises a Lua error with the value on top of the stack (never returns). */
  private raise(L: number): number {
    return this.m._lua_error(L);
  }

  /** Raises Redis's error table {err = msg} (luaPushError + luaError). */
  private raiseErr(L: number, msg: string): number {
    this.pushErrorTable(L, msg.startsWith('-') ? msg.slice(1) : `ERR ${msg}`);
    return this.raise(L);
  }

  private pushErrorTable(L: number, msg: string): void {
    this.m._lua_createtable(L, 0, 1);
    this.pushString(L, msg);
    this.m._lua_setfield(L, -2, this.cstr('err'));
  }

  /**
   * An error a command replied to redis.call, counted in INFO errorstats already: the table
   * says so (ignore_error_stats_update, as scripts can see in Redis 7.0), and the script's
   * reply does not count it again.
   */
  private pushCountedError(L: number, msg: string): void {
    this.pushErrorTable(L, msg);
    this.m._lua_pushboolean(L, 1);
    this.m._lua_setfield(L, -2, this.cstr(COUNTED));
  }

  /** An error reply of the script, told to the host for INFO errorstats. */
  private writeError(w: ReplyWriter, msg: string, counted: boolean): void {
    w.error(msg);
    this.host?.replyError(msg, counted);
  }

  private setGlobalTableFn(L: number, name: string, f: (L: number) => number): void {
    this.m._lua_pushcclosure(L, this.fn(f, 'ii'), 0);
    this.m._lua_setfield(L, -2, this.cstr(name));
  }

  /** __js: the primitives the prelude wraps into the redis table. */
  private installPrimitives(): void {
    const m = this.m;
    const L = this.L;
    m._lua_createtable(L, 0, 8);
    this.setGlobalTableFn(L, 'call', (l) => this.redisCall(l, true));
    this.setGlobalTableFn(L, 'pcall', (l) => this.redisCall(l, false));
    this.setGlobalTableFn(L, 'sha1hex', (l) => {
      this.pushString(l, sha1hex(this.toString(l, 1)));
      return 1;
    });
    this.setGlobalTableFn(L, 'log', (l) => {
      this.host?.log(Number(m._lua_tointegerx(l, 1, 0)), this.toString(l, 2));
      return 0;
    });
    this.setGlobalTableFn(L, 'setrepl', (l) => {
      this.host?.setRepl(Number(m._lua_tointegerx(l, 1, 0)));
      return 0;
    });
    // cfunction(f): f wrapped in a C closure (see the prelude's asC). The call has a
    // continuation (which returns what f returned) so that the hook may suspend a script
    // inside f, as in any Lua function.
    const results = this.fn((l) => m._lua_gettop(l), 'iiii');
    const trampoline = this.fn((l) => {
      m._lua_pushvalue(l, LUA_REGISTRYINDEX - 1);
      m._lua_rotate(l, 1, 1);
      m._lua_callk(l, m._lua_gettop(l) - 1, -1, 0, results);
      return m._lua_gettop(l);
    }, 'ii');
    this.setGlobalTableFn(L, 'cfunction', (l) => {
      m._lua_settop(l, 1);
      m._lua_pushcclosure(l, trampoline, 1);
      return 1;
    });
    this.setGlobalTableFn(L, 'setresp', (l) => {
      this.resp = Number(m._lua_tointegerx(l, 1, 0));
      return 0;
    });
    this.setGlobalTableFn(L, 'lrand48', (l) => {
      m._lua_pushinteger(l, BigInt(this.rand.next()));
      return 1;
    });
    this.setGlobalTableFn(L, 'srand48', (l) => {
      this.rand.seed(Number(m._lua_tointegerx(l, 1, 0)));
      return 0;
    });
    this.setGlobalTableFn(L, 'args', (l) => {
      this.pushArray(l, this.keys);
      this.pushArray(l, this.args);
      this.keys = this.args = [];
      return 2;
    });
    this.setGlobalTableFn(L, 'hookyielded', (l) => {
      m._lua_pushboolean(l, this.hookYield ? 1 : 0);
      this.hookYield = false;
      return 1;
    });
    this.setGlobalTableFn(L, 'passyield', () => {
      this.hookYield = true;
      return 0;
    });
    // luaRedisAclCheckCmdPermissionsCommand (the prelude's redis.acl_check_cmd refuses no arguments).
    this.setGlobalTableFn(L, 'acl', (l) => {
      const argv = this.argvOf(l);
      if (argv === null) return this.raiseErr(l, ARGS_TYPE_ERROR);
      const allowed = this.host!.aclCheck(argv);
      if (allowed === null) return this.raiseErr(l, 'Invalid command passed to redis.acl_check_cmd()');
      m._lua_pushboolean(l, allowed ? 1 : 0);
      return 1;
    });
    this.pushString(L, REDIS_VERSION);
    m._lua_setfield(L, -2, this.cstr('version'));
    m._lua_pushinteger(L, BigInt(versionNum()));
    m._lua_setfield(L, -2, this.cstr('versionNum'));
    m._lua_pushlightuserdata(L, 0);
    m._lua_setfield(L, -2, this.cstr('null'));
    this.setGlobal('__js');
  }

  private setGlobal(name: string): void {
    // lua_setglobal is a macro over the registry's globals table (LUA_RIDX_GLOBALS = 2).
    this.m._lua_rawgeti(this.L, LUA_REGISTRYINDEX, 2n);
    this.m._lua_pushvalue(this.L, -2);
    this.m._lua_setfield(this.L, -2, this.cstr(name));
    this.m._lua_settop(this.L, -3);
  }

  private installLibraries(): void {
    for (const [name, source] of [['bit', BIT], ['struct', STRUCT], ['cmsgpack', CMSGPACK]] as const) {
      this.openLibrary(name, source, false);
    }
    this.openLibrary('cjson', CJSON, true);
  }

  /** Runs a library chunk (cjson gets cjson.null) and sets its table as a global. */
  private openLibrary(name: string, source: string, withNull: boolean): void {
    const L = this.L;
    const m = this.m;
    this.pushString(L, source);
    const p = m._lua_tolstring(L, -1, this.lenPtr);
    if (m._luaL_loadbufferx(L, p, m.HEAPU32[this.lenPtr >> 2]!, this.cstr(`=${name}`), 0) !== 0) {
      throw new Error(`${name}: ${this.toString(L, -1)}`);
    }
    if (withNull) m._lua_pushlightuserdata(L, 0);
    if (m._lua_pcallk(L, withNull ? 1 : 0, 1, 0, 0, 0) !== 0) throw new Error(`${name}: ${this.toString(L, -1)}`);
    this.setGlobal(name);
    m._lua_settop(L, 0);
  }

  private runPrelude(): void {
    const L = this.L;
    const m = this.m;
    this.pushString(L, PRELUDE);
    const p = m._lua_tolstring(L, -1, this.lenPtr);
    if (m._luaL_loadbufferx(L, p, m.HEAPU32[this.lenPtr >> 2]!, this.cstr('=redis'), 0) !== 0) {
      throw new Error(`prelude: ${this.toString(L, -1)}`);
    }
    this.pushString(L, this.mode);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.coRef));
    if (m._lua_pcallk(L, 2, 1, 0, 0, 0) !== 0) throw new Error(`prelude: ${this.toString(L, -1)}`);
    const keys = ['compile', 'run', 'gc', ...(this.mode === 'functions' ? ['loadLibrary'] as const : [])] as const;
    for (const key of keys) {
      m._lua_getfield(L, -1, this.cstr(key));
      this.api[key] = m._luaL_ref(L, LUA_REGISTRYINDEX);
    }
    m._lua_settop(L, 0);
  }

  /** Whether a hook fired in a library's own code (the chunk the prelude loads as LIBRARY_SOURCE). */
  private inLibraryCode(L: number, ar: number): boolean {
    const m = this.m;
    m._lua_getinfo(L, this.cstr('S'), ar);
    // lua_Debug's source: the fifth 4-byte field (event, name, namewhat, what) in wasm32.
    const source = m.HEAPU32[(ar + 16) >> 2]!;
    for (let i = 0; i < LIBRARY_SOURCE.length; i++) if (m.HEAPU8[source + i] !== LIBRARY_SOURCE.charCodeAt(i)) return false;
    return m.HEAPU8[source + LIBRARY_SOURCE.length] === 0;
  }

  /**
   * The count hook: stops a script that SCRIPT KILL asked to stop. From then on it fires at
   * every line (luaMaskCountHook's LUA_MASKLINE), so a pcall cannot swallow the kill for long.
   * Suspends the running coroutine when the host asks, where Lua allows it: not under a C
   * function that calls Lua without a continuation (the prelude replaces the common ones), where
   * the script goes on until it comes back out. A coroutine the
   * script made is suspended with hookYield set, which its resumer hands on (the prelude).
   */
  private hook(L: number, ar: number): void {
    // luaEngineLoadHook: then at every line of the library's code, so that no pcall of its own
    // goes on; not in the prelude that loads it, whose handler must get the error out.
    if (this.loadDeadline !== 0 && performance.now() > this.loadDeadline && this.inLibraryCode(L, ar)) {
      this.m._lua_sethook(L, this.hookFn, LUA_MASKLINE, 0);
      this.pushErrorTable(L, 'ERR FUNCTION LOAD timeout');
      this.raise(L);
    }
    if (this.host?.killRequested()) {
      // Every line of the script's coroutines from now on, the one that catches this error too.
      this.m._lua_sethook(L, this.hookFn, LUA_MASKLINE, 0);
      this.m._lua_sethook(this.co, this.hookFn, LUA_MASKLINE, 0);
      this.pushErrorTable(L, 'ERR Script killed by user with SCRIPT KILL...');
      this.raise(L);
    }
    if (this.host?.shouldYield() === true && this.m._lua_isyieldable(L) !== 0) {
      if (L !== this.co) this.hookYield = true;
      this.m._lua_yieldk(L, 0, 0, 0);
    }
  }

  /** Compiles body as chunk `name`; returns a registry ref to the function, or the error text. */
  compile(body: string, chunkname: string): number | string {
    const L = this.L;
    const m = this.m;
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.api.compile));
    this.pushString(L, body);
    this.pushString(L, chunkname);
    if (m._lua_pcallk(L, 2, 2, 0, 0, 0) !== 0) {
      const err = this.toString(L, -1);
      m._lua_settop(L, 0);
      return err;
    }
    if (m._lua_type(L, -2) === LUA_TNIL) {
      const err = this.toString(L, -1);
      m._lua_settop(L, 0);
      return err;
    }
    m._lua_settop(L, -2);
    const ref = m._luaL_ref(L, LUA_REGISTRYINDEX);
    m._lua_settop(L, 0);
    return ref;
  }

  /**
   * Runs a library's code (FUNCTION LOAD): its functions, each with a registry ref to its
   * callback, or Redis's error text.
   */
  loadLibrary(code: string): { error: string } | { functions: LoadedFunction[] } {
    const L = this.L;
    const m = this.m;
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.api.loadLibrary));
    this.pushString(L, code);
    this.loadDeadline = performance.now() + LOAD_TIMEOUT_MS;
    try {
      if (m._lua_pcallk(L, 1, 2, 0, 0, 0) !== 0) return { error: `ERR Error registering functions: ${this.toString(L, -1)}` };
      if (m._lua_type(L, -2) === LUA_TSTRING) {
        return { error: `ERR Error compiling function: ${this.toString(L, -2).replace(/near <eof>$/, "near '<eof>'")}` };
      }
      if (m._lua_toboolean(L, -2) === 0) {
        const err = m._lua_type(L, -1) === LUA_TTABLE ? this.field(L, -1, 'err') : this.toString(L, -1);
        return { error: `ERR Error registering functions: ${err ?? 'unknown error'}` };
      }
      const list = m._lua_gettop(L);
      const functions: LoadedFunction[] = [];
      for (let i = 1; m._lua_rawgeti(L, list, BigInt(i)) === LUA_TTABLE; i++) {
        const entry = m._lua_gettop(L);
        const flags: string[] = [];
        m._lua_getfield(L, entry, this.cstr('flags'));
        for (let j = 1; m._lua_rawgeti(L, -1, BigInt(j)) === LUA_TSTRING; j++) {
          flags.push(this.toString(L, -1));
          m._lua_settop(L, -2);
        }
        m._lua_settop(L, entry);
        const name = this.field(L, entry, 'name')!;
        const description = this.field(L, entry, 'description');
        m._lua_getfield(L, entry, this.cstr('f'));
        functions.push({ name, description, flags, ref: m._luaL_ref(L, LUA_REGISTRYINDEX) });
        m._lua_settop(L, entry - 1);
      }
      return { functions };
    } finally {
      this.loadDeadline = 0;
      m._lua_settop(L, 0);
      m._lua_sethook(L, this.hookFn, LUA_MASKCOUNT, HOOK_EVERY);
    }
  }

  release(ref: number): void {
    this.m._luaL_unref(this.L, LUA_REGISTRYINDEX, ref);
  }

  /** Pushes a Lua array of strings. */
  private pushArray(L: number, items: readonly string[]): void {
    this.m._lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      this.pushString(L, items[i]!);
      this.m._lua_rawseti(L, -2, BigInt(i + 1));
    }
  }

  /**
   * Starts the function at ref with KEYS and ARGV (globals in the EVAL state; arguments in
   * the functions state), the host serving its calls, in the state's coroutine. Returns the
   * reply as RESP bytes, or null when the hook suspended the script (resume() goes on with
   * it); errors come back as Redis's error replies, `where` naming the script in them ("<sha>"
   * or the function's name); the reply is RESP3 for a caller that said HELLO 3.
   */
  run(ref: number, keys: readonly string[], args: readonly string[], where: string, funcname: string, resp3: boolean,
    host: VmHost): RunResult {
    const co = this.co;
    const m = this.m;
    this.host = host;
    this.resp = 2;
    this.where = where;
    this.funcname = funcname;
    this.resp3 = resp3;
    this.keys = keys;
    this.args = args;
    m._lua_sethook(co, this.hookFn, LUA_MASKCOUNT, HOOK_EVERY);
    // run(f) is xpcall(f, handler, ...): it returns ok, value.
    m._lua_rawgeti(co, LUA_REGISTRYINDEX, BigInt(this.api.run));
    m._lua_rawgeti(co, LUA_REGISTRYINDEX, BigInt(ref));
    return this.resume(1);
  }

  /** Goes on with the suspended script (or starts it, given its arguments): as run(). */
  resume(nargs = 0): RunResult {
    const co = this.co;
    const m = this.m;
    let status = -1;
    try {
      this.hookYield = false;
      status = m._lua_resume(co, this.L, nargs, this.nresPtr);
      if (status === LUA_YIELD) return null;
      const w = this.out;
      w.resp3 = this.resp3;
      if (status !== LUA_OK) {
        this.writeFailure(w, co, m._lua_gettop(co), this.where, this.funcname);
      } else {
        m._lua_settop(co, 2);
        if (m._lua_toboolean(co, 1) !== 0) this.writeReply(w, co, 2, 0);
        else this.writeFailure(w, co, 2, this.where, this.funcname);
      }
      return w.takeView()!;
    } finally {
      if (status !== LUA_YIELD) this.ended(status);
    }
  }

  /** After a run: an empty coroutine ready for the next, and the garbage of a full heap collected. */
  private ended(status: number): void {
    const m = this.m;
    const L = this.L;
    m._lua_settop(this.co, 0);
    // A coroutine that ended in an error (or a JS exception: status -1) is dead until reset.
    if (status !== LUA_OK) m._lua_resetthread(this.co);
    this.host = null;
    this.keys = this.args = [];
    // A script that filled the heap (and failed for it) leaves garbage the next one would
    // trip over: collect it now rather than at the next allocation that hits the cap.
    if (this.used > this.memoryLimit / 4) {
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.api.gc));
      m._lua_pcallk(L, 0, 0, 0, 0, 0);
      m._lua_settop(L, 0);
    }
  }

  /** luaCallFunction's error reply: "<err> script: <where>, on <source>:<line>." */
  private writeFailure(w: ReplyWriter, L: number, idx: number, where: string, funcname: string): void {
    const m = this.m;
    if (m._lua_type(L, idx) !== LUA_TTABLE) {
      const msg = m._lua_type(L, idx) === LUA_TSTRING ? this.toString(L, idx) : 'execution failure';
      this.writeError(w, `ERR Error running script ${funcname}, ${msg.slice(0, 100)}`, false);
      return;
    }
    const err = this.field(L, idx, 'err');
    const source = this.field(L, idx, 'source');
    const line = this.field(L, idx, 'line');
    const msg = err ?? 'ERR unknown error';
    this.writeError(w, source !== null && line !== null ? `${msg} script: ${where}, on ${source}:${line}.` : `${msg} script: ${where}`,
      this.isCounted(L, idx));
  }

  /** Whether the error table at idx was counted when a command replied it. */
  private isCounted(L: number, idx: number): boolean {
    const m = this.m;
    m._lua_pushstring(L, this.cstr(COUNTED));
    m._lua_rawget(L, idx < 0 ? idx - 1 : idx);
    const counted = m._lua_toboolean(L, -1) !== 0;
    m._lua_settop(L, -2);
    return counted;
  }

  /** t[key] (raw) as a string when it is a string or number, else null. */
  private field(L: number, idx: number, key: string): string | null {
    const m = this.m;
    m._lua_pushstring(L, this.cstr(key));
    const t = m._lua_rawget(L, idx < 0 ? idx - 1 : idx);
    const v = t === LUA_TSTRING || t === LUA_TNUMBER ? this.toString(L, -1) : null;
    m._lua_settop(L, -2);
    return v;
  }

  /** luaReplyToRedisReply: the Lua value at idx (absolute) as a RESP reply. */
  private writeReply(w: ReplyWriter, L: number, idx: number, depth: number): void {
    const m = this.m;
    switch (m._lua_type(L, idx)) {
      case LUA_TSTRING:
        w.bulk(this.toString(L, idx));
        return;
      case LUA_TBOOLEAN:
        // A RESP2 script's booleans are 1 and nil, as always; after setresp(3), booleans.
        if (this.resp === 3) w.bool(m._lua_toboolean(L, idx) !== 0);
        else if (m._lua_toboolean(L, idx) !== 0) w.integer(1);
        else w.nullBulk();
        return;
      case LUA_TNUMBER:
        w.integer(truncate(this.number51(L, idx)));
        return;
      case LUA_TTABLE:
        // Each level holds a value or two on the stack: room for them is made as Redis makes it
        // (a push past the stack's end would write over the state's memory).
        if (depth >= MAX_REPLY_DEPTH || m._lua_checkstack(L, 4) === 0) {
          this.writeError(w, 'ERR reached lua stack limit', false);
          return;
        }
        this.writeTable(w, L, idx, depth);
        return;
      default:
        w.nullBulk();
    }
  }

  private writeTable(w: ReplyWriter, L: number, idx: number, depth: number): void {
    const m = this.m;
    // Redis copies both as C strings: they end at a NUL.
    const err = this.typedField(L, idx, 'err', LUA_TSTRING);
    if (err !== null) {
      this.writeError(w, cstr(err, Infinity).replace(/[\r\n]/g, ' '), this.isCounted(L, idx));
      return;
    }
    const ok = this.typedField(L, idx, 'ok', LUA_TSTRING);
    if (ok !== null) {
      w.simple(cstr(ok, Infinity).replace(/[\r\n]/g, ' '));
      return;
    }
    m._lua_pushstring(L, this.cstr('double'));
    if (m._lua_rawget(L, idx) === LUA_TNUMBER) {
      w.double(m._lua_tonumberx(L, -1, 0));
      m._lua_settop(L, -2);
      return;
    }
    m._lua_settop(L, -2);
    const big = this.typedField(L, idx, 'big_number', LUA_TSTRING);
    if (big !== null) {
      w.bigNumber(big.replace(/[\r\n]/g, ' '));
      return;
    }
    for (const kind of ['map', 'set'] as const) {
      m._lua_pushstring(L, this.cstr(kind));
      if (m._lua_rawget(L, idx) === LUA_TTABLE) {
        this.writeMapOrSet(w, L, m._lua_gettop(L), kind === 'map', depth);
        m._lua_settop(L, -2);
        return;
      }
      m._lua_settop(L, -2);
    }
    m._lua_pushstring(L, this.cstr('verbatim_string'));
    if (m._lua_rawget(L, idx) === LUA_TTABLE) {
      const top = m._lua_gettop(L);
      const format = this.typedField(L, top, 'format', LUA_TSTRING);
      const text = this.typedField(L, top, 'string', LUA_TSTRING);
      m._lua_settop(L, -2);
      if (format !== null && text !== null) {
        w.verbatim(text, format);
        return;
      }
    } else {
      m._lua_settop(L, -2);
    }
    // An array: elements 1..n up to the first nil.
    let n = 0;
    while (m._lua_rawgeti(L, idx, BigInt(n + 1)) !== LUA_TNIL) {
      m._lua_settop(L, -2);
      n++;
    }
    m._lua_settop(L, -2);
    w.array(n);
    for (let i = 1; i <= n; i++) {
      m._lua_rawgeti(L, idx, BigInt(i));
      this.writeReply(w, L, m._lua_gettop(L), depth + 1);
      m._lua_settop(L, -2);
    }
  }

  /** {map = t} and {set = t}: RESP3's map and set, which a RESP2 caller gets as flat arrays. */
  private writeMapOrSet(w: ReplyWriter, L: number, idx: number, isMap: boolean, depth: number): void {
    const m = this.m;
    let n = 0;
    m._lua_pushnil(L);
    while (m._lua_next(L, idx) !== 0) {
      n++;
      m._lua_settop(L, -2);
    }
    if (isMap) w.map(n);
    else w.set(n);
    m._lua_pushnil(L);
    while (m._lua_next(L, idx) !== 0) {
      const top = m._lua_gettop(L);
      this.writeReply(w, L, top - 1, depth + 1);
      if (isMap) this.writeReply(w, L, top, depth + 1);
      m._lua_settop(L, -2);
    }
  }

  private typedField(L: number, idx: number, key: string, type: number): string | null {
    const m = this.m;
    m._lua_pushstring(L, this.cstr(key));
    const v = m._lua_rawget(L, idx) === type ? this.toString(L, -1) : null;
    m._lua_settop(L, -2);
    return v;
  }

  // luaArgsToRedisArgv
  /** The arguments on L's stack as a command's words; null when one is neither a string nor a number. */
  private argvOf(L: number): string[] | null {
    const m = this.m;
    const argc = m._lua_gettop(L);
    const argv: string[] = new Array(argc);
    for (let i = 1; i <= argc; i++) {
      const t = m._lua_type(L, i);
      if (t === LUA_TSTRING) argv[i - 1] = this.toString(L, i);
      else if (t === LUA_TNUMBER) argv[i - 1] = formatDouble(this.number51(L, i));
      else return null;
    }
    return argv;
  }

  /** redis.call / redis.pcall (luaRedisGenericCommand). */
  private redisCall(L: number, raise: boolean): number {
    const m = this.m;
    const argc = m._lua_gettop(L);
    if (argc === 0) {
      if (raise) return this.raiseErr(L, 'Please specify at least one argument for this redis lib call');
      this.pushErrorTable(L, 'ERR Please specify at least one argument for this redis lib call');
      return 1;
    }
    const argv = this.argvOf(L);
    if (argv === null) {
      if (raise) return this.raiseErr(L, ARGS_TYPE_ERROR);
      this.pushErrorTable(L, `ERR ${ARGS_TYPE_ERROR}`);
      return 1;
    }
    const reply = this.host!.call(argv, this.resp === 3);
    m._lua_settop(L, 0);
    this.pushReply(L, reply, 0);
    if (raise && reply[0] === 0x2d /* - */) return this.raise(L);
    return 1;
  }

  /** A new table with key pushed after it: {key = <value pushed next>}, set by lua_rawset(-3). */
  private pushTagged(L: number, key: string): void {
    this.m._lua_createtable(L, 0, 1);
    this.pushString(L, key);
  }

  /**
   * The number at idx as 5.1 holds it, a double: an integer past 2^53 is the nearest one, as it
   * goes to commands (redis.call's arguments) and to replies.
   */
  private number51(L: number, idx: number): number {
    const m = this.m;
    return m._lua_isinteger(L, idx) !== 0 ? Number(m._lua_tointegerx(L, idx, 0)) : m._lua_tonumberx(L, idx, 0);
  }

  /** redisProtocolToLuaType: pushes the RESP value at pos; returns the position after it. */
  private pushReply(L: number, b: Buffer, pos: number): number {
    const m = this.m;
    const type = b[pos]!;
    const eol = b.indexOf(13, pos);
    const line = b.toString('latin1', pos + 1, eol);
    const next = eol + 2;
    switch (type) {
      case 0x3a /* : */: {
        // 5.1 holds every number as a double and prints it with %.14g: an integer past 14
        // digits is a float here, which prints so (1e+15), where 5.4 prints an integer whole.
        const n = Number(line);
        if (Math.abs(n) < FOURTEEN_DIGITS) m._lua_pushinteger(L, BigInt(n));
        else m._lua_pushnumber(L, n);
        return next;
      }
      case 0x24 /* $ */: {
        const len = Number(line);
        if (len < 0) {
          m._lua_pushboolean(L, 0);
          return next;
        }
        this.pushString(L, b.toString('latin1', next, next + len));
        return next + len + 2;
      }
      case 0x2b /* + */:
        m._lua_createtable(L, 0, 1);
        this.pushString(L, line);
        m._lua_setfield(L, -2, this.cstr('ok'));
        return next;
      case 0x2d /* - */:
        this.pushCountedError(L, line);
        return next;
      // RESP3 (after redis.setresp(3)), as redisProtocolToLuaType_* push them.
      case 0x2c /* , */:
        this.pushTagged(L, 'double');
        m._lua_pushnumber(L, parseRespDouble(line));
        m._lua_rawset(L, -3);
        return next;
      case 0x5f /* _ */:
        m._lua_pushnil(L);
        return next;
      case 0x23 /* # */:
        m._lua_pushboolean(L, line === 't' ? 1 : 0);
        return next;
      case 0x28 /* ( */:
        this.pushTagged(L, 'big_number');
        this.pushString(L, line);
        m._lua_rawset(L, -3);
        return next;
      case 0x3d /* = */: {
        const len = Number(line);
        this.pushTagged(L, 'verbatim_string');
        m._lua_createtable(L, 0, 2);
        this.pushString(L, b.toString('latin1', next, next + 3));
        m._lua_setfield(L, -2, this.cstr('format'));
        this.pushString(L, b.toString('latin1', next + 4, next + len));
        m._lua_setfield(L, -2, this.cstr('string'));
        m._lua_rawset(L, -3);
        return next + len + 2;
      }
      case 0x25 /* % */:
      case 0x7e /* ~ */: {
        const isMap = type === 0x25;
        const n = Number(line);
        this.pushTagged(L, isMap ? 'map' : 'set');
        m._lua_createtable(L, 0, n);
        let p = next;
        for (let i = 0; i < n; i++) {
          p = this.pushReply(L, b, p);
          if (isMap) p = this.pushReply(L, b, p);
          else m._lua_pushboolean(L, 1);
          m._lua_rawset(L, -3);
        }
        m._lua_rawset(L, -3);
        return p;
      }
      case 0x2a /* * */: {
        const n = Number(line);
        if (n < 0) {
          m._lua_pushboolean(L, 0);
          return next;
        }
        m._lua_createtable(L, n, 0);
        let p = next;
        for (let i = 1; i <= n; i++) {
          p = this.pushReply(L, b, p);
          m._lua_rawseti(L, -2, BigInt(i));
        }
        return p;
      }
      case 0x7c /* | */: {
        // redisProtocolToLuaType_Attribute: not shown to scripts; the reply it annotates is.
        let p = next;
        for (let i = 0; i < 2 * Number(line); i++) {
          p = this.pushReply(L, b, p);
          m._lua_settop(L, -2);
        }
        return this.pushReply(L, b, p);
      }
      default:
        throw new Error(`unexpected reply type ${String.fromCharCode(type)}`);
    }
  }

  /** Frees the state, and the table entries and buffers it took from the module, which outlives it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const m = this.m;
    m._lua_close(this.L);
    for (const p of this.fns) m.removeFunction(p);
    for (const p of this.names.values()) m._free(p);
    if (this.scratch !== 0) m._free(this.scratch);
    m._free(this.lenPtr);
    m._free(this.nresPtr);
  }
}

/** C's (long long) cast of a double on x86-64: toward zero, INT64_MIN when out of range or NaN. */
function truncate(d: number): number | bigint {
  if (!Number.isFinite(d) || d >= TWO63 || d < -TWO63) return INT64_MIN;
  const t = Math.trunc(d);
  return Number.isSafeInteger(t) ? t + 0 : BigInt(t);
}
