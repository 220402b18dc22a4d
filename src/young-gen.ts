// The young generation's pages touched at start-up, as the JVM's AlwaysPreTouch does for its
// heap. cli.ts gives V8 two 32 MB semi-spaces, and the kernel backs their pages only at the
// first write: on a virtual machine such as the bench's, 13-17 µs a 4 kB page, about 230 ms
// for both. A fresh server would otherwise pay it over its first 64 MB of allocation, which is
// inside its first full sync as a replica or its first seconds of load (~0.1 faults a write).
// The pages stay: V8 keeps a semi-space at its minimum size, which cli.ts sets to its maximum.
import { getHeapSpaceStatistics } from 'node:v8';

/** Where the arrays made to fill the young generation go, so that no compiler drops them. */
const sink: { last: unknown } = { last: null };

function newSpace(): { space_size: number; physical_space_size: number } {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!;
}

/**
 * Allocates short-lived arrays until the young generation's resident size stops growing for
 * a semi-space's worth of them: both semi-spaces have then been written.
 */
export function touchYoungGeneration(): void {
  let resident = newSpace().physical_space_size;
  for (let still = 0; still < newSpace().space_size;) {
    // About 1 MB: 2048 arrays of 126 small integers.
    for (let i = 0; i < 2048; i++) sink.last = new Array(126).fill(i);
    const now = newSpace().physical_space_size;
    still = now > resident ? 0 : still + (1 << 20);
    resident = now;
  }
  sink.last = null;
}
