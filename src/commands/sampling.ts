// Random sampling shared by SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with a count.

/**
 * count distinct positions out of 0..size-1, count < size, chosen at random as the
 * *WithCountCommand functions do: CASE 3 (count close to size) drops random positions from
 * all of them, CASE 4 picks random positions until it has enough; a listpack's CASE 4 lists
 * them in listpack order (lpRandomPairsUnique).
 */
export function sampleDistinct(size: number, count: number, listpack: boolean): number[] {
  if (count * 3 > size) {
    const all = Array.from({ length: size }, (_, i) => i);
    while (all.length > count) {
      const i = randomBelow(all.length);
      all[i] = all[all.length - 1]!;
      all.pop();
    }
    return all;
  }
  const picked = new Set<number>();
  while (picked.size < count) picked.add(randomBelow(size));
  const out = [...picked];
  return listpack ? out.sort((a, b) => a - b) : out;
}

/** A random integer in 0..n-1. */
export function randomBelow(n: number): number {
  return Math.floor(Math.random() * n);
}
