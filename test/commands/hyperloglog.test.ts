// HyperLogLog compared byte for byte with redis-server 7.0: after every PFADD, PFMERGE and
// PFCOUNT the value (GET) is the same string on both servers, in the sparse and the dense
// representation and across the promotion between them; counts, PFDEBUG output and the
// errors for corrupt values match too.
import { describe, expect, it } from 'vitest';
import { BINARY, sideBySide, type Arg } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same } = pair;

describe('PFADD, PFCOUNT, PFMERGE', () => {
  it('build the same sparse and dense bytes as Redis, through the promotion', async () => {
    const cmds: Arg[][] = [];
    for (let i = 0; i < 4000; i += 7) {
      cmds.push(['PFADD', 'h', ...Array.from({ length: 7 }, (_, j) => `el:${i + j}`)]);
      if (i % 70 === 0) cmds.push(['GET', 'h'], ['PFCOUNT', 'h'], ['GET', 'h'], ['PFDEBUG', 'ENCODING', 'h']);
    }
    cmds.push(['PFADD', 'b', BINARY, '', 'x', 'abcdefgh', 'abcdefghi', '1234567']);
    cmds.push(['GET', 'b'], ['PFCOUNT', 'b'], ['GET', 'b'], ['PFDEBUG', 'DECODE', 'b'], ['PFCOUNT', 'h', 'b', 'none']);
    await pair.samePipelined(cmds);
    await same('PFADD e', 'GET e', 'PFCOUNT e', 'PFADD e', 'PFADD e a', 'PFADD e a', 'PFCOUNT e', 'PFCOUNT none');
  });

  it('counts large sets the same, and merges into sparse or dense as Redis does', async () => {
    const cmds: Arg[][] = [];
    for (let i = 0; i < 50_000; i += 1000) cmds.push(['PFADD', 'big', ...Array.from({ length: 1000 }, (_, j) => String(i + j))]);
    for (let i = 0; i < 50; i++) cmds.push(['PFADD', 'small', `s${i}`]);
    cmds.push(['PFCOUNT', 'big'], ['GET', 'big'], ['PFCOUNT', 'big', 'small']);
    cmds.push(['PFMERGE', 'm1', 'small'], ['GET', 'm1'], ['PFMERGE', 'm2', 'small', 'big'], ['GET', 'm2'], ['PFCOUNT', 'm2']);
    cmds.push(['PFMERGE', 'small', 'small', 'none'], ['GET', 'small'], ['PFMERGE', 'm3'], ['GET', 'm3'], ['PFMERGE', 'm1', 'big'], ['GET', 'm1']);
    await pair.samePipelined(cmds);
  });

  it('PFDEBUG and the errors for other types and corrupt values', async () => {
    await same('PFADD h a b c', 'PFDEBUG ENCODING h', 'PFDEBUG DECODE h', 'PFDEBUG TODENSE h', 'PFDEBUG TODENSE h', 'PFDEBUG ENCODING h');
    await same('PFDEBUG DECODE h', 'PFDEBUG FOO h', 'PFDEBUG GETREG none', 'GET h', 'PFADD g x', 'PFDEBUG GETREG g', 'GET g');
    await same('SET s hello', 'PFADD s a', 'PFCOUNT s', 'PFMERGE s h', 'PFMERGE h s', 'PFDEBUG ENCODING s', 'LPUSH l a', 'PFADD l a', 'PFCOUNT l');
    await same('PFCOUNT h l', 'PFMERGE d h l', ['SET', 'fake', `HYLL\x02${'\0'.repeat(11)}`], 'PFCOUNT fake', ['SET', 'fake2', `HYLL\x00${'\0'.repeat(20)}`], 'PFCOUNT fake2');
    const corrupt = `HYLL\x01${'\0'.repeat(11)}\x7f\xff`;
    await same(['SET', 'bad', corrupt], 'PFCOUNT bad', 'PFADD bad x', 'PFCOUNT bad h', 'PFMERGE d bad', ['SET', 'bad2', `HYLL\x01${'\0'.repeat(11)}\x40\x00`], 'PFADD bad2 a b');
    expect(await pair.mine('PFSELFTEST')).toBe('OK');
  });
});
