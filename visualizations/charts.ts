// npm run charts: every machine exported by src/machines drawn to visualizations/charts/<id>.svg,
// and `--check` (the test's mode) to tell which charts are missing or out of date.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { machineDefinition } from '../src/inspector/definition.js';
import { layoutChart, renderSvg, type StateJSON } from './src/chart.js';

const ROOT = join(import.meta.dirname, '..');
export const CHARTS_DIR = join(ROOT, 'visualizations/charts');
const MACHINES_DIR = join(ROOT, 'src/machines');

/** Anything exported that is an xstate machine (it has toJSON() and a root state node). */
function isMachine(v: unknown): v is { id: string; toJSON(): unknown } {
  return typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function'
    && typeof (v as { root?: unknown }).root === 'object' && typeof (v as { id?: unknown }).id === 'string';
}

/** Each machine of src/machines: its chart's file name, its definition and the SVG it draws to. */
export async function renderCharts(): Promise<Map<string, { def: StateJSON; svg: string }>> {
  const charts = new Map<string, { def: StateJSON; svg: string }>();
  const files = existsSync(MACHINES_DIR) ? readdirSync(MACHINES_DIR).filter((f) => f.endsWith('.ts')).sort() : [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(MACHINES_DIR, f)).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) {
      if (!isMachine(v) || charts.has(`${v.id}.svg`)) continue;
      const def = machineDefinition(v as unknown as AnyStateMachine) as StateJSON;
      charts.set(`${v.id}.svg`, { def, svg: `${renderSvg(await layoutChart(def), { standalone: true, title: `${v.id} (src/machines/${f})` })}\n` });
    }
  }
  return charts;
}

/** Names of charts whose file differs from what the machines draw now (missing, stale or orphaned). */
export async function staleCharts(): Promise<string[]> {
  const want = await renderCharts();
  const stale = [...want].filter(([name, { svg }]) => !existsSync(join(CHARTS_DIR, name)) || readFileSync(join(CHARTS_DIR, name), 'utf8') !== svg).map(([n]) => n);
  const orphans = (existsSync(CHARTS_DIR) ? readdirSync(CHARTS_DIR) : []).filter((f) => f.endsWith('.svg') && !want.has(f));
  return [...stale, ...orphans];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const charts = await renderCharts();
  mkdirSync(CHARTS_DIR, { recursive: true });
  for (const [name, { svg }] of charts) {
    writeFileSync(join(CHARTS_DIR, name), svg);
    process.stdout.write(`visualizations/charts/${name}\n`);
  }
  if (charts.size === 0) process.stdout.write('no machines in src/machines yet\n');
}
