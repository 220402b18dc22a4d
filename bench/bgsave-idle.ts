// What a BGSAVE's main thread does besides serializing: one redstate per build, each loaded
// with the mixed dataset (the full bench's 200k keys unless BENCH_KEYS), then BGSAVEs in
// rounds alternating the builds, each timed from its reply until rdb_bgsave_in_progress:0
// (INFO polled every ms): wall, main-thread CPU, its wait for a core (the host's load) and
// its idle time (schedstat), which is what the save waited for: file writes, the fsync.
//   node --import ./bench/register.js bench/bgsave-idle.ts [rounds] A/dist/cli.js [B/dist/cli.js ...]
// BENCH_DIR: where the servers' dirs go (default: the system's temp dir; /dev/shm for no disk).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { presets } from './config.js';
import { loadMixed } from './measures/datasets.js';
import { schedStat } from './proc.js';
import { bgsaveDone, type RespClient } from './resp.js';
import { buildSpec, cleanUpEverything, startServer, type RunningServer } from './servers.js';
import { alternatingRounds, loadRange, percentile } from './stats.js';

const [roundsArg = '10', ...builds] = process.argv.slice(2);
const keys = Number(process.env.BENCH_KEYS ?? 0);
const config = keys > 0 ? { ...presets.full, mixed: { ...presets.full.mixed, keys } } : presets.full;
const signal = new AbortController().signal;

const servers: Array<{ cli: string; server: RunningServer; client: RespClient; dir: string }> = [];
for (const cli of builds.length > 0 ? builds : ['dist/cli.js']) {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'redstate-bgsave-'));
  const server = await startServer(buildSpec(dirname(cli)), { dir });
  const client = await server.client();
  await loadMixed(client, config, signal);
  servers.push({ cli, server, client, dir });
}

const { runs, loads } = await alternatingRounds(Number(roundsArg), servers.length, async (i) => {
  const { server, client } = servers[i]!;
  const stat = `/proc/${server.pid}/schedstat`;
  const before = schedStat(stat);
  const start = performance.now();
  await client.call('BGSAVE');
  await bgsaveDone(client, 1);
  const wall = performance.now() - start;
  const after = schedStat(stat);
  const cpu = after.cpu - before.cpu;
  const wait = after.waited - before.waited;
  return [wall, cpu, wait, wall - cpu - wait];
});

console.log(`BGSAVE of the mixed dataset, ${roundsArg} rounds, load average ${loadRange(loads)}; medians (min-max), ms:`);
servers.forEach(({ cli }, i) => {
  const cell = (k: number) => {
    const v = runs[i]!.map((r) => r[k]!);
    return `${percentile(v, 50).toFixed(0)} (${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)})`;
  };
  console.log(`${cli}: wall ${cell(0)}, main-thread CPU ${cell(1)}, waiting for a core ${cell(2)}, idle ${cell(3)}`);
});
for (const { server, client, dir } of servers) {
  client.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
cleanUpEverything();
