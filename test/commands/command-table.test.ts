// Every command redstate registers, whatever its family, described as redis-server 7.0
// describes it: arity, flags, key positions and ACL categories (COMMAND INFO).
import { describe, expect, it } from 'vitest';
import type { Reply } from '../helpers/resp-client.js';
import { sideBySide } from './side-by-side.js';

const pair = sideBySide();

/** name, arity, flags, first/last/step and categories, subcommands alike. */
function describeEntry(x: Reply): string[] {
  const e = x as Reply[];
  const own = `${e[0]} arity=${e[1]} flags=${(e[2] as string[]).join(',')} keys=${e[3]},${e[4]},${e[5]} acl=${(e[6] as string[]).join(',')}`;
  return [own, ...(e[9] as Reply[]).flatMap(describeEntry)];
}

describe('the command table', () => {
  it('matches Redis 7.0 for every command redstate has', async () => {
    const ours = (await pair.s.call('COMMAND')) as Reply[];
    const names = ours.map((e) => String((e as Reply[])[0]));
    const theirs = (await pair.r.call('COMMAND', 'INFO', ...names)) as Reply[];
    const mismatches: string[] = [];
    for (let i = 0; i < ours.length; i++) {
      if (theirs[i] === null) {
        mismatches.push(`${names[i]}: not a Redis 7.0 command`);
        continue;
      }
      const want = new Set(describeEntry(theirs[i]!));
      for (const line of describeEntry(ours[i]!)) {
        if (!want.has(line)) mismatches.push(`${line}\n   redis: ${[...want].find((w) => w.startsWith(`${line.split(' ')[0]} `)) ?? '(none)'}`);
      }
    }
    expect(mismatches.join('\n')).toBe('');
  });
});
