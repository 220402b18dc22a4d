// Preloaded into a server by sync-probe.ts --mem (node --import): samples the process's
// memory every 5 ms from the first SIGUSR2 on, and at the next one prints the peak of each
// part above its first sample, in MB, as one `memtrace {...}` line on stdout.
import v8 from 'node:v8';

const sample = () => {
  const m = process.memoryUsage();
  const young = v8.getHeapSpaceStatistics().filter((s) => s.space_name === 'new_space' || s.space_name === 'new_large_object_space')
    .reduce((a, s) => a + s.physical_space_size, 0);
  return { rss: m.rss, heapUsed: m.heapUsed, heapPhysical: v8.getHeapStatistics().total_physical_size, young, external: m.external, arrayBuffers: m.arrayBuffers };
};
let base = null;
let peak = null;
let timer = null;
process.on('SIGUSR2', () => {
  if (timer === null) {
    base = sample();
    peak = { ...base };
    timer = setInterval(() => {
      const s = sample();
      for (const k in s) peak[k] = Math.max(peak[k], s[k]);
    }, 5);
    timer.unref();
    return;
  }
  clearInterval(timer);
  timer = null;
  const out = {};
  for (const k in base) out[k] = +((peak[k] - base[k]) / 2 ** 20).toFixed(2);
  process.stdout.write(`memtrace ${JSON.stringify(out)}\n`);
});
