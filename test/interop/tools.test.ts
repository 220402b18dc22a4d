// The real tools against redstate: redis-benchmark, redis-cli (commands, --pipe, --scan)
// and ioredis (pipelines, MULTI).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedstate, type InProcess } from '../helpers/servers.js';

const exec = promisify(execFile);

describe('real clients against redstate', () => {
  let s: InProcess;
  beforeAll(async () => {
    s = await startRedstate();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('runs redis-benchmark without an error reply', async () => {
    const tests = 'set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,lrange,mset';
    const { stdout } = await exec('redis-benchmark', [
      '-p', String(s.port), '-n', '2000', '-c', '10', '-r', '1000', '-e', '--csv', '-t', tests,
    ], { timeout: 120_000 });
    expect(stdout).not.toMatch(/error/i);
    const rows = stdout.trim().split('\n').slice(1).map((l) => l.split(',').map((f) => f.replace(/"/g, '')));
    const names = rows.map((r) => r[0]);
    for (const t of ['SET', 'GET', 'INCR', 'LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'SADD', 'HSET', 'SPOP', 'MSET (10 keys)']) {
      expect(names).toContain(t);
    }
    expect(names.some((n) => n?.startsWith('ZADD'))).toBe(true);
    expect(names.some((n) => n?.startsWith('LRANGE_600'))).toBe(true);
    for (const r of rows) expect(Number(r[1])).toBeGreaterThan(0);
  });

  it('answers redis-cli one-shot commands', async () => {
    const cli = (...args: string[]) => exec('redis-cli', ['-p', String(s.port), ...args]).then((r) => r.stdout);
    expect(await cli('set', 'greeting', 'hello world')).toBe('OK\n');
    expect(await cli('get', 'greeting')).toBe('hello world\n');
    expect(await cli('incrby', 'n', '41')).toBe('41\n');
    expect(await cli('rpush', 'l', 'a', 'b', 'c')).toBe('3\n');
    expect(await cli('lrange', 'l', '0', '-1')).toBe('a\nb\nc\n');
    expect(await cli('nosuchcommand')).toMatch(/^ERR unknown command 'nosuchcommand'/);
    expect(await cli('ping')).toBe('PONG\n');
  });

  it('takes a mass insertion through redis-cli --pipe', async () => {
    let input = '';
    for (let i = 0; i < 5000; i++) input += `*3\r\n$3\r\nSET\r\n$${`pipe:${i}`.length}\r\npipe:${i}\r\n$1\r\n${i % 10}\r\n`;
    const out = await new Promise<string>((res, rej) => {
      const p = spawn('redis-cli', ['-p', String(s.port), '--pipe']);
      let o = '';
      p.stdout.on('data', (b: Buffer) => (o += b.toString()));
      p.stderr.on('data', (b: Buffer) => (o += b.toString()));
      p.on('close', (code) => (code === 0 ? res(o) : rej(new Error(o))));
      p.stdin.end(input);
    });
    expect(out).toMatch(/errors: 0, replies: 5000/);
    const { stdout } = await exec('redis-cli', ['-p', String(s.port), 'get', 'pipe:4999']);
    expect(stdout).toBe('9\n');
  });

  it('lists keys with redis-cli --scan', async () => {
    const { stdout } = await exec('redis-cli', ['-p', String(s.port), '--scan', '--pattern', 'pipe:1*']);
    const keys = stdout.trim().split('\n');
    expect(new Set(keys).size).toBe(1111);
  });

  it('runs an ioredis pipeline and a MULTI', async () => {
    const r = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true });
    await r.connect();
    const piped = await r.pipeline().set('p1', 'v1').incr('pc').incr('pc').get('p1').lpush('pl', 'x', 'y').exec();
    expect(piped).toEqual([[null, 'OK'], [null, 1], [null, 2], [null, 'v1'], [null, 2]]);
    const tx = await r.multi().set('t1', 'a').append('t1', 'b').get('t1').hset('th', 'f', 'v').hgetall('th').exec();
    expect(tx).toEqual([[null, 'OK'], [null, 2], [null, 'ab'], [null, 1], [null, { f: 'v' }]]);
    await r.watch('w');
    const other = new Redis({ port: s.port, host: '127.0.0.1' });
    await other.set('w', 'changed');
    expect(await r.multi().set('w', 'mine').exec()).toBeNull();
    expect(await r.get('w')).toBe('changed');
    other.disconnect();
    r.disconnect();
  });
});
