// Debian's chromium driven by playwright-core, headless, for the browser tests; screenshots
// go to test/artifacts/ (git-ignored).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../helpers/servers.js';

export const ARTIFACTS = join(ROOT, 'test/artifacts');

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
}

/** A headless chromium with one page of the given size; the page's uncaught errors go to errors. */
export async function openPage(errors: string[], viewport = { width: 1500, height: 900 }): Promise<{ browser: Browser; page: Page }> {
  const browser = await launch();
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (e) => errors.push(e.message));
  return { browser, page };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
