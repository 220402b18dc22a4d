// Commands that edit a long string (SETBIT, SETRANGE, BITFIELD SET; APPEND, each followed by
// a GETRANGE of its tail) against GETBIT, which only reads it: µs a step, one client,
// unpipelined, at random offsets in a value of each size (grown to it by one SETBIT first),
// on a fresh server a round; rounds alternate the servers. Before redstate edited such
// strings in place, each write copied the whole value (APPEND made a rope that the next read
// flattened).
// A cli.js runs as the bin does, with its #! line's node options.
//   node --import ./bench/register.js bench/string-edits.ts [rounds] [steps] [redis | path/to/cli.js ...]
import { RespClient } from './resp.js';
import { cleanUpEverything, makeTempDir, serverSpecs, startServer, type ServerSpec } from './servers.js';
import { alternatingRounds, loadRange, now, printMedians } from './stats.js';

const [roundsArg = '3', stepsArg = '2000', ...args] = process.argv.slice(2);
const names = args.length > 0 ? args : ['dist/cli.js', 'redis'];
const specs: ServerSpec[] = names.map((n) => (n === 'redis' ? serverSpecs().redis : { name: 'redstate', command: [n] }));
const steps = Number(stepsArg);
const SIZES = [1 << 10, 1 << 20, 10 << 20];
/** The commands of one step of each kind. */
const STEPS: Record<string, (bytes: number, i: number) => Array<Array<string | number>>> = {
  SETBIT: (bytes, i) => [['SETBIT', 'v', randomBelow(bytes * 8), i & 1]],
  SETRANGE: (bytes) => [['SETRANGE', 'v', randomBelow(bytes - 8), 'abcdefgh']],
  'BITFIELD SET': (bytes, i) => [['BITFIELD', 'v', 'SET', 'u8', randomBelow(bytes * 8 - 8), i & 255]],
  'APPEND, GETRANGE': () => [['APPEND', 'v', 'abcdefgh'], ['GETRANGE', 'v', -8, -1]],
  GETBIT: (bytes) => [['GETBIT', 'v', randomBelow(bytes * 8)]],
};

function randomBelow(n: number): number {
  return Math.floor(Math.random() * n);
}

/** One round: µs a step, by "step size" label. */
async function round(spec: ServerSpec): Promise<Map<string, number>> {
  const server = await startServer(spec, { dir: makeTempDir() });
  const c = await RespClient.connect(server.port);
  const out = new Map<string, number>();
  try {
    for (const bytes of SIZES) {
      await c.call('DEL', 'v');
      await c.call('SETBIT', 'v', bytes * 8 - 1, 1);
      for (const [name, make] of Object.entries(STEPS)) {
        const start = now();
        for (let i = 0; i < steps; i++) for (const cmd of make(bytes, i)) await c.call(...cmd.map(String));
        out.set(`${name} ${bytes >> 10} kB`, ((now() - start) * 1000) / steps);
      }
    }
    return out;
  } finally {
    c.close();
    await server.stop();
  }
}

const { runs, loads } = await alternatingRounds(Number(roundsArg), specs.length, (i) => round(specs[i]!));
console.log(`${roundsArg} rounds of ${steps} steps, load average ${loadRange(loads)}; median µs a step:`);
printMedians(names, runs);
cleanUpEverything();
