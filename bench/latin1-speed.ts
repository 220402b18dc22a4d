// Making argument strings from socket bytes: node's native latin1Slice against latin1.ts,
// for a 3-byte value and a 16-byte key (redis-benchmark's sizes), and the RESP parser over
// a chunk of 16 pipelined MSETs of 10 such pairs. Prints ns per string / per command.
//   node --import ./bench/register.js bench/latin1-speed.ts [rounds=3]
import { type Latin1Buffer, latin1Slice } from '../src/io/latin1.js';
import { RespParser } from '../src/io/resp-parser.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const N = 3_000_000;
const bytes = Buffer.from('key:000000012345xxx'.repeat(4096), 'latin1');

function nsPer(n: number, f: () => number): number {
  const t = process.hrtime.bigint();
  if (f() < 0) throw new Error('unreachable');
  return Number(process.hrtime.bigint() - t) / n;
}

function strings(len: number, make: (b: Buffer, s: number, e: number) => string): number {
  return nsPer(N, () => {
    let total = 0;
    for (let i = 0; i < N; i++) {
      const s = (i * 19) % (bytes.length - 32);
      total += make(bytes, s, s + len).length;
    }
    return total;
  });
}

const native = (b: Buffer, s: number, e: number): string => (b as Latin1Buffer).latin1Slice(s, e);
const pairs = Array.from({ length: 10 }, (_, i) => `$16\r\nkey:0000000${String(i).padStart(5, '0')}\r\n$3\r\nxxx\r\n`).join('');
const chunk = Buffer.from(`*21\r\n$4\r\nMSET\r\n${pairs}`.repeat(16), 'latin1');

for (let r = 0; r < ROUNDS; r++) {
  const parser = new RespParser();
  let commands = 0;
  const parse = nsPer(16 * 20_000, () => {
    for (let i = 0; i < 20_000; i++) parser.feed(chunk, () => ++commands > 0);
    return commands;
  });
  console.log(
    `round ${r + 1}: 3 bytes ${strings(3, native).toFixed(1)} ns native / ${strings(3, latin1Slice).toFixed(1)} ns here;`,
    `16 bytes ${strings(16, native).toFixed(1)} / ${strings(16, latin1Slice).toFixed(1)};`,
    `parse MSET of 10 pairs ${parse.toFixed(0)} ns`,
  );
}
