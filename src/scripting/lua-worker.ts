// The scripting worker thread: owns the Lua VM and the compiled scripts, takes one job at a
// time from the main thread and blocks (Atomics.wait) between jobs and while the main thread
// serves a redis.call. See engine.ts for the design.
import { workerData, type MessagePort } from 'node:worker_threads';
import { LuaFactory } from 'wasmoon';
import { KILL, READY, TO_MAIN, TO_WORKER, receive, send, type ToMain, type ToWorker } from './channel.js';
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
  call(argv) {
    post({ op: 'call', argv });
    const m = next();
    if (m.op !== 'reply') throw new Error(`expected a reply, got ${m.op}`);
    return Buffer.from(m.reply.buffer, m.reply.byteOffset, m.reply.byteLength);
  },
  log: (level, msg) => post({ op: 'log', level, msg }),
  killRequested: () => Atomics.load(sig, KILL) !== 0,
  setRepl: (flags) => post({ op: 'repl', flags }),
};

/** The EVAL state and its compiled scripts (sha -> registry ref), rebuilt by SCRIPT FLUSH. */
let vm = new LuaVM(lw, memoryLimit);
let scripts = new Map<string, number>();

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

const errorReply = (msg: string): Uint8Array => Buffer.from(`-${msg.replace(/[\r\n]/g, ' ')}\r\n`, 'latin1');
const OK = Buffer.from('+OK\r\n');

/** Runs one job; a JS exception out of the VM (a bug, or a WASM trap) rebuilds the state. */
function handle(job: ToWorker): Uint8Array {
  try {
    switch (job.op) {
      case 'compile': {
        const ref = compiled(job.sha, job.body);
        return typeof ref === 'string' ? errorReply(ref) : OK;
      }
      case 'eval': {
        const ref = compiled(job.sha, job.body);
        if (typeof ref === 'string') return errorReply(ref);
        return vm.run(ref, job.keys, job.args, true, job.sha, `f_${job.sha}`, host);
      }
      case 'flush':
        reset();
        return OK;
      default:
        throw new Error(`unexpected job ${job.op}`);
    }
  } catch (e) {
    reset();
    return errorReply(`ERR Error running script: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function reset(): void {
  vm.close();
  vm = new LuaVM(lw, memoryLimit);
  scripts = new Map();
}

Atomics.store(sig, READY, 1);
Atomics.notify(sig, READY);
for (;;) {
  const job = next();
  const reply = handle(job);
  post({ op: 'done', reply, memory: vm.memory });
}
