// What refuses a write, for commands, transactions, scripts and functions alike, every reply
// compared with redis-server 7.0's: min-replicas-to-write (NOREPLICAS), a read-only replica
// (READONLY) and a stale one (MASTERDOWN). A script that declares flags is judged by them
// before it runs, as processCommand judges a command by its flags; a script without a shebang
// runs, and each write it calls is refused inside it; a read-only script may not call a
// command that may replicate (PUBLISH). Found by Redis's own integration/replication-4.tcl.
import { afterEach, describe, it } from 'vitest';
import { RespClient } from '../helpers/resp-client.js';
import { sideBySide } from './side-by-side.js';

const ev = (body: string, ...rest: string[]): string[] => ['EVAL', body, ...(rest.length ? rest : ['0'])];

const LIB = '#!lua name=lib\n' +
  "redis.register_function{function_name='w', callback=function(keys) return redis.call('set', keys[1], 'w') end, flags={}}\n" +
  "redis.register_function{function_name='r', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}\n" +
  "redis.register_function{function_name='stale', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes', 'allow-stale'}}";

/** The same script calls for each setting: compat-mode writes and reads, declared writers and readers, functions. */
const SCRIPTS = [
  ev("redis.call('set', KEYS[1], 'x')", '1', 'k'),
  ev("return redis.pcall('set', KEYS[1], 'x')", '1', 'k'),
  ev("redis.call('get', KEYS[1]) redis.call('set', KEYS[1], 1)", '1', 'k'),
  ev("return redis.call('get', KEYS[1])", '1', 'k'),
  ev("return redis.call('publish', 'ch', 'm')"),
  ['EVAL_RO', "return redis.call('publish', 'ch', 'm')", '0'],
  ev("#!lua\nreturn redis.call('set', KEYS[1], 'y')", '1', 'k'),
  ev("#!lua\nreturn redis.call('get', KEYS[1])", '1', 'k'),
  ev("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", '1', 'k'),
  ev("#!lua flags=no-writes\nreturn redis.pcall('set', KEYS[1], 'x')", '1', 'k'),
  ev("#!lua flags=no-writes,allow-stale\nreturn redis.pcall('get', KEYS[1])", '1', 'k'),
  ev("#!lua flags=no-writes,allow-stale\nreturn redis.pcall('ping')"),
  ev("#!lua flags=allow-stale\nreturn 1"),
  ['FCALL', 'w', '1', 'k'],
  ['FCALL', 'r', '1', 'k'],
  ['FCALL', 'stale', '1', 'k'],
  ['FCALL_RO', 'w', '1', 'k'],
  ['SET', 'k', 'z'],
  ['GET', 'k'],
];

describe('writes refused by min-replicas-to-write, side by side with redis-server 7.0', () => {
  const pair = sideBySide({ flushEach: true });
  const { same } = pair;

  afterEach(async () => {
    await same(['CONFIG', 'SET', 'min-replicas-to-write', '0'], ['FUNCTION', 'FLUSH'], ['SCRIPT', 'FLUSH']);
  });

  it('commands, scripts and functions without enough good replicas', async () => {
    await same(['SET', 'k', 'v'], ['FUNCTION', 'LOAD', LIB]);
    await same(['CONFIG', 'SET', 'min-replicas-max-lag', '3', 'min-replicas-to-write', '2'], ...SCRIPTS);
    const sha = await pair.r.call('SCRIPT', 'LOAD', "#!lua\nreturn redis.call('set', KEYS[1], 'y')");
    await same(['SCRIPT', 'LOAD', "#!lua\nreturn redis.call('set', KEYS[1], 'y')"], ['EVALSHA', sha as string, '1', 'k']);
  });

  it('a transaction: a write is refused as it queues, and EXEC is refused when a queued one may no longer run', async () => {
    await same(['SET', 'k', 'v'], ['CONFIG', 'SET', 'min-replicas-max-lag', '3', 'min-replicas-to-write', '2']);
    await same(['MULTI'], ['SET', 'k', 'm'], ['GET', 'k'], ['EXEC'], ['GET', 'k']);
    await same(['MULTI'], ev("#!lua\nreturn redis.call('set', KEYS[1], 'y')", '1', 'k'), ['EXEC']);
    await same(['MULTI'], ev("redis.call('set', KEYS[1], 'y')", '1', 'k'), ['EXEC'], ['GET', 'k']);
    await same(['CONFIG', 'SET', 'min-replicas-to-write', '0']);
    const [r2, s2] = await Promise.all([RespClient.connect(pair.redis.port), RespClient.connect(pair.redstate.port)]);
    try {
      // Queued while writes were allowed, run once they are not.
      await same(['MULTI'], ['SET', 'k', 'q'], ['INCR', 'n']);
      await Promise.all([r2.call('CONFIG', 'SET', 'min-replicas-to-write', '2'), s2.call('CONFIG', 'SET', 'min-replicas-to-write', '2')]);
      await same(['EXEC'], ['GET', 'k'], ['MULTI'], ['GET', 'k'], ['EXEC']);
    } finally {
      r2.close();
      s2.close();
    }
  });
});

describe('writes refused on a replica whose link is down, side by side with redis-server 7.0', () => {
  const pair = sideBySide({ flushEach: true });
  const { same } = pair;

  afterEach(async () => {
    await same(['REPLICAOF', 'NO', 'ONE'], ['CONFIG', 'SET', 'replica-serve-stale-data', 'yes', 'replica-read-only', 'yes'], ['FUNCTION', 'FLUSH']);
  });

  /** Both servers become replicas of a port nothing listens on (the link stays down). */
  const orphan = async (): Promise<void> => {
    await same(['SET', 'k', 'v'], ['FUNCTION', 'LOAD', LIB], ['REPLICAOF', '127.0.0.1', '1']);
  };

  it('a read-only replica: its clients may not write, through scripts neither', async () => {
    await orphan();
    await same(...SCRIPTS);
  });

  it('a writable replica runs them', async () => {
    await orphan();
    await same(['CONFIG', 'SET', 'replica-read-only', 'no'], ...SCRIPTS);
  });

  it('a stale replica (replica-serve-stale-data no) answers MASTERDOWN unless the script allows stale', async () => {
    await orphan();
    await same(['CONFIG', 'SET', 'replica-serve-stale-data', 'no'], ...SCRIPTS);
  });
});
