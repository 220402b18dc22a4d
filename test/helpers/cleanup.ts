// What a test starts (servers, clients, anything with a close), closed after it in reverse
// order: `const { cleanup, started, client } = closedAfterEach();` at a test file's top.
import { afterEach } from 'vitest';
import { RespClient } from './resp-client.js';
import type { Running } from './servers.js';

export function closedAfterEach(): {
  cleanup: Array<() => Promise<void> | void>;
  started: <T extends Running>(s: Promise<T>) => Promise<T>;
  client: (port: number) => Promise<RespClient>;
} {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  return {
    cleanup,
    async started<T extends Running>(s: Promise<T>): Promise<T> {
      const r = await s;
      cleanup.push(() => r.close());
      return r;
    },
    async client(port: number): Promise<RespClient> {
      const c = await RespClient.connect(port);
      cleanup.push(() => c.close());
      return c;
    },
  };
}
