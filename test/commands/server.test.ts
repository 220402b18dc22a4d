// Server commands (DBSIZE FLUSHDB FLUSHALL TIME SHUTDOWN INFO CONFIG CLIENT COMMAND DEBUG)
// side by side with redis-server 7.0: same replies, same error texts, same shapes.
import { describe, expect, it } from 'vitest';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide();
const { same } = pair;

/** CONFIG GET's flat name/value list as sorted pairs (Redis lists them in hash order). */
const pairs = (x: unknown): string[] => {
  const a = x as string[];
  const out: string[] = [];
  for (let i = 0; i < a.length; i += 2) out.push(`${a[i]}=${a[i + 1]}`);
  return out.sort();
};

async function sameConfig(...patterns: string[]): Promise<void> {
  const [want, got] = await Promise.all([pair.r.call('CONFIG', 'GET', ...patterns), pair.s.call('CONFIG', 'GET', ...patterns)]);
  expect(pairs(got), patterns.join(' ')).toEqual(pairs(want));
}

describe('keyspace commands', () => {
  it('DBSIZE, FLUSHDB and FLUSHALL with their options and errors', async () => {
    await same(
      ['DEBUG', 'POPULATE', '10'], ['DBSIZE'], ['FLUSHDB', 'bogus'], ['FLUSHDB', 'a', 'b'], ['FLUSHDB', 'ASYNC'],
      ['DBSIZE'], ['DEBUG', 'POPULATE', '5'], ['SELECT', '2'], ['DEBUG', 'POPULATE', '3'], ['FLUSHALL', 'x'],
      ['FLUSHALL', 'a', 'b'], ['DBSIZE'], ['FLUSHALL', 'sync'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'], ['FLUSHALL'],
    );
  });

  it('TIME is the current time as seconds and microseconds', async () => {
    const t = (await pair.s.call('TIME')) as string[];
    expect(t).toHaveLength(2);
    expect(t[0]).toMatch(/^\d+$/);
    expect(t[1]).toMatch(/^\d{1,6}$/);
    expect(Math.abs(Number(t[0]) - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe('CONFIG', () => {
  it('answers errors as Redis does', async () => {
    await same(
      ['CONFIG'], ['CONFIG', 'bogus'], ['CONFIG', 'GET'], ['CONFIG', 'SET', 'maxclients'],
      ['CONFIG', 'SET', 'maxclients', '10', 'timeout'], ['CONFIG', 'SET', 'foo', '1'],
      ['CONFIG', 'SET', 'daemonize', 'yes'], ['CONFIG', 'SET', 'maxclients', 'abc'],
      ['CONFIG', 'SET', 'MAXCLIENTS', 'abc'], ['CONFIG', 'SET', 'slave-priority', 'abc'],
      ['CONFIG', 'SET', 'maxclients', '10', 'maxclients', '20'], ['CONFIG', 'SET', 'foo', '1', 'daemonize', 'yes'],
      ['CONFIG', 'SET', 'maxclients', 'abc', 'foo', '1'], ['CONFIG', 'SET', 'dir', '/tmp', 'foo', '1'],
      ['CONFIG', 'SET', 'dir', '/tmp'], ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
      ['CONFIG', 'SET', 'include', 'x'], ['CONFIG', 'SET', 'appendonly', 'maybe'],
      ['CONFIG', 'SET', 'save', '1 2 3'],
      ['CONFIG', 'REWRITE'], ['CONFIG', 'REWRITE', 'x'], ['CONFIG', 'RESETSTAT', 'x'], ['CONFIG', 'HELP'],
    );
  });

  it('CONFIG SET is all or nothing', async () => {
    await same(['CONFIG', 'SET', 'timeout', '5', 'maxclients', 'abc']);
    await sameConfig('timeout', 'maxclients');
    await same(['CONFIG', 'SET', 'timeout', '7', 'maxclients', '500', 'slave-read-only', 'no']);
    await sameConfig('timeout', 'maxclients', 'replica-read-only', 'slave-read-only');
    await same(['CONFIG', 'SET', 'timeout', '0', 'maxclients', '10000', 'replica-read-only', 'yes']);
  });

  it('CONFIG GET takes several names and patterns, names as typed, no repeats', async () => {
    for (const p of [
      ['maxmemory', 'hz', 'databases', 'appendonly', 'save', 'repl-backlog-size'], ['MAXCLIENTS'],
      ['Timeout', 'timeout'], ['maxmemory*'], ['repl-*', 'repl-timeout'], ['slave-read-only'], ['SLAVE*'],
      ['nosuch'], ['*max*ziplist*'], ['hash-max-*', 'zset-max-*'], ['client-output-buffer-limit'],
    ]) await sameConfig(...p);
  });

  it('CONFIG GET answers for the hidden directives by exact name only', async () => {
    for (const p of [['key-load-delay'], ['rdb-key-save-delay'], ['use-exit-on-panic'], ['watchdog-period'], ['*delay*'], ['use-*'],
      ['loading-process-events-interval-bytes']]) await sameConfig(...p);
  });

  it('checks the values of the typed directives it does not implement, and of a few it serves, as Redis does', async () => {
    const names = ['replica-announced', 'lazyfree-lazy-user-del', 'lazyfree-lazy-server-del', 'repl-diskless-sync-max-replicas',
      'propagation-error-behavior', 'hll-sparse-max-bytes', 'enable-module-command', 'unixsocketperm', 'activedefrag',
      'appendfsync', 'active-defrag-cycle-max', 'active-defrag-ignore-bytes', 'active-defrag-max-scan-fields',
      'auto-aof-rewrite-min-size', 'cluster-announce-port', 'cluster-node-timeout', 'cluster-link-sendbuf-limit',
      'cluster-preferred-endpoint-type', 'io-threads', 'list-max-listpack-size', 'list-compress-depth', 'socket-mark-id',
      'sanitize-dump-payload', 'supervised', 'syslog-facility', 'tls-auth-clients', 'lazyfree-lazy-user-flush',
      'loading-process-events-interval-bytes', 'key-load-delay', 'watchdog-period'];
    for (const name of names) {
      for (const value of ['abc', '321', '-1', '0700', '99999999999999999999', '']) await same(['CONFIG', 'SET', name, value]);
    }
    for (const [name, value] of [['hll-sparse-max-bytes', '3kb'], ['loading-process-events-interval-bytes', '4096'], ['list-compress-depth', '1']]) {
      const before = ((await pair.r.call('CONFIG', 'GET', name)) as string[])[1]!;
      await same(['CONFIG', 'SET', name, value]);
      await sameConfig(name);
      await same(['CONFIG', 'SET', name, before]);
    }
  });

  it('CONFIG RESETSTAT starts the counters again', async () => {
    await same(['CONFIG', 'GET', 'x']);
    await same(['CONFIG', 'RESETSTAT']);
    const stats = await Promise.all([pair.r.call('INFO', 'commandstats'), pair.s.call('INFO', 'commandstats')]);
    const shape = (x: Reply): string => String(x).replace(/usec=\d+/, 'usec=N').replace(/usec_per_call=[\d.]+/, 'usec_per_call=N');
    expect(shape(stats[1])).toBe(shape(stats[0]));
    expect(shape(stats[1])).toBe('# Commandstats\r\n' +
      'cmdstat_config|resetstat:calls=1,usec=N,usec_per_call=N,rejected_calls=0,failed_calls=0\r\n');
    expect(await pair.s.call('INFO', 'stats')).toMatch(/\r\ntotal_commands_processed:2\r\n/);
  });
});

/** INFO's section titles in order. */
const titles = (x: Reply): string[] => String(x).split('\r\n').filter((l) => l.startsWith('# '));

/** INFO's fields by section. */
function fields(x: Reply): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] = [];
  for (const l of String(x).split('\r\n')) {
    if (l.startsWith('# ')) out.set(l.slice(2), (cur = []));
    else if (l !== '') cur.push(l.slice(0, l.indexOf(':')));
  }
  return out;
}

describe('INFO', () => {
  it('has the sections Redis has, in its order, for every way of asking', async () => {
    for (const args of [[], ['default'], ['all'], ['everything'], ['server', 'clients'], ['CLIENTS', 'server'],
      ['keyspace'], ['bogus'], ['modules'], ['commandstats'], ['errorstats', 'cpu', 'default'], ['latencystats']]) {
      const [want, got] = await Promise.all([pair.r.call('INFO', ...args), pair.s.call('INFO', ...args)]);
      expect(titles(got), args.join(' ')).toEqual(titles(want));
    }
    expect(await pair.s.call('INFO', 'bogus')).toBe('');
  });

  it('uses Redis field names, lines ending in CRLF', async () => {
    await same(['DEBUG', 'POPULATE', '3']);
    const [want, got] = await Promise.all([pair.r.call('INFO', 'everything'), pair.s.call('INFO', 'everything')]);
    const text = String(got);
    expect(text).toMatch(/^# Server\r\n/);
    expect(text.endsWith('\r\n')).toBe(true);
    for (const line of text.split('\r\n').slice(0, -1)) expect(line).toMatch(/^(# [A-Za-z]+|[a-z0-9_|]+:.*|)$/);
    const redisFields = fields(want);
    for (const [section, names] of fields(got)) {
      if (section === 'Commandstats' || section === 'Errorstats' || section === 'Keyspace') continue;
      for (const n of names) expect(redisFields.get(section), `${section} ${n}`).toContain(n);
    }
    const required = [
      'redis_version', 'redis_mode', 'os', 'arch_bits', 'process_id', 'run_id', 'tcp_port', 'uptime_in_seconds',
      'uptime_in_days', 'hz', 'executable', 'config_file', 'connected_clients', 'blocked_clients', 'maxclients',
      'used_memory', 'used_memory_human', 'used_memory_rss', 'used_memory_rss_human', 'used_memory_peak', 'maxmemory',
      'mem_fragmentation_ratio', 'loading', 'rdb_changes_since_last_save', 'rdb_bgsave_in_progress',
      'rdb_last_save_time', 'rdb_last_bgsave_status', 'rdb_last_bgsave_time_sec', 'rdb_current_bgsave_time_sec',
      'aof_enabled', 'total_connections_received', 'total_commands_processed', 'instantaneous_ops_per_sec',
      'total_net_input_bytes', 'total_net_output_bytes', 'rejected_connections', 'expired_keys', 'keyspace_hits',
      'keyspace_misses', 'total_error_replies', 'role', 'connected_slaves', 'master_failover_state', 'master_replid',
      'master_replid2', 'master_repl_offset', 'second_repl_offset', 'repl_backlog_active', 'repl_backlog_size',
      'repl_backlog_first_byte_offset', 'repl_backlog_histlen', 'used_cpu_sys', 'cluster_enabled',
    ];
    const ours = [...fields(got).values()].flat();
    for (const n of required) expect(ours, n).toContain(n);
  });

  it("counts the cached scripts, functions and libraries in INFO memory, under Redis's field names in its order", async () => {
    const counts = async (): Promise<string[][]> => (await Promise.all([pair.r.call('INFO', 'memory'), pair.s.call('INFO', 'memory')]))
      .map((x) => String(x).split('\r\n').filter((l) => /^number_of_/.test(l)));
    let [want, got] = await counts();
    expect(got).toEqual(want);
    for (let j = 0; j < 100; j++) await same(['SCRIPT', 'LOAD', `return ${j}`]);
    await same(['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f1', function() return 1 end)\n" +
      "redis.register_function{function_name='f2', callback=function() return 2 end, description='two'}"]);
    [want, got] = await counts();
    expect(got).toEqual(want);
    expect(got).toEqual(['number_of_cached_scripts:100', 'number_of_functions:2', 'number_of_libraries:1']);
    const [r, s] = await Promise.all([pair.r.call('INFO', 'memory'), pair.s.call('INFO', 'memory')]);
    expect(fields(s).get('Memory')).toEqual(fields(r).get('Memory'));
    const scripts = /used_memory_scripts:(\d+)/.exec(String(s))![1]!;
    await same(['SCRIPT', 'FLUSH', 'ASYNC'], ['FUNCTION', 'FLUSH']);
    [want, got] = await counts();
    expect(got).toEqual(want);
    expect(Number(/used_memory_scripts:(\d+)/.exec(String(await pair.s.call('INFO', 'memory')))![1])).toBeLessThan(Number(scripts));
  });

  it('reports this server: version, port, ids, clients, replication and keyspace', async () => {
    const info = String(await pair.s.call('INFO'));
    const v = (k: string): string => new RegExp(`\r\n${k}:(.*)\r\n`).exec(info)![1]!;
    expect(v('redis_version')).toBe('7.0.15');
    expect(v('redis_mode')).toBe('standalone');
    expect(Number(v('tcp_port'))).toBe(pair.redstate.port);
    expect(Number(v('process_id'))).toBe(process.pid);
    expect(v('run_id')).toBe(pair.redstate.server.runId);
    expect(v('master_replid')).toMatch(/^[0-9a-f]{40}$/);
    expect(v('master_replid2')).toBe('0'.repeat(40));
    expect(v('role')).toBe('master');
    expect(Number(v('connected_clients'))).toBe(pair.redstate.server.clients.size);
    expect(Number(v('used_memory'))).toBeGreaterThan(0);
    expect(v('used_memory_human')).toMatch(/^\d+\.\d\d[KMG]$/);
    expect(v('mem_fragmentation_ratio')).toMatch(/^\d+\.\d\d$/);
    expect(v('db0')).toBe('keys=3,expires=0,avg_ttl=0');
    expect(v('rdb_last_bgsave_status')).toBe('ok');
    await same('FLUSHALL');
  });

  it('counts subcommands in commandstats as Redis does', async () => {
    await same(['CONFIG', 'RESETSTAT']);
    await same(['CONFIG', 'GET', 'x'], ['CONFIG', 'GET', 'y'], ['CLIENT', 'GETNAME'], ['CONFIG', 'GET'], ['DBSIZE']);
    const shape = (x: Reply): string[] => String(x).split('\r\n').map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+/, 'usec')).sort();
    const [want, got] = await Promise.all([pair.r.call('INFO', 'commandstats'), pair.s.call('INFO', 'commandstats')]);
    expect(shape(got)).toEqual(shape(want));
  });
});

const CLIENT_FIELDS = /^id=\d+ addr=\S+ laddr=\S+ fd=-?\d+ name=\S* age=\d+ idle=\d+ flags=\w+ db=\d+ sub=\d+ psub=\d+ ssub=\d+ multi=-?\d+ qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=\d+ rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ events=r?w? cmd=\S+ user=default redir=-1 resp=2$/;

/** A CLIENT LIST line as field=value pairs. */
const clientFields = (line: string): Map<string, string> =>
  new Map(line.split(' ').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));

describe('CLIENT', () => {
  it('answers errors and simple subcommands as Redis does', async () => {
    await same(
      ['CLIENT'], ['CLIENT', 'bogus'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'a b'], ['CLIENT', 'SETNAME', 'a\x01'],
      ['CLIENT', 'SETNAME', '\xe9'], ['CLIENT', 'SETNAME', 'x'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', ''],
      ['CLIENT', 'GETNAME'], ['CLIENT', 'ID', 'x'], ['CLIENT', 'INFO', 'x'], ['CLIENT', 'KILL'],
      ['CLIENT', 'KILL', '1.2.3.4:5'], ['CLIENT', 'KILL', 'ID', '0'], ['CLIENT', 'KILL', 'ID', '-1'],
      ['CLIENT', 'KILL', 'ID', 'abc'], ['CLIENT', 'KILL', 'TYPE', 'bogus'], ['CLIENT', 'KILL', 'foo', 'bar'],
      ['CLIENT', 'KILL', 'a', 'b', 'c'], ['CLIENT', 'KILL', 'USER', 'bob'], ['CLIENT', 'KILL', 'ID', '99999'],
      ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5'], ['CLIENT', 'KILL', 'LADDR', 'x'], ['CLIENT', 'KILL', 'SKIPME', 'maybe'],
      ['CLIENT', 'KILL', 'TYPE', 'master'], ['CLIENT', 'KILL', 'TYPE', 'pubsub'], ['CLIENT', 'KILL', 'TYPE', 'slave'],
      ['CLIENT', 'KILL', 'SKIPME', 'no', 'ID', '99999'], ['CLIENT', 'KILL', 'ID', '1', 'x'],
      ['CLIENT', 'LIST', 'TYPE', 'bogus'], ['CLIENT', 'LIST', 'ID', 'abc'], ['CLIENT', 'LIST', 'ID'],
      ['CLIENT', 'LIST', 'foo'], ['CLIENT', 'LIST', 'TYPE', 'NORMAL', 'ID', '1'], ['CLIENT', 'LIST', 'ID', '1', 'TYPE', 'normal'],
      ['CLIENT', 'LIST', 'TYPE', 'replica'], ['CLIENT', 'LIST', 'TYPE', 'master'], ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
      ['CLIENT', 'LIST', 'ID', '0', '99999'], ['CLIENT', 'NO-EVICT', 'maybe'], ['CLIENT', 'NO-EVICT', 'on'],
      ['CLIENT', 'NO-EVICT', 'OFF'],
    );
  });

  it('CLIENT LIST and CLIENT INFO have Redis 7.0 fields, in order', async () => {
    const [want, got] = await Promise.all([pair.r.call('CLIENT', 'INFO'), pair.s.call('CLIENT', 'INFO')]);
    const names = (x: Reply): string[] => [...clientFields(String(x).trimEnd()).keys()];
    expect(names(got)).toEqual(names(want));
    expect(String(got)).toMatch(/\n$/);
    expect(String(got).trimEnd()).toMatch(CLIENT_FIELDS);
    const mine = clientFields(String(got).trimEnd());
    expect(mine.get('cmd')).toBe('client|info');
    expect(mine.get('flags')).toBe('N');
    expect(Number(mine.get('id'))).toBe(await pair.s.call('CLIENT', 'ID'));
  });

  it('lists every connection, filtered by TYPE or ID, with its name, db and last command', async () => {
    const other = await RespClient.connect(pair.redstate.port);
    try {
      await other.call('CLIENT', 'SETNAME', 'worker');
      await other.call('SELECT', '3');
      await other.call('PING');
      const before = String(await pair.s.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes('name=worker'))!;
      expect(clientFields(before).get('cmd')).toBe('ping');
      await other.call('MULTI');
      await other.call('PING');
      const list = String(await pair.s.call('CLIENT', 'LIST')).split('\n').filter(Boolean);
      expect(list.length).toBe(pair.redstate.server.clients.size);
      for (const l of list) expect(l).toMatch(CLIENT_FIELDS);
      const w = clientFields(list.find((l) => l.includes('name=worker'))!);
      expect(w.get('db')).toBe('3');
      expect(w.get('flags')).toBe('x');
      expect(w.get('multi')).toBe('1');
      const self = clientFields(list.find((l) => l.includes('cmd=client|list'))!);
      expect(Number(self.get('argv-mem'))).toBe('CLIENTLIST'.length);
      const byId = String(await pair.s.call('CLIENT', 'LIST', 'ID', w.get('id')!, self.get('id')!, '99999')).split('\n');
      expect(byId.map((l) => clientFields(l).get('id'))).toEqual([w.get('id'), self.get('id'), undefined]);
      const normal = String(await pair.s.call('CLIENT', 'LIST', 'TYPE', 'normal')).split('\n').filter(Boolean);
      expect(normal.length).toBe(list.length);
    } finally {
      other.close();
    }
  });

  it('CLIENT KILL closes the matching connections, the caller too when asked', async () => {
    const a = await RespClient.connect(pair.redstate.port);
    const b = await RespClient.connect(pair.redstate.port);
    const aId = await a.call('CLIENT', 'ID');
    expect(await pair.s.call('CLIENT', 'KILL', 'ID', String(aId))).toBe(1);
    await a.waitClosed();
    const bInfo = clientFields(String(await b.call('CLIENT', 'INFO')).trimEnd());
    expect(await pair.s.call('CLIENT', 'KILL', bInfo.get('addr')!)).toBe('OK');
    await b.waitClosed();
    const c = await RespClient.connect(pair.redstate.port);
    const cInfo = clientFields(String(await c.call('CLIENT', 'INFO')).trimEnd());
    expect(await c.call('CLIENT', 'KILL', 'ADDR', cInfo.get('addr')!)).toBe(0);
    expect(await c.call('CLIENT', 'KILL', 'ADDR', cInfo.get('addr')!, 'SKIPME', 'no')).toBe(1);
    await c.waitClosed();
    const d = await RespClient.connect(pair.redstate.port);
    const dInfo = clientFields(String(await d.call('CLIENT', 'INFO')).trimEnd());
    expect(await d.call('CLIENT', 'KILL', 'LADDR', dInfo.get('laddr')!, 'TYPE', 'normal', 'ID', dInfo.get('id')!)).toBe(0);
    expect(await d.call('PING')).toBe('PONG');
    d.close();
  });
});

describe('MODULE and the cluster commands', () => {
  it('answer as a Redis that loads no modules and has cluster support disabled', async () => {
    await same('MODULE LIST', 'MODULE HELP', 'MODULE', 'MODULE bogus', 'MODULE LIST x', 'MODULE LOAD /nonexistent.so',
      'MODULE LOADEX /x.so CONFIG a b', 'MODULE UNLOAD foo', 'MODULE UNLOAD', 'READONLY', 'READWRITE', 'ASKING', 'READONLY x',
      'MULTI', 'MODULE LIST', 'READWRITE', 'EXEC', 'CLUSTER', 'CLUSTER INFO', 'CLUSTER HELP', 'CLUSTER SLOTS', 'CLUSTER KEYSLOT a',
      'CLUSTER INFO x', 'CLUSTER bogus', 'CLUSTER SETSLOT 1', 'CLUSTER RESET HARD');
    // A protected command is refused before MULTI queues it, and the transaction is aborted.
    await same('MULTI', 'MODULE LIST', 'MODULE LOAD /x.so', 'MODULE UNLOAD foo', 'EXEC', 'MULTI', 'MODULE LOAD', 'EXEC');
  });
});

describe('SHUTDOWN', () => {
  it('refuses bad option mixes and ABORT without a shutdown, as Redis does', async () => {
    await same(
      ['SHUTDOWN', 'bogus'], ['SHUTDOWN', 'SAVE', 'NOSAVE'], ['SHUTDOWN', 'ABORT'], ['SHUTDOWN', 'ABORT', 'NOW'],
      ['SHUTDOWN', 'now', 'abort'], ['SHUTDOWN', 'ABORT', 'abort'], ['SHUTDOWN', 'FORCE', 'bogus'], ['MULTI'], ['SHUTDOWN'], ['EXEC'],
    );
  });
});
