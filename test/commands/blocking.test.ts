// Blocked clients (src/actors/blocking.ts) through BLPOP and BRPOP, the other blocking pops,
// XREAD / XREADGROUP BLOCK and WAIT: each scenario runs its clients against redis-server 7.0
// and against redstate, and what every client got must be the same: arrival order, timeouts,
// MULTI, EXEC, pipelined commands held behind a wait, CLIENT UNBLOCK, disconnects, keys
// changing type or deleted, SWAPDB.
import { afterEach, describe, expect, it } from 'vitest';
import { RespClient, type Reply } from '../helpers/resp-client.js';
import { plain, sideBySide, type Pair } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });

/** Connections a scenario opened, closed after each test. */
const opened: RespClient[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

interface Ctx {
  /** A new connection to the server under test. */
  client(): Promise<RespClient>;
  /** Resolves once this many clients are blocked (INFO clients). */
  blocked(n: number): Promise<void>;
  /** A client's id (for CLIENT UNBLOCK). */
  id(c: RespClient): Promise<number>;
}

function context(port: number): Ctx {
  let admin: RespClient | null = null;
  const ctx: Ctx = {
    async client() {
      const c = await RespClient.connect(port);
      opened.push(c);
      return c;
    },
    async blocked(n) {
      admin ??= await ctx.client();
      const deadline = Date.now() + 10_000;
      for (;;) {
        const info = String(await admin.call('INFO', 'clients'));
        if (new RegExp(`blocked_clients:${n}\\r`).test(info)) return;
        if (Date.now() > deadline) throw new Error(`never ${n} blocked clients:\n${info}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async id(c) {
      return (await c.call('CLIENT', 'ID')) as number;
    },
  };
  return ctx;
}

/** Runs the scenario against both servers; what it returns must be equal. */
async function same(p: Pair, scenario: (x: Ctx) => Promise<unknown>): Promise<void> {
  const [want, got] = await Promise.all([scenario(context(p.redis.port)), scenario(context(p.redstate.port))]);
  expect(got).toEqual(want);
}

const all = async (replies: Array<Promise<Reply>>): Promise<unknown[]> => (await Promise.all(replies)).map(plain);

describe('BLPOP BRPOP', () => {
  it('answer at once from the first key holding a list; errors for bad timeouts and types', async () => {
    await pair.same('RPUSH b x y 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16', 'SET s v', 'BLPOP a b 0', 'BRPOP a b 1', 'BLPOP s 0', 'BLPOP a s b 0',
      'BLPOP b -1', 'BLPOP b abc', 'BLPOP b 1x', 'BLPOP b inf', 'BLPOP b -inf', 'BLPOP b nan', 'BLPOP b 1e16',
      'BLPOP b 0x10', 'BLPOP b .5', 'BLPOP b -0.0001', 'BLPOP b 1e-5000', 'BLPOP b', 'BRPOP', 'EXISTS b');
  });

  it('inside MULTI a blocking pop answers at once as a timeout does', async () => {
    await pair.same('MULTI', 'BLPOP nokey 0', 'BRPOP nokey 1', 'RPUSH l a', 'BLPOP l 0', 'EXEC');
  });

  it('clients waiting on one key are served in arrival order, one element each', async () => {
    await same(pair, async (x) => {
      const waiters = [await x.client(), await x.client(), await x.client()];
      const replies: Array<Promise<Reply>> = [];
      for (let i = 0; i < waiters.length; i++) {
        replies.push(waiters[i]!.call(i === 1 ? 'BRPOP' : 'BLPOP', 'k', '0'));
        await x.blocked(i + 1);
      }
      const pusher = await x.client();
      const pushed = await pusher.call('RPUSH', 'k', 'a', 'b', 'c', 'd');
      return [pushed, await all(replies), await pusher.call('LRANGE', 'k', '0', '-1')];
    });
  });

  it('a wait on several keys is served by the first of them to become ready', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const reply = w.call('BLPOP', 'k1', 'k2', 'k3', '0');
      await x.blocked(1);
      const p = await x.client();
      await p.call('MULTI');
      await p.call('RPUSH', 'k3', 'c');
      await p.call('RPUSH', 'k2', 'b');
      return [plain(await p.call('EXEC')), plain(await reply), await p.call('EXISTS', 'k2', 'k3')];
    });
  });

  it('a transaction that makes a key ready serves it after EXEC, with what EXEC left', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const reply = w.call('BLPOP', 'k', '0');
      await x.blocked(1);
      const p = await x.client();
      const tx = p.pipeline([['MULTI'], ['RPUSH', 'k', 'a', 'b'], ['LPOP', 'k'], ['EXEC']]);
      return [(await tx).map(plain), plain(await reply)];
    });
  });

  it('a key emptied again in the same transaction serves nobody', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const reply = w.call('BLPOP', 'k', '0');
      await x.blocked(1);
      const p = await x.client();
      const tx = (await p.pipeline([['MULTI'], ['RPUSH', 'k', 'a'], ['LPOP', 'k'], ['EXEC']])).map(plain);
      await x.blocked(1);
      const later = await p.call('RPUSH', 'k', 'z');
      return [tx, later, plain(await reply)];
    });
  });

  it("commands pipelined behind a blocking one wait for its answer", async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const replies = w.pipeline([['BLPOP', 'k', '0'], ['LLEN', 'k'], ['RPUSH', 'k', 'mine'], ['LRANGE', 'k', '0', '-1']]);
      await x.blocked(1);
      const p = await x.client();
      const pushed = await p.call('RPUSH', 'k', 'a', 'b');
      return [pushed, (await replies).map(plain)];
    });
  });

  it('a timeout answers null (fractional seconds), and the client goes on', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const replies = await w.pipeline([['BLPOP', 'k', '0.05'], ['BRPOP', 'k', 'j', '0.1'], ['PING']]);
      return [replies.map(plain), await w.call('INFO', 'clients').then((i) => /blocked_clients:0\r/.test(String(i)))];
    });
  });

  it('CLIENT UNBLOCK answers as a timeout, or with an error; 0 for a client not blocked', async () => {
    await same(pair, async (x) => {
      const [w1, w2, admin] = [await x.client(), await x.client(), await x.client()];
      await admin.call('CONFIG', 'RESETSTAT');
      const r1 = w1.pipeline([['BLPOP', 'k', '0'], ['PING']]);
      const r2 = w2.call('BRPOP', 'k', '100');
      await x.blocked(2);
      const out = [
        await admin.call('CLIENT', 'UNBLOCK', String(await x.id(admin))),
        await admin.call('CLIENT', 'UNBLOCK', String(await x.id(admin) + 1000)),
        plain(await admin.call('CLIENT', 'UNBLOCK', 'abc')),
        plain(await admin.call('CLIENT', 'UNBLOCK', '1', 'later')),
        plain(await admin.call('CLIENT', 'UNBLOCK', '1', 'timeout', 'x')),
      ];
      const ids = [await x.id(admin) - 2, await x.id(admin) - 1];
      out.push(await admin.call('CLIENT', 'UNBLOCK', String(ids[0]), 'timeout'));
      out.push(await admin.call('CLIENT', 'UNBLOCK', String(ids[1]), 'ERROR'));
      out.push(await admin.call('CLIENT', 'UNBLOCK', String(ids[1])));
      expect(out.slice(5)).toEqual([1, 1, 0]);
      // The error answered at the unblocking is a failed call of the blocked command.
      const failed = String(await admin.call('INFO', 'commandstats')).match(/cmdstat_b[lr]pop:.*?(rejected_calls=\d+,failed_calls=\d+)/g);
      // Either way: Redis 7.0 counts a CLIENT UNBLOCK as a failed call of what it unblocked.
      return [out, (await r1).map(plain), plain(await r2), failed?.map((l) => l.replace(/calls=\d+,usec=\d+,usec_per_call=[\d.]+,/, '')).sort()];
    });
  });

  it('a blocked client that disconnects leaves its queue; the next one is served', async () => {
    await same(pair, async (x) => {
      const [w1, w2] = [await x.client(), await x.client()];
      void w1.call('BLPOP', 'k', '0');
      await x.blocked(1);
      const r2 = w2.call('BLPOP', 'k', '0');
      await x.blocked(2);
      w1.close();
      await x.blocked(1);
      const p = await x.client();
      return [await p.call('RPUSH', 'k', 'a', 'b'), plain(await r2), await p.call('LRANGE', 'k', '0', '-1')];
    });
  });

  it('a key that turns into another type keeps its waiters waiting; a list later serves them', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const reply = w.call('BLPOP', 'k', '0');
      await x.blocked(1);
      const p = await x.client();
      const steps = [await p.call('SET', 'k', 'str'), await p.call('DEL', 'k'), await p.call('SADD', 'k', 'm')];
      await x.blocked(1);
      steps.push(await p.call('RENAME', 'k', 'other'), await p.call('RPUSH', 'src', 'v'), await p.call('RENAME', 'src', 'k'));
      return [steps, plain(await reply), await p.call('EXISTS', 'k')];
    });
  });

  it('SWAPDB brings a list under a waiter; FLUSHALL leaves waiters waiting', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const reply = w.call('BLPOP', 'k', '0');
      await x.blocked(1);
      const p = await x.client();
      const steps = [await p.call('FLUSHALL'), await p.call('SELECT', '1'), await p.call('RPUSH', 'k', 'from1', 'x')];
      await x.blocked(1);
      steps.push(await p.call('SWAPDB', '0', '1'));
      return [steps, plain(await reply), await p.call('LRANGE', 'k', '0', '-1')];
    });
  });

  it('a pop served to a waiter in another db is not taken from this one', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      await w.call('SELECT', '2');
      const reply = w.call('BLPOP', 'k', '0');
      await x.blocked(1);
      const p = await x.client();
      const steps = [await p.call('RPUSH', 'k', 'db0'), await p.call('SELECT', '2'), await p.call('RPUSH', 'k', 'db2')];
      return [steps, plain(await reply), await p.call('EXISTS', 'k')];
    });
  });

  it('CLIENT LIST shows a blocked client with flags=b and cmd=blpop', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      void w.call('BLPOP', 'k', '0');
      await x.blocked(1);
      const admin = await x.client();
      const line = String(await admin.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes('cmd=blpop'));
      return line?.match(/flags=\S+/)?.[0];
    });
  });
});

describe('LMPOP BLMPOP BRPOPLPUSH BLMOVE', () => {
  it('answer at once when a list is there, with every argument error', async () => {
    await pair.same('RPUSH a 1 2 3 4 5', 'RPUSH b x y', 'SET s v',
      'LMPOP 2 nokey a LEFT', 'LMPOP 2 nokey a RIGHT COUNT 2', 'LMPOP 1 a LEFT COUNT 100', 'LMPOP 1 a LEFT',
      'LMPOP 0 a LEFT', 'LMPOP -1 a LEFT', 'LMPOP x a LEFT', 'LMPOP 3 a LEFT', 'LMPOP 1 b MIDDLE',
      'LMPOP 1 b LEFT COUNT 0', 'LMPOP 1 b LEFT COUNT -1', 'LMPOP 1 b LEFT COUNT', 'LMPOP 1 b LEFT COUNT 1 COUNT 1',
      'LMPOP 1 b LEFT FOO', 'LMPOP 2 s b LEFT', 'LMPOP 2 b s LEFT', 'LMPOP 1 nokey LEFT', 'LMPOP 1',
      'RPUSH a 1 2 3', 'BLMPOP 0 2 nokey a LEFT COUNT 2', 'BLMPOP 0 1 a RIGHT', 'BLMPOP -1 1 a LEFT',
      'BLMPOP x 1 a LEFT', 'BLMPOP 0 0 a LEFT', 'BLMPOP 0 1 a UP', 'BLMPOP 0 1 s LEFT', 'BLMPOP 0 1 a',
      'RPUSH a 1 2 3', 'BRPOPLPUSH a b 0', 'BLMOVE a b LEFT LEFT 0', 'BLMOVE a b LEFT UP 0', 'BLMOVE a b LEFT LEFT -1',
      'BRPOPLPUSH a s 0', 'BRPOPLPUSH s a 0', 'BLMOVE a a RIGHT LEFT 0', 'LRANGE a 0 -1', 'LRANGE b 0 -1',
      'BRPOPLPUSH a b', 'BLMOVE a b LEFT LEFT');
  });

  it('inside MULTI they answer at once as a timeout does', async () => {
    await pair.same('MULTI', 'BLMPOP 0 1 nokey LEFT', 'BRPOPLPUSH nokey b 0', 'BLMOVE nokey b LEFT RIGHT 1',
      'BZPOPMIN nokey 0', 'BZMPOP 1 1 nokey MIN', 'EXEC');
  });

  it('waiters of each kind served in arrival order; a move readies its destination for the next waiter', async () => {
    await same(pair, async (x) => {
      const cmds = [['BLMPOP', '0', '2', 'k', 'other', 'RIGHT', 'COUNT', '2'], ['BLMOVE', 'k', 'dst', 'LEFT', 'RIGHT', '0'],
        ['BLPOP', 'dst', '0'], ['BRPOPLPUSH', 'k', 'k', '0'], ['BLMPOP', '0', '1', 'k', 'LEFT']];
      const replies: Array<Promise<Reply>> = [];
      for (let i = 0; i < cmds.length; i++) {
        replies.push((await x.client()).call(...cmds[i]!));
        await x.blocked(i + 1);
      }
      const p = await x.client();
      const pushed = await p.call('RPUSH', 'k', 'a', 'b', 'c', 'd', 'e');
      return [pushed, await all(replies), await p.call('LRANGE', 'k', '0', '-1'), await p.call('EXISTS', 'dst')];
    });
  });

  it('a blocked move whose destination is of another type answers WRONGTYPE and keeps the element', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const reply = w.call('BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0');
      await x.blocked(1);
      const p = await x.client();
      const steps = [await p.call('SET', 'dst', 'str'), await p.call('RPUSH', 'src', 'a', 'b')];
      return [steps, plain(await reply), await p.call('LRANGE', 'src', '0', '-1')];
    });
  });

  it('timeouts answer null array for the pops, null bulk for the moves', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      return (await w.pipeline([['BLMPOP', '0.01', '1', 'k', 'LEFT'], ['BRPOPLPUSH', 'k', 'd', '0.01'],
        ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0.01'], ['BZPOPMAX', 'z', '0.01'], ['BZMPOP', '0.01', '1', 'z', 'MAX']])).map(plain);
    });
  });
});

describe('BZPOPMIN BZPOPMAX BZMPOP', () => {
  it('answer at once from the first key holding a sorted set, with every argument error', async () => {
    await pair.same('ZADD z 1 a 2 b 3 c 4 d 5 e 6 f', 'SET s v', 'BZPOPMIN nokey z 0', 'BZPOPMAX z 0',
      'BZPOPMIN s 0', 'BZPOPMIN nokey s z 0', 'BZPOPMIN z -1', 'BZPOPMIN z x', 'BZPOPMIN z', 'BZMPOP 0 2 nokey z MIN',
      'BZMPOP 0 1 z MAX COUNT 2', 'BZMPOP 0 0 z MIN', 'BZMPOP 0 1 z LEFT', 'BZMPOP -2 1 z MIN', 'BZMPOP 0 1 z MIN COUNT 0',
      'BZMPOP 0 1 s MIN', 'BZMPOP 0 1 z', 'ZMPOP 1 z MIN COUNT 10', 'EXISTS z');
  });

  it('waiters served in arrival order, with scores', async () => {
    await same(pair, async (x) => {
      const cmds = [['BZPOPMIN', 'z', '0'], ['BZPOPMAX', 'other', 'z', '0'], ['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '2'],
        ['BZMPOP', '0', '1', 'z', 'MAX']];
      const replies: Array<Promise<Reply>> = [];
      for (let i = 0; i < cmds.length; i++) {
        replies.push((await x.client()).call(...cmds[i]!));
        await x.blocked(i + 1);
      }
      const p = await x.client();
      const added = await p.call('ZADD', 'z', '1', 'a', '2.5', 'b', '3', 'c', '-4', 'd', '5e10', 'e', '6', 'f');
      return [added, await all(replies), await p.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES')];
    });
  });

  it('a list and a sorted set under the same key each serve only their own kind of waiter', async () => {
    await same(pair, async (x) => {
      const [wz, wl] = [await x.client(), await x.client()];
      const rz = wz.call('BZPOPMIN', 'k', '0');
      await x.blocked(1);
      const rl = wl.call('BLPOP', 'k', '0');
      await x.blocked(2);
      const p = await x.client();
      const steps = [await p.call('RPUSH', 'k', 'l1')];
      await x.blocked(1);
      steps.push(await p.call('ZADD', 'k', '1', 'm'));
      return [steps, plain(await rl), plain(await rz)];
    });
  });
});

describe('WAIT on the same mechanism', () => {
  it('holds the commands sent after it, then CLIENT UNBLOCK answers with the acks so far', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const id = await x.id(w);
      const replies = w.pipeline([['SET', 'x', '1'], ['WAIT', '1', '0'], ['INCR', 'x']]);
      await x.blocked(1);
      const late = w.call('GET', 'x');
      const admin = await x.client();
      const line = String(await admin.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes('cmd=wait'));
      const unblocked = await admin.call('CLIENT', 'UNBLOCK', String(id));
      return [line?.match(/flags=\S+/)?.[0], unblocked, (await replies).map(plain), plain(await late)];
    });
  });

  it('times out with the acks so far; inside MULTI it answers at once', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const t = (await w.pipeline([['WAIT', '1', '50'], ['MULTI'], ['WAIT', '2', '0'], ['EXEC']])).map(plain);
      return [t, plain(await w.call('WAIT', '0', '0')), plain(await w.call('WAIT', '1', '-1')), plain(await w.call('WAIT', 'x', '1'))];
    });
  });
});

describe('XREAD and XREADGROUP BLOCK', () => {
  /** One waiter per command, each blocked in turn; then `then` runs on another client. */
  async function waiters(x: Ctx, cmds: string[][], then: (p: RespClient) => Promise<unknown[]>): Promise<unknown[]> {
    const replies: Array<Promise<Reply>> = [];
    for (const cmd of cmds) {
      replies.push((await x.client()).call(...cmd));
      await x.blocked(replies.length);
    }
    const p = await x.client();
    const steps = (await then(p)).map((r) => plain(r as Reply));
    return [steps, await all(replies)];
  }

  it('XREAD $ waits for what XADD adds after it; every reader of the key gets it; at once when there is more', async () => {
    await same(pair, async (x) => {
      const p0 = await x.client();
      await p0.call('XADD', 's', '1-1', 'old', 'x');
      return waiters(x, [['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], ['XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'nokey', 's', '$', '$'],
        ['XREAD', 'BLOCK', '0', 'STREAMS', 'nokey', '$']], async (p) => [
        await p.call('XADD', 's', '2-1', 'a', '1'), await p.call('XADD', 'nokey', '5-5', 'b', '2'),
        await p.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '1-1'), await p.call('XREAD', 'BLOCK', '10', 'STREAMS', 's', '$'),
      ]);
    });
  });

  it('a transaction serves after EXEC: entries added then deleted, a stream replaced by a string', async () => {
    await same(pair, async (x) => waiters(x, [['XREAD', 'BLOCK', '0', 'STREAMS', 's', '0-0'], ['XREAD', 'BLOCK', '0', 'STREAMS', 't', '$']],
      async (p) => {
        const tx = await p.pipeline([['MULTI'], ['XADD', 's', '3-1', 'a', '1'], ['XDEL', 's', '3-1'], ['XADD', 't', '1-1', 'f', 'v'],
          ['DEL', 't'], ['SET', 't', 'str'], ['EXEC']]);
        await x.blocked(1);
        return [tx, await p.call('DEL', 't'), await p.call('XADD', 't', '2-2', 'later', 'v')];
      }));
  });

  it('timeouts answer null, MULTI answers at once, pipelined commands wait, CLIENT UNBLOCK', async () => {
    await same(pair, async (x) => {
      const w = await x.client();
      const t = (await w.pipeline([['XREAD', 'BLOCK', '30', 'STREAMS', 's', '$'], ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
        ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '40', 'STREAMS', 's', '>'], ['MULTI'], ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
        ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'], ['EXEC'], ['XINFO', 'CONSUMERS', 's', 'g']])).map(plain);
      const w2 = await x.client();
      const held = w2.pipeline([['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], ['XLEN', 's'], ['XADD', 's', '9-9', 'mine', 'v']]);
      await x.blocked(1);
      const p = await x.client();
      const added = [await p.call('XADD', 's', '1-1', 'f', 'v'), (await held).map(plain), await p.call('XGROUP', 'SETID', 's', 'g', '$')];
      const w3 = await x.client();
      const id = await x.id(w3);
      const unblocked = w3.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
      await x.blocked(1);
      const u = await p.call('CLIENT', 'UNBLOCK', id);
      return [t, added, u, plain(await unblocked)];
    });
  });

  it('XREADGROUP > waiters of one group share what XADD adds, in arrival order; NOACK; other groups', async () => {
    await same(pair, async (x) => {
      const p0 = await x.client();
      await p0.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      await p0.call('XGROUP', 'CREATE', 's', 'h', '$');
      return waiters(x, [['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'],
        ['XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>'],
        ['XREADGROUP', 'GROUP', 'h', 'carol', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>']], async (p) => {
        const first = await p.pipeline([['MULTI'], ['XADD', 's', '1-1', 'a', '1'], ['XADD', 's', '1-2', 'b', '2'], ['EXEC']]);
        return [first, await p.call('XADD', 's', '2-1', 'c', '3'), await p.call('XPENDING', 's', 'g'), await p.call('XPENDING', 's', 'h'),
          await p.call('XINFO', 'GROUPS', 's'), await p.call('XPENDING', 's', 'g', '-', '+', '10', 'bob').then((r) => (r as Reply[]).length)];
      });
    });
  });

  it('XREADGROUP waiters are answered when their key or group goes; XREAD waiters wait on', async () => {
    await same(pair, async (x) => {
      const p0 = await x.client();
      await p0.call('CONFIG', 'RESETSTAT');
      for (const k of ['a', 'b', 'c', 'd', 'e']) await p0.call('XGROUP', 'CREATE', k, 'g', '$', 'MKSTREAM');
      const g = (k: string): string[] => ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', k, '>'];
      return waiters(x, [g('a'), g('b'), g('c'), g('d'), ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', '$'], g('e')], async (p) => {
        const steps = [await p.call('DEL', 'a'), await p.call('XGROUP', 'DESTROY', 'b', 'g'), await p.call('SET', 'c', 'x'),
          await p.call('RENAME', 'd', 'd2')];
        await x.blocked(2);
        const tx = await p.pipeline([['MULTI'], ['DEL', 'e'], ['XADD', 'e', '1-1', 'f', 'v'], ['XGROUP', 'CREATE', 'e', 'g', '0'], ['EXEC']]);
        await x.blocked(1);
        // Each waiter answered with an error is a failed call of XREADGROUP (stream-cgroups.tcl).
        const failed = /cmdstat_xreadgroup:.*?(failed_calls=\d+)/.exec(String(await p.call('INFO', 'commandstats')))?.[1];
        return [...steps, tx, failed, await p.call('XADD', 'a', '7-7', 'back', 'v')];
      });
    });
  });

  it('XGROUP SETID under a waiter sets where it reads from; FLUSHALL and expiry answer group waiters', async () => {
    await same(pair, async (x) => {
      const p0 = await x.client();
      await p0.call('XADD', 's', '1-1', 'f', 'v');
      await p0.call('XGROUP', 'CREATE', 's', 'g', '$');
      await p0.call('XGROUP', 'CREATE', 'x', 'g', '$', 'MKSTREAM');
      const first = await waiters(x, [['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>']],
        async (p) => [await p.call('XGROUP', 'SETID', 's', 'g', '0'), await p.call('XADD', 's', '2-1', 'f', 'w')]);
      const flushed = await waiters(x, [['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'x', '>']],
        async (p) => [await p.call('FLUSHALL')]);
      await p0.call('XGROUP', 'CREATE', 'y', 'g', '$', 'MKSTREAM');
      const expired = await waiters(x, [['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'y', '>']],
        async (p) => [await p.call('PEXPIRE', 'y', '20')]);
      return [first, flushed, expired];
    });
  });
});

describe('many waiters', () => {
  it('2000 clients blocked on one key are each served once, in order', async () => {
    const x = context(pair.redstate.port);
    const n = 2000;
    const waiters = await Promise.all(Array.from({ length: n }, () => x.client()));
    const replies: Array<Promise<Reply>> = [];
    for (const w of waiters) replies.push(w.call('BLPOP', 'k', '0'));
    await x.blocked(n);
    const p = await x.client();
    const items = Array.from({ length: n + 1 }, (_, i) => `v${i}`);
    // Arrival order among clients that sent at the same moment is the server's reading order:
    // every element goes to exactly one waiter and one is left over.
    expect(await p.call('RPUSH', 'k', ...items)).toBe(n + 1);
    const got = (await Promise.all(replies)).map((r) => (r as string[])[1]!).sort();
    expect(got).toEqual(items.slice(0, n).sort());
    expect(await p.call('LRANGE', 'k', '0', '-1')).toEqual([`v${n}`]);
    await x.blocked(0);
  });
});
