// What decoding a dump.rdb costs each checkout's decoder, steady on a loaded host: one child
// process per decode (a fresh heap and JIT, as a server's start-up load or a replica's full
// sync has), with the node options of the CLI's #! line, checkouts alternating round by
// round: the child's CPU time (process.cpuUsage, all threads) and wall time of the decode.
//   node --import ./bench/register.js bench/decode-cpu.ts dump.rdb [rounds] [checkout ...]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { alternatingRounds, loadRange, spread } from './stats.js';

const [file, roundsArg = '7', ...rootArgs] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: decode-cpu.ts dump.rdb [rounds] [checkout ...]');
const roots = rootArgs.length > 0 ? rootArgs.map((r) => resolve(r)) : [resolve('.')];
const register = resolve('bench/register.js');

/** The node options of the checkout's CLI #! line (`#!/usr/bin/env -S node --a --b`). */
const nodeOptions = (root: string): string[] =>
  readFileSync(`${root}/src/cli.ts`, 'latin1').split('\n', 1)[0]!.split(' ').filter((w) => w.startsWith('--'));

/** One decode in a child of the checkout at root: [CPU ms, wall ms]. */
function decodeOnce(root: string): [number, number] {
  const script = `
    const { decodeRdbFile } = await import(${JSON.stringify(`${root}/src/io/rdb-decoder.ts`)});
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    decodeRdbFile(${JSON.stringify(resolve(file!))});
    const c = process.cpuUsage(c0);
    console.log((c.user + c.system) / 1000, performance.now() - t0);`;
  const out = execFileSync(process.execPath, [...nodeOptions(root), '--import', register, '--input-type=module', '-e', script], { encoding: 'utf8' });
  const [cpu, wall] = out.trim().split(' ').map(Number);
  return [cpu!, wall!];
}

const { runs, loads } = await alternatingRounds(Number(roundsArg), roots.length, async (i) => decodeOnce(roots[i]!));
for (const [i, root] of roots.entries()) {
  const cpu = spread(runs[i]!.map((r) => r[0]));
  const wall = spread(runs[i]!.map((r) => r[1]));
  console.log(`${root}: CPU ${cpu.median.toFixed(0)} ms (${cpu.min.toFixed(0)}-${cpu.max.toFixed(0)}), wall ${wall.median.toFixed(0)} ms (${wall.min.toFixed(0)}-${wall.max.toFixed(0)})`);
}
console.log(`load ${loadRange(loads)}`);
