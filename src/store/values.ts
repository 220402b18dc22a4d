// What a key can hold, and the entry that carries it with its write epoch.
import { Hash } from './hash.js';
import { List } from './list.js';
import { MutableString, type StringValue } from './mutable-string.js';
import { SetValue } from './set.js';
import { Stream } from './stream.js';
import { ZSet } from './zset.js';

export { Hash, List, SetValue, Stream, ZSet };

/** A string value is a latin1 JS string (one char per byte), or a long one edited in place. */
export type Value = StringValue | List | Hash | SetValue | ZSet | Stream;
export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export function isString(v: Value): v is StringValue {
  return typeof v === 'string' || v instanceof MutableString;
}

export function typeName(v: Value): TypeName {
  if (isString(v)) return 'string';
  if (v instanceof List) return 'list';
  if (v instanceof Hash) return 'hash';
  if (v instanceof SetValue) return 'set';
  if (v instanceof Stream) return 'stream';
  return 'zset';
}
