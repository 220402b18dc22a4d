// The master's own actors on the page: a redstate master with the inspector and Debian's
// redis-server as its replica. The replica client's chart reaches `online` as INFO reports the
// replica online, the snapshot that served the full sync ends and stays greyed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { freePort, startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp-client.js';
import { info, until } from '../helpers/replication.js';
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
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
});
afterAll(async () => {
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
    await page.locator('#actors button.actor.ended', { hasText: 'diskless, to replica sockets' }).waitFor();
    expect(await page.locator('#actors h4').allTextContents()).toEqual(['replica-client', 'snapshot']);
    await screenshot(page, 'master-side-online');
    m.close();
    expect(pageErrors).toEqual([]);
  });
});
