// client-output-buffer-limit (normal and pubsub classes) and client-query-buffer-limit side by side with
// redis-server 7.0 (each its own process, run `npm run build` first): the client over the
// limit is dropped, the server and its other clients go on.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespClient, encodeCommand, type Reply } from '../helpers/resp-client.js';
import { startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';

let procs: Proc[] = [];

beforeAll(async () => {
  const args = ['--client-output-buffer-limit', 'normal 256kb 0 0', '--client-query-buffer-limit', '1mb'];
  procs = await Promise.all([startRedis(args), startRedstateProcess(args)]);
}, 30_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.close()));
});

async function connectedClients(c: RespClient): Promise<number> {
  return Number(/^connected_clients:(\d+)/m.exec((await c.call('INFO', 'clients')) as string)![1]);
}

/** A process's resident set in bytes (VmRSS). */
function rssOf(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))![1]) * 1024;
}

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('client memory limits, side by side with redis-server 7.0', () => {
  it('drops a client whose unread replies pass the normal class hard limit', async () => {
    await Promise.all(procs.map(async (p) => {
      const watcher = await RespClient.connect(p.port);
      expect(await watcher.call('SET', 'big', 'x'.repeat(512 * 1024))).toBe('OK');
      // A client that sends GETs and never reads their replies.
      const sock = connect({ port: p.port, host: '127.0.0.1' });
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.pause();
      sock.on('error', () => {});
      sock.write(Buffer.concat(Array.from({ length: 100 }, () => encodeCommand(['GET', 'big']))));
      await until(async () => (await connectedClients(watcher)) === 1, `${p.proc.spawnfile}: the reader-less client dropped`);
      expect(await watcher.call('PING')).toBe('PONG');
      expect(await watcher.call('STRLEN', 'big')).toBe(512 * 1024);
      sock.destroy();
      watcher.close();
    }));
  }, 60_000);

  it('a subscriber has the pubsub class: dropped past its soft limit for longer than its seconds, a normal client not', async () => {
    await Promise.all(procs.map(async (p) => {
      const watcher = await RespClient.connect(p.port);
      expect(await watcher.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0 pubsub 0 128kb 1')).toBe('OK');
      const payload = 'p'.repeat(64 * 1024);
      expect(await watcher.call('SET', 'big', payload)).toBe('OK');
      const paused = async (cmds: string[][]): Promise<ReturnType<typeof connect>> => {
        const sock = connect({ port: p.port, host: '127.0.0.1' });
        sock.on('error', () => {});
        await new Promise<void>((r) => sock.once('connect', () => r()));
        sock.pause();
        sock.write(Buffer.concat(cmds.map((c) => encodeCommand(c))));
        return sock;
      };
      const sub = await paused([['SUBSCRIBE', 'flood']]);
      await until(async () => ((await watcher.call('PUBSUB', 'NUMSUB', 'flood')) as Reply[])[1] === 1, 'the subscriber');
      // A normal client with as much unread output: its class has no limit.
      const reader = await paused(Array.from({ length: 200 }, () => ['GET', 'big']));
      let receivers = 1;
      for (let i = 0; receivers === 1 && i < 600; i++) {
        receivers = (await watcher.call('PUBLISH', 'flood', payload)) as number;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(receivers, `${p.proc.spawnfile}: the subscriber dropped`).toBe(0);
      expect(await connectedClients(watcher)).toBe(2);
      expect(await watcher.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 256kb 0 0 pubsub 32mb 8mb 60')).toBe('OK');
      sub.destroy();
      reader.destroy();
      watcher.close();
    }));
  }, 60_000);

  it('never sends replies past the hard limit: the client is closed with nothing, its transaction run whole', async () => {
    const got = await Promise.all(procs.map(async (p) => {
      const watcher = await RespClient.connect(p.port);
      expect(await watcher.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 100000 0 0')).toBe('OK');
      await watcher.call('DEL', 'list', 'k3');
      expect(await watcher.call('RPUSH', 'list', ...Array.from({ length: 150 }, () => 'x'.repeat(1000)))).toBe(150);
      const read: string[] = [];
      for (const cmds of [[['LRANGE', 'list', '0', '-1']], [['MULTI'], ['SET', 'k2', 'v2'], ['LRANGE', 'list', '0', '-1'], ['SET', 'k3', 'v3'], ['EXEC']]]) {
        const sock = connect({ port: p.port, host: '127.0.0.1' });
        let text = '';
        sock.on('data', (b: Buffer) => (text += b.toString('latin1')));
        sock.on('error', () => {});
        await new Promise<void>((r) => sock.once('connect', () => r()));
        sock.write(Buffer.concat(cmds.map((c) => encodeCommand(c))));
        await new Promise((r) => sock.once('close', r));
        read.push(text);
      }
      const k3 = await watcher.call('GET', 'k3');
      expect(await watcher.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 256kb 0 0')).toBe('OK');
      watcher.close();
      return { read, k3 };
    }));
    expect(got[0]).toEqual({ read: ['', ''], k3: 'v3' });
    expect(got[1]).toEqual(got[0]);
  }, 60_000);

  it("a soft limit's time runs out with no new output too", async () => {
    await Promise.all(procs.map(async (p) => {
      const watcher = await RespClient.connect(p.port);
      expect(await watcher.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0 pubsub 0 100000 1')).toBe('OK');
      const sub = connect({ port: p.port, host: '127.0.0.1' });
      sub.on('error', () => {});
      await new Promise<void>((r) => sub.once('connect', () => r()));
      sub.pause();
      sub.write(encodeCommand(['SUBSCRIBE', 'quiet']));
      await until(async () => ((await watcher.call('PUBSUB', 'NUMSUB', 'quiet')) as Reply[])[1] === 1, 'the subscriber');
      // Over the soft limit, then silence: only the clock can drop it.
      const omem = async (): Promise<number> => Number(/ sub=1 .* omem=(\d+)/.exec((await watcher.call('CLIENT', 'LIST')) as string)?.[1] ?? 0);
      while ((await omem()) <= 100_000) await watcher.call('PUBLISH', 'quiet', 'q'.repeat(10_000));
      await until(async () => ((await watcher.call('PUBSUB', 'NUMSUB', 'quiet')) as Reply[])[1] === 0, `${p.proc.spawnfile}: the subscriber dropped`);
      expect(await watcher.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 256kb 0 0 pubsub 32mb 8mb 60')).toBe('OK');
      sub.destroy();
      watcher.close();
    }));
  }, 60_000);

  it('drops a client whose query buffer passes client-query-buffer-limit, keeps one under it', async () => {
    await Promise.all(procs.map(async (p) => {
      const under = await RespClient.connect(p.port);
      expect(await under.call('SET', 'q', 'a'.repeat(900_000))).toBe('OK');
      // Redis drops a query that passes the limit even when it would complete the command.
      const over = await RespClient.connect(p.port);
      over.write(encodeCommand(['SET', 'q', 'b'.repeat(1024 * 1024)]));
      await over.waitClosed();
      expect(await under.call('STRLEN', 'q')).toBe(900_000);
      expect(await under.call('CONFIG', 'GET', 'client-query-buffer-limit')).toEqual(['client-query-buffer-limit', '1048576']);
      under.close();
    }));
  }, 60_000);

  it('a burst of 100 clients each sending a 100 MB bulk: each dropped at the query limit, the server alive, its RSS bounded', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const header = Buffer.from('*3\r\n$3\r\nSET\r\n$5\r\nburst\r\n$100000000\r\n');
    const growth = await Promise.all(procs.map(async (p) => {
      const watcher = await RespClient.connect(p.port);
      const rssBefore = rssOf(p.proc.pid!);
      let rssMax = rssBefore;
      const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssOf(p.proc.pid!))), 20);
      await Promise.all(Array.from({ length: 100 }, async () => {
        const sock = connect({ port: p.port, host: '127.0.0.1' });
        sock.on('error', () => {});
        const closed = new Promise<void>((r) => sock.once('close', () => r()));
        await new Promise<void>((r) => sock.once('connect', () => r()));
        // The same Buffer queued again and again: 1.25 MB sent, none copied on this side.
        sock.write(header);
        for (let i = 0; i < 20; i++) sock.write(chunk);
        await closed;
      }));
      clearInterval(sampler);
      expect(await watcher.call('PING')).toBe('PONG');
      expect(await watcher.call('EXISTS', 'burst')).toBe(0);
      await until(async () => (await connectedClients(watcher)) === 1, 'the burst gone');
      watcher.close();
      return rssMax - rssBefore;
    }));
    console.log(`query-buffer burst, RSS growth (MB): redis ${(growth[0]! / 2 ** 20).toFixed(1)}, redstate ${(growth[1]! / 2 ** 20).toFixed(1)}`);
    // Each client holds at most the 1 MB limit: 100 MB if all were at it at once, and the
    // Buffers of those already dropped until V8 collects them.
    expect(growth[1]!).toBeLessThan(256 * 2 ** 20);
  }, 60_000);

  it('maxmemory-clients evicts the clients holding most until the rest hold less than the limit', async () => {
    const evicted = await Promise.all(procs.map(async (p) => {
      const watcher = await RespClient.connect(p.port);
      expect(await watcher.call('CLIENT', 'NO-EVICT', 'on')).toBe('OK');
      expect(await watcher.call('CONFIG', 'SET', 'maxmemory-clients', '1mb')).toBe('OK');
      // Three clients, each in the middle of a 700 kB argument with 600 kB of it sent.
      const socks = await Promise.all([0, 1, 2].map(async () => {
        const sock = connect({ port: p.port, host: '127.0.0.1' });
        sock.on('error', () => {});
        await new Promise<void>((r) => sock.once('connect', () => r()));
        sock.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$700000\r\n${'x'.repeat(600_000)}`);
        return sock;
      }));
      const stat = async (): Promise<number> =>
        Number(/^evicted_clients:(\d+)/m.exec((await watcher.call('INFO', 'stats')) as string)![1]);
      await until(async () => (await stat()) >= 2, 'two clients evicted');
      await until(async () => (await connectedClients(watcher)) === 2, 'two clients gone');
      const n = await stat();
      expect(await watcher.call('CONFIG', 'SET', 'maxmemory-clients', '0')).toBe('OK');
      for (const s of socks) s.destroy();
      watcher.close();
      return n;
    }));
    expect(evicted[1]).toBe(evicted[0]);
  }, 60_000);

  it('maxmemory-clients counts a command with its arguments before it runs: one completed over the limit by its last read never runs', async () => {
    const seen = await Promise.all(procs.map(async (p) => {
      const watcher = await RespClient.connect(p.port);
      expect(await watcher.call('CLIENT', 'NO-EVICT', 'on')).toBe('OK');
      const evicted = async (): Promise<number> =>
        Number(/^evicted_clients:(\d+)/m.exec((await watcher.call('INFO', 'stats')) as string)![1]);
      const before = await evicted();
      expect(await watcher.call('CONFIG', 'SET', 'maxmemory-clients', '512kb')).toBe('OK');
      const sock = connect({ port: p.port, host: '127.0.0.1' });
      sock.on('error', () => {});
      await new Promise<void>((r) => sock.once('connect', () => r()));
      // 515,000 of the value's 524,000 bytes, under the limit as they arrive (Redis counts the
      // whole declared length and drops the client here already); then the rest, in one read
      // that completes the SET: counted with its argument, the client is over the limit.
      sock.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$524000\r\n${'x'.repeat(515_000)}`);
      await new Promise((r) => setTimeout(r, 300));
      if (!sock.destroyed) sock.write(`${'x'.repeat(9_000)}\r\n`);
      await until(async () => (await connectedClients(watcher)) === 1, `${p.proc.spawnfile}: the client gone`);
      const after = await evicted();
      const kept = await watcher.call('EXISTS', 'k');
      expect(await watcher.call('CONFIG', 'SET', 'maxmemory-clients', '0')).toBe('OK');
      sock.destroy();
      watcher.close();
      return { kept, evicted: after - before };
    }));
    expect(seen[0]).toEqual({ kept: 0, evicted: 1 });
    expect(seen[1]).toEqual(seen[0]);
  }, 60_000);

  it("maxmemory-clients counts a client's tracking prefixes: one adding BCAST prefixes is evicted", async () => {
    await Promise.all(procs.map(async (p) => {
      const watcher = await RespClient.connect(p.port);
      expect(await watcher.call('CLIENT', 'NO-EVICT', 'on')).toBe('OK');
      expect(await watcher.call('CONFIG', 'SET', 'maxmemory-clients', '200000')).toBe('OK');
      const client = await RespClient.connect(p.port);
      // Redis counts ~36 bytes a prefix, redstate 100: either passes 200 kB before 10,000.
      let added = 0;
      while (added < 10_000 && await client.call('CLIENT', 'TRACKING', 'on', 'PREFIX', String(added).padStart(12, '0'), 'BCAST') === 'OK') added++;
      await client.waitClosed();
      expect(added).toBeGreaterThan(1000);
      await until(async () => (await connectedClients(watcher)) === 1, `${p.proc.spawnfile}: the client gone`);
      expect(await watcher.call('CONFIG', 'SET', 'maxmemory-clients', '0')).toBe('OK');
      client.close();
      watcher.close();
    }));
  }, 60_000);

  it('maxmemory-clients is checked as the client reads and before each command: one whose MULTI queue passes it never reaches EXEC', async () => {
    const seen = await Promise.all(procs.map(async (p) => {
      const watcher = await RespClient.connect(p.port);
      expect(await watcher.call('CLIENT', 'NO-EVICT', 'on')).toBe('OK');
      const before = Number(/^evicted_clients:(\d+)/m.exec((await watcher.call('INFO', 'stats')) as string)![1]);
      expect(await watcher.call('CONFIG', 'SET', 'maxmemory-clients', '256kb')).toBe('OK');
      const sock = connect({ port: p.port, host: '127.0.0.1' });
      sock.on('error', () => {});
      // Closed, or (were it not evicted) answered EXEC.
      let got = '';
      const ended = new Promise<void>((r) => {
        sock.once('close', () => r());
        sock.on('data', (d: Buffer) => (got += d.toString('latin1')).includes('*') && r());
      });
      await new Promise<void>((r) => sock.once('connect', () => r()));
      // One write of 400 kB, which both servers take in before the cron's next tick: its queue
      // passes the limit before EXEC comes up, and the client is dropped then, not in the cron.
      const value = 'm'.repeat(100_000);
      sock.write(Buffer.concat([['MULTI'], ['SET', 'm1', value], ['SET', 'm2', value], ['SET', 'm3', value],
        ['SET', 'm4', value], ['INCR', 'n'], ['EXEC']].map((c) => encodeCommand(c))));
      await ended;
      sock.destroy();
      await until(async () => (await connectedClients(watcher)) === 1, `${p.proc.spawnfile}: the client gone`);
      const after = Number(/^evicted_clients:(\d+)/m.exec((await watcher.call('INFO', 'stats')) as string)![1]);
      const kept = await watcher.call('EXISTS', 'm1', 'm2', 'm3', 'm4', 'n');
      expect(await watcher.call('CONFIG', 'SET', 'maxmemory-clients', '0')).toBe('OK');
      watcher.close();
      return { kept, evicted: after - before };
    }));
    expect(seen[0]).toEqual({ kept: 0, evicted: 1 });
    expect(seen[1]).toEqual(seen[0]);
  }, 60_000);
});
