// Where used_memory goes (object.c's getMemoryOverheadData, getMemoryDoctorReport): the
// figure eviction counts (memory.ts) split into the server's own overhead and the dataset,
// for MEMORY STATS, MEMORY DOCTOR and INFO memory. V8 stands where Redis names its
// allocator, over what used_memory counts (the heap without its young generation, and the
// memory outside it): allocated is what it holds live, active what it has committed,
// resident what of that sits in physical pages.
import v8 from 'node:v8';
import { dbOverhead } from '../store/object-size.js';
import { oldGeneration } from './memory.js';
import type { Server } from './server.js';

export interface DbOverhead {
  id: number;
  main: number;
  expires: number;
}

/** struct redisMemOverhead */
export interface MemoryOverhead {
  peakAllocated: number;
  totalAllocated: number;
  startupAllocated: number;
  replBacklog: number;
  clientsSlaves: number;
  clientsNormal: number;
  dbs: DbOverhead[];
  overheadTotal: number;
  totalKeys: number;
  bytesPerKey: number;
  dataset: number;
  datasetPerc: number;
  peakPerc: number;
  allocatorAllocated: number;
  allocatorActive: number;
  allocatorResident: number;
  allocatorFrag: number;
  allocatorFragBytes: number;
  allocatorRss: number;
  allocatorRssBytes: number;
  rssExtra: number;
  rssExtraBytes: number;
  rss: number;
  totalFrag: number;
  totalFragBytes: number;
}

// getMemoryOverheadData
/** The server's memory as Redis 7.0 breaks it down; ratios are C floats, as Redis prints them. */
export function memoryOverhead(server: Server): MemoryOverhead {
  const memory = server.memory;
  const total = memory.usedMemory();
  const startup = memory.startup;
  const replBacklog = memory.backlogBytes();
  const clientsSlaves = memory.replicaOutputBytes();
  let clientsNormal = 0;
  // The master, pub/sub and normal types (replicas are clients.slaves).
  for (const c of server.clients.values()) if (c.replica === null) clientsNormal += c.memoryUsage();
  let overheadTotal = startup + replBacklog + clientsSlaves + clientsNormal;
  const dbs: DbOverhead[] = [];
  let totalKeys = 0;
  for (const db of server.keyspace.dbs) {
    if (db.dict.size === 0) continue;
    const o = dbOverhead(db.dict.capacity, db.expires.size);
    dbs.push({ id: db.id, ...o });
    overheadTotal += o.main + o.expires;
    totalKeys += db.dict.size;
  }
  const netUsage = total > startup ? total - startup : 1;
  const dataset = Math.max(0, total - overheadTotal);
  const heap = oldGeneration();
  const external = v8.getHeapStatistics().external_memory;
  const allocated = heap.used + external;
  const active = heap.committed + external;
  const resident = heap.physical + external;
  const rss = process.memoryUsage.rss();
  const peak = memory.peak;
  return {
    peakAllocated: peak,
    totalAllocated: total,
    startupAllocated: startup,
    replBacklog,
    clientsSlaves,
    clientsNormal,
    dbs,
    overheadTotal,
    totalKeys,
    bytesPerKey: totalKeys > 0 ? Math.floor(netUsage / totalKeys) : 0,
    dataset,
    datasetPerc: Math.fround((dataset * 100) / netUsage),
    peakPerc: Math.fround((total * 100) / peak),
    allocatorAllocated: allocated,
    allocatorActive: active,
    allocatorResident: resident,
    allocatorFrag: Math.fround(active / allocated),
    allocatorFragBytes: active - allocated,
    allocatorRss: Math.fround(resident / active),
    allocatorRssBytes: resident - active,
    rssExtra: Math.fround(rss / resident),
    rssExtraBytes: rss - resident,
    rss,
    totalFrag: Math.fround(rss / Math.max(1, total)),
    totalFragBytes: rss - total,
  };
}

const EMPTY_REPORT = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these " +
  'conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our ' +
  'programming as soon as I finished rebooting.\n';
const FINE_REPORT = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";

/**
 * Redis's findings, each with the paragraph MEMORY DOCTOR writes for it. Left out: the process
 * RSS beyond the allocator's (Node's runtime and code, always tens of MB: the finding would
 * always fire and name Lua and modules) and the script cache (no scripting yet).
 */
const FINDINGS: Array<[(m: MemoryOverhead, server: Server) => boolean, string]> = [
  [(m) => m.peakAllocated / m.totalAllocated > 1.5,
    ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is ' +
    'normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this ' +
    'is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is ' +
    'currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If ' +
    'the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, ' +
    'otherwise the only other option is to shutdown and restart the instance.\n\n'],
  [(m, s) => {
    // Node's runtime is most of an idle server's RSS: judge what RSS and used_memory grew by since.
    const rss = m.rss - s.memory.startupRss;
    const used = m.totalAllocated - m.startupAllocated;
    return rss / used > 1.4 && rss - used > 10 << 20;
  },
    ' * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the ' +
    'Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). ' +
    'This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the ' +
    'report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a ' +
    'large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the ' +
    'default libc malloc. Note: The currently used allocator is "libc".\n\n'],
  [(m) => m.allocatorFrag > 1.1 && m.allocatorFragBytes > 10 << 20,
    ' * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This ' +
    'problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) ' +
    "or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' " +
    'config option.\n\n'],
  [(m) => m.allocatorRss > 1.1 && m.allocatorRssBytes > 10 << 20,
    ' * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the ' +
    'Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is ' +
    'usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the ' +
    'MEMORY PURGE command to reclaim it.\n\n'],
  [(m, s) => s.replication.replicas.size > 0 && m.clientsSlaves / s.replication.replicas.size > 10 * 1024 * 1024,
    ' * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each replica (on ' +
    'average). This likely means that there is some replica instance that is struggling receiving data, either because ' +
    'it is too slow or because of networking issues. As a result, data piles on the master output buffers. Please try to ' +
    'identify what replica is not receiving data correctly and why. You can use the INFO output in order to check the ' +
    'replicas delays and the CLIENT LIST command to check the output buffers of each replica.\n\n'],
  [(m, s) => m.clientsNormal / Math.max(1, s.clients.size - s.replication.replicas.size) > 200 * 1024,
    ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). ' +
    'This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast ' +
    'enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or ' +
    'very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate ' +
    'the issue if it causes problems in your instance, or to understand better why certain clients are using a big ' +
    'amount of memory.\n\n'],
];

// getMemoryDoctorReport
/** MEMORY DOCTOR's text: Redis's findings over the figures MEMORY STATS reports. */
export function memoryDoctorReport(server: Server): string {
  const m = memoryOverhead(server);
  // Redis's own startup memory is under 1 MB: what it calls empty is a dataset of a few MB.
  if (m.totalAllocated - m.startupAllocated < 5 * 1024 * 1024) return EMPTY_REPORT;
  const found = FINDINGS.filter(([test]) => test(m, server)).map(([, text]) => text);
  if (found.length === 0) return FINE_REPORT;
  return `Sam, I detected a few issues in this Redis instance memory implants:\n\n${found.join('')}` +
    "I'm here to keep you safe, Sam. I want to help you.\n";
}

/** MEMORY MALLOC-STATS: V8's heap spaces, where Redis prints jemalloc's statistics. */
export function mallocStats(): string {
  const lines = ['___ Begin V8 heap statistics ___'];
  for (const [name, value] of Object.entries(v8.getHeapStatistics())) lines.push(`${name}: ${value}`);
  lines.push('space                          used_size  space_size  available  physical');
  for (const s of v8.getHeapSpaceStatistics()) {
    lines.push(`${s.space_name.padEnd(30)} ${String(s.space_used_size).padStart(10)} ${String(s.space_size).padStart(11)} ` +
      `${String(s.space_available_size).padStart(10)} ${String(s.physical_space_size).padStart(9)}`);
  }
  lines.push('___ End V8 heap statistics ___');
  return `${lines.join('\n')}\n`;
}
