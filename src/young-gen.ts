// The young generation's pages touched at start-up, as the JVM's AlwaysPreTouch does for its
// heap. cli.ts gives V8 two 32 MB semi-spaces, and the kernel backs their pages only at the
// first write: on a virtual machine such as the bench's, 13-17 µs a 4 kB page, about 230 ms
// for both. A fresh server would otherwise pay it over its first 64 MB of allocation, which is
// inside its first full sync as a replica or its first seconds of load (~0.1 faults a write).
// The pages stay: V8 keeps a semi-space at its minimum size, which cli.ts sets to its maximum.
import { getHeapSpaceStatistics } from 'node:v8';
import { latin1Slice } from './io/latin1.js';

/** Where the strings made to fill the young generation go, so that no compiler drops them. */
const sink: { last: unknown } = { last: null };
/** Bytes of one filling string: a regular heap object, made in the young generation. */
const FILL = 64 * 1024;

function newSpace(): { space_size: number; physical_space_size: number } {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!;
}

/**
 * Allocates short-lived strings until the young generation's resident size stops growing for
 * a semi-space's worth of them: both semi-spaces have then been written. Each string is a
 * native copy of a zeroed buffer: arrays filled by JS took twice as long (320 against 160 ms
 * here, of which ~130 ms are the 12.8k page faults themselves).
 */
export function touchYoungGeneration(): void {
  const zeros = Buffer.alloc(FILL);
  let resident = newSpace().physical_space_size;
  for (let still = 0; still < newSpace().space_size;) {
    // 1 MB.
    for (let i = 0; i < (1 << 20) / FILL; i++) sink.last = latin1Slice(zeros, 0, FILL);
    const now = newSpace().physical_space_size;
    still = now > resident ? 0 : still + (1 << 20);
    resident = now;
  }
  sink.last = null;
}
