// WATCH and keys with an expiry, side by side with redis-server 7.0 (Redis's own
// unit/multi.tcl): a watched key that expires fails EXEC whether or not it was deleted yet;
// one already expired when watched may go (lazily, by FLUSHDB or SWAPDB) without failing it;
// a missing key replaced by an expired one (SWAPDB) is no change either.
import { describe, it } from 'vitest';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same } = pair;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const EXEC = ['MULTI', 'PING', 'EXEC'];

describe('WATCH of keys with an expiry', () => {
  it('a watched key that expires fails EXEC, deleted or not', async () => {
    await same('DEBUG SET-ACTIVE-EXPIRE 0', 'SET key 1 PX 30', 'WATCH key');
    await sleep(50);
    await same('MULTI', 'INCR key', 'EXEC');
    // Deleted by the active cycle meanwhile: a change.
    await same('DEBUG SET-ACTIVE-EXPIRE 1', 'SET x foo PX 30', 'WATCH x');
    await sleep(300);
    await same('DBSIZE', ...EXEC);
  });

  it('a key already expired when watched goes without failing EXEC: lazily, by FLUSHDB, by SWAPDB', async () => {
    await same('DEBUG SET-ACTIVE-EXPIRE 0', 'SET x foo PX 1');
    await sleep(5);
    await same('WATCH x', ...EXEC);
    await same('SET x foo PX 1');
    await sleep(5);
    await same('WATCH x', 'EXISTS x', ...EXEC);
    await same('SET x foo PX 1');
    await sleep(5);
    await same('WATCH x', 'FLUSHDB', ...EXEC);
    // Expired key replaced with no key.
    await same('FLUSHALL', 'SELECT 1', 'SET x foo PX 1');
    await sleep(5);
    await same('WATCH x', 'SWAPDB 0 1', ...EXEC);
    // No key replaced with an expired one.
    await same('FLUSHALL', 'SELECT 0', 'SET x foo PX 1');
    await sleep(5);
    await same('SELECT 1', 'WATCH x', 'SWAPDB 0 1', ...EXEC);
    // An expired key replaced with another expired one.
    await same('FLUSHALL', 'SELECT 1', 'SET x foo PX 1', 'SELECT 0', 'SET x bar PX 1');
    await sleep(5);
    await same('SELECT 1', 'WATCH x', 'SWAPDB 0 1', ...EXEC);
    // A live key replaced with an expired one is a change.
    await same('FLUSHALL', 'SELECT 1', 'SET x foo', 'SELECT 0', 'SET x bar PX 1');
    await sleep(5);
    await same('SELECT 1', 'WATCH x', 'SWAPDB 0 1', ...EXEC, 'SELECT 0', 'DEBUG SET-ACTIVE-EXPIRE 1');
  });
});
