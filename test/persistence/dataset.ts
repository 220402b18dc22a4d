// Datasets for the persistence tests: a deterministic mix of every type, written straight
// into a keyspace, and a canonical plain-data copy of a keyspace (or of a decoded RDB) that
// toEqual can compare.
import type { Keyspace } from '../../src/store/keyspace.js';
import type { RespClient } from '../helpers/resp-client.js';
import type { Dict } from '../../src/store/dict.js';
import { MutableString } from '../../src/store/mutable-string.js';
import { MAX_ID, MIN_ID, idText, streamId } from '../../src/store/stream-id.js';
import { Hash, isString, List, SetValue, Stream, ZSet, type Value } from '../../src/store/values.js';

/** A small deterministic PRNG (mulberry32), so that failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings of every shape the encoder treats apart: ints, short, binary, long compressible. */
export function randomString(rand: () => number): string {
  const kind = Math.floor(rand() * 5);
  if (kind === 0) return String(Math.floor(rand() * 2 ** 40) - 2 ** 39);
  if (kind === 1) return `v${Math.floor(rand() * 1e6)}`;
  if (kind === 2) {
    let s = '';
    for (let i = Math.floor(rand() * 40); i > 0; i--) s += String.fromCharCode(Math.floor(rand() * 256));
    return s;
  }
  if (kind === 3) return 'abc'.repeat(10 + Math.floor(rand() * 100));
  return '';
}

/** A value of the type chosen by i, a few elements long. */
export function makeValue(i: number, rand: () => number): Value {
  const n = 1 + Math.floor(rand() * 6);
  switch (i % 6) {
    // Every other string is a long one edited in place (as SETBIT and SETRANGE leave them).
    case 0: return i % 12 === 0 ? MutableString.copy(randomString(rand), 600) : randomString(rand);
    case 1: return List.from(Array.from({ length: n }, () => randomString(rand)));
    case 2: {
      const h = new Hash();
      for (let j = 0; j < n; j++) h.set(`f${j}`, randomString(rand));
      return h;
    }
    case 3: return SetValue.from(Array.from({ length: n }, (_, j) => (rand() < 0.5 ? String(j * 7) : `m${j}`)));
    case 5: {
      const st = new Stream();
      for (let j = 0; j < n; j++) st.append(streamId(1000 + j, j % 2), rand() < 0.5 ? ['f', randomString(rand)] : ['f', 'x', 'g', randomString(rand)]);
      if (rand() < 0.5) st.createGroup('g', streamId(1000, 0), 1);
      return st;
    }
    default: {
      const z = new ZSet();
      for (let j = 0; j < n; j++) z.set(`m${j}`, rand() < 0.1 ? -Infinity : Math.round(rand() * 1e6) / 64);
      return z;
    }
  }
}

/**
 * Fills keyspace dbs (0, 1 and 2 by default) with n keys of every type, key:<i>; every
 * seventh has an expiry an hour away. Returns the key names per db.
 */
export function fill(ks: Keyspace, n: number, seed = 1, dbs = [0, 1, 2]): string[][] {
  const rand = prng(seed);
  const names: string[][] = dbs.map(() => []);
  const expireAt = Date.now() + 3_600_000;
  for (let i = 0; i < n; i++) {
    const slot = i % dbs.length;
    const db = ks.dbs[dbs[slot]!]!;
    const key = `key:${i}`;
    db.set(key, makeValue(i, rand));
    if (i % 7 === 0) db.setExpire(key, expireAt + i);
    names[slot]!.push(key);
  }
  ks.dirty = 0;
  return names;
}

/** A key's content as plain data: type, value (sets and hashes sorted), expiry. */
export type Plain = [string, unknown, number | null];

export function plainValue(v: Value): [string, unknown] {
  if (isString(v)) return ['string', v.toString()];
  if (v instanceof List) return ['list', v.toArray()];
  if (v instanceof Hash) return ['hash', [...v.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))];
  if (v instanceof SetValue) return ['set', [...v.values()].sort()];
  if (v instanceof Stream) {
    const entries: unknown[] = [];
    v.range(MIN_ID, MAX_ID, false, (id, node, i) => void entries.push([idText(id), node.fieldsAndValues(i)]));
    return ['stream', entries];
  }
  return ['zset', [...(v as ZSet).entries()]];
}

/** Every db as an object key -> [type, value, expiry], empty dbs included. */
export function plain(dbs: ReadonlyArray<{ dict: Dict<Value>; expires: Map<string, number> }>): Array<Record<string, Plain>> {
  return dbs.map(({ dict, expires }) => {
    const out: Record<string, Plain> = {};
    for (const [key, v] of dict) out[key] = [...plainValue(v), expires.get(key) ?? null];
    return out;
  });
}

const score = (s: string): number => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));

/** What a server holds in dbs 0..n-1, read through commands, in the shape plain() gives. */
export async function plainOverWire(c: RespClient, n: number): Promise<Array<Record<string, Plain>>> {
  const out: Array<Record<string, Plain>> = [];
  for (let db = 0; db < n; db++) {
    await c.call('SELECT', db);
    const keys = (await c.call('KEYS', '*')) as string[];
    const dbOut: Record<string, Plain> = {};
    for (const key of keys) {
      const type = (await c.call('TYPE', key)) as string;
      let value: unknown;
      if (type === 'string') value = await c.call('GET', key);
      else if (type === 'list') value = await c.call('LRANGE', key, 0, -1);
      else if (type === 'set') value = ((await c.call('SMEMBERS', key)) as string[]).sort();
      else if (type === 'hash') {
        const flat = (await c.call('HGETALL', key)) as string[];
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
        value = pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
      } else if (type === 'stream') {
        const entries = (await c.call('XRANGE', key, '-', '+')) as Array<[string, string[]]>;
        value = entries.map(([id, fv]) => [id, fv]);
      } else {
        const flat = (await c.call('ZRANGE', key, 0, -1, 'WITHSCORES')) as string[];
        const pairs: Array<[string, number]> = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, score(flat[i + 1]!)]);
        value = pairs;
      }
      const when = (await c.call('PEXPIRETIME', key)) as number;
      dbOut[key] = [type, value, when < 0 ? null : when];
    }
    out.push(dbOut);
  }
  await c.call('SELECT', 0);
  return out;
}
