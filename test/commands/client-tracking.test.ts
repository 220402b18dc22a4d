// CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO (src/actors/tracking.ts) and CLIENT REPLY,
// byte for byte against redis-server 7.0: each scenario drives several raw connections the
// same way on both servers, and every connection's transcript must be the same bytes (client
// ids, which each server counts its own way, written as N).
import { describe, expect, it } from 'vitest';
import { session, w, type Session } from '../helpers/raw-session.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });

type Scenario = (open: () => Promise<Session>) => Promise<string[]>;

/** Client ids differ between the servers (each counts its own connections): where replies carry one, N. */
const normal = (t: string): string => t.replace(/\$2\r\nid\r\n:\d+/g, 'id:N').replace(/(redirect\r\n|tracking-redir-broken\r\n):\d+/g, '$1:N').replace(/redir=\d+/g, 'redir=N');

/** Runs the scenario on both servers; its transcripts must be the same bytes. */
async function same(scenario: Scenario): Promise<string[]> {
  const run = async (port: number): Promise<string[]> => {
    const opened: Session[] = [];
    try {
      const out = await scenario(async () => {
        const s = await session(port);
        opened.push(s);
        return s;
      });
      return out.map(normal);
    } finally {
      for (const s of opened) s.close();
    }
  };
  const [want, got] = await Promise.all([run(pair.redis.port), run(pair.redstate.port)]);
  expect(got).toEqual(want);
  return got;
}

/** A connection's id, as CLIENT ID answers it. */
async function idOf(s: Session): Promise<string> {
  return /:(\d+)\r\n/.exec(await s([w('CLIENT ID')]))![1]!;
}

describe('CLIENT TRACKING', () => {
  it('refuses bad option mixes as Redis does; GETREDIR and TRACKINGINFO in both protocols', async () => {
    await same(async (open) => {
      const c = await open();
      return [await c([w('CLIENT TRACKING'), w('CLIENT TRACKING maybe'), w('CLIENT TRACKING on foo'),
        w('CLIENT TRACKING on REDIRECT'), w('CLIENT TRACKING on REDIRECT x'), w('CLIENT TRACKING on REDIRECT 999999'),
        w('CLIENT TRACKING on PREFIX a'), w('CLIENT TRACKING on BCAST OPTIN'), w('CLIENT TRACKING on OPTIN OPTOUT'),
        w('CLIENT TRACKING on BCAST PREFIX a PREFIX ab'), w('CLIENT TRACKING on BCAST PREFIX ab PREFIX a'),
        w('CLIENT CACHING yes'), w('CLIENT CACHING'), w('CLIENT GETREDIR'), w('CLIENT TRACKINGINFO'),
        w('CLIENT TRACKING on OPTIN'), w('CLIENT TRACKING on OPTOUT'), w('CLIENT TRACKING on BCAST'),
        w('CLIENT CACHING no'), w('CLIENT CACHING maybe'), w('CLIENT CACHING yes'), w('CLIENT TRACKINGINFO'),
        w('CLIENT GETREDIR'), w('CLIENT TRACKING off'), w('CLIENT TRACKING on BCAST PREFIX b PREFIX a'),
        w('CLIENT TRACKING on BCAST PREFIX bc'), w('CLIENT TRACKING on BCAST PREFIX c'), w('CLIENT TRACKINGINFO'),
        w('HELLO 3'), w('CLIENT TRACKINGINFO'), w('CLIENT TRACKING off'), w('CLIENT TRACKINGINFO'),
        w('CLIENT TRACKING on NOLOOP OPTOUT'), w('CLIENT TRACKINGINFO'), w('RESET'), w('CLIENT TRACKINGINFO')])];
    });
  });

  it('RESP3: a read key is invalidated once when another client changes it, the reader\'s own change after its reply', async () => {
    const got = (await same(async (open) => {
      const reader = await open();
      const writer = await open();
      const out = [await reader([w('HELLO 3'), w('CLIENT TRACKING on'), w('GET a'), w('MGET b c'), w('HGET h f'),
        w('ZUNION 2 z1 z2'), w('XREAD STREAMS s 0'), w('EXISTS e')])];
      await writer([w('SET a 1'), w('SET a 2'), w('MSET b 1 c 2'), w('HSET h f v'), w('ZADD z2 1 m'),
        w('XADD s 1-1 f v'), w('DEL e'), w('SET e 1'), w('EXPIRE e 100')]);
      out.push(await reader([w('GET a'), w('SET a mine'), w('GET a'), w('INCR a'), w('GET x'), w('SET x 1')]));
      out.push(await reader([w('GET f1'), w('GET f2')]));
      await writer([w('FLUSHDB')]);
      out.push(await reader([w('GET f1'), w('FLUSHALL'), w('GET g')]));
      await writer([w('SWAPDB 0 1'), w('SELECT 1'), w('SET g 1')]);
      out.push(await reader([w('MULTI'), w('GET m'), w('SET m 1'), w('GET m'), w('EXEC')]));
      return out;
    })).join('');
    expect(got).toContain('>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n');
  });

  it('an unblocked BLMOVE hears of the key it moved into after its reply (tracking.tcl)', async () => {
    const got = (await same(async (open) => {
      const reader = await open();
      const writer = await open();
      const out = [await reader([w('HELLO 3'), w('CLIENT TRACKING on'), w('RPUSH list2{t} a'), w('LRANGE list2{t} 0 -1')])];
      const served = reader([w('BLMOVE list1{t} list2{t} LEFT LEFT 0')]);
      while (!(await writer([w('INFO clients')])).includes('blocked_clients:1')) await new Promise((r) => setTimeout(r, 10));
      await writer([w('RPUSH list1{t} foo')]);
      out.push(await served);
      return out;
    })).join('');
    expect(got).toContain('$3\r\nfoo\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$8\r\nlist2{t}\r\n');
  });

  it('NOLOOP, OPTIN with CACHING yes, OPTOUT with CACHING no', async () => {
    await same(async (open) => {
      const noloop = await open();
      const optin = await open();
      const optout = await open();
      const writer = await open();
      const out = [await noloop([w('HELLO 3'), w('CLIENT TRACKING on NOLOOP'), w('GET k'), w('SET k mine'), w('GET k')])];
      out.push(await optin([w('HELLO 3'), w('CLIENT TRACKING on OPTIN'), w('GET k'), w('CLIENT CACHING yes'),
        w('CLIENT TRACKINGINFO'), w('GET in'), w('GET notcached'), w('CLIENT CACHING yes'), w('MULTI'), w('GET t1'),
        w('GET t2'), w('EXEC'), w('GET t3')]));
      out.push(await optout([w('HELLO 3'), w('CLIENT TRACKING on OPTOUT'), w('CLIENT CACHING no'), w('GET k'),
        w('GET out')]));
      await writer([w('SET k 1'), w('SET in 1'), w('SET notcached 1'), w('SET out 1'), w('SET t1 1'), w('SET t2 1'), w('SET t3 1')]);
      for (const s of [noloop, optin, optout]) out.push(await s([w('PING')]));
      return out;
    });
  });

  it('BCAST: every change under a prefix this turn, in one message, keys sorted; NOLOOP leaves out the client\'s own', async () => {
    const got = (await same(async (open) => {
      const all = await open();
      const users = await open();
      const writer = await open();
      const out = [await all([w('HELLO 3'), w('CLIENT TRACKING on BCAST')])];
      out.push(await users([w('HELLO 3'), w('CLIENT TRACKING on BCAST PREFIX user: PREFIX obj: NOLOOP'), w('SET user:self 1')]));
      await writer([w('MSET user:2 b user:1 a other x'), w('SET obj:1 y')]);
      out.push(await all([w('PING')]), await users([w('PING')]));
      await users([w('SET user:9 1')]);
      out.push(await all([w('PING')]), await users([w('PING')]));
      out.push(await all([w('CLIENT TRACKING on BCAST PREFIX x')]));
      return out;
    })).join('');
    expect(got).toContain('*2\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n');
  });

  it("BCAST NOLOOP: a key the client wrote that expires at its next read is told, the expiry being no client's; time stands still in a transaction (tracking.tcl)", async () => {
    await same(async (open) => {
      const [sub, c] = [await open(), await open()];
      const id = await idOf(sub);
      const out = [await sub([w('SUBSCRIBE __redis__:invalidate')])];
      out.push(await c([w('DEBUG SET-ACTIVE-EXPIRE 0'), w(`CLIENT TRACKING on BCAST REDIRECT ${id} NOLOOP`)]));
      // Inside the transaction time stands still for expiry (call()'s fixed_time_expire): GET finds the key.
      out.push(await c([w('MULTI'), w('SET mykey myval PX 1'), w('SET other myval'), w('DEBUG SLEEP 0.05'), w('GET mykey'), w('EXEC')]));
      out.push(await sub([w('PING')]));
      // The next read expires it: that invalidation is no client's, so NOLOOP lets it through.
      out.push(await c([w('GET mykey')]), await sub([w('PING')]), await c([w('DEBUG SET-ACTIVE-EXPIRE 1')]));
      return out;
    });
  });

  it("a script's read remembers the keys its caller declared, not the ones it read; a script that only writes or pings, none (tracking.tcl)", async () => {
    await same(async (open) => {
      const [reader, writer] = [await open(), await open()];
      const out = [await reader([w('HELLO 3'), w('CLIENT TRACKING on')])];
      const touch = async (): Promise<void> => void (await writer([w('MSET key2 2 key1 2 key3 2')]));
      await touch();
      out.push(await reader([['EVAL', "redis.call('set', 'key3', 'bar')", '2', 'key1', 'key2']]));
      await touch();
      out.push(await reader([['EVAL', "redis.call('get', 'key3')", '2', 'key1', 'key2']]));
      await touch();
      out.push(await reader([['EVAL_RO', "redis.call('ping')", '2', 'key1', 'key2']]));
      await touch();
      out.push(await reader([['EVAL_RO', "redis.call('get', 'key1')", '2', 'key1', 'key2']]));
      await touch();
      out.push(await reader([w('PING')]));
      return out;
    });
  });

  it('REDIRECT to a RESP2 subscriber of __redis__:invalidate, and a broken redirect', async () => {
    const got = (await same(async (open) => {
      const sub = await open();
      const tracked = await open();
      const writer = await open();
      const subId = await idOf(sub);
      const out = [await sub([w('SUBSCRIBE __redis__:invalidate')])];
      out.push(await tracked([w(`CLIENT TRACKING on REDIRECT ${subId}`), w(`CLIENT TRACKING on REDIRECT ${subId} REDIRECT ${subId}`),
        w('GET k'), w('CLIENT TRACKINGINFO')]));
      out.push(String((await tracked([w('CLIENT GETREDIR')])).startsWith(`:${subId}\r\n`)));
      await writer([w('SET k 1'), w('FLUSHALL')]);
      out.push(await sub([w('PING')]));
      sub.close();
      while ((await writer([['CLIENT', 'LIST', 'ID', subId]])).includes('id=')) await new Promise((r) => setTimeout(r, 5));
      out.push(await tracked([w('HELLO 3'), w('GET k')]));
      await writer([w('SET k 2')]);
      out.push(await tracked([w('CLIENT TRACKINGINFO')]));
      out.push(/flags=(\S+)/.exec(await tracked([w('CLIENT INFO')]))![1]!);
      return out;
    })).join('');
    expect(got).toContain('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n');
    expect(got).toContain('tracking-redir-broken');
  });

  it('INFO counts tracking clients, keys, items and prefixes', async () => {
    await same(async (open) => {
      const a = await open();
      const b = await open();
      const c = await open();
      await a([w('CLIENT TRACKING on'), w('MGET k1 k2 k3')]);
      await b([w('CLIENT TRACKING on'), w('GET k1')]);
      await c([w('CLIENT TRACKING on BCAST PREFIX p PREFIX q')]);
      const info = await c([w('INFO')]);
      return [info.split('\r\n').filter((l) => l.startsWith('tracking_')).join(',')];
    });
  });
});

describe('CLIENT REPLY', () => {
  it('OFF drops replies until ON, SKIP drops the next one; pub/sub messages still arrive', async () => {
    const got = (await same(async (open) => {
      const c = await open();
      const pub = await open();
      const out = [await c([w('CLIENT REPLY maybe'), w('CLIENT REPLY OFF'), w('SET a 1'), w('GET a'), w('CLIENT REPLY SKIP'),
        w('CLIENT REPLY ON'), w('GET a'), w('CLIENT REPLY SKIP'), w('GET a'), w('GET a'), w('CLIENT REPLY SKIP'),
        w('CLIENT REPLY ON'), w('ECHO after'), w('CLIENT REPLY SKIP'), w('NOSUCH'), w('ECHO x')])];
      out.push(await c([w('HELLO 3'), w('CLIENT REPLY OFF'), w('SUBSCRIBE ch'), w('GET a'), w('CLIENT REPLY ON')]));
      out.push(await c([w('CLIENT REPLY SKIP'), w('PING')]));
      await pub([w('PUBLISH ch hi')]);
      out.push(await c([w('CLIENT REPLY SKIP'), w('RESET'), w('ECHO y'), w('CLIENT REPLY OFF'), w('RESET'), w('ECHO z')]));
      return out;
    })).join('');
    expect(got).toContain('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n');
  });
});

describe('tracking-table-max-keys', () => {
  it('a table past the limit sheds keys before the next command, their readers told', async () => {
    const got = await same(async (open) => {
      const admin = await open();
      const reader = await open();
      await admin([w('CONFIG SET tracking-table-max-keys 2')]);
      try {
        // The PING END closing the batch runs the check. Which keys go is the table's choice (a
        // random walk in Redis): count them.
        const shed = (await reader([w('HELLO 3'), w('CLIENT TRACKING on'), w('MGET a b c d e')])).split('invalidate').length - 1;
        const info = await admin([w('INFO stats')]);
        return [String(shed), /tracking_total_keys:\d+/.exec(info)![0]];
      } finally {
        await admin([w('CONFIG SET tracking-table-max-keys 1000000')]);
      }
    });
    expect(got).toEqual(['3', 'tracking_total_keys:2']);
  });
});
