// Preloaded into a server by sync-probe.ts --alloc (node --import): from the first SIGUSR2 to
// the next, V8's sampling heap profiler (objects collected since count too, as in
// alloc-sites.ts); at the second, one `alloctrace {...}` line on stdout: the MB allocated
// and the sites (function file:line < caller) that allocated the most.
import { Session } from 'node:inspector';

const TOP = 12;
const session = new Session();
let on = false;

const frame = (f) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`;

process.on('SIGUSR2', () => {
  if (!on) {
    on = true;
    session.connect();
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
    });
    return;
  }
  on = false;
  session.post('HeapProfiler.stopSampling', (err, result) => {
    session.disconnect();
    if (err) return;
    const bySite = new Map();
    let total = 0;
    const walk = (node, caller) => {
      if (node.selfSize > 0) {
        const site = `${frame(node.callFrame)} < ${caller}`;
        bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
        total += node.selfSize;
      }
      for (const child of node.children) walk(child, frame(node.callFrame));
    };
    walk(result.profile.head, '');
    const mb = (n) => +(n / 1e6).toFixed(2);
    const sites = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([site, n]) => [site, mb(n)]);
    process.stdout.write(`alloctrace ${JSON.stringify({ mb: mb(total), sites })}\n`);
  });
});
