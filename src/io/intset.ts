// Reads an intset (intset.c): the blob of small all-integer sets (RDB type 11). Layout:
// element width in bytes (u32 LE: 2, 4 or 8), count (u32 LE), then the elements as
// little-endian signed integers in strictly ascending order.
//
// Checked as intsetValidateIntegrity does in deep mode; errors carry offsets within the blob.
import { RdbError, int64Text } from './rdb-format.js';

const HEADER = 8;

/** The members as decimal strings, ascending. */
export function readIntset(is: Buffer): string[] {
  if (is.length < HEADER) throw new RdbError(`intset of ${is.length} bytes is shorter than its header`, 0);
  const width = is.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) throw new RdbError(`intset has invalid element width ${width}`, 0);
  const count = is.readUInt32LE(4);
  if (HEADER + count * width !== is.length) {
    throw new RdbError(`intset of ${count} elements of ${width} bytes does not fill its ${is.length} bytes`, 4);
  }
  if (count === 0) throw new RdbError('intset is empty', 4);

  const out: string[] = new Array(count);
  if (width === 8) {
    for (let i = 0, p = HEADER; i < count; i++, p += 8) {
      if (i > 0 && !ascending64(is, p - 8, p)) throw new RdbError('intset elements are not strictly ascending', p);
      out[i] = int64Text(is, p);
    }
    return out;
  }
  let prev = -Infinity;
  for (let i = 0, p = HEADER; i < count; i++, p += width) {
    const v = width === 2 ? is.readInt16LE(p) : is.readInt32LE(p);
    if (v <= prev) throw new RdbError('intset elements are not strictly ascending', p);
    out[i] = String(v);
    prev = v;
  }
  return out;
}

/** True when the int64 at a is below the one at b (signed high halves, unsigned low halves). */
function ascending64(buf: Buffer, a: number, b: number): boolean {
  const ha = buf.readInt32LE(a + 4);
  const hb = buf.readInt32LE(b + 4);
  return ha < hb || (ha === hb && buf.readUInt32LE(a) < buf.readUInt32LE(b));
}
