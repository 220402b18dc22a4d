// Pub/sub compared with redis-server 7.0: each scenario runs its subscribers and publishers
// against both servers, and every reply and message each client got must be the same;
// redis-cli --csv psubscribe's output, ioredis producers and consumers, and a subscriber that
// never reads, dropped at the pubsub output limit while the server goes on.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { plain, sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true, config: { 'client-output-buffer-limit': 'pubsub 1mb 256kb 60' } });

const opened: RespClient[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

async function connect(port: number): Promise<RespClient> {
  const c = await RespClient.connect(port);
  opened.push(c);
  return c;
}

/** Runs the scenario against both servers; what it returns must be equal. */
async function same(scenario: (port: number) => Promise<unknown>): Promise<void> {
  const [want, got] = await Promise.all([scenario(pair.redis.port), scenario(pair.redstate.port)]);
  expect(got).toEqual(want);
}

/** Sends a command whose replies are n messages (SUBSCRIBE a b: two). */
async function send(c: RespClient, n: number, ...args: string[]): Promise<unknown[]> {
  const first = c.call(...args);
  const rest = Array.from({ length: n - 1 }, () => c.next());
  return (await Promise.all([first, ...rest])).map(plain);
}

describe('SUBSCRIBE PSUBSCRIBE PUBLISH', () => {
  it('delivers to channels and patterns, counts receivers, and keeps the subscribed context', async () => {
    await same(async (port) => {
      const [sub, pub] = [await connect(port), await connect(port)];
      const out: unknown[] = [];
      out.push(await send(sub, 2, 'SUBSCRIBE', 'news', 'sport'));
      out.push(await send(sub, 2, 'PSUBSCRIBE', 'n*', 'h?llo'));
      out.push(await send(sub, 1, 'SUBSCRIBE', 'news'));
      out.push(await pub.call('PUBLISH', 'news', 'first'));
      // The two messages, then PING's answer, in order.
      out.push(await send(sub, 3, 'PING'));
      out.push(await pub.call('PUBLISH', 'hello', 'x'), plain(await sub.next()));
      out.push(await pub.call('PUBLISH', 'nobody', ''), plain(await sub.next()));
      out.push(await pub.call('PUBLISH', 'other', 'x'));
      out.push(plain(await sub.call('PING')), plain(await sub.call('PING', 'hi')));
      out.push(plain(await sub.call('GET', 'x')), plain(await sub.call('CLIENT', 'ID').then(() => 'id')));
      out.push((await pub.call('PUBSUB', 'CHANNELS')) as string[]);
      out.push(await pub.call('PUBSUB', 'CHANNELS', 's*'), await pub.call('PUBSUB', 'NUMSUB', 'news', 'sport', 'none'));
      out.push(await pub.call('PUBSUB', 'NUMSUB'), await pub.call('PUBSUB', 'NUMPAT'));
      out.push(await send(sub, 1, 'UNSUBSCRIBE', 'news'), await send(sub, 1, 'UNSUBSCRIBE', 'never'));
      out.push(await send(sub, 1, 'PUNSUBSCRIBE', 'n*'), await send(sub, 1, 'PUNSUBSCRIBE'));
      out.push(await send(sub, 1, 'UNSUBSCRIBE'), await send(sub, 1, 'UNSUBSCRIBE'), await send(sub, 1, 'PUNSUBSCRIBE'));
      out.push(plain(await sub.call('PING')), plain(await sub.call('SET', 'x', '1')), await pub.call('PUBSUB', 'NUMPAT'));
      return out.map((x) => (Array.isArray(x) && x.every((y) => typeof y === 'string') ? [...x].sort() : x));
    });
  });

  it('the subscribed context refuses other commands; RESET and QUIT still work', async () => {
    await same(async (port) => {
      const sub = await connect(port);
      const out: unknown[] = [await send(sub, 1, 'SUBSCRIBE', 'c')];
      for (const cmd of [['GET', 'k'], ['MULTI'], ['PUBLISH', 'c', 'x'], ['CLIENT', 'LIST'], ['nosuchcommand'], ['SUBSCRIBE']]) {
        out.push(plain(await sub.call(...cmd)));
      }
      out.push(plain(await sub.call('RESET')), plain(await sub.call('GET', 'k')), plain(await sub.call('QUIT')));
      return out;
    });
  });

  it('shard channels: SSUBSCRIBE SPUBLISH SUNSUBSCRIBE, counted apart, no patterns', async () => {
    await same(async (port) => {
      const [sub, pub] = [await connect(port), await connect(port)];
      const out: unknown[] = [await send(sub, 2, 'SSUBSCRIBE', 'sa', 'sb'), await send(sub, 1, 'SUBSCRIBE', 'sa')];
      out.push(await pub.call('SPUBLISH', 'sa', 'm1'), plain(await sub.next()));
      out.push(await pub.call('PUBLISH', 'sa', 'm2'), plain(await sub.next()));
      out.push(((await pub.call('PUBSUB', 'SHARDCHANNELS')) as string[]).sort(), await pub.call('PUBSUB', 'SHARDCHANNELS', '*b'));
      out.push(await pub.call('PUBSUB', 'SHARDNUMSUB', 'sa', 'x'), await pub.call('PUBSUB', 'NUMSUB', 'sa'));
      out.push(await send(sub, 1, 'SUNSUBSCRIBE', 'sa'), await send(sub, 1, 'SUNSUBSCRIBE'), await send(sub, 1, 'SUNSUBSCRIBE'));
      out.push(await send(sub, 1, 'UNSUBSCRIBE'), plain(await sub.call('PING')));
      return out;
    });
  });

  it("INFO stats counts the channels, patterns and shard channels that have a subscriber", async () => {
    await same(async (port) => {
      const [a, b, admin] = [await connect(port), await connect(port), await connect(port)];
      const counts = async (): Promise<unknown> => String(await admin.call('INFO', 'stats')).match(/pubsub\w*:\d+/g);
      const out = [await counts()];
      await send(a, 2, 'SUBSCRIBE', 'x', 'y');
      await send(b, 1, 'SUBSCRIBE', 'x');
      await send(a, 2, 'PSUBSCRIBE', 'p*', 'q*');
      await send(b, 1, 'SSUBSCRIBE', 's');
      out.push(await counts(), await admin.call('PUBSUB', 'NUMPAT'));
      await send(a, 1, 'UNSUBSCRIBE', 'x');
      await send(a, 1, 'PUNSUBSCRIBE', 'q*');
      out.push(await counts(), await admin.call('PUBSUB', 'NUMPAT'));
      return out;
    });
  });

  it('CLIENT LIST shows sub= psub= ssub= and flags=P; CLIENT KILL TYPE pubsub', async () => {
    await same(async (port) => {
      const [sub, admin] = [await connect(port), await connect(port)];
      await send(sub, 2, 'SUBSCRIBE', 'a', 'b');
      await send(sub, 1, 'PSUBSCRIBE', 'p*');
      await send(sub, 1, 'SSUBSCRIBE', 's');
      const line = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      const fields = line.match(/flags=\S+|sub=\d+|psub=\d+|ssub=\d+/g);
      const killed = await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await sub.waitClosed();
      return [fields, killed, await admin.call('PUBSUB', 'NUMSUB', 'a')];
    });
  });

  it('argument errors and glob patterns as Redis matches them (a 100 KB pattern too)', async () => {
    await pair.same('PUBSUB', 'PUBSUB FOO', 'PUBSUB CHANNELS a b', 'PUBSUB NUMPAT x', 'PUBSUB HELP', 'PUBLISH a',
      'SPUBLISH a', 'SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'PUBSUB SHARDCHANNELS a b');
    await same(async (port) => {
      const [sub, pub] = [await connect(port), await connect(port)];
      const patterns = ['h[ae]llo', 'h[^e]llo', 'h[a-c]llo', 'h\\*llo', '*', 'x'.repeat(100_000) + '*'];
      const out: unknown[] = [await send(sub, patterns.length, 'PSUBSCRIBE', ...patterns)];
      for (const ch of ['hello', 'hallo', 'hbllo', 'h*llo', 'hxllo', 'x'.repeat(100_001)]) {
        const n = (await pub.call('PUBLISH', ch, 'm')) as number;
        const got: Reply[] = [];
        for (let i = 0; i < n; i++) got.push(await sub.next());
        out.push([ch.slice(0, 10), n, got.map((m) => String((m as string[])[1]).slice(0, 10)).sort()]);
      }
      return out;
    });
  });
});

describe('slow subscribers', () => {
  it('one that never reads is dropped at the pubsub hard limit; the others and the server go on', async () => {
    await same(async (port) => {
      const [slow, ok, pub] = [await connect(port), await connect(port), await connect(port)];
      await send(slow, 1, 'SUBSCRIBE', 'flood');
      await send(ok, 1, 'SUBSCRIBE', 'flood');
      slow.socket.pause();
      const payload = 'p'.repeat(64 * 1024);
      let receivers = 2;
      for (let i = 0; i < 4000 && receivers === 2; i++) {
        receivers = (await pub.call('PUBLISH', 'flood', payload)) as number;
        await ok.next();
      }
      return [receivers, await pub.call('PUBSUB', 'NUMSUB', 'flood'), await pub.call('PING')];
    });
  });
});

describe('clients', () => {
  it('redis-cli --csv psubscribe prints what it gets as it gets it', async () => {
    await same(async (port) => {
      const cli = spawn('redis-cli', ['-p', String(port), '--csv', 'psubscribe', 'news.*']);
      let out = '';
      cli.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
      const pub = await connect(port);
      try {
        while ((await pub.call('PUBSUB', 'NUMPAT')) !== 1) await new Promise((r) => setTimeout(r, 10));
        await pub.call('PUBLISH', 'news.tech', 'a "quoted", comma');
        await pub.call('PUBLISH', 'news.sport', '');
        await pub.call('PUBLISH', 'weather', 'ignored');
        // The banner, the subscription and the two matching messages, each a whole line.
        while (out.split('\n').length < 5) await new Promise((r) => setTimeout(r, 10));
        return out;
      } finally {
        cli.kill();
      }
    });
  });

  it('ioredis: a subscriber and a producer on separate connections, and a blocking work queue', async () => {
    const run = async (port: number): Promise<unknown> => {
      const sub = new Redis({ port, lazyConnect: true });
      const prod = new Redis({ port, lazyConnect: true });
      const worker = new Redis({ port, lazyConnect: true });
      await Promise.all([sub.connect(), prod.connect(), worker.connect()]);
      try {
        const got: string[] = [];
        const done = new Promise<void>((r) => {
          sub.on('message', (ch: string, m: string) => got.push(`${ch}:${m}`));
          sub.on('pmessage', (p: string, ch: string, m: string) => {
            got.push(`${p}|${ch}:${m}`);
            if (m === 'last') r();
          });
        });
        await sub.subscribe('jobs');
        await sub.psubscribe('j*');
        const job = worker.blpop('queue', 0);
        await prod.rpush('queue', 'job1');
        const counts = [await prod.publish('jobs', 'one'), await prod.publish('jx', 'last')];
        await done;
        return [await job, counts, got];
      } finally {
        sub.disconnect();
        prod.disconnect();
        worker.disconnect();
      }
    };
    const [want, got] = await Promise.all([run(pair.redis.port), run(pair.redstate.port)]);
    expect(got).toEqual(want);
  });
});
