// Commands Redis runs in O(1) or O(log n) (or O(count)) on keys of many elements: µs a call,
// one client unpipelined, on a list, set, sorted set, hash and stream of `size` elements each,
// against the same on redis-server in the same run. A ratio far above the others' is work
// that grows with the key where Redis's does not (it found HRANDFIELD copying every pair).
// Rounds alternate the servers, each on a fresh server. A cli.js runs as the bin does.
//   node --import ./bench/register.js bench/big-keys.ts [size] [calls] [rounds] [redis | path/to/cli.js ...]
import { RespClient } from './resp.js';
import { cleanUpEverything, makeTempDir, serverSpecs, startServer, type ServerSpec } from './servers.js';
import { alternatingRounds, loadRange, now, printMedians } from './stats.js';

const [sizeArg = '200000', callsArg = '300', roundsArg = '3', ...args] = process.argv.slice(2);
const names = args.length > 0 ? args : ['dist/cli.js', 'redis'];
const specs: ServerSpec[] = names.map((n) => (n === 'redis' ? serverSpecs().redis : { name: 'redstate', command: [n] }));
const size = Number(sizeArg);
const calls = Number(callsArg);

type Cmd = Array<string | number>;

const any = (): number => Math.floor(Math.random() * size);
/** Each call's label (? for a random element or index) and its command. */
const CALLS: Record<string, () => Cmd> = {
  'LINDEX l ?': () => ['LINDEX', 'l', any()],
  'LSET l ? x': () => ['LSET', 'l', any(), 'x'],
  'LRANGE l -10 -1': () => ['LRANGE', 'l', -10, -1],
  'LPOP l': () => ['LPOP', 'l'],
  'RPUSH l x': () => ['RPUSH', 'l', 'x'],
  'SISMEMBER s m?': () => ['SISMEMBER', 's', `m${any()}`],
  'SRANDMEMBER s 5': () => ['SRANDMEMBER', 's', 5],
  'SRANDMEMBER s -5': () => ['SRANDMEMBER', 's', -5],
  'SPOP s 2': () => ['SPOP', 's', 2],
  'SADD s n?': () => ['SADD', 's', `n${any()}`],
  'SSCAN s 0 COUNT 10': () => ['SSCAN', 's', 0, 'COUNT', 10],
  'SINTERCARD 2 s small': () => ['SINTERCARD', 2, 's', 'small'],
  'ZRANK z m?': () => ['ZRANK', 'z', `m${any()}`],
  'ZRANGE z ? ?+9': () => {
    const from = any();
    return ['ZRANGE', 'z', from, from + 9];
  },
  'ZRANGEBYSCORE z ? +inf LIMIT 0 10': () => ['ZRANGEBYSCORE', 'z', any(), '+inf', 'LIMIT', 0, 10],
  'ZRANGEBYLEX z - + LIMIT 0 10': () => ['ZRANGEBYLEX', 'z', '-', '+', 'LIMIT', 0, 10],
  'ZINCRBY z 1 m?': () => ['ZINCRBY', 'z', 1, `m${any()}`],
  'ZRANDMEMBER z 5': () => ['ZRANDMEMBER', 'z', 5],
  'ZRANDMEMBER z -5': () => ['ZRANDMEMBER', 'z', -5],
  'ZPOPMIN z': () => ['ZPOPMIN', 'z'],
  'ZCOUNT z ? +inf': () => ['ZCOUNT', 'z', any(), '+inf'],
  'ZSCAN z 0 COUNT 10': () => ['ZSCAN', 'z', 0, 'COUNT', 10],
  'HGET h f?': () => ['HGET', 'h', `f${any()}`],
  'HSET h f? y': () => ['HSET', 'h', `f${any()}`, 'y'],
  'HRANDFIELD h 5': () => ['HRANDFIELD', 'h', 5],
  'HRANDFIELD h -5 WITHVALUES': () => ['HRANDFIELD', 'h', -5, 'WITHVALUES'],
  'HSCAN h 0 COUNT 10': () => ['HSCAN', 'h', 0, 'COUNT', 10],
  'HINCRBY h n 1': () => ['HINCRBY', 'h', 'n', 1],
  'XADD x * f v': () => ['XADD', 'x', '*', 'f', 'v'],
  'XREVRANGE x + - COUNT 10': () => ['XREVRANGE', 'x', '+', '-', 'COUNT', 10],
  'XLEN x': () => ['XLEN', 'x'],
  'XINFO STREAM x': () => ['XINFO', 'STREAM', 'x'],
  'MEMORY USAGE h': () => ['MEMORY', 'USAGE', 'h'],
  'OBJECT ENCODING z': () => ['OBJECT', 'ENCODING', 'z'],
  'EXPIRE h 1000': () => ['EXPIRE', 'h', 1000],
  'PERSIST h': () => ['PERSIST', 'h'],
  'SCAN 0': () => ['SCAN', 0],
};

/** Fills each key with `size` elements, a batch per write. */
async function fill(c: RespClient): Promise<void> {
  const makers: Array<(i: number) => Cmd> = [
    (i) => ['RPUSH', 'l', `v${i}`], (i) => ['SADD', 's', `m${i}`], (i) => ['ZADD', 'z', i, `m${i}`],
    (i) => ['HSET', 'h', `f${i}`, `v${i}`], (i) => ['XADD', 'x', '*', 'f', `v${i}`],
  ];
  for (const make of makers) {
    for (let i = 0; i < size; i += 1000) await c.pipeline(Array.from({ length: Math.min(1000, size - i) }, (_, j) => make(i + j)));
  }
  await c.call('SADD', 'small', 'm1', 'm2', 'x');
}

/** One round: µs a call of each command, by its name and first arguments. */
async function round(spec: ServerSpec): Promise<Map<string, number>> {
  const server = await startServer(spec, { dir: makeTempDir() });
  const c = await RespClient.connect(server.port);
  const out = new Map<string, number>();
  try {
    await fill(c);
    for (const [label, make] of Object.entries(CALLS)) {
      const start = now();
      for (let i = 0; i < calls; i++) await c.pipeline([make()]);
      out.set(label, ((now() - start) * 1000) / calls);
    }
    return out;
  } finally {
    c.close();
    await server.stop();
  }
}

const { runs, loads } = await alternatingRounds(Number(roundsArg), specs.length, (i) => round(specs[i]!));
console.log(`keys of ${size} elements, ${calls} calls, ${roundsArg} rounds, load average ${loadRange(loads)}; median µs a call:`);
printMedians(names, runs);
cleanUpEverything();
