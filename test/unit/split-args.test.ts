import { describe, expect, it } from 'vitest';
import { repr, splitArgs } from '../../src/io/split-args.js';

describe('splitArgs (sdssplitargs)', () => {
  it.each([
    ['set a b', ['set', 'a', 'b']],
    ['  set   a\tb  ', ['set', 'a', 'b']],
    ['"a b" \'c d\'', ['a b', 'c d']],
    ['"\\x41\\n\\t\\"" \'it\\\'s\'', ['A\n\t"', "it's"]],
    ['save ""', ['save', '']],
    ['', []],
  ])('%j', (line, args) => {
    expect(splitArgs(line)).toEqual(args);
  });

  it.each(['"open', "'open", '"a"b', "'a'b"])('refuses %j', (line) => {
    expect(splitArgs(line)).toBeNull();
  });
});

describe('repr (sdscatrepr)', () => {
  it('quotes any bytes so that splitArgs gives them back', () => {
    const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    for (const s of ['', 'plain', 'a b', '"q"', "it's", '\\', all]) {
      expect(splitArgs(`x ${repr(s)}`)).toEqual(['x', s]);
    }
  });
});
