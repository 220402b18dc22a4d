// The replica link on the page: a redstate replica with the inspector, following Debian's
// redis-server. Its chart reaches `connected` as INFO reports the link up, after the states
// of a full sync, as the log tells them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { inspectorPort, startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';
import { info, until } from '../helpers/replication.js';
import { RespClient } from '../helpers/resp-client.js';
import { openPage, screenshot } from './browser.js';

let master: Proc;
let replica: Proc;
let browser: Browser;
let page: Page;
let inspect: number;
const pageErrors: string[] = [];

beforeAll(async () => {
  master = await startRedis(['--repl-diskless-sync-delay', '0']);
  replica = await startRedstateProcess(['--inspect-port', '0']);
  inspect = await inspectorPort(replica);
  ({ browser, page } = await openPage(pageErrors));
});
afterAll(async () => {
  await browser?.close();
  await replica?.close();
  await master?.close();
});

describe('the replica side on the page', () => {
  it('shows the replica link connected after a full sync', async () => {
    await page.goto(`http://127.0.0.1:${inspect}/`);
    await page.locator('#sources .pill.live').waitFor();
    const r = await RespClient.connect(replica.port);
    expect(await r.call('REPLICAOF', '127.0.0.1', master.port)).toBe('OK');
    const link = page.locator('#actors button.actor', { hasText: `master 127.0.0.1:${master.port}` });
    await link.click();
    const card = page.locator('.chart-card', { has: page.locator('.title b', { hasText: `master 127.0.0.1:${master.port}` }) });
    await card.locator('g.state.current[data-state="replicaLink.connected"]').waitFor();
    await until(async () => (await info(replica.port)).get('master_link_status') === 'up', 20_000, () => 'INFO to show the link up');
    for (const s of ['connecting', 'receivePong', 'psync', 'bulkHeader', 'loading', 'connected']) {
      await page.locator('#log li.state', { hasText: s }).first().waitFor();
    }
    expect(await page.locator('#actors h4').allTextContents()).toEqual(['role', 'replica-link']);
    await screenshot(page, 'replica-side-connected');
    r.close();
    expect(pageErrors).toEqual([]);
  });
});
