// unixsocket and unixsocketperm, side by side with redis-server 7.0: the socket file made
// with its mode (a stale file in its way replaced), clients on it served and shown as Redis
// shows them (addr and laddr the path, flag U), local enough for enable-debug-command local,
// the start-up and shutdown lines, and the file gone after a shutdown. Redis's own test suite
// drives servers through it (redis-benchmark -s in psync2-reg.tcl).
import { execFileSync } from 'node:child_process';
import { statSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../helpers/closed-after-each.js';
import { startRedis, startRedstateProcess, tempDir } from '../helpers/servers.js';

const { running } = closedAfterEach();

const cli = (path: string, ...args: string[]): string => execFileSync('redis-cli', ['-s', path, ...args], { encoding: 'utf8' }).trim();

describe('a unix socket, side by side with redis-server 7.0', () => {
  it('listens on it, serves and shows its clients, and removes it at shutdown', async () => {
    const seen: unknown[] = [];
    for (const kind of ['redis', 'redstate'] as const) {
      const dir = tempDir(`unix-${kind}-`);
      const path = join(dir, 'server.sock');
      writeFileSync(path, 'stale');
      const args = ['--unixsocket', path, '--unixsocketperm', '700', '--enable-debug-command', 'local', '--loglevel', 'notice'];
      const server = kind === 'redis' ? await startRedis(args) : await startRedstateProcess(args);
      running.push(server);
      const list = cli(path, 'CLIENT', 'LIST');
      seen.push({
        mode: (statSync(path).mode & 0o777).toString(8),
        socket: statSync(path).isSocket(),
        ping: cli(path, 'PING'),
        set: cli(path, 'SET', 'k', 'v'),
        get: cli(path, 'GET', 'k'),
        debug: cli(path, 'DEBUG', 'DIGEST-VALUE', 'k'),
        addr: list.match(/ (addr|laddr)=\S+/g)!.map((f) => f.replace(path, '<path>')),
        flags: /flags=(\S+)/.exec(list)![1],
        // As name-value pairs: Redis lists them in its dict's order.
        config: Object.fromEntries(cli(path, 'CONFIG', 'GET', 'unixsocket*').replace(path, '<path>').split('\n').flatMap((l, i, a) => (i % 2 ? [] : [[l, a[i + 1]]]))),
        ready: server.output().includes(`The server is now ready to accept connections at ${path}`),
      });
      cli(path, 'SHUTDOWN', 'NOSAVE');
      await server.exited;
      seen.push({ removed: !existsSync(path), logged: server.output().includes('Removing the unix socket file.') });
    }
    expect(seen[2]).toEqual(seen[0]);
    expect(seen[3]).toEqual(seen[1]);
    expect(seen[2]).toMatchObject({ mode: '700', socket: true, ping: 'PONG', addr: [' addr=<path>:0', ' laddr=<path>:0'], flags: 'U', ready: true });
    expect(seen[3]).toEqual({ removed: true, logged: true });
  });
});
