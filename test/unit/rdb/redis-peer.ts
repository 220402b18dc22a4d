// A real redis-server for the RDB tests: started on a free loopback port with persistence
// off, and a minimal RESP2 client that keeps every string binary (latin1).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { parseDoubleText } from '../../../src/io/rdb-format.js';

export class ReplyError extends Error {}
export type Reply = string | number | null | ReplyError | Reply[];
type Arg = string | number | Buffer;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Parses one reply at buf[pos]; null when it is not complete yet. */
function parseReply(buf: Buffer, pos: number): { value: Reply; end: number } | null {
  if (pos >= buf.length) return null;
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  if (eol < 0) return null;
  const line = buf.toString('latin1', pos + 1, eol);
  switch (buf[pos]) {
    case 0x2b: // +
      return { value: line, end: eol + 2 };
    case 0x2d: // -
      return { value: new ReplyError(line), end: eol + 2 };
    case 0x3a: // :
      return { value: Number(line), end: eol + 2 };
    case 0x24: { // $
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      if (eol + 2 + n + 2 > buf.length) return null;
      return { value: buf.toString('latin1', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
    }
    case 0x2a: { // *
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: Reply[] = [];
      let p = eol + 2;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (r === null) return null;
        items.push(r.value);
        p = r.end;
      }
      return { value: items, end: p };
    }
    default:
      throw new Error(`bad reply byte ${buf[pos]}`);
  }
}

function encodeCommand(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export class RespClient {
  private buf = Buffer.alloc(0);
  private readonly waiting: Array<(r: Reply) => void> = [];

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      let pos = 0;
      for (let r = parseReply(this.buf, pos); r !== null; r = parseReply(this.buf, pos)) {
        pos = r.end;
        this.waiting.shift()!(r.value);
      }
      this.buf = this.buf.subarray(pos);
    });
  }

  static async connect(port: number): Promise<RespClient> {
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    return new RespClient(sock);
  }

  /** Sends every command at once; replies in order, errors as ReplyError values. */
  pipeline(commands: Arg[][]): Promise<Reply[]> {
    const replies = commands.map(() => new Promise<Reply>((resolve) => this.waiting.push(resolve)));
    this.sock.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  /** One command; an error reply throws. */
  async call(...args: Arg[]): Promise<Reply> {
    const [r] = await this.pipeline([args]);
    if (r instanceof ReplyError) throw r;
    return r!;
  }

  close(): void {
    this.sock.destroy();
  }
}

export interface RedisPeer {
  port: number;
  client: RespClient;
  stop(): Promise<void>;
}

/** Starts redis-server in dir (persistence off unless args say otherwise) and connects. */
export async function startRedis(dir: string, args: string[] = []): Promise<RedisPeer> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    '--enable-debug-command', 'yes', '--logfile', '', ...args,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = once(child, 'exit');
  for (let i = 0; ; i++) {
    try {
      const client = await RespClient.connect(port);
      await client.call('PING');
      return {
        port,
        client,
        async stop() {
          client.close();
          if (child.exitCode === null) {
            child.kill('SIGKILL');
            await exited;
          }
        },
      };
    } catch (e) {
      if (child.exitCode !== null || i > 100) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start: ${String(e)}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Reads every key of a database the way plain() shows decoded values, plus PEXPIRETIME. */
export async function readDatabase(client: RespClient, db: number): Promise<Map<string, { value: unknown; expireMs: number | undefined }>> {
  await client.call('SELECT', db);
  const keys = (await client.call('KEYS', '*')) as string[];
  const types = (await client.pipeline(keys.map((k) => ['TYPE', k]))) as string[];
  const fetch: Arg[][] = keys.map((k, i) => {
    switch (types[i]) {
      case 'string': return ['GET', k];
      case 'list': return ['LRANGE', k, 0, -1];
      case 'set': return ['SMEMBERS', k];
      case 'hash': return ['HGETALL', k];
      case 'zset': return ['ZRANGE', k, 0, -1, 'WITHSCORES'];
      default: throw new Error(`unexpected type ${String(types[i])}`);
    }
  });
  const values = await client.pipeline(fetch);
  const expires = (await client.pipeline(keys.map((k) => ['PEXPIRETIME', k]))) as number[];
  const out = new Map<string, { value: unknown; expireMs: number | undefined }>();
  keys.forEach((k, i) => {
    const v = values[i]!;
    let value: unknown;
    switch (types[i]) {
      case 'string': value = v; break;
      case 'list': value = { list: v }; break;
      case 'set': value = { set: (v as string[]).sort() }; break;
      case 'hash': {
        const flat = v as string[];
        const pairs: Array<[string, string]> = [];
        for (let j = 0; j < flat.length; j += 2) pairs.push([flat[j]!, flat[j + 1]!]);
        value = { hash: pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) };
        break;
      }
      case 'zset': {
        const flat = v as string[];
        const pairs: Array<[string, number]> = [];
        for (let j = 0; j < flat.length; j += 2) pairs.push([flat[j]!, parseDoubleText(flat[j + 1]!)]);
        value = { zset: pairs };
        break;
      }
    }
    out.set(k, { value, expireMs: expires[i]! < 0 ? undefined : expires[i] });
  });
  return out;
}
