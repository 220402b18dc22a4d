// Memory of a server and all its processes, read from /proc (Linux only).
// Redis saves in a forked child whose pages are shared copy-on-write with the
// parent, so summing Rss would count the dataset twice: during a save we sum
// Pss (each shared page split between the processes sharing it), which adds up
// to what the machine really spends.
import { readdirSync, readFileSync } from 'node:fs';

export type MemoryField = 'Rss' | 'Pss';

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

/** One process's Rss or Pss in bytes, or 0 once it has gone. */
export function processMemory(pid: number, field: MemoryField): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The memory of a server: its process and all its children. */
export function treeMemory(rootPid: number, field: MemoryField): number {
  return processTree(rootPid).reduce((sum, pid) => sum + processMemory(pid, field), 0);
}

/**
 * Samples the memory of the tree every `everyMs` and keeps the peak. Finding
 * the tree scans all of /proc, so it is refreshed only every 5th sample.
 */
export function sampleMemoryPeak(rootPid: number, field: MemoryField, everyMs = 10) {
  let pids = processTree(rootPid);
  let ticks = 0;
  const sample = () => pids.reduce((sum, pid) => sum + processMemory(pid, field), 0);
  let peak = sample();
  const timer = setInterval(() => {
    if (++ticks % 5 === 0) pids = processTree(rootPid);
    peak = Math.max(peak, sample());
  }, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      pids = processTree(rootPid);
      return Math.max(peak, sample());
    },
  };
}
