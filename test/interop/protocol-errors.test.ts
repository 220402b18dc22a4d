// Malformed input: each case gets the same reply from redstate as from redis-server 7.0,
// only that connection is closed, and other clients carry on.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, startRedstate, type Running } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp-client.js';

/** Sends raw bytes; resolves with what came back and whether the server closed. */
function probe(port: number, input: string): Promise<string> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1', () => s.write(Buffer.from(input, 'latin1')));
    let data = '';
    s.on('data', (b) => (data += b.toString('latin1')));
    s.on('close', () => res(`${data}[closed]`));
    s.on('error', () => {});
    setTimeout(() => {
      s.destroy();
      res(`${data}[open]`);
    }, 300);
  });
}

const CASES = [
  '*2000000\r\n', '*3000000000\r\n', '*1\r\n$-5\r\n', '*1\r\n$abc\r\n', '*1\r\nfoo\r\n', '*abc\r\n',
  '"unbalanced\r\n', "PING 'a'b\r\n", '*-1\r\nPING\r\n', '\r\n\r\nPING\r\n', '*1\r\n$600000000\r\n',
  '*0\r\nPING\r\n', 'NOSUCHCOMMAND a b\r\nPING\r\n', '*1\r\n$3\r\nGET\r\n', 'GET a b c\r\n',
  'SET k v\r\nLPUSH k x\r\nGET k\r\n', `${'x'.repeat(70_000)}`,
];

describe('protocol errors, against redis-server 7.0', () => {
  let redis: Running;
  let redstate: Running;
  beforeAll(async () => {
    [redis, redstate] = await Promise.all([startRedis(), startRedstate()]);
  });
  afterAll(async () => {
    await Promise.all([redis?.close(), redstate?.close()]);
  });

  for (const input of CASES) {
    it(JSON.stringify(input).slice(0, 48), async () => {
      const [want, got] = await Promise.all([probe(redis.port, input), probe(redstate.port, input)]);
      expect(got).toBe(want);
    });
  }

  it('closes only the offending connection', async () => {
    const bystander = await RespClient.connect(redstate.port);
    await bystander.call('SET', 'survivor', 'yes');
    const reply = await probe(redstate.port, '*1\r\n$-5\r\n');
    expect(reply).toMatch(/^-ERR Protocol error: invalid bulk length\r\n\[closed\]$/);
    expect(await bystander.call('GET', 'survivor')).toBe('yes');
    bystander.close();
  });
});
