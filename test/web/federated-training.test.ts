/**
 * Federated training from the compute page, in Debian's Chromium on a phone's screen against the `npm start` stack
 * (two provider nodes, the demo's two hospitals, each allowing only its own): a buyer picks both hospitals, sees
 * each trained on its own provider with its fee, the total escrow and what the plan spends of each dataset's
 * privacy, pays once with the bundled example local step, watches the rounds complete one after the other with the
 * chart of their loss, downloads the final model and publishes it as derived from both hospitals. Nothing is wider
 * than the phone. The training's picture is kept in test/web/screenshots, the others in test-results/screenshots.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { eventually, openBrowser, outcome, pageErrors, screenshot, type TestBrowser } from '../helpers/browser';
import type { CliRun } from '../helpers/processes';
import { stackEnv, startStack, stopStack } from '../helpers/stack';

jest.setTimeout(900_000);

/** The demo's hospitals: A (4 dUSD a job, provider 1 only) and B (6 dUSD, provider 2 only). */
const HOSPITAL_A = '8';
const HOSPITAL_B = '9';
const BUYER = 2;
const PHONE = { width: 390, height: 844 };

describe('federated training across two hospitals from the compute page, on a phone', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-federated-web-'));
  const env = stackEnv(home, { web: 3700, anvil: 9100, ipfs: 5700, keyNodes: 8100, provider: 7760, indexer: 7780 });
  const url = `http://127.0.0.1:${env.DATAGORA_PORT}`;
  let stack: CliRun;
  let browser: TestBrowser;
  let page: Page;
  /** The final model the training page offered. */
  let trained: number[];

  beforeAll(async () => {
    stack = await startStack(env);
    browser = await openBrowser();
    page = await browser.newPage({ viewport: PHONE });
  });

  afterAll(async () => {
    await browser?.close();
    await stopStack(stack);
    rmSync(home, { recursive: true, force: true });
  });

  /** The <dd> beside the <dt> that reads `term`, in `scope`. */
  const fact = (scope: string, term: string) => page.locator(scope).locator('dt', { hasText: new RegExp(`^${term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).locator('xpath=following-sibling::dd[1]').innerText();
  /** Nothing wider than the phone's screen: a page that scrolls sideways hides its right edge. */
  const fitsThePhone = () => expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(PHONE.width);

  it('trains each hospital on its own provider, prices each dataset and the total, and says what the plan spends', async () => {
    await eventually(page, `${url}/compute?mode=federated&dataset=${HOSPITAL_A},${HOSPITAL_B}`, () => page.getByText('ICU vitals, hospital B').first().waitFor({ timeout: 1_000 }));
    await page.getByRole('button', { name: /^connect wallet$/i }).first().click();
    await page.getByText('Dev wallet (local chain)').click();
    await page.getByLabel('Dev account').selectOption(String(BUYER));
    await expect(page.getByRole('button', { name: 'Federated training' }).getAttribute('aria-pressed')).resolves.toBe('true');

    const where = page.getByRole('list', { name: 'Where each dataset trains' });
    await where.waitFor({ timeout: 30_000 });
    await expect(where.getByRole('listitem').allInnerTexts()).resolves.toEqual([expect.stringMatching(/^#8 ICU vitals, hospital A\ntrains on Provider #1 · /), expect.stringMatching(/^#9 ICU vitals, hospital B\ntrains on Provider #2 · /)]);

    // The default plan: 3 rounds at noise multiplier 1, with the loss reported, spend ε 26.1 of each hospital.
    await expect(page.getByText('Each dataset spends ε 26.1 over 3 rounds (δ 0.00001).').isVisible()).resolves.toBe(true);
    await page.getByLabel('Rounds').fill('2');
    await page.getByLabel('Noise multiplier (z)').fill('0');
    await page.getByText('Without noise there is no differential privacy').waitFor();

    const price = 'dl[aria-label="Price"]';
    await page.locator(price).waitFor({ timeout: 30_000 });
    await expect(fact(price, `Data fee of dataset #${HOSPITAL_A}`)).resolves.toBe('4 dUSD');
    await expect(fact(price, `Data fee of dataset #${HOSPITAL_B}`)).resolves.toBe('6 dUSD');
    await expect(fact(price, 'Provider #1, up to 10 min × 0.05 dUSD')).resolves.toBe('0.5 dUSD');
    await expect(fact(price, 'Provider #2, up to 10 min × 0.05 dUSD')).resolves.toBe('0.5 dUSD');
    await expect(fact(price, 'Paid into escrow now')).resolves.toBe('11 dUSD');
    await expect(fact('dl[aria-label="Privacy"]', `Privacy of dataset #${HOSPITAL_B}`)).resolves.toBe('no differential privacy (noise multiplier 0)');
    await fitsThePhone();
    await screenshot(page, 'federated-form-phone');
    expect(pageErrors(page)).toEqual([]);
  });

  it('shows each round as it completes, then offers the final model for download', async () => {
    // What the page shows as it changes: how many rounds it lists, and whether it offers the final model yet.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const state = `${document.querySelectorAll('[role="region"][aria-label="Rounds"] tbody tr').length} rounds${document.querySelector('a[download]') ? ', model offered' : ''}`;
        if (seen.at(-1) !== state) seen.push(state);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Pay and start training' }).click();
    const download = page.getByRole('link', { name: 'Download the model (JSON)' });
    await outcome(page, download, 240_000);
    // Each round was listed on its own as it completed, before the next, and the model came after the last.
    await expect(page.evaluate(() => (window as unknown as { seen: string[] }).seen)).resolves.toEqual(['0 rounds', '1 rounds', '2 rounds', '2 rounds, model offered']);
    const rounds = page.getByRole('region', { name: 'Rounds', exact: true }).locator('tbody tr');
    await expect(rounds.allInnerTexts()).resolves.toEqual([expect.stringMatching(/^1\tproviders #1, #2\t56 B each\t\d+\.\d s\tnone$/), expect.stringMatching(/^2\tproviders #1, #2\t56 B each\t\d+\.\d s\tnone$/)]);
    await expect(page.getByText(/^5 weights, as the local step reads them: a flat JSON array\. Jobs #\d+, #\d+ settled on-chain with it among their outputs\.$/).isVisible()).resolves.toBe(true);
    // The chart has a bar for each round's loss (its data table, for screen readers, lists them): the zero model the
    // first round starts from scores ln 2 on every row, and a round of training lowers it.
    const chart = page.locator('figure', { hasText: 'Training loss per round' });
    const losses = (await chart.locator('table tbody tr').allInnerTexts()).map((row) => row.split('\t'));
    expect(losses.map(([label]) => label)).toEqual(['Round 1', 'Round 2']);
    expect(losses[0]![1]).toBe('0.693');
    expect(Number(losses[1]![1])).toBeLessThan(0.693);

    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toBe('federated-model.json');
    const model = JSON.parse(readFileSync(await file.path(), 'utf8')) as number[];
    trained = model;
    expect(model).toHaveLength(5);
    expect(model.every(Number.isFinite)).toBe(true);
    // Trained: the weights moved from the zeros the first round started from.
    expect(model.some((weight) => weight !== 0)).toBe(true);

    await fitsThePhone();
    await screenshot(page, 'federated-training-phone');
    // The training's picture, kept in the repository.
    await page.locator('section[aria-labelledby="federated-title"]').screenshot({ path: path.join(__dirname, 'screenshots', 'federated-training.png') });
    expect(pageErrors(page)).toEqual([]);
  });

  it('publishes the final model as derived from both hospitals, each through its own job', async () => {
    const title = 'ICU alert model, federated';
    await page.getByRole('button', { name: 'Publish this model' }).click();
    const form = page.locator('#publish-model');
    await outcome(page, form, 60_000);
    await expect(form.getByText(/^It is registered as derived from dataset #8 \(job #\d+\), dataset #9 \(job #\d+\):/).isVisible()).resolves.toBe(true);
    await form.locator('#model-title').fill(title);
    await form.getByRole('button', { name: 'Publish the model' }).click();
    const view = page.getByRole('link', { name: 'View the model' });
    await outcome(page, view, 120_000);
    const modelUrl = (await view.getAttribute('href'))!;

    // Its page names both hospitals as its parents, each through the job that trained on it.
    const parents = page.getByRole('list', { name: 'Parents' }).getByRole('listitem');
    await eventually(page, `${url}${modelUrl}`, () => parents.first().waitFor({ timeout: 1_000 }));
    await expect(page.getByRole('heading', { name: title }).isVisible()).resolves.toBe(true);
    await expect(parents.allInnerTexts()).resolves.toEqual([expect.stringMatching(/^Dataset #8: ICU vitals, hospital A\n.*trained in compute job \d+$/), expect.stringMatching(/^Dataset #9: ICU vitals, hospital B\n.*trained in compute job \d+$/)]);
    await fitsThePhone();
    await screenshot(page, 'federated-model-page-phone');
    expect(pageErrors(page)).toEqual([]);
  });

  it('lists the training’s jobs among those requested in this browser, and shows one as a federated job: settled, its rounds at its node, its results', async () => {
    await page.goto(`${url}/compute`, { waitUntil: 'networkidle' });
    const rows = page.locator('section[aria-labelledby="local-jobs-title"]').getByRole('listitem');
    const hospitalA = rows.filter({ hasText: /· federated training · dataset #8 on provider #1 · local_logreg\.py ·/ });
    await hospitalA.waitFor({ timeout: 30_000 });
    await expect(rows.filter({ hasText: /· federated training · dataset #9 on provider #2 · local_logreg\.py ·/ }).count()).resolves.toBe(1);
    await hospitalA.getByRole('button', { name: /^Show/ }).click();

    const shown = page.locator('section[aria-labelledby="federated-job-title"]');
    await shown.getByText('finished', { exact: true }).waitFor({ timeout: 30_000 });
    const jobId = (await shown.getByRole('heading', { level: 2 }).innerText()).match(/^Job #(\d+) · federated training/)![1];
    const section = 'section[aria-labelledby="federated-job-title"]';
    // Every job of the run on-chain, this one among them: both settled when the training finished.
    await expect(fact(section, 'Jobs of the run (2, a provider each)')).resolves.toMatch(
      new RegExp(`^#\\d+ · dataset #8 on provider #1 \\(this job\\): settled: [\\d.]+ dUSD paid, [\\d.]+ dUSD back to you\n#\\d+ · dataset #9 on provider #2: settled: [\\d.]+ dUSD paid, [\\d.]+ dUSD back to you$`),
    );
    expect(page.url()).toBe(`${url}/compute?job=${jobId}`);
    // Its session at its node: both rounds released, each attempt with its bytes and wall time, never a value.
    await expect(fact(section, 'Updates released')).resolves.toBe('2 of 2 rounds');
    const attempts = page.getByRole('region', { name: 'Rounds at its node' }).locator('tbody tr');
    await expect(attempts.allInnerTexts()).resolves.toEqual([expect.stringMatching(/^1\treleased\t2 providers\t56 B\t\d+\.\d s$/), expect.stringMatching(/^2\treleased\t2 providers\t56 B\t\d+\.\d s$/)]);

    // Its results, opened with the key this browser kept: the final model the training offered, and the round receipts.
    await shown.getByRole('button', { name: 'Open the results' }).click();
    const modelLink = shown.getByRole('link', { name: 'Download model.json' });
    await outcome(page, modelLink, 60_000);
    await expect(shown.getByRole('list', { name: 'Output files' }).getByRole('listitem').allInnerTexts()).resolves.toEqual([expect.stringMatching(/^model\.json/), expect.stringMatching(/^rounds\.json/)]);
    const [file] = await Promise.all([page.waitForEvent('download'), modelLink.click()]);
    expect(JSON.parse(readFileSync(await file.path(), 'utf8'))).toEqual(trained);
    // One job's results would make the model derive from one hospital alone: it is published from its training.
    await expect(shown.getByRole('button', { name: /^Publish this model/ }).count()).resolves.toBe(0);
    await fitsThePhone();
    await screenshot(page, 'federated-job-phone');
    expect(pageErrors(page)).toEqual([]);
  });
});
