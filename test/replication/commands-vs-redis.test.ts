// MONITOR, and the replication commands' answers to bad input, compared with redis-server 7.0;
// replicas that vanish mid-sync leave the master serving the others.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/replication.js';
import { StreamReplica } from '../helpers/replica-stream.js';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';

let redstate: InProcess;
let redis: Proc;

beforeAll(async () => {
  [redstate, redis] = await Promise.all([startRedstate(), startRedis()]);
});
afterAll(async () => {
  await Promise.all([redstate.close(), redis.close()]);
});

/** The lines a MONITOR client sees while the commands run, times and client ports masked. */
async function monitorLines(port: number, commands: string[][]): Promise<string[]> {
  const mon = connect({ port, host: '127.0.0.1' });
  let text = '';
  mon.on('data', (b: Buffer) => (text += b.toString('latin1')));
  mon.write('MONITOR\r\n');
  await until(() => text.startsWith('+OK\r\n'));
  const cli = await RespClient.connect(port);
  await cli.pipeline(commands);
  await cli.call('ECHO', 'last');
  await until(() => text.includes('"ECHO" "last"'));
  cli.close();
  mon.destroy();
  return text.split('\r\n').slice(1, -1)
    .map((l) => l.replace(/^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]/, '[$1 client]').replace(/^\+\d+\.\d{6} \[(\d+) lua\]/, '[$1 lua]'));
}

/** Each command's reply, sent one by one (REPLCONF ACK and GETACK get none). */
async function replies(port: number, commands: string[][]): Promise<Reply[]> {
  const cli = await RespClient.connect(port);
  const out: Reply[] = [];
  for (const cmd of commands) {
    if (/^(ACK|GETACK)$/i.test(cmd[1] ?? '')) cli.write(`${cmd.join(' ')}\r\n`);
    else out.push(await cli.call(...cmd));
  }
  cli.close();
  return out.map((r) => (r instanceof Error ? `error: ${r.message}` : r));
}

describe('MONITOR', () => {
  it('prints a pipeline as redis-server 7.0 prints it', async () => {
    const pipeline = [
      ['SET', 'a', 'x y'], ['GET', 'a'], ['SELECT', '2'], ['SET', 'b', 'q"\n\x01\xff\\'], ['MULTI'], ['INCR', 'c'],
      ['GET', 'c'], ['EXEC'], ['CONFIG', 'GET', 'port'], ['NOSUCH', 'cmd'], ['GET'], ['PING'], ['DEL', 'a', 'b'],
    ];
    const [ours, theirs] = await Promise.all([monitorLines(redstate.port, pipeline), monitorLines(redis.port, pipeline)]);
    expect(ours).toEqual(theirs);
    expect(ours).toContain('[2 client] "SET" "b" "q\\"\\n\\x01\\xff\\\\"');
  });
  it("prints a script's EVAL or FCALL before the commands it runs, those as [db lua] (Redis's unit/introspection.tcl)", async () => {
    const lib = "#!lua name=mon\nredis.register_function('mf', function(keys, args) return redis.call('set', keys[1], args[1]) end)";
    const pipeline = [
      ['FUNCTION', 'LOAD', 'REPLACE', lib], ['EVAL', "redis.call('set', KEYS[1], ARGV[1])", '1', 'foo', 'bar'],
      ['EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'foo'], ['EVALSHA', 'f'.repeat(40), '0'],
      ['FCALL', 'mf', '1', 'foo', 'baz'], ['FCALL', 'nosuch', '0'], ['FUNCTION', 'DELETE', 'mon'],
    ];
    const [ours, theirs] = await Promise.all([monitorLines(redstate.port, pipeline), monitorLines(redis.port, pipeline)]);
    expect(ours).toEqual(theirs);
    expect(ours).toContain('[0 lua] "set" "foo" "bar"');
  });

  it('redacts AUTH and HELLO AUTH credentials as redis-server 7.0 does', async () => {
    const pipeline = [
      ['AUTH', 'secret'], ['AUTH', 'user', 'pw'], ['AUTH', 'a', 'b', 'c'], ['HELLO', '2', 'AUTH', 'default', 'pw', 'SETNAME', 'x'],
      ['HELLO', '3', 'SETNAME', 'auth', 'AUTH', 'u', 'p'], ['HELLO', '3', 'AUTH', 'default'], ['HELLO', '2', 'BOGUS', 'AUTH', 'u', 'p'],
    ];
    const [ours, theirs] = await Promise.all([monitorLines(redstate.port, pipeline), monitorLines(redis.port, pipeline)]);
    expect(ours).toEqual(theirs);
    expect(ours).toContain('[0 client] "AUTH" "(redacted)" "(redacted)"');
  });
});

describe('bad input to the replication commands', () => {
  it('answers as redis-server 7.0 answers', async () => {
    const script = [
      ['PSYNC'], ['PSYNC', 'x'], ['PSYNC', '?', 'notanumber'], ['SYNC', 'extra'],
      ['REPLCONF', 'listening-port'], ['REPLCONF', 'foo', 'bar'], ['REPLCONF', 'listening-port', 'abc'],
      ['REPLCONF', 'ip-address', 'x'.repeat(46)], ['REPLCONF', 'ip-address', 'x'.repeat(256)], ['REPLCONF', 'rdb-only', '5'], ['REPLCONF', 'rdb-filter-only', 'keys'],
      ['REPLCONF', 'listening-port', '1234', 'capa', 'eof', 'capa', 'whatever'], ['REPLCONF'],
      ['REPLCONF', 'ACK', '5'], ['PING'], ['REPLCONF', 'GETACK', '*'], ['PING'],
      ['WAIT'], ['WAIT', 'x', '0'], ['WAIT', '0', 'abc'], ['WAIT', '1', '-1'], ['WAIT', '0', '0'], ['WAIT', '1', '10'],
      ['MULTI'], ['SYNC'], ['PSYNC', '?', '-1'], ['WAIT', '1', '0'], ['EXEC'],
      ['ROLE', 'x'],
    ];
    const [ours, theirs] = await Promise.all([replies(redstate.port, script), replies(redis.port, script)]);
    expect(ours).toEqual(theirs);
  });

  it('refuses SYNC behind replies still pending, as redis-server 7.0 does', async () => {
    const answer = async (port: number): Promise<string> => {
      const sock = connect({ port, host: '127.0.0.1' });
      let text = '';
      sock.on('data', (b: Buffer) => (text += b.toString('latin1')));
      sock.write('PING\r\nSYNC\r\nPING\r\n');
      await until(() => text.split('\r\n').length > 3);
      sock.destroy();
      return text;
    };
    const [ours, theirs] = await Promise.all([answer(redstate.port), answer(redis.port)]);
    expect(ours).toBe(theirs);
    expect(ours).toBe('+PONG\r\n-ERR SYNC and PSYNC are invalid with pending output\r\n+PONG\r\n');
  });

  it('keeps a replica waiting for a diskless snapshot to gather alive with newlines', async () => {
    const cli = await RespClient.connect(redstate.port);
    await cli.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '1');
    const r = await StreamReplica.start(redstate.port, { psync: ['?', -1], eof: true });
    const payload = await r.payload;
    expect(payload.eof).toBe(true);
    expect(r.newlines).toBeGreaterThan(0);
    r.close();
    await cli.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '5');
    cli.close();
    await until(() => redstate.server.replication.replicas.size === 0);
  });

  it('serves other replicas on when one disconnects while waiting for its snapshot or midway', async () => {
    const port = redstate.port;
    const cli = await RespClient.connect(port);
    await cli.call('DEBUG', 'POPULATE', '20000');
    await cli.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '1');
    const waiting = await StreamReplica.start(port, { psync: ['?', -1], eof: true });
    await until(() => redstate.server.replication.replicas.size === 1);
    waiting.close();
    await until(() => redstate.server.replication.replicas.size === 0);
    await cli.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0', 'repl-diskless-sync', 'no');
    const midway = await StreamReplica.start(port, { psync: ['?', -1] });
    await until(() => [...redstate.server.replication.replicas].some((r) => r.state !== 'waitBgsaveStart'));
    midway.close();
    const good = await StreamReplica.start(port, { psync: ['?', -1] });
    const payload = await good.payload;
    expect(payload.reply).toMatch(/^FULLRESYNC [0-9a-f]{40} \d+$/);
    expect(payload.rdb.subarray(0, 5).toString()).toBe('REDIS');
    await cli.call('SET', 'after', 'x');
    await good.waitFor((cmds) => cmds.some((c) => c[0] === 'SET' && c[1] === 'after'));
    good.close();
    await until(() => redstate.server.replication.replicas.size === 0);
    await cli.call('CONFIG', 'SET', 'repl-backlog-ttl', '1');
    await until(async () => String(await cli.call('INFO', 'replication')).includes('repl_backlog_active:0'), 10_000);
    cli.close();
  });
});

describe('INFO clients on a master', () => {
  it('counts its clients without its replicas, as redis-server 7.0 does', async () => {
    const counts = await Promise.all([redis.port, redstate.port].map(async (port) => {
      const replica = await startRedis(['--replicaof', '127.0.0.1', String(port)]);
      const c = await RespClient.connect(port);
      const field = async (name: string): Promise<string> => new RegExp(`^${name}:(\\d+)`, 'm').exec((await c.call('INFO')) as string)![1]!;
      await until(async () => (await field('connected_slaves')) === '1', 15_000);
      const got = [await field('connected_clients'), await field('connected_slaves')];
      c.close();
      await replica.close();
      return got;
    }));
    expect(counts[1]).toEqual(counts[0]);
    expect(counts[0]![1]).toBe('1');
  });
});

describe('a FLUSHALL just after a full sync', () => {
  it('reaches the replica that read its payload, as from redis-server (list.tcl), though the save may still be renaming its file', async () => {
    for (const port of [redis.port, redstate.port]) {
      const c = await RespClient.connect(port);
      for (let i = 0; i < 5; i++) {
        await c.call('SET', 'k', String(i));
        const replica = await StreamReplica.start(port);
        await replica.payload;
        expect(await c.call('FLUSHALL')).toBe('OK');
        expect(await c.call('SET', 'after', String(i))).toBe('OK');
        await replica.waitFor((cmds) => cmds.some((cmd) => cmd[0]!.toLowerCase() === 'set' && cmd[1] === 'after'), 5000);
        expect(replica.closed).toBe(false);
        expect(replica.commands.some((cmd) => cmd[0]!.toLowerCase() === 'flushall')).toBe(true);
        replica.close();
      }
      c.close();
    }
  });
});
