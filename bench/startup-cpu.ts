// What an empty server's start-up costs, steady on a loaded host: each build's cli.js (run as
// its #! line runs it) is spawned with no data and PINGed every 2 ms; at its first PONG, the
// process's CPU time so far (all threads, /proc) and the wall time since the spawn. Builds
// alternate round by round; prints each build's medians, and redis-server's beside them.
//   node --import ./bench/register.js bench/startup-cpu.ts [rounds] [dist ...]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { freePort } from './servers.js';
import { processCpuMs } from './proc.js';
import { alternatingRounds, loadRange, spread } from './stats.js';

const [roundsArg = '7', ...dists] = process.argv.slice(2);
const builds = dists.length > 0 ? dists.map((d) => resolve(d)) : [resolve('dist')];

/** The node options of a cli.js's #! line (`#!/usr/bin/env -S node --a --b`). */
const nodeOptions = (cli: string): string[] => readFileSync(cli, 'latin1').split('\n', 1)[0]!.split(' ').filter((w) => w.startsWith('--'));

const pong = (port: number): Promise<boolean> =>
  new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', () => {
      s.destroy();
      res(true);
    });
    s.on('error', () => res(false));
  });

/** Spawns one server, waits for its first PONG: [wall ms, CPU ms]; a server that exits first is tried again, twice. */
async function startOnce(build: string | null, tries = 3): Promise<[number, number]> {
  const port = await freePort();
  const t0 = performance.now();
  const cli = build === null ? '' : join(build, 'cli.js');
  const p = build === null
    ? spawn('redis-server', ['--port', String(port), '--save', ''], { stdio: 'ignore' })
    : spawn(process.execPath, [...nodeOptions(cli), cli, '--port', String(port), '--save', ''], { stdio: 'ignore' });
  // Another process may take the free port first: the server then exits.
  let exited = false;
  p.once('exit', () => (exited = true));
  while (!(await pong(port))) {
    if (exited && tries === 1) throw new Error(`${build ?? 'redis-server'} exited before it answered PING`);
    if (exited) return startOnce(build, tries - 1);
    await new Promise((r) => setTimeout(r, 2));
  }
  const wall = performance.now() - t0;
  const cpu = processCpuMs(p.pid!);
  p.kill('SIGKILL');
  await new Promise((r) => p.once('exit', r));
  return [wall, cpu];
}

const all: Array<string | null> = [...builds, null];
const { runs, loads } = await alternatingRounds(Number(roundsArg), all.length, (i) => startOnce(all[i]!));
for (const [i, b] of all.entries()) {
  const wall = spread(runs[i]!.map((r) => r[0]));
  const cpu = spread(runs[i]!.map((r) => r[1]));
  console.log(`${b ?? 'redis-server'}: CPU ${cpu.median} ms (${cpu.min}-${cpu.max}), wall ${wall.median.toFixed(0)} ms (${wall.min.toFixed(0)}-${wall.max.toFixed(0)})`);
}
console.log(`load ${loadRange(loads)}`);
