// Preloaded into a server by sync-probe.ts --mem (node --import): samples the process's
// memory every 5 ms from the first SIGUSR2 on, and at the next one prints the peak of each
// part above its first sample, in MB, and when each peaked (ms since the first signal), as
// one `memtrace {...}` line on stdout; then the Buffers of 4 kB or more that JavaScript
// allocated meanwhile (Buffer.alloc, allocUnsafe, allocUnsafeSlow), summed by the two calls
// that asked, as a `memtrace-allocs` line. A socket's reads are allocated natively, unseen.
import v8 from 'node:v8';

const BIG = 4096;
const allocs = new Map();
let tracing = false;
for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow']) {
  const original = Buffer[name];
  Buffer[name] = function (size, ...rest) {
    if (tracing && size >= BIG) {
      const site = new Error().stack.split('\n').slice(2, 4).map((l) => l.trim().replace(/^at /, '').replace(/\(.*\/dist\//, '(')).join(' < ');
      const e = allocs.get(site) ?? { n: 0, bytes: 0 };
      e.n++;
      e.bytes += size;
      allocs.set(site, e);
    }
    return original.call(this, size, ...rest);
  };
}

const sample = () => {
  const m = process.memoryUsage();
  const young = v8.getHeapSpaceStatistics().filter((s) => s.space_name === 'new_space' || s.space_name === 'new_large_object_space')
    .reduce((a, s) => a + s.physical_space_size, 0);
  return { rss: m.rss, heapUsed: m.heapUsed, heapPhysical: v8.getHeapStatistics().total_physical_size, young, external: m.external, arrayBuffers: m.arrayBuffers };
};
let base = null;
let peak = null;
let timer = null;
let t0 = 0;
let peakAt = null;
process.on('SIGUSR2', () => {
  if (timer === null) {
    base = sample();
    peak = { ...base };
    t0 = performance.now();
    peakAt = {};
    timer = setInterval(() => {
      const s = sample();
      for (const k in s) {
        if (s[k] <= peak[k]) continue;
        peak[k] = s[k];
        peakAt[k] = Math.round(performance.now() - t0);
      }
    }, 5);
    timer.unref();
    tracing = true;
    return;
  }
  clearInterval(timer);
  timer = null;
  tracing = false;
  const out = {};
  for (const k in base) out[k] = +((peak[k] - base[k]) / 2 ** 20).toFixed(2);
  // What of the peak was garbage: the same parts after a full collection (the probe passes --expose-gc).
  let live = '';
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    const s = sample();
    const after = {};
    for (const k in base) after[k] = +((s[k] - base[k]) / 2 ** 20).toFixed(2);
    live = ` after a full gc ${JSON.stringify(after)}`;
  }
  process.stdout.write(`memtrace ${JSON.stringify(out)} at ${JSON.stringify(peakAt)}${live}\n`);
  const sites = [...allocs].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 10)
    .map(([site, e]) => `${(e.bytes / 2 ** 20).toFixed(2)} MB in ${e.n}: ${site}`);
  allocs.clear();
  process.stdout.write(`memtrace-allocs ${sites.join(' | ')}\n`);
});
