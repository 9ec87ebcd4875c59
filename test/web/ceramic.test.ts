/**
 * The same market on the Ceramic metadata adapter, as a user runs it: `datagora start` with
 * DATAGORA_METADATA=ceramic against a real js-ceramic node seeds the demo market there, and in Chromium an owner
 * publishes through the wizard and then a new version from their desk; the wallet signs one Ceramic session
 * (SIWE) and each document (EIP-712). Each version is a commit of the dataset's stream, anchored on-chain.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Health } from '@/lib/health';
import { DAG_JOSE_CODEC, parseCid } from '@/lib/metadata/cid';
import { eventually, openBrowser, outcome, pageErrors, screenshot, type TestBrowser } from '../helpers/browser';
import { startCeramicNode, type CeramicNode } from '../helpers/ceramic';
import { runCli, type CliRun } from '../helpers/processes';
import { stackEnv, startStack, stopStack } from '../helpers/stack';

jest.setTimeout(900_000);

describe('the market on Ceramic, in Chromium', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-ceramic-web-'));
  const ports = { web: 3360, anvil: 8760, ipfs: 5360, keyNodes: 6600, provider: 6700, indexer: 6720 };
  let env: Record<string, string>;
  let url: string;
  const file = path.join(home, 'currents.csv');
  let node: CeramicNode;
  let stack: CliRun;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    writeFileSync(file, 'strait,knots\nGibraltar,2.5\nMessina,4.0\n');
    node = await startCeramicNode();
    env = { ...stackEnv(home, ports), DATAGORA_METADATA: 'ceramic', DATAGORA_CERAMIC_URL: node.url };
    url = `http://127.0.0.1:${env.DATAGORA_PORT}`;
    stack = await startStack(env);
    browser = await openBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 1_500_000);

  afterAll(async () => {
    await browser?.close();
    await stopStack(stack);
    await node?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('seeds the demo market on Ceramic and reports the node in its health', async () => {
    const health = (await (await fetch(`${url}/api/health`)).json()) as Health;
    expect(health.status).toBe('ok');
    expect(health.components.metadata).toMatchObject({ status: 'ok', details: { adapter: 'ceramic', url: node.url, model: expect.stringMatching(/^kjz/) } });
    await page.goto(`${url}/datasets/1`, { waitUntil: 'networkidle' });
    const cids = (await page.locator('main').innerText()).match(/bag[a-z2-7]{50,}/g) ?? [];
    expect(cids.some((cid) => parseCid(cid)?.codec === DAG_JOSE_CODEC)).toBe(true);
    expect(pageErrors(page)).toEqual([]);
  });

  it('publishes through the wizard and then a new version from the owner’s desk, each a commit of one stream', async () => {
    await page.goto(`${url}/publish`, { waitUntil: 'networkidle' });
    await page.getByRole('button', { name: /^connect wallet$/i }).click();
    await page.getByText('Dev wallet (local chain)').click();
    await page.getByLabel('Dev account').selectOption('7');
    await page.setInputFiles('#file', file);
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.fill('#title', 'Strait currents');
    await page.fill('#tags', 'ocean');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.fill('#downloadPrice', '2');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    // The Providers step: this dataset allows none (no compute job can run on it), which is the default.
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.getByRole('button', { name: /Encrypt, upload and publish/ }).click();
    const view = page.getByRole('link', { name: 'View the dataset' });
    await outcome(page, view, 120_000);
    const v1 = (await page.locator('main').innerText()).match(/bagcqcera[a-z2-7]+/)?.[0];
    expect(v1).toBeDefined();
    const datasetUrl = (await view.getAttribute('href'))!;

    // The desk reads what the indexer has, once per page load; the indexer lists the dataset a poll or two after it.
    await eventually(page, `${url}/my-datasets`, async () => {
      await page.getByLabel('Dev account').selectOption('7');
      await page.getByRole('heading', { name: 'Your datasets (1)' }).waitFor({ timeout: 5_000 });
    });
    await page.getByRole('button', { name: 'New version' }).click();
    const form = page.getByRole('form', { name: /New version of dataset/ });
    await form.locator('input[name=title]').fill('Strait currents, spring tides');
    await form.getByRole('button', { name: /Sign and publish version 2/ }).click();
    await form.waitFor({ state: 'detached', timeout: 60_000 });
    await screenshot(page, 'ceramic-my-datasets');

    await eventually(page, `${url}${datasetUrl}`, () => expect(page.getByRole('heading', { name: 'Strait currents, spring tides' }).isVisible()).resolves.toBe(true));
    const commits = new Set((await page.locator('main').innerText()).match(/bagcqcera[a-z2-7]+/g));
    expect(commits.has(v1!)).toBe(true);
    expect(commits.size).toBe(2);
    await screenshot(page, 'ceramic-dataset');
    expect(pageErrors(page)).toEqual([]);
  });

  it('the CLI reads the same documents', async () => {
    const run = runCli(['show', '1'], env);
    expect(await run.exit).toBe(0);
    expect(run.output()).toMatch(/bagcqcera/);
  });
});
