// The server's CPU per request of redis-benchmark's tests without the sockets, steady where
// compare-builds.sh's figures drown in a shared machine's load: a redstate in a child process
// gets the requests redis-benchmark would send (-c 50 -r 100000, 3-byte values), one chunk of
// `pipeline` commands per client and 50 clients per event-loop turn, through each client's
// parser, dispatch and reply writer (the replies are encoded and taken, then dropped instead of
// written; an lrange test, as redis-benchmark does, first fills the list with as many LPUSHes,
// unmeasured; xadd, not one of redis-benchmark's, is the streams measure's XADD of three
// fields at explicit increasing IDs, into one stream). Each checkout (whose src/ to run, with
// the node options of its cli.ts #! line) has one child, warmed up as the bench's server is
// (every test, 20000 requests, unpipelined); round by round, the children in alternating
// order, each runs `requests` of each test: CPU µs per request (process.cpuUsage, user +
// system, every thread). Prints each checkout's median and the median of its per-round
// ratios to the first checkout's.
//   node --import ./bench/register.js bench/command-cpu.ts [tests] [requests] [pipeline] [rounds] [checkout ...]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { loadCheckout } from './checkout.js';
import { alternatingRounds, loadRange, spread } from './stats.js';

const ALL_TESTS = 'set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100,mset,xadd';
const CLIENTS = 50;
const KEYSPACE = 100000;

/** redis-benchmark's __rand_int__: a number below the keyspace, 12 digits. */
const rand = (): string => String(Math.floor(Math.random() * KEYSPACE)).padStart(12, '0');

/** The last entry xadd added (IDs increase over the child's whole life). */
let entry = 0;

/** One request of a test as redis-benchmark sends it. */
function request(test: string): string[] {
  switch (test) {
    case 'set': return ['SET', `key:${rand()}`, 'xxx'];
    case 'get': return ['GET', `key:${rand()}`];
    case 'incr': return ['INCR', `counter:${rand()}`];
    case 'lpush': return ['LPUSH', 'mylist', 'xxx'];
    case 'rpop': return ['RPOP', 'mylist'];
    case 'sadd': return ['SADD', 'myset', `element:${rand()}`];
    case 'hset': return ['HSET', 'myhash', `element:${rand()}`, 'xxx'];
    case 'zadd': return ['ZADD', 'myzset', rand(), `element:${rand()}`];
    case 'lrange_100': return ['LRANGE', 'mylist', '0', '99'];
    case 'mset': return ['MSET', ...Array.from({ length: 10 }, () => [`key:${rand()}`, 'xxx']).flat()];
    case 'xadd': {
      const i = ++entry;
      return ['XADD', 'mystream', `${1_600_000_000_000 + Math.floor(i / 10)}-${i % 10}`, 'sensor', `${i % 100}`, 'temp', `${20 + (i % 17)}`, 'ok', '1'];
    }
    default: throw new Error(`unknown test ${test} (one of ${ALL_TESTS})`);
  }
}

const resp = (argv: string[]): string => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;

/** n requests of test as one buffer, and where each chunk of `pipeline` of them starts (and the last ends). */
function requests(test: string, n: number, pipeline: number): { bytes: Buffer; starts: number[] } {
  const bytes = Buffer.allocUnsafe(n * resp(request(test)).length * 2);
  const starts = [0];
  let at = 0;
  for (let i = 0; i < n; i++) {
    at += bytes.write(resp(request(test)), at, 'latin1');
    if ((i + 1) % pipeline === 0 || i + 1 === n) starts.push(at);
  }
  return { bytes: bytes.subarray(0, at), starts };
}

/**
 * In a child: the checkout's server, warmed up as the bench's is; then for each test named on
 * a line of stdin, its µs per request on a line of stdout.
 */
async function child(root: string, n: number, pipeline: number): Promise<void> {
  const { Client, startServer } = await loadCheckout(root);
  const dir = mkdtempSync(join(tmpdir(), 'redstate-cmdcpu-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const server = await startServer(dir);
  const clients = Array.from({ length: CLIENTS }, () => {
    const c = new Client(server, null);
    c.reply.mute(false); // a socketless client's replies are dropped unwritten: these are written and taken
    return c;
  });
  const turn = () => new Promise<void>((r) => setImmediate(r));
  const run = async (test: string, count: number, depth: number): Promise<number> => {
    // redis-benchmark fills the list first ("LPUSH (needed to benchmark LRANGE)"), unmeasured.
    if (test.startsWith('lrange')) await run('lpush', count, depth);
    const { bytes, starts } = requests(test, count, depth);
    const chunks = starts.length - 1;
    gc!(); // the making of the requests' garbage is not this test's
    const start = process.cpuUsage();
    for (let k = 0; k < chunks; await turn()) {
      for (let i = 0; i < CLIENTS && k < chunks; i++, k++) clients[i]!.onChunk(bytes.subarray(starts[k], starts[k + 1]));
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / count;
  };
  for (const test of ALL_TESTS.split(',')) await run(test, 20000, 1);
  console.log('ready');
  for await (const test of createInterface({ input: process.stdin })) console.log(await run(test, n, pipeline));
  await server.close();
  process.exit(0);
}

/** The node options a checkout's bin runs with (its cli.ts #! line). */
function binFlags(root: string): string[] {
  const first = readFileSync(join(root, 'src/cli.ts'), 'utf8').split('\n', 1)[0]!;
  return first.replace(/^#!\/usr\/bin\/env -S node/, '').split(' ').filter((w) => w.startsWith('--'));
}

/** A child process of one checkout, asked for one figure at a time. */
async function startChild(root: string, requests: string, pipeline: string): Promise<(test: string) => Promise<number>> {
  const self = new URL(import.meta.url).pathname;
  const register = new URL('./register.js', import.meta.url).pathname;
  const proc = spawn(process.execPath, [...binFlags(root), '--expose-gc', '--import', register, self, '--child', root, requests, pipeline],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  // No kill on exit: the child ends at its stdin's end, once its run is over, and removes its dir.
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done === true) throw new Error(`the child for ${root} ended`);
    return line.value;
  };
  await next(); // ready
  return async (test) => {
    proc.stdin!.write(`${test}\n`);
    return Number(await next());
  };
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(args[1]!, Number(args[2]), Number(args[3]));
} else {
  const [testsArg = 'set,incr', requestsArg = '200000', pipelineArg = '16', roundsArg = '10', ...rootArgs] = args;
  const roots = (rootArgs.length > 0 ? rootArgs : ['.']).map((r) => resolve(r));
  const tests = testsArg.split(',');
  for (const t of tests) request(t);
  const children = await Promise.all(roots.map((r) => startChild(r, requestsArg, pipelineArg)));
  const { runs, loads } = await alternatingRounds(Number(roundsArg), roots.length, async (i) => {
    const out: Record<string, number> = {};
    for (const test of tests) out[test] = await children[i]!(test);
    return out;
  });
  console.log(`${requestsArg} requests a test, pipeline ${pipelineArg}, ${CLIENTS} clients, ${roundsArg} rounds, ` +
    `load average ${loadRange(loads)}; CPU µs per request, median (min-max)${roots.length > 1 ? ', the median of its ratios to the first' : ''}:`);
  for (const test of tests) {
    console.log(test.padEnd(11) + roots.map((root, i) => {
      const s = spread(runs[i]!.map((r) => r[test]!));
      const ratio = i > 0 ? ` ${spread(runs[i]!.map((r, k) => r[test]! / runs[0]![k]![test]!)).median.toFixed(3)}x` : '';
      return `  ${root}: ${s.median.toFixed(3)} (${s.min.toFixed(3)}-${s.max.toFixed(3)})${ratio}`;
    }).join(''));
  }
  process.exit(0);
}
