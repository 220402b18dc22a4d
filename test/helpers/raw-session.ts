// Raw sockets for byte-for-byte comparisons: commands go out as RESP, and what comes back is
// every byte up to the answer of a closing PING END, so out-of-band messages (RESP3 pushes,
// pub/sub) that arrived before it are part of the transcript.
import { connect } from 'node:net';
import { encodeCommand } from './resp-client.js';

const END = /(\$3\r\nEND\r\n|\+END\r\n)$/;

/** Sends the commands on a fresh connection and returns every byte up to PING END's answer. */
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
    s.on('error', reject);
  });
}

export type Session = ((cmds: string[][]) => Promise<string>) & { close(): void };

/**
 * One connection taking batches of commands: each batch's bytes up to its PING END answer,
 * starting with whatever arrived since the last batch (pushes sent to it meanwhile).
 */
export async function session(port: number): Promise<Session> {
  const s = connect({ port, host: '127.0.0.1' });
  await new Promise((r) => s.once('connect', r));
  let out = '';
  let waiter: (() => void) | null = null;
  s.on('data', (b: Buffer) => {
    out += b.toString('latin1');
    waiter?.();
  });
  const send = async (cmds: string[][]): Promise<string> => {
    s.write(Buffer.concat([...cmds, ['PING', 'END']].map((c) => encodeCommand(c))));
    while (!END.test(out)) await new Promise<void>((r) => (waiter = r));
    const got = out;
    out = '';
    return got;
  };
  return Object.assign(send, { close: () => s.destroy() });
}

/** A command line as its words. */
export const w = (s: string): string[] => s.split(' ');
