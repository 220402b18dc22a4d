// The script engine: the script cache, the Lua states, and the run of one script at a time
// (EVAL and FCALL).
//
// DESIGN: answering BUSY while a script runs, in a single-threaded Node process.
//
// Redis runs a script on its only thread and, once the script has run past
// busy-reply-threshold, lets its Lua count hook call processEventsWhileBlocked so that other
// clients get -BUSY and SCRIPT KILL / SHUTDOWN NOSAVE get through. Node cannot turn its event
// loop from inside a hook, but Lua 5.4 can yield from one: a script runs in a coroutine of its
// state, on the main thread, and redis.call runs the command directly (dispatch's call()):
//
//   EVAL: lua_resume(coroutine, script) ── redis.call ──> call() ──> reply parsed into Lua
//     ... count hook every 100000 instructions: past the threshold? lua_yield
//   resume returns LUA_YIELD: the caller waits, others get BUSY; nextSlice(slice)
//   slice: lua_resume again, for BUSY_SLICE_MS, and so on until the script returns
//
// Up to the threshold nothing else runs, exactly as in Redis; past it the event loop turns
// between slices, the caller's connection stops reading, and every other command gets -BUSY
// unless its table entry allows it while busy (allow_busy: SCRIPT KILL, FUNCTION KILL,
// SHUTDOWN NOSAVE, AUTH...), which keeps the script atomic while the server answers. SCRIPT
// KILL sets a flag the hook reads. A script that cannot be suspended (inside MULTI/EXEC, or
// applied from a master's stream) runs to its end, as a replica must: those never answer BUSY.
// Lua cannot yield under a C function that calls Lua without a continuation, so the prelude
// gives scripts Lua versions of those that Redis scripts call back through: table.sort (5.1's
// algorithm, its comparator), string.gsub with a function or table, tostring (__tostring).
// What is left is rarer 5.4 metamethod paths in C (string.format's %s calling __tostring,
// ipairs/table.concat/insert/unpack calling __index, load with a reader function): a script
// looping for ever there cannot be suspended, so BUSY and SCRIPT KILL wait until it comes back
// out. Coroutines the script makes are suspended too (the prelude hands their yield on).
//
// Why not the VM in a worker thread, which this engine had before (redis.call served by the
// main thread through postMessage and Atomics.wait/notify, the main thread answering BUSY
// meanwhile): each redis.call was a round trip between threads and each EVAL two more, and
// every one waits for the other thread to be woken and scheduled. Measured side by side with
// bench/scripting-sides.sh (EVAL of one redis.call, 50 clients, load average 11): the worker
// took 135-155 us of CPU per EVAL and gave 3,837-6,361 req/s, this design 14-16 us and
// 26,212-33,613 req/s, redis-server 8.5-9 us; with ten redis.calls 589-620 us against 25-27 us.
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
import type { Client } from '../actors/client.js';
import type { Server } from '../actors/server.js';
import { Client as ClientClass } from '../actors/client.js';
import type { Command } from '../commands/command.js';
import { call, MISCONF, NOREPLICAS, OOM, runningStale } from '../commands/dispatch.js';
import { countErrorReply, serverState } from '../commands/server-state.js';
import { effectiveCommand } from '../commands/subcommands.js';
import { lookupCommand } from '../commands/table.js';
import { nextSlice } from '../io/turn-end.js';
import { MAP_ENTRY, stringSize } from '../store/object-size.js';
import { checkAcl, scriptAclMessage } from '../commands/acl-check.js';
import { Denial } from '../commands/acl-users.js';
import { FunctionLibraries } from './functions.js';
import { LuaStates, type FunctionInfo, type ScriptJob } from './lua-states.js';
import { sha1hex, type VmHost } from './lua-vm.js';

/** How long a script past busy-reply-threshold runs before the event loop gets a turn. */
const BUSY_SLICE_MS = 2;

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
  /** Its reply holds an error counted when it was made (replyError). */
  erred = false;

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

export class ScriptEngine implements VmHost {
  /** The script cache (Redis's lctx.lua_scripts): sha -> body, for EVALSHA and SCRIPT EXISTS. */
  readonly scripts = new Map<string, string>();
  /** The same, body -> sha. */
  private readonly shas = new Map<string, string>();
  /** The function libraries (FUNCTION LOAD...), whose callbacks live in the functions state. */
  readonly functions = new FunctionLibraries(this);
  /** The script running past busy-reply-threshold, or null. */
  busy: ScriptRun | null = null;
  /** DEBUG SET-DISABLE-DENY-SCRIPTS (script_disable_deny_script): scripts may call no-script commands. */
  allowNoScript = false;
  /** Made on first use: a server that runs no script keeps no Lua state. */
  private lua: LuaStates | null = null;
  /** The script running now (suspended or not), or null. */
  private running: ScriptRun | null = null;
  /** When the running script must next give the event loop a turn (Infinity: never). */
  private yieldAt = Infinity;
  /** Set by SCRIPT KILL / FUNCTION KILL; the count hook reads it. */
  private killFlag = false;
  /** The client redis.call runs commands as (Redis's lua_client). */
  private client: Client | null = null;

  constructor(private readonly server: Server) {}

  private get states(): LuaStates {
    this.lua ??= new LuaStates();
    return this.lua;
  }

  /** INFO memory's scripting part: the Lua states' bytes and the estimated bytes of the script cache and libraries. */
  memoryReport(): { vmEval: number; vmFunctions: number; scriptsEval: number; functions: number } {
    let scriptsEval = 0;
    // The cache's two Maps (sha -> body, body -> sha) share the strings.
    for (const [sha, body] of this.scripts) scriptsEval += stringSize(sha) + stringSize(body) + 2 * MAP_ENTRY;
    return { vmEval: this.lua?.evalMemory ?? 0, vmFunctions: this.lua?.functionsMemory ?? 0, scriptsEval, functions: this.functions.memory };
  }

  /**
   * Compiles an EVAL body (as Lua sees it: luaBody) and caches the script: null, or Redis's
   * error, and then nothing is cached.
   */
  compile(sha: string, body: string, luaBody: string): string | null {
    const ref = this.states.compile(sha, luaBody);
    if (typeof ref === 'string') return ref;
    this.scripts.set(sha, body);
    this.shas.set(body, sha);
    return null;
  }

  /** An EVAL body's sha: found for a cached script, whose body hashes faster as a Map key than by SHA-1. */
  shaOf(body: string): string {
    return this.shas.get(body) ?? sha1hex(body);
  }

  /**
   * Runs a script job for run.caller and writes its reply to the caller, now or, when the
   * script outlives busy-reply-threshold, once it ends (the caller waits meanwhile).
   */
  start(run: ScriptRun, job: ScriptJob): void {
    const caller = run.caller;
    const threshold = this.server.config.getInt('busy-reply-threshold');
    const suspendable = caller.stream !== null && !caller.inExec && threshold > 0;
    this.killFlag = false;
    this.running = run;
    this.yieldAt = suspendable ? performance.now() + threshold : Infinity;
    const startedAt = Date.now();
    const reply = this.step(run, job, true, startedAt);
    if (reply !== null) return this.finish(run, reply);
    this.server.log.warning('Slow script detected: still in execution after ' + threshold +
      ` milliseconds. You can try killing the script using the ${run.isEval ? 'SCRIPT' : 'FUNCTION'} KILL command. ` +
      `Script name is: ${run.isEval ? `f_${run.name}` : run.name}.`);
    run.async = true;
    this.busy = run;
    caller.hold();
    // The EVAL's call() returns now, but its effects must still leave together when the script
    // ends: the call stays open in the replication's eyes until finish().
    this.server.replication.callDepth++;
    const slice = (): void => {
      // Gone with the server (SHUTDOWN NOSAVE, close()).
      if (this.running !== run) return;
      this.yieldAt = performance.now() + BUSY_SLICE_MS;
      const done = this.step(run, job, false, startedAt);
      if (done === null) nextSlice(slice);
      else this.finish(run, done);
    };
    nextSlice(slice);
  }

  /**
   * Starts or resumes the job, its keys expiring by startedAt: its reply, or null when
   * suspended. A JS exception out of the VM (a bug, or a WASM trap) gives that state a fresh
   * start and the caller an error.
   */
  private step(run: ScriptRun, job: ScriptJob, first: boolean, startedAt: number): Buffer | null {
    const ks = this.server.keyspace;
    ks.scriptTime = startedAt;
    try {
      return first ? this.states.run(job, this) : this.states.resume(job);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.server.log.warning(`Lua state reset after an error of the engine: ${msg}`);
      this.states.reset(job.op);
      if (job.op === 'fcall') this.functions.reloadAll();
      const err = `ERR Error running script ${run.isEval ? `f_${run.name}` : run.name}, ${msg.replace(/[\r\n]/g, ' ')}`;
      countErrorReply(this.server, err);
      return errorBytes(err);
    } finally {
      ks.scriptTime = 0;
    }
  }

  private finish(run: ScriptRun, reply: Buffer): void {
    if (this.busy === run) this.busy = null;
    this.running = null;
    this.yieldAt = Infinity;
    const c = run.caller;
    // Its errors were counted as the reply was made (replyError).
    c.reply.raw(reply);
    if (run.async) {
      // Its command's call() ended when it was suspended: its failure is counted here.
      if (run.erred) lookupCommand(run.argv[0]!)!.stats.failed++;
      const repl = this.server.replication;
      if (--repl.callDepth === 0) repl.propagatePending();
      // What the script made ready is served now that it is over, as after any command.
      if (this.server.keyspace.readyKeys.length > 0) this.server.blocking.handleReadyKeys();
      c.release();
      this.server.replicaLink?.scriptEnded();
    }
  }

  /** VmHost: the count hook asks whether the script should let the event loop turn. */
  shouldYield(): boolean {
    return performance.now() >= this.yieldAt;
  }

  /**
   * VmHost: an error in the script's reply (afterErrorReply). One that its redis.call
   * counted already is not counted again, but the script's command failed all the same
   * (ERR_REPLY_FLAG_NO_STATS_UPDATE).
   */
  replyError(msg: string, counted: boolean): void {
    const run = this.running;
    if (!counted) countErrorReply(this.server, msg);
    else if (run !== null) lookupCommand(run.argv[0]!)!.stats.failed++;
    if (run !== null && !counted) run.erred = true;
  }

  /** VmHost: SCRIPT KILL / FUNCTION KILL asked to stop the running script. */
  killRequested(): boolean {
    return this.killFlag;
  }

  /** VmHost: redis.set_repl's flags. */
  setRepl(flags: number): void {
    if (this.running !== null) this.running.replFlags = flags;
  }

  /** A command the running script ran: if it reads, its caller's tracking remembers the script's declared keys. */
  rememberCallerKeys(cmd: Command, argv: string[]): void {
    const run = this.running;
    if (run !== null && run.caller.tracking !== null) this.server.tracking.rememberForScript(run.caller, run.argv, cmd, argv);
  }

  /** VmHost: redis.acl_check_cmd, by the caller's user, without an ACL LOG entry (ACLCheckAllUserCommandPerm). */
  aclCheck(argv: string[]): boolean | null {
    const cmd = lookupCommand(argv[0]!);
    if (cmd === undefined) return null;
    const effective = effectiveCommand(cmd, argv);
    // lookupCommand: a container given a subcommand it lacks names no command.
    if (cmd.subcommands !== undefined && argv.length > 1 && effective === cmd) return null;
    const user = this.running!.caller.user;
    return user.unrestricted || user.check(effective, argv).denial === Denial.None;
  }

  /** VmHost: redis.call and redis.pcall. */
  call(argv: string[], resp3: boolean): Buffer {
    return this.scriptCall(this.running!, argv, resp3);
  }

  /** VmHost: redis.log, at the level the script gave. */
  log(level: number, msg: string): void {
    const log = this.server.log;
    if (level === 0) log.debug(msg);
    else if (level === 1) log.verbose(msg);
    else if (level === 2) log.notice(msg);
    else log.warning(msg);
  }

  /**
   * scriptCall: a command from redis.call, checked as Redis checks it (script.c), then run
   * through dispatch's call() as the script client, in the protocol the script asked for
   * (redis.setresp). Returns the reply as RESP bytes, valid until the next call.
   */
  private scriptCall(run: ScriptRun, argv: string[], resp3: boolean): Buffer {
    const cmd = lookupCommand(argv[0]!);
    if (cmd === undefined) return this.refuse('ERR Unknown Redis command called from script');
    const effective = effectiveCommand(cmd, argv);
    if ((effective.arity > 0 && argv.length !== effective.arity) || argv.length < -effective.arity) {
      return this.refuse('ERR Wrong number of args calling Redis command from script', effective);
    }
    if (effective.noScript && !this.allowNoScript) return this.refuse('ERR This Redis command is not allowed from script', effective);
    // scriptVerifyAllowStale
    if (!effective.allowsStale && runningStale(this.server)) return this.refuse('ERR Can not execute the command on a stale replica', effective);
    const denial = checkAcl(run.caller, run.caller.user, effective, argv, 'lua');
    if (denial !== Denial.None) return this.refuse(`ERR The user executing the script ${scriptAclMessage(denial)}`, effective);
    // scriptVerifyWriteCommandAllow: a read-only script may not even publish; once a script
    // wrote, the server's state may not stop it halfway.
    if (run.readonly && effective.mayReplicate) return this.refuse('ERR Write commands are not allowed from read-only scripts.', effective);
    if (effective.isWrite && !run.wrote) {
      if (this.server.isReplica && !run.fromMaster && this.server.config.getBool('replica-read-only')) {
        return this.refuse("READONLY You can't write against a read only replica.", effective);
      }
      if (this.server.persistence.writesDeniedByDiskError) return this.refuse(MISCONF, effective);
      if (this.server.replication.tooFewReplicas()) return this.refuse(NOREPLICAS, effective);
    }
    // scriptVerifyOOM: only the first write is refused; once one ran, the script can not stop halfway.
    const memory = this.server.memory;
    if (effective.denyOom && !run.allowOom && !run.wrote && !run.fromMaster && memory.maxmemory > 0 && memory.preCommandOom) {
      return this.refuse(OOM, effective);
    }
    if (effective.isWrite) run.wrote = true;
    const sc = this.scriptClient();
    sc.reply.resp3 = resp3;
    // redis.set_repl without REPL_REPLICA: this write stays off the replication stream.
    sc.replicates = (run.replFlags & 2) !== 0;
    call(sc, cmd, argv);
    return sc.reply.takeView() ?? errorBytes('ERR command gave no reply');
  }

  /**
   * scriptCall's error path: a command refused before it ran is counted as an error reply and
   * as a rejected call of that command, whether the script's pcall keeps the error or not.
   */
  private refuse(msg: string, cmd?: Command): Buffer {
    const state = serverState(this.server);
    countErrorReply(this.server, msg);
    if (cmd !== undefined) cmd.stats.rejected++;
    state.prevErrorReplies = state.totalErrorReplies;
    return errorBytes(msg);
  }

  /** The pseudo-client scripts run commands as; its db follows the caller at each run. */
  private scriptClient(): Client {
    if (this.client === null) {
      this.client = new ClientClass(this.server, null);
      this.client.reply.mute(false);
      this.client.setAuthenticated(true);
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
    this.killFlag = true;
    return null;
  }

  /** SCRIPT FLUSH: forgets every script and gives the EVAL state a fresh start. */
  flush(): void {
    this.scripts.clear();
    this.shas.clear();
    this.lua?.reset('eval');
  }

  /**
   * FUNCTION LOAD's engine side: runs a library's code in the functions state. Returns its
   * functions, or Redis's error text.
   */
  loadLibrary(name: string, code: string): FunctionInfo[] | string {
    return this.states.loadLibrary(name, code);
  }

  /** Drops a library's functions from the functions state. */
  deleteLibrary(name: string): void {
    this.lua?.deleteLibrary(name);
  }

  /** FUNCTION FLUSH's engine side: a fresh functions state. */
  flushFunctions(): void {
    this.lua?.reset('fcall');
  }

  /** Frees the Lua states (shutdown, server close); a suspended script is dropped. */
  close(): void {
    this.running = null;
    this.busy = null;
    this.lua?.close();
    this.lua = null;
  }
}

const errorBytes = (msg: string): Buffer => Buffer.from(`-${msg}\r\n`, 'latin1');
