// The coverage layer of the model-based tests: paths generated from a machine's own
// definition (the one the server runs), replayed on the machine alone, with every state node
// and every transition candidate (each guarded branch counts apart) that a path took recorded.
import { createActor, type AnyStateMachine, type EventObject, type InspectionEvent } from 'xstate';
import { getShortestPaths } from 'xstate/graph';

/** One way to start a machine (its input) and the events the model may send in any state. */
export interface ModelSpec<TInput = unknown, TEvent extends EventObject = EventObject> {
  name: string;
  machine: AnyStateMachine;
  inputs: TInput[];
  events: TEvent[];
  /** What tells two states apart for the walk: the value plus the context that steers guards. */
  serialize: (snapshot: { value: unknown; context: unknown }) => string;
}

export interface ModelPath<TInput = unknown, TEvent extends EventObject = EventObject> {
  input: TInput;
  events: TEvent[];
  /** The state value after each event, as the machine alone reached it. */
  values: unknown[];
  /** The transitions the path takes, in order. */
  transitions: string[];
}

interface Node {
  id: string;
  transitions: Map<string, unknown[]>;
  always?: unknown[];
  states: Record<string, Node>;
}

interface Transition {
  source: Node;
  eventType: string;
}

/** A transition's name: its source, its event ('always' for eventless) and its place among the candidates. */
function transitionKey(t: Transition): string {
  const list = t.eventType === '' ? t.source.always ?? [] : t.source.transitions.get(t.eventType) ?? [];
  const at = list.indexOf(t);
  return `${t.source.id} ${t.eventType === '' ? 'always' : t.eventType}${list.length > 1 ? `[${at}]` : ''}`;
}

/** Every state node id and every transition candidate of a machine, read from its definition. */
export function machineGraph(machine: AnyStateMachine): { states: string[]; transitions: string[] } {
  const states: string[] = [];
  const transitions: string[] = [];
  const walk = (node: Node): void => {
    states.push(node.id);
    for (const list of node.transitions.values()) for (const t of list) transitions.push(transitionKey(t as Transition));
    for (const t of node.always ?? []) transitions.push(transitionKey(t as Transition));
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root as unknown as Node);
  return { states, transitions };
}

/** Runs events through the machine alone, recording the transitions taken and the states entered. */
export function replay<TInput, TEvent extends EventObject>(spec: ModelSpec<TInput, TEvent>, input: TInput, events: TEvent[]): ModelPath<TInput, TEvent> & { stateIds: string[]; done: boolean } {
  const transitions: string[] = [];
  const stateIds = new Set<string>();
  const values: unknown[] = [];
  const actor = createActor(spec.machine, {
    input,
    inspect: (ev: InspectionEvent) => {
      if (ev.type !== '@xstate.microstep') return;
      for (const t of ev._transitions) {
        transitions.push(transitionKey(t as unknown as Transition));
        // A transient state (left by an eventless transition) is in no snapshot: its transition shows it.
        stateIds.add((t as unknown as Transition).source.id);
      }
    },
  });
  const enter = (): void => {
    for (const n of (actor.getSnapshot() as unknown as { _nodes: Node[] })._nodes) stateIds.add(n.id);
  };
  actor.start();
  enter();
  for (const e of events) {
    actor.send(e);
    values.push(actor.getSnapshot().value);
    enter();
  }
  const done = actor.getSnapshot().status === 'done';
  actor.stop();
  return { input, events, values, transitions, stateIds: [...stateIds], done };
}

/**
 * The paths of a model: the shortest path to every distinct state, and each of those extended
 * by every event of the model, so that every transition leaving a reachable state is taken.
 */
export function modelPaths<TInput, TEvent extends EventObject>(spec: ModelSpec<TInput, TEvent>): Array<ModelPath<TInput, TEvent> & { stateIds: string[] }> {
  const paths: Array<ModelPath<TInput, TEvent> & { stateIds: string[] }> = [];
  const seen = new Set<string>();
  for (const input of spec.inputs) {
    const shortest = getShortestPaths(spec.machine, {
      input,
      events: spec.events as never,
      serializeState: (s) => spec.serialize(s as { value: unknown; context: unknown }),
    });
    for (const p of shortest) {
      const prefix = p.steps.map((s) => s.event as TEvent).filter((e) => !e.type.startsWith('xstate.'));
      const finished = (p.state as { status: string }).status === 'done';
      for (const next of finished ? [null] : spec.events) {
        const events = next === null ? prefix : [...prefix, next];
        const key = JSON.stringify([input, events]);
        if (seen.has(key)) continue;
        seen.add(key);
        paths.push(replay(spec, input, events));
      }
    }
  }
  return paths;
}

/**
 * Few paths that together take every transition the given paths take, and send every event
 * of the model at least once (so each scripted reply is tried on the real system): a greedy cover.
 */
export function selectPaths<P extends { transitions: string[]; events: unknown[] }>(paths: P[]): P[] {
  const keys = (p: P): string[] => [...p.transitions, ...p.events.map((e) => `event ${JSON.stringify(e)}`)];
  const left = new Set(paths.flatMap(keys));
  const chosen: P[] = [];
  while (left.size > 0) {
    let best: P | null = null;
    let gain = 0;
    for (const p of paths) {
      const g = new Set(keys(p).filter((t) => left.has(t))).size;
      if (g > gain || (g === gain && g > 0 && best !== null && p.events.length < best.events.length)) [best, gain] = [p, g];
    }
    if (best === null) break;
    chosen.push(best);
    for (const t of keys(best)) left.delete(t);
  }
  return chosen;
}

export interface Coverage {
  name: string;
  states: { covered: number; total: number; missing: string[] };
  transitions: { covered: number; total: number; missing: string[] };
}

/** What a set of paths covers of a machine's definition. */
export function coverage(name: string, machine: AnyStateMachine, paths: Array<{ transitions: string[]; stateIds: string[] }>): Coverage {
  const graph = machineGraph(machine);
  const takenT = new Set(paths.flatMap((p) => p.transitions));
  const takenS = new Set(paths.flatMap((p) => p.stateIds));
  const missingS = graph.states.filter((s) => !takenS.has(s));
  const missingT = graph.transitions.filter((t) => !takenT.has(t));
  return {
    name,
    states: { covered: graph.states.length - missingS.length, total: graph.states.length, missing: missingS },
    transitions: { covered: graph.transitions.length - missingT.length, total: graph.transitions.length, missing: missingT },
  };
}

/** The report line `npm run test:model` prints per machine. */
export function formatCoverage(c: Coverage): string {
  const miss = [...c.states.missing, ...c.transitions.missing];
  return `${c.name}: states covered ${c.states.covered}/${c.states.total}, transitions covered ${c.transitions.covered}/${c.transitions.total}` +
    (miss.length > 0 ? `; uncovered: ${miss.join(', ')}` : '');
}
