/**
 * The web app as a user gets it: `datagora start` (the production build) on ports of its own, then how many
 * visitors its pages serve at once (against the search API's figures as the baseline of the same run), what a
 * first visit costs — the JavaScript each page loads, compressed as served and uncompressed — and Lighthouse's
 * performance score of the market page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch } from 'chrome-launcher';
import type { Request } from 'playwright-core';
import type { Result } from 'lighthouse';
import { CHROMIUM_FLAGS, chromiumPath, openBrowser, pageErrors } from '../test/helpers/browser';
import { runCli } from '../test/helpers/processes';
import { load } from './load';
import type { PublishFigure } from './publish';

/** The market page (with the target) first, then the other pages where the app has them. */
const ROUTES = ['/', '/datasets/1', '/publish', '/analytics'];
const FIRST_LOAD_TARGET_KB = 250;
const LIGHTHOUSE_TARGET = 90;
/** Lighthouse scores vary run to run: the run nearest the median (Lighthouse's own pick) of this many counts. */
const LIGHTHOUSE_RUNS = 3;
/** A first start builds the app; on a busy 2-core machine that takes minutes. */
const START_MS = 900_000;
const KB = 1000;
/** The search API first, as the baseline the pages are read against; a download dataset and a compute-only one. */
const LOADED_ROUTES = ['/api/datasets', '/', '/datasets/1', '/datasets/3'];
const LOAD_CONNECTIONS = 50;
const LOAD_SECONDS = 10;
const PAGE_RATE_TARGET = 300;
const PAGE_P99_TARGET_MS = 500;

interface ScriptSize {
  /** Body bytes received (gzip as Next serves them, plus chunked-encoding framing): CDP's encodedDataLength less the headers. */
  transferred: number;
  /** Body bytes after decompression. */
  decoded: number;
  encoding: string;
}

async function scriptSize(request: Request): Promise<ScriptSize> {
  const response = (await request.response())!;
  const [sizes, body] = await Promise.all([request.sizes(), response.body()]);
  return { transferred: sizes.responseBodySize, decoded: body.length, encoding: response.headers()['content-encoding'] ?? 'identity' };
}

/** Kilobytes (1,000 bytes, as Next's build output counts them) to one decimal. */
const kb = (bytes: number) => Math.round((bytes / KB) * 10) / 10;

/** Every script each route loads until the network is idle, each route in a fresh context (empty cache). */
async function firstLoadJavaScript(url: string): Promise<PublishFigure[]> {
  const browser = await openBrowser();
  const rows: PublishFigure[] = [];
  try {
    for (const route of ROUTES) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const scripts: Promise<ScriptSize>[] = [];
      page.on('requestfinished', (request) => {
        if (request.resourceType() === 'script') scripts.push(scriptSize(request));
      });
      const status = (await page.goto(url + route, { waitUntil: 'networkidle' }))?.status();
      const sizes = await Promise.all(scripts);
      const errors = pageErrors(page).length;
      await page.close();
      if (status !== 200) {
        if (route === '/') throw new Error(`the market page answered ${status}`);
        console.log(`web: ${route} answered ${status}; not measured`);
        continue;
      }
      const encodings = [...new Set(sizes.map((s) => s.encoding))].join(', ');
      const note = `${sizes.length} scripts (${encodings})${errors > 0 ? `; console errors: ${errors}` : ''}`;
      const target = route === '/' ? FIRST_LOAD_TARGET_KB : undefined;
      rows.push(
        { name: `first-load JS ${route}, compressed as transferred`, value: kb(sizes.reduce((sum, s) => sum + s.transferred, 0)), unit: 'kB', target, note },
        { name: `first-load JS ${route}, uncompressed`, value: kb(sizes.reduce((sum, s) => sum + s.decoded, 0)), unit: 'kB' },
      );
    }
  } finally {
    await browser.close();
  }
  return rows;
}

/**
 * Each route under LOAD_CONNECTIONS concurrent clients for LOAD_SECONDS, after a short warm-up (the first
 * visits compile nothing in a production build, but fill the caches a visitor would find filled).
 */
async function pageLoad(url: string): Promise<PublishFigure[]> {
  const rows: PublishFigure[] = [];
  let baseline: number | undefined;
  for (const route of LOADED_ROUTES) {
    await load(url + route, { connections: LOAD_CONNECTIONS, seconds: 1 });
    const result = await load(url + route, { connections: LOAD_CONNECTIONS, seconds: LOAD_SECONDS });
    const page = !route.startsWith('/api/');
    baseline ??= result.rate;
    const note = `${result.requests} requests, ${LOAD_CONNECTIONS} clients${page ? `; ${Math.round((result.rate / baseline) * 100)}% of the search API's rate` : ''}`;
    rows.push(
      { name: `${route} under load, answers per second`, value: result.rate, unit: 'req/s', ...(page ? { target: PAGE_RATE_TARGET, atLeast: true } : {}), note },
      { name: `  ${route} median latency`, value: result.p50, unit: 'ms' },
      { name: `  ${route} 99th percentile latency`, value: result.p99, unit: 'ms', ...(page ? { target: PAGE_P99_TARGET_MS } : {}) },
      { name: `  ${route} errors (not 200)`, value: result.errors, unit: '', target: 0 },
    );
  }
  return rows;
}

/** Lighthouse's performance category on `url` with its default (mobile) settings or its desktop preset. */
async function lighthouseRun(url: string, preset: 'mobile' | 'desktop'): Promise<Result> {
  const { default: lighthouse, desktopConfig } = await import('lighthouse');
  const { computeMedianRun } = await import('lighthouse/core/lib/median-run.js');
  // chrome-launcher gives Chromium a temporary profile and deletes it on kill.
  const chrome = await launch({ chromePath: chromiumPath(), chromeFlags: [...CHROMIUM_FLAGS, '--headless=new'] });
  try {
    const runs: Result[] = [];
    for (let i = 0; i < LIGHTHOUSE_RUNS; i++) {
      const result = await lighthouse(url, { port: chrome.port, onlyCategories: ['performance'], logLevel: 'error' }, preset === 'desktop' ? desktopConfig : undefined);
      if (!result || result.lhr.runtimeError) throw new Error(`Lighthouse failed on ${url}: ${result?.lhr.runtimeError?.message ?? 'no result'}`);
      runs.push(result.lhr);
    }
    return computeMedianRun(runs);
  } finally {
    chrome.kill();
  }
}

async function lighthouseFigures(url: string): Promise<PublishFigure[]> {
  const rows: PublishFigure[] = [];
  for (const preset of ['mobile', 'desktop'] as const) {
    const lhr = await lighthouseRun(url, preset);
    const { throttling, throttlingMethod } = lhr.configSettings;
    const conditions = `${throttlingMethod} ${throttling.rttMs} ms RTT, ${throttling.throughputKbps} kbps, CPU ×${throttling.cpuSlowdownMultiplier}`;
    const ms = (audit: string) => Math.round(lhr.audits[audit]?.numericValue ?? NaN);
    rows.push(
      {
        name: `Lighthouse performance /, ${preset}`,
        value: Math.round((lhr.categories.performance?.score ?? NaN) * 100),
        unit: '/ 100',
        // The target holds for Lighthouse's default, the stricter mobile emulation.
        ...(preset === 'mobile' ? { target: LIGHTHOUSE_TARGET, atLeast: true } : {}),
        note: `median of ${LIGHTHOUSE_RUNS}; ${conditions}; benchmarkIndex ${Math.round(lhr.environment.benchmarkIndex)}`,
      },
      { name: `  first contentful paint, ${preset}`, value: ms('first-contentful-paint'), unit: 'ms' },
      { name: `  largest contentful paint, ${preset}`, value: ms('largest-contentful-paint'), unit: 'ms' },
      { name: `  total blocking time, ${preset}`, value: ms('total-blocking-time'), unit: 'ms' },
      { name: `  cumulative layout shift, ${preset}`, value: Math.round((lhr.audits['cumulative-layout-shift']?.numericValue ?? NaN) * 1000) / 1000, unit: '' },
    );
  }
  return rows;
}

/**
 * Starts the whole market with `node bin/datagora start` in a temporary home, its services on
 * basePort…basePort+8, measures, and stops it with SIGINT (as Ctrl-C does) whatever happened.
 */
export async function measureWeb(options: { basePort: number }): Promise<PublishFigure[]> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'datagora-bench-web-'));
  const port = (offset: number) => String(options.basePort + offset);
  const stack = runCli(['start'], {
    DATAGORA_HOME: home,
    DATAGORA_ANVIL_PORT: port(0),
    DATAGORA_PORT: port(1),
    DATAGORA_IPFS_PORT: port(2),
    DATAGORA_KEYNODE_PORT: port(3), // three key nodes: +3, +4, +5
    DATAGORA_PROVIDER_PORT: port(6),
    DATAGORA_INDEXER_PORT: port(7),
    // The stack's second provider node, which would take port(7) by default.
    DATAGORA_SECOND_PROVIDER_PORT: port(8),
    // The stack's embedded database, even when DATABASE_URL points the indexer bench at a Postgres.
    DATABASE_URL: '',
  });
  try {
    await stack.waitFor(/Datagora is running on/, START_MS);
    const url = `http://127.0.0.1:${port(1)}`;
    return [...(await pageLoad(url)), ...(await firstLoadJavaScript(url)), ...(await lighthouseFigures(`${url}/`))];
  } finally {
    if (stack.child.exitCode === null && stack.child.signalCode === null) stack.child.kill('SIGINT');
    await stack.exit;
    rmSync(home, { recursive: true, force: true });
  }
}
