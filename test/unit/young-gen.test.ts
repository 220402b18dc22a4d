// touchYoungGeneration (cli.ts runs it before 'Ready to accept connections'): both of V8's
// semi-spaces resident, whatever size the node options give them. Run in a node of its own
// with those options, on the build the bin runs.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const module = fileURLToPath(new URL('../../dist/young-gen.js', import.meta.url));
const script = `
import { getHeapSpaceStatistics } from 'node:v8';
import { touchYoungGeneration } from ${JSON.stringify(module)};
const space = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
const before = space().physical_space_size;
touchYoungGeneration();
const after = space().physical_space_size;
// Nothing left to make resident: a semi-space more of garbage adds no page.
for (let i = 0; i < 64 * 1024; i++) globalThis.sink = new Array(126).fill(i);
console.log(JSON.stringify({ before, after, later: space().physical_space_size }));
`;

describe('touchYoungGeneration', () => {
  it('leaves both semi-spaces resident', () => {
    for (const mb of [4, 32]) {
      const out = execFileSync(process.execPath, [`--max-semi-space-size=${mb}`, `--min-semi-space-size=${mb}`, '--input-type=module', '-e', script]);
      const { before, after, later } = JSON.parse(String(out)) as { before: number; after: number; later: number };
      expect(before, `${mb} MB`).toBeLessThan(2 * mb * 1024 * 1024);
      expect(after, `${mb} MB`).toBeGreaterThanOrEqual(2 * mb * 1024 * 1024);
      expect(later, `${mb} MB`).toBe(after);
    }
  });
});
