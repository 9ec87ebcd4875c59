/**
 * An analysis template run from the compute page, in Debian's Chromium against the `npm start` stack: on
 * compute-only data published with the defaults (templates only, groups of at least 10 rows), the form offers no
 * upload of code, checks the template's parameters with the node's own schemas before anything is paid, shows
 * the ε the job spends, and runs aggregate with columns picked from the dataset's schema; the results show the
 * released result.json with its groups. Then a logistic regression trained from the fields, and a model given as
 * numbers uploaded to evaluate. Screenshots are kept in test-results/screenshots.
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

const TITLE = 'Ward stays, templates only';
/** A demo buyer with stablecoin to pay jobs; the owner is an account the demo leaves without datasets. */
const BUYER = 2;
const OWNER = 6;

describe('an analysis template from the compute page in Chromium', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-templates-'));
  const env = stackEnv(home, {
    web: 3560,
    anvil: 8960,
    ipfs: 5560,
    keyNodes: 7200,
    provider: 7260,
    indexer: 7280,
  });
  const url = `http://127.0.0.1:${env.DATAGORA_PORT}`;
  const file = path.join(home, 'stays.csv');
  let stack: CliRun;
  let browser: TestBrowser;
  let page: Page;
  let datasetId = '';

  beforeAll(async () => {
    // Two wards of 15 stays each: both groups pass the default minimum of 10 rows. Stays past 4 days are readmitted.
    const rows = Array.from({ length: 30 }, (_, i) => {
      const stay = (i % 2 === 0 ? 2 : 5) + (i % 3);
      return `${i % 2 === 0 ? 'A' : 'B'},${50 + i},${stay},${stay > 4 ? 1 : 0}`;
    });
    writeFileSync(file, `ward,age,stay_days,readmitted\n${rows.join('\n')}\n`);
    stack = await startStack(env);
    // Published as an owner would with the SDK's CLI, naming no policy: compute-only data runs templates only.
    const published = await cliResult(['publish', file, '--title', TITLE, '--licence', 'compute-only', '--compute-price', '2', '--providers', '1', '--account', String(OWNER)], env);
    expect(published.code).toBe(0);
    expect(published.output).toMatch(/compute policy templates/);
    datasetId = /published dataset (\d+)/.exec(published.output)![1]!;
    browser = await openBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await stopStack(stack);
    rmSync(home, { recursive: true, force: true });
  });

  it('runs the aggregate template with columns picked from the dataset and shows the released groups', async () => {
    // The indexer lists the new dataset among those a job can run on.
    await eventually(page, `${url}/compute?dataset=${datasetId}`, () => page.getByText(TITLE).first().waitFor({ timeout: 1_000 }));
    // The payment panel has a connect button of its own beside the header's.
    await page.getByRole('button', { name: /^connect wallet$/i }).first().click();
    await page.getByText('Dev wallet (local chain)').click();
    await page.getByLabel('Dev account').selectOption(String(BUYER));
    await page.getByText(`The owner of dataset #${datasetId} runs only its providers’ analysis templates`).waitFor({ timeout: 30_000 });
    // No code of the buyer's can be chosen.
    await expect(page.getByRole('radio', { name: /Your own algorithm/ }).count()).resolves.toBe(0);
    await expect(page.locator('input[type=file][accept=".py,.js,.mjs,.cjs"]').count()).resolves.toBe(0);

    // A histogram with no column nor range: the node's schema refuses it in its words, and nothing is paid.
    await page.getByRole('radio', { name: /^histogram/ }).check({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Pay and run the job' }).click();
    const problems = page.getByRole('list', { name: 'Parameter problems' });
    await expect(problems.innerText()).resolves.toMatch(/^column: /m);
    await expect(problems.innerText()).resolves.toMatch(/^range\.0: /m);

    await page.getByRole('radio', { name: /^aggregate/ }).check();
    await page.getByRole('group', { name: 'Group by' }).getByLabel('ward').check();
    // Only numeric columns are summarised.
    const metrics = page.getByRole('group', { name: 'Metrics' });
    await expect(metrics.getByLabel('ward').count()).resolves.toBe(0);
    await metrics.getByLabel('stay_days').check();
    await expect(
      page
        .getByLabel('Template parameters (JSON)')
        .inputValue()
        .then((text) => JSON.parse(text) as unknown),
    ).resolves.toEqual({
      groupBy: ['ward'],
      metrics: [{ column: 'stay_days', stats: ['count', 'mean'] }],
    });
    // Noise-free: the job spends no ε, and the owner set no privacy budget.
    const budget = page.locator('dl[aria-label="Release budget"]');
    await budget.getByText('ε 0').waitFor({ timeout: 30_000 });
    await expect(budget.innerText()).resolves.toMatch(/Privacy budget left to you\s+no limit set/);
    await screenshot(page, 'compute-template-form');

    await page.getByRole('button', { name: 'Pay and run the job' }).click();
    const open = page.getByRole('button', { name: 'Open the results' });
    await outcome(page, open, 240_000);
    await open.click();
    await page.getByText('Results decrypted and receipt verified').waitFor({ timeout: 60_000 });
    const result = JSON.parse(await page.locator('pre[aria-label^="Contents of"][aria-label$="result.json"]').innerText()) as {
      groups: {
        key: string[];
        count: number;
        metrics: { stay_days: { mean: number } };
      }[];
    };
    expect(result.groups.map((group) => [group.key, group.count])).toEqual([
      [['A'], 15],
      [['B'], 15],
    ]);
    expect(result.groups[0]!.metrics.stay_days.mean).toBeLessThan(result.groups[1]!.metrics.stay_days.mean);
    await screenshot(page, 'compute-template-results');
    expect(pageErrors(page)).toEqual([]);
  });

  /** Opens the compute page on the dataset, connected as the buyer, and picks `template`. */
  async function choose(template: string): Promise<void> {
    await page.goto(`${url}/compute?dataset=${datasetId}`, { waitUntil: 'networkidle' });
    const connect = page.getByRole('button', { name: /^connect wallet$/i }).first();
    if (await connect.isVisible()) {
      await connect.click();
      await page.getByText('Dev wallet (local chain)').click();
      await page.getByLabel('Dev account').selectOption(String(BUYER));
    }
    await page.getByRole('radio', { name: new RegExp(`^${template}`) }).check({ timeout: 30_000 });
  }

  /** Pays the chosen job, waits for it, opens its results and returns the released result.json. */
  async function runAndRead(): Promise<Record<string, unknown>> {
    await page.getByRole('button', { name: 'Pay and run the job' }).click();
    const open = page.getByRole('button', { name: 'Open the results' });
    await outcome(page, open, 240_000);
    await open.click();
    await page.getByText('Results decrypted and receipt verified').waitFor({ timeout: 60_000 });
    return JSON.parse(await page.locator('pre[aria-label^="Contents of"][aria-label$="result.json"]').innerText()) as Record<string, unknown>;
  }

  it('trains a logistic regression from the fields and scores a model given as numbers, uploaded as JSON', async () => {
    await choose('train');
    await page.getByLabel(/^Model/).selectOption('logistic');
    await page.getByLabel(/^Target/).selectOption('readmitted');
    const features = page.getByRole('group', { name: 'Features' });
    for (const column of ['age', 'stay_days']) await features.getByLabel(column).check();
    const trained = await runAndRead();
    expect(trained).toMatchObject({ model: 'logistic', coefficients: { age: expect.any(Number), stay_days: expect.any(Number) } });
    expect((trained.coefficients as { stay_days: number }).stay_days).toBeGreaterThan(0);

    // A model trained elsewhere, as numbers: the template scores it with its own code.
    const model = path.join(home, 'model.json');
    writeFileSync(model, JSON.stringify({ model: 'logistic', coefficients: { age: 0, stay_days: 2 }, intercept: -9 }));
    await choose('evaluate');
    await page.getByLabel(/^Target/).selectOption('readmitted');
    for (const column of ['age', 'stay_days']) await page.getByRole('group', { name: 'Features' }).getByLabel(column).check();
    await page.locator('input[type=file][accept=".json,.pkl,.pickle"]').setInputFiles(model);
    const scored = await runAndRead();
    expect(scored).toMatchObject({ task: 'classification', n: 30, metrics: { accuracy: 1 } });
    await screenshot(page, 'compute-template-evaluate');
    expect(pageErrors(page)).toEqual([]);
  });
});
