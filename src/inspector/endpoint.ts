// The inspector's HTTP + WebSocket endpoint (--inspect-port): serves the page's local assets
// and streams the registry's frames to every page. It must never slow the server: a batch
// becomes WebSocket bytes once and each page gets them in one write, the flush runs only when
// an actor changed, writes to all pages together are capped per second (with many pages each
// batch simply coalesces longer), a page that cannot keep up drops frames (and is brought up
// to date when it catches up), pages are capped, and what a page sends is ignored.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import { resolveAsset, type AssetRoot } from './assets.js';
import type { Frame, InspectorRegistry } from './registry.js';

/** How often pending frames go out (the page animates at this pace at most). */
const FLUSH_MS = 50;
/**
 * Page writes per second, all pages together. Each write is a syscall that also runs the
 * receiver's TCP path (~20 µs on loopback under load): 1000 pages at 50 ms would cost the
 * server 40% of a core, so with more than 25 pages the flush slows to keep this budget.
 */
const PAGE_WRITES_PER_SECOND = 500;
/** Pages written per turn of the event loop: clients' I/O runs between the slices of a flush. */
const PAGES_PER_TURN = 50;
/** Bytes a page may have unsent before it drops frames. */
const PAGE_BACKLOG_LIMIT = 256 * 1024;
/** A page that stays behind this long is disconnected. */
const PAGE_STUCK_MS = 30_000;
/** Pages watched at once; more get 503. */
export const MAX_PAGES = 1024;
/** Pages only talk to us to keep the socket alive: anything bigger is refused by ws. */
const MAX_PAGE_MESSAGE = 1024;

interface Page {
  ws: WebSocket;
  socket: Socket;
  /** Set when frames were dropped; the page is sent a full update once it drains. */
  behindSince: number | null;
  fresh: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.json': 'application/json', '.map': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon',
};

export class InspectorEndpoint {
  private http: HttpServer | null = null;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAGE_MESSAGE, perMessageDeflate: false });
  private readonly pages = new Set<Page>();
  private timer: NodeJS.Timeout | null = null;
  /** Set while a flush still has pages to write (it yields between slices): the next one waits, so frames stay in order. */
  private writing = false;
  private readonly logged = new Set<string>();
  private loopbackOnly = true;
  port = 0;
  /** Batches not sent to a page that was behind (every page counted). */
  droppedBatches = 0;
  /** Flushes run, and writes to pages: what the stream costs, for tests and the bench. */
  flushes = 0;
  pageWrites = 0;

  constructor(private readonly registry: InspectorRegistry, private readonly roots: AssetRoot[], private readonly log: Logger) {
    registry.onPending = () => this.arm();
  }

  /** Listens on bind:port (port 0: any free port); rejects as net does when it cannot. */
  async listen(bind: string, port: number): Promise<void> {
    this.loopbackOnly = isLoopback(bind);
    // Imported here: the bundle hoists a module's static imports of node's own into every start-up.
    const { createServer } = await import('node:http');
    const http = createServer((req, res) => void this.serve(req, res));
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    http.on('clientError', (_err, socket: Socket) => {
      this.logOnce('bad-http', 'Inspector: malformed HTTP request refused');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen({ host: bind, port }, () => {
        http.off('error', reject);
        resolve();
      });
    });
    http.on('error', (e) => this.log.warning(`Inspector: ${e.message}`));
    const addr = http.address();
    this.port = addr !== null && typeof addr === 'object' ? addr.port : port;
    this.http = http;
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.pages) p.ws.terminate();
    this.pages.clear();
    const http = this.http;
    this.http = null;
    if (http !== null) {
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    }
  }

  /** No flush running or due: the counters above stand still until something changes. */
  get quiet(): boolean {
    return this.timer === null && !this.writing;
  }

  get pageCount(): number {
    return this.pages.size;
  }

  /** The most bytes any page has waiting to be sent: bounded by PAGE_BACKLOG_LIMIT plus one batch. */
  maxPageBacklog(): number {
    let max = 0;
    for (const p of this.pages) max = Math.max(max, p.ws.bufferedAmount);
    return max;
  }

  /** GET/HEAD of a page asset; nothing outside the asset roots is ever read. */
  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.allowed(req.socket)) return refuse(res, 403);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return refuse(res, 405);
    }
    const found = resolveAsset(this.roots, req.url ?? '/');
    if (found.status !== 200) {
      if (found.status === 400 || found.status === 403) this.logOnce('bad-path', `Inspector: refused a request for ${JSON.stringify((req.url ?? '').slice(0, 100))}`);
      return refuse(res, found.status);
    }
    let body: Buffer;
    try {
      body = await readFile(found.file);
    } catch {
      return refuse(res, 404);
    }
    res.writeHead(200, {
      'Content-Type': TYPES[found.ext] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => {});
    if (!this.allowed(socket)) return rejectUpgrade(socket, 403);
    if (this.pages.size >= MAX_PAGES) {
      this.logOnce('too-many', `Inspector: more than ${MAX_PAGES} pages, refusing more`);
      return rejectUpgrade(socket, 503);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, socket));
  }

  private attach(ws: WebSocket, socket: Socket): void {
    const page: Page = { ws, socket, behindSince: null, fresh: true };
    this.pages.add(page);
    ws.on('message', () => this.logOnce('page-message', 'Inspector: pages only listen; ignoring what a page sent'));
    ws.on('error', () => this.logOnce('page-error', 'Inspector: a page broke the WebSocket protocol; closed it'));
    ws.on('close', () => this.pages.delete(page));
    this.arm();
  }

  /** Bound to loopback, only loopback peers are served (a forwarded port must not widen it). */
  private allowed(socket: Socket): boolean {
    if (!this.loopbackOnly || isLoopback(socket.remoteAddress ?? '')) return true;
    this.logOnce('non-loopback', `Inspector: refused non-loopback peer ${socket.remoteAddress} (inspect-bind is loopback)`);
    return false;
  }

  /** The flush timer runs only while something is pending (an actor changed, a page joined or is behind). */
  private arm(): void {
    if (this.timer !== null || this.pages.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.writing) this.arm();
      else this.flush();
    }, this.flushDelay());
    this.timer.unref();
  }

  /** FLUSH_MS, or longer when writing every page each FLUSH_MS would exceed PAGE_WRITES_PER_SECOND. */
  flushDelay(): number {
    return Math.max(FLUSH_MS, (this.pages.size * 1000) / PAGE_WRITES_PER_SECOND);
  }

  /**
   * One batch to every page: its bytes made once, one write a page, PAGES_PER_TURN pages a
   * turn; a page behind drops them and catches up later. Idle pages cost nothing between batches.
   */
  private flush(): void {
    this.flushes++;
    const batch = this.registry.takeBatch();
    const bytes = batch.length > 0 ? wire(batch) : null;
    const pages = [...this.pages];
    let join: Buffer | null = null;
    const joinBytes = (): Buffer => {
      if (join === null) {
        const announced = this.registry.joinFrames();
        const seen = new Set(announced);
        join = wire(announced.concat(batch.filter((f) => !seen.has(f))));
      }
      return join;
    };
    let behind = false;
    const now = Date.now();
    const writeFrom = (from: number): void => {
      const to = Math.min(pages.length, from + PAGES_PER_TURN);
      for (let i = from; i < to; i++) {
        const page = pages[i]!;
        if (page.ws.readyState !== WebSocket.OPEN) continue;
        if (page.ws.bufferedAmount > PAGE_BACKLOG_LIMIT) {
          page.behindSince ??= now;
          this.droppedBatches++;
          if (now - page.behindSince > PAGE_STUCK_MS) {
            this.logOnce('stuck', 'Inspector: a page stopped reading; disconnected it');
            page.ws.terminate();
          } else {
            behind = true;
          }
          continue;
        }
        let out = bytes;
        if (page.fresh || page.behindSince !== null) {
          out = joinBytes();
          page.fresh = false;
          page.behindSince = null;
        }
        if (out === null) continue;
        // Whole frames in one write: they never interleave with ws's own control frames.
        page.socket.write(out);
        this.pageWrites++;
      }
      if (to < pages.length) {
        setImmediate(() => writeFrom(to));
        return;
      }
      this.writing = false;
      if (behind) this.arm();
    };
    this.writing = true;
    writeFrom(0);
  }

  private logOnce(kind: string, msg: string): void {
    if (this.logged.has(kind)) return;
    this.logged.add(kind);
    this.log.warning(msg);
  }
}

/**
 * Frames as WebSocket text messages (RFC 6455 5.2), back to back in one Buffer. A server's
 * frames are not masked, so the same bytes serve every page.
 */
function wire(frames: Frame[]): Buffer {
  const lengths = frames.map((f) => Buffer.byteLength(f));
  let size = 0;
  for (const n of lengths) size += (n < 126 ? 2 : n < 65536 ? 4 : 10) + n;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const n = lengths[i]!;
    out[at++] = 0x81; // FIN, text
    if (n < 126) {
      out[at++] = n;
    } else if (n < 65536) {
      out[at++] = 126;
      at = out.writeUInt16BE(n, at);
    } else {
      out[at++] = 127;
      at = out.writeBigUInt64BE(BigInt(n), at);
    }
    at += out.write(frames[i]!, at, 'utf8');
  }
  return out;
}

function refuse(res: ServerResponse, status: number): void {
  const text = `${status} ${STATUS_TEXT[status] ?? 'Error'}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function rejectUpgrade(socket: Socket, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 503: 'Service Unavailable',
};

export function isLoopback(addr: string): boolean {
  return addr === 'localhost' || addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}
