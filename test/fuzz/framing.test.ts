// RESP framing fuzz: seeded byte mutations of valid requests (lengths, CR/LF, type bytes,
// truncations, huge declared lengths) sent to redstate and redis-server 7.0, each on its own
// connection: both answer the same bytes (protocol errors word for word) and close or keep the
// connection alike; other clients are answered throughout; a declared bulk that never arrives
// allocates nothing up front.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand, RespClient } from '../helpers/resp-client.js';
import { startRedis, startRedstate, type InProcess, type Proc } from '../helpers/servers.js';
import { Gen } from './gen.js';

/**
 * How long a connection may stay silent before its outcome counts as "left open"; a case
 * whose outcomes differ is probed again with the longer wait (a loaded machine answers late).
 */
const IDLE_MS = 250;
const RETRY_IDLE_MS = 3000;

/** Sends bytes; resolves with everything received and whether the server closed. */
function probe(port: number, input: Buffer, idleMs = IDLE_MS): Promise<string> {
  return new Promise((res) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = (how: string): void => {
      clearTimeout(timer);
      s.destroy();
      res(`${Buffer.concat(chunks).toString('latin1')}[${how}]`);
    };
    const idle = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => done('open'), idleMs);
    };
    const s = connect(port, '127.0.0.1', () => {
      s.write(input);
      idle();
    });
    s.on('data', (b) => {
      chunks.push(b);
      idle();
    });
    s.on('close', () => done('closed'));
    s.on('error', () => {});
  });
}

const HEADER_NUMBERS = ['-1', '-5', '0', '', 'abc', '+3', '536870911', '536870912', '2147483648', '1048577',
  '99999999999999999999', '3 ', ' 3', '0x10'];
const BYTES = ['*', '$', '\r', '\n', ':', '+', '-', '0', '9', '\0', ' ', '"', "'", 'a'];

/** A valid request of a few deterministic commands on keys of its own. */
function request(g: Gen, i: number): Buffer {
  const key = `fz:${i}`;
  const cmds = [['PING'], ['ECHO', g.value()], ['SET', key, g.value()], ['GET', key], ['INCR', key], ['DEL', key],
    ['MSET', key, 'a', `${key}b`, 'b'], ['EXISTS', key, `${key}b`], ['APPEND', key, g.value()], ['STRLEN', key]];
  const n = g.range(1, 3);
  const parts = Array.from({ length: n }, () => g.pick(cmds));
  // Some inline commands too: the other way Redis reads a request.
  return Buffer.concat(parts.map((c) => (g.chance(0.2) ? Buffer.from(`${c.join(' ')}\r\n`, 'latin1') : encodeCommand(c))));
}

/** One or two random changes to the bytes. */
function mutate(g: Gen, input: Buffer): Buffer {
  let b = Buffer.from(input);
  for (let k = g.range(1, 2); k > 0; k--) {
    const at = g.int(b.length);
    switch (g.int(6)) {
      case 0: b[at] = g.pick(BYTES).charCodeAt(0); break;
      case 1: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]); break;
      case 2: b = Buffer.concat([b.subarray(0, at), Buffer.from(g.pick(BYTES), 'latin1'), b.subarray(at)]); break;
      case 3: b = b.subarray(0, at); break;
      case 4: {
        // a * or $ header's number replaced
        const heads = [...b.keys()].filter((j) => b[j] === 42 || b[j] === 36);
        if (heads.length === 0) break;
        const h = g.pick(heads);
        let end = h + 1;
        while (end < b.length && b[end] !== 13) end++;
        b = Buffer.concat([b.subarray(0, h + 1), Buffer.from(g.pick(HEADER_NUMBERS), 'latin1'), b.subarray(end)]);
        break;
      }
      default: b = Buffer.concat([b.subarray(0, at), b.subarray(g.int(b.length)), b.subarray(at)]);
    }
  }
  return b;
}

describe('RESP framing fuzz, against redis-server 7.0', () => {
  let redis: Proc;
  let redstate: InProcess;
  beforeAll(async () => {
    [redis, redstate] = await Promise.all([startRedis(), startRedstate()]);
  });
  afterAll(async () => {
    await Promise.all([redis?.close(), redstate?.close()]);
  });

  it('600 mutated requests get the same bytes back and the same close, other clients carry on', async () => {
    const g = new Gen(2026);
    const cases = Array.from({ length: 600 }, (_, i) => mutate(g, request(g, i)));
    const observer = await RespClient.connect(redstate.port);
    const differences: string[] = [];
    for (let at = 0; at < cases.length; at += 50) {
      const batch = cases.slice(at, at + 50);
      const [want, got] = await Promise.all([
        Promise.all(batch.map((c) => probe(redis.port, c))),
        Promise.all(batch.map((c) => probe(redstate.port, c))),
      ]);
      for (let j = 0; j < batch.length; j++) {
        if (got[j] !== want[j]) [want[j], got[j]] = await Promise.all([probe(redis.port, batch[j]!, RETRY_IDLE_MS), probe(redstate.port, batch[j]!, RETRY_IDLE_MS)]);
        if (got[j] !== want[j]) differences.push(`${JSON.stringify(batch[j]!.toString('latin1'))}: redis ${JSON.stringify(want[j])}, redstate ${JSON.stringify(got[j])}`);
      }
      expect(await observer.call('PING')).toBe('PONG');
    }
    observer.close();
    expect(differences).toEqual([]);
  }, 60_000);

  it('a declared bulk of 512 MB that never arrives allocates nothing up front', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const sockets = await Promise.all(Array.from({ length: 16 }, () => RespClient.connect(redstate.port)));
    for (const s of sockets) s.write(`*2\r\n$3\r\nSET\r\n$${512 * 1024 * 1024}\r\n${'x'.repeat(100_000)}`);
    const observer = await RespClient.connect(redstate.port);
    expect(await observer.call('CLIENT', 'LIST')).toMatch(/qbuf=100000 /);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    expect(await observer.call('PING')).toBe('PONG');
    for (const s of [...sockets, observer]) s.close();
  });
});
