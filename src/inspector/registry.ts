// The inspector's registry: the server's actors report to it (through createActor's
// `inspect` option or register()), and it turns what they do into @statelyai/inspect's
// protocol frames, batched and coalesced per actor, for whoever watches (the endpoint).
// With no endpoint configured it is inert: inspect() returns undefined and nothing is kept.
import type { AnyActorRef, InspectionEvent, Observer, Snapshot } from 'xstate';

/** Who an actor is, for the page's grouping: "127.0.0.1:6379", "replica-link", "master 127.0.0.1:6380". */
export interface ActorMeta {
  /** The role group on the page: 'replica-link', 'replica-client', 'snapshot', 'role'... */
  role: string;
  /** A short human name for this one actor. */
  label: string;
}

/** One protocol frame, already serialized (JSON text of one inspection event). */
export type Frame = string;

/** The protocol version we speak: @statelyai/inspect's receivers require a `_version` string. */
const PROTOCOL_VERSION = '0.7.2';
/** Events of one actor kept per batch; beyond it only the count is kept. */
const EVENTS_PER_BATCH = 50;
/** How long an ended actor is still announced to pages that join, greyed. */
export const ENDED_KEEP_MS = 60_000;

interface Tracked {
  actor: AnyActorRef;
  meta: ActorMeta;
  rootId: string;
  parentId: string | undefined;
  definition: string;
  name: string;
  /** The latest snapshot seen (undefined before the first: read from the actor then) and its cause. */
  snapshot: unknown;
  cause: unknown;
  /** The @xstate.actor frame for a page that joins, cached until the snapshot changes. */
  actorFrame: Frame | null;
  snapshotDirty: boolean;
  events: { event: unknown; key: string; sourceId: string | undefined; repeat: number; at: number }[];
  droppedEvents: number;
  endedAt: number | null;
}

/**
 * The part of the server that knows every inspected actor. The endpoint calls
 * takeBatch() on its own clock and joinFrames() for a page that (re)joins.
 */
export class InspectorRegistry {
  private readonly actors = new Map<string, Tracked>();
  private seq = 0;
  /** Called when something new is pending, so the endpoint can arm its flush timer. */
  onPending: () => void = () => {};

  /** The server's name on the page ("127.0.0.1:6379"), known once it listens. */
  server = '';

  constructor(readonly enabled: boolean) {}

  /**
   * The observer to pass as createActor's `inspect` option, or undefined when the server
   * runs without an inspector (no cost at all then):
   *   createActor(machine.provide(impl), { inspect: server.inspector.inspect({ role, label }) })
   */
  inspect(meta: ActorMeta): Observer<InspectionEvent> | undefined {
    if (!this.enabled) return undefined;
    return { next: (ev) => this.observe(ev, meta) };
  }

  /** For an actor created without the `inspect` option: announces it and follows it from now on. */
  register(actor: AnyActorRef, meta: ActorMeta): void {
    if (!this.enabled) return;
    this.track(actor, meta, actor.sessionId);
    actor.system.inspect({ next: (ev: InspectionEvent) => {
      if (ev.actorRef === actor && ev.type !== '@xstate.actor') this.observe(ev, meta);
    } });
  }

  private observe(ev: InspectionEvent, meta: ActorMeta): void {
    if (ev.type === '@xstate.actor') {
      this.track(ev.actorRef as AnyActorRef, meta, ev.rootId);
      return;
    }
    const t = this.actors.get(ev.actorRef.sessionId);
    if (t === undefined) return;
    if (ev.type === '@xstate.snapshot') {
      this.setSnapshot(t, ev.snapshot, ev.event);
    } else if (ev.type === '@xstate.event') {
      // A timer's events repeat identically: fold them into one entry with a count.
      const key = safeJson(ev.event);
      const last = t.events[t.events.length - 1];
      if (last !== undefined && last.key === key) {
        last.repeat++;
      } else if (t.events.length < EVENTS_PER_BATCH) {
        t.events.push({ event: ev.event, key, sourceId: ev.sourceRef?.sessionId, repeat: 1, at: Date.now() });
      } else {
        t.droppedEvents++;
      }
      this.onPending();
    }
  }

  private track(actor: AnyActorRef, meta: ActorMeta, rootId: string): void {
    const logic = (actor as { logic?: unknown }).logic as { toJSON?: () => unknown; id?: string; config?: { id?: string } };
    const parent = (actor as { _parent?: AnyActorRef })._parent;
    const t: Tracked = {
      actor, meta, rootId, parentId: parent?.sessionId,
      definition: JSON.stringify(typeof logic.toJSON === 'function' ? logic.toJSON() : { id: actor.id }),
      name: logic.config?.id ?? logic.id ?? actor.id,
      snapshot: undefined, cause: null, actorFrame: null, snapshotDirty: false,
      events: [], droppedEvents: 0, endedAt: null,
    };
    this.pruneEnded(Date.now());
    this.actors.set(actor.sessionId, t);
    actor.subscribe({
      complete: () => this.end(t),
      error: () => this.end(t),
    });
    this.onPending();
  }

  private setSnapshot(t: Tracked, snapshot: unknown, cause: unknown): void {
    t.snapshot = snapshot;
    t.cause = cause;
    t.snapshotDirty = true;
    t.actorFrame = null;
    this.onPending();
  }

  /** An actor stopped, finished or failed: pages see its last status and grey it out. */
  private end(t: Tracked): void {
    if (t.endedAt !== null) return;
    t.endedAt = Date.now();
    this.setSnapshot(t, t.actor.getSnapshot(), { type: 'xstate.stop' });
  }

  /**
   * Everything that happened since the last call, as frames: per actor, its new actors,
   * its events (repeats folded) and only its latest snapshot. Clears the pending state.
   */
  takeBatch(): Frame[] {
    const frames: Frame[] = [];
    const now = Date.now();
    this.pruneEnded(now);
    for (const t of this.actors.values()) {
      for (const e of t.events) {
        frames.push(this.frame(t, {
          type: '@xstate.event', event: e.event, sourceId: e.sourceId,
          ...(e.repeat > 1 ? { redstate: { repeat: e.repeat } } : {}),
        }, e.at));
      }
      if (t.droppedEvents > 0) {
        frames.push(this.frame(t, { type: '@xstate.event', event: { type: 'redstate.dropped' }, sourceId: undefined, redstate: { repeat: t.droppedEvents } }, now));
      }
      t.events = [];
      t.droppedEvents = 0;
      if (t.snapshotDirty) {
        t.snapshotDirty = false;
        frames.push(this.frame(t, { type: '@xstate.snapshot', event: t.cause, snapshot: this.snapshotOf(t) }, now));
      }
    }
    return frames;
  }

  /** Forgets actors that ended long enough ago (also with no page watching, so they never pile up). */
  private pruneEnded(now: number): void {
    for (const [id, t] of this.actors) {
      if (t.endedAt !== null && now - t.endedAt > ENDED_KEEP_MS) this.actors.delete(id);
    }
  }

  /** Brings a page that joins (or fell behind and dropped frames) up to date: one @xstate.actor per actor. */
  joinFrames(): Frame[] {
    const frames: Frame[] = [];
    for (const t of this.actors.values()) {
      t.actorFrame ??= this.frame(t, {
        type: '@xstate.actor', name: t.name, parentId: t.parentId, definition: t.definition,
        snapshot: this.snapshotOf(t),
        redstate: { server: this.server, role: t.meta.role, label: t.meta.label, endedAt: t.endedAt },
      }, Date.now());
      frames.push(t.actorFrame);
    }
    return frames;
  }

  /** Live actors (ended ones excluded): for tests and INFO-like views. */
  liveCount(): number {
    let n = 0;
    for (const t of this.actors.values()) if (t.endedAt === null) n++;
    return n;
  }

  private snapshotOf(t: Tracked): unknown {
    const s = (t.snapshot ?? t.actor.getSnapshot()) as Snapshot<unknown> & { value?: unknown; context?: unknown };
    return { status: s.status, value: s.value, context: s.context, ...(s.status === 'done' ? { output: s.output } : {}) };
  }

  private frame(t: Tracked, body: Record<string, unknown>, at: number): Frame {
    return safeJson({
      ...body,
      sessionId: t.actor.sessionId,
      rootId: t.rootId,
      createdAt: String(at),
      id: `${this.server}#${++this.seq}`,
      _version: PROTOCOL_VERSION,
    });
  }
}

/**
 * JSON for the wire whatever a context holds: bigints as strings, Buffers as their size,
 * Maps and Sets as objects and arrays, functions and actor refs by name, depth capped.
 */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, wireReplacer(null)) ?? 'null';
  } catch {
    return JSON.stringify(value, wireReplacer(new WeakSet())) ?? 'null';
  }
}

/** The replacer of safeJson; with `seen`, a second visit of an object is cut (a context with a cycle). */
function wireReplacer(seen: WeakSet<object> | null) {
  return function replacer(this: Record<string, unknown>, key: string, v: unknown): unknown {
    const raw = this[key];
    if (raw instanceof Uint8Array) return `<${raw.byteLength} bytes>`;
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'function') return { type: v.name || 'anonymous' };
    if (v === null || typeof v !== 'object') return v;
    if (seen !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return [...v];
    if (typeof (v as { sessionId?: unknown }).sessionId === 'string' && typeof (v as { send?: unknown }).send === 'function') {
      return { actor: (v as { sessionId: string }).sessionId };
    }
    return v;
  };
}
