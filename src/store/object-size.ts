// How many bytes of V8 heap a key and its value hold (objectComputeSize): what MEMORY USAGE
// answers, and what eviction counts as freed by deleting a key (the garbage stays in the
// heap until V8 collects it, so eviction cannot watch used_memory drop as Redis does).
//
// The figures are V8's layouts on 64-bit without pointer compression (Node's default): a
// one-byte string is a 16-byte header and its chars rounded up to 8; a keyspace slot is three
// ints and two references, a collection's hashtable slot one int and two, at a load of about
// one half. Collections are estimated from their first `samples` elements (0: all), as Redis does.
import { MutableString } from './mutable-string.js';
import { List, SetValue, Stream, type Value } from './values.js';

const STRING_HEADER = 16;
/** A keyspace Dict slot: its tag, epoch and access ints and its key and value references. */
const TABLE_SLOT = 12 + 16;
/** A keyspace Dict slot at half load. */
const DICT_ENTRY = 2 * TABLE_SLOT;
/** A collection's Dict slot (its tag and its key and value references) at half load. */
const ELEMENT_ENTRY = 2 * (4 + 16);
/** A packed element's own header (listpack entry, intset width). */
const PACKED_ENTRY = 2;
/** The object a collection value is, with its encoding's fields. */
const COLLECTION_HEADER = 64;
/** MEMORY USAGE's default SAMPLES. */
export const DEFAULT_SAMPLES = 5;

/** A latin1 string's bytes on the heap. */
export function stringSize(s: string): number {
  return STRING_HEADER + ((s.length + 7) & ~7);
}

// objectComputeSize + the key and its dict entry (memoryCommand's usage)
/** The bytes key and value hold in a db, estimated from `samples` elements of a collection. */
export function keySize(key: string, value: Value, samples = DEFAULT_SAMPLES): number {
  return DICT_ENTRY + stringSize(key) + valueSize(value, samples);
}

/** An entry of a JS Map: its key, value and chain references and its share of the buckets. */
export const MAP_ENTRY = 32;
/** An expiry in the db's Map: a Map entry and the boxed time. */
const EXPIRE_ENTRY = MAP_ENTRY + 16;

/** overhead.hashtable.main and .expires of a db: its table's slots and its expiry Map. */
export function dbOverhead(capacity: number, expires: number): { main: number; expires: number } {
  return { main: capacity * TABLE_SLOT, expires: expires * EXPIRE_ENTRY };
}

/** A stream entry's ID, flags and listpack overhead, besides its fields and values. */
const STREAM_ENTRY = 24;

function valueSize(v: Value, samples: number): number {
  if (typeof v === 'string') return stringSize(v);
  if (v instanceof MutableString) return STRING_HEADER + v.capacity;
  if (v instanceof Stream) return COLLECTION_HEADER + v.length * STREAM_ENTRY;
  const packed = v instanceof List ? true : v.encoding !== 'hashtable' && v.encoding !== 'skiplist';
  const perElement = packed ? PACKED_ENTRY : ELEMENT_ENTRY + STRING_HEADER;
  let count = 0;
  let bytes = 0;
  const elements: Iterable<unknown> = v instanceof List ? v : v instanceof SetValue ? v.values() : v.entries();
  for (const e of elements) {
    bytes += perElement + elementChars(e);
    if (++count === samples) break;
  }
  const size = v instanceof List ? v.length : v.size;
  return COLLECTION_HEADER + (count === 0 ? 0 : Math.ceil((bytes / count) * size));
}

/** The chars an element carries: a member, a field and its value, a member and its score. */
function elementChars(e: unknown): number {
  if (typeof e === 'string') return e.length;
  const [a, b] = e as [string, string | number];
  return a.length + (typeof b === 'string' ? b.length : 8);
}
