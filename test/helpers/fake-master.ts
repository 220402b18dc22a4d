// A scripted master on a loopback socket, byte-exact RESP: the test reads each command the
// replica sends and writes whatever bytes it likes back (good answers, garbage, errors,
// short or corrupt payloads, silence, a close at any point). One FakeMaster accepts any
// number of connections, handed out in order, so a test can follow a replica's retries.
// The model-based tests drive the replica-link machine against the same peer.
import { createServer, type Server, type Socket } from 'node:net';
import { Keyspace } from '../../src/store/keyspace.js';
import { RdbSnapshot, writeSnapshotSync } from '../../src/store/snapshot.js';

export const REPLID = 'f'.repeat(40);

/** One connection from the replica, from the master's side. */
export class FakeLink {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (b: Buffer) => {
      this.buf = Buffer.concat([this.buf, b]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The next command the replica sent (RESP array or inline line), as strings. */
  async next(timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const cmd = this.parse();
      if (cmd !== null) return cmd;
      if (this.closed) throw new Error('replica closed the link');
      if (Date.now() > deadline) throw new Error('no command from the replica');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /** The next command, which must be named name (case-insensitive); its arguments. */
  async expect(name: string): Promise<string[]> {
    const cmd = await this.next();
    if (cmd[0]!.toUpperCase() !== name.toUpperCase()) throw new Error(`expected ${name}, got ${cmd.join(' ')}`);
    return cmd;
  }

  private parse(): string[] | null {
    const b = this.buf;
    if (b.length === 0) return null;
    const eol = b.indexOf('\r\n');
    if (eol < 0) return null;
    if (b[0] !== 42) {
      this.buf = b.subarray(eol + 2);
      return b.toString('latin1', 0, eol).split(' ');
    }
    const cmd = readMultibulk(b, 0);
    if (cmd === null) return null;
    this.buf = b.subarray(cmd.next);
    return cmd.args;
  }

  send(raw: string | Buffer): void {
    this.socket.write(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw);
  }

  /** Answers the handshake as a Redis 7.0 master does, up to and including the PSYNC reply. */
  async handshake(psyncReply = `+FULLRESYNC ${REPLID} 0`, auth = false): Promise<string[]> {
    await this.expect('PING');
    this.send('+PONG\r\n');
    if (auth) {
      await this.expect('AUTH');
      this.send('+OK\r\n');
    }
    await this.expect('REPLCONF');
    this.send('+OK\r\n');
    await this.expect('REPLCONF');
    this.send('+OK\r\n');
    const psync = await this.expect('PSYNC');
    this.send(`${psyncReply}\r\n`);
    return psync;
  }

  /** A `$<len>` payload. */
  sendPayload(rdb: Buffer): void {
    this.send(Buffer.concat([Buffer.from(`$${rdb.length}\r\n`), rdb]));
  }

  /** A `$EOF:<mark>` payload (diskless master); mark defaults to a right one. */
  sendEofPayload(rdb: Buffer, mark = 'e'.repeat(40), endMark = mark): void {
    this.send(Buffer.concat([Buffer.from(`$EOF:${mark}\r\n`), rdb, Buffer.from(endMark, 'latin1')]));
  }

  /** Stream commands, as RESP arrays. */
  sendCommands(...cmds: string[][]): void {
    for (const argv of cmds) this.send(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export class FakeMaster {
  private links: FakeLink[] = [];
  private taken = 0;
  private waiters: Array<() => void> = [];

  private constructor(private readonly server: Server, readonly port: number) {
    server.on('connection', (s) => {
      this.links.push(new FakeLink(s));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static start(): Promise<FakeMaster> {
    return new Promise((res) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address();
        res(new FakeMaster(server, typeof addr === 'object' && addr !== null ? addr.port : 0));
      });
    });
  }

  /** The next connection the replica makes (its retries come as new ones). */
  async accept(timeoutMs = 10_000): Promise<FakeLink> {
    const deadline = Date.now() + timeoutMs;
    while (this.links.length <= this.taken) {
      if (Date.now() > deadline) throw new Error('the replica did not connect');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.links[this.taken++]!;
  }

  /** Stops listening, so that a connect to this port is refused (until listen()). */
  refuse(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  /** Listens again on the same port after refuse(). */
  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.port, '127.0.0.1', () => r()));
  }

  close(): Promise<void> {
    for (const l of this.links) l.destroy();
    return new Promise((r) => (this.server.listening ? this.server.close(() => r()) : r()));
  }
}

/** An RDB file (as redstate writes it) holding the given string keys in db 0. */
export function rdbOf(keys: Record<string, string>): Buffer {
  const ks = new Keyspace(16);
  for (const [k, v] of Object.entries(keys)) ks.dbs[0]!.set(k, v);
  const parts: Buffer[] = [];
  writeSnapshotSync(RdbSnapshot.now(ks, { compression: false, aux: [['redis-ver', '7.0.15']] }), (b) => void parts.push(Buffer.from(b)));
  return Buffer.concat(parts);
}

/** The RESP multibulk command that starts at p in buf: its arguments and where it ends; null while incomplete. */
export function readMultibulk(buf: Buffer, p: number): { args: string[]; next: number } | null {
  const eol = buf.indexOf('\r\n', p);
  if (eol < 0 || buf[p] !== 42) return null;
  const n = Number(buf.toString('latin1', p + 1, eol));
  const args: string[] = [];
  let q = eol + 2;
  for (let i = 0; i < n; i++) {
    const e = buf.indexOf('\r\n', q);
    if (e < 0) return null;
    const len = Number(buf.toString('latin1', q + 1, e));
    if (buf.length < e + 2 + len + 2) return null;
    args.push(buf.toString('latin1', e + 2, e + 2 + len));
    q = e + 2 + len + 2;
  }
  return { args, next: q };
}
