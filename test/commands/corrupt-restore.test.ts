// Corrupt RESTORE payloads (from Redis 7.0's corrupt-dump.tcl) given to redis-server 7.0 and to
// redstate, both deep-sanitizing: each refuses with "Bad data format", and logs at verbose the
// line of rdbLoadObject that names what was wrong, the one operators and Redis's own tests grep for.
import { describe, expect, it } from 'vitest';
import { onBoth, peerPair } from '../helpers/peer-pair.js';

const PAYLOADS: Record<string, string> = {
  'hash ziplist with a field twice': '0d1b1b00000016000000040000026100040262000402610004026400ff0900a1983678cc8e932e',
  'empty zipmap': '090200ff0900c0f1b8674c16ace3',
  'zset ziplist entry of length size 0':
    '0c3d3d0000003a000000140000f102f102025f3104f202f302f302025f3304f402ee02f502025f3504f602f702f702025f37' +
    '04f802f902f902025f3904faff0900aef9772a472433f6',
  'zset ziplist with a bad tail offset': '0c191900000002000000060000f102f102025f3104f202f302f3ff09004d727b97cd9a70c1',
  'stream with a consumer twice':
    '0f0000000001076d7967726f757000000002046e616d652a4caa9a7d01000000046e616d652b4caa9a7d010000000a00cced' +
    '8ca762eec7c8',
  'stream listpack of a wrong size':
    '0f01100000000000000002000000000000000240555f0000000f000101000102018831000000000000000988320000000000' +
    '0000090001000100010001020288310000000000000009886100000000000000098832000000000000000988620000000000' +
    '0000090801ff0a010000090045910a872fa5f92e',
  'stream listpack entry with a wrong back-length':
    '0f0110000000000000000200000000000000024055550000000f000101001502018831000000000000000988320000000000' +
    '0000090001000100010001020288310000000000000009886100000000000000098832000000000000000988620000000000' +
    '0000090801ff0a010000090006fb44240a8e75ea',
  'stream PEL entry no consumer owns':
    '0f01100000017b08f0b2340000000000000000c33b404219420000001800020101010201846974656d058576616c75650600' +
    '20100000200100012003020501032005400004825f31030560198032020501ff02810000017b08f0b2340201076d7967726f' +
    '7570810000017b08f0b23401010000017b08f0b234000000000000000135b2f0087b010000010113416c69636535b2f0087b' +
    '010000010000017b08f0b23400000000000000010900282fe0c504bba731',
};

/** rdbReportError's line in redis-server's log, what was wrong after its arrow. */
const line = /Internal error in RDB reading offset \d+, function at rdb\.c:\d+ -> (.*)/;

const peers = peerPair(['--loglevel', 'verbose', '--sanitize-dump-payload', 'yes']);

describe('RESTORE of corrupt payloads', () => {
  it('is refused by both with the line redis-server logs for it', async () => {
    await onBoth(peers, (p) => p.c.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'));
    for (const [name, hex] of Object.entries(PAYLOADS)) {
      const [redisLogBefore, oursBefore] = [peers[0]!.proc.output().length, peers[1]!.proc.output().length];
      const replies = await onBoth(peers, (p) => p.c.call('RESTORE', `k:${name}`, '0', Buffer.from(hex, 'hex')));
      expect(replies.map((r) => (r as Error).message), name).toEqual(['ERR Bad data format', 'ERR Bad data format']);
      await expect.poll(() => line.test(peers[0]!.proc.output().slice(redisLogBefore)), { timeout: 2000 }).toBe(true);
      const theirs = line.exec(peers[0]!.proc.output().slice(redisLogBefore))![1]!;
      await expect.poll(() => peers[1]!.proc.output().slice(oursBefore), { timeout: 2000 }).toContain(`-> RDB ${theirs}`);
    }
  });
});
