// What stream commands send to replicas, against what redis-server 7.0 sends for the same
// commands: XADD with the ID it chose and `~` trims made exact, XREADGROUP / XCLAIM /
// XAUTOCLAIM as idempotent XCLAIMs and XGROUP SETID / CREATECONSUMER. redis-server's
// stream is read by a raw replica connection (SYNC); redstate's from its backlog. Delivery
// times and clock-made IDs are each server's own, so they are compared masked.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespParser } from '../../src/io/resp-parser.js';
import { backlogCommandsSince } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

/** A replica's view of redis-server: SYNC, skip the RDB payload, then collect the commands. */
class RawReplica {
  readonly commands: string[][] = [];
  private buf = Buffer.alloc(0);
  private payloadLeft = -1;
  private readonly parser = new RespParser();
  private readonly socket: Socket;
  synced: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    let done: () => void;
    this.synced = new Promise((r) => (done = r));
    this.socket.on('data', (chunk: Buffer) => {
      if (this.payloadLeft !== 0) {
        this.buf = Buffer.concat([this.buf, chunk]);
        if (this.payloadLeft < 0) {
          while (this.buf[0] === 10) this.buf = this.buf.subarray(1);
          const eol = this.buf.indexOf('\r\n');
          if (eol < 0) return;
          this.payloadLeft = Number(this.buf.toString('latin1', 1, eol));
          this.buf = this.buf.subarray(eol + 2);
        }
        const take = Math.min(this.payloadLeft, this.buf.length);
        this.payloadLeft -= take;
        this.buf = this.buf.subarray(take);
        if (this.payloadLeft > 0) return;
        done();
        chunk = this.buf;
      }
      this.parser.feed(chunk, (argv) => {
        if (argv[0] !== 'PING' && argv[0] !== 'SELECT') this.commands.push(argv);
        return true;
      });
    });
    this.socket.write('SYNC\r\n');
  }

  close(): void {
    this.socket.destroy();
  }
}

let redis: Proc;
let mine: InProcess;
let r: RespClient;
let s: RespClient;
let replica: RawReplica;

beforeAll(async () => {
  [redis, mine] = await Promise.all([startRedis(), startRedstate()]);
  mine.server.replication.createBacklogIfNeeded();
  [r, s] = await Promise.all([RespClient.connect(redis.port), RespClient.connect(mine.port)]);
  replica = new RawReplica(redis.port);
  await replica.synced;
});
afterAll(async () => {
  replica.close();
  r.close();
  s.close();
  await Promise.all([redis.close(), mine.close()]);
});

/** redstate's propagated commands from backlog offset `from`. */
function mineSince(from: number): string[][] {
  return backlogCommandsSince(mine.server, from).filter((argv) => argv[0] !== 'SELECT');
}

/** Delivery times after TIME, and the IDs of `*` XADDs, masked. */
function masked(cmds: string[][]): string[][] {
  return cmds.map((argv) => argv.map((a, i) => (argv[i - 1] === 'TIME' || /^\d{13}-\d+$/.test(a) ? 'X' : a)));
}

/** Runs the commands on both, then compares what each propagated (waiting for redis's to arrive). */
async function samePropagation(cmds: string[]): Promise<void> {
  const from = mine.server.replication.masterReplOffset + 1;
  const start = replica.commands.length;
  for (const cmd of cmds) {
    const argv = cmd.split(' ');
    await Promise.all([r.call(...argv), s.call(...argv)]);
  }
  const ours = masked(mineSince(from));
  const deadline = Date.now() + 10_000;
  while (replica.commands.length - start < ours.length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  await new Promise((res) => setTimeout(res, 50));
  expect(ours).toEqual(masked(replica.commands.slice(start)));
}

describe('stream propagation, as redis-server 7.0 propagates', () => {
  it('XADD sends the ID it chose and exact trims', async () => {
    const adds = Array.from({ length: 300 }, (_, i) => `XADD s ${i + 1}-1 f ${i}`);
    await samePropagation([
      ...adds, 'XADD s 301-* f x', 'XADD s MAXLEN ~ 150 302-1 f x', 'XADD s MINID ~ 200 303-1 f y', 'XADD t * a b',
      'XADD s NOMKSTREAM MAXLEN ~ 100 LIMIT 20 304-1 f z', 'XTRIM s MAXLEN ~ 50', 'XTRIM s MINID ~ 280', 'XTRIM s MAXLEN 5',
      'XADD nope NOMKSTREAM * a b', 'XDEL s 300-1 9-9', 'XSETID s 400-0',
    ]);
  });

  it('consumer-group reads and claims send XCLAIM and XGROUP commands', async () => {
    const adds = Array.from({ length: 10 }, (_, i) => `XADD g ${i + 1}-0 f ${i}`);
    await samePropagation([
      ...adds, 'XGROUP CREATE g grp 0', 'XREADGROUP GROUP grp alice COUNT 3 STREAMS g >', 'XREADGROUP GROUP grp bob NOACK COUNT 2 STREAMS g >',
      'XREADGROUP GROUP grp alice STREAMS g 0', 'XACK g grp 1-0', 'XCLAIM g grp carol 0 2-0 3-0', 'XCLAIM g grp carol 0 2-0 JUSTID LASTID 9-0',
      'XCLAIM g grp carol 0 1-0 LASTID 9-5', 'XDEL g 2-0', 'XAUTOCLAIM g grp dave 0 0', 'XGROUP CREATECONSUMER g grp erin',
      'XGROUP DELCONSUMER g grp dave', 'XGROUP SETID g grp 0', 'XGROUP DESTROY g grp',
    ]);
  });
});
