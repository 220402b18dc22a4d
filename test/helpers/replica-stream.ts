// A bare replica for tests: connects to a master (redstate or redis-server), runs SYNC or
// PSYNC, reads the payload, then collects the command stream as argv lists.
import { connect, type Socket } from 'node:net';
import { RespParser } from '../../src/io/resp-parser.js';

export interface Payload {
  /** The +FULLRESYNC / +CONTINUE line (without '+'), or '' for SYNC. */
  reply: string;
  /** The RDB bytes ('' for +CONTINUE). */
  rdb: Buffer;
  /** $EOF:<mark> framing was used. */
  eof: boolean;
}

export class StreamReplica {
  readonly commands: string[][] = [];
  /** Bytes of command stream received (what the replica's offset counts). */
  streamBytes = 0;
  readonly payload: Promise<Payload>;
  closed = false;
  /** Keep-alive newlines received before the payload. */
  newlines = 0;
  private buf: Buffer = Buffer.alloc(0);
  private phase: 'reply' | 'header' | 'rdb' | 'stream' = 'reply';
  private rdbLen = 0;
  private mark = '';
  private parser = new RespParser();
  private resolvePayload!: (p: Payload) => void;
  private reply = '';

  private constructor(readonly socket: Socket, expectReply: boolean) {
    this.payload = new Promise((r) => (this.resolvePayload = r));
    if (!expectReply) this.phase = 'header';
    socket.on('data', (b) => this.onData(b));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  /**
   * Connects and sends the handshake: `SYNC`, or REPLCONF capa (eof when asked) then
   * `PSYNC <id> <offset>`.
   */
  static async start(
    port: number,
    opts: { psync?: [string, number]; eof?: boolean; listeningPort?: number; pauseAfterPsync?: boolean } = {},
  ): Promise<StreamReplica> {
    const socket = await new Promise<Socket>((res, rej) => {
      const s = connect({ port, host: '127.0.0.1' }, () => res(s));
      s.once('error', rej);
    });
    const r = new StreamReplica(socket, opts.psync !== undefined);
    r.pauseAfterPsync = opts.pauseAfterPsync === true;
    if (opts.psync === undefined) {
      socket.write('SYNC\r\n');
    } else {
      const capa = opts.eof === true ? 'capa eof capa psync2' : 'capa psync2';
      // One at a time, as a replica does: PSYNC with replies still pending is refused.
      r.handshake = [`REPLCONF ${capa}\r\n`, `PSYNC ${opts.psync[0]} ${opts.psync[1]}\r\n`];
      socket.write(`REPLCONF listening-port ${opts.listeningPort ?? 1}\r\n`);
    }
    return r;
  }

  /** Handshake commands still to send, each after the +OK of the one before. */
  private handshake: string[] = [];
  /** Reads nothing after PSYNC (not even its reply) until socket.resume(): a replica that never read a byte of its payload. */
  private pauseAfterPsync = false;

  /** Sends REPLCONF ACK <offset>. */
  ack(offset: number): void {
    this.socket.write(`REPLCONF ACK ${offset}\r\n`);
  }

  close(): void {
    this.socket.destroy();
  }

  /** Resolves once pred holds for the commands received, or rejects after timeoutMs. */
  async waitFor(pred: (cmds: string[][]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.commands)) {
      if (Date.now() > deadline) throw new Error(`stream condition not met; got ${JSON.stringify(this.commands.slice(-20))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private onData(b: Buffer): void {
    this.buf = this.buf.length === 0 ? b : Buffer.concat([this.buf, b]);
    for (;;) {
      if (this.phase === 'reply' || this.phase === 'header') {
        while (this.buf.length > 0 && this.buf[0] === 10) {
          this.buf = this.buf.subarray(1);
          this.newlines++;
        }
      }
      if (this.phase === 'reply') {
        const nl = this.buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = this.buf.subarray(0, nl).toString('latin1');
        this.buf = this.buf.subarray(nl + 2);
        if (this.handshake.length > 0 && line === '+OK') {
          this.socket.write(this.handshake.shift()!);
          if (this.handshake.length === 0 && this.pauseAfterPsync) this.socket.pause();
          continue;
        }
        this.reply = line.replace(/^\+/, '');
        if (this.reply.startsWith('CONTINUE')) {
          this.phase = 'stream';
          this.resolvePayload({ reply: this.reply, rdb: Buffer.alloc(0), eof: false });
        } else {
          this.phase = 'header';
        }
        continue;
      }
      if (this.phase === 'header') {
        const nl = this.buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = this.buf.subarray(0, nl).toString('latin1');
        this.buf = this.buf.subarray(nl + 2);
        if (line.startsWith('$EOF:')) this.mark = line.slice(5);
        else this.rdbLen = Number(line.slice(1));
        this.phase = 'rdb';
        continue;
      }
      if (this.phase === 'rdb') {
        let end: number;
        let skip: number;
        if (this.mark !== '') {
          const at = this.buf.indexOf(this.mark);
          if (at < 0) return;
          end = at;
          skip = at + this.mark.length;
        } else {
          if (this.buf.length < this.rdbLen) return;
          end = skip = this.rdbLen;
        }
        const rdb = Buffer.from(this.buf.subarray(0, end));
        this.buf = this.buf.subarray(skip);
        this.phase = 'stream';
        this.resolvePayload({ reply: this.reply, rdb, eof: this.mark !== '' });
        continue;
      }
      const chunk = this.buf;
      this.buf = Buffer.alloc(0);
      this.streamBytes += chunk.length;
      this.parser.feed(chunk, (argv) => {
        this.commands.push(argv);
        return true;
      });
      return;
    }
  }
}
