// A master's encode of its dataset alone: several builds' snapshots in one process, each of
// the dump as its own decoder loads it into a keyspace, run to the end as SAVE runs one
// (writeSnapshotSync, every chunk given back); rounds alternate the builds. Prints the
// main-thread CPU of each build's first encode (cold, as a fresh master's first save or full
// sync) and the min and median of the others: on a loaded host the min of a warm encode is
// the steady figure, where one fresh process per encode varied by ±20%. Make the dump with
// `bench/replica-decode.ts make`.
//   node --max-semi-space-size=32 --min-semi-space-size=32 --import ./bench/register.js bench/master-encode.ts dump.rdb [rounds] [A/dist [B/dist ...]]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { DecodedRdb } from '../src/io/rdb-decoder.js';
import type { Keyspace } from '../src/store/keyspace.js';
import type * as Snapshot from '../src/store/snapshot.js';
import { mainThreadMs } from './proc.js';
import { loadRange, percentile } from './stats.js';

interface Build {
  dist: string;
  keys: number;
  keyspace: Keyspace;
  snapshots: typeof Snapshot;
  ms: number[];
}

/** One encode of a build's dataset: its main-thread CPU, ms. */
function encode(b: Build): number {
  const main0 = mainThreadMs();
  const snapshot = b.snapshots.RdbSnapshot.now(b.keyspace, { compression: true, aux: [['redis-ver', '7.0.15'], ['redis-bits', '64']] });
  b.snapshots.writeSnapshotSync(snapshot, () => {});
  return mainThreadMs() - main0;
}

const [file, roundsArg = '12', ...distArgs] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: master-encode.ts dump.rdb [rounds] [A/dist ...]');
const bytes = readFileSync(file);
const builds: Build[] = [];
for (const dist of distArgs.length > 0 ? distArgs : ['dist']) {
  const at = (m: string): string => join(resolve(dist), m);
  const { decodeRdb } = await import(at('io/rdb-decoder.js'));
  const { Keyspace: KeyspaceClass } = await import(at('store/keyspace.js'));
  const rdb: DecodedRdb = decodeRdb(bytes, { now: -Infinity });
  const keyspace: Keyspace = new KeyspaceClass(rdb.dbs.length);
  rdb.dbs.forEach((db, i) => keyspace.dbs[i]!.replaceContents(db.dict, db.expires));
  builds.push({ dist, keys: rdb.keysLoaded, keyspace, snapshots: await import(at('store/snapshot.js')), ms: [] });
}
const loads: number[] = [];
for (let round = 0; round < Number(roundsArg); round++) {
  for (const b of round % 2 === 0 ? builds : [...builds].reverse()) b.ms.push(encode(b));
  loads.push(loadavg()[0]!);
}
console.log(`${file}: ${builds[0]!.keys} keys, ${roundsArg} rounds, load average ${loadRange(loads)}; main-thread CPU of one encode, ms:`);
for (const b of builds) {
  const warm = b.ms.slice(1);
  console.log(`${b.dist}: first ${b.ms[0]!.toFixed(0)}, then min ${Math.min(...warm).toFixed(0)}, median ${percentile(warm, 50).toFixed(0)}`);
}
