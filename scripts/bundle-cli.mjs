// dist/cli.js, the file the package's bin runs, as one ESM bundle of the server and its
// dependencies (run by `npm run build` after tsc, over tsc's dist/cli.js; the other modules tsc
// wrote stay for the bench tools that import them). Node then reads one file where it
// resolved, stat'ed and compiled ~300: `dist/cli.js --version` took 0.45 s of CPU, now 0.27
// (node alone: 0.10). wasmoon stays a package, as it finds its .wasm beside itself; ws's
// optional native helpers stay optional.
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const { outputFiles } = await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['wasmoon', 'bufferutil', 'utf-8-validate'],
  // The CommonJS packages bundled in (ws) require node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // Over tsc's map of its cli.js: for node --enable-source-maps.
  sourcemap: true,
  // esbuild escapes every character past ASCII in the code itself (charset ascii).
  charset: 'ascii',
  logLevel: 'warning',
  write: false,
});

for (const file of outputFiles) {
  // The comments it keeps (xstate's, ours) may still hold a few: a single one makes V8 hold the
  // whole 1.4 MB source as two bytes a character and scan it so, ~30 ms of every start's CPU
  // (bench/startup-cpu.ts). Each UTF-16 unit becomes one '?', so the map's columns still hold.
  const text = file.path.endsWith('.js') ? file.text.replace(/[^\x00-\x7f]/g, '?') : file.text;
  writeFileSync(file.path, text);
}
