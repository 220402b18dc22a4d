// The process's open-file limit (RLIMIT_NOFILE), as adjustOpenFilesLimit reads it. Node raises
// its soft limit to the hard one as it starts and offers no setrlimit: what it has then is
// what the server gets. Read from /proc, Linux's; null where that cannot be read.
import { readFileSync } from 'node:fs';

/** The soft limit on open files (Infinity when unlimited), or null when unknown. */
export function openFilesLimit(): number | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'latin1');
  } catch {
    return null;
  }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (m === null) return null;
  return m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/**
 * Whether this process may raise its hard limit (CAP_SYS_RESOURCE, bit 24 of /proc's CapEff):
 * without it setrlimit past the hard limit fails with EPERM, the reason redis-server logs.
 */
export function mayRaiseHardLimit(): boolean {
  try {
    const m = /^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    return m !== null && (BigInt(`0x${m[1]}`) & (1n << 24n)) !== 0n;
  } catch {
    return false;
  }
}
