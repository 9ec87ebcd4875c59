/**
 * The web app as people use it, in Debian's Chromium against the `npm start` stack: an owner publishes a file
 * through the wizard (encrypted in the page) and allows the stack's compute provider on it, another publishes
 * compute-only data that runs analysis templates only under a privacy budget, a builder buys a licence and
 * downloads identical bytes (decrypted in the page), the investor's analytics show the sale, and the owner
 * withdraws the provider from the desk; a builder trains a model with the train template on the compute-only vitals
 * and publishes it from the job's results as the vitals' derivative, and the model's page draws its lineage.
 * Screenshots of every page are kept in test-results/screenshots; the lineage picture's also in test/web/screenshots.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { eventually, openBrowser, outcome, pageErrors, screenshot, type TestBrowser } from '../helpers/browser';
import type { CliRun } from '../helpers/processes';
import { stackEnv, startStack, stopStack } from '../helpers/stack';
import { devAccount } from '@/lib/chain';

jest.setTimeout(900_000);

describe('the web app in Chromium', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-web-'));
  const env = stackEnv(home, { web: 3300, anvil: 8690, ipfs: 5300, keyNodes: 7900, provider: 7960, indexer: 7980 });
  const url = `http://127.0.0.1:${env.DATAGORA_PORT}`;
  const file = path.join(home, 'tides.csv');
  const cohort = path.join(home, 'cohort.csv');
  const title = 'Tide heights, three harbours';
  let stack: CliRun;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    writeFileSync(file, 'harbour,hour,height_m\nBrest,0,4.1\nBrest,1,4.6\nCadiz,0,1.2\nOban,0,2.9\n');
    writeFileSync(cohort, 'ward,age,stay_days\nA,71,4\nA,64,2\nB,58,7\nB,80,3\n');
    stack = await startStack(env);
    browser = await openBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stopStack(stack);
    rmSync(home, { recursive: true, force: true });
  });

  async function connectDevWallet(account: number): Promise<void> {
    await page.getByRole('button', { name: /^connect wallet$/i }).click();
    await page.getByText('Dev wallet (local chain)').click();
    await useAccount(account);
  }

  async function useAccount(account: number): Promise<void> {
    await page.getByLabel('Dev account').selectOption(String(account));
  }

  /** The figure under the analytics headline `label`. */
  const headline = (label: string) => page.locator('dt', { hasText: new RegExp(`^${label}$`) }).locator('xpath=following-sibling::dd[1]').innerText();
  /** Compute jobs before the journeys' own: the demo's (it trains a model). */
  let demoJobs = 0;

  it('shows the market, its analytics and providers', async () => {
    await page.goto(url, { waitUntil: 'networkidle' });
    await expect(page.getByRole('heading', { name: 'Datasets' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'market');
    await page.goto(`${url}/analytics`, { waitUntil: 'networkidle' });
    demoJobs = Number(await headline('Compute jobs'));
    await expect(page.getByRole('link', { name: title }).count()).resolves.toBe(0);
    await screenshot(page, 'analytics-before');
    await page.goto(`${url}/providers`, { waitUntil: 'networkidle' });
    await screenshot(page, 'providers');
    await page.goto(`${url}/datasets/1`, { waitUntil: 'networkidle' });
    await screenshot(page, 'dataset-1');
    expect(pageErrors(page)).toEqual([]);
  });

  let datasetUrl = '';

  it('lets an owner publish a file through the wizard, encrypted in the browser', async () => {
    await page.goto(`${url}/publish`, { waitUntil: 'networkidle' });
    await connectDevWallet(7);
    await page.setInputFiles('#file', file);
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    // A step does not go on with a missing title.
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await expect(page.getByText('Give the dataset a title.').isVisible()).resolves.toBe(true);
    await page.fill('#title', title);
    await page.fill('#tags', 'ocean, tides');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await screenshot(page, 'publish-licence');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.fill('#downloadPrice', '7.5');
    // Compute jobs are offered only at a price the owner sets.
    await page.fill('#computePrice', '2');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    // None is allowed until the owner chooses, told that an allowed provider sees the plaintext.
    const provider = page.getByRole('checkbox', { name: 'Provider #1' });
    await expect(provider.isChecked()).resolves.toBe(false);
    await expect(page.getByText('An allowed provider sees your data.').isVisible()).resolves.toBe(true);
    await provider.check();
    await screenshot(page, 'publish-providers');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await expect(page.getByText('Compute providers allowed to see the data: #1.').isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: /Encrypt, upload and publish/ }).click();
    const view = page.getByRole('link', { name: 'View the dataset' });
    await outcome(page, view, 120_000);
    await screenshot(page, 'publish-done');
    datasetUrl = (await view.getAttribute('href'))!;
    expect(datasetUrl).toMatch(/^\/datasets\/\d+$/);
    expect(pageErrors(page)).toEqual([]);
  });

  it('publishes compute-only data that runs analysis templates only, with a privacy budget, and shows both on its page', async () => {
    // A page of its own: another owner's wallet, connected here only.
    const owner = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const next = () => owner.getByRole('button', { name: 'Next', exact: true }).click();
    await owner.goto(`${url}/publish`, { waitUntil: 'networkidle' });
    await owner.getByRole('button', { name: /^connect wallet$/i }).click();
    await owner.getByText('Dev wallet (local chain)').click();
    await owner.getByLabel('Dev account').selectOption('5');
    await owner.setInputFiles('#file', cohort);
    await next();
    await owner.fill('#title', 'Ward stays, compute only');
    await next();
    await owner.getByRole('radio', { name: 'Compute-only (data never leaves)' }).check();
    await next();
    await owner.fill('#computePrice', '3');
    await next();
    // Compute-only data runs templates only unless its owner chooses otherwise; each policy says what it costs.
    await expect(owner.getByRole('radio', { name: /^Analysis templates only/ }).isChecked()).resolves.toBe(true);
    await expect(owner.getByText(/This is leak-resistant, not leak-proof/).isVisible()).resolves.toBe(true);
    await expect(owner.locator('#minGroupSize').inputValue()).resolves.toBe('10');
    await owner.fill('#minGroupSize', '1');
    await owner.fill('#epsilonPerBuyer', '-1');
    await next();
    await expect(owner.getByText('A whole number of rows from 2 to 1,000,000.').isVisible()).resolves.toBe(true);
    await expect(owner.getByText('A positive number up to 1000, e.g. 1 or 0.5; empty for no budget.').isVisible()).resolves.toBe(true);
    await owner.fill('#minGroupSize', '10');
    await owner.fill('#epsilonPerBuyer', '1');
    await owner.getByRole('checkbox', { name: 'Provider #1' }).check();
    await screenshot(owner, 'publish-compute-policy');
    await next();
    await expect(owner.getByText('Compute policy: Analysis templates only · groups of at least 10 rows · ε 1 per buyer').isVisible()).resolves.toBe(true);
    await owner.getByRole('button', { name: /Encrypt, upload and publish/ }).click();
    const view = owner.getByRole('link', { name: 'View the dataset' });
    await outcome(owner, view, 120_000);
    await owner.goto(`${url}${await view.getAttribute('href')}`, { waitUntil: 'networkidle' });
    const compute = owner.locator('#compute');
    await expect(compute.getByText('Compute policy: Analysis templates only').isVisible()).resolves.toBe(true);
    await expect(compute.getByText(/^Only the analysis templates shipped with your providers run/).isVisible()).resolves.toBe(true);
    // The budget as ComputeMarket holds it: the publish set ε 1 per buyer and nothing in total.
    const budget = (term: string) => compute.getByLabel('Release budget').locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]').innerText();
    await expect(budget('ε per buyer')).resolves.toBe('1');
    await expect(budget('ε in all')).resolves.toBe('no limit');
    await expect(compute.getByText('Bytes per job').count()).resolves.toBe(0);
    // The templates the stack's provider node lists in its /environments.
    const templates = compute.getByRole('list', { name: 'Analysis templates' });
    for (const name of ['aggregate', 'histogram', 'correlation', 'train', 'evaluate']) await expect(templates.getByText(name, { exact: true }).isVisible()).resolves.toBe(true);
    await screenshot(owner, 'dataset-templates');
    expect(pageErrors(owner)).toEqual([]);
    await owner.context().close();
  });

  it('lets a builder buy a licence and download identical bytes, decrypted in the browser', async () => {
    await page.goto(`${url}${datasetUrl}`, { waitUntil: 'networkidle' });
    await expect(page.getByRole('heading', { name: title }).isVisible()).resolves.toBe(true);
    // The provider the owner allowed in the wizard, and only it.
    const compute = page.locator('#compute');
    await expect(compute.getByText('The owner allows 1 provider.').isVisible()).resolves.toBe(true);
    await expect(compute.getByRole('list', { name: 'Allowed providers' }).getByText('Provider #1').isVisible()).resolves.toBe(true);
    await useAccount(2);
    await page.getByRole('button', { name: /Buy licence · 7\.5 dUSD/ }).click();
    const download = page.getByRole('button', { name: 'Download' });
    await outcome(page, download, 60_000);
    const saved = page.waitForEvent('download', { timeout: 60_000 });
    await download.click();
    const received = await saved;
    expect(received.suggestedFilename()).toBe('tide-heights-three-harbours.csv');
    expect(readFileSync((await received.path())!)).toEqual(readFileSync(file));
    await expect(page.getByText('Downloaded and verified against the owner’s SHA-256').isVisible()).resolves.toBe(true);
    await screenshot(page, 'dataset-bought');
    expect(pageErrors(page)).toEqual([]);
  });

  it('lets a builder run a compute job on compute-only data and open its results, decrypted in the browser', async () => {
    await page.goto(`${url}/compute?dataset=3`, { waitUntil: 'networkidle' });
    await page.locator('input[type=file][accept=".py,.js,.mjs,.cjs"]').first().setInputFiles(path.join(__dirname, '..', '..', 'examples', 'algorithms', 'train_model.py'));
    await page.getByLabel('Parameters (JSON, optional)').fill('{"target":"alert"}');
    await screenshot(page, 'compute-form');
    await page.getByRole('button', { name: 'Pay and run the job' }).click();
    const open = page.getByRole('button', { name: 'Open the results' });
    await outcome(page, open, 240_000);
    await open.click();
    await page.getByText('Results decrypted and receipt verified').waitFor({ timeout: 60_000 });
    await expect(page.getByRole('link', { name: /Download.*metrics\.json/ }).first().isVisible()).resolves.toBe(true);
    await expect(page.getByText('The released files are exactly the ones the receipt names').isVisible()).resolves.toBe(true);
    await screenshot(page, 'compute-results');
    expect(pageErrors(page)).toEqual([]);
  });

  it('shows the investor the new sale in the analytics', async () => {
    // After: the new dataset among the top sellers, and one compute job more than the demo's.
    await eventually(page, `${url}/analytics`, async () => {
      await expect(page.getByRole('link', { name: title }).first().isVisible()).resolves.toBe(true);
      await expect(headline('Compute jobs')).resolves.toBe(String(demoJobs + 1));
    });
    await screenshot(page, 'analytics-after');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [name, pathname] of [['market-phone', '/'], ['publish-phone', '/publish'], ['my-datasets-phone', '/my-datasets'], ['compute-phone', '/compute'], ['analytics-phone', '/analytics'], ['providers-phone', '/providers'], ['dataset-phone', datasetUrl]] as const) {
      await page.goto(`${url}${pathname}`, { waitUntil: 'networkidle' });
      await screenshot(page, name);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${url}/my-datasets`, { waitUntil: 'networkidle' });
    // The owner's desk as the publisher sees it: the dataset, its sale, the earnings to withdraw.
    await useAccount(7);
    await page.getByRole('heading', { name: 'Your datasets (1)' }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'my-datasets');
    expect(pageErrors(page)).toEqual([]);
  });

  it('lets the owner withdraw a provider from the desk, at once', async () => {
    await page.goto(`${url}/my-datasets`, { waitUntil: 'networkidle' });
    await useAccount(7);
    const providers = page.getByRole('list', { name: `Compute providers of dataset ${datasetUrl.split('/').pop()}` });
    await providers.getByRole('button', { name: 'Withdraw provider #1' }).click({ timeout: 30_000 });
    await outcome(page, providers.getByRole('button', { name: 'Allow provider #1' }), 60_000);
    await expect(page.getByText('No provider is allowed: compute jobs cannot run on this dataset.').isVisible()).resolves.toBe(true);
    await screenshot(page, 'my-datasets-withdrawn');
    await page.goto(`${url}${datasetUrl}`, { waitUntil: 'networkidle' });
    const compute = page.locator('#compute');
    await expect(compute.getByText('No provider is allowed yet: compute jobs cannot run.').isVisible()).resolves.toBe(true);
    await expect(compute.getByText('Provider #1').count()).resolves.toBe(0);
    // The access panel offers no compute job it could not run.
    await expect(page.getByText('Compute jobs cannot run yet: the owner allows no provider.').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: /Run a compute job/ }).count()).resolves.toBe(0);
    expect(pageErrors(page)).toEqual([]);
  });

  it('lets a builder publish a model from a train template job’s results, and draws its lineage on its page and its data’s', async () => {
    const trainer = 8;
    const modelTitle = 'Nurse alert model, logistic';
    await page.goto(`${url}/compute?dataset=3`, { waitUntil: 'networkidle' });
    await useAccount(trainer);
    await page.getByRole('radio', { name: /^Analysis template/ }).check();
    await page.getByRole('radio', { name: /^train/ }).check({ timeout: 30_000 });
    await page.getByLabel(/^Model/).selectOption('logistic');
    await page.getByLabel(/^Target/).selectOption('alert');
    for (const column of ['heart_rate', 'spo2', 'resp_rate']) await page.getByRole('group', { name: 'Features' }).getByLabel(column).check();
    await page.getByRole('button', { name: 'Pay and run the job' }).click();
    const open = page.getByRole('button', { name: 'Open the results' });
    await outcome(page, open, 240_000);
    const jobId = /Job #(\d+)/.exec(await page.locator('#job-title').innerText())![1]!;
    await open.click();
    await page.getByText('Results decrypted and receipt verified').waitFor({ timeout: 60_000 });

    // The trained model, result.json, published from the results: a title is asked for first.
    await page.getByRole('button', { name: /^Publish this model \(.*result\.json\)$/ }).click();
    const form = page.locator('#publish-model');
    await form.getByRole('button', { name: 'Publish the model' }).click();
    await expect(form.getByText('Give the model a title.').isVisible()).resolves.toBe(true);
    await form.locator('#model-title').fill(modelTitle);
    await form.locator('#downloadPrice').fill('12');
    await screenshot(page, 'publish-model');
    await form.getByRole('button', { name: 'Publish the model' }).click();
    const view = page.getByRole('link', { name: 'View the model' });
    await outcome(page, view, 120_000);
    const modelUrl = (await view.getAttribute('href'))!;
    const modelId = modelUrl.split('/').pop()!;

    // Its page: a model, derived from the vitals through the job at the vitals' share, drawn once the indexer reads it.
    const picture = page.getByRole('group', { name: /^Lineage of Model #\d+/ });
    await eventually(page, `${url}${modelUrl}`, () => picture.waitFor({ timeout: 1_000 }));
    await expect(page.getByRole('heading', { name: modelTitle }).isVisible()).resolves.toBe(true);
    await expect(page.locator('header').getByText('Model', { exact: true }).isVisible()).resolves.toBe(true);
    const vitals = 'Dataset #3: Synthetic ICU patient vitals (compute-only)';
    await expect(page.getByRole('list', { name: 'Parents' }).innerText()).resolves.toBe(`${vitals}\n10% of each sale, trained in compute job ${jobId}`);
    await expect(picture.getByRole('link', { name: `${vitals}, parent of this model, receives 10%, through job ${jobId}` }).getAttribute('href')).resolves.toBe('/datasets/3');
    const labels = await picture.locator('text[text-anchor="middle"]').allTextContents();
    expect(labels).toEqual(['10%', `job ${jobId}`]);
    // The file it sells is the job's output its lineage proved.
    await expect(picture.getByText('file differs').count()).resolves.toBe(0);
    // The parent's box above the model's.
    const [parentBox, modelBox] = await Promise.all([picture.getByRole('link').first().boundingBox(), picture.locator('[aria-current="page"]').boundingBox()]);
    expect(parentBox!.y + parentBox!.height).toBeLessThan(modelBox!.y);
    await screenshot(page, 'model-page');

    // The vitals' page draws the model below them, among their derivatives.
    await page.goto(`${url}/datasets/3`, { waitUntil: 'networkidle' });
    const derived = page.getByRole('group', { name: /^Lineage of Dataset #3/ }).getByRole('link', { name: `Model #${modelId}: ${modelTitle}, derived from this dataset, pays it 10%, through job ${jobId}` });
    await expect(derived.getAttribute('href')).resolves.toBe(modelUrl);
    await screenshot(page, 'dataset-lineage');

    // A sale of the model at 12 dUSD pays the vitals' owner 10% of what is left after the 2.5% fee: 1.17 dUSD.
    await page.goto(`${url}${modelUrl}`, { waitUntil: 'networkidle' });
    await useAccount(2);
    await page.getByRole('button', { name: /Buy licence · 12 dUSD/ }).click();
    await outcome(page, page.getByRole('button', { name: 'Download' }), 60_000);
    const figure = (label: string) => page.locator('#lineage dt', { hasText: label }).locator('xpath=following-sibling::dd[1]').innerText();
    await eventually(page, `${url}${modelUrl}`, () => expect(figure('Paid to its ancestors')).resolves.toBe('1.17 dUSD in 1 payment'));
    // The picture and its royalties, kept in the repository as the issue asks.
    await page.locator('#lineage').screenshot({ path: path.join(__dirname, 'screenshots', 'model-lineage.png') });
    await page.goto(`${url}/datasets/3`, { waitUntil: 'networkidle' });
    await expect(page.getByRole('list', { name: 'Derivatives that paid royalties' }).getByRole('listitem').filter({ hasText: modelTitle }).innerText()).resolves.toBe(`#${modelId} ${modelTitle}\n1.17 dUSD`);
    // The web app's routes relay the same answers to any browser; a bad id is a 400 naming it.
    const json = async (pathname: string) => (await page.request.get(`${url}${pathname}`)).json() as Promise<Record<string, unknown>>;
    await expect(json(`/api/datasets/${modelId}/lineage`)).resolves.toMatchObject({ assetId: modelId, edges: [{ parentId: '3', childId: modelId, bps: 1000, jobId }], truncated: false });
    await expect(json('/api/datasets/3/royalties').then((r) => r.fromDerivatives)).resolves.toContainEqual({ assetId: modelId, title: modelTitle, amount: '1170000' });
    const bad = await page.request.get(`${url}/api/datasets/x/royalties`);
    expect([bad.status(), ((await bad.json()) as { parameter: string }).parameter]).toEqual([400, 'datasetId']);
    // The owner route's royalty income: a hostile address is refused the same way, and the service goes on.
    const hostile = await page.request.get(`${url}/api/owners/${encodeURIComponent('0xZZ<script>')}`);
    expect(hostile.status()).toBe(400);
    await expect(json(`/api/owners/${devAccount(4).address}`).then((r) => (r.totals as { royaltyIncome: unknown[] }).royaltyIncome)).resolves.toHaveLength(1);
    // The vitals' owner sees royalties apart from its own sales.
    await page.goto(`${url}/my-datasets`, { waitUntil: 'networkidle' });
    await useAccount(4);
    const income = page.getByRole('region', { name: 'Income so far' });
    await income.getByText('Royalties from derivatives').waitFor({ timeout: 30_000 });
    await expect(income.locator('dt', { hasText: 'Royalties from derivatives' }).locator('xpath=following-sibling::dd[1]').innerText()).resolves.toMatch(/^[1-9][\d,.]* dUSD in \d+ payments?$/);
    await screenshot(page, 'my-datasets-royalties');
    expect(pageErrors(page)).toEqual([]);
  });

  it('shows the vitals owner what the builder’s job released, and lets them change the release budget', async () => {
    await page.goto(`${url}/my-datasets`, { waitUntil: 'networkidle' });
    await useAccount(4);
    const budget = page.getByRole('region', { name: 'Release budget of dataset 3' });
    await budget.waitFor({ timeout: 30_000 });
    const limit = (term: string) => budget.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]').innerText();
    await expect(limit('Bytes per job')).resolves.toBe('16 MB');
    await expect(limit('ε per buyer')).resolves.toBe('no limit');
    // The compute journey's job (account 2): its released bytes count against the budget.
    const cells = budget.getByRole('row', { name: /0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC/ }).getByRole('cell');
    await expect(cells.nth(1).innerText()).resolves.toBe('1');
    await expect(cells.nth(3).innerText()).resolves.toMatch(/^[1-9][\d,.]* (B|kB|MB)$/);
    await budget.getByText('Change the budget').click();
    await budget.getByLabel('ε per buyer').fill('2');
    await budget.getByLabel('kB per buyer').fill('512');
    await budget.getByRole('button', { name: 'Set the budget' }).click();
    await outcome(page, page.getByText('Release budget set: it binds the jobs requested from now on'), 60_000);
    await budget.locator('dd', { hasText: '512 kB' }).waitFor({ timeout: 30_000 });
    await expect(limit('ε per buyer')).resolves.toBe('2');
    await expect(limit('Bytes per job')).resolves.toBe('16 MB');
    await screenshot(page, 'my-datasets-budget');
    expect(pageErrors(page)).toEqual([]);
  });
});
