// What the replication tests share: INFO as a map, polling with a deadline, "caught up" as
// offsets agree and "same data" as digests do, a large mixed dataset written fast
// (pipelined), writes of every command family, a server's log lines.
import { expect } from 'vitest';
import { digest as digestOf } from './dataset.js';
import { RespClient, RespError, type Reply } from './resp-client.js';
import { RespParser } from '../../src/io/resp-parser.js';
import type { Server } from '../../src/actors/server.js';

/** INFO <section> as a field -> value map, from a connected client or a port. */
export async function info(target: RespClient | number, section = 'replication'): Promise<Map<string, string>> {
  const c = typeof target === 'number' ? await RespClient.connect(target) : target;
  try {
    const text = String(await c.call('INFO', section));
    return new Map(text.split('\r\n').filter((l) => l.includes(':')).map((l) => {
      const i = l.indexOf(':');
      return [l.slice(0, i), l.slice(i + 1)] as [string, string];
    }));
  } finally {
    if (c !== target) c.close();
  }
}

/** Polls until check() returns true; throws with describe()'s text after timeoutMs. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 30_000, describe = (): string => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms ${describe()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** until(), named for what it waits for. */
export function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  return until(check, timeoutMs, () => `(${what})`);
}

/** Waits until the replica's link is up and it has processed the master's whole stream. */
export async function caughtUp(master: RespClient | number, replica: RespClient | number, timeoutMs = 60_000): Promise<void> {
  let last = '';
  await until(async () => {
    const [m, r] = await Promise.all([info(master), info(replica)]);
    last = `master offset ${m.get('master_repl_offset')}, replica ${r.get('master_link_status')} ${r.get('slave_repl_offset')}`;
    return r.get('master_link_status') === 'up' && r.get('slave_repl_offset') === m.get('master_repl_offset');
  }, timeoutMs, () => last);
}

export async function digest(port: number): Promise<string> {
  const c = await RespClient.connect(port);
  try {
    return String(await c.call('DEBUG', 'DIGEST'));
  } finally {
    c.close();
  }
}

/** Both sides' DEBUG DIGEST, once the replica has caught up: they must be equal. */
export async function expectSameData(master: RespClient, replica: RespClient): Promise<void> {
  await caughtUp(master, replica);
  const [a, b] = await Promise.all([digestOf(master), digestOf(replica)]);
  expect(b).toBe(a);
  expect(a).not.toBe('0'.repeat(40));
}

async function sendAll(c: RespClient, commands: Array<Array<string | number>>): Promise<void> {
  for (let i = 0; i < commands.length; i += 5000) {
    const replies = await c.pipeline(commands.slice(i, i + 5000));
    const bad = replies.find((r: Reply) => r instanceof RespError);
    if (bad !== undefined) throw new Error(String(bad));
  }
}

/** n keys in db 0, a fifth of each type, small enough for the compact encodings, some with TTLs. */
export async function writeManyKeys(c: RespClient, n: number, prefix = 'k'): Promise<void> {
  const cmds: Array<Array<string | number>> = [];
  for (let i = 0; i < n; i++) {
    const k = `${prefix}:${i}`;
    switch (i % 5) {
      case 0: cmds.push(i % 10 === 0 ? ['SET', k, i] : ['SET', k, `value-${i}`, 'EX', 100_000 + i]); break;
      case 1: cmds.push(['RPUSH', k, 'a', i, `b${i}`]); break;
      case 2: cmds.push(['HSET', k, 'f', i, 'g', `v${i}`]); break;
      case 3: cmds.push(['SADD', k, i, i + 1, `m${i}`]); break;
      default: cmds.push(['ZADD', k, i, 'x', i / 7, `y${i}`]);
    }
  }
  await sendAll(c, cmds);
}

/** Writes of every family, in several dbs, with a transaction; round makes each call differ. */
export async function writeEveryFamily(c: RespClient, round = 0): Promise<void> {
  const r = String(round);
  await sendAll(c, [
    ['SELECT', 0],
    ['SET', `s:${r}`, 'v', 'EX', 1000], ['INCR', 'counter'], ['INCRBYFLOAT', 'float', '1.5'], ['APPEND', 'app', r],
    ['SETRANGE', 'range', 3, 'xyz'], ['MSET', `m1:${r}`, 1, `m2:${r}`, 2], ['GETDEL', 'k:10'], ['SETEX', `ex:${r}`, 500, 'e'],
    ['DEL', 'k:20'], ['EXPIRE', 'k:30', 9999], ['PERSIST', 'k:35'], ['SET', `torename:${r}`, r], ['RENAME', `torename:${r}`, `renamed:${r}`],
    ['LPUSH', 'list', r, 'a', 'b'], ['RPOP', 'list'], ['LSET', 'list', 0, 'first'], ['LTRIM', 'list', 0, 50], ['LMOVE', 'list', 'list2', 'LEFT', 'RIGHT'],
    ['HSET', 'hash', `f${r}`, r], ['HINCRBY', 'hash', 'n', 3], ['HDEL', 'k:2', 'f'], ['HINCRBYFLOAT', 'hash', 'fl', '0.25'],
    ['SADD', 'set', r, 'x'], ['SREM', 'set', 'x'], ['SPOP', 'k:3'], ['SINTERSTORE', 'inter', 'set', 'k:8'], ['SMOVE', 'set', 'set2', r],
    ['ZADD', 'zset', round, `m${r}`], ['ZINCRBY', 'zset', 2.5, 'm0'], ['ZPOPMIN', 'k:4'], ['ZREMRANGEBYRANK', 'k:9', 0, 0],
    ['ZUNIONSTORE', 'zu', 2, 'zset', 'k:14'],
    ['MULTI'], ['INCR', 'tx'], ['SADD', 'txset', r], ['HSET', 'txhash', r, r], ['EXEC'],
    ['SETBIT', 'bits', 7 + round, 1], ['BITOP', 'OR', 'bits2', 'bits', 'bits'], ['PFADD', 'hll', r, 'a', 'b'],
    ['GEOADD', 'geo', '13.361389', '38.115556', `p${r}`], ['XADD', 'stream', '*', 'f', r], ['XTRIM', 'stream', 'MAXLEN', 50],
    ['SORT', 'list', 'ALPHA', 'STORE', 'sorted'],
    ['SELECT', 3], ['SET', `db3:${r}`, r], ['RPUSH', 'db3list', r], ['COPY', `db3:${r}`, `db3copy:${r}`],
    ['SELECT', 5], ['SET', 'db5', r], ['FLUSHDB'], ['SET', `db5:${r}`, r, 'PX', 123456],
    ['SELECT', 0],
  ]);
}

/** The log lines a server writes from now on (at notice level and above). */
export function captureLog(log: { level: string; raw(text: string): void }): string[] {
  const lines: string[] = [];
  log.level = 'notice';
  log.raw = (text: string) => void lines.push(text.trimEnd());
  return lines;
}

/**
 * A log's messages: no time stamps, pids or role letters; replids, offsets (a master's PING
 * every 10 s moves them), byte counts, an RDB's age and the client of a REPLICAOF or FAILOVER
 * made alike, so that a redstate's log and a redis-server's compare.
 */
export function logMessages(lines: string[]): string[] {
  return lines.flatMap((l) => {
    const m = /^\d+:[MS] \d+ \w+ \d+ [\d:.]+ ([#*-] .*)$/.exec(l.trimEnd());
    if (m === null) return [];
    return [m[1]!.replace(/[0-9a-f]{40}:\d+/g, 'REPLID:OFFSET').replace(/[0-9a-f]{40}/g, 'REPLID').replace(/ \((\w+) request from .*$/, ' ($1 request)')
      .replace(/receiving \d+ bytes/, 'receiving N bytes').replace(/created [\d.]+ Mb/, 'created N Mb')
      .replace(/RDB age \d+ seconds/, 'RDB age N seconds').replace(/(offset:?|Sending) \d+/g, '$1 N')];
  });
}

/** The messages from the first that contains `from` to the first that contains `to` (to the end without one). */
export function logBetween(msgs: string[], from: string, to?: string): string[] {
  const start = msgs.findIndex((x) => x.includes(from));
  return to === undefined ? msgs.slice(start) : msgs.slice(start, msgs.findIndex((x) => x.includes(to)) + 1);
}

/** A field of the master's INFO stats (sync_full, sync_partial_ok...). */
export async function stat(c: RespClient, name: string): Promise<number> {
  return Number((await info(c, 'stats')).get(name));
}

/** The commands an in-process master fed to its backlog since offset `from`, each as an argv. */
export function backlogCommandsSince(server: Server, from: number): string[][] {
  const out: string[][] = [];
  const p = new RespParser();
  for (const piece of server.replication.backlog!.read(from)) p.feed(piece, (argv) => (out.push(argv), true));
  return out;
}
