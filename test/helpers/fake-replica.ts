// A scripted replica on a loopback socket, byte-exact RESP: the master side's peer, as the
// fake master is the replica link's. The test sends each handshake step itself, reads what
// the master writes back (replies, keep-alive newlines, a `$<len>` or `$EOF:` payload, the
// command stream), ACKs at offsets it chooses, stops reading, or disconnects at any point.
import { connect, type Socket } from 'node:net';
import { encodeCommand } from '../../src/io/resp-command.js';

export class FakeReplica {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;
  /** Keep-alive newlines received where a reply or payload was awaited. */
  newlines = 0;

  private constructor(readonly socket: Socket) {
    socket.on('data', (b: Buffer) => {
      this.buf = this.buf.length === 0 ? b : Buffer.concat([this.buf, b]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<FakeReplica> {
    return new Promise((res, rej) => {
      const s = connect(port, '127.0.0.1', () => res(new FakeReplica(s)));
      s.once('error', rej);
    });
  }

  /** The local port: how the master names this connection (CLIENT LIST's addr). */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until take() returns something; throws on close or after timeoutMs. */
  private async until<T>(what: string, take: () => T | null, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = take();
      if (v !== null) return v;
      if (this.closed) throw new Error(`master closed the connection (waiting for ${what})`);
      if (Date.now() > deadline) throw new Error(`no ${what} from the master`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /** Bare newlines (the master's keep-alives) at the head of the input, counted and dropped. */
  private skipNewlines(): void {
    let i = 0;
    while (i < this.buf.length && this.buf[i] === 0x0a) i++;
    if (i === 0) return;
    this.newlines += i;
    this.buf = this.buf.subarray(i);
  }

  /** The next reply line (`+PONG`, `-ERR ...`, `+FULLRESYNC id off`), without its CRLF. */
  line(timeoutMs?: number): Promise<string> {
    return this.until('reply', () => {
      this.skipNewlines();
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) return null;
      const l = this.buf.toString('latin1', 0, eol);
      this.buf = this.buf.subarray(eol + 2);
      return l;
    }, timeoutMs);
  }

  /** Waits until at least n keep-alive newlines have come in total. */
  async newlinesAtLeast(n: number): Promise<void> {
    await this.until(`newline ${n}`, () => {
      this.skipNewlines();
      return this.newlines >= n ? true : null;
    });
  }

  /** The snapshot payload after +FULLRESYNC: `$<len>\r\n<bytes>` or `$EOF:<mark>\r\n<bytes><mark>`. */
  payload(timeoutMs?: number): Promise<Buffer> {
    return this.until('payload', () => {
      this.skipNewlines();
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0 || this.buf[0] !== 0x24) return null;
      const head = this.buf.toString('latin1', 1, eol);
      if (head.startsWith('EOF:')) {
        const mark = this.buf.subarray(eol - 40, eol);
        const end = this.buf.indexOf(mark, eol + 2);
        if (end < 0) return null;
        const body = this.buf.subarray(eol + 2, end);
        this.buf = this.buf.subarray(end + 40);
        return Buffer.from(body);
      }
      const len = Number(head);
      if (this.buf.length < eol + 2 + len) return null;
      const body = this.buf.subarray(eol + 2, eol + 2 + len);
      this.buf = this.buf.subarray(eol + 2 + len);
      return Buffer.from(body);
    }, timeoutMs);
  }

  /** Everything received and not read yet but keep-alive newlines (the command stream once online), as latin1. */
  pending(): string {
    this.skipNewlines();
    return this.buf.toString('latin1');
  }

  /** Waits until the unread input contains s; returns and drops it all. */
  async streamed(s: string, timeoutMs?: number): Promise<string> {
    return this.until(JSON.stringify(s), () => {
      const text = this.buf.toString('latin1');
      if (!text.includes(s)) return null;
      this.buf = Buffer.alloc(0);
      return text;
    }, timeoutMs);
  }

  /** Sends one command as a RESP array. */
  send(...argv: string[]): void {
    this.socket.write(encodeCommand(argv));
  }

  /** What a Redis 7.0 replica sends before PSYNC (capa eof only when it can load diskless). */
  async handshake(opts: { port?: number; eof?: boolean } = {}): Promise<void> {
    this.send('PING');
    expectLine(await this.line(), '+PONG');
    this.send('REPLCONF', 'listening-port', String(opts.port ?? this.localPort));
    expectLine(await this.line(), '+OK');
    this.send('REPLCONF', 'capa', ...(opts.eof === false ? [] : ['eof', 'capa']), 'psync2');
    expectLine(await this.line(), '+OK');
  }

  /** REPLCONF ACK <offset> (no reply comes). */
  ack(offset: number): void {
    this.send('REPLCONF', 'ACK', String(offset));
  }

  /** Waits until the master closed the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the master did not close the connection');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function expectLine(got: string, want: string): void {
  if (got !== want) throw new Error(`expected ${want}, got ${got}`);
}
