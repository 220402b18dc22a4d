// A FAILOVER on the page: a redstate master with the inspector hands over to Debian's
// redis-server; its failover actor appears under its own role, walks waitingForSync ->
// failoverInProgress -> failedOver on the chart drawn from the machine, and stays greyed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { freePort, startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp-client.js';
import { caughtUp, info, waitFor } from '../helpers/replication.js';
import { launch, screenshot } from './browser.js';

let master: Proc;
let replica: Proc;
let browser: Browser;
let page: Page;
let inspect: number;
const pageErrors: string[] = [];

beforeAll(async () => {
  inspect = await freePort();
  master = await startRedstateProcess(['--inspect-port', String(inspect), '--repl-diskless-sync-delay', '0']);
  replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
});
afterAll(async () => {
  await browser?.close();
  await replica?.close();
  await master?.close();
});

describe('a failover on the page', () => {
  it('draws the failover actor through its states, then greys it', async () => {
    const m = await RespClient.connect(master.port);
    try {
      await m.call('SET', 'k', 1);
      await caughtUp(master.port, replica.port);
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
      for (const s of ['waitingForSync', 'failoverInProgress', 'failedOver']) await page.locator('#log li.state', { hasText: s }).first().waitFor();
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
