// The master's own actors on the page: a redstate master with the inspector and Debian's
// redis-server as its replica. The replica client's chart reaches `online` as INFO reports the
// replica online, the snapshot that served the full sync ends and stays greyed; at the end the
// master hands over to that replica (FAILOVER), whose actor walks its chart and stays greyed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { inspectorPort, startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp-client.js';
import { caughtUp, info, until, waitFor } from '../helpers/replication.js';
import { FakeReplica } from '../helpers/fake-replica.js';
import { openPage, screenshot } from './browser.js';

let master: Proc;
let replica: Proc;
const fakes: FakeReplica[] = [];

/** What the layout check reads of a DOM element (the tests compile without the DOM's types). */
interface El {
  textContent: string | null;
  scrollWidth: number;
  clientWidth: number;
  scrollHeight: number;
  clientHeight: number;
  parentElement: El | null;
  getBoundingClientRect(): { left: number; right: number; top: number; bottom: number; height: number };
  querySelectorAll(selector: string): Iterable<El>;
}
let browser: Browser;
let page: Page;
let inspect: number;
const pageErrors: string[] = [];

beforeAll(async () => {
  master = await startRedstateProcess(['--inspect-port', '0', '--repl-diskless-sync-delay', '0']);
  inspect = await inspectorPort(master);
  ({ browser, page } = await openPage(pageErrors));
});
afterAll(async () => {
  for (const f of fakes) f.destroy();
  await browser?.close();
  await replica?.close();
  await master?.close();
});

describe('the master side on the page', () => {
  it('shows the replica client online and the snapshot that served it ended', async () => {
    const m = await RespClient.connect(master.port);
    for (let i = 0; i < 1000; i++) void m.call('SET', `k${i}`, `v${i}`);
    expect(await m.call('DBSIZE')).toBe(1000);
    await page.goto(`http://127.0.0.1:${inspect}/`);
    await page.locator('#sources .pill.live').waitFor();
    replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
    const client = page.locator('#actors button.actor', { hasText: `replica 127.0.0.1:${replica.port}` });
    await client.click();
    const card = page.locator('.chart-card', { has: page.locator('.title b', { hasText: `replica 127.0.0.1:${replica.port}` }) });
    await card.locator('g.state.current[data-state="replicaClient.online"]').waitFor();
    await until(async () => (await info(master.port)).get('slave0')?.includes('state=online') === true, 20_000, () => 'INFO to list the replica online');
    // The full sync's path through the chart, as the log tells it.
    for (const s of ['waitBgsaveStart', 'waitBgsaveEnd', 'online']) await page.locator('#log li.state', { hasText: s }).first().waitFor();
    // The context in plain words, as INFO's slave line and CLIENT LIST's omem tell them once both settle:
    // acknowledged offset and last ACK (context), lag and output buffer (as of the last TICK).
    const shown = async (key: string, attr: 'text' | 'title' = 'text'): Promise<string | null> => {
      const el = page.locator(`#context dd[data-key="${key}"]`);
      if ((await el.count()) === 0) return null;
      return attr === 'title' ? el.getAttribute('title') : el.textContent();
    };
    let last = '';
    await until(async () => {
      const slave = (await info(master.port)).get('slave0') ?? '';
      const field = (name: string) => new RegExp(`${name}=(\\d+)`).exec(slave)?.[1];
      const omem = /omem=(\d+)/.exec(String(await m.call('CLIENT', 'LIST', 'TYPE', 'replica')))?.[1];
      const want = [Number(field('offset')).toLocaleString('en-US'), `${field('lag')} s`, `${Number(omem).toLocaleString('en-US')} bytes`];
      const got = [await shown('ackOffset'), await shown('event.lag'), await shown('event.obufBytes', 'title')];
      last = `page ${JSON.stringify(got)}, INFO and CLIENT LIST ${JSON.stringify(want)}`;
      return JSON.stringify(got) === JSON.stringify(want);
    }, 20_000, () => `the replica client's figures to match: ${last}`);
    expect(await shown('ackTime')).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \(.+ ago\)$/);
    await page.locator('#actors button.actor.ended', { hasText: 'diskless, to replica sockets' }).waitFor();
    expect(await page.locator('#actors h4').allTextContents()).toEqual(['role', 'replica-client', 'snapshot']);
    await screenshot(page, 'master-side-online');
    m.close();
    expect(pageErrors).toEqual([]);
  });

  it('stays readable with twenty more replicas: each listed apart, one selected shows online as INFO does', async () => {
    // Twenty scripted replicas (the model tests' fake replica): real replica clients of the real master.
    for (let i = 0; i < 20; i++) {
      const f = await FakeReplica.connect(master.port);
      fakes.push(f);
      await f.handshake();
      f.send('PSYNC', '?', '-1');
      expect(await f.line()).toMatch(/^\+FULLRESYNC [0-9a-f]{40} \d+$/);
      await f.payload();
      f.ack(0);
    }
    await until(async () => (await info(master.port)).get('connected_slaves') === '21', 20_000, () => 'INFO to count 21 replicas');
    const labels = fakes.map((f) => `replica 127.0.0.1:${f.localPort}`);
    for (const l of labels) await page.locator('#actors button.actor', { hasText: l }).waitFor();
    // Measured in one go (the list is redrawn as actors change): every entry has its whole label
    // shown, no two overlap, and one the list does not show at once is reached by scrolling it.
    const layout = await page.locator('#actors').evaluate((root, want) => {
      const list = root as unknown as El;
      const win = globalThis as unknown as { getComputedStyle(e: El): { overflowY: string }; document: { documentElement: El } };
      const all = [...list.querySelectorAll('button.actor')];
      const found = want.map((l) => all.find((b) => b.textContent?.includes(l)));
      const rects = found.map((b) => b?.getBoundingClientRect());
      let overlaps = 0;
      for (let i = 0; i < rects.length; i++) {
        for (let j = i + 1; j < rects.length; j++) {
          const [a, c] = [rects[i]!, rects[j]!];
          if (!(a.right <= c.left || c.right <= a.left || a.bottom <= c.top || c.bottom <= a.top)) overlaps++;
        }
      }
      let scroller: El | null = list;
      while (scroller !== null && scroller.scrollHeight <= scroller.clientHeight) scroller = scroller.parentElement;
      const style = scroller === null ? '' : win.getComputedStyle(scroller).overflowY;
      return {
        missing: found.filter((b) => b === undefined).length,
        cut: found.filter((b) => b !== undefined && (b.scrollWidth > b.clientWidth + 1 || b.getBoundingClientRect().height === 0)).length,
        overlaps,
        scrollable: scroller === null || scroller === win.document.documentElement || style === 'auto' || style === 'scroll',
      };
    }, labels);
    expect(layout).toEqual({ missing: 0, cut: 0, overlaps: 0, scrollable: true });
    const buttons = labels.map((l) => page.locator('#actors button.actor', { hasText: l }));
    const last = fakes[19]!;
    await buttons[19]!.click();
    const card = page.locator('.chart-card', { has: page.locator('.title b', { hasText: `replica 127.0.0.1:${last.localPort}` }) });
    await card.locator('g.state.current[data-state="replicaClient.online"]').waitFor();
    const slave = [...(await info(master.port))].find(([k, v]) => k.startsWith('slave') && v.includes(`port=${last.localPort},`));
    expect(slave?.[1]).toContain('state=online');
    await screenshot(page, 'master-21-replicas');
    expect(pageErrors).toEqual([]);
  });

  it('draws a FAILOVER to the replica through its states, then greys it; the old master\'s new link shows connected', async () => {
    const m = await RespClient.connect(master.port);
    try {
      await m.call('SET', 'k', 1);
      await caughtUp(master.port, replica.port);
      // A fresh page, nothing selected.
      await page.goto(`http://127.0.0.1:${inspect}/`);
      await page.locator('#sources .pill.live').waitFor();
      expect(await m.call('FAILOVER', 'TO', '127.0.0.1', replica.port)).toBe('OK');
      await waitFor('the failover over', async () => {
        const i = await info(master.port);
        return i.get('role') === 'slave' && i.get('master_link_status') === 'up' && i.get('master_failover_state') === 'no-failover';
      });
      const actor = page.locator('#actors button.actor', { hasText: `to 127.0.0.1:${replica.port}` });
      await actor.click();
      const card = page.locator('.chart-card', { has: page.locator('.title b', { hasText: `to 127.0.0.1:${replica.port}` }) });
      for (const s of ['waitingForSync', 'failoverInProgress', 'failedOver', 'aborted']) await card.locator(`g.state[data-state="failover.${s}"]`).waitFor();
      await card.locator('g.state.current[data-state="failover.failedOver"]').waitFor();
      // The path, as the log tells it: the page may have met the actor already waiting ("actor announced in ...").
      for (const s of ['waitingForSync', 'failoverInProgress', 'failedOver']) await page.locator('#log li', { hasText: s }).first().waitFor();
      // The final state is entered on the target's reply, not on the stop that follows it.
      expect(await page.locator('#log li.state', { hasText: 'failedOver' }).first().textContent()).toContain('PSYNC_REPLY');
      expect(await page.locator('#actors h4').allTextContents()).toContain('failover');
      await page.locator('#actors button.actor.ended', { hasText: `to 127.0.0.1:${replica.port}` }).waitFor();
      // The old master's new link, up as INFO says.
      await page.locator('#actors button.actor', { hasText: `master 127.0.0.1:${replica.port}` }).filter({ hasText: 'connected' }).waitFor({ timeout: 10_000 });
      await screenshot(page, 'failover-done');
      expect(pageErrors).toEqual([]);
    } finally {
      m.close();
    }
  });
});
