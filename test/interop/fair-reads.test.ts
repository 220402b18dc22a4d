// A client writing a mass insertion shares the server with the others: the server reads each
// client once per event-loop turn, 16 kB at a time (both), where libuv alone
// would read the same socket up to 32 times in a row. Both servers are stopped (SIGSTOP) while
// one client's pipeline of INCRs and another client's GET reach their sockets, then go on
// together: the GET's answer is how many INCRs ran before it was served.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand, RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';

const INCRS = 100_000;
const INCR = encodeCommand(['INCR', 'n']);
/** The most INCRs one read (16 kB) holds. */
const ONE_READ = Math.ceil((16 * 1024) / INCR.length);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let running: Proc | null = null;
afterEach(async () => {
  if (running !== null) process.kill(running.proc.pid!, 'SIGCONT');
  await running?.close();
  running = null;
});

describe('one read a client a turn', () => {
  for (const [name, start] of [['redis-server', startRedis], ['redstate', startRedstateProcess]] as const) {
    it(`${name}: another client is served after at most one read of a mass insertion`, async () => {
      const p = (running = await start());
      const mass = connect(p.port, '127.0.0.1');
      await new Promise<void>((r) => mass.once('connect', () => r()));
      let replies = 0;
      mass.on('data', (b: Buffer) => {
        for (const x of b) if (x === 10) replies++;
      });
      const other = await RespClient.connect(p.port);
      expect(await other.call('SET', 'n', '0')).toBe('OK');

      process.kill(p.proc.pid!, 'SIGSTOP');
      mass.write(Buffer.concat(Array.from({ length: INCRS }, () => INCR)));
      // The kernel takes what its buffers hold of the pipeline (far more than one read) meanwhile.
      await sleep(300);
      const get = other.call('GET', 'n');
      await sleep(100);
      process.kill(p.proc.pid!, 'SIGCONT');

      const before = Number(await get);
      expect(before).toBeLessThanOrEqual(ONE_READ);
      while (replies < INCRS) await sleep(20);
      expect(await other.call('GET', 'n')).toBe(String(INCRS));
      mass.destroy();
      other.close();
    });
  }
});
