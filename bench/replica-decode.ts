// A replica's decode of its master's payload alone, as a fresh process does it: each round
// spawns one node per build (in alternating order) that feeds a dump through RdbStream in
// 64 kB chunks, as socket reads come, and reports the CPU of its main thread and of all its
// threads for that decode only. A fresh replica runs the decoder cold (interpreted until
// TurboFan has compiled it), so one process per decode; on a shared host these CPU figures
// are steadier than a whole sync's. `make` writes the dump first: a redstate SAVE of the
// populate or the mixed dataset (--quick size, or the full one). DECODE_CHUNK=<bytes> feeds
// smaller (or larger) chunks instead: what the decoder's per-chunk work costs.
//   node --import ./bench/register.js bench/replica-decode.ts make populate|mixed [quick|full] out.rdb
//   node --import ./bench/register.js bench/replica-decode.ts dump.rdb [rounds] [A/dist [B/dist ...]]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presets } from './config.js';
import { loadMixed, populate } from './measures/datasets.js';
import { mainThreadMs } from './proc.js';
import { binFlags, buildSpec, cleanUpEverything, makeTempDir, removeTempDir, startServer } from './servers.js';
import { alternatingRounds, loadRange, percentile } from './stats.js';

const CHUNK = Number(process.env.DECODE_CHUNK ?? 64 * 1024);

/** One decode in this process: prints "main all keys end", end being the wall ms of endNow (what follows a replica's last byte). */
async function child(dist: string, file: string): Promise<void> {
  const { RdbStream } = await import(join(resolve(dist), 'io/rdb-decoder.js'));
  // The bin writes through its young generation at start-up (young-gen.ts), before any sync.
  const youngGen = join(resolve(dist), 'young-gen.js');
  if (existsSync(youngGen)) (await import(youngGen)).touchYoungGeneration();
  const buf = readFileSync(file);
  const chunks: Buffer[] = [];
  for (let at = 0; at < buf.length; at += CHUNK) chunks.push(Buffer.from(buf.subarray(at, at + CHUNK)));
  const main0 = mainThreadMs();
  const all0 = process.cpuUsage();
  const stream = new RdbStream({ now: -Infinity });
  for (const c of chunks) stream.feed(c);
  const end0 = performance.now();
  const rdb = stream.endNow();
  const end = performance.now() - end0;
  const all = process.cpuUsage(all0);
  console.log(`${mainThreadMs() - main0} ${(all.user + all.system) / 1000} ${rdb.keysLoaded} ${end}`);
}

/** A redstate SAVE of the dataset into out. */
async function make(dataset: string, size: string, out: string): Promise<void> {
  const config = size === 'full' ? presets.full : presets.quick;
  const dir = makeTempDir();
  const server = await startServer(buildSpec('dist'), { dir, args: [] });
  const c = await server.client();
  try {
    if (dataset === 'mixed') await loadMixed(c, config, new AbortController().signal);
    else await populate(c, config);
    await c.call('SAVE');
    copyFileSync(join(dir, 'dump.rdb'), out);
  } finally {
    c.close();
    await server.stop();
    removeTempDir(dir);
    cleanUpEverything();
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(args[1]!, args[2]!);
} else if (args[0] === 'make') {
  const [, dataset = 'mixed', size = 'quick', out = 'dump.rdb'] = args;
  await make(dataset, size, out);
} else {
  const [file, roundsArg = '15', ...distArgs] = args;
  if (file === undefined) throw new Error('usage: replica-decode.ts dump.rdb [rounds] [A/dist ...] | make populate|mixed [quick|full] out.rdb');
  const builds = distArgs.length > 0 ? distArgs : ['dist'];
  const self = fileURLToPath(import.meta.url);
  const { runs, loads } = await alternatingRounds(Number(roundsArg), builds.length, (i) => {
    const r = spawnSync('node', [...binFlags(builds[i]!), '--import', './bench/register.js', self, '--child', builds[i]!, file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${builds[i]}: ${r.stderr}`);
    return r.stdout.trim().split(' ').map(Number);
  });
  const stat = (v: number[]): string => `${percentile(v, 50).toFixed(0)} (${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)})`;
  console.log(`${file}: ${runs[0]![0]![2]} keys in chunks of ${CHUNK} bytes, ${roundsArg} rounds, load average ${loadRange(loads)}; ` +
    'CPU of one decode in a fresh process, and the wall time of its end after the last chunk, median (min-max) ms:');
  builds.forEach((b, i) => {
    console.log(`${b}: main thread ${stat(runs[i]!.map((r) => r[0]!))}, all threads ${stat(runs[i]!.map((r) => r[1]!))}, ` +
      `end ${stat(runs[i]!.map((r) => r[3]!))}`);
  });
}
