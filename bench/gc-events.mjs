// Preloaded into a server by tail-timeline.sh (node --import): appends every collection to
// the file in GC_EVENTS_OUT as `gc <start ns> <duration ns> <kind>`, its start on
// CLOCK_MONOTONIC (process.hrtime's clock, the one tail-client.c stamps replies with).
import { appendFileSync } from 'node:fs';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';

const out = process.env.GC_EVENTS_OUT;
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};
// performance.now() is ms since the time origin on the same clock.
const origin = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
if (out !== undefined) {
  new PerformanceObserver((list) => {
    let lines = '';
    for (const e of list.getEntries()) {
      const start = origin + BigInt(Math.round(e.startTime * 1e6));
      lines += `gc ${start} ${Math.round(e.duration * 1e6)} ${KINDS[e.detail.kind] ?? e.detail.kind}\n`;
    }
    appendFileSync(out, lines);
  }).observe({ entryTypes: ['gc'] });
}
