/**
 * What a new user found in the web app, in Debian's Chromium against the `npm start` stack: unknown dataset
 * addresses answer 404; the wizard says why a CSV looks binary, refuses an empty file, offers compute jobs only
 * at a price the owner sets and shows every price before publishing; what one dev account did is not shown to
 * the next; amounts and sizes are written one way; the connect button keeps its words when the wallet loads; and
 * on a phone the search and the first dataset are on the first screen. Screenshots go to test-results/screenshots.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, outcome, pageErrors, screenshot, type TestBrowser } from '../helpers/browser';
import type { CliRun } from '../helpers/processes';
import { stackEnv, startStack, stopStack } from '../helpers/stack';

jest.setTimeout(900_000);

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

describe('the web app for a new user', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-new-user-'));
  const env = stackEnv(home, { web: 3440, anvil: 8840, ipfs: 5440, keyNodes: 6300, provider: 6420, indexer: 6440 });
  const url = `http://127.0.0.1:${env.DATAGORA_PORT}`;
  const file = path.join(home, 'buoys.csv');
  let stack: CliRun;
  let browser: TestBrowser;

  beforeAll(async () => {
    writeFileSync(file, 'buoy,hour,wave_m\nB1,0,1.2\nB2,0,0.8\n');
    stack = await startStack(env);
    browser = await openBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stopStack(stack);
    rmSync(home, { recursive: true, force: true });
  });

  const desktop = () => browser.newPage({ viewport: DESKTOP, acceptDownloads: true });
  const next = (page: Page) => page.getByRole('button', { name: 'Next', exact: true }).click();

  it('answers 404 for a dataset address that is not a number or has no dataset, pages and API alike', async () => {
    for (const pathname of ['/datasets/999', '/datasets/abc', '/datasets/0', '/datasets/01']) {
      const response = await fetch(`${url}${pathname}`);
      expect({ pathname, status: response.status }).toEqual({ pathname, status: 404 });
      expect(await response.text()).toContain('No such dataset');
    }
    expect((await fetch(`${url}/datasets/1`)).status).toBe(200);
    for (const pathname of ['/api/datasets/999/access', '/api/datasets/abc/access']) {
      const response = await fetch(`${url}${pathname}`);
      expect({ pathname, status: response.status }).toEqual({ pathname, status: 404 });
      await expect(response.json()).resolves.toMatchObject({ message: expect.stringMatching(/^there is no dataset/) });
    }
  });

  it('keeps the connect button’s words from the server’s HTML to the loaded wallet', async () => {
    const server = await browser.newPage({ javaScriptEnabled: false });
    await server.goto(`${url}/publish`);
    await expect(server.getByRole('banner').getByRole('button').innerText()).resolves.toBe('Connect wallet');
    const page = await desktop();
    await page.goto(`${url}/publish`, { waitUntil: 'networkidle' });
    // RainbowKit's own button, which replaces the server's once the wallet's code has loaded.
    const loaded = page.getByRole('banner').getByTestId('rk-connect-button');
    await loaded.waitFor({ timeout: 60_000 });
    await expect(loaded.innerText()).resolves.toBe('Connect wallet');
    expect(pageErrors(page)).toEqual([]);
  });

  it('says why a CSV looks binary and refuses an empty file on the file step', async () => {
    const page = await desktop();
    await page.goto(`${url}/publish`, { waitUntil: 'networkidle' });
    await page.setInputFiles('#file', { name: 'readings.csv', mimeType: 'text/csv', buffer: Buffer.from('sensor,value\ns1,\x00\x01\x02\n') });
    await expect(page.getByRole('status').filter({ hasText: 'looks binary' }).innerText()).resolves.toBe('readings.csv looks binary (NUL bytes in the file): published without a preview or columns');
    await page.setInputFiles('#file', { name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) });
    await next(page);
    await expect(page.getByText('empty.csv is empty: 0 bytes, nothing to publish — choose a file that holds the data.').isVisible()).resolves.toBe(true);
    // The notice was the other file's: it does not stay beside this one.
    await expect(page.getByText('looks binary').count()).resolves.toBe(0);
    await screenshot(page, 'new-user-publish-empty-file');
    expect(pageErrors(page)).toEqual([]);
  });

  it('offers compute jobs only at a price the owner sets, and shows every price before publishing', async () => {
    const page = await desktop();
    await page.goto(`${url}/publish`, { waitUntil: 'networkidle' });
    await page.setInputFiles('#file', file);
    await next(page);
    await page.fill('#title', 'Wave heights, two buoys');
    await next(page);
    await next(page);
    await expect(page.locator('#computePrice').inputValue()).resolves.toBe('');
    await page.fill('#downloadPrice', '');
    await next(page);
    await expect(page.getByText('enter a price', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.getByText('invalid price ""').count()).resolves.toBe(0);
    await page.fill('#downloadPrice', '1250');
    await next(page);
    await expect(page.getByText('With no compute price this dataset takes no compute jobs', { exact: false }).isVisible()).resolves.toBe(true);
    await next(page);
    const prices = page.getByRole('list', { name: 'Prices' });
    await expect(prices.innerText()).resolves.toBe('Download licence: 1,250 dUSD\nCompute job: not offered (no compute price)');
    await screenshot(page, 'new-user-review-download-only');
    // Back to the prices: with a compute price the review shows both.
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Back' }).click();
    await page.fill('#computePrice', '2.5');
    await next(page);
    await next(page);
    await expect(prices.innerText()).resolves.toBe('Download licence: 1,250 dUSD\nCompute job: 2.5 dUSD per job, besides the provider’s time');
    expect(pageErrors(page)).toEqual([]);
  });

  it('shows what one dev account did only to that account, and its balance with thousands grouped', async () => {
    const page = await desktop();
    const useAccount = (account: number) => page.getByLabel('Dev account').selectOption(String(account));
    // Dataset 1 of the demo: account 2 holds a licence, account 3 none.
    await page.goto(`${url}/datasets/1`, { waitUntil: 'networkidle' });
    await page.getByRole('banner').getByRole('button', { name: 'Connect wallet' }).click();
    await page.getByText('Dev wallet (local chain)').click();
    await useAccount(2);
    const download = page.getByRole('button', { name: 'Download' });
    await download.waitFor({ timeout: 30_000 });
    const saved = page.waitForEvent('download', { timeout: 60_000 });
    await download.click();
    const verified = page.getByText('Downloaded and verified against the owner’s SHA-256');
    await outcome(page, verified, 60_000);
    await saved;
    await useAccount(3);
    await page.getByRole('button', { name: /^Buy licence/ }).waitFor({ timeout: 30_000 });
    await expect(verified.count()).resolves.toBe(0);
    await useAccount(2);
    await download.waitFor({ timeout: 30_000 });
    await expect(verified.count()).resolves.toBe(0);
    // The compute form quotes the account's balance as every amount is written: 1,000,000 dUSD less what it spent.
    await page.goto(`${url}/compute?dataset=3`, { waitUntil: 'networkidle' });
    const balance = page.getByText(/You hold /);
    await balance.waitFor({ timeout: 30_000 });
    expect(await balance.innerText()).toMatch(/You hold 9\d\d,\d{3}(\.\d+)? dUSD\./);
    expect(pageErrors(page)).toEqual([]);
  });

  it('writes sizes in B, kB, MB or GB in the catalogue', async () => {
    const page = await desktop();
    await page.goto(url, { waitUntil: 'networkidle' });
    const sizes = await page.locator('#datasets li').getByText(/^(csv|jsonl) · /).allInnerTexts();
    expect(sizes).toHaveLength(8);
    for (const size of sizes) expect(size).toMatch(/^(csv|jsonl) · [1-9][\d.]* (B|kB|MB|GB) · [\d,]+ rows$/);
    // Most of the demo's files are under a megabyte: kB, where the catalogue wrote "0.9 MB" or "1 MB".
    expect(sizes.filter((size) => / kB /.test(size)).length).toBeGreaterThan(1);
    await screenshot(page, 'new-user-market-desktop');
    expect(pageErrors(page)).toEqual([]);
  });

  it('puts the search and the first dataset on a phone’s first screen, and no page scrolls sideways', async () => {
    const page = await browser.newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
    await page.goto(url, { waitUntil: 'networkidle' });
    await screenshot(page, 'new-user-market-phone');
    const search = (await page.getByRole('searchbox', { name: 'Search' }).boundingBox())!;
    const firstCard = (await page.locator('#datasets li').first().boundingBox())!;
    // Measured from the top of the page, as the first screen shows it before any scrolling.
    expect(search.y + search.height).toBeLessThanOrEqual(PHONE.height);
    expect(firstCard.y + firstCard.height).toBeLessThanOrEqual(PHONE.height);
    for (const pathname of ['/', '/publish', '/datasets/1', '/datasets/999', '/compute', '/analytics', '/providers', '/my-datasets']) {
      await page.goto(`${url}${pathname}`, { waitUntil: 'networkidle' });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect({ pathname, width }).toEqual({ pathname, width: PHONE.width });
    }
    // The browser reports the unknown dataset's 404 as a console error: the answer wanted.
    expect(pageErrors(page).filter((error) => !error.includes(`404 (Not Found) (${url}/datasets/999)`))).toEqual([]);
  });
});
