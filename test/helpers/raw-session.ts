// Raw sockets for byte-for-byte comparisons: commands go out as RESP, and what comes back is
// every byte up to the answer of a closing PING END, so out-of-band messages (RESP3 pushes,
// pub/sub) that arrived before it are part of the transcript.
import { connect } from 'node:net';
import { encodeCommand } from './resp-client.js';

const END = /(\$3\r\nEND\r\n|\+END\r\n)$/;

/**
 * Sends the commands on a fresh connection and returns every byte up to PING END's answer, or
 * every byte there was if the server closed the connection first.
 */
export function bytes(port: number, cmds: string[][]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.write(Buffer.concat([...cmds, ['PING', 'END']].map((c) => encodeCommand(c))));
    });
    let out = '';
    s.on('data', (b: Buffer) => {
      out += b.toString('latin1');
      if (END.test(out)) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

export type Session = ((cmds: string[][]) => Promise<string>) & { close(): void };

/**
 * One connection taking batches of commands: each batch's bytes up to its PING END answer,
 * starting with whatever arrived since the last batch (pushes sent to it meanwhile); once the
 * server closed the connection, what there was.
 */
export async function session(port: number): Promise<Session> {
  const s = connect({ port, host: '127.0.0.1' });
  await new Promise((r) => s.once('connect', r));
  let out = '';
  let waiter: (() => void) | null = null;
  let closed = false;
  s.on('data', (b: Buffer) => {
    out += b.toString('latin1');
    waiter?.();
  });
  // A reset is a close too ('close' follows the error).
  s.on('error', () => {});
  s.on('close', () => {
    closed = true;
    waiter?.();
  });
  const send = async (cmds: string[][]): Promise<string> => {
    s.write(Buffer.concat([...cmds, ['PING', 'END']].map((c) => encodeCommand(c))));
    while (!END.test(out) && !closed) await new Promise<void>((r) => (waiter = r));
    const got = out;
    out = '';
    return got;
  };
  return Object.assign(send, { close: () => s.destroy() });
}

/** A command line as its words. */
export const w = (s: string): string[] => s.split(' ');

/** A RESP3 value as parsed: maps as objects in their order, arrays and sets as arrays. */
export type Resp3 = string | number | null | Resp3[] | { [k: string]: Resp3 };

/** Every reply in a RESP3 transcript, parsed (errors and simple strings as their text). */
export function parseResp3(s: string): Resp3[] {
  const at = { i: 0 };
  const one = (): Resp3 => {
    const type = s[at.i]!;
    const eol = s.indexOf('\r\n', at.i);
    const head = s.slice(at.i + 1, eol);
    at.i = eol + 2;
    switch (type) {
      case '$': case '=': {
        const v = s.slice(at.i, at.i + Number(head));
        at.i += Number(head) + 2;
        return v;
      }
      case '+': case '-': case ',': return head;
      case ':': return Number(head);
      case '_': return null;
      case '*': case '~': case '>': return Array.from({ length: Number(head) }, one);
      case '%': {
        const o: { [k: string]: Resp3 } = {};
        for (let n = Number(head); n > 0; n--) {
          const k = one() as string;
          o[k] = one();
        }
        return o;
      }
      default: throw new Error(`unexpected RESP3 type ${type}`);
    }
  };
  const out: Resp3[] = [];
  while (at.i < s.length) out.push(one());
  return out;
}
