// Every bug the differential fuzzer found, as the shortest sequence it shrank it to, compared
// with redis-server 7.0 (the seed that found each is in its title; test/fuzz/README.md lists them).
import { describe, it } from 'vitest';
import { sideBySide } from '../commands/side-by-side.js';

const { same } = sideBySide({ flushEach: true });

describe('bugs the fuzzer found', () => {
  it('seed 1: MULTI refuses an unknown subcommand or a subcommand of the wrong arity when queuing it, and EXEC fails', async () => {
    await same('MULTI', 'OBJECT FOO k', 'CLIENT FOO', 'CONFIG FOO', 'COMMAND FOO', 'OBJECT ENCODING', 'CONFIG GET',
      'OBJECT HELP x', 'CLIENT ID x', 'COMMAND', 'EXEC');
    await same('MULTI', 'OBJECT ENCODING k', 'CONFIG GET timeout', 'EXEC');
  });

  it('seed 1: a refused EXEC answers EXECABORT and ends the transaction, MULTI or not', async () => {
    await same('EXEC LEFT', 'MULTI', 'SET k 1', 'EXEC x', 'EXEC', 'GET k');
    await same('WATCH k', 'MULTI', 'EXEC 1 2', 'SET k 2', 'MULTI', 'GET k', 'EXEC');
  });

  it('seed 1: CONFIG SET takes the encoding thresholds up to LONG_MAX and numbers only as string2ll reads them', async () => {
    await same('CONFIG SET set-max-intset-entries -1', 'CONFIG SET hash-max-listpack-entries 9223372036854775808',
      'CONFIG SET zset-max-listpack-entries 0100', 'CONFIG SET timeout -0', 'CONFIG SET timeout 2147483648',
      'CONFIG SET set-max-intset-entries 9223372036854775807', 'CONFIG GET set-max-intset-entries',
      'CONFIG SET set-max-intset-entries 512', 'CONFIG SET timeout 00');
  });
});
