// A real redis-server for the RDB tests: started on a free loopback port with persistence
// off, and a minimal RESP2 client that keeps every string binary (latin1).
import { parseDoubleText } from '../../../src/io/rdb-format.js';
import { RespClient, RespError, type Reply } from '../../helpers/resp-client.js';
import { startRedis as startRedisProcess } from '../../helpers/servers.js';

type Arg = string | number | Buffer;

/** A client whose call() throws on an error reply, as these tests want. */
export interface PeerClient {
  call(...args: Arg[]): Promise<Reply>;
  pipeline(commands: Arg[][]): Promise<Reply[]>;
}

export interface RedisPeer {
  port: number;
  client: PeerClient;
  stop(): Promise<void>;
}

/** Starts redis-server in dir (persistence off unless args say otherwise) and connects. */
export async function startRedis(dir: string, args: string[] = []): Promise<RedisPeer> {
  const proc = await startRedisProcess(['--enable-debug-command', 'yes', '--logfile', '', ...args], dir);
  const resp = await RespClient.connect(proc.port);
  const client: PeerClient = {
    async call(...a) {
      const r = await resp.call(...a);
      if (r instanceof RespError) throw r;
      return r;
    },
    pipeline: (commands) => resp.pipeline(commands),
  };
  return {
    port: proc.port,
    client,
    async stop() {
      resp.close();
      await proc.close();
    },
  };
}

/** Reads every key of a database the way plain() shows decoded values, plus PEXPIRETIME. */
export async function readDatabase(client: PeerClient, db: number): Promise<Map<string, { value: unknown; expireMs: number | undefined }>> {
  await client.call('SELECT', db);
  const keys = (await client.call('KEYS', '*')) as string[];
  const types = (await client.pipeline(keys.map((k) => ['TYPE', k]))) as string[];
  const fetch: Arg[][] = keys.map((k, i) => {
    switch (types[i]) {
      case 'string': return ['GET', k];
      case 'list': return ['LRANGE', k, 0, -1];
      case 'set': return ['SMEMBERS', k];
      case 'hash': return ['HGETALL', k];
      case 'zset': return ['ZRANGE', k, 0, -1, 'WITHSCORES'];
      default: throw new Error(`unexpected type ${String(types[i])}`);
    }
  });
  const values = await client.pipeline(fetch);
  const expires = (await client.pipeline(keys.map((k) => ['PEXPIRETIME', k]))) as number[];
  const out = new Map<string, { value: unknown; expireMs: number | undefined }>();
  keys.forEach((k, i) => {
    const v = values[i]!;
    let value: unknown;
    switch (types[i]) {
      case 'string': value = v; break;
      case 'list': value = { list: v }; break;
      case 'set': value = { set: (v as string[]).sort() }; break;
      case 'hash': {
        const flat = v as string[];
        const pairs: Array<[string, string]> = [];
        for (let j = 0; j < flat.length; j += 2) pairs.push([flat[j]!, flat[j + 1]!]);
        value = { hash: pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) };
        break;
      }
      case 'zset': {
        const flat = v as string[];
        const pairs: Array<[string, number]> = [];
        for (let j = 0; j < flat.length; j += 2) pairs.push([flat[j]!, parseDoubleText(flat[j + 1]!)]);
        value = { zset: pairs };
        break;
      }
    }
    out.set(k, { value, expireMs: expires[i]! < 0 ? undefined : expires[i] });
  });
  return out;
}
