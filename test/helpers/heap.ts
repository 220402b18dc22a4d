// What n values of one shape cost on the V8 heap, each, after full collections.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Fresh latin1 strings, as the protocol parser makes them (never ropes or slices). */
export const fresh = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');

export function heapBytesEach(n: number, make: (i: number) => unknown): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: unknown[] = [];
  for (let i = 0; i < n; i++) kept.push(make(i));
  gc();
  const each = (process.memoryUsage().heapUsed - before) / n;
  if (kept.length !== n) throw new Error('values were not kept');
  return each;
}
