// The load path's JIT warm-up. A fresh replica process meets the RDB decoder for the first
// time with its master's whole payload: V8 runs that code in its interpreter until it has
// seen enough of it, and then compiles it, while the payload waits. Measured on the mixed
// dataset (20k keys of every type), the first decode of a process cost twice the main-thread
// CPU of the next and three times the CPU of all threads. A replica that asked for a full
// sync waits anyway, while its master takes the snapshot: decoding a small payload of every
// type and encoding then makes the first real load run compiled code. It runs once per
// process, in short slices, and stops the moment the payload begins.
import { RdbStream } from '../io/rdb-decoder.js';
import { prepareHeapSettling } from '../store/settle-heap.js';
import { Keyspace } from '../store/keyspace.js';
import { RdbSnapshot, writeSnapshotSync } from '../store/snapshot.js';
import { Hash, List, SetValue, ZSet } from '../store/values.js';

/** How long a slice of the warm-up holds the event loop (ms). */
const SLICE_MS = 2;
/** Decodes of the sample payload: enough for V8 to optimize the decoder's functions. */
const ROUNDS = 6;
/** The sample payload arrives in chunks of this size, as a socket hands them over. */
const CHUNK = 16 * 1024;

let done = false;

/**
 * A payload with keys of each type in the encodings a master writes: strings short, integer
 * and compressible (LZF), small hashes, lists, sets and sorted sets (listpacks, intsets) and
 * large ones (hash tables, skiplists, quicklists of several nodes), some keys with a TTL.
 */
export function samplePayload(): Buffer {
  const ks = new Keyspace(1);
  const db = ks.dbs[0]!;
  const members = (n: number, prefix: string) => Array.from({ length: n }, (_, j) => `${prefix}:${j}`);
  for (let i = 0; i < 300; i++) {
    db.set(`string:${i}`, `value:${i}`.padEnd(32, '.'));
    db.set(`int:${i}`, String(i * 7919));
    db.set(`text:${i}`, `${'lorem ipsum '.repeat(8)}${i}`);
  }
  for (let i = 0; i < 100; i++) {
    const hash = new Hash();
    for (const [j, m] of members(10, 'field').entries()) hash.set(m, `v${j}`.padEnd(16, '.'));
    db.set(`hash:${i}`, hash);
    db.set(`list:${i}`, List.from(members(10, 'member')));
    db.set(`set:${i}`, SetValue.from(members(10, 'member')));
    db.set(`intset:${i}`, SetValue.from(members(10, '').map((_, j) => String(j * i))));
    const zset = new ZSet();
    for (const [j, m] of members(10, 'member').entries()) zset.set(m, j + 0.5);
    db.set(`zset:${i}`, zset);
  }
  for (let i = 0; i < 2; i++) {
    const hash = new Hash();
    const zset = new ZSet();
    for (const [j, m] of members(600, 'member').entries()) {
      hash.set(m, `${m}:value`);
      zset.set(m, j * 1.5);
    }
    db.set(`bighash:${i}`, hash);
    db.set(`bigzset:${i}`, zset);
    db.set(`biglist:${i}`, List.from(members(3000, 'member')));
    db.set(`bigset:${i}`, SetValue.from(members(600, 'member')));
  }
  for (let i = 0; i < 50; i++) db.setExpire(`string:${i}`, Date.now() + 3_600_000);
  const parts: Buffer[] = [];
  writeSnapshotSync(RdbSnapshot.now(ks, { compression: true, aux: [['redis-ver', '7.0.15']] }), (b) => void parts.push(Buffer.from(b)));
  return Buffer.concat(parts);
}

/** The warm-up's steps: the payload built, then decoded ROUNDS times chunk by chunk. */
function* steps(): Generator<void> {
  prepareHeapSettling();
  yield;
  const payload = samplePayload();
  yield;
  for (let round = 0; round < ROUNDS; round++) {
    const stream = new RdbStream({ now: -Infinity });
    for (let at = 0; at < payload.length; at += CHUNK) {
      stream.feed(payload.subarray(at, at + CHUNK));
      yield;
    }
    void stream.end(Infinity, () => {});
    yield;
  }
}

export interface Warmup {
  /** Ends the warm-up where it is. */
  stop(): void;
  /** True once every step ran; false when it was stopped, failed, or had run in this process before. */
  readonly finished: Promise<boolean>;
}

/**
 * The warm-up of this process, if it has not run. A failure ends it, told to fail (it
 * changes nothing but the JIT's state: the sync goes on).
 */
export function warmUpLoad(fail: (e: Error) => void): Warmup {
  if (done) return { stop() {}, finished: Promise.resolve(false) };
  done = true;
  const it = steps();
  let stopped = false;
  let settle: (ran: boolean) => void = () => {};
  const finished = new Promise<boolean>((resolve) => (settle = resolve));
  const slice = (): void => {
    if (stopped) return settle(false);
    const end = performance.now() + SLICE_MS;
    try {
      while (performance.now() < end) if (it.next().done === true) return settle(true);
    } catch (e) {
      fail(e as Error);
      return settle(false);
    }
    setImmediate(slice);
  };
  setImmediate(slice);
  return { stop: () => (stopped = true), finished };
}
