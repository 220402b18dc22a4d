// Where a replica's clients wait during a full sync, stall by stall: the replicasync measure's
// setting (a redstate replica holding 1M old keys, repl-diskless-load swapdb, syncing 1M new
// ones from a redstate master saving to disk, EXISTS every ms from a worker), for one or more
// builds in alternating rounds. Each round prints the sync's time and the probe's p99 and max
// reply latency; unless --quiet, also every change of reply (old data, -LOADING, new data),
// the first probe of each stall over 5 ms (probes sent during a stall wait less and less, so
// one that waited longer than the one before began a stall), and the replica's log lines at
// verbose, all timed from REPLICAOF. --replica-node=<flag> (repeatable) starts the replicas'
// node with that flag as well (--cpu-prof, --trace-gc: its output joins the log lines).
//   node --import ./bench/register.js bench/replica-stalls.ts [rounds] [--quiet] [--replica-node=<flag> ...] [distA distB ...]
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { presets } from './config.js';
import { populate } from './measures/datasets.js';
import { syncArgs, waitSynced } from './measures/replicas.js';
import { startPinger } from './measures/snapshot-stalls.js';
import { binFlags, cleanUpEverything, makeTempDir, projectRoot, removeTempDir, startServer } from './servers.js';
import { loadRange, now, percentile } from './stats.js';

const STALL_MS = 5;
const args = process.argv.slice(2);
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 2);
const quiet = args.includes('--quiet');
const replicaNode = args.filter((a) => a.startsWith('--replica-node=')).map((a) => a.slice('--replica-node='.length));
const dists = args.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a)).map((d) => resolve(d));
if (dists.length === 0) dists.push(join(projectRoot, 'dist'));
const keys = presets.full.replication.keys;
const signal = new AbortController().signal;
const lines = new Map<string, string[]>(dists.map((d) => [d, []]));
const loads: number[] = [];

async function round(dist: string): Promise<string> {
  const cli = join(dist, 'cli.js');
  const masterDir = makeTempDir('stalls-m');
  const replicaDir = makeTempDir('stalls-r');
  const master = await startServer({ name: 'redstate', command: ['node', ...binFlags(dist), cli] }, { dir: masterDir, args: syncArgs(false) });
  const replica = await startServer(
    { name: 'redstate', command: ['node', ...binFlags(dist), ...replicaNode, cli] },
    { dir: replicaDir, args: ['--repl-diskless-load', 'swapdb', '--loglevel', 'verbose'] },
  );
  const [m, r] = await Promise.all([master.client(), replica.client()]);
  await Promise.all([populate(m, presets.full, keys), populate(r, presets.full, keys, 'old')]);
  const log: Array<[number, string]> = [];
  // "pid:S dd Mon yyyy HH:MM:SS.mmm * text": the text (other output whole).
  replica.onOutput = (text) => {
    for (const l of text.split('\n')) if (l.trim() !== '') log.push([now(), l.replace(/^\d+:\w \d+ \w+ \d+ [\d:.]+ /, '')]);
  };
  const prober = await startPinger(replica.port, 1, ['EXISTS', 'key:0']);
  const startedAt = now();
  await r.call('REPLICAOF', '127.0.0.1', master.port);
  await waitSynced(r, keys, signal);
  const syncedAt = now();
  const { sentAt, latencies, replies } = await prober.stop();
  const during = sentAt.flatMap((at, i) => (at >= startedAt && at <= syncedAt ? [i] : []));
  const waits = during.map((i) => latencies[i]!);
  const summary = `sync ${(syncedAt - startedAt).toFixed(0)} ms, reply p99 ${percentile(waits, 99).toFixed(1)} max ${percentile(waits, 100).toFixed(1)} ms`;
  if (!quiet) {
    const events: Array<[number, string]> = log.filter(([t]) => t >= startedAt && t <= syncedAt + 5).map(([t, l]) => [t, `log ${l}`]);
    let last = '';
    let before = 0;
    for (const i of during) {
      const reply = replies[i]!.split(' ')[0]!;
      // Probes sent during a stall wait less and less: one waiting longer than the one before began a stall.
      const waited = latencies[i]!;
      if ((waited > STALL_MS && waited > before) || reply !== last) events.push([sentAt[i]!, `${reply} waited ${waited.toFixed(1)} ms`]);
      before = waited;
      last = reply;
    }
    for (const [t, what] of events.sort((a, b) => a[0] - b[0])) console.log(`  +${(t - startedAt).toFixed(0)} ${what}`);
  }
  m.close();
  r.close();
  await Promise.all([master.stop(), replica.stop()]);
  removeTempDir(masterDir);
  removeTempDir(replicaDir);
  return summary;
}

for (let i = 0; i < rounds; i++) {
  for (const dist of i % 2 === 0 ? dists : [...dists].reverse()) {
    const summary = await round(dist);
    lines.get(dist)!.push(summary);
    console.log(`round ${i + 1}, ${dist}: ${summary}`);
  }
  loads.push(loadavg()[0]!);
}
console.log(`${keys} keys, ${rounds} rounds, load average ${loadRange(loads)}:`);
for (const [dist, l] of lines) console.log(`${dist}:\n  ${l.join('\n  ')}`);
cleanUpEverything();
process.exit(0);
