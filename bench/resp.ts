// A minimal RESP2 client for the bench: connect on loopback, send commands
// (one or a pipelined batch), read replies in order. It never reconnects or
// retries, so a server that misbehaves shows up as an error, not as a stall
// hidden by a client library; and it shares no code with src/.
import net from 'node:net';

export class ReplyError extends Error {}

export type Reply = string | number | null | ReplyError | Reply[];
type Arg = string | number;

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(args: Arg[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) {
    const s = String(arg);
    out += `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  }
  return out;
}

/** Parses one reply at `pos`; returns undefined when the buffer holds only part of it. */
function parseReply(buf: Buffer, pos: number): [Reply, number] | undefined {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  switch (buf[pos]) {
    case 0x2b /* + */:
      return [line, next];
    case 0x2d /* - */:
      return [new ReplyError(line), next];
    case 0x3a /* : */:
      return [Number(line), next];
    case 0x24 /* $ */: {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      return [buf.toString('utf8', next, next + len), next + len + 2];
    }
    case 0x2a /* * */: {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: Reply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const parsed = parseReply(buf, at);
        if (!parsed) return undefined;
        items.push(parsed[0]);
        at = parsed[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`bad RESP type byte ${buf[pos]}`);
  }
}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private readonly waiting: ((reply: Reply) => void)[] = [];
  private closedError: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(port: number, timeoutMs = 2000): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to 127.0.0.1:${port} timed out`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RespClient(socket));
      });
    });
  }

  /** connect(), retried every 25 ms while the server is still starting, for up to withinMs. */
  static async connectWhenUp(port: number, withinMs = 5000): Promise<RespClient> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      try {
        return await RespClient.connect(port);
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  /** Sends one command; an error reply rejects. */
  async call(...args: Arg[]): Promise<Reply> {
    const [reply] = await this.pipeline([args]);
    if (reply instanceof ReplyError) throw reply;
    return reply as Reply;
  }

  /** Sends a batch in one write; error replies come back as ReplyError values. */
  pipeline(commands: Arg[][]): Promise<Reply[]> {
    if (this.closedError) return Promise.reject(this.closedError);
    const replies = commands.map(
      () => new Promise<Reply>((resolve) => this.waiting.push(resolve)),
    );
    this.socket.write(commands.map(encodeCommand).join(''));
    return Promise.all(replies);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      const parsed = pos < this.buf.length ? parseReply(this.buf, pos) : undefined;
      if (!parsed) break;
      pos = parsed[1];
      this.waiting.shift()?.(parsed[0]);
    }
    this.buf = this.buf.subarray(pos);
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const resolve of this.waiting.splice(0)) resolve(new ReplyError(err.message));
  }
}

/** Parses an INFO reply into field -> value. */
export function parseInfo(text: Reply): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of String(text).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** Polls INFO persistence every everyMs until no BGSAVE is in progress. */
export async function bgsaveDone(client: RespClient, everyMs: number): Promise<void> {
  while (parseInfo(await client.call('INFO', 'persistence')).rdb_bgsave_in_progress !== '0') {
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Reads one numeric INFO field, failing loudly when the server does not report it. */
export async function infoNumber(client: RespClient, section: string, field: string): Promise<number> {
  const value = Number(parseInfo(await client.call('INFO', section))[field]);
  if (!Number.isFinite(value)) throw new Error(`INFO ${section} has no numeric ${field}`);
  return value;
}
