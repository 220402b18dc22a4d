// What a master spends while three replicas full-sync from it at once (the syncstalls
// measure's setting: DEBUG POPULATE, 3000 SETs/s, a PING every ms from a worker, disk or
// diskless sync), in figures that hold on a shared machine: the CPU time of its main thread
// during the sync and the time it waited, runnable, for a core (/proc/<pid>/schedstat: on a
// busy host a ping waits for that more than for the master's work), the replicas' CPU, its
// collections (--trace-gc: count and pauses per kind), its peak memory above the memory just
// before, the pings split by phase (saving, sending, loading, from its log). Every redstate
// runs with the V8 flags of its cli.js's #! line, as the bench runs it.
// --prof adds its busiest functions and its busy runs (runs of non-idle --cpu-prof samples
// over 5 ms: slices back to back make one run, so a run is not one task); --mem preloads
// mem-trace.mjs for the peak of each part of its memory, what of it a full collection frees,
// and where its large Buffers were allocated; --tasks preloads task-trace.mjs for a histogram
// of its callbacks' lengths and the longest of them; --alloc preloads alloc-trace.mjs for the
// MB it allocated during the sync (collected objects too) and the sites that allocated the
// most; --idle runs the load alone for a second
// instead of the sync. Diagnostics of what the others' CPU does to the figures: --rt runs the
// master under SCHED_FIFO (chrt, as root), so that its task lengths are its own work whatever
// the load; --nice-replicas runs the three replicas under nice 10, so that their loads yield
// the cores to the master; --redis-replicas makes them redis-servers, whose loads take less
// CPU than redstate's; --replica-v8=<flag> (repeatable) starts the redstate replicas' node
// with that V8 flag. Each replica's main-thread and all-threads CPU and its socket reads
// (count and mean size, from /proc/<pid>/io) are printed too. Given several dist/ folders it alternates them round by round.
//   node --import ./bench/register.js bench/sync-probe.ts [keys] [rounds] [--diskless] [--prof] [--mem] [--tasks] [--alloc] [--rt]
//     [--nice-replicas] [--redis-replicas] [--replica-v8=<flag>] [--idle] [distA distB ...]
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { presets } from './config.js';
import { populate } from './measures/datasets.js';
import { syncArgs, waitSynced } from './measures/replicas.js';
import { averageMemory, startPinger, startWriteLoad } from './measures/snapshot-stalls.js';
import { SYNCED_POLL_MS } from './measures/sync-stalls.js';
import { ioCounts, mainThreadMs, processCpuMs, sampleMemoryPeak, schedStat } from './proc.js';
import { RespClient } from './resp.js';
import { binFlags, cleanUpEverything, commonArgs, freePort, makeTempDir, projectRoot, removeTempDir, spawnTracked, startServer } from './servers.js';
import { now, percentile } from './stats.js';

const LONG_TASK_MS = 5;
const SLOW_PING_MS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const args = process.argv.slice(2);
const numbers = args.filter((a) => /^\d+$/.test(a)).map(Number);
const keys = numbers[0] ?? 100_000;
const rounds = numbers[1] ?? 2;
const diskless = args.includes('--diskless');
const prof = args.includes('--prof');
const mem = args.includes('--mem');
const taskTrace = args.includes('--tasks');
const allocTrace = args.includes('--alloc');
const rt = args.includes('--rt');
const niceReplicas = args.includes('--nice-replicas');
const redisReplicas = args.includes('--redis-replicas');
const replicaV8 = args.filter((a) => a.startsWith('--replica-v8=')).map((a) => a.slice('--replica-v8='.length));
/** --idle: a control, the same load for 1 s without replicas. */
const idleMs = args.includes('--idle') ? 1000 : 0;
const dists = args.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a)).map((d) => resolve(d));
if (dists.length === 0) dists.push(join(projectRoot, 'dist'));
const config = presets.quick;
const signal = new AbortController().signal;

/**
 * A replica so far: main-thread and all-threads CPU (ms), and its read syscalls and bytes
 * (/proc/<pid>/io syscr, rchar: nearly all are socket reads, so reads ≈ chunks received).
 */
function replicaUse(pid: number): number[] {
  const io = ioCounts(pid);
  return [mainThreadMs(pid), processCpuMs(pid), io.syscr, io.rchar];
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The functions that took the most self time within [from, to] (µs of the profile's clock). */
function topFunctions(p: CpuProfile, from: number, to: number, n = 15): string[] {
  const byName = new Map<string, number>();
  const label = new Map(p.nodes.map((x) => [x.id, `${x.callFrame.functionName || '(anonymous)'} ${x.callFrame.url.replace(/^.*\/dist\//, '')}:${x.callFrame.lineNumber + 1}`]));
  let t = p.startTime;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (t < from || t > to) continue;
    const name = label.get(p.samples[i]!)!;
    if (name.startsWith('(idle)')) continue;
    total += p.timeDeltas[i]!;
    byName.set(name, (byName.get(name) ?? 0) + p.timeDeltas[i]!);
  }
  return [`busy ${(total / 1000).toFixed(0)} ms`, ...[...byName].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `${(us / 1000).toFixed(1)} ${k}`)];
}

/** Runs of non-idle samples longer than LONG_TASK_MS within [from, to] (µs of the profile's clock), with their top functions. */
function longTasks(p: CpuProfile, from: number, to: number): string[] {
  const name = new Map(p.nodes.map((n) => [n.id, n.callFrame.functionName || '(anonymous)']));
  const where = new Map(p.nodes.map((n) => [n.id, `${n.callFrame.url.replace(/^.*\/dist\//, '')}:${n.callFrame.lineNumber + 1}`]));
  const out: string[] = [];
  let t = p.startTime;
  let runStart = -1;
  let self = new Map<number, number>();
  const close = (end: number) => {
    if (runStart >= 0 && end - runStart > LONG_TASK_MS * 1000 && runStart >= from && end <= to) {
      const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 4)
        .map(([id, us]) => `${name.get(id)} ${where.get(id)} ${(us / 1000).toFixed(1)}`);
      out.push(`${((runStart - from) / 1000).toFixed(0)}+${((end - runStart) / 1000).toFixed(1)} ms: ${top.join(', ')}`);
    }
    runStart = -1;
    self = new Map();
  };
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i]!;
    t += dt;
    const id = p.samples[i]!;
    if (name.get(id) === '(idle)') close(t - dt);
    else {
      if (runStart < 0) runStart = t - dt;
      self.set(id, (self.get(id) ?? 0) + dt);
    }
  }
  close(t);
  return out;
}

/** One sync of three replicas from a master run from `dist`. */
async function round(dist: string): Promise<string> {
  const dirs = [makeTempDir(), makeTempDir()];
  const port = await freePort();
  const flags = ['--trace-gc', ...(mem ? ['--expose-gc', '--import', join(projectRoot, 'bench/mem-trace.mjs')] : []),
    ...(taskTrace ? ['--import', join(projectRoot, 'bench/task-trace.mjs')] : []),
    ...(allocTrace ? ['--import', join(projectRoot, 'bench/alloc-trace.mjs')] : []), ...(prof ? ['--cpu-prof', '--cpu-prof-dir', dirs[1]!, '--cpu-prof-interval', '200'] : [])];
  const master = spawnTracked([...(rt ? ['chrt', '-f', '10'] : []), 'node', ...binFlags(dist), ...flags, join(dist, 'cli.js'), ...commonArgs(port, dirs[0]!), ...syncArgs(diskless), '--loglevel', 'notice']);
  const spawnedAt = now();
  const gcs: Array<{ at: number; kind: string; pause: number }> = [];
  let pending = '';
  let memtrace = '';
  let tasktrace = '';
  let alloctrace = '';
  let allocs = '';
  const events: Array<{ at: number; what: string }> = [];
  master.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('memtrace ')) memtrace = line.slice(9);
      if (line.startsWith('memtrace-allocs ')) allocs = line.slice(16);
      if (line.startsWith('tasktrace ')) tasktrace = line.slice(10);
      if (line.startsWith('alloctrace ')) alloctrace = line.slice(11);
      // Redis's log time stamps (local time, ms): when the save ended and each replica went online.
      const logged = /^\d+:M (\d+ \w+ \d+ [\d:.]+) [#*-] (Background saving terminated|Synchronization with replica)/.exec(line);
      if (logged) events.push({ at: Date.parse(logged[1]!), what: logged[2]!.startsWith('B') ? 'saved' : 'sent' });
      const m = /\]\s+(\d+) ms: (\S+(?: \(reduce\))?).*?, ([\d.]+) \/ [\d.]+ ms/.exec(line);
      if (m) gcs.push({ at: spawnedAt + Number(m[1]), kind: m[2]!, pause: Number(m[3]) });
    }
  });
  const client = await RespClient.connectWhenUp(port);
  const replicas = await Promise.all([0, 1, 2].map(async () => {
    const command = [...(niceReplicas ? ['nice', '-n', '10'] : []), ...(redisReplicas ? ['redis-server'] : ['node', ...binFlags(dist), ...replicaV8, join(dist, 'cli.js')])];
    const server = await startServer({ name: redisReplicas ? 'redis' : 'redstate', command }, { dir: makeTempDir() });
    return { server, client: await server.client() };
  }));
  const writer = await RespClient.connect(port);
  await populate(client, config, keys);
  const pinger = await startPinger(port, 1);
  const load = startWriteLoad(writer, keys, config.populate.valueSize, 3000);
  await sleep(200);
  const before = await averageMemory(master.pid!);
  const sampler = sampleMemoryPeak(master.pid!, 10);
  const sched0 = schedStat(`/proc/${master.pid!}/schedstat`);
  const replicaCpu0 = replicas.reduce((a, r) => a + processCpuMs(r.server.pid), 0);
  const replicaUse0 = replicas.map((r) => replicaUse(r.server.pid));
  if (mem || taskTrace || allocTrace) process.kill(master.pid!, 'SIGUSR2');
  const t0 = now();
  const wall0 = Date.now();
  if (idleMs > 0) await sleep(idleMs);
  else await Promise.all(replicas.map((r) => r.client.call('REPLICAOF', '127.0.0.1', port)));
  const syncedAt = idleMs > 0 ? [] : await Promise.all(replicas.map((r) => waitSynced(r.client, keys, signal, SYNCED_POLL_MS).then(() => now() - t0)));
  const t1 = now();
  if (mem || taskTrace || allocTrace) process.kill(master.pid!, 'SIGUSR2');
  const sched1 = schedStat(`/proc/${master.pid!}/schedstat`);
  const cpu = sched1.cpu - sched0.cpu;
  const waited = sched1.waited - sched0.waited;
  const turns = sched1.turns - sched0.turns;
  const replicaCpu = replicas.reduce((a, r) => a + processCpuMs(r.server.pid), 0) - replicaCpu0;
  const replicaText = replicas.map((r, i) => {
    const [main, all, reads, bytes] = replicaUse(r.server.pid).map((v, k) => v - replicaUse0[i]![k]!);
    return `main ${main!.toFixed(0)} all ${all!.toFixed(0)} ms, ${reads} reads of ${(bytes! / Math.max(reads!, 1) / 1024).toFixed(1)} KB`;
  }).join('; ');
  const peak = sampler.stop();
  // What the replicas' connections hold just after the sync (omem: output waiting for their sockets).
  const replicaClients = mem ? String(await client.call('CLIENT', 'LIST', 'TYPE', 'replica')).trim().split('\n')
    .map((l) => /omem=(\d+)/.exec(l)?.[1] ?? '?').join(', ') : '';
  for (let i = 0; ((mem && memtrace === '') || (taskTrace && tasktrace === '') || (allocTrace && alloctrace === '')) && i < 100; i++) await sleep(10);
  load.stop();
  const pings = await pinger.stop();
  const during = pings.latencies.filter((_, i) => pings.sentAt[i]! >= t0 && pings.sentAt[i]! <= t1);
  // Phases: the snapshot until saved, the transfer until the last replica was sent it, then their loads.
  const savedAt = (events.find((e) => e.what === 'saved')?.at ?? NaN) - wall0;
  const sentAt = Math.max(...events.filter((e) => e.what === 'sent').map((e) => e.at)) - wall0;
  const phaseOf = (t: number) => (t < savedAt ? 0 : t < sentAt ? 1 : 2);
  const phases = [[], [], []] as number[][];
  pings.sentAt.forEach((t, i) => t >= t0 && t <= t1 && phases[phaseOf(t - t0)]!.push(pings.latencies[i]!));
  const phaseText = ['saving', 'sending', 'loading'].map((name, i) => {
    const l = phases[i]!;
    return `${name} ${l.length} pings p50 ${percentile(l, 50).toFixed(2)} p99 ${percentile(l, 99).toFixed(2)} max ${percentile(l, 100).toFixed(2)}`;
  }).join('; ');
  const slow = pings.sentAt.flatMap((t, i) => (t >= t0 && t <= t1 && pings.latencies[i]! > SLOW_PING_MS ? [`${(t - t0).toFixed(0)}:${pings.latencies[i]!.toFixed(1)}`] : []));
  const collections = gcs.filter((g) => g.at >= t0 - 20 && g.at <= t1 + 20);
  const kinds = new Map<string, number[]>();
  for (const g of collections) kinds.set(g.kind, [...(kinds.get(g.kind) ?? []), g.pause]);
  const gcText = [...kinds].map(([k, ps]) => `${k} ${ps.length}× total ${ps.reduce((a, b) => a + b, 0).toFixed(1)} max ${Math.max(...ps).toFixed(1)} ms`).join('; ');
  // The profiler's clock is the master's monotonic clock in µs, as hrtime is here.
  const tasks: string[] = [];
  const top: string[] = [];
  if (prof) {
    await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    await new Promise((r) => master.once('exit', r));
    const file = readdirSync(dirs[1]!).find((f) => f.endsWith('.cpuprofile'));
    if (file !== undefined) {
      const profile = JSON.parse(readFileSync(join(dirs[1]!, file), 'utf8')) as CpuProfile;
      tasks.push(...longTasks(profile, t0 * 1000, t1 * 1000));
      top.push(...topFunctions(profile, t0 * 1000, t1 * 1000));
    }
  }
  for (const r of replicas) {
    r.client.close();
    await r.server.stop();
    removeTempDir(r.server.dir);
  }
  client.close();
  writer.close();
  master.kill('SIGKILL');
  for (const d of dirs) removeTempDir(d);
  const ms = (p: number) => percentile(during, p).toFixed(2);
  return [
    `${dist} (load ${loadavg().map((l) => l.toFixed(2)).join(' ')}): sync ${(t1 - t0).toFixed(0)} ms, master main thread ${cpu.toFixed(0)} ms CPU and ${waited.toFixed(0)} ms waiting for a core (${(waited / Math.max(turns, 1)).toFixed(2)} ms per turn), replicas ${replicaCpu.toFixed(0)} ms CPU, ` +
      `peak extra ${((peak - before) / 2 ** 20).toFixed(2)} MB, ping p50 ${ms(50)} p99 ${ms(99)} max ${ms(100)} ms`,
    `  saved at ${savedAt.toFixed(0)} ms, sent to the last replica at ${sentAt.toFixed(0)} ms; ${phaseText}`,
    `  each replica's CPU and reads: ${replicaText}`,
    `  replicas in sync at ${syncedAt.map((t) => t.toFixed(0)).join(', ')} ms; pings over ${SLOW_PING_MS} ms (ms since REPLICAOF:latency): ${slow.join(' ') || 'none'}`,
    `  gc: ${gcText || 'none'}`,
    ...(mem ? [`  peaks above the start, MB: ${memtrace}`, `  Buffers allocated: ${allocs}`, `  replicas' omem after the sync: ${replicaClients}`] : []),
    ...(taskTrace ? [`  tasks (ms): ${tasktrace}`] : []),
    ...(allocTrace ? [`  allocated (MB, by site): ${alloctrace}`] : []),
    ...(prof ? [`  self time: ${top.join('; ')}`] : []),
    ...(prof ? [`  busy runs > ${LONG_TASK_MS} ms: ${tasks.length}, ${tasks.reduce((a, t) => a + Number(/\+([\d.]+)/.exec(t)![1]), 0).toFixed(1)} ms`, ...tasks.map((t) => `    ${t}`)] : []),
  ].join('\n');
}

console.log(`${keys} keys, ${diskless ? 'diskless' : 'disk'} sync, 3 replicas, ${rounds} round(s) per build`);
try {
  for (let r = 0; r < rounds; r++) for (const d of (r % 2 === 0 ? dists : [...dists].reverse())) console.log(await round(d));
} finally {
  cleanUpEverything();
}
process.exit(0);
