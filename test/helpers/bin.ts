// The build's bin as its #! line runs it, for tests and tools that spawn it with node
// (free of vitest, so that the fuzzer's runner can use it on its own).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The bin (npm run build first). */
export const CLI = resolve(ROOT, 'dist/cli.js');

/**
 * node's argv for the bin as its #! line runs it: its V8 flags (the young generation the
 * server runs with), the bin, then args. For spawn(process.execPath, ...).
 */
export function cliArgv(args: string[]): string[] {
  const line = readFileSync(CLI, 'latin1').split('\n', 1)[0]!;
  const flags = /^#!.*\bnode (.*)$/.exec(line)?.[1]!.trim().split(/\s+/) ?? [];
  return [...flags, CLI, ...args];
}
