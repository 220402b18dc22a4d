// The bench's own servers: a port that another process took between freePort() and our
// server's bind must not pass for ours (a populated server once held 2001 keys: the bench
// had written to a stranger that held one key of its own).
import { afterAll, describe, expect, it } from 'vitest';
import { RunningServer, cleanUpEverything, makeTempDir, serverSpecs, spawnTracked, startServer } from '../../bench/servers.js';

afterAll(() => cleanUpEverything());

describe('bench servers', () => {
  it('does not take a stranger answering on its port for itself, nor shut the stranger down', async () => {
    const stranger = await startServer(serverSpecs().redis, { dir: makeTempDir() });
    const client = await stranger.client();
    try {
      await client.call('SET', 'strangers-key', '1');
      // A child that never binds anything, given the stranger's port as if freePort() had found it.
      const impostor = new RunningServer('redis', stranger.port, makeTempDir(), spawnTracked(['sleep', '30']));
      await expect(impostor.waitReady(undefined, 300)).rejects.toThrow(/another process answers on its port/);
      await impostor.stop();
      expect(await client.call('DBSIZE')).toBe(1);
    } finally {
      client.close();
      await stranger.stop();
    }
  });
});
