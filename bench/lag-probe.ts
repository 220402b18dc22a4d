// The lag measure's setting (one replica of the same server, redis-benchmark SET on the
// master) on several servers in alternating rounds, with what the lag measure does not show:
// the CPU µs per write of master and replica (all threads, /proc) and the part of the
// replica's not on its main thread (a node's GC helpers and compiler), the replica's read
// syscalls and minor page faults per write, its time waiting for a core (schedstat), the lag
// percentiles in bytes and ms at a finer sampling, and, with --trace-gc, the replica's
// scavenges per 1000 writes and their pause. The measured run follows a FLUSHALL, as in the
// lag measure (a fresh keyspace: most writes add a key); --no-flushall measures it on the
// warm-up's keys instead (most writes overwrite one). --replica-log=DIR writes each round's
// replica output (its node flags' traces: 'dist>dist:--trace-deopt,--trace-opt') to a file
// in DIR, with a line at each phase (synced, warmed, measure, measured) and its minor faults.
//   node --import ./bench/register.js bench/lag-probe.ts [rounds] [pipeline] [requests] [sample-ms] [--trace-gc] [--no-flushall] [--replica-log=DIR] [A/dist[:--node-flag,...] B/dist ... | redis | master>replica]
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { lagsOf, sampleOffsets } from './measures/repl-lag.js';
import { benchmarkSet, syncArgs, waitCaughtUp } from './measures/replicas.js';
import { ioCounts, minorFaults, processCpuMs, schedStat } from './proc.js';
import { RoundServers } from './round-servers.js';
import { binFlags, cleanUpEverything, runTool, type ServerSpec } from './servers.js';
import { alternatingRounds, loadRange, now, percentile } from './stats.js';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const [roundsArg = '3', pipeArg = '16', requestsArg = '200000', everyArg = '2', ...builds] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const traceGc = flags.includes('--trace-gc');
const flushAll = !flags.includes('--no-flushall');
const logDir = flags.find((f) => f.startsWith('--replica-log='))?.slice('--replica-log='.length);
let logged = 0;
const pipeline = Number(pipeArg);
const requests = Number(requestsArg);
const everyMs = Number(everyArg);
const signal = new AbortController().signal;

const targets = builds.length === 0 ? ['dist', 'redis'] : builds;
/** A server: redis, or a redstate build's dist (dist:--flag,--flag gives node more flags). */
function specOf(t: string, extra: string[]): ServerSpec {
  if (t === 'redis') return { name: 'redis', command: ['redis-server'] };
  const [dist, more = ''] = t.split(':');
  const flags = more === '' ? [] : more.split(',');
  return { name: 'redstate', command: ['node', ...binFlags(dist!), ...flags, ...extra, `${dist}/cli.js`] };
}

// master>replica runs a replica of another server than its master.
const servers = targets.map((t): { label: string; spec: ServerSpec; replicaSpec: ServerSpec } => {
  const [master, replica = master] = t.split('>');
  return { label: t, spec: specOf(master!, []), replicaSpec: specOf(replica!, traceGc ? ['--trace-gc'] : []) };
});

/** CPU ms (all threads, and the main thread's), read syscalls, minor faults, ms spent runnable but waiting for a core (main thread). */
function probe(pid: number): { cpu: number; mainCpu: number; reads: number; faults: number; waitMs: number } {
  const main = schedStat(`/proc/${pid}/schedstat`);
  return { cpu: processCpuMs(pid), mainCpu: main.cpu, reads: ioCounts(pid).syscr, faults: minorFaults(pid), waitMs: main.waited };
}

/** Scavenge count and total pause (ms) in --trace-gc output. */
function scavenges(out: string): { n: number; ms: number } {
  let n = 0;
  let ms = 0;
  for (const m of out.matchAll(/Scavenge[^,]*, ([\d.]+) \/ [\d.]+ ms/g)) {
    n++;
    ms += Number(m[1]);
  }
  return { n, ms };
}

async function oneRound(entry: (typeof servers)[number]): Promise<number[]> {
  const round = new RoundServers(requests);
  const { ctx } = round;
  try {
    const master = await round.start(entry.spec, syncArgs(true));
    const replica = await round.start(entry.replicaSpec);
    const probeClient = await round.client(master.s);
    let gcOut = '';
    const log = logDir === undefined ? null : join(logDir, `${entry.label.replace(/[^\w.-]+/g, '_')}-${++logged}.log`);
    const phase = (name: string) => log && appendFileSync(log, `=== ${name}: minor faults ${minorFaults(replica.s.pid)}\n`);
    replica.s.onOutput = (d) => {
      gcOut += d;
      if (log) appendFileSync(log, d);
    };
    await replica.c.call('REPLICAOF', '127.0.0.1', master.s.port);
    await waitCaughtUp(master.c, [replica.c], signal);
    phase('synced');
    await benchmarkSet(ctx, master.s.port, pipeline);
    phase('warmed');
    if (flushAll) await master.c.call('FLUSHALL');
    const startOffset = await waitCaughtUp(master.c, [replica.c], signal);
    phase('measure');
    gcOut = '';
    const m0 = probe(master.s.pid);
    const r0 = probe(replica.s.pid);
    const sampler = sampleOffsets(probeClient, replica.c, everyMs, { at: now(), offset: startOffset });
    const rps = await benchmarkSet(ctx, master.s.port, pipeline);
    const { masters, replicas } = sampler.stop();
    const m1 = probe(master.s.pid);
    const r1 = probe(replica.s.pid);
    phase('measured');
    const endedAt = now();
    await waitCaughtUp(master.c, [replica.c], signal);
    const catchUp = now() - endedAt;
    const gc = scavenges(gcOut);
    const lags = lagsOf(masters, replicas);
    const per = (x: number) => (x * 1000) / requests;
    return [
      rps, per(m1.cpu - m0.cpu), per(r1.cpu - r0.cpu), per(r1.cpu - r0.cpu - (r1.mainCpu - r0.mainCpu)),
      (r1.reads - r0.reads) / requests, (r1.faults - r0.faults) / requests, per(r1.waitMs - r0.waitMs),
      percentile(lags.bytes, 50), percentile(lags.bytes, 99), percentile(lags.ms, 50), percentile(lags.ms, 99), catchUp,
      (gc.n * 1000) / requests, gc.n === 0 ? 0 : gc.ms / gc.n,
    ];
  } finally {
    await round.close();
  }
}

await runTool(['redis-benchmark', '--version']);
const { runs, loads } = await alternatingRounds(Number(roundsArg), servers.length, (i) => oneRound(servers[i]!));
const names = ['req/s', 'master µs/write', 'replica µs/write', "replica's other threads µs/write", 'replica reads/write',
  'replica minor faults/write', 'replica µs waiting for a core/write',
  'lag p50 bytes', 'lag p99 bytes', 'lag p50 ms', 'lag p99 ms', 'catch-up ms', 'replica scavenges/1000 writes', 'scavenge ms'];
console.log(`SET -c 50 -n ${requests} -P ${pipeline}, one replica, offsets every ${everyMs} ms, ${roundsArg} rounds, load average ${loadRange(loads)}; medians (min-max):`);
servers.forEach(({ label }, i) => {
  console.log(label);
  names.forEach((name, k) => {
    const xs = runs[i]!.map((r) => r[k]!);
    const f = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(3));
    console.log(`  ${name.padEnd(38)} ${f(percentile(xs, 50))} (${f(Math.min(...xs))}-${f(Math.max(...xs))})`);
  });
});
cleanUpEverything();
