/**
 * One compute job over two owners' datasets from the compute page, in Debian's Chromium on a phone's screen against
 * the `npm start` stack: a link naming three datasets puts them in the job; while one's owner allows no provider the
 * others allow there is nothing to pay for, and once it is taken out the price lists each dataset's fee, the
 * minutes once and the total; the job runs once and its results show what each owner was paid. Nothing is wider
 * than the phone. Screenshots are kept in test-results/screenshots.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { eventually, openBrowser, outcome, pageErrors, screenshot, type TestBrowser } from '../helpers/browser';
import { cliResult } from '../helpers/cli';
import type { CliRun } from '../helpers/processes';
import { stackEnv, startStack, stopStack } from '../helpers/stack';

jest.setTimeout(900_000);

/** The demo's compute-only vitals (15 dUSD a job, provider 1 allowed), and a buyer with stablecoin. */
const VITALS = '3';
const BUYER = 2;
/** An account the demo leaves without datasets: the second hospital. */
const OWNER = 6;
const PHONE = { width: 390, height: 844 };

describe('a compute job over two datasets from the compute page, on a phone', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-compute-datasets-'));
  const env = stackEnv(home, { web: 3600, anvil: 9000, ipfs: 5600, keyNodes: 6500, provider: 6620, indexer: 6640 });
  const url = `http://127.0.0.1:${env.DATAGORA_PORT}`;
  let stack: CliRun;
  let browser: TestBrowser;
  let page: Page;
  let ward = '';
  let unallowed = '';

  /** Publishes `file` as compute-only at 2 dUSD a job, any algorithm, with `--providers` when given; returns its id. */
  async function publish(title: string, providers: string[]): Promise<string> {
    const file = path.join(home, `${title.replace(/\W+/g, '-')}.csv`);
    writeFileSync(file, `patient,pulse,oxygen\n${Array.from({ length: 200 }, (_, i) => `W${i},${60 + (i % 40)},${90 + (i % 10)}`).join('\n')}\n`);
    const published = await cliResult(['publish', file, '--title', title, '--licence', 'compute-only', '--compute-price', '2', '--policy', 'any', ...providers, '--account', String(OWNER)], env);
    expect(published.code).toBe(0);
    return /published dataset (\d+)/.exec(published.output)![1]!;
  }

  /** Nothing wider than the phone's screen: a page that scrolls sideways hides its right edge. */
  const fitsThePhone = () => expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(PHONE.width);

  beforeAll(async () => {
    stack = await startStack(env);
    ward = await publish('Ward B vitals', ['--providers', '1']);
    unallowed = await publish('Ward C vitals, no provider', []);
    browser = await openBrowser();
    page = await browser.newPage({ viewport: PHONE });
  });

  afterAll(async () => {
    await browser?.close();
    await stopStack(stack);
    rmSync(home, { recursive: true, force: true });
  });

  /** The <dd> beside the <dt> that reads `term`, in `scope`. */
  const fact = (scope: string, term: string) => page.locator(scope).locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]').innerText();

  it('takes the datasets a link names, offers no provider while one owner allows none the others allow, and prices each dataset, the minutes once and the total', async () => {
    await eventually(page, `${url}/compute?dataset=${VITALS},${ward},${unallowed}`, () => page.getByText('Ward B vitals').first().waitFor({ timeout: 1_000 }));
    await page.getByRole('button', { name: /^connect wallet$/i }).first().click();
    await page.getByText('Dev wallet (local chain)').click();
    await page.getByLabel('Dev account').selectOption(String(BUYER));
    const inTheJob = page.getByRole('list', { name: 'Datasets in the job' });
    await expect(inTheJob.getByRole('listitem').count()).resolves.toBe(3);
    await page.getByText(`No provider is allowed by the owners of all of datasets #${VITALS}, #${ward}, #${unallowed}`).waitFor({ timeout: 30_000 });
    await expect(page.getByRole('button', { name: 'Pay and run the job' }).isDisabled()).resolves.toBe(true);
    await fitsThePhone();

    await page.getByRole('button', { name: `Remove dataset #${unallowed} from the job` }).click();
    await page.getByRole('radio', { name: /^Provider #1/ }).waitFor({ timeout: 30_000 });
    await expect(inTheJob.getByRole('listitem').count()).resolves.toBe(2);
    const price = 'dl[aria-label="Price"]';
    await page.locator(price).getByText(`Data fee of dataset #${ward}`).waitFor({ timeout: 30_000 });
    await expect(fact(price, `Data fee of dataset #${VITALS}`)).resolves.toBe('15 dUSD');
    await expect(fact(price, `Data fee of dataset #${ward}`)).resolves.toBe('2 dUSD');
    await expect(fact(price, 'Compute, up to 10 min × 0.05 dUSD, once')).resolves.toBe('0.5 dUSD');
    await expect(fact(price, 'Paid into escrow now')).resolves.toBe('17.5 dUSD');
    await fitsThePhone();
    await screenshot(page, 'compute-datasets-phone');
    expect(pageErrors(page)).toEqual([]);
  });

  it('runs the job once and shows what each owner was paid', async () => {
    const algorithm = path.join(home, 'rows.py');
    writeFileSync(algorithm, 'import json, os\ndids = json.loads(os.environ["DIDS"])\njson.dump({d: sum(1 for _ in open(f"/data/inputs/{d}/0")) - 1 for d in dids}, open("/data/outputs/rows.json", "w"))\n');
    await page.locator('input[type=file][accept=".py,.js,.mjs,.cjs"]').first().setInputFiles(algorithm);
    await page.getByRole('button', { name: 'Pay and run the job' }).click();
    const open = page.getByRole('button', { name: 'Open the results' });
    await outcome(page, open, 240_000);
    await expect(page.getByText(`Datasets (2, one job each)`).isVisible()).resolves.toBe(true);
    await open.click();
    await page.getByText('Results decrypted and receipt verified').waitFor({ timeout: 60_000 });
    await expect(page.getByText('Each of the 2 jobs, one per dataset, settled on-chain with this receipt’s hash', { exact: false }).isVisible()).resolves.toBe(true);
    // 2.5 % of each fee to the market: 15 → 14.625, 2 → 1.95.
    await expect(fact('main', `Owner of dataset #${VITALS}`)).resolves.toBe('14.625 dUSD');
    await expect(fact('main', `Owner of dataset #${ward}`)).resolves.toBe('1.95 dUSD');
    await fitsThePhone();
    await screenshot(page, 'compute-datasets-results-phone');
    expect(pageErrors(page)).toEqual([]);
  });
});
