// Where the psync measure's time goes ("from PSYNC to equal offsets"): its setting (a replica
// of the same server behind link-proxy.ts, repl-backlog-size 64mb, CLIENT KILL TYPE master,
// then 10 pipelined batches of 1000 SETs of 100-byte values) with each batch's time on the
// master (before the cut, on the live link, and after it) and the resync's time line from
// the replica's PSYNC: +CONTINUE, the master's last byte through the proxy, the replica's
// offset first moving (polled every ms) and equal. Rounds alternate the servers;
// REDSTATE_CMD names another build, as for the bench.
// --tasks preloads task-trace.mjs into a redstate replica and prints its callbacks from the
// cut until the offsets are equal.
//   node --import ./bench/register.js bench/psync-probe.ts [rounds] [--tasks] [redstate|redis ...]
import { join } from 'node:path';
import { LinkProxy } from './link-proxy.js';
import { writeBatches } from './measures/partial-resync.js';
import { offsetOf, waitCaughtUp } from './measures/replicas.js';
import { cleanUpEverything, makeTempDir, projectRoot, removeTempDir, serverSpecs, startServer, type RunningServer, type ServerName } from './servers.js';
import { now } from './stats.js';

const WRITES = 10_000;

const args = process.argv.slice(2);
const tasks = args.includes('--tasks');
const [roundsArg = '3', ...names] = args.filter((a) => !a.startsWith('--'));
const kinds = (names.length > 0 ? names : ['redstate', 'redis']) as ServerName[];
const signal = new AbortController().signal;
const value = 'v'.repeat(100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One resync; prints its batches and time line. */
async function round(kind: ServerName): Promise<void> {
  const spec = serverSpecs()[kind];
  const replicaSpec = tasks && kind === 'redstate'
    ? { ...spec, command: ['node', '--import', join(projectRoot, 'bench/task-trace.mjs'), ...spec.command] }
    : spec;
  const dirs = [makeTempDir(), makeTempDir()];
  const servers: RunningServer[] = [];
  try {
    const master = await startServer(spec, { dir: dirs[0]!, args: ['--repl-diskless-sync-delay', '0', '--repl-backlog-size', '64mb'] });
    servers.push(master);
    const proxy = await LinkProxy.start(master.port);
    const replica = await startServer(replicaSpec, { dir: dirs[1]!, args: ['--repl-backlog-size', '64mb'] });
    servers.push(replica);
    let traced = '';
    replica.onOutput = (text) => {
      if (text.includes('tasktrace')) traced += text;
    };
    const mc = await master.client();
    const rc = await replica.client();
    await rc.call('REPLICAOF', '127.0.0.1', String(proxy.port));
    const write = async (): Promise<string> => {
      const times: string[] = [];
      await writeBatches(mc, WRITES, value, (ms) => times.push(ms.toFixed(1)));
      return times.join(' ');
    };
    await write();
    await waitCaughtUp(mc, [rc], signal);
    const live = await write();
    await waitCaughtUp(mc, [rc], signal);
    if (tasks && kind === 'redstate') process.kill(replica.pid, 'SIGUSR2');
    await rc.call('CLIENT', 'KILL', 'TYPE', 'master');
    const cutAt = await offsetOf(rc);
    const writesFrom = now();
    const cut = await write();
    const writesTo = now();
    const final = await offsetOf(mc);
    let moved = NaN;
    let polls = 0;
    for (;;) {
      const offset = await offsetOf(rc);
      polls++;
      if (Number.isNaN(moved) && offset > cutAt) moved = now();
      if (offset === final) break;
      await sleep(1);
    }
    const equal = now();
    const link = proxy.links[1];
    if (link === undefined || !link.continued) throw new Error(`${kind}: no partial resync`);
    const t = (at: number) => (at - link.psyncAt).toFixed(1);
    console.log(`${kind}: batch times (ms) on the live link ${live}; after the cut ${cut}`);
    console.log(`  ms from PSYNC: writes ${t(writesFrom)} to ${t(writesTo)}, +CONTINUE ${t(link.continueAt)}, the master's last byte ${t(link.lastDataAt)}, ` +
      `the replica's offset moved ${t(moved)} and equal ${t(equal)} (${polls} polls)`);
    if (tasks && kind === 'redstate') {
      process.kill(replica.pid, 'SIGUSR2');
      for (let i = 0; i < 100 && traced === ''; i++) await sleep(10);
      console.log(`  replica ${traced.trim()}`);
    }
    mc.close();
    rc.close();
    proxy.close();
  } finally {
    for (const s of servers.reverse()) await s.stop();
    for (const d of dirs) removeTempDir(d);
  }
}

for (let r = 0; r < Number(roundsArg); r++) {
  for (const kind of r % 2 === 0 ? kinds : [...kinds].reverse()) await round(kind);
}
cleanUpEverything();
