// Blocking request/reply over cached TCP connections, for MIGRATE (migrateGetSocket,
// connSyncWrite, connSyncReadLine, the migrate_cached_sockets table): Redis's MIGRATE stops the
// server while it talks to its target, so that no command runs between the keys' serialization
// and their deletion, and so may ours, in a transaction or a script too. Node has no blocking
// sockets: a worker thread owns the connections and does the IO, while the main thread waits on
// a shared word (Atomics.wait) and then takes the result from a MessagePort synchronously.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export interface ExchangeRequest {
  host: string;
  port: number;
  /** bind-source-addr: the address to connect from, when it can be bound ('' for any). */
  source: string;
  /** The limit of each step: the connect, the write, each reply line. */
  timeoutMs: number;
  /** AUTH, encoded, sent first; null for none. */
  auth: Uint8Array | null;
  /** The db the commands run in, and its SELECT, encoded: sent first unless the cached connection is there already. */
  db: number;
  select: Uint8Array;
  /** The commands, encoded, each answered by one line. */
  body: Uint8Array;
  commands: number;
  /** A cached connection is dropped first (the one retry after a socket error). */
  fresh: boolean;
}

export interface ExchangeResult {
  /** No connection within the timeout. */
  connectFailed: boolean;
  /** What failed on the connection (which is then closed), and whether by the timeout. */
  socketError: 'write' | 'read' | null;
  timedOut: boolean;
  /** Whether AUTH and SELECT went first. */
  authSent: boolean;
  selectSent: boolean;
  /** The reply lines read, without CRLF: AUTH's, SELECT's, then the commands'. */
  lines: string[];
}

/** The worker's side of a request: the request and its sequence number. */
interface Message {
  seq: number;
  req: ExchangeRequest;
}

/**
 * The worker, as source: self-contained (it runs from its text with `eval`), so that the same
 * function serves the bundle and the TypeScript the tests run. Its modules come through load,
 * the worker script's own require, passed in by name where no bundler renames it.
 */
function workerMain(load: NodeJS.Require): void {
  const net = load('node:net') as typeof import('node:net');
  const { parentPort, workerData } = load('node:worker_threads') as typeof import('node:worker_threads');
  const { word, port } = workerData as { word: Int32Array; port: MessagePort };
  /** MIGRATE_SOCKET_CACHE_ITEMS and _TTL. */
  const MAX_CACHED = 64;
  const IDLE_MS = 10_000;
  interface Conn {
    socket: import('node:net').Socket;
    db: number;
    lastUse: number;
    input: Buffer;
    closed: boolean;
    wake: (() => void) | null;
  }
  const cache = new Map<string, Conn>();
  const drop = (key: string): void => {
    cache.get(key)?.socket.destroy();
    cache.delete(key);
    Atomics.store(word, 1, cache.size);
  };
  /** Waits for ms or until the connection has news; false on the timeout. */
  const news = (conn: Conn, ms: number): Promise<boolean> => new Promise((resolve) => {
    const timer = setTimeout(() => {
      conn.wake = null;
      resolve(false);
    }, ms);
    conn.wake = () => {
      clearTimeout(timer);
      conn.wake = null;
      resolve(true);
    };
  });
  const connect = (host: string, p: number, source: string, ms: number): Promise<Conn | null> => new Promise((resolve) => {
    const socket = net.connect(source === '' ? { host, port: p } : { host, port: p, localAddress: source });
    const conn: Conn = { socket, db: -1, lastUse: Date.now(), input: Buffer.alloc(0), closed: false, wake: null };
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, ms);
    socket.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // A source address it cannot bind is left out (anetTcpNonBlockBestEffortBindConnect).
      if (e.syscall === 'bind' && source !== '') return resolve(connect(host, p, '', ms));
      conn.closed = true;
      conn.wake?.();
      // Only a name that does not resolve fails the connect: a refused one is a socket that
      // connected and whose write then fails, as a non-blocking connect() sees it.
      resolve(e.code === 'ENOTFOUND' || e.code?.startsWith('EAI_') === true ? null : conn);
    });
    socket.on('close', () => {
      conn.closed = true;
      conn.wake?.();
    });
    socket.on('data', (b: Buffer) => {
      conn.input = conn.input.length === 0 ? b : Buffer.concat([conn.input, b]);
      conn.wake?.();
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(conn);
    });
  });
  /** The next line without its CRLF; false on the timeout, null once the connection closed. */
  const readLine = async (conn: Conn, ms: number): Promise<string | false | null> => {
    for (;;) {
      const nl = conn.input.indexOf(10);
      if (nl >= 0) {
        const end = nl > 0 && conn.input[nl - 1] === 13 ? nl - 1 : nl;
        const line = conn.input.toString('latin1', 0, end);
        conn.input = conn.input.subarray(nl + 1);
        return line;
      }
      if (conn.closed) return null;
      if (!(await news(conn, ms))) return false;
    }
  };
  const write = (conn: Conn, data: Buffer, ms: number): Promise<'ok' | 'timeout' | 'error'> => new Promise((resolve) => {
    if (conn.closed) return resolve('error');
    const timer = setTimeout(() => resolve('timeout'), ms);
    conn.socket.write(data, (err) => {
      clearTimeout(timer);
      resolve(err === undefined || err === null ? 'ok' : 'error');
    });
  });
  const exchange = async (req: ExchangeRequest): Promise<ExchangeResult> => {
    const result: ExchangeResult = { connectFailed: false, socketError: null, timedOut: false, authSent: req.auth !== null, selectSent: false, lines: [] };
    const key = `${req.host}:${req.port}`;
    let conn = cache.get(key);
    if (conn !== undefined && (req.fresh || conn.closed)) {
      drop(key);
      conn = undefined;
    }
    if (conn === undefined) {
      if (cache.size >= MAX_CACHED) drop(cache.keys().next().value!);
      const made = await connect(req.host, req.port, req.source, req.timeoutMs);
      if (made === null) return { ...result, connectFailed: true };
      conn = made;
      cache.set(key, conn);
      Atomics.store(word, 1, cache.size);
    }
    conn.lastUse = Date.now();
    result.selectSent = conn.db !== req.db;
    const parts: Buffer[] = [];
    if (req.auth !== null) parts.push(Buffer.from(req.auth));
    if (result.selectSent) parts.push(Buffer.from(req.select));
    parts.push(Buffer.from(req.body));
    const written = await write(conn, Buffer.concat(parts), req.timeoutMs);
    if (written !== 'ok') {
      drop(key);
      return { ...result, socketError: 'write', timedOut: written === 'timeout' };
    }
    const expected = (result.authSent ? 1 : 0) + (result.selectSent ? 1 : 0) + req.commands;
    while (result.lines.length < expected) {
      const line = await readLine(conn, req.timeoutMs);
      if (typeof line === 'string') {
        result.lines.push(line);
        continue;
      }
      drop(key);
      return { ...result, socketError: 'read', timedOut: line === false };
    }
    // An error may have left it in another db: SELECT again next time.
    conn.db = result.lines.some((l) => l.startsWith('-')) ? -1 : req.db;
    return result;
  };
  setInterval(() => {
    const now = Date.now();
    for (const [key, conn] of cache) if (now - conn.lastUse > IDLE_MS) drop(key);
  }, 1000).unref();
  parentPort!.on('message', (m: Message) => {
    void exchange(m.req).then((result) => {
      port.postMessage({ seq: m.seq, result });
      Atomics.store(word, 0, m.seq);
      Atomics.notify(word, 0);
    });
  });
}

export class SyncExchange {
  private worker: Worker | null = null;
  /** [0] the sequence number of the last answer, [1] the connections cached. */
  private readonly word = new Int32Array(new SharedArrayBuffer(8));
  private port: MessagePort | null = null;
  private seq = 0;

  /** migrate_cached_sockets. */
  get cached(): number {
    return Atomics.load(this.word, 1);
  }

  /**
   * Sends the request and blocks until its result. A worker that does not answer within the
   * sum of its steps' limits counts as a read that timed out.
   */
  run(req: ExchangeRequest): ExchangeResult {
    if (this.worker === null) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(`(${workerMain.toString()})(require)`, { eval: true, workerData: { word: this.word, port: port2 }, transferList: [port2] });
      worker.unref();
      // A worker that failed is made again for the next request; this one timed out.
      worker.on('error', () => {
        if (this.worker === worker) this.worker = null;
      });
      this.worker = worker;
      this.port?.close();
      this.port = port1;
    }
    const seq = ++this.seq;
    this.worker.postMessage({ seq, req } satisfies Message);
    const deadline = Date.now() + req.timeoutMs * (req.commands + 4) + 1000;
    let last = Atomics.load(this.word, 0);
    while (last < seq && deadline > Date.now()) {
      Atomics.wait(this.word, 0, last, deadline - Date.now());
      last = Atomics.load(this.word, 0);
    }
    // Answers to requests given up on come first: they are skipped.
    for (let got = this.take(); got !== undefined; got = this.take()) if (got.seq === seq) return got.result;
    return { connectFailed: false, socketError: 'read', timedOut: true, authSent: req.auth !== null, selectSent: false, lines: [] };
  }

  private take(): { seq: number; result: ExchangeResult } | undefined {
    return receiveMessageOnPort(this.port!)?.message as { seq: number; result: ExchangeResult } | undefined;
  }

  close(): void {
    void this.worker?.terminate();
    this.worker = null;
    this.port?.close();
    this.port = null;
  }
}
