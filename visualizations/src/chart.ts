// A statechart drawn from a machine's definition (machine.toJSON(), as the inspection
// stream carries it): states, nested states, transitions labelled with their events and
// guards, laid out by elkjs's layered algorithm as Stately's visualizer lays charts out.
// One function serves the live page (in the browser) and `npm run charts` (in node).
import ElkBundled from 'elkjs/lib/elk.bundled.js';

/** elk.bundled.js is CommonJS whose module.exports is the class (its typings say otherwise under NodeNext). */
const ELK = ElkBundled as unknown as new () => { layout(graph: unknown): Promise<unknown> };

/** What machine.toJSON() gives for a state node (the fields drawn here). */
export interface StateJSON {
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  initial?: { target: string[] };
  states: Record<string, StateJSON>;
  transitions: TransitionJSON[];
  entry: ActionJSON[];
  exit: ActionJSON[];
}

export interface TransitionJSON {
  target?: string[];
  guard?: string | { type: string } | null;
  actions: ActionJSON[];
  source: string;
  eventType: string;
}

type ActionJSON = string | { type: string } | null;

/** The edge id of a transition: what the page marks when that transition is taken. */
export function edgeId(t: TransitionJSON, index: number): string {
  return `${t.source.replace(/^#/, '')}|${index}`;
}

const CHAR_W = 7.2;
const FONT = 12;
const LINE_H = 16;
const PAD = 10;

interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  children?: ElkNode[];
  layoutOptions?: Record<string, string>;
}
interface ElkPoint { x: number; y: number }
interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  labels?: { text: string; width: number; height: number; x?: number; y?: number }[];
  sections?: { startPoint: ElkPoint; endPoint: ElkPoint; bendPoints?: ElkPoint[] }[];
  container?: string;
}

const textWidth = (s: string): number => s.length * CHAR_W;

const nameOf = (a: ActionJSON | string | { type: string } | null | undefined): string =>
  a === null || a === undefined ? '' : typeof a === 'string' ? a : a.type;

/** "EVENT [guard]": how a transition reads on its arrow. */
export function transitionLabel(t: TransitionJSON): string {
  const event = t.eventType === '' ? 'always' : t.eventType;
  const guard = nameOf(t.guard);
  return guard === '' ? event : `${event} [${guard}]`;
}

/** The lines written inside a state: its entry/exit actions and its transitions that change no state. */
function innerLines(s: StateJSON): string[] {
  const lines: string[] = [];
  for (const a of s.entry) lines.push(`entry / ${nameOf(a)}`);
  for (const a of s.exit) lines.push(`exit / ${nameOf(a)}`);
  for (const t of s.transitions) {
    if (t.target === undefined || t.target.length === 0) {
      const acts = t.actions.map(nameOf).filter(Boolean).join(', ');
      lines.push(acts === '' ? transitionLabel(t) : `${transitionLabel(t)} / ${acts}`);
    }
  }
  return lines;
}

const isCompound = (s: StateJSON): boolean => Object.keys(s.states).length > 0;

function elkNode(s: StateJSON): ElkNode {
  const lines = innerLines(s);
  const head = LINE_H + 8 + lines.length * LINE_H;
  const width = Math.max(textWidth(s.key) + 8, ...lines.map(textWidth)) + 2 * PAD;
  if (!isCompound(s)) return { id: s.id, width: Math.max(90, width), height: head + 12 };
  const children: ElkNode[] = Object.values(s.states).map(elkNode);
  if (s.initial !== undefined && s.initial.target.length > 0) children.unshift({ id: `${s.id}#initial`, width: 10, height: 10 });
  return {
    id: s.id,
    children,
    layoutOptions: { 'elk.padding': `[top=${head + 14},left=16,bottom=16,right=16]`, 'elk.nodeSize.minimum': `(${width},0)`, 'elk.nodeSize.constraints': 'MINIMUM_SIZE' },
  };
}

function elkEdges(s: StateJSON, out: ElkEdge[]): void {
  if (s.initial !== undefined && s.initial.target.length > 0 && isCompound(s)) {
    out.push({ id: `${s.id}#initial`, sources: [`${s.id}#initial`], targets: [s.initial.target[0]!.replace(/^#/, '')] });
  }
  s.transitions.forEach((t, i) => {
    if (t.target === undefined || t.target.length === 0) return;
    const text = transitionLabel(t);
    t.target.forEach((target, j) => out.push({
      id: j === 0 ? edgeId(t, i) : `${edgeId(t, i)}|${j}`,
      sources: [s.id],
      targets: [target.replace(/^#/, '')],
      labels: [{ text, width: textWidth(text) + 10, height: LINE_H + 4 }],
    }));
  });
  for (const c of Object.values(s.states)) elkEdges(c, out);
}

/** The laid-out chart: node boxes and edge routes in absolute coordinates. */
export interface Layout {
  width: number;
  height: number;
  nodes: { state: StateJSON | null; id: string; x: number; y: number; width: number; height: number; depth: number }[];
  edges: { id: string; points: ElkPoint[]; label: { text: string; x: number; y: number; width: number; height: number } | null }[];
}

/** Runs elkjs on a definition. */
export async function layoutChart(def: StateJSON): Promise<Layout> {
  const edges: ElkEdge[] = [];
  elkEdges(def, edges);
  const roots = Object.values(def.states).map(elkNode);
  if (def.initial !== undefined && def.initial.target.length > 0) roots.unshift({ id: `${def.id}#initial`, width: 10, height: 10 });
  const graph = {
    id: def.id,
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '28',
      'elk.spacing.edgeLabel': '4',
      'elk.spacing.edgeNode': '14',
      'elk.spacing.edgeEdge': '10',
      'elk.layered.spacing.edgeNodeBetweenLayers': '14',
      'elk.edgeLabels.inline': 'false',
      'elk.layered.edgeLabels.sideSelection': 'ALWAYS_UP',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      // States in the order the machine declares them (the initial one first), feedback edges going back up.
      'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: roots,
    edges,
  };
  const out = (await new ELK().layout(graph)) as unknown as ElkNode & { edges: ElkEdge[] };

  const states = new Map<string, StateJSON>();
  const index = (s: StateJSON): void => {
    states.set(s.id, s);
    Object.values(s.states).forEach(index);
  };
  index(def);
  const layout: Layout = { width: out.width ?? 0, height: out.height ?? 0, nodes: [], edges: [] };
  const origin = new Map<string, ElkPoint>([[def.id, { x: 0, y: 0 }]]);
  const walk = (n: ElkNode, ox: number, oy: number, depth: number): void => {
    for (const c of n.children ?? []) {
      const x = ox + (c.x ?? 0);
      const y = oy + (c.y ?? 0);
      origin.set(c.id, { x, y });
      layout.nodes.push({ state: states.get(c.id) ?? null, id: c.id, x, y, width: c.width ?? 0, height: c.height ?? 0, depth });
      walk(c, x, y, depth + 1);
    }
  };
  walk(out, 0, 0, 0);
  for (const e of out.edges) {
    const o = origin.get(e.container ?? def.id) ?? { x: 0, y: 0 };
    const sec = e.sections?.[0];
    if (sec === undefined) continue;
    const points = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint].map((p) => ({ x: p.x + o.x, y: p.y + o.y }));
    const l = e.labels?.[0];
    layout.edges.push({
      id: e.id,
      points,
      label: l === undefined ? null : { text: l.text, x: (l.x ?? 0) + o.x, y: (l.y ?? 0) + o.y, width: l.width, height: l.height },
    });
  }
  return layout;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (n: number): string => String(Math.round(n * 10) / 10);

/** Styles of a chart; the page overrides colours for the live state, a static SVG carries them inline. */
export const CHART_CSS = `
.rs-chart { font: ${FONT}px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.rs-chart .state > rect { fill: #ffffff; stroke: #9aa5b1; stroke-width: 1.2; }
.rs-chart .state.compound > rect { fill: #f6f8fa; }
.rs-chart .state.depth1.compound > rect { fill: #eef2f6; }
.rs-chart .state.final > rect.inner { fill: none; stroke: #9aa5b1; }
.rs-chart .state .name { font-weight: 700; fill: #1f2933; }
.rs-chart .state .line { fill: #52606d; font-size: 11px; }
.rs-chart .state .rule { stroke: #d9e2ec; }
.rs-chart .initial { fill: #52606d; }
.rs-chart .edge path { fill: none; stroke: #7b8794; stroke-width: 1.3; }
.rs-chart .edge .label rect { fill: #ffffff; stroke: #d9e2ec; }
.rs-chart .edge .label text { fill: #334e68; font-size: 11px; }
.rs-chart .edge.initial-edge path { stroke: #52606d; }
`;

/** The chart as SVG text: states carry data-state (their id), transitions data-edge (edgeId()). */
export function renderSvg(layout: Layout, opts: { standalone?: boolean; title?: string } = {}): string {
  const out: string[] = [];
  const w = Math.ceil(layout.width);
  const h = Math.ceil(layout.height);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="rs-chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img">`);
  if (opts.title !== undefined) out.push(`<title>${esc(opts.title)}</title>`);
  out.push('<defs><marker id="rs-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
    '<path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>');
  if (opts.standalone === true) out.push(`<style>${CHART_CSS}</style><rect width="${w}" height="${h}" fill="#ffffff"/>`);
  for (const n of layout.nodes) {
    if (n.state === null) {
      out.push(`<circle class="initial" cx="${num(n.x + n.width / 2)}" cy="${num(n.y + n.height / 2)}" r="5"/>`);
      continue;
    }
    const s = n.state;
    const kind = [isCompound(s) ? 'compound' : 'atomic', s.type === 'final' ? 'final' : '', `depth${n.depth}`].filter(Boolean).join(' ');
    out.push(`<g class="state ${kind}" data-state="${esc(s.id)}">`);
    out.push(`<rect x="${num(n.x)}" y="${num(n.y)}" width="${num(n.width)}" height="${num(n.height)}" rx="8"/>`);
    if (s.type === 'final') out.push(`<rect class="inner" x="${num(n.x + 3)}" y="${num(n.y + 3)}" width="${num(n.width - 6)}" height="${num(n.height - 6)}" rx="6"/>`);
    out.push(`<text class="name" x="${num(n.x + PAD)}" y="${num(n.y + LINE_H + 2)}">${esc(s.key)}</text>`);
    const lines = innerLines(s);
    if (lines.length > 0) {
      out.push(`<line class="rule" x1="${num(n.x)}" x2="${num(n.x + n.width)}" y1="${num(n.y + LINE_H + 8)}" y2="${num(n.y + LINE_H + 8)}"/>`);
      lines.forEach((l, i) => out.push(`<text class="line" x="${num(n.x + PAD)}" y="${num(n.y + LINE_H * (i + 2) + 6)}">${esc(l)}</text>`));
    }
    out.push('</g>');
  }
  for (const e of layout.edges) {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(p.x)},${num(p.y)}`).join(' ');
    const initial = e.id.endsWith('#initial');
    out.push(`<g class="edge${initial ? ' initial-edge' : ''}" data-edge="${esc(e.id)}"><path d="${d}" marker-end="url(#rs-arrow)"/>`);
    if (e.label !== null) {
      const l = e.label;
      out.push(`<g class="label"><rect x="${num(l.x)}" y="${num(l.y)}" width="${num(l.width)}" height="${num(l.height)}" rx="4"/>` +
        `<text x="${num(l.x + 5)}" y="${num(l.y + l.height - 6)}">${esc(l.text)}</text></g>`);
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

/**
 * The ids of the states a snapshot value names, outermost first: 'connecting' or
 * { handshake: 'psync' } against the definition (so custom state ids work too).
 */
export function activeStateIds(def: StateJSON, value: unknown): string[] {
  const ids: string[] = [];
  const walk = (node: StateJSON, v: unknown): void => {
    if (typeof v === 'string') {
      const c = node.states[v];
      if (c !== undefined) ids.push(c.id);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [k, sub] of Object.entries(v as Record<string, unknown>)) {
      const c = node.states[k];
      if (c === undefined) continue;
      ids.push(c.id);
      walk(c, sub);
    }
  };
  walk(def, value);
  return ids;
}

/**
 * The transitions an event took between two configurations: enabled for that event in a
 * state that was active, and (when they have a target) landing in a state now active.
 */
export function takenEdges(def: StateJSON, before: string[], after: string[], eventType: string): string[] {
  const was = new Set(before);
  const now = new Set(after);
  const found: string[] = [];
  const walk = (s: StateJSON): void => {
    if (was.has(s.id)) {
      s.transitions.forEach((t, i) => {
        if (t.eventType !== eventType) return;
        if (t.target === undefined || t.target.length === 0 || t.target.some((x) => now.has(x.replace(/^#/, '')))) found.push(edgeId(t, i));
      });
    }
    Object.values(s.states).forEach(walk);
  };
  walk(def);
  if (found.length === 0) {
    // The stream keeps only the latest snapshot of a batch: the event may have been taken from a
    // state the page never saw. Any transition on that event that lands where the actor is now.
    const land = (s: StateJSON): void => {
      s.transitions.forEach((t, i) => {
        if (t.eventType === eventType && t.target?.some((x) => now.has(x.replace(/^#/, '')))) found.push(edgeId(t, i));
      });
      Object.values(s.states).forEach(land);
    };
    land(def);
  }
  // Deepest states' transitions win, as in the machine: keep the first that matched from the innermost.
  return found.length > 1 ? [found.sort((a, b) => b.split('.').length - a.split('.').length)[0]!] : found;
}
