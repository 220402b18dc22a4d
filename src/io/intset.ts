// Reads an intset (intset.c): the blob of small all-integer sets (RDB type 11). Layout:
// element width in bytes (u32 LE: 2, 4 or 8), count (u32 LE), then the elements as
// little-endian signed integers in strictly ascending order.
//
// Checked as intsetValidateIntegrity does in deep mode; errors carry offsets within the blob.
import { type BlobItems, type Latin1Cutter, RdbError, int64Item } from './rdb-format.js';

const HEADER = 8;

/** The members of the intset src.buf[start, end) into out[0..], ascending; returns their count. */
export function readIntset(src: Latin1Cutter, start: number, end: number, out: BlobItems): number {
  const is = src.buf;
  const size = end - start;
  if (size < HEADER) throw new RdbError(`intset of ${size} bytes is shorter than its header`, 0);
  const width = is.readUInt32LE(start);
  if (width !== 2 && width !== 4 && width !== 8) throw new RdbError(`intset has invalid element width ${width}`, 0);
  const count = is.readUInt32LE(start + 4);
  if (HEADER + count * width !== size) {
    throw new RdbError(`intset of ${count} elements of ${width} bytes does not fill its ${size} bytes`, 4);
  }
  if (count === 0) throw new RdbError('intset is empty', 4);

  if (width === 8) {
    for (let i = 0, p = start + HEADER; i < count; i++, p += 8) {
      if (i > 0 && !ascending64(is, p - 8, p)) throw new RdbError('intset elements are not strictly ascending', p - start);
      out[i] = int64Item(is, p);
    }
    return count;
  }
  let prev = -Infinity;
  for (let i = 0, p = start + HEADER; i < count; i++, p += width) {
    const v = width === 2 ? is.readInt16LE(p) : is.readInt32LE(p);
    if (v <= prev) throw new RdbError('intset elements are not strictly ascending', p - start);
    out[i] = v;
    prev = v;
  }
  return count;
}

/** True when the int64 at a is below the one at b (signed high halves, unsigned low halves). */
function ascending64(buf: Buffer, a: number, b: number): boolean {
  const ha = buf.readInt32LE(a + 4);
  const hb = buf.readInt32LE(b + 4);
  return ha < hb || (ha === hb && buf.readUInt32LE(a) < buf.readUInt32LE(b));
}
