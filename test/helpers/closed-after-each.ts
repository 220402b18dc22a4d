// The servers and clients a test file opens, closed after each of its tests.
import { afterEach } from 'vitest';
import { RespClient } from './resp-client.js';
import type { Running } from './servers.js';

/**
 * Registers an afterEach that closes every client made by `client` and every server pushed to
 * `running`, so that a failing test leaves no process or socket behind for the next one.
 */
export function closedAfterEach(): { running: Running[]; client(port: number): Promise<RespClient> } {
  const running: Running[] = [];
  const clients: RespClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of running.splice(0)) await s.close();
  });
  return {
    running,
    async client(port: number): Promise<RespClient> {
      const c = await RespClient.connect(port);
      clients.push(c);
      return c;
    },
  };
}
