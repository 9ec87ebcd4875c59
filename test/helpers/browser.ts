/**
 * Debian's Chromium driven by playwright-core, for browser tests and the web benchmark: every page gets a
 * fresh context (empty cache, no cookies) and records its console and page errors.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { DatagoraError } from '@/lib/errors';
import { ROOT } from './processes';

/** Flags for a quiet, reproducible headless Chromium (no GPU, no sandbox in CI containers, no background traffic). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class ChromiumMissingError extends DatagoraError {
  constructor(file: string) {
    super(`no Chromium at ${file}`, '`sudo apt-get install chromium` (Debian), or point DATAGORA_CHROMIUM at a Chromium binary');
  }
}

/** The Chromium binary: DATAGORA_CHROMIUM or Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  const file = process.env.DATAGORA_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(file)) throw new ChromiumMissingError(file);
  return file;
}

export interface TestBrowser {
  browser: Browser;
  /** A page in a context of its own (the browser's close() closes them all). */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

const errorsByPage = new WeakMap<Page, string[]>();

/** Launches headless Chromium; playwright gives it a temporary profile directory and deletes it on close. */
export async function openBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS });
  return {
    browser,
    async newPage(options) {
      const context = await browser.newContext(options);
      const page = await context.newPage();
      const errors: string[] = [];
      errorsByPage.set(page, errors);
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
      });
      page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
      return page;
    },
    close: () => browser.close(),
  };
}

/** Console errors and uncaught exceptions of a page opened by `newPage`, in order. */
export function pageErrors(page: Page): string[] {
  return errorsByPage.get(page) ?? [];
}

export function expectNoConsoleErrors(page: Page): void {
  expect(pageErrors(page)).toEqual([]);
}

/** Waits for `success` on `page`; a failure the page reports instead (role=alert) fails the test with its words. */
export async function outcome(page: Page, success: Locator, timeout: number): Promise<void> {
  const failure = page.locator('main [role="alert"]').first();
  // The failure branch outlives the success branch, so a plain timeout is reported as one.
  const reported = failure.waitFor({ timeout: timeout + 5_000 }).then(
    async () => Promise.reject(new Error(`the page reports: ${await failure.innerText()}`)),
    () => new Promise<void>(() => undefined),
  );
  reported.catch(() => undefined); // an alert after the success is for a later step to see
  await Promise.race([success.waitFor({ timeout }), reported]);
}

/** Loads `href` until `check` passes (about 10 s at most): the indexer follows the chain within a poll or two. */
export async function eventually(page: Page, href: string, check: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await page.goto(href, { waitUntil: 'networkidle' });
    try {
      return await check();
    } catch (error) {
      if (attempt >= 20) throw error;
      await page.waitForTimeout(500);
    }
  }
}

/** Saves a full-page PNG as test-results/screenshots/<name>.png (CI keeps test-results/); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ROOT, 'test-results', 'screenshots', `${name}.png`);
  mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
