// The property layer of the model-based tests: seeded random walks over a machine, each
// replayed against the real actors over loopback sockets, shrunk by fast-check to the shortest
// event sequence that still fails. A walk is decoded from a list of choices: at each step the
// moves the real system can be driven through from the model's state are listed, and the next
// choice picks one, so every list of choices (and every list the shrinker makes of it) is a
// valid walk. The seed is printed first, so a failing run replays with MODEL_WALK_SEED.
import fc from 'fast-check';
import type { EventObject } from 'xstate';
import type { ReplicaClientEvent, ReplicaClientInput } from '../../src/machines/replica-client.js';
import type { ReplicaLinkEvent, ReplicaLinkInput } from '../../src/machines/replica-link.js';
import type { SnapshotEvent, SnapshotInput } from '../../src/machines/snapshot.js';
import { replay, type ModelSpec } from './coverage.js';
import { clientPathDriveable, runClientPath, runSnapshotPath, snapshotPathDriveable } from './master-side.js';
import { replicaClientModel, replicaLinkModel, snapshotModel } from './models.js';
import { linkPathDriveable, runLinkPath } from './replica-link.js';

export interface Walk<I, E> {
  input: I;
  events: E[];
  values: unknown[];
}

export interface WalkModel<I, E extends EventObject> {
  spec: ModelSpec<I, E>;
  /** What may be appended in one step: each event alone, and the runs the real system makes as one step. */
  moves: E[][];
  driveable: (p: Walk<I, E>) => boolean;
  /** Replays a walk over real sockets; variant picks among equivalent actions (how a peer leaves). */
  run: (p: Walk<I, E>, variant: number) => Promise<void>;
}

const singles = <E>(events: E[]): E[][] => events.map((e) => [e]);

export const linkWalks: WalkModel<ReplicaLinkInput, ReplicaLinkEvent> = {
  spec: replicaLinkModel,
  moves: [
    ...singles(replicaLinkModel.events.filter((e) => e.type !== 'LOADED' && e.type !== 'FAILED' && e.type !== 'PAYLOAD_RECEIVED')),
    ...(['LOADED', 'FAILED'] as const).flatMap((end) => [
      [{ type: 'PAYLOAD_RECEIVED', read: 10 }, { type: end } as ReplicaLinkEvent],
      [{ type: 'PAYLOAD_RECEIVED', read: 10 }, { type: 'TICK', now: 1000, lastIoAt: 1000, read: 0, transferStartedAt: 0, offset: 0 }, { type: end } as ReplicaLinkEvent],
    ] as ReplicaLinkEvent[][]),
  ],
  driveable: linkPathDriveable,
  run: (p, v) => runLinkPath(p, v),
};

export const clientWalks: WalkModel<ReplicaClientInput, ReplicaClientEvent> = {
  spec: replicaClientModel,
  moves: [
    ...singles(replicaClientModel.events),
    [{ type: 'FULLRESYNC' }, { type: 'SNAPSHOT_STARTED', diskless: false }],
    [{ type: 'SNAPSHOT_DONE', now: 0 }, { type: 'BULK_SENT', now: 0 }],
  ],
  driveable: clientPathDriveable,
  run: (p, v) => runClientPath(replicaClientModel.machine, p, v),
};

export const snapshotWalks: WalkModel<SnapshotInput, SnapshotEvent> = {
  spec: snapshotModel,
  moves: singles(snapshotModel.events),
  driveable: snapshotPathDriveable,
  run: (p, v) => runSnapshotPath(snapshotModel.machine, p, v),
};

/** The walk a list of choices makes: each choice picks among the moves driveable from where the last left. */
export function decodeWalk<I, E extends EventObject>(m: WalkModel<I, E>, inputChoice: number, choices: number[]): Walk<I, E> & { done: boolean } {
  const input = m.spec.inputs[inputChoice % m.spec.inputs.length]!;
  let walk = replay(m.spec, input, []);
  for (const c of choices) {
    if (walk.done) break;
    const options = m.moves.map((move) => replay(m.spec, input, [...walk.events, ...move])).filter((p) => m.driveable(p));
    if (options.length === 0) break;
    walk = options[c % options.length]!;
  }
  return walk;
}

/** A walk as one line: the input, then each event with what tells it apart. */
export function describeWalk(w: Walk<unknown, EventObject>): string {
  return `${JSON.stringify(w.input)}: ${w.events.map((e) => JSON.stringify(e)).join(' ')}`;
}

export interface WalkOptions {
  seed: number;
  runs: number;
  maxLength: number;
}

/** The options from the environment: MODEL_WALK_SEED, MODEL_WALKS (walks per machine), MODEL_WALK_LENGTH. */
export function walkOptions(defaultRuns: number): WalkOptions {
  const env = process.env;
  return {
    seed: env.MODEL_WALK_SEED !== undefined ? Number(env.MODEL_WALK_SEED) : Date.now() % 2 ** 31,
    runs: env.MODEL_WALKS !== undefined ? Number(env.MODEL_WALKS) : defaultRuns,
    maxLength: env.MODEL_WALK_LENGTH !== undefined ? Number(env.MODEL_WALK_LENGTH) : 12,
  };
}

/**
 * Runs seeded random walks through check(); a failure is shrunk to the shortest failing walk
 * and thrown with it and the seed. check is the real-socket replay, or anything else to compare.
 */
export async function checkWalks<I, E extends EventObject>(
  m: WalkModel<I, E>, opts: WalkOptions, check: (w: Walk<I, E>, variant: number) => Promise<void> = (w, v) => m.run(w, v),
): Promise<{ walks: number; events: number }> {
  let walks = 0;
  let events = 0;
  const property = fc.asyncProperty(fc.nat(), fc.array(fc.nat(), { maxLength: opts.maxLength, size: 'max' }), fc.nat(1), async (inputChoice, choices, variant) => {
    const w = decodeWalk(m, inputChoice, choices);
    walks++;
    events += w.events.length;
    try {
      await check(w, variant);
    } catch (e) {
      throw new Error(`walk ${describeWalk(w as Walk<unknown, EventObject>)} (variant ${variant}) fails: ${(e as Error).message}`);
    }
  });
  const details = await fc.check(property, { seed: opts.seed, numRuns: opts.runs });
  if (details.failed) {
    const [inputChoice, choices, variant] = details.counterexample!;
    const w = decodeWalk(m, inputChoice, choices);
    throw new Error(`${m.spec.name}: seed ${opts.seed} fails after ${details.numShrinks} shrinks; shortest failing walk (${w.events.length} events, variant ${variant}):\n` +
      `  ${describeWalk(w as Walk<unknown, EventObject>)}\n  replay: MODEL_WALK_SEED=${opts.seed} MODEL_WALKS=${opts.runs} npm run test:walks\n` +
      `  ${(details.errorInstance as Error | undefined)?.message ?? ''}`);
  }
  return { walks, events };
}
