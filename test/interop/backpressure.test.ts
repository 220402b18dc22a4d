// A client that pipelines without reading its replies is not read from while the kernel
// refuses our output, so the server's buffers stay bounded and other clients carry on.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand, RespClient } from '../helpers/resp-client.js';
import { startRedstate, type InProcess } from '../helpers/servers.js';

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

  it('bounds what it buffers for a client that does not read, and serves everyone', async () => {
    const setup = await RespClient.connect(s.port);
    expect(await setup.call('SET', 'big', VALUE)).toBe('OK');

    const slow = connect(s.port, '127.0.0.1');
    await new Promise<void>((r) => slow.once('connect', () => r()));
    slow.pause();
    const get = encodeCommand(['GET', 'big']);
    slow.write(Buffer.concat(Array.from({ length: REQUESTS }, () => get)));
    await new Promise((r) => setTimeout(r, 500));

    let buffered = 0;
    for (const c of s.server.clients.values()) buffered = Math.max(buffered, c.stream?.queued ?? 0);
    expect(buffered).toBeLessThan(REQUESTS * VALUE.length / 4);
    expect(await setup.call('PING')).toBe('PONG');

    let received = 0;
    const expected = REQUESTS * (VALUE.length + `$${VALUE.length}\r\n\r\n`.length);
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
    // While its output is blocked the client is not read from, so only the write that was
    // left queued learns of the reset: its failure must close the client.
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
