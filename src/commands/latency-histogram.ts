// A command's latency histogram as Redis 7.0 keeps it (hdr_histogram: 1 ns to 1 s, 2
// significant digits, so 256 sub-buckets per power of 2), for LATENCY HISTOGRAM's cumulative
// distribution and INFO latencystats' percentiles. Counts are indexed as hdr indexes them, so
// both read the same bucket bounds Redis reports.

/** LATENCY_HISTOGRAM_MIN_VALUE, LATENCY_HISTOGRAM_MAX_VALUE (ns). */
const MIN_NS = 1;
const MAX_NS = 1e9;
/** sub_bucket_half_count_magnitude and sub_bucket_half_count for 2 significant digits. */
const HALF_MAGNITUDE = 7;
const HALF_COUNT = 1 << HALF_MAGNITUDE;
/** (bucket_count + 1) * sub_bucket_half_count: 23 buckets cover 1e9. */
const COUNTS_LEN = 24 * HALF_COUNT;

/** counts_index_for: the index of integer value v (>= 1). */
function indexOf(v: number): number {
  // get_bucket_index: 64 - clz64(v | 255) - 8; v stays under 2^31 here, so a shift divides.
  const bucket = 32 - Math.clz32(v | 255) - (HALF_MAGNITUDE + 1);
  const sub = v >>> bucket;
  return ((bucket + 1) << HALF_MAGNITUDE) + sub - HALF_COUNT;
}

/** hdr_value_at_index: the lowest value the index holds. */
function valueAt(index: number): number {
  let bucket = (index >> HALF_MAGNITUDE) - 1;
  let sub = (index & (HALF_COUNT - 1)) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/** highest_equivalent_value: the highest value counted with v. */
function highestEquivalent(v: number): number {
  const bucket = 32 - Math.clz32(v | 255) - (HALF_MAGNITUDE + 1);
  const sub = Math.floor(v / 2 ** bucket);
  const width = 2 ** (sub >= 2 * HALF_COUNT ? bucket + 1 : bucket);
  return sub * 2 ** bucket + width - 1;
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(COUNTS_LEN);
  total = 0;

  // updateCommandLatencyHistogram
  /** A call that took durationUs (whole microseconds), as Redis records it: in ns, clamped. */
  record(durationUs: number): void {
    const ns = Math.min(Math.max(durationUs * 1000, MIN_NS), MAX_NS);
    this.counts[indexOf(ns)]!++;
    this.total++;
  }

  // fillCommandCDF: hdr_iter_log_init(1024, 2)
  /**
   * LATENCY HISTOGRAM's buckets: at each power of 2 from 1024 ns, the calls up to it (as
   * [us, cumulative]), where that count grew; the us are the level's highest equivalent value.
   */
  cumulative(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let cumulative = 0;
    let at = 0;
    for (let level = 1024; cumulative < this.total; level *= 2) {
      const index = Math.min(indexOf(level), COUNTS_LEN - 1);
      const before = cumulative;
      for (; at <= index; at++) cumulative += this.counts[at]!;
      if (cumulative > before) out.push([Math.floor(highestEquivalent(valueAt(index)) / 1000), cumulative]);
    }
    return out;
  }

  // hdr_value_at_percentile
  /** The value (ns) under which percentile % of the calls fall: the highest equivalent of the index reaching that count. */
  percentile(percentile: number): number {
    const p = Math.min(percentile, 100);
    const want = Math.max(Math.floor((p / 100) * this.total + 0.5), 1);
    let count = 0;
    for (let i = 0; i < COUNTS_LEN; i++) {
      count += this.counts[i]!;
      if (count >= want) return percentile === 0 ? valueAt(i) : highestEquivalent(valueAt(i));
    }
    return 0;
  }
}
