// What watching pages cost the server: nothing while no actor changes, one write per page per
// batch, a bounded number of writes a second however many pages watch, and the batch's bytes
// (made once for every page) are frames any WebSocket client reads, long and non-ASCII ones too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import type { InspectorEndpoint } from '../../src/inspector/endpoint.js';
import { startRedstate, type InProcess } from '../helpers/servers.js';
import { sampleMachine } from './sample-machine.js';
import { TestPage, until, wireId } from './pages.js';

const PAGES = 300;

let srv: InProcess;
let endpoint: InspectorEndpoint;
let pages: TestPage[];

beforeAll(async () => {
  srv = await startRedstate({ 'inspect-port': '0' });
  endpoint = srv.server.inspectorEndpoint!;
  pages = [];
  for (let i = 0; i < PAGES; i += 50) {
    pages.push(...await Promise.all(Array.from({ length: 50 }, () => TestPage.open(endpoint.port))));
  }
});
afterAll(async () => {
  for (const p of pages) p.close();
  await srv.close();
});

/** Until every page has a frame of this actor that matches. */
async function everyPageSees(label: string, what: string, match: (f: TestPage['frames'][number]) => boolean): Promise<void> {
  await until(() => pages.every((p) => {
    const id = wireId(p.frames, label);
    return id !== undefined && p.frames.some((f) => f.sessionId === id && match(f));
  }), `${what} on every page`, 30_000);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('what pages cost', () => {
  it('nothing while no actor changes; then one flush and one write a page for a change', async () => {
    const actor = createActor(sampleMachine, { inspect: srv.server.inspector.inspect({ role: 'replica-link', label: 'idle' }) }).start();
    await everyPageSees('idle', 'the actor', (f) => f.type === '@xstate.actor');
    // A page may see the actor from one flush while the next is still writing to the others.
    await until(() => endpoint.quiet, 'the endpoint quiet');
    const flushes = endpoint.flushes;
    const writes = endpoint.pageWrites;
    // Three flush periods with nothing changing: the flush timer never ran.
    await sleep(3 * endpoint.flushDelay());
    expect(endpoint.flushes).toBe(flushes);
    expect(endpoint.pageWrites).toBe(writes);

    actor.send({ type: 'TICK' });
    await everyPageSees('idle', 'the TICK', (f) => f.type === '@xstate.event' && (f.event as { type: string }).type === 'TICK');
    expect(endpoint.flushes).toBe(flushes + 1);
    expect(endpoint.pageWrites).toBe(writes + PAGES);
    actor.stop();
  });

  it(`keeps to its write budget with ${PAGES} pages: batches only come less often, and coalesce`, async () => {
    expect(endpoint.flushDelay()).toBeGreaterThan(50);
    const actor = createActor(sampleMachine, { inspect: srv.server.inspector.inspect({ role: 'replica-link', label: 'busy' }) }).start();
    await everyPageSees('busy', 'the actor', (f) => f.type === '@xstate.actor');
    await until(() => endpoint.quiet, 'the endpoint quiet');
    const flushes = endpoint.flushes;
    const writes = endpoint.pageWrites;
    const started = Date.now();
    // An event every 10 ms: at 50 ms a flush, each page would get a batch every 50 ms.
    for (let i = 0; i < 100; i++) {
      actor.send({ type: i % 2 === 0 ? 'TICK' : 'CLOSED' });
      await sleep(10);
    }
    actor.send({ type: 'SOCKET_UP' });
    // Every event reaches each page, or is counted there: folded repeats and a batch's overflow carry counts.
    const counted = (p: TestPage): number => {
      const id = wireId(p.frames, 'busy');
      return p.frames.filter((f) => f.sessionId === id && f.type === '@xstate.event' && (f.event as { type: string }).type !== 'xstate.init')
        .reduce((n, f) => n + ((f.redstate as { repeat?: number } | undefined)?.repeat ?? 1), 0);
    };
    await until(() => pages.every((p) => counted(p) === 101), 'all 101 events counted on every page', 30_000);
    const elapsed = Date.now() - started;
    const ran = endpoint.flushes - flushes;
    // A timer never fires before its delay: at most one flush per delay (and one more for the edge).
    expect(ran).toBeLessThanOrEqual(Math.ceil(elapsed / endpoint.flushDelay()) + 1);
    expect(endpoint.pageWrites - writes).toBe(ran * PAGES);
    actor.stop();
  });

  it('frames of every length, and UTF-8 text, reach each page intact', async () => {
    const big = 'x'.repeat(70_000);
    const text = 'réplica ⇄ maître 🛰';
    const machine = createMachine({ id: 'sizes', context: { big, text, mid: 'm'.repeat(300) }, initial: 'a', states: { a: { on: { GO: 'b' } }, b: {} } });
    const actor = createActor(machine, { inspect: srv.server.inspector.inspect({ role: 'snapshot', label: 'sizes' }) }).start();
    actor.send({ type: 'GO' });
    await everyPageSees('sizes', 'state b', (f) => f.type === '@xstate.snapshot' && (f.snapshot as { value: unknown }).value === 'b');
    for (const p of [pages[0]!, pages[PAGES - 1]!]) {
      const id = wireId(p.frames, 'sizes');
      const announced = p.frames.find((f) => f.type === '@xstate.actor' && f.sessionId === id)!;
      expect(JSON.stringify(announced).length).toBeGreaterThan(65_536);
      expect((announced.snapshot as { context: unknown }).context).toEqual({ big, text, mid: 'm'.repeat(300) });
    }
    actor.stop();
  });
});
