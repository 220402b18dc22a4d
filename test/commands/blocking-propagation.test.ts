// What blocking commands propagate, answered at once or served later (LPOP, LMOVE, ZPOPMIN...):
// redis-server 7.0's stream read as a replica reads it (PSYNC), redstate's from its backlog;
// the same scenario on both must feed the same commands.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespParser } from '../../src/io/resp-parser.js';
import { backlogCommandsSince } from '../helpers/replication.js';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide({ config: { 'repl-diskless-sync': 'no' } });

/** redis-server's replication stream, from a PSYNC made as a replica without capabilities. */
class ReplicaStream {
  readonly commands: string[][] = [];
  private pending = Buffer.alloc(0);
  synced = false;
  private readonly parser = new RespParser();

  constructor(readonly socket: Socket) {
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.write('PSYNC ? -1\r\n');
  }

  private onData(b: Buffer): void {
    if (this.synced) return this.parser.feed(b, (argv) => this.commands.push(argv) > 0);
    this.pending = Buffer.concat([this.pending, b]);
    // +FULLRESYNC <id> <offset>, newline keep-alives, then $<len> and the RDB bytes.
    const m = /^\n*\+FULLRESYNC [^\r]*\r\n\n*\$(\d+)\r\n/.exec(this.pending.toString('latin1'));
    if (m === null) return;
    const end = m[0].length + Number(m[1]);
    if (this.pending.length < end) return;
    this.synced = true;
    const rest = this.pending.subarray(end);
    if (rest.length > 0) this.parser.feed(rest, (argv) => this.commands.push(argv) > 0);
  }
}

let stream: ReplicaStream;
beforeAll(async () => {
  pair.redstate.server.replication.createBacklogIfNeeded();
  const socket = connect({ port: pair.redis.port, host: '127.0.0.1' });
  stream = new ReplicaStream(socket);
  // A FLUSHALL during the sync's BGSAVE would abort it: the tests start once it is over.
  while (!stream.synced) await new Promise((r) => setTimeout(r, 10));
});
afterAll(() => stream?.socket.destroy());

/** Commands fed since `from` by redstate (its backlog). */
function redstateSince(from: number): string[][] {
  return backlogCommandsSince(pair.redstate.server, from);
}

/** Waits for the marker command on redis's stream; returns what came before it since `from`. */
async function redisUntil(marker: string, from: number): Promise<string[][]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const i = stream.commands.findIndex((c, j) => j >= from && c[1] === marker);
    if (i >= 0) return stream.commands.slice(from, i + 1);
    if (Date.now() > deadline) throw new Error(`marker ${marker} never came: ${JSON.stringify(stream.commands.slice(from))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The data commands of a stream. FLUSHALL (each scenario's first step) is left out: Redis
 * propagates it even on an empty dataset, redstate only when it deleted something.
 */
const writes = (cmds: string[][]): string[][] =>
  cmds.filter((c) => !['PING', 'SELECT', 'REPLCONF', 'FLUSHALL'].includes(c[0]!.toUpperCase()));

/** Waits until n clients are blocked on the server c talks to. */
async function blocked(c: RespClient, n: number): Promise<void> {
  while (!new RegExp(`blocked_clients:${n}\\r`).test(String(await c.call('INFO', 'clients')))) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** XCLAIM's delivery time (after TIME) is each server's own clock: masked. */
const masked = (cmds: string[][]): string[][] => cmds.map((argv) => argv.map((a, i) => (argv[i - 1] === 'TIME' ? 'T' : a)));

let markers = 0;
/** Runs the scenario on both servers and compares what each propagated. */
async function sameStream(scenario: (port: number) => Promise<void>): Promise<string[][]> {
  const marker = `marker${markers++}`;
  const redisFrom = stream.commands.length;
  const redstateFrom = pair.redstate.server.replication.masterReplOffset + 1;
  await Promise.all([scenario(pair.redis.port), scenario(pair.redstate.port)]);
  await Promise.all([pair.r.call('SET', marker, '1'), pair.s.call('SET', marker, '1')]);
  const want = masked(writes(await redisUntil(marker, redisFrom)));
  const got = masked(writes(redstateSince(redstateFrom)));
  expect(got).toEqual(want);
  return got;
}

/** A scenario step list run by one client, with blocking commands on their own clients. */
async function run(port: number, steps: Array<string[] | { wait: string[] }>): Promise<Reply[]> {
  const main = await RespClient.connect(port);
  const others: RespClient[] = [];
  const pending: Array<Promise<Reply>> = [];
  await main.call('FLUSHALL');
  try {
    let waiting = 0;
    for (const s of steps) {
      if (Array.isArray(s)) {
        await main.call(...s);
        continue;
      }
      const w = await RespClient.connect(port);
      others.push(w);
      pending.push(w.call(...s.wait));
      await blocked(main, ++waiting);
    }
    return await Promise.all(pending);
  } finally {
    main.close();
    for (const o of others) o.close();
  }
}

describe('propagation of blocking commands', () => {
  it('answered at once: the pop or move they did', async () => {
    const got = await sameStream(async (port) => {
      await run(port, [['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'], ['BLPOP', 'nokey', 'l', '0'], ['BRPOP', 'l', '1'],
        ['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '2'], ['LMPOP', '2', 'x', 'l', 'RIGHT'], ['BRPOPLPUSH', 'l', 'd', '0'],
        ['RPUSH', 'l', 'g'], ['BLMOVE', 'l', 'd', 'LEFT', 'RIGHT', '0'], ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
        ['BZPOPMIN', 'z', '0'], ['BZPOPMAX', 'z', '0'], ['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '5'],
        ['BLPOP', 'nokey', '0.01'], ['ZMPOP', '1', 'z', 'MAX'], ['RPUSH', 'm', '1', '2'],
        ['BLMPOP', '0', '1', 'm', 'LEFT', 'COUNT', '10'], ['RPUSH', 'm', '1', '2'], ['blmove', 'm', 'd', 'left', 'Right', '0']]);
    });
    expect(got.length).toBeGreaterThan(10);
  });

  it('served later: the command that made the key ready, then each waiter\'s pop or move', async () => {
    const got = await sameStream(async (port) => {
      await run(port, [{ wait: ['BLPOP', 'k', '0'] }, { wait: ['BLMPOP', '0', '1', 'k', 'RIGHT', 'COUNT', '2'] },
        { wait: ['BLMOVE', 'k', 'k2', 'RIGHT', 'LEFT', '0'] }, { wait: ['BRPOPLPUSH', 'k2', 'k3', '0'] },
        { wait: ['BZPOPMAX', 'z', '0'] }, { wait: ['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '3'] },
        { wait: ['BLMPOP', '0', '1', 'm', 'LEFT', 'COUNT', '10'] },
        ['RPUSH', 'k', 'a', 'b', 'c', 'd', 'e'], ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['RPUSH', 'm', '1', '2']]);
    });
    expect(got.map((c) => c[0]!.toUpperCase())).toContain('LMOVE');
  });

  it('XREADGROUP served later: the XADD, then its XCLAIMs (in MULTI/EXEC when several) or XGROUP SETID', async () => {
    const got = await sameStream(async (port) => {
      await run(port, [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATE', 's', 'h', '$'],
        { wait: ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'] },
        { wait: ['XREADGROUP', 'GROUP', 'h', 'bob', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>'] },
        { wait: ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'] },
        ['MULTI'], ['XADD', 's', '1-1', 'a', '1'], ['XADD', 's', '1-2', 'b', '2'], ['EXEC']]);
    });
    expect(got.map((c) => c.slice(0, 2).join(' ').toUpperCase())).toContain('XGROUP SETID');
  });

  it('inside MULTI: the non-blocking form\'s effect, in the transaction', async () => {
    await sameStream(async (port) => {
      await run(port, [['MULTI'], ['RPUSH', 'q', '1', '2'], ['BLPOP', 'q', '0'], ['BLMOVE', 'q', 'r', 'LEFT', 'LEFT', '0'],
        ['BLPOP', 'q', '0'], ['EXEC']]);
    });
  });
});
