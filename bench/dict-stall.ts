// The longest single Dict.add while filling a table to N keys: the stall a write command (or
// a replica applying its master's stream) meets when the table grows. Prints the five
// longest adds with the size they happened at, by the wall clock and by the process's CPU
// time (process.cpuUsage: what other processes' load on a shared machine leaves out, as the
// scheduler's preemptions land in the wall-clock figures), and the time per add over the
// whole fill. DICT_MODULE is another build of dict.ts (an A/B run against a copy of the old
// one). Under --expose-gc a full collection runs between runs, so that a run does not pay for
// the last one's table, garbage all at once (a collection V8 starts when the next resize
// allocates).
//   node --expose-gc --max-semi-space-size=32 --min-semi-space-size=32 --import ./bench/register.js bench/dict-stall.ts [keys=1000000] [runs=3] [DICT_MODULE]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Dict as DictClass } from '../src/store/dict.js';

const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const module = process.argv[4] === undefined ? '../src/store/dict.js' : pathToFileURL(resolve(process.argv[4])).href;
const { Dict } = (await import(module)) as { Dict: typeof DictClass };
const TOP = 5;
const keys = Array.from({ length: N }, (_, i) => `key:${String(i).padStart(12, '0')}`);

for (let r = 0; r < RUNS; r++) {
  (globalThis as { gc?: () => void }).gc?.();
  const dict = new Dict<string>();
  const wall: Array<{ ms: number; at: number }> = [];
  const cpu: Array<{ ms: number; at: number }> = [];
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    dict.add(keys[i]!, 'v', 1);
    keep(wall, performance.now() - t, i);
    const used = process.cpuUsage(c);
    keep(cpu, (used.user + used.system) / 1000, i);
  }
  const perAdd = ((performance.now() - start) * 1e6) / N;
  const show = (top: typeof wall): string => top.map((t) => `${t.ms.toFixed(2)} ms at ${t.at}`).join(', ');
  console.log(`run ${r + 1}: ${perAdd.toFixed(0)} ns/add (clocks included); longest by wall clock: ${show(wall)}; by CPU time: ${show(cpu)}`);
}

/** Keeps the TOP longest adds in top, longest first. */
function keep(top: Array<{ ms: number; at: number }>, ms: number, at: number): void {
  if (top.length === TOP && ms <= top[TOP - 1]!.ms) return;
  top.push({ ms, at });
  top.sort((a, b) => b.ms - a.ms);
  top.length = Math.min(top.length, TOP);
}
