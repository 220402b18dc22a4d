// The inspector endpoint under bad input: garbage from a page, a thousand pages, a page that
// never reads, paths that climb out of the assets, wrong methods, a non-loopback peer. The
// server keeps serving, and logs each kind of trouble once.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createActor } from 'xstate';
import { MAX_PAGES } from '../../src/inspector/endpoint.js';
import { ROOT, startRedstate, type InProcess } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp-client.js';
import { captureLog } from '../helpers/replication.js';
import { sampleMachine } from './sample-machine.js';
import { get, rawHttp, TestPage, until, wireId } from './pages.js';

let srv: InProcess;
let port: number;
let logged: string[];

beforeAll(async () => {
  srv = await startRedstate({ 'inspect-port': '0' });
  port = srv.server.inspectorEndpoint!.port;
  logged = captureLog(srv.server.log);
});
afterAll(async () => srv.close());

async function stillServes(): Promise<void> {
  const c = await RespClient.connect(srv.port);
  expect(await c.call('SET', 'alive', '1')).toBe('OK');
  expect(await c.call('GET', 'alive')).toBe('1');
  c.close();
}

describe('inspector HTTP', () => {
  it('serves the page and its assets with 200, and HEAD without a body', async () => {
    const index = await get(port, '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<html');
    expect((await get(port, '/index.html?x=1')).status).toBe(200);
    const head = await get(port, '/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('answers 404 for what is not there, 405 for other methods', async () => {
    expect((await get(port, '/nope.js')).status).toBe(404);
    expect((await get(port, '/charts/nope.svg')).status).toBe(404);
    expect((await get(port, '/', 'POST')).status).toBe(405);
    expect((await get(port, '/', 'DELETE')).status).toBe(405);
  });

  it('never serves a file outside the assets, however the path is spelled', async () => {
    const secret = readFileSync(join(ROOT, 'package.json'), 'latin1');
    const paths = [
      '/../package.json', '/../../package.json', '/charts/../../package.json', '/%2e%2e/package.json',
      '/%2E%2E%2Fpackage.json', '/..%2f..%2fpackage.json', '/charts/..%5c..%5cpackage.json', '/..\\..\\package.json',
      '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/.gitignore', '/%00', '/%zz', '/charts/%2e%2e/page/index.html',
      '//etc/passwd', '/./../package.json',
    ];
    for (const p of paths) {
      const r = await get(port, p);
      expect([400, 403, 404], p).toContain(r.status);
      expect(r.body).not.toContain('"name": "redstate"');
      expect(r.body).not.toContain('root:');
      expect(secret.length).toBeGreaterThan(0);
    }
    expect((await get(port, '/../package.json')).status).toBe(403);
    expect((await get(port, '/%zz')).status).toBe(400);
    // An absolute-form or malformed request line is refused outright.
    expect((await rawHttp(port, 'GET http://example.com/../../package.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status).toBe(400);
    expect((await rawHttp(port, 'BLAH\r\n\r\n')).status).toBe(400);
    await stillServes();
  });
});

describe('inspector WebSocket', () => {
  it('ignores garbage from a page and keeps streaming to it and to others', async () => {
    const bad = await TestPage.open(port);
    const good = await TestPage.open(port);
    bad.ws.send('{"type":"@xstate.event","sessionId":"x"}');
    bad.ws.send('not json at all \u0000\uffff');
    bad.ws.send(Buffer.from([0, 1, 2, 255]));
    const actor = createActor(sampleMachine, { inspect: srv.server.inspector.inspect({ role: 'replica-link', label: 'g' }) }).start();
    actor.send({ type: 'TICK' });
    for (const page of [bad, good]) {
      await until(() => page.frames.some((f) => f.type === '@xstate.event' && f.sessionId === wireId(page.frames, 'g')
        && (f.event as { type: string }).type === 'TICK'), 'the TICK on each page');
    }
    // A message over the size limit, then raw bytes that break the WebSocket framing: that page is closed, nothing else.
    const closed = new Promise<number>((r) => bad.ws.once('close', (code) => r(code)));
    bad.ws.send('x'.repeat(64 * 1024));
    expect(await closed).toBe(1009);
    const raw = await upgradeRaw();
    raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    await until(() => raw.destroyed || raw.readableEnded, 'the broken page to be closed');
    actor.send({ type: 'SOCKET_UP' });
    await until(() => good.frames.some((f) => f.sessionId === wireId(good.frames, 'g') && (f.event as { type?: string } | undefined)?.type === 'SOCKET_UP'), 'SOCKET_UP on the good page');
    await stillServes();
    actor.stop();
    good.close();
  });

  it(`takes up to ${MAX_PAGES} pages, refuses more with 503, and keeps serving`, async () => {
    const sockets: WebSocket[] = [];
    const results = await Promise.all(Array.from({ length: MAX_PAGES + 20 }, () => new Promise<number>((res) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      sockets.push(ws);
      ws.once('open', () => res(101));
      ws.once('unexpected-response', (_req, r) => res(r.statusCode ?? 0));
      ws.once('error', () => res(-1));
    })));
    expect(results.filter((s) => s === 101).length).toBe(MAX_PAGES);
    expect(results.filter((s) => s === 503).length).toBe(20);
    await stillServes();
    for (const ws of sockets) ws.terminate();
    await until(() => srv.server.inspectorEndpoint!.pageCount === 0, 'the pages to go');
  });

  it('drops frames for a page that never reads: what waits for it stays bounded', async () => {
    const stuck = await upgradeRaw();
    stuck.pause();
    const good = await TestPage.open(port);
    const actors = Array.from({ length: 20 }, (_, i) => createActor(sampleMachine, {
      inspect: srv.server.inspector.inspect({ role: 'replica-link', label: `load ${i}` }),
    }).start());
    const endpoint = srv.server.inspectorEndpoint!;
    let maxBacklog = 0;
    // Each round sends every actor 50 events that do not fold; the stuck page's kernel buffers fill,
    // then its queue reaches the limit and its batches are dropped.
    const deadline = Date.now() + 40_000;
    while (endpoint.droppedBatches < 20 && Date.now() < deadline) {
      for (const a of actors) {
        for (let i = 0; i < 50; i++) a.send({ type: i % 2 === 0 ? 'TICK' : 'CLOSED' });
      }
      await new Promise((r) => setTimeout(r, 30));
      maxBacklog = Math.max(maxBacklog, endpoint.maxPageBacklog());
    }
    expect(endpoint.droppedBatches).toBeGreaterThanOrEqual(20);
    expect(maxBacklog).toBeLessThan(2 * 1024 * 1024);
    await until(() => good.frames.some((f) => f.type === '@xstate.event' && (f.event as { type: string }).type === 'CLOSED'), 'the good page to keep up');
    await stillServes();
    for (const a of actors) a.stop();
    stuck.destroy();
    good.close();
  });
});

/** This host's first non-loopback IPv4 address: a peer from it is not a loopback peer. */
const outside = Object.values(networkInterfaces()).flat().find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

describe('inspector bound to loopback', () => {
  // Skipped only on a host with no non-loopback IPv4 address (a network-less container): no
  // socket can come from outside there. Machines with a network interface (this one) run it.
  it.skipIf(outside === undefined)(`refuses a peer from ${outside ?? 'a non-loopback address (this host has none)'} with 403, page and WebSocket alike`, async () => {
    const fromOutside = (request: string): Promise<string> => new Promise((res, rej) => {
      const s = connect({ port, host: '127.0.0.1', localAddress: outside }, () => s.write(request));
      let out = '';
      s.on('data', (b) => (out += b.toString('latin1')));
      s.on('error', rej);
      s.on('close', () => res(out));
    });
    expect(await fromOutside('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 403 /);
    expect(await fromOutside('GET /app.js HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 403 /);
    const upgrade = await fromOutside('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    expect(upgrade).toMatch(/^HTTP\/1\.1 403 /);
    expect(upgrade).not.toContain('101');
    // A loopback page is still served.
    expect((await get(port, '/')).status).toBe(200);
    await stillServes();
  });

  it('has logged each kind of bad input once, however often it came', () => {
    const count = (text: string): number => logged.filter((l) => l.includes(text)).length;
    expect(count('Inspector: refused a request for')).toBe(1);
    expect(count('Inspector: malformed HTTP request refused')).toBe(1);
    expect(count('Inspector: pages only listen')).toBe(1);
    expect(count('Inspector: a page broke the WebSocket protocol')).toBe(1);
    expect(count(`Inspector: more than ${MAX_PAGES} pages`)).toBe(1);
    expect(count('Inspector: refused non-loopback peer')).toBe(outside === undefined ? 0 : 1);
    expect(logged.filter((l) => l.includes('Inspector:')).length).toBe(outside === undefined ? 5 : 6);
  });
});

/** A WebSocket handshake by hand: the socket, upgraded, for writing raw frames or never reading. */
function upgradeRaw(): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'));
    s.once('data', (b) => (b.toString().startsWith('HTTP/1.1 101') ? res(s) : rej(new Error(b.toString()))));
    s.on('error', () => {});
  });
}
