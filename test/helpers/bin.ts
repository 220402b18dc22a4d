// The build's bin as its #! line runs it, for tests and tools that spawn it with node
// (free of vitest, so that the fuzzer's runner can use it on its own).
import { resolve } from 'node:path';
import { binFlags } from '../../bench/servers.js';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The bin (npm run build first). */
export const CLI = resolve(ROOT, 'dist/cli.js');

/**
 * node's argv for the bin as its #! line runs it: its V8 flags (the young generation the
 * server runs with), the bin, then args. For spawn(process.execPath, ...).
 */
export function cliArgv(args: string[]): string[] {
  return [...binFlags(resolve(ROOT, 'dist')), CLI, ...args];
}
