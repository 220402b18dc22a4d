// CONFIG SET port and bind against redis-server 7.0: the server listens anew at once (its
// clients stay), a port or address it cannot take is refused and the old ones are back, and
// INFO's tcp_port follows. At start-up, `bind * -::*` listens on both families (IPv6 sockets
// v6-only, as Redis makes them).
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { RespClient, RespError, type Reply } from '../helpers/resp-client.js';
import { freePort, startRedis, startRedstate, startRedstateProcess, type InProcess, type Proc } from '../helpers/servers.js';

const running: Array<Proc | InProcess> = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.close()));
});

/** PONG, or why not, from host:port. */
async function ping(port: number, host = '127.0.0.1'): Promise<string> {
  try {
    const c = await RespClient.connect(port, host);
    const r = await c.call('PING');
    c.close();
    return String(r);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'error';
  }
}

const shown = (r: Reply): unknown => (r instanceof RespError ? r.message : r);

async function steps(start: number, taken: number): Promise<unknown[]> {
  const c = await RespClient.connect(start);
  const out: unknown[] = [];
  const next = await freePort();
  out.push(shown(await c.call('CONFIG', 'SET', 'port', next)), await ping(next), await ping(start));
  out.push(/tcp_port:(\d+)/.exec((await c.call('INFO', 'server')) as string)![1] === String(next));
  out.push(shown(await c.call('CONFIG', 'SET', 'port', taken)), await ping(next));
  out.push(shown(await c.call('CONFIG', 'SET', 'port', next)), await ping(next));
  out.push(shown(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 -::1')), await ping(next));
  out.push(shown(await c.call('CONFIG', 'SET', 'bind', '198.51.100.1')), await ping(next));
  out.push(shown(await c.call('CONFIG', 'SET', 'bind', '198.51.100.1 -::1')), await ping(next));
  out.push(shown(await c.call('CONFIG', 'GET', 'bind')), shown(await c.call('CONFIG', 'GET', 'port')) !== null);
  c.close();
  return out;
}

describe('CONFIG SET port and bind', () => {
  it('listen anew at once, or are refused with the old sockets back, as in redis-server', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    const [redis, ours] = await Promise.all([startRedis(), startRedstate()]);
    running.push(redis, ours);
    const [want, got] = await Promise.all([steps(redis.port, taken), steps(ours.port, taken)]);
    blocker.close();
    expect(got).toEqual(want);
    expect(want.slice(0, 6)).toEqual(['OK', 'PONG', 'ECONNREFUSED', true, 'ERR CONFIG SET failed (possibly related to argument \'port\') - Unable to listen on this port. Check server logs.', 'PONG']);
  });

  it('binds `* -::*` at start-up: IPv4 and IPv6 sockets side by side', async () => {
    const [redis, ours] = await Promise.all([startRedis(['--bind', '* -::*']), startRedstateProcess(['--bind', '* -::*'])]);
    running.push(redis, ours);
    expect([await ping(ours.port), await ping(ours.port, '::1')]).toEqual([await ping(redis.port), await ping(redis.port, '::1')]);
    expect(await ping(ours.port)).toBe('PONG');
  });
});
