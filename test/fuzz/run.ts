// The long fuzz run (npm run fuzz -- [--minutes M] [--seed S] [--commands N] [--resp3] [--replicas]): seeds
// S, S+1, ... each for N commands (default 100,000) until the time is up (default: one seed),
// printing every failure with its shrunk sequence and the figures at the end; --resp3 runs
// every episode after HELLO 3 and compares reply types too; --replicas gives each server a
// replica of the other kind, checked by digest (runner.ts). Exit code 1 on a failure.
import { Fuzzer } from './runner.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : Number(process.argv[i + 1]);
};
const minutes = arg('minutes', 0);
const first = arg('seed', 1);
const perSeed = arg('commands', 100_000);
const started = Date.now();
const until = minutes > 0 ? started + minutes * 60_000 : undefined;
const resp3 = process.argv.includes('--resp3');

const fuzzer = new Fuzzer({ replicas: process.argv.includes('--replicas') });
// Interrupted: the two servers (and their temp dirs) go too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void fuzzer.stop().then(() => process.exit(130)));
}
await fuzzer.start();
let commands = 0;
let failures = 0;
const seeds: number[] = [];
try {
  for (let seed = first; seeds.length === 0 || (until !== undefined && Date.now() < until); seed++) {
    const r = await fuzzer.run({ seed, commands: perSeed, until, resp3, log: (line) => console.log(line) });
    seeds.push(seed);
    commands += r.commands;
    failures += r.reports.length;
    console.log(`seed ${seed}: ${r.commands} commands in ${r.episodes} episodes, ${r.reports.length} failures (${((Date.now() - started) / 60000).toFixed(1)} min so far)`);
  }
} finally {
  await fuzzer.stop();
}
console.log(`fuzz: ${commands} commands, seeds ${seeds[0]}..${seeds[seeds.length - 1]} (${seeds.length}), ${((Date.now() - started) / 60000).toFixed(1)} minutes, ${failures} failures`);
process.exitCode = failures > 0 ? 1 : 0;
