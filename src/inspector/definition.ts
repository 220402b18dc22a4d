// A machine's definition as the inspector sends it and the charts draw it: machine.toJSON(),
// plus each state's eventless (`always`) transitions, which toJSON() leaves out.
import type { AnyStateMachine } from 'xstate';

interface NodeLike {
  states: Record<string, NodeLike>;
  always?: unknown[];
}

/** machine.toJSON() with an `always` list beside each state's `transitions` (eventType ''). */
export function machineDefinition(machine: AnyStateMachine): unknown {
  const json = JSON.parse(JSON.stringify(machine.toJSON())) as { states: Record<string, unknown> };
  const addAlways = (node: NodeLike, out: { states: Record<string, unknown>; always?: unknown }): void => {
    if (node.always !== undefined && node.always.length > 0) out.always = JSON.parse(JSON.stringify(node.always));
    for (const [key, child] of Object.entries(node.states)) {
      const c = out.states[key] as { states: Record<string, unknown> } | undefined;
      if (c !== undefined) addAlways(child, c);
    }
  };
  addAlways(machine.root as unknown as NodeLike, json);
  return json;
}
