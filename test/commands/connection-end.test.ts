// How a connection ends, side by side with redis-server 7.0: a client that shuts down its
// sending side still gets the replies to everything it sent, then the server closes; one over
// maxclients is told so and closed; one that closes outright is forgotten at once; one the
// server closes (a protocol error) is closed outright, so that its further writes fail.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../helpers/resp-client.js';
import { until } from '../helpers/replication.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide();

/**
 * Sends the commands and shuts down the sending side (with no commands: sends nothing and
 * keeps it open), then reads until the server closes: all it read.
 */
function untilServerEnds(port: number, cmds: string[][]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      if (cmds.length > 0) s.end(Buffer.concat(cmds.map((c) => encodeCommand(c))));
    });
    const got: Buffer[] = [];
    s.on('data', (b: Buffer) => got.push(b));
    s.on('end', () => {
      s.destroy();
      resolve(Buffer.concat(got));
    });
    s.on('error', reject);
  });
}

/**
 * Sends a line with no end (an inline command over 64 kB), then goes on writing, half-open as
 * Redis's own protocol test does, until a write fails: what it read by then, or null if its
 * writes still went through after 10 s.
 */
function writeUntilRefused(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      s.write(Buffer.concat([Buffer.from([0]), Buffer.alloc(70_000, 'payload')]));
      const more = setInterval(() => s.write('payload'), 5);
      const stop = (refused: boolean) => {
        clearInterval(more);
        clearTimeout(limit);
        s.destroy();
        resolve(refused ? Buffer.concat(got).toString() : null);
      };
      const limit = setTimeout(() => stop(false), 10_000);
      s.on('error', () => stop(true));
      s.on('close', () => stop(true));
    });
    const got: Buffer[] = [];
    s.on('data', (b: Buffer) => got.push(b));
  });
}

describe('a connection the client ends', () => {
  it('gets the replies to all it sent before its end, then is closed by the server', async () => {
    const cmds = (n: number) => Array.from({ length: n }, (_, i) => [['SET', `k${i % 7}`, 'v'], ['PING'], ['GET', `k${i % 7}`]]).flat();
    const replies = (n: number) => '+OK\r\n+PONG\r\n$1\r\nv\r\n'.repeat(n);
    const size = (sent: string[][]) => Buffer.concat(sent.map((c) => encodeCommand(c))).length;
    // Exactly one 64 kB read, then the end: node reads both in one turn, before the replies go.
    const oneRead = cmds(900);
    const rest = 65536 - size(oneRead);
    let echoed = rest;
    while (size([['ECHO', 'x'.repeat(echoed)]]) > rest) echoed--;
    oneRead.push(['ECHO', 'x'.repeat(echoed)]);
    expect(size(oneRead)).toBe(65536);
    // 65 bytes a round of three: 4000 are four reads.
    for (const [what, sent, want] of [['one', cmds(1), replies(1)], ['one read', oneRead, null], ['four reads', cmds(4000), replies(4000)]] as const) {
      const [fromRedis, got] = await Promise.all([untilServerEnds(pair.redis.port, sent), untilServerEnds(pair.redstate.port, sent)]);
      if (want !== null) expect(got.toString('latin1').startsWith(want), what).toBe(true);
      expect(got.length, what).toBe(fromRedis.length);
      expect(got.equals(fromRedis), what).toBe(true);
    }
    await until(() => pair.redstate.server.clients.size === 1);
  });

  it('over maxclients, is told so and closed by the server', async () => {
    const was = await Promise.all([pair.r, pair.s].map(async (c) => ((await c.call('CONFIG', 'GET', 'maxclients')) as string[])[1]!));
    for (const c of [pair.r, pair.s]) expect(await c.call('CONFIG', 'SET', 'maxclients', '1')).toBe('OK');
    try {
      const [fromRedis, got] = await Promise.all([untilServerEnds(pair.redis.port, []), untilServerEnds(pair.redstate.port, [])]);
      expect(got.toString()).toBe('-ERR max number of clients reached\r\n');
      expect(got.equals(fromRedis)).toBe(true);
    } finally {
      await Promise.all([pair.r, pair.s].map((c, i) => c.call('CONFIG', 'SET', 'maxclients', was[i]!)));
    }
  });

  it('after a protocol error, is closed outright: the client\'s further writes are refused', async () => {
    const [fromRedis, got] = await Promise.all([writeUntilRefused(pair.redis.port), writeUntilRefused(pair.redstate.port)]);
    expect(fromRedis).toBe('-ERR Protocol error: too big inline request\r\n');
    expect(got).toBe(fromRedis);
    await until(() => pair.redstate.server.clients.size === 1);
  });

  it('is forgotten at once when the client closes outright, waiting in BLPOP or not', async () => {
    const sockets = Array.from({ length: 20 }, (_, i) =>
      connect({ port: pair.redstate.port, host: '127.0.0.1' }, function (this: ReturnType<typeof connect>) {
        this.write(encodeCommand(i % 2 === 0 ? ['BLPOP', 'nothing', '0'] : ['PING']));
      }));
    await until(() => pair.redstate.server.clients.size === 21);
    for (const s of sockets) s.destroy();
    await until(() => pair.redstate.server.clients.size === 1);
    expect(await pair.s.call('LPUSH', 'nothing', 'x')).toBe(1);
    expect(await pair.s.call('LLEN', 'nothing')).toBe(1);
  });
});
