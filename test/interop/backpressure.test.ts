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
    for (const c of s.server.clients.values()) buffered = Math.max(buffered, c.stream?.socket.writableLength ?? 0);
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
});
