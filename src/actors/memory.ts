// maxmemory (evict.c's performEvictions and getMaxmemoryState): how much memory redstate
// counts as used, and the eviction that keeps it under maxmemory before commands run and
// from the cron, within maxmemory-eviction-tenacity's time per call, the rest continuing
// in later event-loop turns.
//
// used_memory is V8's heap without its young generation (new space and new large objects:
// objects that have not yet survived two scavenges, nearly all of them the garbage of commands in flight, whose
// size swings by megabytes with the request rate) plus memory outside the heap (Buffers, but
// not the WebAssembly memory of the Lua states: Redis counts Lua apart), minus what evicted keys held until V8 collects it: that memory is garbage but stays in
// the heap until a mark-compact, so eviction counts it freed at once (as Redis sees its
// allocator's figure drop) and writes it off as the heap shrinks. Eviction compares used_memory minus what
// Redis leaves out of it (mem_not_counted_for_evict: the replication backlog and the
// replicas' output buffers) with maxmemory. Other garbage (a flushed dataset, overwritten
// values) is not tracked: before evicting, eviction has V8 collect it at most once a second
// and for at most 2% of the time (MIN_GC_INTERVAL_MS, GC_TIME_SHARE), and before refusing a
// write whenever the dataset changed or a megabyte came in since the last collection.
import v8 from 'node:v8';
import { nextSlice } from '../io/turn-end.js';
import { Evictor, type MaxmemoryPolicy } from '../store/evict.js';
import { luaHeapBytes } from '../scripting/lua-states.js';
import { collectGarbage } from '../store/settle-heap.js';
import type { Server } from './server.js';

export type EvictResult = 'ok' | 'running' | 'fail';

/** Keys evicted between two looks at the clock. */
const KEYS_PER_CHECK = 16;
const MIN_GC_INTERVAL_MS = 1000;
/** Client input since the last forced collection that makes one due before a refusal. */
const GC_INPUT_BYTES = 1024 * 1024;
/** V8's young generation: left out of used_memory. */
const YOUNG = new Set(['new_space', 'new_large_object_space']);
/** A forced collection waits this many times its predecessor's length after it. */
const GC_TIME_SHARE = 50;

export class Memory {
  maxmemory = 0;
  /** stat_peak_memory: the highest used_memory measured since start or CONFIG RESETSTAT. */
  peak = 0;
  /** initial_memory_usage: used_memory once the server listens, before any data. */
  startup = 0;
  /** The process's RSS at that time. */
  startupRss = 0;
  policy: MaxmemoryPolicy = 'noeviction';
  private samples = 5;
  private tenacity = 10;
  /** stat_total_eviction_exceeded_time, in ms. */
  private exceededTotalMs = 0;
  /** stat_last_eviction_exceeded_time: since when used memory has been over the limit; -1 not. */
  private exceededSince = -1;
  /** Estimated bytes of the keys evicted and not yet collected by V8. */
  private freedSinceGc = 0;
  /** The heap figure of the last measure: a drop means a full collection happened. */
  private lastHeap = 0;
  /** When the last forced collection ended, and how long it took (performance.now() ms). */
  private lastGcEnd = -Infinity;
  private lastGcMs = 0;
  /** The keyspace's dirty counter and the bytes read from clients at the last forced collection. */
  private dirtyAtGc = -1;
  /** keyspace.flushes then: a dataset dropped since makes a collection due before evicting. */
  private flushesAtGc = 0;
  private inputAtGc = 0;
  /** isEvictionProcRunning: eviction continues in later turns. */
  private continuation: NodeJS.Immediate | null = null;
  private readonly evictor: Evictor;

  constructor(private readonly server: Server) {
    this.evictor = new Evictor(server.keyspace);
    for (const name of ['maxmemory', 'maxmemory-policy', 'maxmemory-samples', 'maxmemory-eviction-tenacity',
      'lfu-log-factor', 'lfu-decay-time']) this.configure(name);
    if (this.maxmemory > 0 && this.maxmemory < 1024 * 1024) {
      server.log.warning(`WARNING: You specified a maxmemory value that is less than 1MB (current value is ${this.maxmemory} bytes). Are you sure this is what you really want?`);
    }
    server.config.watch((name) => {
      this.configure(name);
      if (name === 'maxmemory') this.warnIfUnder();
    });
  }

  /**
   * tryObjectEncoding's test: small integers are shared objects unless maxmemory is set with an
   * LRU or LFU policy (MAXMEMORY_FLAG_NO_SHARED_INTEGERS), where each key needs its own clock.
   */
  get sharedIntegers(): boolean {
    return this.maxmemory === 0 || !/-l[rf]u$/.test(this.policy);
  }

  /** used_memory (see the top of this file). */
  usedMemory(): number {
    const heap = oldGeneration().used;
    // The heap outside the young generation only shrinks when V8 frees garbage: at most that
    // much of what evicted keys held is gone.
    if (heap < this.lastHeap) this.freedSinceGc = Math.max(0, this.freedSinceGc - (this.lastHeap - heap));
    this.lastHeap = heap;
    const used = Math.max(0, heap + v8.getHeapStatistics().external_memory - luaHeapBytes() - this.freedSinceGc);
    if (used > this.peak) this.peak = used;
    return used;
  }

  /**
   * Records used_memory as the server's own once it listens, before it loads data (Redis's
   * initial_memory_usage), after V8 collected the garbage of starting; and the process's RSS
   * then (Node's runtime). In-process test servers share their process and skip this.
   */
  markStartup(): void {
    this.purge();
    this.startup = this.usedMemory();
    this.startupRss = process.memoryUsage.rss();
  }

  // freeMemoryGetNotCountedMemory
  /** mem_not_counted_for_evict: the backlog and what waits in replicas' output buffers. */
  notCounted(): number {
    return this.backlogBytes() + this.replicaOutputBytes();
  }

  /** mem_replication_backlog */
  backlogBytes(): number {
    return this.server.replication.backlog?.memory ?? 0;
  }

  /** mem_clients_slaves: what waits in replicas' output buffers. */
  replicaOutputBytes(): number {
    let n = 0;
    for (const r of this.server.replication.replicas) n += r.outputBytes ?? 0;
    return n;
  }

  /**
   * MEMORY PURGE: V8 collects its garbage now (Redis has jemalloc return dirty pages), so
   * used_memory drops to what the dataset and clients hold; false where V8 allows no gc().
   */
  purge(): boolean {
    const started = performance.now();
    if (!collectGarbage()) return false;
    this.dirtyAtGc = this.server.keyspace.dirty;
    this.flushesAtGc = this.server.keyspace.flushes;
    // Input the parsers still hold survived: it counts as input the next collection is for.
    // (A cron's collection in the middle of a big argument's arrival would otherwise leave
    // that argument's garbage uncounted, and a write after it refused: the flaky -OOM.)
    let held = 0;
    for (const c of this.server.clients.values()) held += c.parser.retained;
    this.inputAtGc = this.server.stats.netInputBytes - held;
    this.lastGcEnd = performance.now();
    this.lastGcMs = this.lastGcEnd - started;
    this.freedSinceGc = 0;
    return true;
  }

  /** Whether the last command checked started out of memory (pre_command_oom_state). */
  preCommandOom = false;

  // performEvictions
  /**
   * Evicts keys until used memory is under maxmemory or the time tenacity allows is spent
   * (then eviction goes on in the next turns: 'running'); 'fail' when over the limit with
   * nothing to evict (noeviction, or no key qualifies): denyoom commands get -OOM.
   * argBytes: the arguments of the command about to run, which Redis counts (its query
   * buffer) and redstate does not see yet (fresh strings sit in V8's young generation).
   */
  performEvictions(argBytes = 0): EvictResult {
    if (!this.safeToEvict()) return 'ok';
    let over = this.overLimit() + argBytes;
    if (over > 0 && this.collectGarbage(false, argBytes)) over = this.overLimit() + argBytes;
    let result: EvictResult = over <= 0 ? 'ok' : this.policy === 'noeviction' ? 'fail' : this.evict(over);
    if (result === 'fail' && this.collectGarbage(true, argBytes)) result = this.overLimit() + argBytes <= 0 ? 'ok' : 'fail';
    this.updateExceededTime(result);
    return result;
  }

  /** Bytes of used memory, as eviction counts it, above maxmemory (<= 0: under). */
  private overLimit(): number {
    return this.usedMemory() - this.notCounted() - this.maxmemory;
  }

  /**
   * Has V8 collect its garbage, when the last forced collection is old enough or a dataset
   * was dropped since (a FLUSHALL's garbage would otherwise be evicted for) or, before a
   * write is refused, when the dataset changed since (it may have left garbage: a FLUSHALL)
   * or clients sent a megabyte (the Buffers it came in stay until collected); true when it did.
   * The running command's argument bytes survive this collection: they count as input the
   * next one is for.
   */
  private collectGarbage(beforeRefusing: boolean, argBytes: number): boolean {
    const started = performance.now();
    const dirty = this.server.keyspace.dirty;
    const input = this.server.stats.netInputBytes;
    const due = beforeRefusing
      ? dirty !== this.dirtyAtGc || Math.abs(input - this.inputAtGc) >= GC_INPUT_BYTES
      : started - this.lastGcEnd >= Math.max(MIN_GC_INTERVAL_MS, this.lastGcMs * GC_TIME_SHARE) ||
        this.server.keyspace.flushes !== this.flushesAtGc;
    if (!due || !this.purge()) return false;
    this.inputAtGc -= argBytes;
    return true;
  }

  /** The cron's check: evicts when over the limit, so that a lowered maxmemory applies without traffic. */
  cron(): void {
    this.server.keyspace.access.tick(Date.now());
    if (this.maxmemory > 0 && this.continuation === null) this.performEvictions();
    else this.usedMemory();
  }

  /** INFO memory's maxmemory and eviction fields. */
  info(): { exceededTotalMs: number; exceededCurrentMs: number } {
    const current = this.exceededSince < 0 ? 0 : Math.floor(performance.now() - this.exceededSince);
    return { exceededTotalMs: Math.floor(this.exceededTotalMs) + current, exceededCurrentMs: current };
  }

  resetStats(): void {
    this.peak = 0;
    this.exceededTotalMs = 0;
    if (this.exceededSince >= 0) this.exceededSince = performance.now();
  }

  close(): void {
    if (this.continuation !== null) clearImmediate(this.continuation);
    this.continuation = null;
  }

  // isSafeToPerformEvictions
  private safeToEvict(): boolean {
    if (this.maxmemory === 0 || this.server.persistence.loading) return false;
    return !(this.server.isReplica && this.server.config.getBool('replica-ignore-maxmemory'));
  }

  /** performEvictions's loop: frees `toFree` bytes or stops at the time limit. */
  private evict(toFree: number): EvictResult {
    const started = performance.now();
    const limitMs = evictionTimeLimitUs(this.tenacity) / 1000;
    let freed = 0;
    let keys = 0;
    while (freed < toFree) {
      const bytes = this.evictor.evictOne(this.policy, this.samples);
      if (bytes < 0) return 'fail';
      freed += bytes;
      this.freedSinceGc += bytes;
      if (++keys % KEYS_PER_CHECK === 0 && performance.now() - started > limitMs) {
        this.continueLater();
        break;
      }
    }
    return this.continuation !== null ? 'running' : 'ok';
  }

  // startEvictionTimeProc / evictionTimeProc
  private continueLater(): void {
    if (this.continuation !== null) return;
    const step = (): void => {
      this.continuation = null;
      if (this.performEvictions() === 'running' && this.continuation === null) this.continuation = nextSlice(step);
    };
    this.continuation = nextSlice(step);
  }

  private updateExceededTime(result: EvictResult): void {
    if (result !== 'ok') {
      if (this.exceededSince < 0) this.exceededSince = performance.now();
    } else if (this.exceededSince >= 0) {
      this.exceededTotalMs += performance.now() - this.exceededSince;
      this.exceededSince = -1;
    }
  }

  // updateMaxmemory's warning
  private warnIfUnder(): void {
    const used = this.usedMemory();
    if (this.maxmemory === 0 || this.maxmemory >= used) return;
    this.server.log.warning(`WARNING: the new maxmemory value set via CONFIG SET (${this.maxmemory}) is smaller than ` +
      `the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write ` +
      'commands depending on the maxmemory-policy.');
  }

  private configure(name: string): void {
    const config = this.server.config;
    const access = this.server.keyspace.access;
    switch (name) {
      case 'maxmemory':
        this.maxmemory = config.getInt(name);
        break;
      case 'maxmemory-policy': {
        const policy = config.get(name) as MaxmemoryPolicy;
        if (policy !== this.policy) this.evictor.reset();
        this.policy = policy;
        access.lfu = policy.endsWith('lfu');
        break;
      }
      case 'maxmemory-samples': this.samples = config.getInt(name); break;
      case 'maxmemory-eviction-tenacity': this.tenacity = config.getInt(name); break;
      case 'lfu-log-factor': access.lfuLogFactor = config.getInt(name); break;
      case 'lfu-decay-time': access.lfuDecayTime = config.getInt(name); break;
    }
  }
}

/** V8's heap without its young generation: live, committed and physical bytes. */
export function oldGeneration(): { used: number; committed: number; physical: number } {
  let used = 0;
  let committed = 0;
  let physical = 0;
  for (const s of v8.getHeapSpaceStatistics()) {
    if (YOUNG.has(s.space_name)) continue;
    used += s.space_used_size;
    committed += s.space_size;
    physical += s.physical_space_size;
  }
  return { used, committed, physical };
}

// evictionTimeLimitUs
/** How long one call may evict: 50 us per step of tenacity up to 10, then 15% more per step, 100 unbounded. */
function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return 500 * 1.15 ** (tenacity - 10);
  return Infinity;
}
