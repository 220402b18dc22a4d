// The keyspace's table alone: a V8 Map of key -> { value, epoch } (what Db held before
// dict.ts) against Dict, on the access a write command makes: look a fresh key string up
// (as the RESP parser makes one per argument) among N random keys and overwrite its value.
// Prints ns per operation for each, alternating rounds, and the time to insert N keys.
//   node --import ./bench/register.js bench/dict-speed.ts [keys=100000] [rounds=5]
import { latin1Slice } from '../src/io/latin1.js';
import { Dict } from '../src/store/dict.js';

const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const OPS = 2_000_000;
const WIDTH = 16;

const keys = Array.from({ length: N }, (_, i) => `key:${String(i).padStart(WIDTH - 4, '0')}`);
const wire = Buffer.alloc(OPS * WIDTH);
for (let i = 0; i < OPS; i++) wire.write(keys[Math.floor(Math.random() * N)]!, i * WIDTH, 'latin1');
const VALUES = ['a', 'b', 'c', 'd'];

function nsPer(ops: number, f: () => void): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / ops;
}

let map = new Map<string, { value: string; epoch: number }>();
let dict = new Dict<string>();
const mapInsert = nsPer(N, () => {
  map = new Map();
  for (const k of keys) map.set(k.slice(0), { value: 'v', epoch: 1 });
});
const dictInsert = nsPer(N, () => {
  dict = new Dict();
  for (const k of keys) dict.addIfAbsent(k.slice(0), 'v', 1);
});
console.log(`${N} keys: insert ${mapInsert.toFixed(0)} ns (Map) / ${dictInsert.toFixed(0)} ns (Dict) a key`);
// The last resize's keys still moving (the 786k-key one is still under way at 1M) are moved
// now, as the server's cron does under activerehashing: the lookups below are of a settled
// table; until then a key not yet moved costs a probe of each table.
const resizing = dict.rehashing;
while (dict.rehashMs(10));
if (resizing) console.log('(the last resize was finished before the lookups)');

for (let r = 0; r < ROUNDS; r++) {
  const m = nsPer(OPS, () => {
    for (let i = 0; i < OPS; i++) map.get(latin1Slice(wire, i * WIDTH, (i + 1) * WIDTH))!.value = VALUES[i & 3]!;
  });
  const d = nsPer(OPS, () => {
    for (let i = 0; i < OPS; i++) dict.setValueAt(dict.find(latin1Slice(wire, i * WIDTH, (i + 1) * WIDTH)), VALUES[i & 3]!);
  });
  console.log(`round ${r + 1}: lookup+overwrite ${m.toFixed(0)} ns (Map) / ${d.toFixed(0)} ns (Dict), ratio ${(d / m).toFixed(2)}`);
}
