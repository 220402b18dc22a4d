// tail-timeline.sh's reading of one round: the replies tail-client.c timed and the server's
// collections (gc-events.mjs) on one clock. Prints the latency percentiles; the requests of
// at least SLOW_MS and how many of them were in flight during a collection; the reply gaps
// (>= 1 ms without any reply: every client waits through them), how long, and how many of
// them a collection overlaps; each kind of collection in the run (count, total and
// longest pause); and the run's first WARMUP_MS apart: how many replies came in it and their
// p99 against the rest's (a server's first requests of a test run code V8 compiles anew
// then, or deoptimized and compiles again: the first ZADD on a fresh key, a FLUSHALL before).
//   node bench/tail-attribution.mjs LATENCIES GC_EVENTS
import { readFileSync } from 'node:fs';

const SLOW_MS = 1.5;
const GAP_MS = 1;
const WARMUP_MS = 100;

const lines = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
const replies = lines(process.argv[2]).map((l) => l.split(' ').map(Number));
const collections = lines(process.argv[3]).map((l) => {
  const [, start, ns, kind] = l.split(' ');
  return { start: Number(start), end: Number(start) + Number(ns), kind };
});

const runStart = Math.min(...replies.map(([end, ns]) => end - ns));
const runEnd = replies[replies.length - 1][0];
const inRun = collections.filter((g) => g.end > runStart && g.start < runEnd);
const during = (start, end) => inRun.find((g) => g.start < end && g.end > start);

/** Latencies in ms, ascending. */
const sortedMs = (of) => of.map(([, ns]) => ns / 1e6).sort((a, b) => a - b);
/** The p-th percentile of ascending latencies, as text. */
const percentile = (sorted, p) => (sorted.length === 0 ? '-' : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(3));
const sorted = sortedMs(replies);
const pct = (p) => percentile(sorted, p);
const warmupEnd = runStart + WARMUP_MS * 1e6;
const early = sortedMs(replies.filter(([end]) => end < warmupEnd));
const late = sortedMs(replies.filter(([end]) => end >= warmupEnd));

let slow = 0;
let slowInGc = 0;
for (const [end, ns] of replies) {
  if (ns < SLOW_MS * 1e6) continue;
  slow++;
  if (during(end - ns, end) !== undefined) slowInGc++;
}

const ends = replies.map(([end]) => end).sort((a, b) => a - b);
let gaps = 0;
let gapMs = 0;
let gcGaps = 0;
let gcGapMs = 0;
for (let i = 1; i < ends.length; i++) {
  const ms = (ends[i] - ends[i - 1]) / 1e6;
  if (ms < GAP_MS) continue;
  gaps++;
  gapMs += ms;
  if (during(ends[i - 1], ends[i]) !== undefined) {
    gcGaps++;
    gcGapMs += ms;
  }
}

const kinds = new Map();
for (const g of inRun) {
  const k = kinds.get(g.kind) ?? { n: 0, ms: 0, max: 0 };
  const ms = (g.end - g.start) / 1e6;
  kinds.set(g.kind, { n: k.n + 1, ms: k.ms + ms, max: Math.max(k.max, ms) });
}
const gcText = [...kinds].map(([kind, k]) => `${kind} ${k.n}× ${k.ms.toFixed(1)} ms (max ${k.max.toFixed(1)})`).join(', ');

console.log(`p50 ${pct(0.5)} p90 ${pct(0.9)} p99 ${pct(0.99)} p99.9 ${pct(0.999)} ms, ${((runEnd - runStart) / 1e6).toFixed(0)} ms run;` +
  ` >= ${SLOW_MS} ms: ${slow} requests, ${slowInGc} in flight during a collection;` +
  ` reply gaps: ${gaps} (${gapMs.toFixed(0)} ms), ${gcGaps} with a collection (${gcGapMs.toFixed(0)} ms);` +
  ` collections: ${gcText === '' ? 'none' : gcText};` +
  ` first ${WARMUP_MS} ms: ${early.length} replies, p99 ${percentile(early, 0.99)} ms, after it p99 ${percentile(late, 0.99)} ms`);
