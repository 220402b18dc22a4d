// What one save costs a server: a fresh server (a build's cli.js, or `redis`) loaded with the
// populate or the mixed dataset (full size), then SAVE (or BGSAVE, waited for) 4 times in a
// row; for each, the server's CPU (all threads), its minor page faults and the wall time.
// The first save runs the encoder cold; on a VM each fresh page costs ~10 µs of CPU.
//   node --import ./bench/register.js bench/save-cost.ts <dist|redis> [SAVE|BGSAVE] [mixed|populate]
import { presets } from './config.js';
import { loadMixed, populate } from './measures/datasets.js';
import { minorFaults, processCpuMs } from './proc.js';
import { bgsaveDone } from './resp.js';
import { buildSpec, cleanUpEverything, makeTempDir, removeTempDir, startServer } from './servers.js';

const [build = 'dist', command = 'SAVE', dataset = 'mixed'] = process.argv.slice(2);
const config = presets.full;
const spec = buildSpec(build);
const dir = makeTempDir();
try {
  const server = await startServer(spec, { dir });
  const client = await server.client();
  if (dataset === 'mixed') await loadMixed(client, config, new AbortController().signal);
  else await populate(client, config);
  for (let i = 0; i < 4; i++) {
    const [cpu0, faults0, t0] = [processCpuMs(server.pid), minorFaults(server.pid), performance.now()];
    await client.call(command);
    if (command === 'BGSAVE') await bgsaveDone(client, 2);
    const cpu = processCpuMs(server.pid) - cpu0;
    console.log(`${build} ${command} ${dataset}: cpu ${cpu.toFixed(0)} ms, minor faults ${minorFaults(server.pid) - faults0}, wall ${(performance.now() - t0).toFixed(0)} ms`);
  }
  await server.stop();
} finally {
  removeTempDir(dir);
  cleanUpEverything();
}
