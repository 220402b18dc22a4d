// A minimal RESP2 client for tests that need the exact bytes: raw writes, replies parsed
// into strings (latin1), numbers, arrays, null, and RespError for error replies.
import { connect, type Socket } from 'node:net';

export class RespError extends Error {}

export type Reply = string | number | null | RespError | Reply[];

export class RespClient {
  private buf = Buffer.alloc(0);
  private waiters: Array<(r: Reply) => void> = [];
  private closedWaiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (b) => {
      this.buf = Buffer.concat([this.buf, b]);
      this.drain();
    });
    socket.on('close', () => {
      this.closed = true;
      this.drain();
      for (const w of this.closedWaiters) w();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((res, rej) => {
      const s = connect({ port, host }, () => {
        s.off('error', rej);
        res(new RespClient(s));
      });
      s.once('error', rej);
    });
  }

  /** Sends a command as a RESP array of bulk strings; resolves with its reply. */
  call(...args: Array<string | Buffer | number>): Promise<Reply> {
    const p = this.next();
    this.socket.write(encodeCommand(args));
    return p;
  }

  /** Sends every command at once; resolves with their replies in order. */
  pipeline(commands: Array<Array<string | Buffer | number>>): Promise<Reply[]> {
    const replies = commands.map(() => this.next());
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  /** The next reply, however it was asked for; a RespError if the connection closes first. */
  next(): Promise<Reply> {
    return new Promise((r) => {
      this.waiters.push(r);
      this.drain();
    });
  }

  write(raw: string | Buffer): void {
    this.socket.write(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw);
  }

  /** Resolves when the server closes the connection. */
  waitClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((r) => this.closedWaiters.push(r));
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    while (this.waiters.length > 0) {
      const parsed = parseReply(this.buf, 0);
      if (parsed === null) break;
      this.buf = this.buf.subarray(parsed[1]);
      this.waiters.shift()!(parsed[0]);
    }
    // A reply the connection closed before: an error, not a promise that never settles.
    if (this.closed) for (const w of this.waiters.splice(0)) w(new RespError('connection closed'));
  }
}

export function encodeCommand(args: Array<string | Buffer | number>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

function parseReply(buf: Buffer, pos: number): [Reply, number] | null {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+': return [line, next];
    case '-': return [new RespError(line), next];
    case ':': return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.toString('latin1', next, next + n), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const out: Reply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (r === null) return null;
        out.push(r[0]);
        p = r[1];
      }
      return [out, p];
    }
    default: throw new Error(`bad reply type ${type}`);
  }
}
