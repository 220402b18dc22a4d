// The RDB codec alone, without a server: decodes a dump.rdb (one written by redis-server,
// say) and encodes the result back to a file as SAVE does (4 MB chunks, fsync). Prints the
// first round of each (cold, as at a server's start) and the best of N. For profiling,
// add --cpu-prof to node's options.
//   node --import ./bench/register.js bench/rdb-codec-speed.ts dump.rdb [rounds] [out.rdb]
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { decodeRdb, type DecodedRdb } from '../src/io/rdb-decoder.js';
import { RdbEncoder } from '../src/io/rdb-encoder.js';

const CHUNK = 4 * 1024 * 1024;

function save(rdb: DecodedRdb, path: string): void {
  const fd = openSync(path, 'w');
  const enc = new RdbEncoder({ compression: true });
  const flush = (): void => {
    const b = enc.take();
    for (let off = 0; b !== null && off < b.length;) off += writeSync(fd, b, off);
  };
  enc.header([['redis-ver', '7.0.15'], ['redis-bits', '64']]);
  rdb.dbs.forEach((db, id) => {
    if (db.dict.size === 0) return;
    enc.selectDb(id, db.dict.size, db.expires.size);
    for (const [key, value] of db.dict) {
      enc.entry(key, value, db.expires.get(key));
      if (enc.buffered >= CHUNK) flush();
    }
  });
  enc.end();
  flush();
  fsyncSync(fd);
  closeSync(fd);
}

/** The first round's time and the best one's, as text. */
function time(rounds: number, run: () => void): string {
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    run();
    ms.push(performance.now() - t);
  }
  return `${ms[0]!.toFixed(0)} ms (best ${Math.min(...ms).toFixed(0)})`;
}

const [file, rounds = '3', out = '/tmp/rdb-codec-speed.rdb'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: rdb-codec-speed.ts dump.rdb [rounds] [out.rdb]');
let rdb!: DecodedRdb;
const load = time(Number(rounds), () => {
  rdb = decodeRdb(readFileSync(file));
});
const saved = time(Number(rounds), () => save(rdb, out));
// The file we wrote must load back to as many keys.
const again = decodeRdb(readFileSync(out));
if (again.keysLoaded !== rdb.keysLoaded) throw new Error(`wrote ${again.keysLoaded} keys, expected ${rdb.keysLoaded}`);
console.log(`${file}: ${rdb.keysLoaded} keys; load ${load}, save ${saved}`);
