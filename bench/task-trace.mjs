// Preloaded into a server by sync-probe.ts --tasks (node --import): from the first SIGUSR2 to
// the next, times every top-level callback the event loop runs (async_hooks before/after:
// socket reads and writes, timers, immediates, file reads) and, at the second signal, prints
// one `tasktrace {...}` line on stdout: a histogram of their lengths, the time in long ones,
// and the longest with what they were (resource type and callback name; `older` for one made
// before the first signal: the clients' sockets) and when (ms since the first signal). The
// ticks and microtasks a callback leaves run after its `after` hook, so a task here is the
// callback itself; a collection inside it is part of it. Beside it, the
// event loop's delay (perf_hooks monitorEventLoopDelay, 1 ms timer) catches what runs outside
// callbacks too (V8's own tasks, a collection between them).
import { createHook } from 'node:async_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const BUCKETS = [0.5, 1, 2, 5, 10, 20];
const LONG_MS = 2;
const KEEP = 15;

/** async id -> what its callbacks are: type and, where there is one, the callback's name. */
const kinds = new Map();
let on = false;
let t0 = 0;
let depth = 0;
let startedAt = 0;
let startedId = 0;
let counts = [];
let long = [];
let total = 0;
let longTotal = 0;
const delay = monitorEventLoopDelay({ resolution: 1 });

function nameOf(type, resource) {
  const fn = resource?._onImmediate ?? resource?._onTimeout ?? resource?.callback ?? resource?.oncomplete;
  const name = typeof fn === 'function' && fn.name !== '' ? fn.name : '';
  return name === '' ? type : `${type}:${name}`;
}

const hook = createHook({
  init(id, type, _trigger, resource) {
    if (on) kinds.set(id, nameOf(type, resource));
  },
  before(id) {
    if (depth++ === 0) {
      startedAt = performance.now();
      startedId = id;
    }
  },
  after() {
    // The callback that enabled the hook ends without having begun.
    if (depth === 0 || --depth !== 0) return;
    const ms = performance.now() - startedAt;
    total++;
    let b = 0;
    while (b < BUCKETS.length && ms >= BUCKETS[b]) b++;
    counts[b]++;
    if (ms < LONG_MS) return;
    longTotal += ms;
    long.push({ at: +(startedAt - t0).toFixed(1), ms: +ms.toFixed(2), what: kinds.get(startedId) ?? 'older' });
    if (long.length > 4 * KEEP) {
      long.sort((a, b2) => b2.ms - a.ms);
      long.length = KEEP;
    }
  },
  destroy(id) {
    kinds.delete(id);
  },
});

process.on('SIGUSR2', () => {
  if (!on) {
    on = true;
    t0 = performance.now();
    counts = new Array(BUCKETS.length + 1).fill(0);
    long = [];
    total = 0;
    longTotal = 0;
    depth = 0;
    delay.reset();
    delay.enable();
    hook.enable();
    return;
  }
  on = false;
  hook.disable();
  delay.disable();
  kinds.clear();
  const ms = (ns) => +(ns / 1e6).toFixed(2);
  const loopDelay = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), count: delay.count };
  long.sort((a, b) => b.ms - a.ms);
  const histogram = {};
  counts.forEach((n, i) => (histogram[i === 0 ? `<${BUCKETS[0]}` : `${BUCKETS[i - 1]}+`] = n));
  process.stdout.write(`tasktrace ${JSON.stringify({ loopDelay, tasks: total, histogram, [`over${LONG_MS}msTotal`]: +longTotal.toFixed(1), longest: long.slice(0, KEEP) })}\n`);
});
