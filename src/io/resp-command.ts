// A command as the replication stream carries it: a RESP array of bulk strings, encoded
// once, into a Buffer of its own or at the end of the stream's batch (stream-batch.ts).
import type { Latin1Buffer } from './latin1.js';

/** Arguments shorter than this are copied char by char; longer ones with one native call. */
const SHORT = 64;

const digits = (n: number): number => (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : String(n).length);

/** Writes type byte, n and CRLF at p; returns the position after it. */
function header(b: Buffer, p: number, type: number, n: number): number {
  b[p++] = type;
  const end = p + digits(n);
  for (let i = end - 1; i >= p; i--) {
    b[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  b[end] = 13;
  b[end + 1] = 10;
  return end + 2;
}

/** The bytes encodeCommand takes for argv. */
export function commandSize(argv: readonly string[]): number {
  let size = 3 + digits(argv.length);
  for (const a of argv) size += 5 + digits(a.length) + a.length;
  return size;
}

/**
 * `*<n>\r\n` then `$<len>\r\n<arg>\r\n` per argument (latin1 strings: one byte a char), written
 * at p in b, which has commandSize(argv) bytes of room there; returns the position after it.
 */
export function writeCommand(b: Buffer, p: number, argv: readonly string[]): number {
  p = header(b, p, 42, argv.length);
  for (const a of argv) {
    p = header(b, p, 36, a.length);
    if (a.length < SHORT) {
      for (let i = 0; i < a.length; i++) b[p++] = a.charCodeAt(i);
    } else {
      p += (b as Latin1Buffer).latin1Write(a, p);
    }
    b[p++] = 13;
    b[p++] = 10;
  }
  return p;
}

/** A command in a Buffer of its own. */
export function encodeCommand(argv: readonly string[]): Buffer {
  const b = Buffer.allocUnsafe(commandSize(argv));
  writeCommand(b, 0, argv);
  return b;
}
