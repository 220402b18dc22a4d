// The static charts in visualizations/charts/ are what `npm run charts` draws from the machines
// of src/machines now: a machine changed without its chart regenerated fails here.
import { describe, expect, it } from 'vitest';
import { renderCharts, staleCharts } from '../../visualizations/charts.js';
import { transitionLabel, type StateJSON } from '../../visualizations/src/chart.js';

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('static charts', () => {
  it('match every machine of src/machines (run `npm run charts` after changing one)', async () => {
    expect(await staleCharts()).toEqual([]);
  });

  it('draw every state and every transition of each machine', async () => {
    for (const [name, { def, svg }] of await renderCharts()) {
      const walk = (s: StateJSON): void => {
        expect(svg, `${name}: ${s.id}`).toContain(`data-state="${s.id}"`);
        for (const t of [...s.transitions, ...(s.always ?? [])]) expect(svg, `${name}: ${s.id} ${t.eventType}`).toContain(escape(transitionLabel(t)));
        Object.values(s.states).forEach(walk);
      };
      walk(def);
    }
  });
});
