// The script engine on the main thread: the script cache, the worker that owns the Lua VM,
// and the run of one script at a time (EVAL, and FCALL once functions land).
//
// DESIGN: answering BUSY while a script runs, in a single-threaded Node process.
//
// Redis runs a script on its only thread and, once the script has run past
// busy-reply-threshold, lets its Lua count hook call processEventsWhileBlocked so that other
// clients get -BUSY and SCRIPT KILL / SHUTDOWN NOSAVE get through. A Lua VM running on Node's
// main thread cannot do that: the hook could not let the event loop turn without returning
// from the script. So the VM runs in a worker thread, and the main thread serves it:
//
//   main (event loop)                               worker (Lua VM, blocks in Atomics.wait)
//   EVAL: post {eval} ─────────────────────────────> compile (cached by sha), run
//   wait (Atomics.wait, up to the threshold) <────── redis.call: post {call argv}, wait
//   call() through dispatch, reply as RESP ────────> parse RESP into Lua, go on
//   ... until {done reply}: write it to the caller
//
// Up to the threshold the main thread blocks in Atomics.wait exactly as Redis's thread is
// busy inside the script: no other client is served, so the script is atomic, and each
// redis.call costs one round trip between threads (postMessage + Atomics.notify, a few
// microseconds) instead of an event-loop turn. Past the threshold the main thread goes back to
// its event loop (Atomics.waitAsync for the worker's next message, serving it in short
// synchronous slices), the caller's connection stops reading, and every other command gets
// -BUSY unless its table entry allows it while busy (allow_busy: SCRIPT KILL, FUNCTION KILL,
// SHUTDOWN NOSAVE, AUTH...), which keeps the script atomic while the server answers. SCRIPT
// KILL sets a flag in shared memory that the worker's count hook polls, so a runaway loop
// stops without the main thread; SHUTDOWN NOSAVE terminates the worker with the process.
//
// Why not the alternatives: fengari (Lua 5.3 in JS) or wasmoon on the main thread would be
// simpler but could never answer BUSY or SCRIPT KILL during a long script, which the issue and
// Redis require; running every command through postMessage and the event loop without
// Atomics would make each redis.call cost a full loop turn and give up atomicity. A script
// that cannot be suspended (inside MULTI/EXEC, or applied from a master's stream) is waited
// for synchronously to its end, as a replica must: those never answer BUSY.
//
// REPLICATION: scripts propagate by their effects, as Redis 7.0 does. The script's EVAL or
// FCALL propagates nothing itself (preventPropagation); each write its redis.call runs goes
// through dispatch's call() like any command, which queues its argv (or deterministic rewrite)
// with the replication's pending effects, and when the outermost call ends they leave together,
// in MULTI/EXEC when there are several. A script that went past the threshold keeps that call
// open (callDepth) until it ends. Replicas never run Lua for their master.
//
// The seed's replicationScriptCacheInit, replicationScriptCacheFlush, replicationScriptCacheAdd
// and replicationScriptCacheExists kept, per master, the shas every replica was known to have,
// so that EVALSHA could be sent verbatim when safe and turned into EVAL otherwise. That cache
// only exists for verbatim script replication, which Redis 7.0 removed: with effects
// replication no sha ever reaches a replica, so these functions have no counterpart here and
// this comment is their home (DESIGN.md's seed map).
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '../actors/client.js';
import type { Server } from '../actors/server.js';
import { Client as ClientClass } from '../actors/client.js';
import { call, MISCONF, OOM } from '../commands/dispatch.js';
import { effectiveCommand } from '../commands/subcommands.js';
import { lookupCommand } from '../commands/table.js';
import { FunctionLibraries } from './functions.js';
import { KILL, READY, SLOTS, TO_MAIN, TO_WORKER, send, waitFor, type FunctionInfo, type ToMain, type ToWorker } from './channel.js';

const here = fileURLToPath(import.meta.url);
// Under vitest the sources run as TypeScript, which a worker thread cannot load: the build's
// copy serves (npm test builds first).
const WORKER_FILE = here.endsWith('.ts')
  ? resolve(dirname(here), '../../dist/scripting/lua-worker.js')
  : resolve(dirname(here), 'lua-worker.js');

/** What the Lua heap may hold; past it the script gets "not enough memory", the server lives. */
export const LUA_MEMORY_LIMIT = 256 * 1024 * 1024;
/** How long the main thread serves a busy script synchronously before it lets the loop turn. */
const BUSY_SLICE_MS = 2;
const READY_TIMEOUT_MS = 30_000;

export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
const UNKILLABLE_WROTE = 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can ' +
  'either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';
const UNKILLABLE_MASTER = 'UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.';

/** One script's run: who asked, what it may do, what it did. */
export class ScriptRun {
  /** A write command ran (SCRIPT_WRITE_DIRTY): SCRIPT KILL answers UNKILLABLE. */
  wrote = false;
  /** redis.set_repl's flags (REPL_ALL unless the script changes them). */
  replFlags = 3;
  /** Went past busy-reply-threshold: the caller waits and others get BUSY. */
  async = false;

  /** When it started, for FUNCTION STATS. */
  readonly started = Date.now();

  constructor(
    readonly caller: Client,
    /** The command that started it (FUNCTION STATS shows it). */
    readonly argv: readonly string[],
    /** EVAL_RO / FCALL_RO / a no-writes script: writes are refused. */
    readonly readonly: boolean,
    readonly isEval: boolean,
    /** Where its error replies say it ran: the sha, or the function's name. */
    readonly name: string,
    /** Declared allow-oom (SCRIPT_ALLOW_OOM): its writes are taken out of memory. */
    readonly allowOom = false,
  ) {}

  /** Applied from a master's stream (a pseudo-client without a socket). */
  get fromMaster(): boolean {
    return this.caller.stream === null;
  }
}

export class ScriptEngine {
  /** The script cache (Redis's lctx.lua_scripts): sha -> body, for EVALSHA and SCRIPT EXISTS. */
  readonly scripts = new Map<string, string>();
  /** The function libraries (FUNCTION LOAD...), whose callbacks live in the worker. */
  readonly functions = new FunctionLibraries(this);
  /** The script running past busy-reply-threshold, or null. */
  busy: ScriptRun | null = null;
  /** used_memory_lua after the last run. */
  memory = 0;
  private worker: Worker | null = null;
  private sig = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  private port: MessagePort | null = null;
  /** The client redis.call runs commands as (Redis's lua_client). */
  private client: Client | null = null;

  constructor(private readonly server: Server) {}

  /** Starts the worker on first use, waiting synchronously until its VM is ready. */
  private ensureWorker(): MessagePort {
    if (this.port !== null) return this.port;
    this.sig = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(WORKER_FILE, {
      workerData: { sig: this.sig.buffer, port: port2, memoryLimit: LUA_MEMORY_LIMIT },
      transferList: [port2],
    });
    this.worker.unref();
    this.worker.on('error', (e) => this.server.log.warning(`Scripting engine failed: ${e.stack ?? e.message}`));
    if (Atomics.wait(this.sig, READY, 0, READY_TIMEOUT_MS) === 'timed-out') {
      void this.worker.terminate();
      this.worker = null;
      throw new Error('the scripting engine did not start');
    }
    this.port = port1;
    return port1;
  }

  /** Runs a job that does not call back (compile, flush, library loads): waits for its end. */
  request(job: ToWorker): Extract<ToMain, { op: 'done' }> {
    const port = this.ensureWorker();
    send(port, this.sig, TO_WORKER, job);
    for (;;) {
      const seen = Atomics.load(this.sig, TO_MAIN);
      const r = receiveMessageOnPort(port);
      if (r === undefined) {
        waitFor(this.sig, TO_MAIN, seen);
        continue;
      }
      const msg = r.message as ToMain;
      if (msg.op === 'done') {
        this.memory = msg.memory;
        return msg;
      }
    }
  }

  /**
   * Runs a script job for run.caller and writes its reply to the caller, now or, when the
   * script outlives busy-reply-threshold, once it ends (the caller waits meanwhile).
   */
  start(run: ScriptRun, job: ToWorker): void {
    const port = this.ensureWorker();
    const caller = run.caller;
    Atomics.store(this.sig, KILL, 0);
    send(port, this.sig, TO_WORKER, job);
    const threshold = this.server.config.getInt('busy-reply-threshold');
    const suspendable = caller.stream !== null && !caller.inExec && threshold > 0;
    if (this.pump(run, suspendable ? threshold : Infinity) < 0) return;
    this.server.log.warning('Slow script detected: still in execution after ' + threshold +
      ` milliseconds. You can try killing the script using the ${run.isEval ? 'SCRIPT' : 'FUNCTION'} KILL command. ` +
      `Script name is: ${run.isEval ? `f_${run.name}` : run.name}.`);
    run.async = true;
    this.busy = run;
    caller.hold();
    // The EVAL's call() returns now, but its effects must still leave together when the script
    // ends: the call stays open in the replication's eyes until finish().
    this.server.replication.callDepth++;
    const step = (): void => {
      const seen = this.pump(run, BUSY_SLICE_MS);
      if (seen < 0) return;
      const w = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.sig, TO_MAIN, seen);
      if (w.async) void w.value.then(step);
      else setImmediate(step);
    };
    setImmediate(step);
  }

  /**
   * Serves the running script's messages for up to ms (Infinity: to its end). Returns -1
   * once it is done, else the TO_MAIN slot as read before the last empty look at the port.
   */
  private pump(run: ScriptRun, ms: number): number {
    const port = this.port!;
    const deadline = performance.now() + ms;
    for (;;) {
      const seen = Atomics.load(this.sig, TO_MAIN);
      const r = receiveMessageOnPort(port);
      if (r !== undefined) {
        if (this.handle(run, r.message as ToMain)) return -1;
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) return seen;
      waitFor(this.sig, TO_MAIN, seen, left);
    }
  }

  /** One message from the running script; true when it was the end. */
  private handle(run: ScriptRun, msg: ToMain): boolean {
    switch (msg.op) {
      case 'call':
        send(this.port!, this.sig, TO_WORKER, { op: 'reply', reply: this.scriptCall(run, msg.argv, msg.resp3) });
        return false;
      case 'log':
        this.logFromScript(msg.level, msg.msg);
        return false;
      case 'repl':
        run.replFlags = msg.flags;
        return false;
      case 'done':
        this.memory = msg.memory;
        this.finish(run, toBuffer(msg.reply));
        return true;
    }
  }

  private finish(run: ScriptRun, reply: Buffer): void {
    if (this.busy === run) this.busy = null;
    const c = run.caller;
    if (reply[0] === 0x2d /* - */) c.reply.error(reply.toString('latin1', 1, reply.length - 2));
    else c.reply.raw(reply);
    if (run.async) {
      const repl = this.server.replication;
      if (--repl.callDepth === 0) repl.propagatePending();
      // What the script made ready is served now that it is over, as after any command.
      if (this.server.keyspace.readyKeys.length > 0) this.server.blocking.handleReadyKeys();
      c.release();
      this.server.replicaLink?.scriptEnded();
    }
  }

  private logFromScript(level: number, msg: string): void {
    const log = this.server.log;
    if (level === 0) log.debug(msg);
    else if (level === 1) log.verbose(msg);
    else if (level === 2) log.notice(msg);
    else log.warning(msg);
  }

  /**
   * scriptCall: a command from redis.call, checked as Redis checks it (script.c), then run
   * through dispatch's call() as the script client, in the protocol the script asked for
   * (redis.setresp). Returns the reply as RESP bytes.
   */
  private scriptCall(run: ScriptRun, argv: string[], resp3: boolean): Uint8Array {
    const cmd = lookupCommand(argv[0]!);
    if (cmd === undefined) return errorBytes('ERR Unknown Redis command called from script');
    const effective = effectiveCommand(cmd, argv);
    if ((effective.arity > 0 && argv.length !== effective.arity) || argv.length < -effective.arity) {
      return errorBytes('ERR Wrong number of args calling Redis command from script');
    }
    if (effective.flags.includes('noscript')) return errorBytes('ERR This Redis command is not allowed from script');
    if (effective.isWrite) {
      if (run.readonly) return errorBytes('ERR Write commands are not allowed from read-only scripts.');
      if (this.server.isReplica && !run.fromMaster && this.server.config.get('replica-read-only') === 'yes') {
        return errorBytes("READONLY You can't write against a read only replica.");
      }
      if (this.server.persistence.writesDeniedByDiskError) return errorBytes(MISCONF);
    }
    // scriptVerifyOOM: only the first write is refused; once one ran, the script can not stop halfway.
    const memory = this.server.memory;
    if (effective.denyOom && !run.allowOom && !run.wrote && !run.fromMaster && memory.maxmemory > 0 && memory.preCommandOom) {
      return errorBytes(OOM);
    }
    if (effective.isWrite) run.wrote = true;
    const sc = this.scriptClient();
    sc.reply.resp3 = resp3;
    // redis.set_repl without REPL_REPLICA: this write stays off the replication stream.
    sc.replicates = (run.replFlags & 2) !== 0;
    call(sc, cmd, argv);
    const out = sc.reply.take();
    return out === null ? errorBytes('ERR command gave no reply') : Buffer.concat(out);
  }

  /** The pseudo-client scripts run commands as; its db follows the caller at each run. */
  private scriptClient(): Client {
    if (this.client === null) {
      this.client = new ClientClass(this.server, null);
      this.client.reply.mute(false);
      this.client.setAuthenticated();
      this.client.isScript = true;
    }
    return this.client;
  }

  /** Points the script client at the caller's db before a run (SELECT inside stays inside). */
  prepare(run: ScriptRun): void {
    this.scriptClient().db = run.caller.db;
  }

  /** SCRIPT KILL / FUNCTION KILL (scriptKill): null when the kill was asked, else the error. */
  kill(isEval: boolean): string | null {
    const run = this.busy;
    if (run === null) return 'NOTBUSY No scripts in execution right now.';
    if (run.fromMaster) return UNKILLABLE_MASTER;
    if (run.wrote) return UNKILLABLE_WROTE;
    if (isEval && !run.isEval) return BUSY_FUNCTION;
    if (!isEval && run.isEval) return BUSY_EVAL;
    Atomics.store(this.sig, KILL, 1);
    return null;
  }

  /** SCRIPT FLUSH: forgets every script and gives the VM a fresh state. */
  flush(): void {
    this.scripts.clear();
    if (this.port !== null) this.request({ op: 'flush' });
  }

  /**
   * FUNCTION LOAD's engine side: runs a library's code in the functions state. Returns its
   * functions, or Redis's error text.
   */
  loadLibrary(name: string, code: string): FunctionInfo[] | string {
    const done = this.request({ op: 'fload', library: name, code });
    const reply = toBuffer(done.reply);
    if (reply[0] === 0x2d) return reply.toString('latin1', 1, reply.length - 2);
    return done.functions ?? [];
  }

  /** Drops a library's functions from the functions state. */
  deleteLibrary(name: string): void {
    if (this.port !== null) this.request({ op: 'fdelete', library: name });
  }

  /** FUNCTION FLUSH's engine side: a fresh functions state. */
  flushFunctions(): void {
    if (this.port !== null) this.request({ op: 'fflush' });
  }

  /** Stops the worker (shutdown, server close). */
  close(): void {
    this.port?.close();
    this.port = null;
    void this.worker?.terminate();
    this.worker = null;
  }
}

/** Atomics.waitAsync (Node 16+; TypeScript types it from lib es2024 on). */
interface AtomicsWaitAsync {
  waitAsync(a: Int32Array, i: number, v: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

const errorBytes = (msg: string): Uint8Array => Buffer.from(`-${msg}\r\n`, 'latin1');
const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
