// The inspector's registry: the server's actors report to it (through createActor's
// `inspect` option or register()), and it turns what they do into @statelyai/inspect's
// protocol frames, batched and coalesced per actor, for whoever watches (the endpoint).
// With no endpoint configured it is inert: inspect() returns undefined and nothing is kept.
import type { AnyActorRef, AnyStateMachine, InspectionEvent, Observer, Snapshot } from 'xstate';
import { machineDefinition } from './definition.js';

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
/** Items (events, state changes) of one actor kept per batch; beyond it events are only counted. */
const ITEMS_PER_BATCH = 64;
/** How long an ended actor is still announced to pages that join, greyed. */
export const ENDED_KEEP_MS = 60_000;

/**
 * An event (identical repeats folded into a count) or a snapshot. A snapshot replaces the
 * queued one of the same state, so context-only updates coalesce while every state change stays.
 */
type Item =
  | { kind: 'event'; event: unknown; key: string; sourceId: string | undefined; repeat: number; at: number }
  | { kind: 'snapshot'; snapshot: unknown; cause: unknown; state: string; at: number };

interface Tracked {
  /** The actor's id on the wire, unique in this registry (xstate's sessionIds restart with each copy of its module). */
  id: string;
  actor: AnyActorRef;
  meta: ActorMeta;
  rootId: string;
  parentId: string | undefined;
  definition: string;
  name: string;
  /** The latest snapshot seen (undefined before the first: read from the actor then). */
  snapshot: unknown;
  /** The @xstate.actor frame for a page that joins, cached until the snapshot changes. */
  actorFrame: Frame | null;
  /** False until a batch has carried its @xstate.actor frame to the pages already watching. */
  announced: boolean;
  /** The state (status and value) of the latest snapshot, and the event that entered it. */
  state: string;
  enteredBy: unknown;
  /** What happened since the last batch, in order. */
  queue: Item[];
  droppedEvents: number;
  endedAt: number | null;
}

/**
 * The part of the server that knows every inspected actor. The endpoint calls
 * takeBatch() on its own clock and joinFrames() for a page that (re)joins.
 */
export class InspectorRegistry {
  private readonly actors = new Map<AnyActorRef, Tracked>();
  private seq = 0;
  private actorSeq = 0;
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
    this.track(actor, meta);
    actor.system.inspect({ next: (ev: InspectionEvent) => {
      if (ev.actorRef === actor && ev.type !== '@xstate.actor') this.observe(ev, meta);
    } });
  }

  private observe(ev: InspectionEvent, meta: ActorMeta): void {
    if (ev.type === '@xstate.actor') {
      this.track(ev.actorRef as AnyActorRef, meta);
      return;
    }
    const t = this.actors.get(ev.actorRef as AnyActorRef);
    if (t === undefined) return;
    if (ev.type === '@xstate.snapshot') {
      this.setSnapshot(t, ev.snapshot, ev.event);
    } else if (ev.type === '@xstate.event') {
      // A timer's events repeat identically: fold them into one entry with a count (also across
      // the snapshot the previous one produced, which the next one's replaces if the state holds).
      const key = safeJson(ev.event);
      let last = t.queue[t.queue.length - 1];
      if (last?.kind === 'snapshot') last = t.queue[t.queue.length - 2];
      if (last !== undefined && last.kind === 'event' && last.key === key) {
        last.repeat++;
      } else if (t.queue.length < ITEMS_PER_BATCH) {
        t.queue.push({ kind: 'event', event: ev.event, key, sourceId: this.wireId(ev.sourceRef as AnyActorRef | undefined), repeat: 1, at: Date.now() });
      } else {
        t.droppedEvents++;
      }
      this.onPending();
    }
  }

  private wireId(actor: AnyActorRef | undefined): string | undefined {
    return actor === undefined ? undefined : this.actors.get(actor)?.id;
  }

  private track(actor: AnyActorRef, meta: ActorMeta): void {
    const logic = (actor as { logic?: unknown }).logic as { toJSON?: () => unknown; id?: string; config?: { id?: string } };
    const parent = (actor as { _parent?: AnyActorRef })._parent;
    const id = `a${++this.actorSeq}`;
    let root = actor;
    while ((root as { _parent?: AnyActorRef })._parent !== undefined) root = (root as { _parent: AnyActorRef })._parent;
    const t: Tracked = {
      id, actor, meta, rootId: this.wireId(root) ?? id, parentId: this.wireId(parent),
      definition: JSON.stringify(typeof logic.toJSON === 'function' ? machineDefinition(logic as unknown as AnyStateMachine) : { id: actor.id }),
      name: logic.config?.id ?? logic.id ?? actor.id,
      snapshot: undefined, actorFrame: null, announced: false, state: '', enteredBy: undefined, queue: [], droppedEvents: 0, endedAt: null,
    };
    this.pruneEnded(Date.now());
    this.actors.set(actor, t);
    actor.subscribe({
      complete: () => this.end(t),
      error: () => this.end(t),
    });
    this.onPending();
  }

  private setSnapshot(t: Tracked, snapshot: unknown, cause: unknown): void {
    if (snapshot === t.snapshot) return;
    t.snapshot = snapshot;
    t.actorFrame = null;
    const s = snapshot as { status?: string; value?: unknown };
    const state = `${s.status}:${safeJson(s.value)}`;
    // Still in the state it entered (a context change, the stop of a finished actor): the entry
    // keeps the event that entered it.
    if (state === t.state) cause = t.enteredBy;
    t.state = state;
    t.enteredBy = cause;
    let at = t.queue.length;
    for (let i = t.queue.length - 1; i >= 0; i--) {
      const item = t.queue[i]!;
      if (item.kind !== 'snapshot') continue;
      if (item.state === state || t.queue.length >= ITEMS_PER_BATCH) at = i;
      break;
    }
    if (at < t.queue.length) t.queue.splice(at, 1);
    t.queue.push({ kind: 'snapshot', snapshot, cause, state, at: Date.now() });
    this.onPending();
  }

  /** An actor stopped, finished or failed: pages see its last status and grey it out. */
  private end(t: Tracked): void {
    if (t.endedAt !== null) return;
    t.endedAt = Date.now();
    t.actorFrame = null;
    // A machine that reached its final state completes before its last snapshot is inspected
    // (with the event that got it there): a stop only tells a snapshot nothing else told.
    queueMicrotask(() => this.setSnapshot(t, t.actor.getSnapshot(), { type: 'xstate.stop' }));
  }

  /**
   * Everything that happened since the last call, as frames: per actor, its announcement if
   * new, then its events (repeats folded) and state changes in order (a state's context-only
   * updates coalesced into its latest snapshot). Clears the pending state.
   */
  takeBatch(): Frame[] {
    const frames: Frame[] = [];
    const now = Date.now();
    this.pruneEnded(now);
    for (const t of this.actors.values()) {
      if (!t.announced) {
        t.announced = true;
        frames.push(this.actorFrame(t));
      }
      for (const item of t.queue) {
        if (item.kind === 'event') {
          frames.push(this.frame(t, {
            type: '@xstate.event', event: item.event, sourceId: item.sourceId,
            ...(item.repeat > 1 ? { redstate: { repeat: item.repeat } } : {}),
          }, item.at));
        } else {
          frames.push(this.frame(t, { type: '@xstate.snapshot', event: item.cause, snapshot: wireSnapshot(item.snapshot) }, item.at));
        }
      }
      if (t.droppedEvents > 0) {
        frames.push(this.frame(t, { type: '@xstate.event', event: { type: 'redstate.dropped' }, sourceId: undefined, redstate: { repeat: t.droppedEvents } }, now));
      }
      t.queue = [];
      t.droppedEvents = 0;
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
    for (const t of this.actors.values()) frames.push(this.actorFrame(t));
    return frames;
  }

  /** The actor's announcement with its current snapshot (and, beyond the protocol, who it is for the page). */
  private actorFrame(t: Tracked): Frame {
    t.actorFrame ??= this.frame(t, {
      type: '@xstate.actor', name: t.name, parentId: t.parentId, definition: t.definition,
      snapshot: this.snapshotOf(t),
      redstate: { server: this.server, role: t.meta.role, label: t.meta.label, endedAt: t.endedAt },
    }, Date.now());
    return t.actorFrame;
  }

  /** Live actors (ended ones excluded): for tests and INFO-like views. */
  liveCount(): number {
    let n = 0;
    for (const t of this.actors.values()) if (t.endedAt === null) n++;
    return n;
  }

  private snapshotOf(t: Tracked): unknown {
    return wireSnapshot(t.snapshot ?? t.actor.getSnapshot());
  }

  private frame(t: Tracked, body: Record<string, unknown>, at: number): Frame {
    return safeJson({
      ...body,
      sessionId: t.id,
      rootId: t.rootId,
      createdAt: String(at),
      id: `${this.server}#${++this.seq}`,
      _version: PROTOCOL_VERSION,
    });
  }
}

/** What of a snapshot goes on the wire (as @statelyai/inspect sends it): status, value, context, output. */
function wireSnapshot(snapshot: unknown): unknown {
  const s = snapshot as Snapshot<unknown> & { value?: unknown; context?: unknown };
  return { status: s.status, value: s.value, context: s.context, ...(s.status === 'done' ? { output: s.output } : {}) };
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
