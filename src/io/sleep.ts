// A sleep that holds the thread, as usleep holds Redis's: DEBUG SLEEP, key-load-delay.
const word = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for ms (fractions too); nothing for 0, a negative or an infinite time. */
export function sleepSync(ms: number): void {
  if (ms > 0 && ms < Infinity) Atomics.wait(word, 0, 0, ms);
}

// debugDelay
/** key-load-delay's wait: usec microseconds, or with a negative usec 1 µs one time in -usec (a shorter sleep on average). */
export function debugDelay(usec: number): void {
  if (usec < 0) usec = Math.floor(Math.random() * -usec) === 0 ? 1 : 0;
  sleepSync(usec / 1000);
}
