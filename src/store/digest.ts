// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis 7.0 debug.c's computeDatasetDigest and
// xorObjectDigest, bit for bit, so that equal datasets give equal digests on redstate and
// redis-server (the replication tests compare them).
//
// Every step is a SHA1, six per string key, mostly of 20-byte digests. node:crypto costs
// about 1 µs per call whatever the input, which puts a million keys past 6 s; the SHA1 below
// works on a digest as five big-endian words in place and reads latin1 strings straight from
// charCodeAt, without allocating: a million keys take about 1.5 s. Strings of 1 KB and more
// go to node:crypto, which is faster per byte.
import { createHash } from 'node:crypto';
import { formatDouble } from '../io/format-double.js';
import type { Db } from './db.js';
import type { Keyspace } from './keyspace.js';
import { MAX_ID, MIN_ID, idPart } from './stream-id.js';
import { textOf } from './mutable-string.js';
import { Hash, isString, List, SetValue, Stream, type Value } from './values.js';

// --- SHA1 (FIPS 180-1) over five-word states -----------------------------------------------

/** Strings at least this long are hashed by node:crypto. */
const NATIVE_FROM = 1024;
const W = new Int32Array(80);
const H = new Int32Array(5);

function sha1Init(): void {
  H[0] = 0x67452301; H[1] = 0xefcdab89 | 0; H[2] = 0x98badcfe | 0; H[3] = 0x10325476; H[4] = 0xc3d2e1f0 | 0;
}

/**
 * One 64-byte block, W[0..15], folded into H. Every addition is truncated at once (|0) so
 * that V8 keeps the rounds in 32-bit integer registers instead of doubles.
 */
function sha1Block(): void {
  for (let i = 16; i < 80; i++) {
    const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!;
  let i = 0;
  for (; i < 20; i++) {
    const t = (((((a << 5) | (a >>> 27)) + ((b & c) | (~b & d))) | 0) + ((e + ((W[i]! + 0x5a827999) | 0)) | 0)) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  for (; i < 40; i++) {
    const t = (((((a << 5) | (a >>> 27)) + (b ^ c ^ d)) | 0) + ((e + ((W[i]! + 0x6ed9eba1) | 0)) | 0)) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  for (; i < 60; i++) {
    const t = (((((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d))) | 0) + ((e + ((W[i]! - 0x70e44324) | 0)) | 0)) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  for (; i < 80; i++) {
    const t = (((((a << 5) | (a >>> 27)) + (b ^ c ^ d)) | 0) + ((e + ((W[i]! - 0x359d3e2a) | 0)) | 0)) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  H[0] = (H[0]! + a) | 0; H[1] = (H[1]! + b) | 0; H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0; H[4] = (H[4]! + e) | 0;
}

/** H = SHA1 of the latin1 string s (one byte per char). */
function sha1String(s: string): void {
  const len = s.length;
  if (len >= NATIVE_FROM) {
    const h = createHash('sha1').update(s, 'latin1').digest();
    for (let i = 0; i < 5; i++) H[i] = h.readInt32BE(i * 4);
    return;
  }
  sha1Init();
  let p = 0;
  for (; p + 64 <= len; p += 64) {
    for (let i = 0, q = p; i < 16; i++, q += 4) {
      W[i] = (s.charCodeAt(q) << 24) | (s.charCodeAt(q + 1) << 16) | (s.charCodeAt(q + 2) << 8) | s.charCodeAt(q + 3);
    }
    sha1Block();
  }
  const r = len - p;
  W.fill(0, 0, 16);
  for (let i = 0; i < r; i++) W[i >> 2]! |= s.charCodeAt(p + i) << (24 - ((i & 3) << 3));
  W[r >> 2]! |= 0x80 << (24 - ((r & 3) << 3));
  if (r >= 56) {
    sha1Block();
    W.fill(0, 0, 16);
  }
  W[14] = Math.floor(len / 0x20000000);
  W[15] = len << 3;
  sha1Block();
}

/** H = SHA1 of the 20 bytes of digest d. */
function sha1Digest(d: Int32Array): void {
  sha1Init();
  W[0] = d[0]!; W[1] = d[1]!; W[2] = d[2]!; W[3] = d[3]!; W[4] = d[4]!;
  W[5] = 0x80000000 | 0;
  W.fill(0, 6, 15);
  W[15] = 160;
  sha1Block();
}

// --- debug.c's digest steps ------------------------------------------------------------------

/** d ^= src, word by word. */
function xorWords(d: Int32Array, src: Int32Array): void {
  d[0]! ^= src[0]!; d[1]! ^= src[1]!; d[2]! ^= src[2]!; d[3]! ^= src[3]!; d[4]! ^= src[4]!;
}

function copyH(d: Int32Array): void {
  d[0] = H[0]!; d[1] = H[1]!; d[2] = H[2]!; d[3] = H[3]!; d[4] = H[4]!;
}

/** xorDigest: digest ^= SHA1(s). */
function xorString(d: Int32Array, s: string): void {
  sha1String(s);
  xorWords(d, H);
}

/** xorDigest(digest, other, 20): digest ^= SHA1(other). */
function xorDigest(d: Int32Array, other: Int32Array): void {
  sha1Digest(other);
  xorWords(d, H);
}

/** mixDigest: digest = SHA1(digest ^ SHA1(s)). */
function mixString(d: Int32Array, s: string): void {
  xorString(d, s);
  sha1Digest(d);
  copyH(d);
}

/** SHA1 of a constant, computed once: the mix of a fixed input skips its own hash. */
function constant(bytes: string): Int32Array {
  sha1String(bytes);
  return H.slice();
}

/** mixDigest(digest, constant): the constant's SHA1 is known. */
function mixConstant(d: Int32Array, c: Int32Array): void {
  xorWords(d, c);
  sha1Digest(d);
  copyH(d);
}

/** htonl(OBJ_STRING .. OBJ_HASH) as the 4 bytes mixDigest hashes. */
const TYPE_STRING = constant(htonl(0));
const TYPE_LIST = constant(htonl(1));
const TYPE_SET = constant(htonl(2));
const TYPE_ZSET = constant(htonl(3));
const TYPE_HASH = constant(htonl(4));
const TYPE_STREAM = constant(htonl(6));
const EXPIRE_MARK = constant('!!expire!!');

/** Per-element digest of sorted-set and hash entries. */
const ele = new Int32Array(5);

/** xorObjectDigest: mixes the type, the value and the expire mark into d. */
function xorObjectDigest(d: Int32Array, v: Value, hasExpire: boolean): void {
  if (isString(v)) {
    mixConstant(d, TYPE_STRING);
    mixString(d, textOf(v));
  } else if (v instanceof List) {
    mixConstant(d, TYPE_LIST);
    for (const s of v) mixString(d, s);
  } else if (v instanceof SetValue) {
    mixConstant(d, TYPE_SET);
    for (const s of v.values()) xorString(d, s);
  } else if (v instanceof Hash) {
    mixConstant(d, TYPE_HASH);
    for (const [field, value] of v.entries()) {
      ele.fill(0);
      mixString(ele, field);
      mixString(ele, value);
      xorDigest(d, ele);
    }
  } else if (v instanceof Stream) {
    mixConstant(d, TYPE_STREAM);
    // Entries only: debug.c leaves consumer groups out of the digest.
    v.range(MIN_ID, MAX_ID, false, (id, node, i) => {
      mixString(d, `${idPart(id, 0)}.${idPart(id, 8)}`);
      const fv = node.fieldsAndValues(i);
      for (let k = 0; k < fv.length; k++) mixString(d, fv[k]!);
    });
  } else {
    mixConstant(d, TYPE_ZSET);
    v.walk(0, false, (member, score) => {
      ele.fill(0);
      mixString(ele, member);
      mixString(ele, formatDouble(score));
      xorDigest(d, ele);
    });
  }
  if (hasExpire) xorWords(d, EXPIRE_MARK);
}

/** A 32-bit number as the 4 big-endian bytes of a latin1 string. */
function htonl(n: number): string {
  return String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

function hex(d: Int32Array): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += (d[i]! >>> 0).toString(16).padStart(8, '0');
  return s;
}

/**
 * computeDatasetDigest: per non-empty db, its number mixed in, then every key's digest
 * (key, type, value, expire mark) xored in, so key order does not matter. Logically
 * expired keys count, as in Redis (no lazy expiry here). 40 zeros for an empty dataset.
 */
export function computeDatasetDigest(ks: Keyspace): string {
  const final = new Int32Array(5);
  const d = new Int32Array(5);
  for (const db of ks.dbs) {
    if (db.dict.size === 0) continue;
    mixConstant(final, constant(htonl(db.id)));
    const expires = db.expires;
    const anyExpire = expires.size > 0;
    const dict = db.dict;
    for (let i = dict.nextSlot(0); i >= 0; i = dict.nextSlot(i + 1)) {
      const key = dict.keyAt(i);
      d.fill(0);
      mixString(d, key);
      xorObjectDigest(d, dict.valueAt(i), anyExpire && expires.has(key));
      xorDigest(final, d);
    }
  }
  return hex(final);
}

/** DEBUG DIGEST-VALUE: one key's value digest (no key mixed in); zeros when missing. */
export function valueDigest(db: Db, key: string): string {
  const d = new Int32Array(5);
  const value = db.dict.get(key);
  if (value !== undefined) xorObjectDigest(d, value, db.expires.has(key));
  return hex(d);
}
