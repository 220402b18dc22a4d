// dist/cli.js, the file the package's bin runs, as one ESM bundle of the server and its
// dependencies (run by `npm run build` after tsc, over tsc's dist/cli.js; the other modules tsc
// wrote stay for the bench tools that import them). Node then reads one file where it
// resolved, stat'ed and compiled ~300: `dist/cli.js --version` took 0.45 s of CPU, now 0.27
// (node alone: 0.10). wasmoon stays a package, as it finds its .wasm beside itself; ws's
// optional native helpers stay optional.
import { build } from 'esbuild';

await build({
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
  logLevel: 'warning',
});
