// What a test starts (servers, clients, anything with a close), closed after it in reverse
// order, so that a failing test leaves no process or socket behind for the next one:
// `const { started, client } = closedAfterEach();` at a test file's top.
import { afterEach } from 'vitest';
import { RespClient } from './resp-client.js';
import type { Running } from './servers.js';

export function closedAfterEach(): {
  cleanup: Array<() => Promise<void> | void>;
  /** Servers already started, to close after the test. */
  running: { push(...servers: Running[]): void };
  started: <T extends Running>(s: Promise<T>) => Promise<T>;
  client: (port: number) => Promise<RespClient>;
} {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  const running = {
    push(...servers: Running[]): void {
      for (const s of servers) cleanup.push(() => s.close());
    },
  };
  return {
    cleanup,
    running,
    async started<T extends Running>(s: Promise<T>): Promise<T> {
      const r = await s;
      running.push(r);
      return r;
    },
    async client(port: number): Promise<RespClient> {
      const c = await RespClient.connect(port);
      cleanup.push(() => c.close());
      return c;
    },
  };
}
