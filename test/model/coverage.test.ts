// The fast layer of the model-based tests: paths generated from each machine's definition,
// replayed on the machine alone. Fails when a state or transition is on no path, so a machine
// that gains one without the model reaching it fails the suite.
import { describe, expect, it } from 'vitest';
import { coverage, formatCoverage, machineGraph, modelPaths } from './coverage.js';
import { MODELS } from './models.js';

describe('model coverage', () => {
  for (const spec of MODELS) {
    it(`${spec.name}: the generated paths cover every state and transition`, () => {
      const paths = modelPaths(spec);
      const c = coverage(spec.name, spec.machine, paths);
      console.log(`${formatCoverage(c)} (${paths.length} paths)`);
      expect(c.states.missing).toEqual([]);
      expect(c.transitions.missing).toEqual([]);
      expect(c.transitions.total).toBe(machineGraph(spec.machine).transitions.length);
    });
  }
});

describe('the coverage check itself', () => {
  it('reports the transitions a model without -LOADING, -NOMASTERLINK or STOP cannot reach', () => {
    const [link] = MODELS;
    const events = link!.events.filter((e) => e.type !== 'STOP' && !('line' in e && /^-(LOADING|NOMASTERLINK)/.test(String(e.line))));
    const c = coverage('replica-link', link!.machine, modelPaths({ ...link!, events }));
    expect(c.states.missing).toEqual(['replicaLink.stopped']);
    expect(c.transitions.missing).toEqual(['replicaLink STOP', 'replicaLink.handshake.psync REPLY[2]']);
  });
});
