// Conditions replication tests wait for: INFO fields, a replica caught up with its master.
import { RespClient } from './resp-client.js';

/** INFO <section> as a field -> value map. */
export async function info(port: number, section = 'replication'): Promise<Map<string, string>> {
  const c = await RespClient.connect(port);
  try {
    const text = String(await c.call('INFO', section));
    return new Map(text.split('\r\n').filter((l) => l.includes(':')).map((l) => {
      const i = l.indexOf(':');
      return [l.slice(0, i), l.slice(i + 1)] as [string, string];
    }));
  } finally {
    c.close();
  }
}

/** Polls until check() returns true; throws with describe()'s text after timeoutMs. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 30_000, describe = (): string => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms ${describe()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the replica's link is up and it has processed the master's whole stream. */
export async function caughtUp(masterPort: number, replicaPort: number, timeoutMs = 60_000): Promise<void> {
  let last = '';
  await until(async () => {
    const [m, r] = await Promise.all([info(masterPort), info(replicaPort)]);
    last = `master offset ${m.get('master_repl_offset')}, replica ${r.get('master_link_status')} ${r.get('slave_repl_offset')}`;
    return r.get('master_link_status') === 'up' && r.get('slave_repl_offset') === m.get('master_repl_offset');
  }, timeoutMs, () => last);
}

export async function digest(port: number): Promise<string> {
  const c = await RespClient.connect(port);
  try {
    return String(await c.call('DEBUG', 'DIGEST'));
  } finally {
    c.close();
  }
}
