// The page in a real browser against an in-process server with the sample machine: it
// draws the chart, highlights the live state, marks transitions, shows the context and a
// transfer's progress, greys an ended actor, and reconnects when the server comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createActor, type Actor } from 'xstate';
import { startRedstate, type InProcess } from '../helpers/servers.js';
import { sampleMachine } from '../inspector/sample-machine.js';
import { openPage, screenshot } from './browser.js';

let srv: InProcess;
let inspectPort: number;
let browser: Browser;
let page: Page;
const actors: Actor<typeof sampleMachine>[] = [];
const pageErrors: string[] = [];
/** Every URL the page asked for, sockets included: all must be the inspector's own (no CDN). */
const requested: string[] = [];

function spawnLink(label: string, role = 'replica-link'): Actor<typeof sampleMachine> {
  const a = createActor(sampleMachine, { inspect: srv.server.inspector.inspect({ role, label }) }).start();
  actors.push(a);
  return a;
}

beforeAll(async () => {
  srv = await startRedstate({ 'inspect-port': '0' });
  inspectPort = srv.server.inspectorEndpoint!.port;
  ({ browser, page } = await openPage(pageErrors, { width: 1400, height: 860 }));
  page.on('request', (r) => requested.push(r.url()));
  page.on('websocket', (ws) => requested.push(ws.url()));
});
afterAll(async () => {
  for (const a of actors) a.stop();
  await browser?.close();
  await srv?.close();
});

const card = (label: string) => page.locator('.chart-card', { has: page.locator('.title b', { hasText: label }) });

describe('inspector page', () => {
  it('draws the chart of the selected actor and highlights its state', async () => {
    const link = spawnLink('master 127.0.0.1:6380');
    link.send({ type: 'TICK' });
    await page.goto(`http://127.0.0.1:${inspectPort}/`);
    const c = card('master 127.0.0.1:6380');
    await c.locator('g.state[data-state="sample-link.handshake.psync"]').waitFor();
    // The page plays state changes at a readable pace, so connect may show first.
    await c.locator('g.state.current[data-state="sample-link.connecting"]').waitFor();
    expect(await c.getAttribute('data-state')).toBe('connecting');
    // Every state and transition of the definition is drawn, guards in the labels.
    expect(await c.locator('g.state').count()).toBe(9); // the machine's box and its 8 states
    expect(await c.locator('g.edge .label text', { hasText: 'CONTINUE [hasCachedMaster]' }).count()).toBe(1);

    // No layout jumps: the card and every state stay where they were as the state moves.
    const layout = async () => ({
      card: await c.boundingBox(),
      states: await c.locator('g.state').evaluateAll((els) => els.map((e) => {
        const r = e.getBoundingClientRect();
        return [e.getAttribute('data-state'), r.x, r.y, r.width, r.height];
      })),
    });
    const before = await layout();
    link.send({ type: 'SOCKET_UP' });
    link.send({ type: 'PONG' });
    await c.locator('g.state.current[data-state="sample-link.handshake.psync"]').waitFor();
    expect(await layout()).toEqual(before);
    expect(await c.locator('g.state.active').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toEqual(
      ['sample-link.handshake', 'sample-link.handshake.psync']);
    await c.locator('g.edge.taken').first().waitFor();
    expect(await c.locator('g.edge.taken .label text').allTextContents()).toEqual(['PONG']);
    await page.locator('#log li.state', { hasText: 'handshake.psync' }).waitFor();
    expect(await page.locator('#log li.state', { hasText: 'handshake.psync' }).locator('time').textContent()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
    expect(await page.locator('#context dd[data-key="host"]').textContent()).toBe('127.0.0.1');
    // Every asset came from the inspector itself: the page works with no internet.
    expect(requested.length).toBeGreaterThanOrEqual(4);
    expect(requested.filter((u) => !u.startsWith(`http://127.0.0.1:${inspectPort}/`) && !u.startsWith(`ws://127.0.0.1:${inspectPort}/`))).toEqual([]);
    await screenshot(page, 'page-handshake');
  });

  it('shows a transfer progress bar that moves, then the loaded state', async () => {
    const link = actors[0]!;
    link.send({ type: 'FULLRESYNC', total: 50 * 1024 * 1024 });
    const done = async () => Number(await page.locator('#progress').getAttribute('data-done'));
    for (let i = 0; i < 5; i++) {
      link.send({ type: 'PROGRESS', bytes: 4 * 1024 * 1024 });
      await page.waitForFunction(`Number(document.querySelector('#progress')?.getAttribute('data-done')) >= ${(i + 1) * 4 * 1024 * 1024}`);
      await new Promise((r) => setTimeout(r, 120));
    }
    expect(await done()).toBe(20 * 1024 * 1024);
    expect(await page.locator('#progress').isVisible()).toBe(true);
    expect(await page.locator('#progress [data-key="progress-bytes"]').textContent()).toBe('20.0 MB of 50.0 MB');
    await page.locator('#progress .figures', { hasText: 'ETA' }).waitFor();
    await screenshot(page, 'page-transfer');
    link.send({ type: 'LOADED', offset: 1234567 });
    await card('master 127.0.0.1:6380').locator('g.state.current[data-state="sample-link.connected"]').waitFor();
    expect(await page.locator('#progress').isHidden()).toBe(true);
    expect(await page.locator('#context dd[data-key="offset"]').textContent()).toBe('1,234,567');
  });

  it('groups many actors by server and role, compares two side by side, greys an ended one', async () => {
    for (let i = 0; i < 20; i++) spawnLink(`replica 127.0.0.1:${7000 + i}`, 'replica-client').send({ type: i % 3 === 0 ? 'TICK' : 'CLOSED' });
    const gone = spawnLink('replica 127.0.0.1:7999', 'replica-client');
    await page.locator('#actors button.actor', { hasText: 'replica 127.0.0.1:7019' }).waitFor({ timeout: 5000 }).catch(async (e: unknown) => {
      await screenshot(page, 'debug');
      console.log(await page.locator('#actors').innerHTML());
      throw e;
    });
    expect(await page.locator('#actors h4').allTextContents()).toEqual(['role', 'replica-link', 'replica-client']);
    gone.stop();
    await page.locator('#actors button.actor.ended', { hasText: 'replica 127.0.0.1:7999' }).waitFor();
    await page.locator('#actors button.actor', { hasText: 'replica 127.0.0.1:7003' }).click({ modifiers: ['Control'] });
    await card('replica 127.0.0.1:7003').locator('g.state.current[data-state="sample-link.connecting"]').waitFor();
    expect(await page.locator('.chart-card').count()).toBe(2);
    await screenshot(page, 'page-many');
  });

  it('reconnects by itself when the server restarts', async () => {
    await srv.close();
    await page.locator('#sources .pill.down').waitFor();
    await page.locator('.chart-card.ended').first().waitFor();
    srv = await startRedstate({ 'inspect-port': String(inspectPort) });
    actors.length = 0;
    const fresh = spawnLink('after restart');
    fresh.send({ type: 'TICK' });
    await page.locator('#sources .pill.live').waitFor();
    await page.locator('#actors button.actor.live', { hasText: 'after restart' }).click();
    await card('after restart').locator('g.state.current[data-state="sample-link.connecting"]').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
