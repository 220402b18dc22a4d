// Glob matching (KEYS, SCAN MATCH, CONFIG GET, COMMAND LIST, PSUBSCRIBE and PUBSUB CHANNELS)
// compared with redis-server 7.0, one matcher behind them all: the patterns
// that make a backtracking matcher exponential answer at once and as Redis answers them, and
// random patterns over the characters that matter agree with Redis's matcher reply for reply.
import { describe, expect, it } from 'vitest';
import { globMatch } from '../../src/commands/glob.js';
import { RespClient } from '../helpers/resp-client.js';
import { plain, sideBySide } from './side-by-side.js';

const pair = sideBySide({ flushEach: true });
const { same, sameSorted } = pair;

/** Seeded strings over the characters a glob gives meaning to, and a few plain ones. */
function randomWords(seed: number): (max: number) => string {
  const alphabet = 'ab*?[]^-\\Ac';
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  return (max) => {
    let s = '';
    const n = Math.floor(rnd() * (max + 1));
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
}

describe('glob matching', () => {
  it('patterns with many stars answer at once, as Redis answers them', async () => {
    const a40 = 'a'.repeat(40);
    await same(['MSET', a40, '1', 'a'.repeat(999), '1', `${a40}b`, '1', 'ab'.repeat(30), '1']);
    const patterns = [
      `${'a*'.repeat(20)}b`,
      `${'a*'.repeat(20)}c`,
      `${'*a'.repeat(30)}*b`,
      `${'?*'.repeat(40)}c`,
      `${'*[ab]'.repeat(30)}c`,
      `${'*a'.repeat(999)}`,
      `${'*a'.repeat(1001)}`,
      `${'*ab'.repeat(40)}x`,
      `${'a*'.repeat(1500)}`,
    ];
    for (const p of patterns) {
      await sameSorted(['KEYS', p]);
      await sameSorted(['SCAN', '0', 'MATCH', p, 'COUNT', '1000']);
    }
  });

  it('random patterns over *, ?, [...], ^, - and \\ match what Redis matches', async () => {
    const word = randomWords(7);
    const keys = new Set<string>();
    while (keys.size < 60) keys.add(word(8) || 'x');
    await same(['MSET', ...[...keys].flatMap((k) => [k, '1'])]);
    for (let i = 0; i < 400; i++) await sameSorted(['KEYS', word(7)]);
  });

  it('CONFIG GET matches without regard to case, as Redis does', async () => {
    for (const p of ['MAXMEM*', 'Repl-*', '*TIMEOUT', '[R]epl-backlog-SIZE', 'hash-max-*-[E]*']) {
      await sameSorted(['CONFIG', 'GET', p]);
    }
  });

  it('only a consumed char lets trailing stars match nothing', () => {
    expect(globMatch('*', '')).toBe(false);
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('a**', 'a')).toBe(true);
    expect(globMatch('[^a]', '\u00e0', true)).toBe(true);
  });

  it('SSCAN, HSCAN and ZSCAN MATCH take the same patterns at once, as Redis answers them', async () => {
    const members = ['a'.repeat(40), `${'a'.repeat(40)}b`, 'ab'.repeat(30), 'x'];
    await same(['SADD', 's', ...members], ['HSET', 'h', ...members.flatMap((m) => [m, '1'])],
      ['ZADD', 'z', ...members.flatMap((m) => ['1', m])]);
    for (const p of [`${'a*'.repeat(20)}b`, `${'*a'.repeat(30)}*c`, `${'?*'.repeat(40)}c`, `${'*a'.repeat(1001)}`, '*[a-b]*x*']) {
      await sameSorted(['SSCAN', 's', '0', 'MATCH', p, 'COUNT', '1000'], ['HSCAN', 'h', '0', 'MATCH', p, 'COUNT', '1000'],
        ['ZSCAN', 'z', '0', 'MATCH', p, 'COUNT', '1000']);
    }
  });

  it('COMMAND LIST FILTERBY PATTERN matches as Redis does (nocase), among the commands redstate serves', async () => {
    for (const p of ['Z*', '*RANGE*', `${'*e'.repeat(30)}*x`, 's?n*', '[gs]et*', `${'*'.repeat(2000)}get`]) {
      const [want, got] = await Promise.all([pair.r.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', p), pair.s.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', p)]);
      const served = new Set((await pair.s.call('COMMAND', 'LIST')) as string[]);
      expect([...(got as string[])].sort(), p).toEqual((want as string[]).filter((n) => served.has(n)).sort());
    }
  });

  it('PSUBSCRIBE and PUBSUB CHANNELS take the same patterns at once, and deliver and list as Redis does', async () => {
    const a40 = 'a'.repeat(40);
    const channels = [a40, `${a40}b`, 'ab'.repeat(30), 'x'];
    const patterns = [`${'a*'.repeat(20)}b`, `${'*a'.repeat(30)}*c`, `${'?*'.repeat(40)}c`, `${'*a'.repeat(1001)}`, `${'a*'.repeat(1500)}`, '*[a-b]*x*', '*b'];
    const scenario = async (port: number): Promise<unknown[]> => {
      const [sub, pub] = await Promise.all([RespClient.connect(port), RespClient.connect(port)]);
      try {
        const out: unknown[] = [];
        const subscribed = [sub.call('PSUBSCRIBE', ...patterns), ...patterns.slice(1).map(() => sub.next())];
        out.push((await Promise.all(subscribed)).map(plain));
        const listeners = await RespClient.connect(port);
        for (const ch of channels) await listeners.call('SUBSCRIBE', ch);
        let messages = 0;
        for (const ch of channels) {
          const n = (await pub.call('PUBLISH', ch, `to ${ch}`)) as number;
          out.push(n);
          messages += n - 1;
        }
        // Each client gets its messages in pattern order; the patterns' order may differ by design.
        out.push((await Promise.all(Array.from({ length: messages }, () => sub.next()))).map((m) => JSON.stringify(plain(m))).sort());
        for (const p of patterns) out.push(((await pub.call('PUBSUB', 'CHANNELS', p)) as string[]).sort());
        out.push(await pub.call('PUBSUB', 'NUMPAT'));
        listeners.close();
        return out;
      } finally {
        sub.close();
        pub.close();
      }
    };
    const [want, got] = await Promise.all([scenario(pair.redis.port), scenario(pair.redstate.port)]);
    expect(got).toEqual(want);
  });
});
