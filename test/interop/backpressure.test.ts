// A client that pipelines without reading its replies, as Redis serves it: its commands run
// as they come, their replies wait in its socket (omem, counted by the output limits) while
// other clients carry on, and it gets them all, intact, once it reads. A blocking client that
// writes a whole pipeline before it reads (redis-py's pipeline) is read to the end.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand, RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess } from '../helpers/servers.js';

const VALUE = 'v'.repeat(1024 * 1024);
const REQUESTS = 200;

describe('back-pressure on a slow client', () => {
  let s: InProcess;
  beforeAll(async () => {
    s = await startRedstate();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('runs every command of a client that does not read, holds their replies for it, and serves everyone', async () => {
    const setup = await RespClient.connect(s.port);
    expect(await setup.call('SET', 'big', VALUE)).toBe('OK');

    const slow = connect(s.port, '127.0.0.1');
    await new Promise<void>((r) => slow.once('connect', () => r()));
    slow.pause();
    const get = encodeCommand(['GET', 'big']);
    slow.write(Buffer.concat([...Array.from({ length: REQUESTS }, () => get), encodeCommand(['INCR', 'ran'])]));
    // Its last command ran although the replies of those before it fill its socket.
    const deadline = Date.now() + 10_000;
    while (await setup.call('GET', 'ran') !== '1') {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 20));
    }
    let omem = 0;
    for (const c of s.server.clients.values()) omem = Math.max(omem, c.outputBytes);
    expect(omem).toBeGreaterThan(REQUESTS * VALUE.length / 2);
    expect(await setup.call('PING')).toBe('PONG');

    let received = 0;
    const expected = REQUESTS * (VALUE.length + `$${VALUE.length}\r\n\r\n`.length) + ':1\r\n'.length;
    await new Promise<void>((done) => {
      slow.on('data', (b: Buffer) => {
        received += b.length;
        if (received >= expected) done();
      });
      slow.resume();
    });
    expect(received).toBe(expected);
    slow.destroy();
    setup.close();
  });

  it('keeps every small reply intact when the kernel stops taking them mid-batch', async () => {
    // Each turn's replies go out as a view of the client's reply buffer; once a write is left
    // queued in the socket, that buffer is the socket's and the next replies need another.
    const KEYS = 1000;
    const value = (i: number) => `${i}:`.padEnd(4000, String.fromCharCode(97 + (i % 26)));
    const setup = await RespClient.connect(s.port);
    for (let i = 0; i < KEYS; i++) await setup.call('SET', `k${i}`, value(i));

    const slow = connect(s.port, '127.0.0.1');
    await new Promise<void>((r) => slow.once('connect', () => r()));
    slow.pause();
    const ROUNDS = 3;
    let queuedSeen = false;
    for (let r = 0; r < ROUNDS; r++) {
      // Three GETs a write, a write a turn of the server: each batch of replies is ~12 kB.
      for (let i = 0; i < KEYS; i += 3) {
        slow.write(Buffer.concat([i, i + 1, i + 2].filter((k) => k < KEYS).map((k) => encodeCommand(['GET', `k${k}`]))));
        await new Promise((res) => setTimeout(res, 0));
        for (const c of s.server.clients.values()) if ((c.stream?.queued ?? 0) > 0) queuedSeen = true;
      }
    }
    expect(queuedSeen).toBe(true);

    const expected = Array.from({ length: ROUNDS * KEYS }, (_, n) => {
      const v = value(n % KEYS);
      return `$${v.length}\r\n${v}\r\n`;
    }).join('');
    const chunks: Buffer[] = [];
    let received = 0;
    await new Promise<void>((done) => {
      slow.on('data', (b: Buffer) => {
        chunks.push(b);
        received += b.length;
        if (received >= expected.length) done();
      });
      slow.resume();
    });
    const got = Buffer.concat(chunks).toString('latin1');
    expect(got.length).toBe(expected.length);
    expect(got === expected).toBe(true);
    slow.destroy();
    setup.close();
  });

  it('drops a client reset while its replies wait in the socket, and serves the others', async () => {
    // The write that was left queued may be the first to learn of the reset: its failure must
    // close the client.
    const setup = await RespClient.connect(s.port);
    expect(await setup.call('SET', 'quarter', 'q'.repeat(256 * 1024))).toBe('OK');
    const before = s.server.clients.size;
    const get = encodeCommand(['GET', 'quarter']);
    for (let round = 0; round < 10; round++) {
      const peer = connect(s.port, '127.0.0.1');
      await new Promise<void>((r) => peer.once('connect', () => r()));
      peer.pause();
      peer.write(Buffer.concat(Array.from({ length: 64 }, () => get)));
      const queued = () => [...s.server.clients.values()].some((c) => (c.stream?.queued ?? 0) > 0);
      while (!queued()) await new Promise((r) => setTimeout(r, 5));
      peer.resetAndDestroy();
      while (s.server.clients.size > before) await new Promise((r) => setTimeout(r, 5));
    }
    expect(s.server.clients.size).toBe(before);
    expect(await setup.call('PING')).toBe('PONG');
    setup.close();
  });
});

/** redis-py's pipeline of `count` SETs (one sendall of them all, then the replies read): how many replies it got, or its error. */
function pyPipeline(port: number, count: number): Promise<string> {
  const script = `import redis, sys
r = redis.Redis(port=int(sys.argv[1]), socket_timeout=30)
p = r.pipeline(transaction=False)
for i in range(int(sys.argv[2])): p.set('pipe:%d' % i, 'value')
try:
    print(sum(1 for x in p.execute() if x is True), r.dbsize())
except Exception as e:
    print(type(e).__name__)`;
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', ['-c', script, String(port), String(count)], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

describe("redis-py's pipeline", () => {
  it('a million SETs in one pipeline, written whole before a reply is read: all answered, as by redis-server 7.0', async () => {
    // 42 MB of commands and 5 MB of replies: more than the socket buffers hold either way.
    const [redis, redstate] = await Promise.all([startRedis(), startRedstate()]);
    try {
      const [want, got] = await Promise.all([pyPipeline(redis.port, 1_000_000), pyPipeline(redstate.port, 1_000_000)]);
      expect(want).toBe('1000000 1000000');
      expect(got).toBe(want);
    } finally {
      await Promise.all([redis.close(), redstate.close()]);
    }
  }, 120_000);
});
