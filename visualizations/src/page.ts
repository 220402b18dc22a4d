// The inspector page: listens to one or more redstate inspector endpoints (this page's own
// server, plus ?servers=host:port,...), keeps every actor they announce, and draws the
// selected actors' statecharts with the live state, their context and their events.
import { activeStateIds, CHART_CSS, layoutChart, renderSvg, takenEdges, type StateJSON } from './chart.js';
import { ago, bytes, clock, contextFields, progressOf, rateAndEta, thousands } from './words.js';

interface Snapshot {
  status: string;
  value: unknown;
  context: unknown;
}

interface LogEntry {
  at: number;
  kind: 'event' | 'state' | 'note';
  text: string;
  detail?: string;
  repeat: number;
}

interface ActorView {
  key: string;
  source: Source;
  sessionId: string;
  name: string;
  server: string;
  role: string;
  label: string;
  defText: string;
  def: StateJSON;
  snapshot: Snapshot;
  active: string[];
  taken: string[];
  takenAt: number;
  /** Page time the actor ended (stopped, done, or its server went away); null while live. */
  endedAt: number | null;
  log: LogEntry[];
  samples: { t: number; done: number }[];
  logVersion: number;
  /**
   * The figures events carried (a TICK's lag and output buffer, an ACK's offset): the data plane
   * as of then, one entry per event type (its last event), newest first.
   */
  figures: { type: string; at: number; values: Record<string, unknown> }[];
  /** Snapshots received and not yet shown (see play()), and when the shown state last changed. */
  pending: { snap: Snapshot; ev: string; at: number }[];
  shownAt: number;
}

interface Source {
  url: string;
  ws: WebSocket | null;
  status: 'connecting' | 'live' | 'down';
  retry: number;
  server: string;
}

/** Ended actors stay greyed this long, then leave the list. */
const ENDED_VISIBLE_MS = 60_000;
const LOG_MAX = 400;
const ROLE_ORDER = ['role', 'replica-link', 'replica-client', 'snapshot'];
/** How long each state stays lit when the server went through several at once. */
const STEP_MS = 300;
const playing = new Set<ActorView>();

const actors = new Map<string, ActorView>();
const sources: Source[] = [];
const selected: string[] = [];
/** Set once the user picked an actor: until then the page picks (a replication actor over the server's role). */
let picked = false;
const layouts = new Map<string, Promise<string>>();
let dirtyList = true;
let dirtySide = true;
let renderedLogFor = '';
let renderedLogVersion = -1;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function start(): void {
  // The charts' own look, shared with the static SVGs; style.css (after it) adds the live colours.
  const style = document.createElement('style');
  style.textContent = CHART_CSS;
  document.head.prepend(style);
  const own = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
  const extra = new URLSearchParams(location.search).get('servers');
  const urls = [own, ...(extra === null ? [] : extra.split(',').filter(Boolean).map((h) => (h.includes('://') ? h : `ws://${h}/`)))];
  for (const url of [...new Set(urls)]) {
    const s: Source = { url, ws: null, status: 'connecting', retry: 0, server: url.replace(/^wss?:\/\//, '').replace(/\/$/, '') };
    sources.push(s);
    connect(s);
  }
  document.addEventListener('visibilitychange', () => schedule());
  setInterval(() => {
    dirtyList = true;
    dirtySide = true;
    schedule();
  }, 1000);
  schedule();
}

/** One WebSocket per server; it reconnects by itself (0.5 s, then up to 5 s apart) when the server goes. */
function connect(s: Source): void {
  s.status = 'connecting';
  const ws = new WebSocket(s.url);
  s.ws = ws;
  ws.onopen = () => {
    s.status = 'live';
    s.retry = 0;
    dirtyList = true;
    schedule();
  };
  ws.onmessage = (m) => {
    try {
      frame(s, JSON.parse(String(m.data)) as Record<string, unknown>);
    } catch (e) {
      console.warn('inspector: bad frame', e);
    }
  };
  ws.onclose = () => {
    if (s.ws !== ws) return;
    s.ws = null;
    s.status = 'down';
    const now = Date.now();
    for (const a of actors.values()) {
      if (a.source === s && a.endedAt === null) {
        a.endedAt = now;
        note(a, 'inspector connection lost');
      }
    }
    dirtyList = true;
    schedule();
    setTimeout(() => connect(s), Math.min(5000, 500 * 2 ** s.retry++));
  };
}

function frame(s: Source, f: Record<string, unknown>): void {
  const key = `${s.url}|${String(f.sessionId)}`;
  if (f.type === '@xstate.actor') {
    announce(s, key, f);
    return;
  }
  const a = actors.get(key);
  if (a === undefined) return;
  const at = Number(f.createdAt) || Date.now();
  if (f.type === '@xstate.event') {
    const ev = f.event as { type?: string } & Record<string, unknown>;
    const repeat = (f.redstate as { repeat?: number } | undefined)?.repeat ?? 1;
    const { type, ...payload } = ev;
    const detail = Object.keys(payload).length > 0
      ? Object.entries(payload).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('  ') : undefined;
    if (detail !== undefined && type !== undefined) a.figures = [{ type, at, values: payload }, ...a.figures.filter((g) => g.type !== type)];
    // A timer's events in a row make one line with a count and the latest figures.
    const last = a.log[a.log.length - 1];
    if (last !== undefined && last.kind === 'event' && last.text === type) {
      last.repeat += repeat;
      last.detail = detail;
      last.at = at;
      a.logVersion++;
    } else {
      push(a, { at, kind: 'event', text: String(type), detail, repeat });
    }
  } else if (f.type === '@xstate.snapshot') {
    const snap = f.snapshot as Snapshot;
    const ev = (f.event as { type?: string } | undefined)?.type ?? '';
    // The log tells state changes as they happened; the chart plays them at a readable pace.
    const last = a.pending.length > 0 ? a.pending[a.pending.length - 1]!.snap : a.snapshot;
    if (stateText(snap.value) !== stateText(last.value)) {
      push(a, { at, kind: 'state', text: stateText(snap.value), detail: ev === '' ? undefined : `on ${ev}`, repeat: 1 });
    }
    a.pending.push({ snap, ev, at });
    play(a);
  }
  if (selected.includes(key)) dirtySide = true;
  dirtyList = true;
  schedule();
}

/**
 * Shows an actor's queued snapshots one state change at a time, STEP_MS apart, so that a
 * handshake done in a millisecond still reads connect -> handshake -> connected on screen;
 * updates of the context alone show at once. A long queue plays faster, never lags behind.
 */
function play(a: ActorView): void {
  const now = Date.now();
  while (a.pending.length > 0) {
    const next = a.pending[0]!;
    const moves = stateText(next.snap.value) !== stateText(a.snapshot.value);
    const step = a.pending.length > 6 ? STEP_MS / 5 : STEP_MS;
    if (moves && now - a.shownAt < step) {
      if (!playing.has(a)) {
        playing.add(a);
        setTimeout(() => {
          playing.delete(a);
          play(a);
        }, step - (now - a.shownAt));
      }
      return;
    }
    a.pending.shift();
    show(a, next.snap, next.ev);
    if (moves) a.shownAt = now;
  }
}

function show(a: ActorView, snap: Snapshot, ev: string): void {
  const before = a.active;
  a.snapshot = snap;
  a.active = activeStateIds(a.def, snap.value);
  const taken = takenEdges(a.def, before, a.active, ev);
  if (taken.length > 0) {
    a.taken = taken;
    a.takenAt = Date.now();
  }
  sample(a);
  if (snap.status !== 'active' && a.endedAt === null) {
    a.endedAt = Date.now();
    note(a, `actor ${snap.status}`);
  }
  if (selected.includes(a.key)) dirtySide = true;
  dirtyList = true;
  schedule();
}

function announce(s: Source, key: string, f: Record<string, unknown>): void {
  const meta = (f.redstate ?? {}) as { server?: string; role?: string; label?: string; endedAt?: number | null };
  const defText = String(f.definition ?? '{}');
  const snap = f.snapshot as Snapshot;
  const prev = actors.get(key);
  const def = prev?.defText === defText ? prev.def : (JSON.parse(defText) as StateJSON);
  if (meta.server !== undefined && meta.server !== '') s.server = meta.server;
  const a: ActorView = {
    key, source: s, sessionId: String(f.sessionId), name: String(f.name ?? ''),
    server: meta.server || s.server, role: meta.role ?? 'actor', label: meta.label ?? String(f.name ?? f.sessionId),
    defText, def, snapshot: snap, active: activeStateIds(def, snap.value),
    taken: prev?.taken ?? [], takenAt: prev?.takenAt ?? 0,
    endedAt: snap.status === 'active' && (meta.endedAt ?? null) === null ? null : (prev?.endedAt ?? Date.now()),
    log: prev?.log ?? [], samples: prev?.samples ?? [], logVersion: (prev?.logVersion ?? 0) + 1,
    figures: prev?.figures ?? [],
    pending: [], shownAt: 0,
  };
  if (prev === undefined) a.log.push({ at: Number(f.createdAt) || Date.now(), kind: 'note', text: `actor announced in ${stateText(snap.value)}`, repeat: 1 });
  actors.set(key, a);
  sample(a);
  const shown = actors.get(selected[0] ?? '');
  if (!picked && a.endedAt === null && (shown === undefined || (shown.role === 'role' && a.role !== 'role'))) selected.splice(0, selected.length, key);
  dirtyList = true;
  dirtySide = true;
  schedule();
}

function push(a: ActorView, e: LogEntry): void {
  a.log.push(e);
  if (a.log.length > LOG_MAX) a.log.splice(0, a.log.length - LOG_MAX);
  a.logVersion++;
}

function note(a: ActorView, text: string): void {
  push(a, { at: Date.now(), kind: 'note', text, repeat: 1 });
}

function sample(a: ActorView): void {
  const p = progressOf(a.snapshot.context);
  if (p === null) return;
  const now = Date.now();
  const last = a.samples[a.samples.length - 1];
  if (last !== undefined && p.done < last.done) a.samples = [];
  a.samples.push({ t: now, done: p.done });
  while (a.samples.length > 2 && now - a.samples[0]!.t > 3000) a.samples.shift();
}

/** 'connected', 'handshake.psync', or parallel regions joined by ', '. */
export function stateText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => (typeof v === 'object' && v !== null && Object.keys(v).length === 0 ? k : `${k}.${stateText(v)}`)).join(', ');
}

let frameRequested = false;
function schedule(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    render();
  });
}

function render(): void {
  const now = Date.now();
  for (const [k, a] of actors) {
    if (a.endedAt !== null && now - a.endedAt > ENDED_VISIBLE_MS && !selected.includes(k)) actors.delete(k);
  }
  if (dirtyList) {
    dirtyList = false;
    renderSources();
    renderList(now);
    void renderCharts();
  }
  if (dirtySide) {
    dirtySide = false;
    renderSide(now);
  }
}

function renderSources(): void {
  $('sources').innerHTML = sources.map((s) =>
    `<span class="pill ${s.status}" title="${esc(s.url)}"><i></i>${esc(s.server)} · ${s.status === 'live' ? 'live' : s.status === 'connecting' ? 'connecting…' : 'reconnecting…'}</span>`).join('');
}

function renderList(now: number): void {
  const byServer = new Map<string, ActorView[]>();
  for (const a of actors.values()) {
    const list = byServer.get(a.server) ?? [];
    list.push(a);
    byServer.set(a.server, list);
  }
  const rank = (r: string): number => (ROLE_ORDER.includes(r) ? ROLE_ORDER.indexOf(r) : ROLE_ORDER.length);
  const html: string[] = [];
  for (const server of [...byServer.keys()].sort()) {
    const list = byServer.get(server)!.sort((x, y) => rank(x.role) - rank(y.role) || x.role.localeCompare(y.role) || x.label.localeCompare(y.label));
    html.push(`<section class="server"><h3>${esc(server)}</h3>`);
    let role = '';
    for (const a of list) {
      if (a.role !== role) {
        role = a.role;
        html.push(`<h4>${esc(role)}</h4>`);
      }
      const cls = ['actor', a.endedAt !== null ? 'ended' : 'live', selected.includes(a.key) ? 'selected' : ''].join(' ');
      const status = a.endedAt !== null ? `ended ${ago(a.endedAt, now)}` : '';
      html.push(`<button class="${cls}" data-key="${esc(a.key)}" data-session="${esc(a.sessionId)}" title="${esc(a.name)} ${esc(a.sessionId)}">` +
        `<span class="label">${esc(a.label)}</span><span class="chip">${esc(stateText(a.snapshot.value))}</span>` +
        (status === '' ? '' : `<span class="ended-note">${status}</span>`) + '</button>');
    }
    html.push('</section>');
  }
  if (html.length === 0) html.push('<p class="empty">No actors yet. They appear when the server starts a replica link, a replica connects, or a snapshot runs.</p>');
  const nav = $('actors');
  nav.innerHTML = html.join('');
}

function onPick(e: MouseEvent): void {
  const btn = (e.target as HTMLElement).closest<HTMLElement>('button.actor');
  if (btn === null) return;
  const key = btn.dataset.key!;
  picked = true;
  const i = selected.indexOf(key);
  if (e.ctrlKey || e.metaKey || e.shiftKey) {
    if (i >= 0 && selected.length > 1) selected.splice(i, 1);
    else if (i < 0) selected.push(key);
  } else {
    selected.splice(0, selected.length, key);
  }
  dirtyList = true;
  dirtySide = true;
  schedule();
}

/** Lays a definition out once (elkjs), whatever number of actors share it. */
function chartSvg(a: ActorView): Promise<string> {
  let p = layouts.get(a.defText);
  if (p === undefined) {
    p = layoutChart(a.def).then((l) => renderSvg(l));
    layouts.set(a.defText, p);
  }
  return p;
}

async function renderCharts(): Promise<void> {
  const host = $('charts');
  const wanted = selected.filter((k) => actors.has(k));
  for (const card of [...host.querySelectorAll<HTMLElement>('.chart-card')]) {
    if (!wanted.includes(card.dataset.key!)) card.remove();
  }
  host.dataset.count = String(wanted.length);
  for (const key of wanted) {
    const a = actors.get(key)!;
    let card = host.querySelector<HTMLElement>(`.chart-card[data-key="${CSS.escape(key)}"]`);
    if (card === null) {
      card = document.createElement('article');
      card.className = 'chart-card';
      card.dataset.key = key;
      card.innerHTML = '<header><div class="title"></div><div class="now"></div></header><div class="svg-wrap"><div class="loading">laying out…</div></div>';
      host.appendChild(card);
    }
    card.dataset.session = a.sessionId;
    card.dataset.state = stateText(a.snapshot.value);
    card.classList.toggle('ended', a.endedAt !== null);
    card.querySelector('.title')!.innerHTML = `<b>${esc(a.label)}</b> <span>${esc(a.role)} · ${esc(a.name)} · ${esc(a.server)}</span>`;
    card.querySelector('.now')!.innerHTML = `<span class="chip big">${esc(stateText(a.snapshot.value))}</span>` +
      (a.endedAt !== null ? `<span class="status">${esc(a.snapshot.status === 'active' ? 'disconnected' : a.snapshot.status)}</span>` : '');
    const wrap = card.querySelector<HTMLElement>('.svg-wrap')!;
    if (wrap.dataset.def !== a.defText) {
      const svg = await chartSvg(a);
      if (!card.isConnected) continue;
      wrap.innerHTML = svg;
      wrap.dataset.def = a.defText;
      fitChart(wrap);
    }
    highlight(wrap, a);
  }
}

/**
 * A chart keeps a readable scale: shrunk to the card's width down to 85% of its natural
 * size, scrolled beyond that (the current state is kept in view).
 */
function fitChart(wrap: HTMLElement): void {
  const svg = wrap.querySelector('svg');
  if (svg === null) return;
  const natural = Number(svg.getAttribute('width'));
  const room = wrap.clientWidth - 24;
  svg.style.width = `${Math.round(natural <= room ? natural : Math.max(room, natural * 0.85))}px`;
  svg.style.maxWidth = 'none';
}

/** Scrolls a large chart (only the chart, never the page) so that the current state shows. */
function keepInView(wrap: HTMLElement, el: Element): void {
  const r = el.getBoundingClientRect();
  const w = wrap.getBoundingClientRect();
  const dx = r.left < w.left || r.right > w.right ? r.left + r.width / 2 - (w.left + w.width / 2) : 0;
  const dy = r.top < w.top || r.bottom > w.bottom ? r.top + r.height / 2 - (w.top + w.height / 2) : 0;
  if (dx !== 0 || dy !== 0) wrap.scrollBy({ left: dx, top: dy, behavior: 'smooth' });
}

/** The live state (and its ancestors) lit, the transition just taken marked for a moment. */
function highlight(wrap: HTMLElement, a: ActorView): void {
  const live = new Set(a.active);
  const leaf = a.active[a.active.length - 1];
  for (const g of wrap.querySelectorAll<SVGGElement>('g.state')) {
    const id = g.dataset.state!;
    g.classList.toggle('active', live.has(id));
    const was = g.classList.contains('current');
    g.classList.toggle('current', id === leaf);
    if (id === leaf && !was) keepInView(wrap, g);
  }
  // The last transition taken stays marked until the next one; its animation plays once per taking.
  const fresh = Date.now() - a.takenAt < 1500;
  for (const g of wrap.querySelectorAll<SVGGElement>('g.edge')) {
    const on = a.taken.includes(g.dataset.edge!);
    if (on && g.dataset.takenAt !== String(a.takenAt)) {
      g.classList.remove('taken');
      void g.getBoundingClientRect();
      g.classList.add('taken');
      g.dataset.takenAt = String(a.takenAt);
    } else if (!on) {
      g.classList.remove('taken');
    }
  }
  // Transitions that stay inside their state (no arrow) flash the state instead.
  const internal = a.taken.filter((id) => wrap.querySelector(`g.edge[data-edge="${CSS.escape(id)}"]`) === null);
  for (const g of wrap.querySelectorAll<SVGGElement>('g.state.flash')) g.classList.remove('flash');
  if (fresh) for (const id of internal) wrap.querySelector(`g.state[data-state="${CSS.escape(id.split('|')[0]!)}"]`)?.classList.add('flash');
  wrap.closest('.chart-card')?.classList.toggle('fresh', fresh);
}

function renderSide(now: number): void {
  const a = actors.get(selected[selected.length - 1] ?? '');
  const ctx = $('context');
  const prog = $('progress');
  const log = $('log');
  if (a === undefined) {
    ctx.innerHTML = '<p class="empty">Select an actor.</p>';
    prog.hidden = true;
    log.innerHTML = '';
    renderedLogFor = '';
    return;
  }
  $('context-title').textContent = `${a.label}`;
  const rows = [
    `<dt>state</dt><dd data-key="state"><span class="chip">${esc(stateText(a.snapshot.value))}</span>${a.endedAt !== null ? ' <em>ended</em>' : ''}</dd>`,
    ...contextFields(a.snapshot.context, now).map((f) =>
      `<dt>${esc(f.label)}</dt><dd data-key="${esc(f.key)}"${f.title === undefined ? '' : ` title="${esc(f.title)}"`}>${esc(f.text)}</dd>`),
  ];
  // Each figure once, from the newest event that carried it: an ACK after a TICK leaves the TICK's lag shown.
  const shownKeys = new Set<string>();
  for (const g of a.figures) {
    const fields = contextFields(g.values, now).filter((f) => !shownKeys.has(f.key));
    if (fields.length === 0) continue;
    rows.push(`<dt class="group" data-key="figures">as of the last ${esc(g.type)}</dt><dd class="group">${clock(g.at)}</dd>`);
    for (const f of fields) {
      shownKeys.add(f.key);
      rows.push(`<dt>${esc(f.label)}</dt><dd data-key="event.${esc(f.key)}"${f.title === undefined ? '' : ` title="${esc(f.title)}"`}>${esc(f.text)}</dd>`);
    }
  }
  ctx.innerHTML = rows.join('');
  renderProgress(prog, a);
  renderLog(log, a);
}

function renderProgress(el: HTMLElement, a: ActorView): void {
  const p = progressOf(a.snapshot.context);
  const moving = p !== null && a.endedAt === null && (p.total === null ? p.done > 0 && a.samples.length > 1 : p.done < p.total)
    && /transfer|bulk|load|receiv|send|running|wait/i.test(stateText(a.snapshot.value));
  if (p === null || !moving) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  const { rate, eta } = rateAndEta(a.samples, p);
  const pct = p.total === null ? null : Math.min(100, (100 * p.done) / p.total);
  el.innerHTML = `<div class="bar${pct === null ? ' unknown' : ''}"><div style="width:${pct ?? 100}%"></div></div>` +
    `<div class="figures"><span data-key="progress-bytes">${bytes(p.done)}${p.total === null ? '' : ` of ${bytes(p.total)}`}</span>` +
    `<span>${pct === null ? 'size unknown' : `${pct.toFixed(1)}%`}</span>` +
    `<span>${rate === null ? '—' : `${bytes(rate)}/s`}</span>` +
    `<span>${eta === null ? '' : `ETA ${eta < 1 ? '<1' : Math.round(eta)} s`}</span></div>`;
  el.dataset.done = String(p.done);
}

function renderLog(el: HTMLElement, a: ActorView): void {
  if (renderedLogFor === a.key && renderedLogVersion === a.logVersion) return;
  const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 30;
  el.innerHTML = a.log.map((e) =>
    `<li class="${e.kind}"><time>${clock(e.at)}</time><span class="what">${e.kind === 'state' ? '→ ' : ''}${esc(e.text)}` +
    `${e.repeat > 1 ? ` <b class="times">×${thousands(e.repeat)}</b>` : ''}</span>${e.detail === undefined ? '' : `<span class="detail">${esc(e.detail)}</span>`}</li>`).join('');
  if (atBottom || renderedLogFor !== a.key) el.scrollTop = el.scrollHeight;
  renderedLogFor = a.key;
  renderedLogVersion = a.logVersion;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

document.addEventListener('DOMContentLoaded', () => {
  $('actors').addEventListener('click', onPick);
  start();
});
