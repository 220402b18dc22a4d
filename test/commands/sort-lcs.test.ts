// SORT, SORT_RO and LCS compared reply for reply with redis-server 7.0: numeric and ALPHA
// orders, BY and GET patterns (keys, hash fields, #, constants), LIMIT windows, STORE; LCS
// as a string, LEN and IDX with MINMATCHLEN and WITHMATCHLEN; and their errors.
import { describe, it } from 'vitest';
import { BINARY, sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same, sameSorted } = pair;

describe('SORT', () => {
  it('sorts lists, sets and sorted sets by value, pattern and hash field', async () => {
    await same('RPUSH l 3 1 2 10 -5 2.5 1e3 0x10', 'SORT l', 'SORT l DESC', 'SORT l ALPHA', 'SORT l ALPHA DESC LIMIT 1 3', 'SORT l LIMIT 2 100');
    await same('SORT l LIMIT -1 2', 'SORT l LIMIT 5 -1', 'SORT l LIMIT 100 1', 'SORT l LIMIT 0 0', 'SADD s 5 3 9 1', 'SORT s', 'SORT s DESC LIMIT 0 2');
    await same('ZADD z 1 c 2 b 3 a', 'SORT z ALPHA', 'SORT z BY nosort', 'SORT z BY nosort DESC', 'SORT z BY nosort LIMIT 1 1', 'SORT z BY nosort DESC LIMIT 1 5');
    await same('SORT l BY nosort', 'SORT l BY nosort DESC LIMIT 2 3', 'MSET w_3 30 w_1 10 w_2 5 w_10 1', 'SORT l BY w_*', 'SORT l BY w_* DESC GET # GET w_*');
    await same('HSET h_a f 3 g x', 'HSET h_b f 1', 'HSET h_c f 2', 'SORT z BY h_*->f', 'SORT z BY h_*->f GET h_*->g GET # GET h_*->nope', 'SORT z BY h_*->f ALPHA DESC');
    await same('SORT z GET nostar', 'SORT z GET h_*->', 'RPUSH names bob alice carol', 'MSET age_bob 30 age_alice 25 age_carol 35', 'SORT names BY age_* GET # GET age_*');
    await same('SORT names BY age_* LIMIT 0 2 STORE out', 'LRANGE out 0 -1', 'SORT names STORE out ALPHA GET nope_*', 'LRANGE out 0 -1', 'SORT none STORE out', 'EXISTS out');
    await sameSorted('SORT s BY nosort');
    await same('SORT s BY nosort STORE out2', 'LRANGE out2 0 -1', 'SORT_RO l DESC', 'SORT_RO l STORE x', 'SORT none', 'SORT_RO none');
  });

  it('answers bad values, options and types as Redis does', async () => {
    // First: after an out-of-range number (1e400 below), Redis's SORT keeps refusing numbers
    // (it reads an errno nothing clears), so what a NUL ends must be seen before that.
    await same(['RPUSH', 'nul', 2, -5, '\0', '7\0x'], 'SORT nul');
    await same('RPUSH bad 1 x 2', 'SORT bad', 'SORT bad ALPHA', 'RPUSH nan nan', 'SORT nan', ['RPUSH', 'bin', BINARY, 'a', ''], 'SORT bin ALPHA', 'SORT bin');
    await same('RPUSH l 1', 'SORT l LIMIT 1', 'SORT l LIMIT x 1', 'SORT l FOO', 'SORT l BY', 'SORT l GET', 'SET str x', 'SORT str', 'HSET hh a b', 'SORT hh');
    await same('RPUSH sp " 5" 3', 'SORT sp', 'RPUSH big 1e400 2', 'SORT big');
    await same('ZADD small 1 a 2 b', 'OBJECT ENCODING small', 'SORT_RO small ALPHA', 'OBJECT ENCODING small');
  });
});

describe('LCS', () => {
  it('finds the same subsequence, length and ranges', async () => {
    await same('MSET a ohmytext b mynewtext', 'LCS a b', 'LCS a b LEN', 'LCS a b IDX', 'LCS a b IDX MINMATCHLEN 4', 'LCS a b IDX WITHMATCHLEN');
    await same('LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN', 'LCS a none', 'LCS none none LEN', 'LCS a b LEN IDX', 'LCS a b FOO', 'LCS a b MINMATCHLEN x');
    await same(['MSET', 'x', BINARY, 'y', `${BINARY.slice(100, 180)}zz${BINARY.slice(10, 60)}`], 'LCS x y', 'LCS y x IDX WITHMATCHLEN', 'LPUSH l a', 'LCS a l', 'LCS a b MINMATCHLEN -3 IDX');
  });
});
