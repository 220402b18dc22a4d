// A master's encode of its dataset alone: several builds' RDB encoders in one process, each
// on the dump as its own decoder loads it, walked as a snapshot walks (slot by slot, 128 kB
// taken at a time and given back); rounds alternate the builds. Prints the main-thread CPU
// of each build's first encode (cold, as a fresh master's first save or full sync) and the
// min and median of the others: on a loaded host the min of a warm encode is the steady
// figure, where one fresh process per encode varied by ±20%. Make the dump with
// `bench/replica-decode.ts make`.
//   node --max-semi-space-size=32 --min-semi-space-size=32 --import ./bench/register.js bench/master-encode.ts dump.rdb [rounds] [A/dist [B/dist ...]]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { DecodedRdb } from '../src/io/rdb-decoder.js';
import type { RdbEncoder } from '../src/io/rdb-encoder.js';
import type { SlotWalk } from '../src/store/dict.js';
import { mainThreadMs } from './proc.js';
import { loadRange, percentile } from './stats.js';

/** What a snapshot takes from the encoder at once (store/snapshot.ts's SLICE_BYTES). */
const SLICE = 128 * 1024;

interface Build {
  dist: string;
  rdb: DecodedRdb;
  Encoder: new (opts: { compression: boolean }) => RdbEncoder;
  Walk: new () => SlotWalk;
  ms: number[];
}

/** One encode of a build's dataset: its main-thread CPU, ms. */
function encode(b: Build): number {
  const main0 = mainThreadMs();
  const enc = new b.Encoder({ compression: true });
  const take = (): void => {
    const chunk = enc.take();
    if (chunk !== null) enc.recycle(chunk);
  };
  enc.header([['redis-ver', '7.0.15'], ['redis-bits', '64']]);
  b.rdb.dbs.forEach((db, id) => {
    const dict = db.dict;
    if (dict.size === 0) return;
    enc.selectDb(id, dict.size, db.expires.size);
    const walk = new b.Walk();
    for (let i = walk.next(dict); i >= 0; i = walk.next(dict)) {
      const key = dict.keyAt(i);
      enc.entry(key, dict.valueAt(i), db.expires.get(key));
      if (enc.buffered >= SLICE) take();
    }
  });
  enc.end();
  take();
  return mainThreadMs() - main0;
}

const [file, roundsArg = '12', ...distArgs] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: master-encode.ts dump.rdb [rounds] [A/dist ...]');
const bytes = readFileSync(file);
const builds: Build[] = [];
for (const dist of distArgs.length > 0 ? distArgs : ['dist']) {
  const at = (m: string): string => join(resolve(dist), m);
  const { decodeRdb } = await import(at('io/rdb-decoder.js'));
  const { RdbEncoder: Encoder } = await import(at('io/rdb-encoder.js'));
  const { SlotWalk: Walk } = await import(at('store/dict.js'));
  builds.push({ dist, rdb: decodeRdb(bytes, { now: -Infinity }), Encoder, Walk, ms: [] });
}
const loads: number[] = [];
for (let round = 0; round < Number(roundsArg); round++) {
  for (const b of round % 2 === 0 ? builds : [...builds].reverse()) b.ms.push(encode(b));
  loads.push(loadavg()[0]!);
}
console.log(`${file}: ${builds[0]!.rdb.keysLoaded} keys, ${roundsArg} rounds, load average ${loadRange(loads)}; main-thread CPU of one encode, ms:`);
for (const b of builds) {
  const warm = b.ms.slice(1);
  console.log(`${b.dist}: first ${b.ms[0]!.toFixed(0)}, then min ${Math.min(...warm).toFixed(0)}, median ${percentile(warm, 50).toFixed(0)}`);
}
