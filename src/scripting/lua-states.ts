// A server's two Lua states (EVAL's and FUNCTION's, which Redis keeps apart), the compiled
// scripts and the registered functions, on the main thread (engine.ts says why). The
// WebAssembly module behind them is loaded once per process, when this module is imported.
import { createRequire } from 'node:module';
import type * as Wasmoon from 'wasmoon';
import { LuaVM, Rand48, type LuaModule, type RunResult, type VmHost } from './lua-vm.js';

type Instantiate = (...args: unknown[]) => Promise<{ instance?: { exports: Record<string, unknown> } }>;

/**
 * Loads wasmoon's module with its C exports called straight. wasmoon ships an Emscripten
 * build with assertions, which wraps each export in a function that checks the runtime is up
 * and forwards `arguments` with apply: an arguments object and a generic call per export
 * call, and an EVAL makes dozens. The instance's own exports are caught as the module
 * instantiates them and put in front of the module (which keeps its heap views and helpers);
 * should another build not show them, the wrappers serve.
 */
async function loadModule(): Promise<LuaModule> {
  const wasm = (globalThis as unknown as { WebAssembly: { instantiate: Instantiate } }).WebAssembly;
  const instantiate = wasm.instantiate;
  let exports: Record<string, unknown> | null = null;
  wasm.instantiate = async (...args: unknown[]) => {
    const r = await instantiate.apply(wasm, args);
    if (r.instance !== undefined && 'lua_resume' in r.instance.exports) exports = r.instance.exports;
    return r;
  };
  let module: object;
  try {
    // Required, not imported: wasmoon is CommonJS, whose exports node's ESM loader finds by
    // lexing its source, 40 ms of every start-up's CPU (--cpu-prof: cjsPreparseModuleExports).
    const { LuaFactory } = createRequire(import.meta.url)('wasmoon') as typeof Wasmoon;
    module = (await new LuaFactory().getLuaModule()).module;
  } finally {
    wasm.instantiate = instantiate;
  }
  const direct: Record<string, unknown> = Object.create(module);
  for (const [name, f] of Object.entries(exports ?? {})) if (typeof f === 'function') direct[`_${name}`] = f;
  const m = direct as unknown as LuaModule;
  numbersAs51(m);
  return m;
}

/**
 * Cuts a C string literal of the module's static data short at `at`: the one place where 5.4's
 * own number rules, which no API reaches, part from 5.1's.
 */
function cutLiteral(data: Buffer, literal: string, at: number): void {
  const needle = Buffer.from(`\0${literal}\0`, 'latin1');
  const found = data.indexOf(needle);
  if (found < 0 || data.indexOf(needle, found + 1) >= 0) throw new Error(`wasmoon: no single "${literal}" literal to patch`);
  data[found + 1 + at] = 0;
}

/** Where the module's static data lies: its first kilobytes (Emscripten's data starts at 1 kB). */
const STATIC_DATA = 1 << 20;

/**
 * Numbers and strings convert as 5.1's do (lobject.c in both):
 * - 5.1 prints every number with %.14g (10/2 is "5"); 5.4's tostringbuff adds ".0" to a float
 *   that looks like an integer, which it tells by strspn against "-0123456789": emptied, it
 *   matches nothing, and floats print as in 5.1 (tostring, concatenation, string.format's %s).
 * - 5.1 reads "inf", "-inf" and "nan" with strtod (tonumber(ARGV[1]) of ZRANGEBYSCORE's -inf);
 *   5.4's l_str2d refuses a string holding an 'n' it finds with strpbrk(s, ".xXnN"): cut to
 *   ".xX", it lets strtod read them (numerals in source never hold an 'n').
 * Integers print whole: redis.call's past 14 digits come as floats (lua-vm.ts pushReply), but
 * one a script makes itself that long (a numeral, tonumber, integer arithmetic) prints whole
 * where 5.1 would print 1.2345678901234e+14, and tonumber('-0') is 0, not -0 (a Lua wrapper of
 * tonumber doubled its cost and moved its errors' positions into the prelude).
 */
function numbersAs51(m: LuaModule): void {
  const data = Buffer.from(m.HEAPU8.buffer, m.HEAPU8.byteOffset, Math.min(STATIC_DATA, m.HEAPU8.byteLength));
  cutLiteral(data, '-0123456789', 0);
  cutLiteral(data, '.xXnN', 3);
}

const lw = await loadModule();

/**
 * Bytes of the WebAssembly memory the Lua states live in. V8 counts it as external memory;
 * Redis's used_memory leaves Lua's allocations out (they are used_memory_lua), so it is taken
 * back out of ours.
 */
export const luaHeapBytes = (): number => lw.HEAPU8.byteLength;

/** What the Lua heap may hold; past it the script gets "not enough memory", the server lives. */
export const LUA_MEMORY_LIMIT = 256 * 1024 * 1024;

/** A function a library registered, as FUNCTION LIST describes it. */
export interface FunctionInfo {
  name: string;
  description: string | null;
  flags: string[];
}

/**
 * A script to run. resp3: the caller's protocol (HELLO 3), which the script's reply takes.
 */
export type ScriptJob =
  | { op: 'eval'; sha: string; body: string; keys: string[]; args: string[]; resp3: boolean }
  | { op: 'fcall'; name: string; keys: string[]; args: string[]; resp3: boolean };

/** An error the run replies before any Lua runs, told to the host as the VM tells it its errors. */
function errorReply(host: VmHost, msg: string): Buffer {
  host.replyError(msg, false);
  return Buffer.from(`-${msg.replace(/[\r\n]/g, ' ')}\r\n`, 'latin1');
}

export class LuaStates {
  private readonly rand = new Rand48();
  /** The EVAL state and its compiled scripts (sha -> registry ref), rebuilt by SCRIPT FLUSH. */
  private vm = new LuaVM(lw, LUA_MEMORY_LIMIT, 'eval', this.rand);
  private scripts = new Map<string, number>();
  /**
   * The functions state (made on first use): function name -> callback ref, library -> names,
   * each name lowercased (Redis's functions dict ignores case).
   */
  private fvm: LuaVM | null = null;
  private functions = new Map<string, number>();
  private libraries = new Map<string, string[]>();

  /** Bytes the EVAL state holds (used_memory_vm_eval). */
  get evalMemory(): number {
    return this.vm.memory;
  }

  /** Bytes the functions state holds (used_memory_vm_functions); none before its first use. */
  get functionsMemory(): number {
    return this.fvm?.memory ?? 0;
  }

  /** The ref of a script's function, compiling it first; or Redis's compile error text. */
  compile(sha: string, body: string): number | string {
    const known = this.scripts.get(sha);
    if (known !== undefined) return known;
    const ref = this.vm.compile(body, '@user_script');
    // 5.1 quotes the end of input in its syntax errors ('<eof>'), 5.4 does not.
    if (typeof ref === 'string') return `ERR Error compiling script (new function): ${ref.replace(/near <eof>$/, "near '<eof>'")}`;
    this.scripts.set(sha, ref);
    return ref;
  }

  /** Starts a script: its reply, or null once the host had it suspended (resume() goes on). */
  run(job: ScriptJob, host: VmHost): RunResult {
    if (job.op === 'eval') {
      const ref = this.compile(job.sha, job.body);
      if (typeof ref === 'string') return errorReply(host, ref);
      return this.vm.run(ref, job.keys, job.args, job.sha, `f_${job.sha}`, job.resp3, host);
    }
    const ref = this.functions.get(job.name.toLowerCase());
    if (ref === undefined) return errorReply(host, 'ERR Function not found');
    return this.fvm!.run(ref, job.keys, job.args, job.name, job.name, job.resp3, host);
  }

  /** Goes on with the suspended job: as run(). */
  resume(job: ScriptJob): RunResult {
    return (job.op === 'eval' ? this.vm : this.fvm!).resume();
  }

  /**
   * FUNCTION LOAD's work here: runs the library's code and, unless its functions clash with
   * another library's, puts them in place of the library's old ones. Returns its functions,
   * or Redis's error text.
   */
  loadLibrary(name: string, code: string): FunctionInfo[] | string {
    this.fvm ??= new LuaVM(lw, LUA_MEMORY_LIMIT, 'functions', this.rand);
    const fvm = this.fvm;
    let loaded;
    try {
      loaded = fvm.loadLibrary(code);
    } catch (e) {
      this.reset('fcall');
      return `ERR Error registering functions: ${e instanceof Error ? e.message : String(e)}`;
    }
    if ('error' in loaded) return loaded.error.replace(/[\r\n]/g, ' ');
    const own = this.libraries.get(name) ?? [];
    const clash = loaded.functions.find((f) => this.functions.has(f.name.toLowerCase()) && !own.includes(f.name.toLowerCase()));
    if (clash !== undefined) {
      for (const f of loaded.functions) fvm.release(f.ref);
      return `ERR Function ${clash.name} already exists`;
    }
    this.deleteLibrary(name);
    for (const f of loaded.functions) this.functions.set(f.name.toLowerCase(), f.ref);
    this.libraries.set(name, loaded.functions.map((f) => f.name.toLowerCase()));
    return loaded.functions.map(({ name: n, description, flags }) => ({ name: n, description, flags }));
  }

  /** Drops a library's functions from the functions state. */
  deleteLibrary(name: string): void {
    for (const f of this.libraries.get(name) ?? []) {
      this.fvm!.release(this.functions.get(f)!);
      this.functions.delete(f);
    }
    this.libraries.delete(name);
  }

  /**
   * A fresh state for EVAL (SCRIPT FLUSH, or after a JS exception out of the VM: a bug or a
   * WASM trap) or for functions (FUNCTION FLUSH, or the same); the server loads its libraries
   * again where it must.
   */
  reset(kind: ScriptJob['op']): void {
    if (kind === 'eval') {
      this.vm.close();
      this.vm = new LuaVM(lw, LUA_MEMORY_LIMIT, 'eval', this.rand);
      this.scripts = new Map();
    } else {
      this.fvm?.close();
      this.fvm = null;
      this.functions = new Map();
      this.libraries = new Map();
    }
  }

  close(): void {
    this.vm.close();
    this.fvm?.close();
  }
}
