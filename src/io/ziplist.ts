// Reads a ziplist (ziplist.c): the blob of small lists, hashes and sorted sets in RDB files
// of Redis 2.6 to 6.2 (types 10, 12, 13, and the nodes of quicklist type 14). Layout:
// total bytes (u32 LE), offset of the last entry (u32 LE), count (u16 LE, 65535 when
// unknown), entries, 0xFF. An entry is prevlen (1 byte, or 0xFE and a u32 LE), an
// encoding, then data:
//   00pppppp / 01pppppp qqqqqqqq / 0x80 + u32 BE   string of that length (14-bit is BE)
//   0xC0 i16, 0xD0 i32, 0xE0 i64, 0xF0 i24, 0xFE i8   little-endian integers
//   0xF1..0xFD                                         the integers 0..12, no data
//
// Every read is bounds-checked against the blob; errors carry offsets within the blob.
import { type BlobItems, checkBlobLength, type Latin1Cutter, RdbError, int64Item } from './rdb-format.js';

const HEADER = 10;
const END = 0xff;
const BIG_PREVLEN = 0xfe;
const COUNT_UNKNOWN = 0xffff;

/** The elements of the ziplist src.buf[start, end) into out[0..]; returns their count. */
export function readZiplist(src: Latin1Cutter, start: number, end: number, out: BlobItems): number {
  const zl = src.buf;
  checkBlobLength('ziplist', zl, start, end, HEADER);
  const last = end - 1;

  let count = 0;
  let p = start + HEADER;
  let prevEntryLen = 0;
  let lastEntry = p;
  for (;;) {
    if (p >= end) throw new RdbError('ziplist has no end marker', p - start);
    if (zl[p] === END) break;
    const entry = p;
    let prevlen = zl[p]!;
    if (prevlen === BIG_PREVLEN) {
      need(p, 5, last, start);
      prevlen = zl.readUInt32LE(p + 1);
      p += 5;
    } else {
      p += 1;
    }
    if (prevlen !== prevEntryLen) throw new RdbError(`ziplist prevlen ${prevlen} does not match ${prevEntryLen}`, entry - start);
    need(p, 1, last, start);
    const enc = zl[p]!;
    const kind = enc >> 6;
    if (kind < 3) {
      let n: number;
      if (kind === 0) {
        n = enc & 0x3f;
        p += 1;
      } else if (kind === 1) {
        need(p, 2, last, start);
        n = ((enc & 0x3f) << 8) | zl[p + 1]!;
        p += 2;
      } else if (enc === 0x80) {
        need(p, 5, last, start);
        n = zl.readUInt32BE(p + 1);
        p += 5;
      } else {
        throw new RdbError(`ziplist entry has invalid encoding byte 0x${enc.toString(16)}`, p - start);
      }
      if (n > last - p) throw new RdbError(`ziplist string of ${n} bytes runs past the end`, entry - start);
      out[count++] = src.element(p, p + n);
      p += n;
    } else {
      switch (enc) {
        case 0xc0:
          need(p, 3, last, start);
          out[count++] = zl.readInt16LE(p + 1);
          p += 3;
          break;
        case 0xd0:
          need(p, 5, last, start);
          out[count++] = zl.readInt32LE(p + 1);
          p += 5;
          break;
        case 0xe0:
          need(p, 9, last, start);
          out[count++] = int64Item(zl, p + 1);
          p += 9;
          break;
        case 0xf0:
          need(p, 4, last, start);
          out[count++] = zl.readIntLE(p + 1, 3);
          p += 4;
          break;
        case 0xfe:
          need(p, 2, last, start);
          out[count++] = zl.readInt8(p + 1);
          p += 2;
          break;
        default:
          if (enc < 0xf1 || enc > 0xfd) throw new RdbError(`ziplist entry has invalid encoding byte 0x${enc.toString(16)}`, p - start);
          out[count++] = (enc & 0x0f) - 1;
          p += 1;
      }
    }
    prevEntryLen = p - entry;
    lastEntry = entry;
  }
  if (p !== last) throw new RdbError(`ziplist has ${last - p} bytes after its end marker`, p - start);
  const tail = zl.readUInt32LE(start + 4);
  if (tail !== lastEntry - start) throw new RdbError(`ziplist tail offset ${tail} is not the last entry's ${lastEntry - start}`, 4);
  const header = zl.readUInt16LE(start + 8);
  if (header !== COUNT_UNKNOWN && header !== count) {
    throw new RdbError(`ziplist header counts ${header} elements, found ${count}`, 8);
  }
  return count;
}

/** Throws unless n bytes from p lie before the end marker at `last`. */
function need(p: number, n: number, last: number, start: number): void {
  if (n > last - p) throw new RdbError('ziplist entry runs past the end', p - start);
}
