/**
 * What a buyer reached for after buying, in Debian's Chromium against the `npm start` stack: the dataset page says
 * until when the licence runs; My purchases lists it with the same expiry and the compute job the buyer paid
 * (status, receipt, results), read from the indexer so a fresh browser sees the same; a transaction opens decoded
 * (call, events, gas, block), the owner's page shows their datasets, sales and earnings, and renewing adds the
 * licence's period. Malformed or unknown transaction hashes and owner addresses answer 404. Screenshots of every
 * page, desktop and phone, are kept in test-results/screenshots.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { devAccount } from '@/lib/chain';
import { eventually, openBrowser, outcome, pageErrors, screenshot, type TestBrowser } from '../helpers/browser';
import type { CliRun } from '../helpers/processes';
import { stackEnv, startStack, stopStack } from '../helpers/stack';

jest.setTimeout(900_000);

/** A demo dataset (lib/demo/datasets.ts) that the buyer's account has not bought: non-commercial, 5 dUSD, 365 days. */
const DATASET = { id: 4, title: 'Factory sensor telemetry with fault labels', owner: devAccount(5).address };
/** The demo's compute-only dataset, for the buyer's compute job. */
const COMPUTE_DATASET = { id: 3, title: 'Synthetic ICU patient vitals (compute-only)' };
/** A demo buyer: it bought datasets 1, 2 and 5 in the demo. */
const BUYER = 2;
const YEAR_MS = 365 * 86_400_000;
const TX_HASH = /^0x[0-9a-f]{64}$/;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/** The <dd> beside the <dt> that reads `term`. */
const fact = (scope: Page | Locator, term: string) => scope.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');

/** A phone screenshot of `page` as it is, and back to the desktop. */
async function phoneScreenshot(page: Page, name: string): Promise<void> {
  await page.setViewportSize(PHONE);
  await screenshot(page, name);
  // Nothing wider than the phone's screen: a page that scrolls sideways hides its right edge.
  await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(PHONE.width);
  await page.setViewportSize(DESKTOP);
}

describe('a buyer’s purchases, transactions and owners in Chromium', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-purchases-'));
  const env = stackEnv(home, { web: 3520, anvil: 8920, ipfs: 5520, keyNodes: 7000, provider: 7100, indexer: 7120 });
  const url = `http://127.0.0.1:${env.DATAGORA_PORT}`;
  let stack: CliRun;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack(env);
    browser = await openBrowser();
    page = await browser.newPage({ viewport: DESKTOP });
  });

  afterAll(async () => {
    await browser?.close();
    await stopStack(stack);
    rmSync(home, { recursive: true, force: true });
  });

  async function connectDevWallet(on: Page, account: number): Promise<void> {
    // My purchases has a connect button of its own beside the header's.
    await on.getByRole('button', { name: /^connect wallet$/i }).first().click();
    await on.getByText('Dev wallet (local chain)').click();
    await on.getByLabel('Dev account').selectOption(String(account));
  }

  const licenceRow = (on: Page = page) => on.getByRole('list', { name: 'Licences' }).getByRole('listitem').filter({ hasText: DATASET.title });
  const jobRow = (on: Page = page) => on.getByRole('list', { name: 'Compute jobs' }).getByRole('listitem').filter({ hasText: `Job #${jobId}` });
  /** The expiry a licence row shows (the datetime of its "Valid until" time). */
  const rowExpiry = (on: Page = page) => licenceRow(on).getByText(/^Valid until/).locator('time').getAttribute('datetime');
  let expiresAt = '';
  let renewedAt = '';
  let purchaseTx = '';
  let jobId = '';

  it('tells the buyer on the dataset page that it holds the licence it just bought, and until when', async () => {
    await page.goto(`${url}/datasets/${DATASET.id}`, { waitUntil: 'networkidle' });
    await connectDevWallet(page, BUYER);
    const held = page.getByText(/You hold a licence to this dataset until/);
    await expect(held.count()).resolves.toBe(0);
    await page.getByRole('button', { name: /Buy licence · 5 dUSD/ }).click();
    await outcome(page, page.getByRole('button', { name: 'Download' }), 60_000);
    // Read again with the next block the wallet sees.
    await held.waitFor({ timeout: 30_000 });
    expiresAt = (await held.locator('time').getAttribute('datetime'))!;
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(YEAR_MS - 3_600_000);
    // A date people read, not an ISO stamp.
    await expect(held.locator('time').innerText()).resolves.not.toMatch(/T\d\d:|Z$/);
    // The owner's address opens their page.
    await expect(page.getByRole('link', { name: DATASET.owner }).getAttribute('href')).resolves.toBe(`/owners/${DATASET.owner}`);
    await screenshot(page, 'purchases-dataset-held');
    await phoneScreenshot(page, 'purchases-dataset-held-phone');
    expect(pageErrors(page)).toEqual([]);
  });

  it('pays a compute job on compute-only data and waits for its results', async () => {
    await page.goto(`${url}/compute?dataset=${COMPUTE_DATASET.id}`, { waitUntil: 'networkidle' });
    await page.locator('input[type=file][accept=".py,.js,.mjs,.cjs"]').first().setInputFiles(path.join(__dirname, '..', '..', 'examples', 'algorithms', 'train_model.py'));
    await page.getByLabel('Parameters (JSON, optional)').fill('{"target":"alert"}');
    await page.getByRole('button', { name: 'Pay and run the job' }).click();
    await outcome(page, page.getByRole('button', { name: 'Open the results' }), 240_000);
    jobId = new URL(page.url()).searchParams.get('job')!;
    expect(jobId).toMatch(/^\d+$/);
    expect(pageErrors(page)).toEqual([]);
  });

  it('lists the licence and the job in My purchases: expiry, terms, renewal price; status, receipt, results', async () => {
    await page.getByRole('banner').getByRole('link', { name: 'My purchases' }).click();
    await page.waitForURL(`${url}/purchases`);
    // The indexer follows the chain within a poll or two: the job is settled once its results are out.
    await eventually(page, `${url}/purchases`, async () => {
      await licenceRow().waitFor({ timeout: 10_000 });
      await jobRow().getByText('Delivered', { exact: true }).waitFor({ timeout: 5_000 });
    });
    await expect(rowExpiry()).resolves.toBe(expiresAt);
    const row = licenceRow();
    await expect(row.getByText('non-commercial', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(row.getByText('no commercial use · derivatives · no AI training · transferable').isVisible()).resolves.toBe(true);
    await expect(row.getByText(/bought once, 5 dUSD in all, last on/).isVisible()).resolves.toBe(true);
    await expect(row.getByRole('button', { name: /Renew · 5 dUSD/ }).isVisible()).resolves.toBe(true);
    // The demo's purchases of this account are listed too, and the one job.
    await expect(page.getByRole('heading', { name: 'Licences (4)' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: 'Compute jobs (1)' }).isVisible()).resolves.toBe(true);
    purchaseTx = (await row.getByRole('link', { name: /^0x/ }).last().getAttribute('title'))!;
    expect(purchaseTx).toMatch(TX_HASH);

    const job = jobRow();
    await expect(job.getByRole('link', { name: COMPUTE_DATASET.title }).getAttribute('href')).resolves.toBe(`/datasets/${COMPUTE_DATASET.id}`);
    // Amounts in dUSD, not base units.
    await expect(job.getByText(/^[\d,.]+ dUSD paid into escrow for up to [\d,]+ min · spent [\d,.]+ dUSD, [\d,.]+ dUSD back · \d+ min used$/).isVisible()).resolves.toBe(true);
    const receipt = job.locator('code', { hasText: /^0x/ });
    await expect(receipt.getAttribute('title')).resolves.toMatch(/^0x[0-9a-f]{64}$/);
    // Both transactions: the request and the settlement.
    const txLinks = job.getByRole('link', { name: /^0x/ });
    await expect(txLinks.count()).resolves.toBe(2);
    await expect(job.getByRole('link', { name: 'Open the results and the receipt' }).getAttribute('href')).resolves.toBe(`/compute?job=${jobId}`);
    await screenshot(page, 'purchases');
    await phoneScreenshot(page, 'purchases-phone');
    expect(pageErrors(page)).toEqual([]);
  });

  it('opens the job’s results from My purchases in the browser that paid for it', async () => {
    await jobRow().getByRole('link', { name: 'Open the results and the receipt' }).click();
    await page.waitForURL(`${url}/compute?job=${jobId}`);
    await outcome(page, page.getByRole('button', { name: 'Open the results' }), 30_000);
    expect(pageErrors(page)).toEqual([]);
  });

  it('opens the purchase’s transaction: the buyLicence call and the LicencePurchased event decoded, its gas and block', async () => {
    await page.goto(`${url}/purchases`, { waitUntil: 'networkidle' });
    await licenceRow().getByRole('link', { name: /^0x/ }).last().click();
    await page.waitForURL(`${url}/tx/${purchaseTx}`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Marketplace.buyLicence');
    await expect(page.getByText('Success', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(fact(page, 'Block').innerText()).resolves.toMatch(/^\d+ · [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M UTC$/);
    await expect(fact(page, 'Gas used').innerText()).resolves.toMatch(/^[\d,]+ of [\d,]+$/);
    await expect(fact(page, 'From').getByRole('link', { name: devAccount(BUYER).address }).isVisible()).resolves.toBe(true);
    const call = page.getByLabel('Arguments of buyLicence');
    await expect(call.getByRole('link', { name: String(DATASET.id), exact: true }).isVisible()).resolves.toBe(true);
    await expect(call.getByText('5 dUSD (5000000 base units)').isVisible()).resolves.toBe(true);
    const purchased = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /Marketplace · LicencePurchased/ }) });
    // The licence's expiry as a date, the one the dataset page showed.
    await expect(purchased.locator('time').getAttribute('datetime')).resolves.toBe(expiresAt);
    await expect(purchased.getByRole('link', { name: devAccount(BUYER).address }).isVisible()).resolves.toBe(true);
    await expect(purchased.getByRole('link', { name: DATASET.owner }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: /dUSD · Transfer/ }).first().isVisible()).resolves.toBe(true);
    await screenshot(page, 'purchases-tx');
    await phoneScreenshot(page, 'purchases-tx-phone');
    expect(pageErrors(page)).toEqual([]);
  });

  it('opens the job’s request: the requestJob call and the JobRequested event, decoded', async () => {
    await page.goto(`${url}/purchases`, { waitUntil: 'networkidle' });
    const request = jobRow().getByRole('link', { name: /^0x/ }).first();
    const hash = (await request.getAttribute('title'))!;
    await request.click();
    await page.waitForURL(`${url}/tx/${hash}`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('ComputeMarket.requestJob');
    await expect(page.getByRole('heading', { name: /ComputeMarket · JobRequested/ }).isVisible()).resolves.toBe(true);
    const requested = page.getByLabel('Arguments of JobRequested');
    await expect(requested.getByText(jobId, { exact: true }).first().isVisible()).resolves.toBe(true);
    // The job struct field by field: the dataset's compute price in dUSD, its deadline a date.
    await expect(requested.getByText('15 dUSD (15000000 base units)').isVisible()).resolves.toBe(true);
    await expect(requested.locator('time').getAttribute('datetime')).resolves.toMatch(/^\d{4}-\d\d-\d\dT/);
    await screenshot(page, 'purchases-tx-job');
    await phoneScreenshot(page, 'purchases-tx-job-phone');
    expect(pageErrors(page)).toEqual([]);
  });

  it('opens the owner’s page from the licence: their datasets, sales and earnings', async () => {
    await page.goto(`${url}/purchases`, { waitUntil: 'networkidle' });
    await licenceRow().getByRole('link', { name: /^0x/ }).first().click();
    await page.waitForURL(`${url}/owners/${DATASET.owner}`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(DATASET.owner);
    const datasets = page.getByRole('region', { name: 'Datasets' });
    await expect(datasets.getByRole('link', { name: new RegExp(DATASET.title) }).isVisible()).resolves.toBe(true);
    // The demo's sale of this dataset and the buyer's, 5 dUSD each.
    await expect(fact(page, 'Licences sold').first().innerText()).resolves.toBe('2');
    await expect(fact(page, 'Licence revenue').first().innerText()).resolves.toBe('10 dUSD');
    await expect(page.getByText(/^[\d.]+ dUSD after the market fee$/).isVisible()).resolves.toBe(true);
    await screenshot(page, 'purchases-owner');
    await phoneScreenshot(page, 'purchases-owner-phone');
    expect(pageErrors(page)).toEqual([]);
  });

  it('links owners from the catalogue cards, above the card’s own link', async () => {
    await page.goto(url, { waitUntil: 'networkidle' });
    const card = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: new RegExp(DATASET.title) }) });
    await card.getByRole('link', { name: /^0x/ }).click();
    await page.waitForURL(`${url}/owners/${DATASET.owner}`);
    expect(pageErrors(page)).toEqual([]);
  });

  it('renews the licence from My purchases: the period is added to what is left', async () => {
    await page.goto(`${url}/purchases`, { waitUntil: 'networkidle' });
    await licenceRow().getByRole('button', { name: /Renew · 5 dUSD/ }).click();
    await outcome(page, licenceRow().getByText('Renewed: the new expiry is shown'), 60_000);
    renewedAt = new Date(Date.parse(expiresAt) + YEAR_MS).toISOString();
    await expect(rowExpiry()).resolves.toBe(renewedAt);
    await expect(licenceRow().getByText(/bought 2 times, 10 dUSD in all/).isVisible()).resolves.toBe(true);
    await screenshot(page, 'purchases-renewed');
    // The dataset page reads the new expiry too.
    await page.goto(`${url}/datasets/${DATASET.id}`, { waitUntil: 'networkidle' });
    const held = page.getByText(/You hold a licence to this dataset until/);
    await held.waitFor({ timeout: 30_000 });
    await expect(held.locator('time').getAttribute('datetime')).resolves.toBe(renewedAt);
    expect(pageErrors(page)).toEqual([]);
  });

  it('shows the same purchases in a fresh browser, read from the indexer; results open only where the job was paid', async () => {
    const fresh = await browser.newPage({ viewport: DESKTOP });
    await fresh.goto(`${url}/purchases`, { waitUntil: 'networkidle' });
    await fresh.getByRole('heading', { name: 'Connect your wallet' }).waitFor({ timeout: 30_000 });
    await screenshot(fresh, 'purchases-connect');
    await connectDevWallet(fresh, BUYER);
    await licenceRow(fresh).waitFor({ timeout: 30_000 });
    await expect(rowExpiry(fresh)).resolves.toBe(renewedAt);
    await expect(fresh.getByRole('heading', { name: 'Licences (4)' }).isVisible()).resolves.toBe(true);
    await expect(jobRow(fresh).getByText('Delivered', { exact: true }).isVisible()).resolves.toBe(true);
    await jobRow(fresh).getByRole('link', { name: 'Open the results and the receipt' }).click();
    await fresh.waitForURL(`${url}/compute?job=${jobId}`);
    await fresh.getByText(`Job #${jobId} was not requested in this browser`).waitFor({ timeout: 30_000 });
    // Account 6 publishes in the demo and has bought nothing.
    await fresh.goto(`${url}/purchases`, { waitUntil: 'networkidle' });
    await fresh.getByLabel('Dev account').selectOption('6');
    await fresh.getByRole('heading', { name: 'Licences (0)' }).waitFor({ timeout: 30_000 });
    await expect(fresh.getByText('No licences yet').isVisible()).resolves.toBe(true);
    await expect(fresh.getByText('No compute jobs yet').isVisible()).resolves.toBe(true);
    await screenshot(fresh, 'purchases-empty');
    await phoneScreenshot(fresh, 'purchases-empty-phone');
    expect(pageErrors(fresh)).toEqual([]);
    await fresh.context().close();
  });

  it('answers 404 for a malformed or unknown transaction hash and a malformed owner address', async () => {
    for (const pathname of ['/tx/0xzz', '/tx/0x1234', `/tx/0x${'0'.repeat(64)}`, `/tx/${purchaseTx}00`, '/owners/abc', '/owners/not-an-address', `/owners/${DATASET.owner}00`]) {
      const response = await fetch(`${url}${pathname}`);
      expect({ pathname, status: response.status }).toEqual({ pathname, status: 404 });
    }
    expect((await fetch(`${url}/api/purchases/0x1234`)).status).toBe(400);
    for (const [name, pathname] of [['purchases-tx-404', '/tx/0xzz'], ['purchases-owner-404', '/owners/abc']] as const) {
      await page.goto(`${url}${pathname}`, { waitUntil: 'networkidle' });
      await screenshot(page, name);
      await phoneScreenshot(page, `${name}-phone`);
    }
    await expect(page.getByRole('heading', { name: 'Not an owner’s address' }).isVisible()).resolves.toBe(true);
  });
});
