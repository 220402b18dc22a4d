// The end-to-end test: a redstate master and a redstate replica, each with the
// inspector, on one page; it shows the replica link's chart in `connected` with INFO's offset,
// then follows CLIENT KILL TYPE master through connect and handshake back to `connected`.
// Last, a full sync from a master whose payload trickles (redis-server's rdb-key-save-delay)
// moves the progress bar.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { inspectorPort, startRedis, startRedstateProcess, type Proc } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp-client.js';
import { info, waitFor } from '../helpers/replication.js';
import { openPage, screenshot } from './browser.js';

let master: Proc;
let replica: Proc;
let m: RespClient;
let r: RespClient;
let browser: Browser;
let page: Page;
let masterInspect: number;
let replicaInspect: number;
const pageErrors: string[] = [];

beforeAll(async () => {
  master = await startRedstateProcess(['--inspect-port', '0']);
  masterInspect = await inspectorPort(master);
  replica = await startRedstateProcess(['--inspect-port', '0', '--replicaof', '127.0.0.1', String(master.port)]);
  replicaInspect = await inspectorPort(replica);
  m = await RespClient.connect(master.port);
  r = await RespClient.connect(replica.port);
  ({ browser, page } = await openPage(pageErrors));
});
afterAll(async () => {
  m?.close();
  r?.close();
  await browser?.close();
  await replica?.close();
  await master?.close();
});

const link = () => page.locator('.chart-card', { has: page.locator('.title b', { hasText: `master 127.0.0.1:${master.port}` }) });
const pageNumber = async (key: string): Promise<number | null> => {
  const el = page.locator(`#context dd[data-key="${key}"]`);
  if ((await el.count()) === 0) return null;
  return Number((await el.textContent())!.replace(/,/g, ''));
};

describe('live statecharts of real replication', () => {
  it("shows the replica link connected, with the offset INFO reports", async () => {
    for (let i = 0; i < 100; i++) await m.call('SET', `key:${i}`, `value ${i}`);
    await waitFor('the link up', async () => (await info(r)).get('master_link_status') === 'up');
    await page.goto(`http://127.0.0.1:${replicaInspect}/?servers=127.0.0.1:${masterInspect}`);
    await page.locator('#actors button.actor', { hasText: `master 127.0.0.1:${master.port}` }).click();
    await link().locator('g.state.current[data-state="replicaLink.connected"]').waitFor();
    expect((await info(r)).get('master_link_status')).toBe('up');
    // Both servers on one page: the master's side of the same link is its replica client, online.
    await page.locator('#actors .server h3', { hasText: `127.0.0.1:${master.port}` }).waitFor();
    await page.locator('#actors .server', { hasText: `127.0.0.1:${master.port}` }).locator('button.actor', { hasText: 'online' }).first().waitFor();
    // The offset the page shows (as of the replica's last tick) meets INFO's once both settle.
    let last = '';
    await waitFor('the page offset to equal INFO', async () => {
      const want = Number((await info(r)).get('slave_repl_offset'));
      const shown = await pageNumber('event.offset');
      last = `INFO ${want}, page ${shown}`;
      return shown === want && want > 0;
    }).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}: ${last}`);
    });
    await screenshot(page, 'replication-connected');
  });

  it("shows each server's own role, with the replid, offset and backlog INFO reports", async () => {
    const roleButton = (port: number) => page.locator('#actors .server', { has: page.locator('h3', { hasText: `127.0.0.1:${port}` }) })
      .locator('button.actor', { hasText: 'this server' });
    const roleCard = (port: number) => page.locator('.chart-card', { has: page.locator('.title', { hasText: `serverRole · 127.0.0.1:${port}` }) });
    const shown = async (key: string, attr: 'title' | 'text' = 'text'): Promise<string | null> => {
      const el = page.locator(`#context dd[data-key="${key}"]`);
      if ((await el.count()) === 0) return null;
      return attr === 'title' ? el.getAttribute('title') : el.textContent();
    };
    const grouped = (n: string | undefined) => Number(n).toLocaleString('en-US');
    await roleButton(master.port).click();
    await roleCard(master.port).locator('g.state.current[data-state="serverRole.master"]').waitFor();
    let last = '';
    await waitFor("the master's role to show INFO's figures", async () => {
      const i = await info(m);
      const page = [await shown('replid', 'title'), await shown('masterReplOffset'), await shown('histlen', 'title'), await shown('connectedReplicas')];
      const want = [i.get('master_replid'), grouped(i.get('master_repl_offset')), `${grouped(i.get('repl_backlog_histlen'))} bytes`, i.get('connected_slaves')];
      last = `page ${JSON.stringify(page)}, INFO ${JSON.stringify(want)}`;
      return JSON.stringify(page) === JSON.stringify(want);
    }).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}: ${last}`);
    });
    expect(await shown('backlogSize', 'title')).toBe(`${grouped((await info(m)).get('repl_backlog_size'))} bytes`);
    await roleButton(replica.port).click();
    await roleCard(replica.port).locator('g.state.current[data-state="serverRole.replica"]').waitFor();
    expect(await shown('masterHost')).toBe('127.0.0.1');
    expect(await shown('masterPort')).toBe(String(master.port));
    await waitFor("the replica's replid to be its master's", async () => (await shown('replid', 'title')) === (await info(r)).get('master_replid'));
    expect(await page.locator('#actors .server h4').allTextContents()).toContain('role');
    await screenshot(page, 'replication-role');
    // Back to the link for the next test.
    await page.locator('#actors button.actor', { hasText: `master 127.0.0.1:${master.port}` }).click();
    await link().locator('g.state.current[data-state="replicaLink.connected"]').waitFor();
  });

  it('follows CLIENT KILL TYPE master through connecting (at once, not at the next tick) and handshake back to connected', async () => {
    // Every state the card shows, in order, as the page renders it.
    const card = `[...document.querySelectorAll('.chart-card')].find((c) => c.querySelector('.title b').textContent === 'master 127.0.0.1:${master.port}')`;
    await page.evaluate(`(() => {
      const card = ${card};
      const seen = [card.getAttribute('data-state')];
      window.seen = seen;
      new MutationObserver(() => {
        const s = card.getAttribute('data-state');
        if (seen[seen.length - 1] !== s) seen.push(s);
      }).observe(card, { attributes: true, attributeFilter: ['data-state'] });
    })()`);
    const before = Number((await info(m, 'stats')).get('sync_partial_ok'));
    expect(await r.call('CLIENT', 'KILL', 'TYPE', 'master')).toBe(1);
    const statuses = new Set<string>();
    let seen: string[] = [];
    await waitFor('the link back up', async () => {
      statuses.add((await info(r)).get('master_link_status')!);
      // The states seen and the card's own, read at once: read apart, a stale 'connected'
      // could pass with the states already past it ('connecting').
      const [shown, states] = (await page.evaluate(`(() => {
        const card = ${card};
        return [card.getAttribute('data-state'), window.seen];
      })()`)) as [string, string[]];
      seen = states;
      return shown === 'connected' && seen.length > 1 && seen.at(-1) === 'connected';
    });
    expect((await info(r)).get('master_link_status')).toBe('up');
    expect(seen[0]).toBe('connected');
    // Redis 7.0 connects again as the link is lost: connect, which waits for the tick, is skipped.
    expect(seen).not.toContain('connect');
    const reconnecting = seen.findIndex((s) => s === 'connecting' || s === 'receivePong');
    expect(reconnecting).toBeGreaterThan(0);
    expect(reconnecting).toBeLessThan(seen.findIndex((s) => s.startsWith('handshake.')));
    expect(statuses.has('down')).toBe(true);
    // A partial resync: the master served it from its backlog.
    expect(Number((await info(m, 'stats')).get('sync_partial_ok'))).toBe(before + 1);
    await page.locator('#log li.state', { hasText: 'handshake.psync' }).last().waitFor();
    await screenshot(page, 'replication-resync');
    expect(pageErrors).toEqual([]);
  });

  it('shows a full sync of a large dataset as a moving progress bar', async () => {
    // A master whose diskless payload trickles (Redis's own rdb-key-save-delay), so that the
    // replica's ticks see it arrive (30k keys at 150 µs: about 4.5 s, several ticks even on an idle machine); the payload ends with an EOF mark: bytes and rate, size unknown.
    const slow = await startRedis(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', '--rdb-key-save-delay', '150']);
    const sc = await RespClient.connect(slow.port);
    expect(await sc.call('DEBUG', 'POPULATE', '30000', 'big', '100')).toBe('OK');
    const fresh = await startRedstateProcess(['--inspect-port', '0', '--replicaof', '127.0.0.1', String(slow.port)]);
    try {
      const inspect = await inspectorPort(fresh);
      await page.goto(`http://127.0.0.1:${inspect}/`);
      await page.locator('#actors button.actor', { hasText: `master 127.0.0.1:${slow.port}` }).click();
      const seen: number[] = [];
      await waitFor('the progress bar to move three times', async () => {
        const done = Number(await page.locator('#progress:not([hidden])').getAttribute('data-done', { timeout: 100 }).catch(() => null));
        if (done > 0 && done !== seen.at(-1)) seen.push(done);
        return seen.length >= 3;
      }, 60_000);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
      await page.locator('#progress .figures', { hasText: '/s' }).waitFor();
      await screenshot(page, 'replication-transfer');
      await page.locator('.chart-card g.state.current[data-state="replicaLink.connected"]').waitFor({ timeout: 60_000 });
      expect(await page.locator('#progress').isHidden()).toBe(true);
      const r2 = await RespClient.connect(fresh.port);
      expect(await r2.call('DBSIZE')).toBe(30000);
      r2.close();
    } finally {
      sc.close();
      await fresh.close();
      await slow.close();
    }
  }, 150_000);
});
