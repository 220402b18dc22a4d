// Test helpers for the inspector: a page (a WebSocket client that keeps every frame),
// raw HTTP requests, and waiting for a condition.
import { connect } from 'node:net';
import WebSocket from 'ws';

export interface Frame {
  type: string;
  sessionId: string;
  rootId: string;
  createdAt: string;
  id: string;
  _version: string;
  [k: string]: unknown;
}

export class TestPage {
  readonly frames: Frame[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.frames.push(JSON.parse(String(d)) as Frame));
  }

  static open(port: number): Promise<TestPage> {
    return new Promise((res, rej) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      const page = new TestPage(ws);
      ws.once('open', () => res(page));
      ws.once('error', rej);
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Polls until cond() holds (or throws after the deadline with what it last saw). */
export async function until<T>(cond: () => T | undefined | false | null, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = cond();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw HTTP/1.1 request, bytes as given (no URL normalization): status and body. */
export function rawHttp(port: number, request: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(request));
    let out = '';
    s.on('data', (b) => (out += b.toString('latin1')));
    s.on('error', rej);
    s.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0);
      res({ status, body: out.slice(out.indexOf('\r\n\r\n') + 4) });
    });
  });
}

export const get = (port: number, path: string, method = 'GET'): Promise<{ status: number; body: string }> =>
  rawHttp(port, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

/** The wire id (sessionId) the inspector gave the actor registered with this label. */
export function wireId(frames: Frame[], label: string): string | undefined {
  return frames.find((f) => f.type === '@xstate.actor' && (f.redstate as { label?: string } | undefined)?.label === label)?.sessionId;
}
