// Seeded random walks over each replication machine, replayed over real sockets against the
// real actors (walks.ts). The suite runs a few per machine with a fresh seed each time (printed
// first); `npm run test:walks` runs many (MODEL_WALKS, MODEL_WALK_SEED, MODEL_WALK_LENGTH).
import { describe, expect, it } from 'vitest';
import { createActor, type AnyStateMachine, type EventObject } from 'xstate';
import { replicaClientMachine } from '../../src/machines/replica-client.js';
import { checkWalks, clientWalks, linkWalks, snapshotWalks, walkOptions, type Walk, type WalkModel } from './walks.js';

const opts = walkOptions(3);

describe('random walks over real sockets', () => {
  for (const m of [linkWalks, clientWalks, snapshotWalks] as WalkModel<unknown, EventObject>[]) {
    it(`${m.spec.name}: ${opts.runs} seeded walks of up to ${opts.maxLength} moves`, async () => {
      console.log(`${m.spec.name}: walks with MODEL_WALK_SEED=${opts.seed}`);
      const { walks, events } = await checkWalks(m, opts);
      console.log(`${m.spec.name}: ${walks} walks, ${events} events replayed over sockets`);
      expect(walks).toBeGreaterThanOrEqual(opts.runs);
    }, 600_000);
  }
});

/** The state values a machine alone goes through on a walk. */
function values(machine: AnyStateMachine, w: Walk<unknown, EventObject>): string {
  const a = createActor(machine, { input: w.input }).start();
  const out = w.events.map((e) => {
    if (a.getSnapshot().status === 'active') a.send(e);
    return JSON.stringify(a.getSnapshot().value);
  });
  a.stop();
  return out.join(' ');
}

describe('the walk layer itself', () => {
  it('shrinks a failure to the shortest walk that shows it, and names the seed', async () => {
    // A broken guard: an online replica times out on any tick. The walks compare the server's
    // machine with the broken one, events in and states out (no sockets).
    const broken = replicaClientMachine.provide({ guards: { ackTimedOut: ({ context, event }) => event.type === 'TICK' && !context.oldSync } });
    const failure = await checkWalks(clientWalks as WalkModel<unknown, EventObject>, { seed: 7, runs: 300, maxLength: 12 }, async (w) => {
      expect(values(broken, w)).toBe(values(replicaClientMachine, w));
    }).then(() => null, (e: Error) => e.message);
    expect(failure).toContain('replica-client: seed 7 fails after');
    expect(failure).toContain('shortest failing walk (2 events');
    expect(failure).toContain('{"type":"CONTINUE","now":0} {"type":"TICK","now":1000');
    expect(failure).toContain('MODEL_WALK_SEED=7');
  });
});
