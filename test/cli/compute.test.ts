/**
 * Compute-to-data as a user drives it: `datagora provider` as its own process, `datagora compute --wait` on a
 * compute-only dataset, `datagora receipt verify`, `datagora job`, a model trained in a job published as the data's
 * derivative (`publish --derived-from-job`, `show`, `lineage`), one job over two owners' datasets (`compute 3,10`),
 * and a provider killed mid-job that finishes the job after its restart.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AssetLineage } from '@/lib/indexer/api';
import { cliResult } from '../helpers/cli';
import { processesWith, runCli, type CliRun } from '../helpers/processes';
import { serveIndexer } from '../helpers/indexer';
import { cliEnv } from '../helpers/services';
import { BUYER, EXAMPLES, OPERATOR, OWNER, startComputeBed, type ComputeBed } from '../helpers/provider';

let bed: ComputeBed;
let env: Record<string, string>;
let provider: CliRun;
const marker = `DATAGORA_TEST_PROVIDER_${process.pid}`;

async function startProvider(): Promise<CliRun> {
  const run = runCli(['provider', '--account', String(OPERATOR)], { ...env, [marker]: '1' });
  await run.waitFor(/serving http/, 60_000);
  return run;
}

beforeAll(async () => {
  bed = await startComputeBed({ provider: false });
  env = cliEnv(bed.services.config);
  provider = await startProvider();
}, 180_000);

afterAll(async () => {
  provider?.child.kill('SIGTERM');
  await provider?.exit;
  await bed?.stop();
});

const cli = (args: string[]) => cliResult(args, env);

test('the owner chooses the providers: until it allows one, `datagora compute` is refused in words; `providers of` lists them', async () => {
  const refused = await cli(['compute', bed.datasetId.toString(), '--algorithm', path.join(EXAMPLES, 'train_model.py'), '--provider', '1', '--account', String(BUYER)]);
  expect(refused.code).not.toBe(0);
  expect(refused.output).toContain(`the owner of dataset ${bed.datasetId} does not allow provider 1`);
  const notOwner = await cli(['providers', 'allow', bed.datasetId.toString(), '1', '--account', String(BUYER)]);
  expect(notOwner.code).not.toBe(0);
  expect(notOwner.output).toMatch(/does not own dataset/);
  const allowed = await cli(['providers', 'allow', bed.datasetId.toString(), '1', '--account', String(OWNER)]);
  expect(allowed).toMatchObject({ code: 0 });
  expect(allowed.output).toContain(`provider 1 allowed on dataset ${bed.datasetId}`);
  const listed = await cli(['providers', 'of', bed.datasetId.toString()]);
  expect(listed.output).toMatch(/provider 1 http/);
});

test('datagora compute --wait trains a model on compute-only data and the receipt verifies', async () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'datagora-cli-compute-')), 'results');
  const run = await cli(['compute', bed.datasetId.toString(), '--algorithm', path.join(EXAMPLES, 'train_model.py'), '--params', '{"target":"alert"}', '--max-minutes', '3', '--wait', '--out', out, '--account', String(BUYER)]);
  expect(run).toMatchObject({ code: 0 });
  expect(run.output).toMatch(/job \d+ paid: 15\.15 dUSD in escrow \(data fee 15 dUSD \+ up to 3 min at 0\.05 dUSD\/min\)/);
  expect(run.output).toMatch(/running/);
  expect(run.output).toMatch(/receipt verified/);
  const metrics = JSON.parse(readFileSync(path.join(out, 'outputs', 'metrics.json'), 'utf8')) as { accuracy: number };
  expect(metrics.accuracy).toBeGreaterThan(0.6);

  const verify = await cli(['receipt', 'verify', path.join(out, 'receipt.json')]);
  expect(verify.code).toBe(0);
  expect(verify.output).toMatch(/valid receipt for job \d+: finished, exit 0/);
  expect(verify.output).toMatch(/output and log files match their hashes/);

  // A receipt altered after the fact is refused.
  const receipt = JSON.parse(readFileSync(path.join(out, 'receipt.json'), 'utf8')) as { receipt: { minutesUsed: number } };
  receipt.receipt.minutesUsed += 1;
  writeFileSync(path.join(out, 'receipt.json'), JSON.stringify(receipt));
  const forged = await cli(['receipt', 'verify', path.join(out, 'receipt.json')]);
  expect(forged.code).toBe(2);
  expect(forged.output).toMatch(/ReceiptError/);

  const hash = await cli(['algorithms', 'hash', path.join(EXAMPLES, 'train_model.py')]);
  expect(hash.output.trim()).toMatch(/^0x[0-9a-f]{64}$/);
  const approved = await cli(['algorithms', 'approve', bed.datasetId.toString(), path.join(EXAMPLES, 'train_model.py'), '--account', '4']);
  expect(approved.code).toBe(0);
  expect(approved.output).toContain(`algorithm ${hash.output.trim()} approved for dataset ${bed.datasetId}`);
  const notOwner = await cli(['algorithms', 'approve', bed.datasetId.toString(), hash.output.trim(), '--account', String(BUYER)]);
  expect(notOwner.code).toBe(2);
  expect(notOwner.output).toMatch(/does not own dataset/);

  const jobId = /job (\d+) paid/.exec(run.output)![1]!;
  const status = await cli(['job', jobId]);
  expect(status.output).toMatch(/settled on-chain/);
  expect(status.output).toMatch(/finished/);
});

test('an owner publishes with templates and a privacy budget; a buyer lists the templates and runs one with noise', async () => {
  const published = await cli(['publish', bed.dataFile, '--title', 'Vitals under templates', '--licence', 'compute-only', '--compute-price', '2', '--policy', 'templates', '--min-group-size', '20', '--epsilon-per-buyer', '1.5', '--providers', '1', '--account', String(OWNER)]);
  expect(published).toMatchObject({ code: 0 });
  expect(published.output).toMatch(/compute policy templates: Only the analysis templates/);
  const id = published.output.trim().split('\n').pop()!;
  const listed = await cli(['templates']);
  expect(listed).toMatchObject({ code: 0 });
  expect(listed.output).toMatch(/runs 5 analysis templates/);
  for (const name of ['aggregate', 'histogram', 'correlation', 'train', 'evaluate']) expect(listed.output).toMatch(new RegExp(`^${name} \\d+\\.\\d+\\.\\d+  sha256 0x[0-9a-f]{64}$`, 'm'));
  const bad = await cli(['publish', bed.dataFile, '--title', 'x', '--licence', 'compute-only', '--policy', 'everything', '--account', String(OWNER)]);
  expect(bad.output).toMatch(/--policy must be one of: templates \(analysis templates only\), approved/);

  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'datagora-cli-template-')), 'results');
  const params = JSON.stringify({ column: 'heart_rate', bins: 8, range: [40, 120], noise: 'laplace', epsilon: 1 });
  const run = await cli(['compute', id, '--template', 'histogram', '--params', params, '--max-minutes', '2', '--wait', '--out', out, '--account', String(BUYER)]);
  expect(run).toMatchObject({ code: 0 });
  expect(run.output).toMatch(/template histogram sha256 0x[0-9a-f]{64}, spending ε 1;/);
  const result = JSON.parse(readFileSync(path.join(out, 'outputs', 'result.json'), 'utf8')) as { counts: number[]; edges: number[] };
  expect(result.counts).toHaveLength(8);
  expect(result.edges).toEqual([40, 50, 60, 70, 80, 90, 100, 110, 120]);
  // What is left of the budget (0.5) is said before paying.
  const over = await cli(['compute', id, '--template', 'histogram', '--params', params, '--account', String(BUYER)]);
  expect(over.code).not.toBe(0);
  expect(over.output).toMatch(/which leaves you ε 0\.5/);
}, 180_000);

test('a model trained in a template job on compute-only data is published as its derivative; show and lineage tell its parents, shares and children', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-cli-lineage-'));
  const idOf = (output: string) => output.trim().split('\n').pop()!;
  const data = await cli(['publish', bed.dataFile, '--title', 'Vitals for training', '--licence', 'compute-only', '--compute-price', '2', '--rev-share-bps', '1000', '--providers', '1', '--account', String(OWNER)]);
  expect(data).toMatchObject({ code: 0 });
  const dataId = idOf(data.output);
  const out = path.join(dir, 'results');
  const params = JSON.stringify({ model: 'logistic', target: 'alert', features: ['heart_rate', 'spo2', 'resp_rate'] });
  const trained = await cli(['compute', dataId, '--template', 'train', '--params', params, '--max-minutes', '2', '--wait', '--out', out, '--account', String(BUYER)]);
  expect(trained).toMatchObject({ code: 0 });
  const jobId = /job (\d+) paid/.exec(trained.output)![1]!;

  // A file the job did not release is refused before anything is uploaded, naming the files it did release.
  const other = path.join(dir, 'model.json');
  writeFileSync(other, '{"model":"logistic","coefficients":{}}\n');
  const refused = await cli(['publish', other, '--title', 'Not from the job', '--derived-from-job', jobId, '--licence', 'ai-training', '--price', '20', '--account', String(BUYER)]);
  expect(refused.code).toBe(2);
  expect(refused.output).toMatch(new RegExp(`^LineageError: the content \\(SHA-256 [0-9a-f]{64}\\) is not one of job ${jobId}'s outputs: outputs/result\\.json\n  → publish the file the job released, unchanged \\(e\\.g\\. outputs/result\\.json\\)`));

  const modelFile = path.join(out, 'outputs', 'result.json');
  const notBuyer = await cli(['publish', modelFile, '--title', 'Not my job', '--derived-from-job', jobId, '--licence', 'ai-training', '--price', '20', '--account', String(OWNER)]);
  expect(notBuyer.output.split('\n')[0]).toMatch(new RegExp(`^DerivationRefusedError: job ${jobId} was paid for by 0x\\w+, not by 0x\\w+$`));
  const model = await cli(['publish', modelFile, '--title', 'Alert model', '--derived-from-job', jobId, '--licence', 'ai-training', '--price', '20', '--account', String(BUYER)]);
  expect(model).toMatchObject({ code: 0 });
  const modelId = idOf(model.output);
  expect(model.output).toContain(`published model ${modelId} derived from dataset ${dataId} (job ${jobId}): `);
  // Its owner derives a dataset from it (--parents): the vitals become its grandparent, still paid 10 % of each sale.
  const scores = path.join(dir, 'scores.csv');
  writeFileSync(scores, 'patient,score\n1,0.2\n2,0.9\n');
  const derived = await cli(['publish', scores, '--title', 'Alert scores', '--parents', modelId, '--kind', 'dataset', '--licence', 'commercial', '--price', '1', '--account', String(BUYER)]);
  expect(derived).toMatchObject({ code: 0 });
  const scoresId = idOf(derived.output);

  // Without an indexer the chain still tells the kind, parents and shares.
  const alone = await cli(['show', scoresId]);
  expect(alone.output).toMatch(new RegExp(`^kind       dataset\nparents    #${modelId}: 0 % of each sale, owned or licensed\nancestors  #${modelId} 0 %, #${dataId} 10 % \\(every sale pays each its share\\)\nchildren   unknown: the indexer at http://\\S+ does not answer$`, 'm'));
  const served = await serveIndexer(bed.services.config, 'pglite');
  try {
    await served.indexer.catchUp();
    const indexed = (args: string[]) => cliResult(args, { ...env, DATAGORA_INDEXER_URL: served.server.url });
    const shown = await indexed(['show', modelId]);
    expect(shown.output).toContain(`kind       model\nparents    #${dataId} Vitals for training [dataset]: 10 % of each sale, job ${jobId}\n`);
    expect(shown.output).toContain(`children   #${scoresId} Alert scores [dataset] (0 %, owned or licensed)\n`);
    const shownJson = JSON.parse((await indexed(['show', modelId, '--json'])).output) as { lineage: unknown };
    expect(shownJson.lineage).toEqual({ assetId: modelId, kind: 'model', contentHash: expect.stringMatching(/^0x[0-9a-f]{64}$/), parents: [{ parentId: dataId, jobId, bps: 1000 }], ancestors: [{ assetId: dataId, bps: 1000 }], keepsRights: false, nonCommercial: false, children: [{ assetId: scoresId, bps: 0, jobId: null }] });

    const models = await indexed(['datasets', '--kind', 'model', '--json']);
    expect(JSON.parse(models.output)).toEqual([expect.objectContaining({ id: modelId, kind: 'model', title: 'Alert model' })]);

    const graph = await indexed(['lineage', scoresId]);
    expect(graph).toMatchObject({ code: 0 });
    expect(graph.output.trim()).toBe(
      [
        'ancestors',
        `  #${dataId} Vitals for training [dataset]`,
        `    → #${modelId}: 10 % of each sale, job ${jobId}`,
        `  #${modelId} Alert model [model]`,
        `    → #${scoresId}: 0 % of each sale, owned or licensed`,
        `#${scoresId} Alert scores [dataset]`,
        'descendants',
        '  none',
      ].join('\n'),
    );
    const json = JSON.parse((await indexed(['lineage', modelId, '--json'])).output) as AssetLineage;
    expect(json).toMatchObject({ assetId: modelId, truncated: false, edges: [{ parentId: dataId, childId: modelId, bps: 1000, jobId }, { parentId: modelId, childId: scoresId, bps: 0, jobId: null }] });
    expect(json.nodes.map((n) => [n.id, n.kind, n.title])).toEqual([[dataId, 'dataset', 'Vitals for training'], [modelId, 'model', 'Alert model'], [scoresId, 'dataset', 'Alert scores']]);
    const below = await indexed(['lineage', dataId]);
    expect(below.output).toContain(`#${dataId} Vitals for training [dataset]\ndescendants\n  #${modelId} Alert model [model] (10 % of each sale, job ${jobId})\n    #${scoresId} Alert scores [dataset] (0 % of each sale, owned or licensed)`);
  } finally {
    await served.stop();
  }
}, 240_000);

test('datagora compute 3,10 runs one job over two owners’ datasets: each fee and the total before paying, each owner paid its own fee, `job` shows the run', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-cli-run-'));
  const ward = path.join(dir, 'ward.csv');
  writeFileSync(ward, `patient,pulse,oxygen\n${Array.from({ length: 300 }, (_, i) => `W${i},${60 + (i % 40)},${90 + (i % 10)}`).join('\n')}\n`);
  const published = await cli(['publish', ward, '--title', 'Ward B vitals', '--licence', 'compute-only', '--compute-price', '2', '--policy', 'any', '--providers', '1', '--account', '5']);
  expect(published).toMatchObject({ code: 0 });
  const wardId = published.output.trim().split('\n').pop()!;
  const vitals = bed.datasetId.toString();
  const algorithm = path.join(dir, 'counts.py');
  writeFileSync(algorithm, 'import json, os\ndids = json.loads(os.environ["DIDS"])\njson.dump({d: sum(1 for _ in open(f"/data/inputs/{d}/0")) - 1 for d in dids}, open("/data/outputs/rows.json", "w"))\n');
  const out = path.join(dir, 'results');
  // Named in any order: the job takes them in ascending order.
  const run = await cli(['compute', `${wardId},${vitals}`, '--algorithm', algorithm, '--max-minutes', '2', '--wait', '--out', out, '--account', String(BUYER)]);
  expect(run).toMatchObject({ code: 0 });
  const before = run.output.indexOf('total escrow');
  expect(run.output.slice(0, before)).toContain(`dataset ${vitals}: data fee 15 dUSD\ndataset ${wardId}: data fee 2 dUSD\ncompute: up to 2 min at 0.05 dUSD/min = 0.1 dUSD, once for the 2 datasets\n`);
  expect(run.output).toContain('total escrow: 17.1 dUSD (data fees 17 dUSD); paying it now');
  const [, first, second] = /jobs (\d+), (\d+) paid: 17\.1 dUSD in escrow \(data fees 17 dUSD \+ up to 2 min at 0\.05 dUSD\/min\) on provider 1; the job goes by its first id, \1/.exec(run.output)!;
  expect(run.output.indexOf('paid:')).toBeGreaterThan(before);
  expect(run.output).toMatch(/receipt verified: signed by provider 1's node key and settled on-chain \(\d+ min\): results delivered/);
  // 2.5 % of each fee to the market: 15 → 14.625, 2 → 1.95.
  expect(run.output).toContain(`  job ${first}, dataset ${vitals}: owner paid 14.625 dUSD, `);
  expect(run.output).toContain(`  job ${second}, dataset ${wardId}: owner paid 1.95 dUSD, `);
  expect(JSON.parse(readFileSync(path.join(out, 'outputs', 'rows.json'), 'utf8'))).toEqual({ [vitals]: 12_000, [wardId]: 300 });
  // One receipt names both datasets, and both jobs settled with it.
  const verified = await cli(['receipt', 'verify', path.join(out, 'receipt.json')]);
  expect(verified).toMatchObject({ code: 0 });
  expect(verified.output).toMatch(new RegExp(`dataset ${vitals} content \\S+ \\(job ${first}, settled with it\\); dataset ${wardId} content \\S+ \\(job ${second}, settled with it\\)`));

  // Asked by its second job, `job` tells the whole run from the chain.
  const shown = await cli(['job', second!, '--account', String(BUYER)]);
  expect(shown.output).toMatch(new RegExp(`^job ${second} is one of the 2 jobs of a run over datasets ${vitals}, ${wardId} on provider 1 \\(escrow 17\\.1 dUSD in all, deadline [^)]+\\); it goes by job ${first}:$`, 'm'));
  expect(shown.output).toMatch(new RegExp(`^  job ${first} on dataset ${vitals}, provider 1: settled on-chain, escrow 15\\.1 dUSD — owner paid 14\\.625 dUSD, `, 'm'));
  expect(shown.output).toMatch(new RegExp(`^  job ${second} on dataset ${wardId}, provider 1: settled on-chain, escrow 2 dUSD — owner paid 1\\.95 dUSD, `, 'm'));
  expect(shown.output).toMatch(new RegExp(`^job ${first}: finished`, 'm'));

  // Once the ward's owner withdraws the provider, the job is refused before anything is paid, the ward named.
  expect(await cli(['providers', 'withdraw', wardId, '1', '--account', '5'])).toMatchObject({ code: 0 });
  const refused = await cli(['compute', `${vitals},${wardId}`, '--algorithm', algorithm, '--account', String(BUYER)]);
  expect(refused.code).toBe(2);
  expect(refused.output).toContain(`JobDatasetError: the owner of dataset ${wardId} allows no active provider`);
  const named = await cli(['compute', `${vitals},${wardId}`, '--algorithm', algorithm, '--provider', '1', '--account', String(BUYER)]);
  expect(named.output).toContain(`JobDatasetError: the owner of dataset ${wardId} does not allow provider 1 to run jobs on it`);
}, 240_000);

test('a provider killed mid-job recovers its queue on restart and finishes the job', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-cli-restart-'));
  const algorithm = path.join(dir, 'slow.py');
  writeFileSync(algorithm, 'import time, os\nprint("working", flush=True)\ntime.sleep(6)\nopen(os.path.join("/data/outputs", "done.txt"), "w").write("done")\n');
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm, maxMinutes: 2 });
  for (let i = 0; (await bed.client.status(requested.jobId)).status !== 'running'; i++) {
    if (i > 200) throw new Error('the job never started running');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  provider.child.kill('SIGKILL');
  await provider.exit;
  // The sandbox dies with its node: nothing of the job outlives the crash (the kernel's kills take a moment).
  const leftovers = () => [...processesWith('environ', marker), ...processesWith('cmdline', bed.services.home)];
  for (let i = 0; leftovers().length > 0 && i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(leftovers()).toEqual([]);

  provider = await startProvider();
  const final = await bed.client.follow(requested.jobId);
  expect(final).toMatchObject({ status: 'finished' });
  expect(final.history.some((event) => /restarted/.test(event.detail ?? ''))).toBe(true);
  const results = await bed.client.results(requested.jobId, path.join(dir, 'out'));
  expect(results.outputs).toEqual(['done.txt']);
});
