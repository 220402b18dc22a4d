// Redis's partial sort (pqsort.c: Bentley & McIlroy's quicksort as NetBSD's libc has it, that
// leaves alone the parts wholly outside a window). SORT ... BY ... LIMIT and a geo search with
// COUNT order ties as this algorithm leaves them, not as a stable sort would: to answer as
// Redis 7.0 does, the same steps are taken here over a JS array.

/**
 * pqsort: sorts a so that positions lrange..rrange hold what a full sort would put there
 * (elements that compare equal in the order this algorithm leaves them).
 */
export function partialSort<T>(a: T[], cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  sortPart(a, 0, a.length, cmp, lrange, rrange);
}

/** _pqsort over a[lo .. lo+n). */
function sortPart<T>(a: T[], lo: number, n: number, cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  const swap = (i: number, j: number): void => {
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  };
  const at = (i: number, j: number): number => cmp(a[i]!, a[j]!);
  const med3 = (i: number, j: number, k: number): number => (at(i, j) < 0
    ? (at(j, k) < 0 ? j : at(i, k) < 0 ? k : i)
    : (at(j, k) > 0 ? j : at(i, k) < 0 ? i : k));
  const insertionSort = (): void => {
    for (let m = lo + 1; m < lo + n; m++) for (let l = m; l > lo && at(l - 1, l) > 0; l--) swap(l, l - 1);
  };
  // A part wholly before or wholly after the window is left unsorted.
  const outside = (from: number, count: number): boolean =>
    (lrange < from && rrange < from) || (lrange >= from + count && rrange >= from + count);
  for (;;) {
    if (n < 7) return insertionSort();
    let pm = lo + (n >> 1);
    if (n > 7) {
      let pl = lo;
      let pn = lo + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swap(lo, pm);
    let pa = lo + 1;
    let pb = pa;
    let pc = lo + n - 1;
    let pd = pc;
    let swapped = false;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = at(pb, lo)) <= 0) {
        if (r === 0) {
          swapped = true;
          swap(pa++, pb);
        }
        pb++;
      }
      while (pb <= pc && (r = at(pc, lo)) >= 0) {
        if (r === 0) {
          swapped = true;
          swap(pc, pd--);
        }
        pc--;
      }
      if (pb > pc) break;
      swap(pb++, pc--);
      swapped = true;
    }
    // Nothing moved: the part is nearly sorted, and insertion sort finishes it.
    if (!swapped) return insertionSort();
    const pn = lo + n;
    let r = Math.min(pa - lo, pb - pa);
    for (let i = 0; i < r; i++) swap(lo + i, pb - r + i);
    r = Math.min(pd - pc, pn - pd - 1);
    for (let i = 0; i < r; i++) swap(pb + i, pn - r + i);
    if ((r = pb - pa) > 1 && !outside(lo, r)) sortPart(a, lo, r, cmp, lrange, rrange);
    if ((r = pd - pc) <= 1) return;
    lo = pn - r;
    n = r;
    if (outside(lo, n)) return;
  }
}
