// markMutable stores each named field twice and must leave every value as it found it, of
// every kind the write path's objects hold; a name the object lacks is a typo, not a new field.
import { describe, expect, it } from 'vitest';
import { markMutable } from '../../src/mutable-fields.js';
import { Keyspace } from '../../src/store/keyspace.js';

describe('markMutable', () => {
  it('leaves numbers, booleans, null, undefined, strings and objects as they were', () => {
    const table = new Map([['k', 1]]);
    const o = { n: 0, d: 1.5, yes: true, no: false, none: null, unset: undefined, s: 'ok', table };
    markMutable(o, 'n', 'd', 'yes', 'no', 'none', 'unset', 's', 'table');
    expect(o).toEqual({ n: 0, d: 1.5, yes: true, no: false, none: null, unset: undefined, s: 'ok', table });
    expect(o.table).toBe(table);
    expect(Object.keys(o)).toEqual(['n', 'd', 'yes', 'no', 'none', 'unset', 's', 'table']);
  });

  it('throws for a field the object does not have, and adds none', () => {
    const o = { a: 1 };
    expect(() => markMutable(o, 'b')).toThrow('markMutable: no field b');
    expect(Object.keys(o)).toEqual(['a']);
  });

  it('leaves a keyspace as constructed: its epoch, no snapshot, empty dbs', () => {
    const ks = new Keyspace(2);
    expect(ks.epoch).toBe(1);
    expect(ks.snapshot).toBeNull();
    expect(ks.dbs[1]!.size).toBe(0);
  });
});
