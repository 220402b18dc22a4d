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
  /** Eventless transitions (src/inspector/definition.ts adds them: toJSON() leaves them out). */
  always?: TransitionJSON[];
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

/** A state's transitions, eventless ones last, each with its edge id (what the page marks when it is taken). */
function transitionsOf(s: StateJSON): { t: TransitionJSON; id: string }[] {
  return [
    ...s.transitions.map((t, i) => ({ t, id: `${s.id}|${i}` })),
    ...(s.always ?? []).map((t, i) => ({ t, id: `${s.id}|always${i}` })),
  ];
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

/** elkjs's options, set on the chart and on every compound state (its children are laid out with them). */
const LAYERED: Record<string, string> = {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '32',
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
    };

const textWidth = (s: string): number => s.length * CHAR_W;

const nameOf = (a: ActionJSON | string | { type: string } | null | undefined): string =>
  a === null || a === undefined ? '' : typeof a === 'string' ? a : a.type;

/** "EVENT [guard]": how a transition reads on its arrow. */
export function transitionLabel(t: TransitionJSON): string {
  const event = t.eventType === '' ? 'always' : t.eventType;
  const guard = nameOf(t.guard);
  return guard === '' ? event : `${event} [${guard}]`;
}

const isCompound = (s: StateJSON): boolean => Object.keys(s.states).length > 0;

const targetId = (target: string): string => target.replace(/^#/, '');

/**
 * A transition written inside its state rather than drawn as an arrow: one that changes no
 * state, or one of a compound state (the machine itself: "from any state") into its own
 * children, which a layered layout cannot route.
 */
function isInner(s: StateJSON, t: TransitionJSON): boolean {
  if (t.target === undefined || t.target.length === 0) return true;
  return isCompound(s) && t.target.every((x) => targetId(x) === s.id || targetId(x).startsWith(`${s.id}.`));
}

/** The lines written inside a state: its entry/exit actions and its inner transitions. */
function innerLines(s: StateJSON): string[] {
  const lines: string[] = [];
  for (const a of s.entry) lines.push(`entry / ${nameOf(a)}`);
  for (const a of s.exit) lines.push(`exit / ${nameOf(a)}`);
  for (const { t } of transitionsOf(s)) {
    if (!isInner(s, t)) continue;
    const acts = t.actions.map(nameOf).filter(Boolean).join(', ');
    const to = t.target === undefined || t.target.length === 0 ? '' : ` → ${t.target.map((x) => targetId(x).slice(s.id.length + 1) || s.key).join(', ')}`;
    lines.push(`${transitionLabel(t)}${to}${acts === '' ? '' : ` / ${acts}`}`);
  }
  return lines;
}

function elkNode(s: StateJSON): ElkNode {
  const lines = innerLines(s);
  const head = LINE_H + 8 + lines.length * LINE_H;
  const width = Math.max(textWidth(s.key) + 8, ...lines.map(textWidth)) + 2 * PAD;
  if (!isCompound(s)) return { id: s.id, width: Math.max(90, width), height: head + 12 };
  const first = s.initial?.target[0] === undefined ? null : targetId(s.initial.target[0]);
  const children: ElkNode[] = Object.values(s.states).map(elkNode);
  // Charts read from the initial state on: it heads the layers, whatever arrows come back to it.
  for (const c of children) if (c.id === first) c.layoutOptions = { ...c.layoutOptions, 'elk.layered.layering.layerConstraint': 'FIRST' };
  return {
    id: s.id,
    children,
    layoutOptions: { 'elk.padding': `[top=${head + 14},left=16,bottom=16,right=16]`, 'elk.nodeSize.minimum': `(${width},0)`, 'elk.nodeSize.constraints': 'MINIMUM_SIZE' },
  };
}

function elkEdges(s: StateJSON, out: ElkEdge[]): void {
  transitionsOf(s).forEach(({ t, id }) => {
    if (t.target === undefined || isInner(s, t)) return;
    const text = transitionLabel(t);
    t.target.forEach((target, j) => out.push({
      id: j === 0 ? id : `${id}|${j}`,
      sources: [s.id],
      targets: [targetId(target)],
      labels: [{ text, width: textWidth(text) + 10, height: LINE_H + 4 }],
    }));
  });
  for (const c of Object.values(s.states)) elkEdges(c, out);
}

/** The laid-out chart: node boxes and edge routes in absolute coordinates. */
export interface Layout {
  width: number;
  height: number;
  nodes: { state: StateJSON; initial: boolean; x: number; y: number; width: number; height: number; depth: number }[];
  edges: { id: string; points: ElkPoint[]; label: { text: string; x: number; y: number; width: number; height: number } | null }[];
}

/** Runs elkjs on a definition. */
export async function layoutChart(def: StateJSON): Promise<Layout> {
  const edges: ElkEdge[] = [];
  elkEdges(def, edges);
  // The machine is drawn as the outer box, as Stately draws it: its own transitions are its inner lines.
  const graph = {
    id: '#graph',
    layoutOptions: LAYERED,
    children: [elkNode(def)],
    edges,
  };
  const out = (await new ELK().layout(graph)) as unknown as ElkNode & { edges: ElkEdge[] };

  const states = new Map<string, StateJSON>();
  const initials = new Set<string>();
  const index = (s: StateJSON): void => {
    states.set(s.id, s);
    if (s.initial?.target[0] !== undefined && isCompound(s)) initials.add(targetId(s.initial.target[0]));
    Object.values(s.states).forEach(index);
  };
  index(def);
  const layout: Layout = { width: out.width ?? 0, height: out.height ?? 0, nodes: [], edges: [] };
  const origin = new Map<string, ElkPoint>([['#graph', { x: 0, y: 0 }]]);
  const walk = (n: ElkNode, ox: number, oy: number, depth: number): void => {
    for (const c of n.children ?? []) {
      const x = ox + (c.x ?? 0);
      const y = oy + (c.y ?? 0);
      origin.set(c.id, { x, y });
      layout.nodes.push({ state: states.get(c.id)!, initial: initials.has(c.id), x, y, width: c.width ?? 0, height: c.height ?? 0, depth });
      walk(c, x, y, depth + 1);
    }
  };
  walk(out, 0, 0, 0);
  for (const e of out.edges) {
    const o = origin.get(e.container ?? '#graph') ?? { x: 0, y: 0 };
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
.rs-chart .state.depth0 > rect { fill: #fcfdfe; stroke: #cbd2d9; stroke-dasharray: 4 3; }
.rs-chart .state.depth2.compound > rect { fill: #eef2f6; }
.rs-chart .state.final > rect.inner { fill: none; stroke: #9aa5b1; }
.rs-chart .state .name { font-weight: 700; fill: #1f2933; }
.rs-chart .state .line { fill: #52606d; font-size: 11px; }
.rs-chart .state .rule { stroke: #d9e2ec; }
.rs-chart .initial { fill: #52606d; }
.rs-chart .edge path { fill: none; stroke: #7b8794; stroke-width: 1.3; }
.rs-chart .edge .label rect { fill: #ffffff; stroke: #d9e2ec; }
.rs-chart .edge .label text { fill: #334e68; font-size: 11px; }
.rs-chart .initial-arrow { fill: none; stroke: #52606d; stroke-width: 1.3; }
`;

/** The chart as SVG text: states carry data-state (their id), transitions data-edge (their id from transitionsOf()). */
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
    const s = n.state;
    // The initial state's marker: a dot and a short arrow into its left side.
    if (n.initial) {
      const cy = n.y + LINE_H / 2 + 4;
      out.push(`<circle class="initial" cx="${num(n.x - 16)}" cy="${num(cy)}" r="4"/>` +
        `<path class="initial-arrow" d="M${num(n.x - 12)},${num(cy)} L${num(n.x)},${num(cy)}" marker-end="url(#rs-arrow)"/>`);
    }
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
    out.push(`<g class="edge" data-edge="${esc(e.id)}"><path d="${d}" marker-end="url(#rs-arrow)"/>`);
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
 * state that was active, and (when they have a target) landing in a state now active; failing
 * that, the way from a state that was active into one that was not.
 */
export function takenEdges(def: StateJSON, before: string[], after: string[], eventType: string): string[] {
  const was = new Set(before);
  const now = new Set(after);
  const found: string[] = [];
  const walk = (s: StateJSON): void => {
    if (was.has(s.id)) {
      for (const { t, id } of transitionsOf(s)) {
        if (t.eventType !== eventType) continue;
        if (t.target === undefined || t.target.length === 0 || t.target.some((x) => now.has(targetId(x)))) found.push(id);
      }
    }
    Object.values(s.states).forEach(walk);
  };
  walk(def);
  if (found.length === 0) {
    // The stream keeps only the latest snapshot of a batch: the event may have been taken from a
    // state the page never saw. Any transition on that event that lands where the actor is now.
    const land = (s: StateJSON): void => {
      for (const { t, id } of transitionsOf(s)) {
        if (t.eventType === eventType && t.target?.some((x) => now.has(targetId(x)))) found.push(id);
      }
      Object.values(s.states).forEach(land);
    };
    land(def);
  }
  if (found.length === 0 && after.some((id) => !was.has(id))) {
    // The snapshot that entered the state was coalesced with a later one of the same state, whose
    // event (a self-transition) is the one named: mark the way from where the page last saw it.
    const moved = (s: StateJSON): void => {
      if (was.has(s.id)) {
        for (const { t, id } of transitionsOf(s)) if (t.target?.some((x) => now.has(targetId(x)) && !was.has(targetId(x)))) found.push(id);
      }
      Object.values(s.states).forEach(moved);
    };
    moved(def);
  }
  // Deepest states' transitions win, as in the machine: keep the first that matched from the innermost.
  return found.length > 1 ? [found.sort((a, b) => b.split('.').length - a.split('.').length)[0]!] : found;
}
