// `npm run bench [-- --quick] [--rounds N] [--only id,id] [--out dir]`:
// runs every measure on redstate and redis-server, prints the markdown table
// and writes bench/results/<date>-<commit>[-quick].{md,json,svg} and latest.md.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { presets } from './config.js';
import { writeReports } from './report.js';
import { allMeasures, runBench } from './runner.js';
import { cleanUpEverything, projectRoot } from './servers.js';

function git(...args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and removing temp dirs`);
    cleanUpEverything();
    process.exit(130);
  });
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string', default: join(projectRoot, 'bench', 'results') },
  },
});

const config = structuredClone(args.quick ? presets.quick : presets.full);
if (args.rounds) config.rounds = Math.max(1, Number(args.rounds));
const only = args.only?.split(',');
const measures = only ? allMeasures.filter((m) => only.includes(m.id)) : allMeasures;

for (const tool of ['redis-server', 'redis-benchmark']) {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
  } catch {
    console.error(`${tool} not found: apt-get install redis-server redis-tools`);
    process.exit(1);
  }
}

console.error(`bench: ${config.mode} mode, ${config.rounds} rounds, measures ${measures.map((m) => m.id).join(', ')}`);
const result = await runBench(config, { measures });
result.meta.commit = git('rev-parse', '--short', 'HEAD');
result.meta.dirty = Boolean(git('status', '--porcelain', '--untracked-files=no'));

const base = `${result.meta.startedAt.slice(0, 10)}-${result.meta.commit ?? 'nocommit'}${config.mode === 'full' ? '' : `-${config.mode}`}`;
const files = writeReports(result, args.out!, base);
console.log(files.text);
console.error(`\nwrote ${files.markdown}, ${files.json}, ${files.svg}${files.latest ? ` and ${files.latest}` : ''}`);
cleanUpEverything();
