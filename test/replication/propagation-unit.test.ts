// The feed in process: what call() hands the stream for plain writes, no-ops, transactions
// and expired keys, read from the backlog as a replica would get it.
import { describe, expect, it } from 'vitest';
import { backlogFeed } from '../helpers/servers.js';

const fx = backlogFeed();

describe('propagation', () => {
  it('feeds writes once, SELECT when the db changes, nothing for reads and no-ops', async () => {
    const repl = fx.srv.server.replication;
    const from = repl.masterReplOffset + 1;
    await fx.cli.call('SET', 'a', '1');
    await fx.cli.call('GET', 'a');
    await fx.cli.call('DEL', 'nosuchkey');
    await fx.cli.call('SELECT', '3');
    await fx.cli.call('RPUSH', 'l', 'x', 'y');
    await fx.cli.call('SELECT', '0');
    await fx.cli.call('INCR', 'a');
    expect(fx.streamSince(from)).toEqual([
      ['SELECT', '0'], ['SET', 'a', '1'], ['SELECT', '3'], ['RPUSH', 'l', 'x', 'y'], ['SELECT', '0'], ['INCR', 'a'],
    ]);
    expect(repl.masterReplOffset + 1).toBe(repl.backlog!.end);
  });

  it('wraps a transaction of several writes in MULTI/EXEC, sends a single write alone', async () => {
    const repl = fx.srv.server.replication;
    let from = repl.masterReplOffset + 1;
    await fx.cli.call('MULTI');
    await fx.cli.call('SET', 'b', '1');
    await fx.cli.call('GET', 'b');
    await fx.cli.call('SET', 'c', '2');
    await fx.cli.call('EXEC');
    expect(fx.streamSince(from)).toEqual([['MULTI'], ['SET', 'b', '1'], ['SET', 'c', '2'], ['EXEC']]);
    from = repl.masterReplOffset + 1;
    await fx.cli.call('MULTI');
    await fx.cli.call('GET', 'b');
    await fx.cli.call('INCR', 'b');
    await fx.cli.call('EXEC');
    expect(fx.streamSince(from)).toEqual([['INCR', 'b']]);
  });

  it('propagates a lazily expired key as DEL', async () => {
    const repl = fx.srv.server.replication;
    // The active cycle would race the GET to the key (and its DEL to before `from`).
    await fx.cli.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    try {
      await fx.cli.call('SET', 'e', 'v', 'PX', '1');
      await new Promise((r) => setTimeout(r, 5));
      const from = repl.masterReplOffset + 1;
      expect(await fx.cli.call('GET', 'e')).toBe(null);
      expect(fx.streamSince(from)).toEqual([['DEL', 'e']]);
    } finally {
      await fx.cli.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
  });

  it('carries a megabyte value and a thousand arguments byte-exact', async () => {
    const repl = fx.srv.server.replication;
    fx.srv.server.config.set('repl-backlog-size', ['8mb'], true);
    repl.resizeBacklog();
    const from = repl.masterReplOffset + 1;
    const big = Array.from({ length: 1 << 20 }, (_, i) => String.fromCharCode(i % 256)).join('');
    const many = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    await fx.cli.call('SET', 'big', big);
    await fx.cli.call('SADD', 's', ...many);
    const got = fx.streamSince(from);
    expect(got[0]).toEqual(['SET', 'big', big]);
    expect(got[1]).toEqual(['SADD', 's', ...many]);
  });

  it('holds every command fed so far when read in the middle of a turn, across the batch\'s buffers', () => {
    // Fed here without a turn's end in between: the backlog is owed runs of the batch, which
    // a read settles; 200 kB of SETs pass the batch's 64 kB buffers and its early clears.
    const repl = fx.srv.server.replication;
    const from = repl.masterReplOffset + 1;
    const sets = (n: number, tag: string): string[][] => Array.from({ length: n }, (_, i) => ['SET', `${tag}:${i}`, 'v'.repeat(i % 40)]);
    const first = sets(1500, 'a');
    const big = ['SET', 'big', 'x'.repeat(70 * 1024)];
    const second = sets(3000, 'b');
    for (const argv of first) repl.propagate(0, argv);
    expect(fx.streamSince(from).slice(-first.length)).toEqual(first);
    repl.propagate(0, big);
    for (const argv of second) repl.propagate(0, argv);
    expect(fx.streamSince(from).slice(-(first.length + 1 + second.length))).toEqual([...first, big, ...second]);
    expect(repl.backlog!.end).toBe(repl.masterReplOffset + 1);
  });
});
