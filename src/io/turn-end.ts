// The clients' replies wait for the end of the event-loop turn's input and are then written
// together, after every socket read of the turn (handleClientsWithPendingWrites, from
// beforeSleep). Written as each client's chunk was handled, a reply woke its peer while the
// next client's command ran, and each wake-up cost the kernel a cross-CPU wake:
// bench/tail-timeline.sh's 50 clients took 12-15 µs of system time per SET, 8-9 µs with the
// writes together.
//
// Work that runs in slices across turns (a snapshot, a load, a busy script, eviction) goes on
// with nextSlice(), which writes the queued replies first: a slice queued in the turn before
// would otherwise run ahead of them, and every reply would wait a slice.

/** A client with replies to write at the turn's end. */
export interface QueuedWriter {
  writeQueued(): void;
}

/**
 * queued[0, count) wait for the turn's end. The array keeps its length between turns: emptied
 * by splice and refilled by push, it was reallocated every turn (~29 B of garbage per request
 * of an unpipelined SET, bench/alloc-per-command.ts); a slot past count holds null.
 */
const queued: (QueuedWriter | null)[] = [];
let count = 0;
let scheduled = false;

/** w's replies go out at the end of this turn (once, however often it is queued meanwhile: the caller keeps that flag). */
export function queueWrite(w: QueuedWriter): void {
  queued[count++] = w;
  if (!scheduled) {
    scheduled = true;
    setImmediate(writeQueuedReplies);
  }
}

/** The turn's end: every queued client's replies go out. */
function writeQueuedReplies(): void {
  scheduled = false;
  writeQueued();
}

/** Writes the replies queued so far; the turn's end, still scheduled, writes any queued after. */
function writeQueued(): void {
  // A client queued while these write (a tracking broadcast) waits for the next turn.
  const n = count;
  if (n === 0) return;
  for (let i = 0; i < n; i++) queued[i]!.writeQueued();
  const left = count - n;
  for (let i = 0; i < left; i++) queued[i] = queued[n + i]!;
  for (let i = left; i < count; i++) queued[i] = null;
  count = left;
}

function runSlice(slice: () => void): void {
  writeQueued();
  slice();
}

/** The next slice of a long task, on a later turn, after that turn's replies. */
export function nextSlice(slice: () => void): NodeJS.Immediate {
  return setImmediate(runSlice, slice);
}
