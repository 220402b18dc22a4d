// A checkout's server modules, loaded from its sources (another worktree's, for before/after
// figures) in the CLI's order: the replica link's module before the server's, as their
// imports are circular.
import { join, resolve } from 'node:path';

/** Server, Client, Config and Logger of the checkout at rootArg, and its absolute path. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function loadCheckout(rootArg: string): Promise<{ root: string; Server: any; Client: any; Config: any; Logger: any }> {
  const root = resolve(rootArg);
  await import(join(root, 'src/actors/replica-link.ts'));
  const { Server } = await import(join(root, 'src/actors/server.ts'));
  const { Client } = await import(join(root, 'src/actors/client.ts'));
  const { Config } = await import(join(root, 'src/config/config.ts'));
  const { Logger } = await import(join(root, 'src/log.ts'));
  return { root, Server, Client, Config, Logger };
}
