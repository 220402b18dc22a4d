// Reads a zipmap (zipmap.c): the blob of small hashes in RDB files of Redis 2.4 and older
// (type 9). Layout: count (1 byte, 254 or more when unknown), then pairs
//   <len>field <len><free>value <free unused bytes>
// and 0xFF. A len is one byte below 254, or 254 followed by a u32 LE.
//
// Checked as zipmapValidateIntegrity does in deep mode; errors carry offsets within the blob.
import { type BlobItems, type Latin1Cutter, RdbError } from './rdb-format.js';

const END = 0xff;
const BIGLEN = 0xfe;

/** Field, value, field, value... of the zipmap src.buf[start, end) into out[0..]; returns their count. */
export function readZipmap(src: Latin1Cutter, start: number, end: number, out: BlobItems): number {
  const zm = src.buf;
  const size = end - start;
  if (size < 2) throw new RdbError(`zipmap of ${size} bytes is shorter than its header`, 0);
  const last = end - 1;
  if (zm[last] !== END) throw new RdbError('zipmap does not end with 0xFF', size - 1);

  let count = 0;
  let p = start + 1;
  while (zm[p] !== END) {
    const entry = p;
    let n = readLength(zm, p, last, start);
    p += zm[p] === BIGLEN ? 5 : 1;
    if (n > last - p) throw new RdbError(`zipmap field of ${n} bytes runs past the end`, entry - start);
    out[count++] = src.element(p, p + n);
    p += n;

    if (zm[p] === END) throw new RdbError('zipmap field has no value', p - start);
    n = readLength(zm, p, last, start);
    p += zm[p] === BIGLEN ? 5 : 1;
    if (p >= last) throw new RdbError('zipmap value runs past the end', entry - start);
    const free = zm[p++]!;
    if (n + free > last - p) throw new RdbError(`zipmap value of ${n} bytes runs past the end`, entry - start);
    out[count++] = src.element(p, p + n);
    p += n + free;
  }
  const pairs = count / 2;
  if (pairs === 0) throw new RdbError('zipmap is empty', 0);
  if (zm[start]! < BIGLEN && zm[start] !== pairs) throw new RdbError(`zipmap header counts ${zm[start]} pairs, found ${pairs}`, 0);
  return count;
}

/** The length encoded at zm[p] (not the end marker), which must fit before `last`. */
function readLength(zm: Buffer, p: number, last: number, start: number): number {
  if (zm[p] !== BIGLEN) return zm[p]!;
  if (5 > last - p) throw new RdbError('zipmap length runs past the end', p - start);
  return zm.readUInt32LE(p + 1);
}
