// Client connections read into one buffer that all of them share (SocketStream): each read
// is overwritten by the next, whichever client it is for. These tests interleave many
// clients' input cut at random bytes (commands split anywhere, bulks gathered over many
// reads, input held while a client is blocked) and check that no client's bytes leak into
// another's: every value reads back as written, and the dataset's digest is the one
// redis-server 7.0 computes from the same input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand, RespClient, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

const CLIENTS = 12;
const COMMANDS = 40;

/** A seeded generator, so that a failure replays. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** Client i's commands: SETs and RPUSHes of values from 0 bytes to 200 kB, every byte value. */
function workload(i: number): Array<Array<string | Buffer>> {
  const rand = lcg(1000 + i);
  const sizes = [0, 1, 7, 100, 4096, 65_535, 65_536, 70_000, 200_000];
  return Array.from({ length: COMMANDS }, (_, j) => {
    const value = Buffer.alloc(sizes[rand(sizes.length)]!);
    for (let k = 0; k < value.length; k++) value[k] = (k * 31 + i * 7 + j) & 0xff;
    return rand(3) === 0 ? ['RPUSH', `list:${i}`, value] : ['SET', `key:${i}:${j}`, value];
  });
}

/** Writes bytes in pieces of random sizes, yielding to the event loop between them. */
async function writeCut(c: RespClient, bytes: Buffer, seed: number): Promise<void> {
  const rand = lcg(seed);
  for (let pos = 0; pos < bytes.length;) {
    const n = 1 + rand(rand(4) === 0 ? 100_000 : 300);
    c.write(bytes.subarray(pos, pos + n));
    pos += n;
    await new Promise((r) => setImmediate(r));
  }
}

/** Every client's workload at once, cut at random bytes; returns the replies of each. */
async function runAll(port: number): Promise<Reply[][]> {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => RespClient.connect(port)));
  try {
    return await Promise.all(clients.map(async (c, i) => {
      const commands = workload(i);
      const replies = Promise.all(commands.map(() => c.next()));
      await writeCut(c, Buffer.concat(commands.map(encodeCommand)), 77 + i);
      return replies;
    }));
  } finally {
    for (const c of clients) c.close();
  }
}

describe('client input through the shared read buffer', () => {
  let redstate: InProcess;
  let redis: Proc;
  beforeAll(async () => {
    [redstate, redis] = await Promise.all([startRedstate(), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([redstate?.close(), redis?.close()]);
  });

  it('reads every client connection into the shared buffer on this node', async () => {
    const c = await RespClient.connect(redstate.port);
    expect(await c.call('PING')).toBe('PONG');
    const streams = [...redstate.server.clients.values()].map((client) => client.stream?.transient);
    expect(streams).toEqual([true]);
    c.close();
  });

  it('keeps each client\'s bytes its own: values read back as written, digest equal to redis\'s', async () => {
    const [ours, theirs] = await Promise.all([runAll(redstate.port), runAll(redis.port)]);
    expect(ours).toEqual(theirs);
    const c = await RespClient.connect(redstate.port);
    const r = await RespClient.connect(redis.port);
    for (let i = 0; i < CLIENTS; i++) {
      for (const [j, cmd] of workload(i).entries()) {
        if (cmd[0] !== 'SET') continue;
        const got = (await c.call('GET', `key:${i}:${j}`)) as string;
        expect(Buffer.from(got, 'latin1').equals(cmd[2] as Buffer), `key:${i}:${j}`).toBe(true);
      }
    }
    expect(await c.call('DEBUG', 'DIGEST')).toBe(await r.call('DEBUG', 'DIGEST'));
    c.close();
    r.close();
  }, 60_000);

  it('holds a blocked client\'s next commands as they were sent, while others\' reads reuse the buffer', async () => {
    const blocked = await RespClient.connect(redstate.port);
    const other = await RespClient.connect(redstate.port);
    const big = Buffer.alloc(150_000, 'q');
    // BLPOP and the commands behind it: once it blocks, they wait in its parser.
    const input = Buffer.concat([encodeCommand(['BLPOP', 'waitq', '0']), encodeCommand(['SET', 'after', big]),
      encodeCommand(['GET', 'after'])]);
    const replies = Promise.all([blocked.next(), blocked.next(), blocked.next()]);
    blocked.write(input.subarray(0, 60));
    await writeCut(blocked, input.subarray(60), 5);
    // Another client's traffic through the same buffer meanwhile.
    const commands = workload(99);
    const otherReplies = Promise.all(commands.map(() => other.next()));
    await writeCut(other, Buffer.concat(commands.map(encodeCommand)), 6);
    expect((await otherReplies).length).toBe(commands.length);
    expect(await other.call('LPUSH', 'waitq', 'x')).toBe(1);
    const [popped, set, got] = await replies;
    expect(popped).toEqual(['waitq', 'x']);
    expect(set).toBe('OK');
    expect(got).toBe(big.toString('latin1'));
    blocked.close();
    other.close();
  }, 30_000);
});
