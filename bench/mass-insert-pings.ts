// What a mass insertion (redis-cli --pipe's way: one client writing a million SETs at once)
// does to another client: a PING every ms from a worker meanwhile, its p50, p99 and max reply
// latency, and the insertion's own time, on a fresh server of each build given (or
// redis-server), rounds alternating them. --warm inserts once unmeasured first, so that the
// measured run overwrites keys (the values survive; the keys do not) rather than growing the
// dataset.
//   node --import ./bench/register.js bench/mass-insert-pings.ts [rounds] [--warm] [dist|redis ...]
import { connect } from 'node:net';
import { startPinger } from './measures/snapshot-stalls.js';
import { buildSpec, cleanUpEverything, makeTempDir, removeTempDir, startServer } from './servers.js';
import { alternatingRounds, loadRange, percentile } from './stats.js';

const SETS = 1_000_000;
const args = process.argv.slice(2);
const warm = args.includes('--warm');
const [roundsArg = '3', ...targetArgs] = args.filter((a) => !a.startsWith('--'));
const targets = targetArgs.length > 0 ? targetArgs : ['dist', 'redis'];

const payload = Buffer.from(Array.from({ length: SETS }, (_, i) => {
  const key = `key:${i}`;
  return `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$10\r\nvvvvvvvvvv\r\n`;
}).join(''));

/** Writes the whole insertion on a new connection; resolves once every reply came. */
function insert(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(payload));
    let replies = 0;
    s.on('data', (b: Buffer) => {
      for (const x of b) if (x === 10) replies++;
      if (replies === SETS) {
        s.destroy();
        resolve();
      }
    });
    s.on('error', reject);
    s.on('close', () => replies < SETS && reject(new Error(`connection closed after ${replies} of ${SETS} replies`)));
  });
}

const { runs, loads } = await alternatingRounds(Number(roundsArg), targets.length, async (i) => {
  const dir = makeTempDir();
  const server = await startServer(buildSpec(targets[i]!), { dir });
  try {
    if (warm) await insert(server.port);
    const pinger = await startPinger(server.port, 1);
    const start = performance.now();
    await insert(server.port);
    const took = performance.now() - start;
    const { latencies } = await pinger.stop();
    return [took, percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 100)];
  } finally {
    await server.stop();
    removeTempDir(dir);
  }
});
console.log(`${SETS} SETs in one write${warm ? ', over existing keys' : ''}, ${roundsArg} rounds, load average ${loadRange(loads)}; medians, ms:`);
targets.forEach((t, i) => {
  const med = (k: number) => percentile(runs[i]!.map((r) => r[k]!), 50).toFixed(k === 0 ? 0 : 2);
  console.log(`${t}: insertion ${med(0)}; pings meanwhile p50 ${med(1)} p99 ${med(2)} max ${med(3)}`);
});
cleanUpEverything();
