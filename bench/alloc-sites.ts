// Bytes allocated while a run goes, by allocation site, under V8's sampling heap profiler
// (objects that are collected again count too): what alloc-per-command.ts and
// replica-apply.ts --alloc print per request or per applied write.
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

export interface AllocationSites<T> {
  result: T;
  /** Bytes allocated during the run (sampled every 512 bytes). */
  total: number;
  /** "function file:line  < caller" and its bytes, the largest first. */
  sites: Array<[string, number]>;
}

export async function allocationSites<T>(run: () => Promise<T>): Promise<AllocationSites<T>> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
  });
  const result = await run();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  session.disconnect();
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode, caller: string): void => {
    const f = node.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const key = `${site}  < ${caller}`;
      bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, site);
  };
  walk(profile.head, '');
  return { result, total, sites: [...bySite].sort((a, b) => b[1] - a[1]) };
}

/** The largest sites, per unit of work (request, applied write). */
export function printSites(sites: Array<[string, number]>, per: number, count = 15): void {
  for (const [site, bytes] of sites.slice(0, count)) console.log(`${(bytes / per).toFixed(0).padStart(6)}  ${site}`);
}
