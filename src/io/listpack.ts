// Reads a listpack (listpack.c): the blob of Redis 7's small hashes, sets, sorted sets
// and quicklist nodes. Layout: total bytes (u32 LE), element count (u16 LE, 65535 when
// unknown), entries, 0xFF. Each entry is an encoding byte, its data, then "backlen": the
// entry's own length in 1..5 bytes of 7 bits, most significant first, every byte but the
// first with its high bit set.
//
// Every read is bounds-checked against the blob; errors carry offsets within the blob.
import { RdbError, int64Text } from './rdb-format.js';

const HEADER = 6;
const EOF = 0xff;
const COUNT_UNKNOWN = 0xffff;

/** How many bytes lpEncodeBacklen uses for an entry of len bytes (its odd limits included). */
function backlenSize(len: number): number {
  return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
}

/** Every element as a latin1 string (integers in decimal), in order. */
export function readListpack(lp: Buffer): string[] {
  const size = lp.length;
  if (size < HEADER + 1) throw new RdbError(`listpack of ${size} bytes is shorter than its header`, 0);
  if (lp.readUInt32LE(0) !== size) throw new RdbError(`listpack header says ${lp.readUInt32LE(0)} bytes, blob has ${size}`, 0);
  const last = size - 1;
  if (lp[last] !== EOF) throw new RdbError('listpack does not end with 0xFF', last);

  const out: string[] = [];
  let p = HEADER;
  while (p < last) {
    const start = p;
    const b = lp[p]!;
    let value: string;
    if (b < 0x80) {
      value = String(b);
      p += 1;
    } else if (b < 0xc0) {
      p += 1;
      value = readText(lp, p, b & 0x3f, last, start);
      p += b & 0x3f;
    } else if (b < 0xe0) {
      need(p, 2, last);
      const u = ((b & 0x1f) << 8) | lp[p + 1]!;
      value = String(u >= 4096 ? u - 8192 : u);
      p += 2;
    } else if (b < 0xf0) {
      need(p, 2, last);
      const n = ((b & 0x0f) << 8) | lp[p + 1]!;
      p += 2;
      value = readText(lp, p, n, last, start);
      p += n;
    } else {
      switch (b) {
        case 0xf0: {
          need(p, 5, last);
          const n = lp.readUInt32LE(p + 1);
          p += 5;
          value = readText(lp, p, n, last, start);
          p += n;
          break;
        }
        case 0xf1:
          need(p, 3, last);
          value = String(lp.readInt16LE(p + 1));
          p += 3;
          break;
        case 0xf2:
          need(p, 4, last);
          value = String(lp.readIntLE(p + 1, 3));
          p += 4;
          break;
        case 0xf3:
          need(p, 5, last);
          value = String(lp.readInt32LE(p + 1));
          p += 5;
          break;
        case 0xf4:
          need(p, 9, last);
          value = int64Text(lp, p + 1);
          p += 9;
          break;
        default:
          throw new RdbError(`listpack entry has invalid encoding byte 0x${b.toString(16)}`, start);
      }
    }
    p = checkBacklen(lp, start, p, last);
    out.push(value);
  }
  const count = lp.readUInt16LE(4);
  if (count !== COUNT_UNKNOWN && count !== out.length) {
    throw new RdbError(`listpack header counts ${count} elements, found ${out.length}`, 4);
  }
  return out;
}

/** Throws unless n bytes from p lie before the end marker at `last`. */
function need(p: number, n: number, last: number): void {
  if (n > last - p) throw new RdbError('listpack entry runs past the end', p);
}

function readText(lp: Buffer, p: number, n: number, last: number, start: number): string {
  if (n > last - p) throw new RdbError(`listpack string of ${n} bytes runs past the end`, start);
  return lp.toString('latin1', p, p + n);
}

/** Verifies the backlen after an entry that spans [start, p); returns the next entry's offset. */
function checkBacklen(lp: Buffer, start: number, p: number, last: number): number {
  const len = p - start;
  const n = backlenSize(len);
  need(p, n, last);
  let v = lp[p]!;
  if (v & 0x80) throw new RdbError('listpack backlen is malformed', p);
  for (let k = 1; k < n; k++) {
    const b = lp[p + k]!;
    if (!(b & 0x80)) throw new RdbError('listpack backlen is malformed', p);
    v = v * 128 + (b & 0x7f);
  }
  if (v !== len) throw new RdbError(`listpack backlen says ${v}, entry has ${len} bytes`, p);
  return p + n;
}
