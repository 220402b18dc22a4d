// Hand-built RDB bytes for the tests: the encodings our encoder never writes (ziplists,
// zipmaps, intsets, listpacks, quicklists, ascii-double zsets, old opcodes), assembled
// byte by byte from the format descriptions, plus DUMP payloads for RESTORE on a real
// redis-server, and a plain view of decoded values for comparisons.
import { Crc64 } from '../../../src/io/crc64.js';
import { MAX_ID, MIN_ID, idText } from '../../../src/store/stream-id.js';
import { Hash, List, SetValue, Stream, ZSet, type Value } from '../../../src/store/values.js';

export type Item = string | number | bigint;

/** rdbSaveLen. */
export function rdbLength(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

/** A raw (never int-encoded, never compressed) RDB string. */
export function rdbString(s: string | Buffer): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return Buffer.concat([rdbLength(bytes.length), bytes]);
}

/** Assembles an RDB file: magic, version, body, EOF, and the CRC64 trailer (or 8 zeros). */
export function rdbFile(version: number, body: Buffer[], checksum: 'crc' | 'zero' | 'none' = 'crc'): Buffer {
  const head = Buffer.from(`REDIS${String(version).padStart(4, '0')}`, 'latin1');
  const file = Buffer.concat([head, ...body, Buffer.from([0xff])]);
  if (checksum === 'none') return file;
  const trailer = Buffer.alloc(8);
  if (checksum === 'crc') new Crc64().update(file).writeLE(trailer, 0);
  return Buffer.concat([file, trailer]);
}

/** A key of the given type whose value bytes are given: type, key, value. */
export function rdbKey(type: number, key: string, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), rdbString(key), value]);
}

/** A DUMP payload for RESTORE: type, value, RDB version (u16 LE), CRC64 of those (LE). */
export function dumpPayload(type: number, value: Buffer, version = 10): Buffer {
  const body = Buffer.concat([Buffer.from([type]), value, Buffer.from([version & 0xff, version >> 8])]);
  const crc = Buffer.alloc(8);
  new Crc64().update(body).writeLE(crc, 0);
  return Buffer.concat([body, crc]);
}

function int64(v: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(v));
  return b;
}

/** A listpack holding items, each integer in its smallest encoding. */
export function listpack(items: Item[]): Buffer {
  const entries: Buffer[] = [];
  for (const item of items) {
    let enc: Buffer;
    if (typeof item === 'string') {
      const s = Buffer.from(item, 'latin1');
      if (s.length < 64) enc = Buffer.concat([Buffer.from([0x80 | s.length]), s]);
      else if (s.length < 4096) enc = Buffer.concat([Buffer.from([0xe0 | (s.length >> 8), s.length & 0xff]), s]);
      else {
        const h = Buffer.alloc(5);
        h[0] = 0xf0;
        h.writeUInt32LE(s.length, 1);
        enc = Buffer.concat([h, s]);
      }
    } else {
      const v = Number(item);
      if (v >= 0 && v <= 127) enc = Buffer.from([v]);
      else if (v >= -4096 && v <= 4095) {
        const u = v < 0 ? v + 8192 : v;
        enc = Buffer.from([0xc0 | (u >> 8), u & 0xff]);
      } else if (v >= -32768 && v <= 32767) {
        enc = Buffer.alloc(3);
        enc[0] = 0xf1;
        enc.writeInt16LE(v, 1);
      } else if (v >= -8388608 && v <= 8388607) {
        enc = Buffer.alloc(4);
        enc[0] = 0xf2;
        enc.writeIntLE(v, 1, 3);
      } else if (v >= -2147483648 && v <= 2147483647) {
        enc = Buffer.alloc(5);
        enc[0] = 0xf3;
        enc.writeInt32LE(v, 1);
      } else {
        enc = Buffer.concat([Buffer.from([0xf4]), int64(item)]);
      }
    }
    entries.push(enc, backlen(enc.length));
  }
  const body = Buffer.concat(entries);
  const head = Buffer.alloc(6);
  head.writeUInt32LE(6 + body.length + 1, 0);
  head.writeUInt16LE(Math.min(items.length, 0xffff), 4);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

function backlen(l: number): Buffer {
  const n = l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
  const out = Buffer.alloc(n);
  for (let k = n - 1, v = l; k >= 0; k--, v = Math.floor(v / 128)) out[k] = (v & 127) | (k > 0 ? 128 : 0);
  return out;
}

/** A ziplist holding items, each integer in its smallest encoding. */
export function ziplist(items: Item[]): Buffer {
  const entries: Buffer[] = [];
  let offset = 10;
  let prev = 0;
  let tail = 10;
  for (const item of items) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    let enc: Buffer;
    if (typeof item === 'string') {
      const s = Buffer.from(item, 'latin1');
      let h: Buffer;
      if (s.length < 64) h = Buffer.from([s.length]);
      else if (s.length < 16384) h = Buffer.from([0x40 | (s.length >> 8), s.length & 0xff]);
      else {
        h = Buffer.alloc(5);
        h[0] = 0x80;
        h.writeUInt32BE(s.length, 1);
      }
      enc = Buffer.concat([h, s]);
    } else {
      const v = Number(item);
      if (v >= 0 && v <= 12) enc = Buffer.from([0xf1 + v]);
      else if (v >= -128 && v <= 127) enc = Buffer.from([0xfe, v & 0xff]);
      else if (v >= -32768 && v <= 32767) {
        enc = Buffer.alloc(3);
        enc[0] = 0xc0;
        enc.writeInt16LE(v, 1);
      } else if (v >= -8388608 && v <= 8388607) {
        enc = Buffer.alloc(4);
        enc[0] = 0xf0;
        enc.writeIntLE(v, 1, 3);
      } else if (v >= -2147483648 && v <= 2147483647) {
        enc = Buffer.alloc(5);
        enc[0] = 0xd0;
        enc.writeInt32LE(v, 1);
      } else {
        enc = Buffer.concat([Buffer.from([0xe0]), int64(item)]);
      }
    }
    const entry = Buffer.concat([prevlen, enc]);
    entries.push(entry);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
  }
  const body = Buffer.concat(entries);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + body.length + 1, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(Math.min(items.length, 0xffff), 8);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

/** An intset of the given element width holding values (sorted here). */
export function intset(width: 2 | 4 | 8, values: Array<number | bigint>): Buffer {
  const sorted = [...values].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out = Buffer.alloc(8 + width * sorted.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(sorted.length, 4);
  sorted.forEach((v, i) => {
    if (width === 2) out.writeInt16LE(Number(v), 8 + 2 * i);
    else if (width === 4) out.writeInt32LE(Number(v), 8 + 4 * i);
    else out.writeBigInt64LE(v, 8 + 8 * i);
  });
  return out;
}

/** A zipmap of pairs, each value followed by `free` unused bytes. */
export function zipmap(pairs: Array<[string, string]>, free = 0): Buffer {
  const len = (n: number): Buffer => (n < 254 ? Buffer.from([n]) : Buffer.concat([Buffer.from([254]), u32le(n)]));
  const parts: Buffer[] = [Buffer.from([Math.min(pairs.length, 254)])];
  for (const [f, v] of pairs) {
    parts.push(len(f.length), Buffer.from(f, 'latin1'), len(v.length), Buffer.from([free]), Buffer.from(v, 'latin1'), Buffer.alloc(free, 0x2a));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

/** A value as plain data: sets and hashes sorted, so that equal contents compare equal. */
export function plain(v: Value): unknown {
  if (typeof v === 'string') return v;
  if (v instanceof List) return { list: [...v] };
  if (v instanceof SetValue) return { set: [...v.values()].sort() };
  if (v instanceof Hash) return { hash: [...v.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) };
  if (v instanceof ZSet) return { zset: [...v.entries()] };
  if (v instanceof Stream) {
    const entries: unknown[] = [];
    v.range(MIN_ID, MAX_ID, false, (id, node, i) => void entries.push([idText(id), node.fieldsAndValues(i)]));
    const groups = v.sortedGroups().map((g) => ({
      name: g.name, lastId: idText(g.lastId), entriesRead: g.entriesRead,
      pel: [...g.pel.from(MIN_ID)].map(([id, n]) => [idText(id), n.deliveryTime, n.deliveryCount, n.consumer?.name]),
      consumers: g.sortedConsumers().map((c) => [c.name, c.seenTime, [...c.pel.from(MIN_ID)].map(([id]) => idText(id))]),
    }));
    return {
      stream: entries, length: v.length, lastId: idText(v.lastId), firstId: idText(v.firstId),
      maxDeletedId: idText(v.maxDeletedId), entriesAdded: v.entriesAdded, groups,
    };
  }
  throw new Error('not a value');
}
