// The transition the page marks as just taken, from two configurations and the event named
// with the later snapshot (the stream coalesces a state's snapshots into its latest).
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { machineDefinition } from '../../src/inspector/definition.js';
import { replicaClientMachine } from '../../src/machines/replica-client.js';
import { activeStateIds, takenEdges, type StateJSON } from '../../visualizations/src/chart.js';

const def = machineDefinition(replicaClientMachine as unknown as AnyStateMachine) as StateJSON;
const at = (value: string): string[] => activeStateIds(def, value);
/** A transition's edge id as the chart names it: its source state and its place there. */
function edge(state: string, eventType: string, guard?: string): string {
  const s = def.states[state]!;
  const i = s.transitions.findIndex((t) => t.eventType === eventType && (guard === undefined || JSON.stringify(t).includes(guard)));
  return `${s.id}|${i}`;
}

describe('the transition marked as just taken', () => {
  it('is the one the event took', () => {
    expect(takenEdges(def, at('waitBgsaveEnd'), at('online'), 'SNAPSHOT_DONE')).toEqual([edge('waitBgsaveEnd', 'SNAPSHOT_DONE', 'diskless')]);
    expect(takenEdges(def, at('online'), at('online'), 'ACK')).toHaveLength(1);
  });

  it('is the way into the new state when its entering snapshot was coalesced with a later self-transition', () => {
    // A diskless replica's SNAPSHOT_DONE then its first ACK in one batch: the page sees online, caused by ACK.
    expect(takenEdges(def, at('waitBgsaveEnd'), at('online'), 'ACK')).toEqual([edge('waitBgsaveEnd', 'SNAPSHOT_DONE', 'diskless')]);
  });
});
