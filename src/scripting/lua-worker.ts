// The scripting worker thread: owns the two Lua states (EVAL's and FUNCTION's, as Redis keeps
// them apart), the compiled scripts and the registered functions; takes one job at a time from
// the main thread and blocks (Atomics.wait) between jobs and while the main thread serves a
// redis.call. See engine.ts for the design.
import { workerData, type MessagePort } from 'node:worker_threads';
import { LuaFactory } from 'wasmoon';
import { KILL, READY, TO_MAIN, TO_WORKER, receive, send, type FunctionInfo, type ToMain, type ToWorker } from './channel.js';
import { LuaVM, type VmHost } from './lua-vm.js';

interface Init {
  sig: SharedArrayBuffer;
  port: MessagePort;
  memoryLimit: number;
}

const { sig: sab, port, memoryLimit } = workerData as Init;
const sig = new Int32Array(sab);
const lw = await new LuaFactory().getLuaModule();

const post = (msg: ToMain): void => send(port, sig, TO_MAIN, msg);
const next = (): ToWorker => receive<ToWorker>(port, sig, TO_WORKER, Infinity)!;

const host: VmHost = {
  call(argv, resp3) {
    post({ op: 'call', argv, resp3 });
    const m = next();
    if (m.op !== 'reply') throw new Error(`expected a reply, got ${m.op}`);
    return Buffer.from(m.reply.buffer, m.reply.byteOffset, m.reply.byteLength);
  },
  log: (level, msg) => post({ op: 'log', level, msg }),
  killRequested: () => Atomics.load(sig, KILL) !== 0,
  setRepl: (flags) => post({ op: 'repl', flags }),
};

/** The EVAL state and its compiled scripts (sha -> registry ref), rebuilt by SCRIPT FLUSH. */
let vm = new LuaVM(lw, memoryLimit, 'eval');
let scripts = new Map<string, number>();
/** The functions state (made on first use): function name -> callback ref, library -> names. */
let fvm: LuaVM | null = null;
let functions = new Map<string, number>();
let libraries = new Map<string, string[]>();

/** The ref of a script's function, compiling it first; or Redis's compile error text. */
function compiled(sha: string, body: string): number | string {
  const known = scripts.get(sha);
  if (known !== undefined) return known;
  const ref = vm.compile(body, '@user_script');
  // 5.1 quotes the end of input in its syntax errors ('<eof>'), 5.4 does not.
  if (typeof ref === 'string') return `ERR Error compiling script (new function): ${ref.replace(/near <eof>$/, "near '<eof>'")}`;
  scripts.set(sha, ref);
  return ref;
}

/**
 * FUNCTION LOAD's work here: runs the library's code and, unless its functions clash with
 * another library's, puts them in place of the library's old ones.
 */
function loadLibrary(name: string, code: string): { reply: Uint8Array; functions?: FunctionInfo[] } {
  fvm ??= new LuaVM(lw, memoryLimit, 'functions');
  const loaded = fvm.loadLibrary(code);
  if ('error' in loaded) return { reply: errorReply(loaded.error) };
  const clash = loaded.functions.find((f) => functions.has(f.name) && !(libraries.get(name) ?? []).includes(f.name));
  if (clash !== undefined) {
    for (const f of loaded.functions) fvm.release(f.ref);
    return { reply: errorReply(`ERR Function ${clash.name} already exists`) };
  }
  deleteLibrary(name);
  for (const f of loaded.functions) functions.set(f.name, f.ref);
  libraries.set(name, loaded.functions.map((f) => f.name));
  return { reply: OK, functions: loaded.functions.map(({ name: n, description, flags }) => ({ name: n, description, flags })) };
}

function deleteLibrary(name: string): void {
  for (const f of libraries.get(name) ?? []) {
    fvm!.release(functions.get(f)!);
    functions.delete(f);
  }
  libraries.delete(name);
}

const errorReply = (msg: string): Uint8Array => Buffer.from(`-${msg.replace(/[\r\n]/g, ' ')}\r\n`, 'latin1');
const OK = Buffer.from('+OK\r\n');

/** Runs one job; a JS exception out of the VM (a bug, or a WASM trap) rebuilds that state. */
function handle(job: ToWorker): { reply: Uint8Array; functions?: FunctionInfo[] } {
  try {
    switch (job.op) {
      case 'compile': {
        const ref = compiled(job.sha, job.body);
        return { reply: typeof ref === 'string' ? errorReply(ref) : OK };
      }
      case 'eval': {
        const ref = compiled(job.sha, job.body);
        if (typeof ref === 'string') return { reply: errorReply(ref) };
        return { reply: vm.run(ref, job.keys, job.args, true, job.sha, `f_${job.sha}`, job.resp3, host) };
      }
      case 'flush':
        resetEval();
        return { reply: OK };
      case 'fload':
        return loadLibrary(job.library, job.code);
      case 'fdelete':
        deleteLibrary(job.library);
        return { reply: OK };
      case 'fflush':
        resetFunctions();
        return { reply: OK };
      case 'fcall': {
        const ref = functions.get(job.name);
        if (ref === undefined) return { reply: errorReply('ERR Function not found') };
        return { reply: fvm!.run(ref, job.keys, job.args, false, job.name, job.name, job.resp3, host) };
      }
      default:
        throw new Error(`unexpected job ${job.op}`);
    }
  } catch (e) {
    if (job.op === 'fload' || job.op === 'fcall') resetFunctions();
    else resetEval();
    return { reply: errorReply(`ERR Error running script: ${e instanceof Error ? e.message : String(e)}`) };
  }
}

function resetEval(): void {
  vm.close();
  vm = new LuaVM(lw, memoryLimit, 'eval');
  scripts = new Map();
}

/** A fresh functions state; the main thread loads its libraries again where it must. */
function resetFunctions(): void {
  fvm?.close();
  fvm = null;
  functions = new Map();
  libraries = new Map();
}

Atomics.store(sig, READY, 1);
Atomics.notify(sig, READY);
for (;;) {
  const job = next();
  const { reply, functions: loaded } = handle(job);
  post({ op: 'done', reply, memory: vm.memory + ((fvm as LuaVM | null)?.memory ?? 0), functions: loaded });
}
