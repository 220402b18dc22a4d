// What a key can hold, and the entry that carries it with its write epoch.
import { Hash } from './hash.js';
import { List } from './list.js';
import { SetValue } from './set.js';
import { Stream } from './stream.js';
import { ZSet } from './zset.js';

export { Hash, List, SetValue, Stream, ZSet };

/** A string value is a latin1 JS string: one char per byte. */
export type Value = string | List | Hash | SetValue | ZSet | Stream;
export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export function typeName(v: Value): TypeName {
  if (typeof v === 'string') return 'string';
  if (v instanceof List) return 'list';
  if (v instanceof Hash) return 'hash';
  if (v instanceof SetValue) return 'set';
  if (v instanceof Stream) return 'stream';
  return 'zset';
}
