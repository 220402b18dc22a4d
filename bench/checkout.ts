// A checkout's server modules, loaded from its sources (another worktree's, for before/after
// figures) in the CLI's order: the replica link's module before the server's, as their
// imports are circular.
import { join, resolve } from 'node:path';

/**
 * The checkout at rootArg: its absolute path, its Client class, and startServer, one of its
 * servers listening on a free port, saving nothing, logging nothing.
 */
export async function loadCheckout(rootArg: string): Promise<{
  root: string; Client: any; startServer: (dir: string) => Promise<any>;
}> {
  const root = resolve(rootArg);
  await import(join(root, 'src/actors/replica-link.ts'));
  const { Server } = await import(join(root, 'src/actors/server.ts'));
  const { Client } = await import(join(root, 'src/actors/client.ts'));
  const { Config } = await import(join(root, 'src/config/config.ts'));
  const { Logger } = await import(join(root, 'src/log.ts'));
  const startServer = async (dir: string) => {
    const config = new Config();
    for (const [name, value] of Object.entries({ port: '0', dir, save: '' })) config.set(name, [value], false);
    const log = new Logger();
    log.level = 'nothing';
    const server = new Server(config, log);
    await server.listen();
    return server;
  };
  return { root, Client, startServer };
}
