import { writeBatches } from './measures/partial-resync.js';
import { cleanUpEverything, makeTempDir, serverSpecs, startServer, type ServerName } from './servers.js';
const [rounds = '3', repl = '0'] = process.argv.slice(2);
const value = 'v'.repeat(100);
for (let r = 0; r < Number(rounds); r++) for (const kind of ['redstate', 'redis'] as ServerName[]) {
  const m = await startServer(serverSpecs()[kind], { dir: makeTempDir() });
  const mc = await m.client();
  const reps = [];
  for (let i = 0; i < Number(repl); i++) {
    const s = await startServer(serverSpecs()[kind], { dir: makeTempDir() });
    const c = await s.client(); await c.call('REPLICAOF', '127.0.0.1', String(m.port)); reps.push(s);
  }
  await new Promise((r) => setTimeout(r, 1500));
  const ms: number[] = [];
  for (let k = 0; k < 20; k++) await writeBatches(mc, 10000, value, (t) => ms.push(t));
  ms.sort((a, b) => a - b);
  console.log(kind, 'batch ms p50', ms[ms.length >> 1]!.toFixed(2), 'p10', ms[Math.floor(ms.length * 0.1)]!.toFixed(2), 'p90', ms[Math.floor(ms.length * 0.9)]!.toFixed(2));
  mc.close(); for (const s of reps) await s.stop(); await m.stop();
}
cleanUpEverything();
