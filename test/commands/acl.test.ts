// ACL against redis-server 7.0: users made, shown and refused the same way, and the same
// commands allowed and refused for them (NOPERM at the top level, inside MULTI and EXEC and
// in scripts), with the same ACL LOG. ACL LIST and GETUSER name single commands in the order
// of Redis's hash table, which changes from process to process: those are compared as sets.
// Commands redstate does not serve (COMMAND LIST tells) are left out of what is compared.
import { beforeAll, describe, expect, it } from 'vitest';
import { sortedRules } from '../helpers/acl-rules.js';
import { RespClient, RespError, type Reply } from '../helpers/resp-client.js';
import { plain, sideBySide, words, type Command } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });

/** Redis 7.0's commands redstate does not serve. */
let unserved = new Set<string>();
beforeAll(async () => {
  const served = new Set((await pair.s.call('COMMAND', 'LIST')) as string[]);
  unserved = new Set(((await pair.r.call('COMMAND', 'LIST')) as string[]).filter((c) => !served.has(c)));
});

const normalized = (x: Reply): unknown => x instanceof RespError ? { error: x.message }
  : Array.isArray(x) ? x.map(normalized) : typeof x === 'string' ? sortedRules(x, unserved) : x;

/** Runs each command on both servers over the given connections; the replies must agree. */
async function same(r: RespClient, s: RespClient, ...cmds: Command[]): Promise<void> {
  for (const cmd of cmds.map(words)) {
    const [want, got] = await Promise.all([r.call(...cmd), s.call(...cmd)]);
    expect(normalized(got), cmd.join(' ')).toEqual(normalized(want));
  }
}

/** A connection to each server, authenticated as user. */
async function both(user?: string, pass = 'pw'): Promise<[RespClient, RespClient]> {
  const cs = await Promise.all([RespClient.connect(pair.redis.port), RespClient.connect(pair.redstate.port)]);
  if (user !== undefined) for (const c of cs) expect(await c.call('AUTH', user, pass)).toBe('OK');
  return cs as [RespClient, RespClient];
}

/** Every user but default gone, the log empty. */
async function reset(): Promise<void> {
  for (const c of [pair.r, pair.s]) {
    const users = (await c.call('ACL', 'USERS')) as string[];
    const others = users.filter((u) => u !== 'default');
    if (others.length > 0) await c.call('ACL', 'DELUSER', ...others);
    await c.call('ACL', 'LOG', 'RESET');
  }
}

/** ACL LOG's entries without the age and the client's line, which are each server's own. */
async function log(c: RespClient): Promise<unknown> {
  const entries = (await c.call('ACL', 'LOG')) as Reply[][];
  return entries.map((e) => {
    const m = new Map<string, Reply>();
    for (let i = 0; i < e.length; i += 2) m.set(e[i] as string, e[i + 1]!);
    expect(String(m.get('client-info'))).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ .* user=\S+ redir=-1 resp=[23]$/);
    expect(Number(m.get('age-seconds'))).toBeGreaterThanOrEqual(0);
    m.delete('client-info');
    m.delete('age-seconds');
    return Object.fromEntries([...m].map(([k, v]) => [k, plain(v)]));
  });
}

describe('ACL SETUSER, GETUSER, LIST', () => {
  it('builds users rule by rule and shows them as redis-server does', async () => {
    await reset();
    await pair.same('ACL LIST', 'ACL GETUSER default', 'ACL USERS', 'ACL WHOAMI');
    await same(pair.r, pair.s,
      ['ACL', 'SETUSER', 'alice', 'on', '>pw', '~k*', '%R~r*', '&ch*', '+get', '+set', '-@all', '+@string', '-get', '+config|get', '+client', 'allkeys'],
      'ACL GETUSER alice', 'ACL SETUSER bob', 'ACL GETUSER bob',
      ['ACL', 'SETUSER', 'carol', '(~x* +get)', '(+set', '~y*)'], 'ACL GETUSER carol',
      'ACL SETUSER u1 +select|0 +get|x', 'ACL SETUSER u1 %R~ %RW~a %R~a ~b %W~b', 'ACL SETUSER u1 ~a %R~c %R~c &x &x',
      'ACL SETUSER u2 reset', 'ACL SETUSER u3 sanitize-payload skip-sanitize-payload', 'ACL SETUSER u4 >a >b >a <b nopass',
      'ACL SETUSER u5 >a resetpass', 'ACL SETUSER u6 +@all -@dangerous +flushall', 'ACL SETUSER v1 -@all +@read',
      'ACL SETUSER v2 -@all +@read -get', 'ACL SETUSER v3 -@all +@read -@keyspace +type', 'ACL SETUSER v4 -@all +@hash +@string',
      'ACL SETUSER v5 +@all -@read', 'ACL SETUSER v6 -@all +@read -@hash', 'ACL SETUSER w1 -@all +client -client|kill',
      'ACL SETUSER w2 -@all +client|list +client|info', ['ACL', 'SETUSER', 'u9', 'on', '>p', '~*', '&*', '+@all', '(~x +get)'],
      'ACL SETUSER u8 (~a +get) clearselectors (~b +set)', 'ACL SETUSER u7 #8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92 !8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92',
      'ACL LIST', 'ACL USERS', 'ACL GETUSER u1', 'ACL GETUSER u9', 'ACL GETUSER nosuch');
  });

  it('refuses a bad rule, naming it, and changes nothing', async () => {
    await reset();
    await same(pair.r, pair.s, 'ACL SETUSER keep on >pw ~k +get');
    for (const bad of ['+nosuch', '+@nosuch', 'allkeys ~x', 'allchannels &x', '<nopw', '#abc', '!abc', '+config|get|x',
      '+client|nosuch', 'foo', '%X~a', '%', '(+get', '(on)', '(+nosuch)', '+debug|', '-select|0', '(~a +get']) {
      await same(pair.r, pair.s, `ACL SETUSER keep ${bad}`, `ACL SETUSER fresh on ${bad}`);
    }
    await same(pair.r, pair.s, ['ACL', 'SETUSER', 'has space', 'on'], 'ACL LIST');
  });

  it('answers its other subcommands and their misuse as redis-server does', async () => {
    await reset();
    await same(pair.r, pair.s, 'ACL SETUSER bob on', 'ACL CAT', 'ACL CAT nosuch', 'ACL CAT a b', 'ACL GENPASS 0', 'ACL GENPASS 5000',
      'ACL GENPASS x', 'ACL GENPASS 1 2', 'ACL DELUSER default', 'ACL DELUSER nosuch bob', 'ACL USERS', 'ACL LOAD', 'ACL SAVE',
      'ACL LOG x', 'ACL LOG 1 2', 'ACL NOSUCH', 'ACL HELP', 'ACL', 'ACL GETUSER', 'ACL WHOAMI x');
    for (const cat of (await pair.r.call('ACL', 'CAT')) as string[]) {
      const [want, got] = await Promise.all([pair.r.call('ACL', 'CAT', cat), pair.s.call('ACL', 'CAT', cat)]);
      const served = (want as string[]).filter((c) => !unserved.has(c.split('|')[0]!));
      expect((got as string[]).slice().sort(), cat).toEqual(served.sort());
    }
    const [p256, p5] = [await pair.s.call('ACL', 'GENPASS'), await pair.s.call('ACL', 'GENPASS', '5')];
    expect(p256).toMatch(/^[0-9a-f]{64}$/);
    expect(p5).toMatch(/^[0-9a-f]{2}$/);
  });
});

describe('permissions', () => {
  it('refuses commands, keys and channels the user lacks, in MULTI and scripts too, and logs each', async () => {
    await reset();
    await same(pair.r, pair.s,
      'ACL SETUSER t1 on >pw ~k* %R~r* %W~w* &c* +get +set +lpush +rename +exists +multi +exec +publish +subscribe +psubscribe +eval +acl|whoami +select|0');
    const [r, s] = await both('t1');
    await same(r, s, 'ACL WHOAMI', 'GET k1', 'GET x1', 'SET x1 v', 'DEL k1', 'GET r1', 'SET r1 v', 'SET w1 v', 'GET w1',
      'LPUSH w1 a', 'RENAME k1 w2', 'SET k1 v', 'RENAME k1 r2', 'EXISTS w1 r1 x1', 'PUBLISH c1 m', 'PUBLISH d1 m',
      'SELECT 0', 'SELECT 1', 'ACL USERS',
      'MULTI', 'GET k1', 'GET x1', 'EXEC', 'MULTI', 'GET k1', 'EXEC',
      ['EVAL', "return redis.call('get','x')", '0'], ['EVAL', "return redis.call('del','k')", '0'],
      ['EVAL', "return redis.pcall('publish','d','m')", '0'], ['EVAL', "return redis.call('get','k')", '0']);
    expect(await log(pair.s)).toEqual(await log(pair.r));
    await same(r, s, 'PSUBSCRIBE c*', 'PSUBSCRIBE c1*');
    r.close();
    s.close();
  });

  it('checks every selector, and ACL DRYRUN says what would be refused', async () => {
    await reset();
    await same(pair.r, pair.s, ['ACL', 'SETUSER', 's1', 'on', '>pw', '~a*', '+get', '(~b* +set)', '(&ch +publish)']);
    const [r, s] = await both('s1');
    await same(r, s, 'GET a1', 'GET b1', 'SET b1 v', 'SET a1 v', 'PUBLISH ch m', 'PUBLISH other m', 'MGET a1 b1');
    r.close();
    s.close();
    await same(pair.r, pair.s, 'ACL DRYRUN s1 get a1', 'ACL DRYRUN s1 get b1', 'ACL DRYRUN s1 set b1 v', 'ACL DRYRUN s1 lpush a1 v',
      'ACL DRYRUN s1 publish ch m', 'ACL DRYRUN s1 publish x m', 'ACL DRYRUN nosuch get x', 'ACL DRYRUN s1 nosuch x',
      'ACL DRYRUN s1 get', 'ACL DRYRUN s1 config get maxmemory', 'ACL DRYRUN s1 client', 'ACL DRYRUN s1 client nosuch',
      'ACL DRYRUN default flushall');
  });

  it("SORT's BY and GET patterns need a user who may read every key; MIGRATE's keys are read, written and deleted", async () => {
    await reset();
    await same(pair.r, pair.s, 'SET v1 1', 'LPUSH mylist 1');
    const cases = ['(+sort ~mylist)', '(+sort ~mylist ~v*)', '(+sort ~mylist %W~*)', '(+sort ~mylist %R~*)', '+sort ~mylist ~*'];
    for (const rules of cases) {
      await same(pair.r, pair.s, 'ACL SETUSER ts on nopass resetkeys clearselectors -@all', `ACL SETUSER ts ${rules}`);
      const [r, s] = await both('ts');
      await same(r, s, 'SORT mylist BY v*', 'SORT mylist GET v*', 'SORT mylist BY nosort', 'SORT mylist GET #', 'SORT_RO mylist BY v*');
      r.close();
      s.close();
    }
    await same(pair.r, pair.s, 'ACL SETUSER mt +@all %R~read* %W~write* %RW~rw*');
    for (const key of ['rw', 'read', 'write']) {
      await same(pair.r, pair.s, `ACL DRYRUN mt MIGRATE h 1 ${key} 0 500`, ['ACL', 'DRYRUN', 'mt', 'MIGRATE', 'h', '1', '', '0', '500', 'KEYS', key],
        ['ACL', 'DRYRUN', 'mt', 'MIGRATE', 'h', '1', '', '0', '500', 'AUTH2', 'KEYS', '123', 'KEYS', key]);
    }
  });

  it('refuses at EXEC what the rules took away after the command was queued', async () => {
    await reset();
    await same(pair.r, pair.s, 'ACL SETUSER t2 on >pw ~* +@all');
    const [r, s] = await both('t2');
    await same(r, s, 'MULTI', 'SET k v', 'GET k');
    await same(pair.r, pair.s, 'ACL SETUSER t2 -get');
    await same(r, s, 'EXEC');
    expect(await log(s)).toEqual(await log(r));
    r.close();
    s.close();
  });

  it('logs refused AUTH and HELLO AUTH, counting repeats in one entry', async () => {
    await reset();
    const [r, s] = await both();
    await same(r, s, 'ACL SETUSER t3 on >pw +@all ~*', 'AUTH t3 nope', 'AUTH t3 nope', 'AUTH nosuch pw', 'HELLO 2 AUTH t3 nope',
      'AUTH pw', 'ACL SETUSER t3 off', 'AUTH t3 pw', 'ACL SETUSER t3 on nopass', 'AUTH t3 anything', 'ACL WHOAMI');
    expect(await log(s)).toEqual(await log(r));
    r.close();
    s.close();
  });
});

describe('the default user and connections', () => {
  it('keeps requirepass as the default password; RESET and a deleted user end the authentication', async () => {
    await reset();
    const [r, s] = await both();
    try {
      await same(r, s, 'ACL SETUSER t4 on >pw +@all ~*', 'CONFIG SET requirepass secret', 'ACL GETUSER default', 'ACL LIST');
      const [r2, s2] = await both();
      await same(r2, s2, 'GET x', 'AUTH wrong', 'AUTH secret', 'ACL WHOAMI', 'RESET', 'GET x', 'AUTH t4 pw', 'ACL WHOAMI',
        'RESET', 'ACL WHOAMI', 'AUTH default secret');
      const [r3, s3] = await both('t4');
      await same(r, s, 'ACL DELUSER t4');
      // Their connections close.
      await Promise.all([r3.waitClosed(), s3.waitClosed()]);
      await same(r, s, 'ACL SETUSER t6 on >pw +@all ~*');
      const [r4, s4] = await both('t6');
      await same(r2, s2, 'CLIENT KILL USER nosuch', 'CLIENT KILL USER t6');
      await Promise.all([r4.waitClosed(), s4.waitClosed()]);
      r2.close();
      s2.close();
    } finally {
      for (const c of [r, s]) await c.call('CONFIG', 'SET', 'requirepass', '');
      r.close();
      s.close();
    }
    await same(pair.r, pair.s, 'ACL GETUSER default');
  });

  it('closes the subscribers whose channels a SETUSER takes away, and only those', async () => {
    const cases: [string, string[], string][] = [
      ['allchannels', ['PSUBSCRIBE', 'foo'], 'resetchannels'],
      ['allchannels', ['SUBSCRIBE', 'foo'], 'resetchannels &foo'],
      ['allchannels', ['PSUBSCRIBE', 'foo*'], 'resetchannels &foo*'],
      ['allchannels', ['PSUBSCRIBE', 'foo*'], 'resetchannels &foo'],
      ['resetchannels &foo:1 &bar:*', ['SUBSCRIBE', 'foo:1'], 'resetchannels &foo:1 &bar:* &orders'],
      ['resetchannels &foo:1 &bar:*', ['PSUBSCRIBE', 'bar:*'], 'resetchannels &bar:x'],
      ['resetchannels &foo &bar', ['SSUBSCRIBE', 'bar'], 'resetchannels &foo'],
      ['resetchannels &foo &bar', ['SUBSCRIBE', 'foo'], 'resetchannels &foo'],
      ['resetchannels &a*', ['SUBSCRIBE', 'ab'], 'allchannels'],
    ];
    const closed: boolean[][] = [[], []];
    for (const [was, subscribe, now] of cases) {
      await reset();
      await same(pair.r, pair.s, `ACL SETUSER ps on >pw +@all ~* ${was}`);
      const subs = await both('ps');
      for (const c of subs) {
        await c.call('CLIENT', 'SETNAME', 'subscriber');
        await c.call(...subscribe);
      }
      await same(pair.r, pair.s, `ACL SETUSER ps ${now}`);
      for (const [i, admin] of [pair.r, pair.s].entries()) closed[i]!.push(!((await admin.call('CLIENT', 'LIST')) as string).includes('name=subscriber'));
      for (const c of subs) c.close();
    }
    expect(closed[0]).toEqual([true, false, false, true, false, true, true, false, false]);
    expect(closed[1]).toEqual(closed[0]);
  });

  it('shows the user in CLIENT LIST and CLIENT INFO', async () => {
    await reset();
    await same(pair.r, pair.s, 'ACL SETUSER t5 on >pw +@all ~*');
    const [r, s] = await both('t5');
    for (const c of [r, s]) expect(await c.call('CLIENT', 'INFO')).toMatch(/ user=t5 /);
    r.close();
    s.close();
  });
});
