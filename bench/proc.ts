// Memory of a server and all its processes, read from /proc (Linux only).
//
// The footprint of a server is its own resident set plus the pages each of its children
// holds privately. Redis saves in a forked child whose pages are shared copy-on-write
// with the parent: the shared ones are counted once (in the parent), the copies the save
// causes once each (in the child, or in the parent for pages it wrote since the fork).
//
// The server's own resident set comes from /proc/<pid>/statm, a counter. Its smaps_rollup
// would walk its page tables under its mmap lock, and a node server maps and protects
// pages all the time (its heap, its JIT code): sampled every 50 ms during a BGSAVE, that
// walk alone took the PING p99 of a quiet redstate from 3.3 ms to 8-13 ms. A child's
// smaps_rollup walks only the child's tables.
import { readdirSync, readFileSync } from 'node:fs';

const PAGE = 4096;

/** The pid and every descendant of it, found by scanning /proc/<pid>/stat. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const siblings = children.get(ppid) ?? [];
      siblings.push(Number(entry));
      children.set(ppid, siblings);
    } catch {
      // the process exited while we looked
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** A process's resident set in bytes (statm: no page-table walk), or 0 once it has gone. */
function residentBytes(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
  } catch {
    return 0;
  }
}

/** The pages a process maps that no other process shares, in bytes, or 0 once it has gone. */
function privateBytes(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    let kb = 0;
    for (const m of rollup.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm)) kb += Number(m[1]);
    return kb * 1024;
  } catch {
    return 0;
  }
}

/** The footprint of a tree found by processTree: the root's resident set, its children's private pages. */
function footprint(pids: number[]): number {
  let sum = residentBytes(pids[0]!);
  for (let i = 1; i < pids.length; i++) sum += privateBytes(pids[i]!);
  return sum;
}

/** The memory of a server: its process and all its children. */
export function treeMemory(rootPid: number): number {
  return footprint(processTree(rootPid));
}

/**
 * Samples the memory of the tree every `everyMs` and keeps the peak. Finding
 * the tree scans all of /proc, so it is refreshed only every 5th sample.
 */
export function sampleMemoryPeak(rootPid: number, everyMs: number) {
  let pids = processTree(rootPid);
  let ticks = 0;
  let peak = footprint(pids);
  const timer = setInterval(() => {
    if (++ticks % 5 === 0) pids = processTree(rootPid);
    peak = Math.max(peak, footprint(pids));
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      pids = processTree(rootPid);
      return Math.max(peak, footprint(pids));
    },
  };
}

/** CPU time (user + system) of a process so far, all its threads, ms (to the 10 ms clock tick). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Minor page faults of a process so far, all its threads (a young generation's first touch of its pages counts here). */
export function minorFaults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

/**
 * A thread's scheduling so far (/proc/<pid>/schedstat is the main thread's, or
 * /proc/<pid>/task/<tid>/schedstat): its CPU time and its time runnable but waiting for a
 * core (ms), and its turns on a core.
 */
export function schedStat(path: string): { cpu: number; waited: number; turns: number } {
  const [cpu, waited, turns] = readFileSync(path, 'utf8').split(' ').map(Number);
  return { cpu: cpu! / 1e6, waited: waited! / 1e6, turns: turns! };
}

/** The main thread's CPU time so far, ms, of pid or of this process. */
export function mainThreadMs(pid: number | 'self' = 'self'): number {
  return schedStat(`/proc/${pid}/schedstat`).cpu;
}

/** A process's I/O counters so far (/proc/<pid>/io): read and write syscalls, bytes read. */
export function ioCounts(pid: number): { syscr: number; syscw: number; rchar: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (k: string) => Number(new RegExp(`${k}: (\\d+)`).exec(io)![1]);
  return { syscr: field('syscr'), syscw: field('syscw'), rchar: field('rchar') };
}
