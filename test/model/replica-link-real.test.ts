// The replica-link model's paths run against the REAL replica-link actor of an in-process
// redstate, over loopback sockets, with the scripted fake master as the peer (replica-link.ts):
// the paths generated from the machine, plus each one left in a state the real actor does not
// rest in (loading) completed by the events that end it, chosen greedily to take every transition.
import { describe, expect, it } from 'vitest';
import type { ReplicaLinkEvent } from '../../src/machines/replica-link.js';
import { coverage, formatCoverage, modelPaths, replay, selectPaths } from './coverage.js';
import { linkPathDriveable, runLinkPath } from './replica-link.js';
import { replicaLinkModel } from './models.js';

const LOADING = '{"transfer":"loading"}';
const generated = modelPaths(replicaLinkModel);
const completed = generated
  .filter((p) => JSON.stringify(p.values[p.values.length - 1]) === LOADING)
  .flatMap((p) => (['LOADED', 'FAILED'] as const).map((end) => replay(replicaLinkModel, p.input, [...p.events, { type: end } as ReplicaLinkEvent])));
const selected = selectPaths([...generated, ...completed].filter(linkPathDriveable));

describe('replica-link model paths over real sockets', () => {
  for (const [n, p] of selected.entries()) {
    const name = p.events.map((e) => (e.type === 'REPLY' ? JSON.stringify(e.line) : e.type === 'TICK' && e.now > 1000 ? 'TICK(timeout)' : e.type)).join(' ');
    // A payload goes both ways: whole (garbage when it must fail), and a byte at a time (a bad checksum when it must fail).
    for (const v of p.events.some((e) => e.type === 'PAYLOAD_RECEIVED') ? [0, 1] : [0]) {
      const how = p.events.some((e) => e.type === 'PAYLOAD_RECEIVED') ? (v === 0 ? ', payload whole' : ', payload byte by byte') : '';
      it(`path ${n} (auth ${p.input.auth}${how}): ${name}`, async () => {
        await runLinkPath(p, v);
      });
    }
  }

  it('the paths driven over sockets take every state and transition', () => {
    const c = coverage('replica-link over sockets', replicaLinkModel.machine, selected);
    console.log(`${formatCoverage(c)} (${selected.length} paths)`);
    expect(c.states.missing).toEqual([]);
    expect(c.transitions.missing).toEqual([]);
  });
});
