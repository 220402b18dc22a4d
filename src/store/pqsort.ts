// pqsort.c: the partial quicksort Redis runs when a reply needs only a window of a sorted
// array (GEOSEARCH ... COUNT, SORT BY ... LIMIT). It is Bentley & McIlroy's quicksort that
// skips the partitions lying wholly outside the window; it is not stable, so elements that
// compare equal come out in the order its partitioning leaves them. Replies show that order,
// so this follows the algorithm step for step (pivot choice, swaps, insertion sort).

type Cmp<T> = (a: T, b: T) => number;

/** Sorts v so that positions lrange..rrange (inclusive) hold what a full sort puts there. */
export function pqsort<T>(v: T[], cmp: Cmp<T>, lrange: number, rrange: number): void {
  partial(v, 0, v.length, cmp, lrange, rrange);
}

function swap<T>(v: T[], i: number, j: number): void {
  const t = v[i]!;
  v[i] = v[j]!;
  v[j] = t;
}

/** vecswap: n pairwise swaps from i and j, in order (the runs may overlap). */
function vecswap<T>(v: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(v, i + k, j + k);
}

function med3<T>(v: T[], a: number, b: number, c: number, cmp: Cmp<T>): number {
  return cmp(v[a]!, v[b]!) < 0
    ? (cmp(v[b]!, v[c]!) < 0 ? b : cmp(v[a]!, v[c]!) < 0 ? c : a)
    : (cmp(v[b]!, v[c]!) > 0 ? b : cmp(v[a]!, v[c]!) < 0 ? a : c);
}

function insertionSort<T>(v: T[], a: number, n: number, cmp: Cmp<T>): void {
  for (let m = a + 1; m < a + n; m++) {
    for (let l = m; l > a && cmp(v[l - 1]!, v[l]!) > 0; l--) swap(v, l, l - 1);
  }
}

/** Whether the run of n elements from a holds any position of the window. */
function touches(a: number, n: number, lrange: number, rrange: number): boolean {
  return !((lrange < a && rrange < a) || (lrange >= a + n && rrange >= a + n));
}

// _pqsort, on v[a .. a+n-1]
function partial<T>(v: T[], a: number, n: number, cmp: Cmp<T>, lrange: number, rrange: number): void {
  for (;;) {
    if (n < 7) return insertionSort(v, a, n, cmp);
    let pm = a + Math.floor(n / 2);
    if (n > 7) {
      let pl = a;
      let pn = a + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
        pm = med3(v, pm - d, pm, pm + d, cmp);
        pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = med3(v, pl, pm, pn, cmp);
    }
    swap(v, a, pm);
    let swapped = false;
    let pa = a + 1;
    let pb = pa;
    let pc = a + n - 1;
    let pd = pc;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(v[pb]!, v[a]!)) <= 0) {
        if (r === 0) {
          swapped = true;
          swap(v, pa++, pb);
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(v[pc]!, v[a]!)) >= 0) {
        if (r === 0) {
          swapped = true;
          swap(v, pc, pd--);
        }
        pc--;
      }
      if (pb > pc) break;
      swap(v, pb++, pc--);
      swapped = true;
    }
    // Nothing moved: the run is nearly sorted, insertion sort finishes it.
    if (!swapped) return insertionSort(v, a, n, cmp);
    const pn = a + n;
    let r = Math.min(pa - a, pb - pa);
    vecswap(v, a, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    vecswap(v, pb, pn - r, r);
    if ((r = pb - pa) > 1 && touches(a, r, lrange, rrange)) partial(v, a, r, cmp, lrange, rrange);
    if ((r = pd - pc) <= 1) return;
    a = pn - r;
    n = r;
    if (!touches(a, n, lrange, rrange)) return;
  }
}
