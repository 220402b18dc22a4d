// The versioned snapshot on its own (no sockets): whatever writes land between its slices,
// the RDB it streams decodes to exactly the dataset at the moment it began.
import { describe, expect, it } from 'vitest';
import { decodeRdb } from '../../src/io/rdb-decoder.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { MutableString } from '../../src/store/mutable-string.js';
import { RdbSnapshot, RdbSnapshotStream, writeSnapshotSync, type SnapshotOptions } from '../../src/store/snapshot.js';
import { streamId } from '../../src/store/stream-id.js';
import { Hash, List, SetValue, Stream, ZSet } from '../../src/store/values.js';
import { fill, makeValue, plain, prng } from './dataset.js';

const OPTS: SnapshotOptions = { compression: true, aux: [['redis-ver', '7.0.15'], ['redis-bits', '64']] };

const decode = (buf: Buffer): ReturnType<typeof plain> => plain(decodeRdb(buf, { now: 0 }).dbs);

/** One random write of the kinds commands make, through the Db API. */
function mutate(ks: Keyspace, rand: () => number, n: number): void {
  const db = ks.dbs[Math.floor(rand() * 3)]!;
  const key = `key:${Math.floor(rand() * n)}`;
  const op = Math.floor(rand() * 9);
  if (op === 0) db.set(key, makeValue(Math.floor(rand() * 6), rand));
  else if (op === 1) db.delete(key);
  else if (op === 2) db.setExpire(key, Date.now() - 1) ;
  else if (op === 3) db.lookup(key); // lazily expires what op 2 made due
  else if (op === 4) db.persist(key);
  else if (op === 5) db.set(`new:${Math.floor(rand() * 1e9)}`, makeValue(Math.floor(rand() * 6), rand));
  else if (op === 6) db.set(key, 'x', true);
  else {
    const v = db.lookupWrite(key);
    if (v === undefined) return;
    if (typeof v === 'string') db.set(key, `${v}!`, true);
    else if (v instanceof MutableString) v.write(Math.floor(rand() * 600), 'edited');
    else if (v instanceof List) v.pushTail('pushed');
    else if (v instanceof Hash) v.set('f0', 'changed');
    else if (v instanceof SetValue) v.add('added');
    else if (v instanceof ZSet) v.set('m0', 12345.5);
    else if (v instanceof Stream) v.append(streamId(Date.now(), v.length), ['pushed', 'x']);
    db.modified(key);
  }
}

async function collect(stream: RdbSnapshotStream, between: (chunk: number) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    between(chunks.length);
  }
  return Buffer.concat(chunks);
}

describe('RdbSnapshotStream', () => {
  it('streams the dataset as it was at its start, whatever changes during the walk', async () => {
    const N = 20_000;
    const ks = new Keyspace(16);
    fill(ks, N);
    const before = plain(ks.dbs);
    const rand = prng(7);
    const stream = new RdbSnapshotStream(ks, OPTS);
    // Writes before the first slice: the walk has seen nothing yet.
    for (let i = 0; i < 500; i++) mutate(ks, rand, N);
    let chunksDuring = 0;
    const buf = await collect(stream, (chunk) => {
      if (ks.snapshot === null) return;
      chunksDuring++;
      for (let i = 0; i < 200; i++) mutate(ks, rand, N);
      if (chunk === 3) ks.swap(0, 1);
      if (chunk === 5) ks.dbs[2]!.flush();
      if (chunk === 7) ks.swap(1, 2);
      if (chunk % 4 === 0) ks.activeExpire(100, 1);
    });
    expect(chunksDuring).toBeGreaterThan(5);
    expect(ks.snapshot).toBeNull();
    expect(decode(buf)).toEqual(before);
  });

  it('keeps its place when writes grow and shrink the tables it walks', async () => {
    const N = 6_000;
    const ks = new Keyspace(16);
    fill(ks, N);
    const before = plain(ks.dbs);
    const db = ks.dbs[0]!;
    const capacity = db.dict.capacity;
    const stream = new RdbSnapshotStream(ks, OPTS);
    let grown = 0;
    let shrunk = false;
    const buf = await collect(stream, () => {
      if (ks.snapshot === null) return;
      // Once the walk is a quarter into db 0: grow its table eightfold, and once it is half
      // way through that, shrink it back. Old keys are left alone: the walk must find them.
      const at = stream.snapshot.keysProcessed;
      if (grown === 0 && at > N / 12) {
        for (; grown < 8 * N; grown++) db.set(`grown:${grown}`, 'g');
      } else if (grown > 0 && !shrunk && at > N / 6) {
        for (let i = 0; i < grown; i++) db.delete(`grown:${i}`);
        shrunk = true;
      }
    });
    expect(shrunk).toBe(true);
    expect(db.dict.capacity).toBeLessThan(capacity * 8);
    expect(decode(buf)).toEqual(before);
  });

  it('never holds the event loop for long: other callbacks run between slices', async () => {
    const ks = new Keyspace(16);
    fill(ks, 50_000);
    // A callback that runs once per event-loop turn counts the turns the save left to others
    // (a count of turns, not of milliseconds, so that a fast or a loaded machine counts the same).
    let turns = 0;
    let saving = true;
    const turn = (): void => {
      turns++;
      if (saving) setImmediate(turn);
    };
    setImmediate(turn);
    let chunks = 0;
    const buf = await collect(new RdbSnapshotStream(ks, OPTS), () => chunks++);
    saving = false;
    expect(buf.length).toBeGreaterThan(1_000_000);
    expect(chunks).toBeGreaterThan(10);
    expect(turns).toBeGreaterThan(chunks / 2);
  });

  it('ends the snapshot when destroyed, so another can begin', async () => {
    const ks = new Keyspace(16);
    fill(ks, 5_000);
    const stream = new RdbSnapshotStream(ks, OPTS);
    expect(() => new RdbSnapshotStream(ks, OPTS)).toThrow();
    stream.destroy();
    expect(ks.snapshot).toBeNull();
    ks.dbs[0]!.set('after', 'x');
    const before = plain(ks.dbs);
    expect(decode(await collect(new RdbSnapshotStream(ks, OPTS), () => {}))).toEqual(before);
  });

  it('writes an empty dataset as a header and a trailer', async () => {
    const ks = new Keyspace(16);
    const buf = await collect(new RdbSnapshotStream(ks, OPTS), () => {});
    const rdb = decodeRdb(buf);
    expect(rdb.keysLoaded).toBe(0);
    expect(rdb.aux.get('redis-ver')).toBe('7.0.15');
  });
});

describe('chunks given back', () => {
  it('are written into again: a few buffers for the whole RDB, which has the same bytes', async () => {
    const ks = new Keyspace(16);
    fill(ks, 20_000);
    /** The RDB a stream gives, and how many distinct memories its chunks were in. */
    const run = async (recycle: boolean): Promise<[Buffer, number]> => {
      const stream = new RdbSnapshotStream(ks, OPTS);
      const parts: Buffer[] = [];
      const memories = new Set<ArrayBufferLike>();
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        parts.push(Buffer.from(chunk));
        memories.add(chunk.buffer);
        // As long as a file write takes: slices go on meanwhile, and their chunks wait their turn unjoined.
        await new Promise((r) => setTimeout(r, 1));
        if (recycle) stream.snapshot.recycle(chunk);
      }
      return [Buffer.concat(parts), memories.size];
    };
    const [kept, keptMemories] = await run(false);
    const [given, givenMemories] = await run(true);
    expect(given.equals(kept)).toBe(true);
    expect(keptMemories).toBeGreaterThan(10);
    expect(givenMemories).toBeLessThanOrEqual(3);
  });

  it('given back a few at a time, as a file writer batches them, keep the stream in a few buffers', async () => {
    const ks = new Keyspace(16);
    // Incompressible 1 kB strings: slices of many bytes, that fill a buffer in a few.
    const rand = prng(3);
    for (let i = 0; i < 8_000; i++) ks.dbs[0]!.set(`key:${i}`, String.fromCharCode(...Array.from({ length: 1000 }, () => Math.floor(rand() * 256))));
    const stream = new RdbSnapshotStream(ks, OPTS);
    const parts: Buffer[] = [];
    const memories = new Set<ArrayBufferLike>();
    let held: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(Buffer.from(chunk));
      memories.add(chunk.buffer);
      held.push(chunk);
      if (held.length < 4) continue;
      await new Promise((r) => setTimeout(r, 1));
      for (const c of held) stream.snapshot.recycle(c);
      held = [];
    }
    expect(parts.length).toBeGreaterThan(20);
    // The 4 held, the 2 the stream reads ahead, the one being filled: no buffer made anew per slice.
    expect(memories.size).toBeLessThanOrEqual(8);
    const rdb = decodeRdb(Buffer.concat(parts));
    expect(rdb.keysLoaded).toBe(8_000);
  });
});

describe('writeSnapshotSync', () => {
  it('writes the current dataset, and leaves a streaming snapshot in progress undisturbed', async () => {
    const ks = new Keyspace(16);
    fill(ks, 3_000);
    const atStart = plain(ks.dbs);
    const stream = new RdbSnapshotStream(ks, OPTS);
    ks.dbs[0]!.set('later', 'v');
    ks.dbs[1]!.delete('key:1');
    const now = plain(ks.dbs);
    const parts: Buffer[] = [];
    writeSnapshotSync(RdbSnapshot.now(ks, OPTS), (b) => parts.push(Buffer.from(b)));
    expect(decode(Buffer.concat(parts))).toEqual(now);
    expect(ks.snapshot).not.toBeNull();
    expect(decode(await collect(stream, () => {}))).toEqual(atStart);
  });

  it('writes a save of many MB from a few small buffers, not from buffers grown to MBs', () => {
    const ks = new Keyspace(16);
    const rand = prng(5);
    // Incompressible: 8 MB of RDB in hashes of 40 kB, each written whole once begun (past the
    // end of a buffer that had room for a small entry), and one value no chunk holds whole.
    const bytes = (n: number) => Array.from({ length: n }, () => String.fromCharCode(Math.floor(rand() * 256))).join('');
    for (let i = 0; i < 200; i++) {
      const h = new Hash();
      for (let f = 0; f < 1000; f++) h.set(`field:${f}`, bytes(30));
      ks.dbs[0]!.set(`key:${i}`, h);
    }
    ks.dbs[0]!.set('big', bytes(1 << 20));
    const parts: Buffer[] = [];
    const memories = new Set<ArrayBufferLike>();
    writeSnapshotSync(RdbSnapshot.now(ks, OPTS), (b) => {
      parts.push(Buffer.from(b));
      memories.add(b.buffer);
    });
    const rdb = Buffer.concat(parts);
    expect(rdb.length).toBeGreaterThan(8 << 20);
    expect(parts.length).toBeGreaterThan(20);
    // Each buffer made anew is fresh memory (page faults) and the bytes it took over copied.
    expect([...memories].reduce((n, m) => n + m.byteLength, 0)).toBeLessThan(4 << 20);
    expect(decodeRdb(rdb).keysLoaded).toBe(201);
  });
});
