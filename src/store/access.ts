// The per-key access word (robj.lru in Redis, the third int of a Dict slot here) and the
// clocks it is stamped from: under an LRU policy (or none) the LRU clock, in seconds modulo
// 2^24, as Redis keeps it; under an LFU policy the last decrement time in minutes (16 bits)
// above a logarithmic 8-bit access counter. Stamping reads clocks the cron refreshes, so a
// lookup costs one Int32 store (LRU) or one Math.random() (LFU) and allocates nothing.

const LRU_CLOCK_MAX = (1 << 24) - 1;
/** LFU_INIT_VAL: a new key's counter, so that it is not evicted before it had a chance. */
export const LFU_INIT_VAL = 5;

export class AccessClock {
  /** Words are LFU words (an LFU maxmemory-policy is selected). */
  lfu = false;
  /** lfu-log-factor: how many hits it takes to move a high counter by one. */
  lfuLogFactor = 10;
  /** lfu-decay-time: minutes after which an untouched counter loses one. */
  lfuDecayTime = 1;
  /** server.lruclock: unix seconds modulo 2^24. */
  lruClock = 0;
  /** LFUGetTimeInMinutes: unix minutes modulo 2^16. */
  minutes = 0;

  constructor() {
    this.tick(Date.now());
  }

  // updateCachedTime (the LRU part)
  /** Refreshes the clocks (the cron calls it at hz; Redis's LRU resolution is 1 s). */
  tick(nowMs: number): void {
    this.lruClock = Math.floor(nowMs / 1000) & LRU_CLOCK_MAX;
    this.minutes = Math.floor(nowMs / 60000) & 0xffff;
  }

  /** The word of a key just created (createObject). */
  fresh(): number {
    return this.lfu ? (this.minutes << 8) | LFU_INIT_VAL : this.lruClock;
  }

  // updateLFU / LRU_CLOCK()
  /** The word of a key after an access, given its word before. */
  touched(word: number): number {
    if (!this.lfu) return this.lruClock;
    return (this.minutes << 8) | this.logIncr(this.frequency(word));
  }

  // estimateObjectIdleTime
  /** Milliseconds since the access an LRU word records. */
  idleMs(word: number): number {
    const clock = this.lruClock;
    const w = word & LRU_CLOCK_MAX;
    return (clock >= w ? clock - w : clock + (LRU_CLOCK_MAX - w)) * 1000;
  }

  // LFUDecrAndReturn
  /** An LFU word's counter after the decay its idle minutes call for (OBJECT FREQ). */
  frequency(word: number): number {
    const counter = word & 0xff;
    const periods = this.lfuDecayTime > 0 ? Math.floor(this.minutesSince(word >>> 8) / this.lfuDecayTime) : 0;
    return periods > counter ? 0 : counter - periods;
  }

  // objectSetLRUOrLFU
  /**
   * The word RESTORE's FREQ or IDLETIME (seconds) gives a key under the policy in force: a
   * counter under LFU, an access that long ago under LRU; undefined when the policy does not
   * take the one given (-1: none given).
   */
  given(freq: number, idleSeconds: number): number | undefined {
    if (this.lfu) return freq >= 0 ? (this.minutes << 8) | freq : undefined;
    if (idleSeconds < 0) return undefined;
    const at = this.lruClock - idleSeconds;
    // A wrapping clock: an idle time before its start is taken as half its range in the future.
    return at >= 0 ? at : (this.lruClock + (LRU_CLOCK_MAX >> 1)) % LRU_CLOCK_MAX;
  }

  // LFUTimeElapsed
  private minutesSince(ldt: number): number {
    const now = this.minutes;
    return now >= ldt ? now - ldt : 65535 - ldt + now;
  }

  // LFULogIncr
  /** Adds one with probability 1/((counter - LFU_INIT_VAL) * lfu-log-factor + 1), up to 255. */
  private logIncr(counter: number): number {
    if (counter === 255) return 255;
    const base = Math.max(0, counter - LFU_INIT_VAL);
    return Math.random() < 1 / (base * this.lfuLogFactor + 1) ? counter + 1 : counter;
  }
}
