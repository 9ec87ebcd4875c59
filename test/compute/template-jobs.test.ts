/**
 * Analysis templates as real paid jobs on a compute-only dataset published with the defaults (templates only, the
 * default k) and on one whose owner set a privacy budget: every template runs through the provider node and its
 * sandbox and releases one result of its fixed shape; code of the buyer's is refused before the data key is fetched;
 * the ε a job spends is reserved on-chain and must match its parameters.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ComputeClient } from '@/lib/compute/buyer/client';
import { ComputeJobError } from '@/lib/compute/errors';
import { requestJobArgs, quoteJob } from '@/lib/compute/buyer/quote';
import { MAX_RESULT_BYTES, templateByName } from '@/lib/compute/templates';
import { ProviderNode } from '@/lib/compute/provider/node';
import { freePort } from '../helpers/market';
import { contractsOf } from '@/lib/contracts';
import { BUYER, delta, EXAMPLES, ledger, OPERATOR, OWNER, payAndSubmit, publishComputeOnly, startComputeBed, type ComputeBed } from '../helpers/provider';

/** The operator of a second provider node. */
const SECOND_OPERATOR = 8;

let bed: ComputeBed;
/** Published with the defaults for compute-only data: templates only, k = 10. */
let templatesOnly: bigint;
/** Templates only, and at most ε 1 per buyer: every result carries noise. */
let budgeted: bigint;

beforeAll(async () => {
  bed = await startComputeBed();
  templatesOnly = await publishComputeOnly(bed.owner, bed.dataFile, { compute: undefined, release: undefined });
  budgeted = await publishComputeOnly(bed.owner, bed.dataFile, { compute: undefined, release: { epsilonPerBuyer: 1 } });
}, 240_000);

afterAll(async () => {
  await bed?.stop();
});

/** Runs `template` with `params` on `datasetId` to the end; returns the job's final view and its released result. */
async function run(datasetId: bigint, template: string, params: unknown, model?: string) {
  const requested = await bed.client.request({ datasetId, template, params, maxMinutes: 2, ...(model ? { model } : {}) });
  const final = await bed.client.follow(requested.jobId);
  const out = mkdtempSync(path.join(os.tmpdir(), 'datagora-template-'));
  const results = await bed.client.results(requested.jobId, out);
  const text = results.outputs.length === 1 ? readFileSync(path.join(out, 'outputs', 'result.json'), 'utf8') : undefined;
  const result = text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
  // A released result is small; each test checks its shape.
  if (text !== undefined) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
  return { requested, final, results, result };
}

test('a dataset published compute-only with the defaults runs templates only, with k 10', async () => {
  const document = (await bed.buyer.getDataset(templatesOnly)).document;
  expect(document.compute).toMatchObject({ algorithms: 'templates', outputGuard: { minGroupSize: 10 } });
});

test('aggregate: counts and means by group, small groups suppressed by the dataset’s k', async () => {
  const { final, results, result } = await run(templatesOnly, 'aggregate', { groupBy: ['alert'], metrics: [{ column: 'heart_rate', stats: ['count', 'mean', 'min', 'max'] }] });
  expect(final).toMatchObject({ status: 'finished' });
  expect(results).toMatchObject({ delivered: true, logs: [] });
  const groups = result!.groups as { key: unknown[]; count: number; metrics: { heart_rate: { mean: number } } }[];
  expect(groups.map((g) => g.count).reduce((a, b) => a + b, 0)).toBe(12_000);
  expect(groups.every((g) => g.metrics.heart_rate.mean > 40 && g.metrics.heart_rate.mean < 140)).toBe(true);
  // Grouped by patient (60 rows each) with k raised to 100 by the buyer: everything is suppressed.
  const suppressed = await run(templatesOnly, 'aggregate', { groupBy: ['patient_id'], metrics: [{ column: 'spo2', stats: ['mean'] }], minGroupSize: 100 });
  expect(suppressed.result).toMatchObject({ groups: [], suppressed: 200 });
  // Asking for a smaller k than the owner's does not lower it: each patient's 60 rows stay above 10 and pass.
  const byPatient = await run(templatesOnly, 'aggregate', { groupBy: ['patient_id'], metrics: [{ column: 'spo2', stats: ['mean'] }], minGroupSize: 1 });
  expect((byPatient.result!.groups as unknown[]).length).toBe(200);
  expect(Buffer.byteLength(JSON.stringify(byPatient.result))).toBeLessThan(64 * 1024);
}, 120_000);

test('histogram, correlation, logistic regression and a forest each release one result of its fixed shape', async () => {
  const histogram = await run(templatesOnly, 'histogram', { column: 'heart_rate', bins: 10, range: [40, 140] });
  expect(histogram.result).toMatchObject({ edges: expect.any(Array), counts: expect.any(Array) });
  expect((histogram.result!.counts as number[]).length).toBe(10);
  const correlation = await run(templatesOnly, 'correlation', { columns: ['heart_rate', 'spo2', 'resp_rate'] });
  expect((correlation.result!.matrix as number[][])[1]![1]).toBe(1);
  const logistic = await run(templatesOnly, 'train', { model: 'logistic', target: 'alert', features: ['heart_rate', 'spo2', 'resp_rate'] });
  // A train job declares AI training though the buyer did not say so: the licence is checked for it, and its model
  // can be published as the data's derivative.
  expect(logistic.requested.job.aiTraining).toBe(true);
  expect(logistic.result).toMatchObject({ model: 'logistic', coefficients: { heart_rate: expect.any(Number) } });
  expect((logistic.result!.metrics as { accuracy: number }).accuracy).toBeGreaterThan(0.6);
  const forest = await run(templatesOnly, 'train', { model: 'forest', target: 'alert', features: ['heart_rate', 'spo2'], trees: 3, maxDepth: 3, minSamplesLeaf: 1 });
  expect(forest.final).toMatchObject({ status: 'finished' });
  expect(forest.result).toMatchObject({ model: 'forest' });
}, 240_000);

test('a train job paid on the contract without declaring AI training is refused by the node before the data key is fetched', async () => {
  const template = templateByName('train')!;
  const final = await payAndSubmit(bed, templatesOnly, { name: 'train.py', content: Buffer.from(template.source) }, { model: 'logistic', target: 'alert', features: ['heart_rate', 'spo2'] });
  expect(final).toMatchObject({ status: 'failed', reason: 'template-params' });
  expect(final.history.map((event) => event.detail ?? '').join('\n')).toMatch(/must declare AI training/);
  expect(final.history.map((event) => event.detail ?? '').join('\n')).not.toMatch(/decrypting/);
}, 120_000);

test('evaluate scores the buyer’s own model and releases metrics only', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-model-'));
  const model = path.join(dir, 'model.pkl');
  // A model trained elsewhere (here on made-up rows): the buyer never sees the owner's data.
  execFileSync('/usr/bin/python3', ['-c', `import pickle, numpy as np; from sklearn.linear_model import LogisticRegression; r = np.random.default_rng(1); X = r.normal([80, 96, 16], [10, 2, 2], (500, 3)); y = (0.12 * (X[:, 0] - 80) + 0.9 * (96.5 - X[:, 1]) > 1).astype(int); pickle.dump(LogisticRegression().fit(X, y), open(${JSON.stringify(model)}, 'wb'))`]);
  const { final, result, results } = await run(templatesOnly, 'evaluate', { target: 'alert', features: ['heart_rate', 'spo2', 'resp_rate'] }, model);
  expect(final).toMatchObject({ status: 'finished' });
  expect(results.logs).toEqual([]);
  expect(result).toMatchObject({ task: 'classification', metrics: { accuracy: expect.any(Number) }, n: 12_000 });
  expect((result!.metrics as { accuracy: number }).accuracy).toBeGreaterThan(0.5);
}, 120_000);

test('code of the buyer’s own is refused on a templates dataset: by the SDK before paying, by the node before the data key is fetched', async () => {
  const accounts = { owner: bed.services.account(OWNER).address, buyer: bed.services.account(BUYER).address, operator: bed.services.account(OPERATOR).address };
  const before = await ledger(bed.buyer, accounts);
  const code = path.join(EXAMPLES, 'aggregate_stats.py');
  await expect(bed.client.request({ datasetId: templatesOnly, algorithm: code, params: { group_by: 'alert' }, maxMinutes: 2 })).rejects.toThrow('runs only its providers\' analysis templates');
  expect(await ledger(bed.buyer, accounts)).toEqual(before);
  // A buyer who pays on the contract itself is refused by the node: the whole escrow comes back.
  const final = await payAndSubmit(bed, templatesOnly, { name: 'aggregate_stats.py', content: readFileSync(code) }, { group_by: 'alert' });
  expect(final).toMatchObject({ status: 'failed', reason: 'template-required' });
  expect(final.minutesUsed ?? 0).toBe(0);
  expect(final.history.map((event) => event.detail ?? '').join('\n')).not.toMatch(/decrypting/);
  const change = delta(before, await ledger(bed.buyer, accounts));
  expect(change['owner.computeCredit']).toBe(0n);
  expect(change['operator.computeCredit']).toBe(0n);
}, 120_000);

test('with an ε budget every result carries noise, the spend is reserved on-chain, and what is left is enforced', async () => {
  const { computeMarket } = contractsOf(bed.buyer.deployments);
  const buyer = bed.buyer.account!.address;
  // Without noise the SDK refuses before paying, and the node before anything is decrypted.
  const plain = { column: 'spo2', bins: 5, range: [90, 100] };
  await expect(bed.client.request({ datasetId: budgeted, template: 'histogram', params: plain, maxMinutes: 2 })).rejects.toThrow('every template result must carry noise');
  const bypassed = await payAndSubmit(bed, budgeted, { name: 'histogram.py', content: Buffer.from(templateByName('histogram')!.source) }, plain);
  expect(bypassed).toMatchObject({ status: 'failed', reason: 'budget-mismatch' });
  expect(bypassed.history.map((event) => event.detail ?? '').join('\n')).not.toMatch(/decrypting/);

  const noisy = await run(budgeted, 'histogram', { column: 'spo2', bins: 5, range: [90, 100], noise: 'laplace', epsilon: 0.6 });
  expect(noisy.final).toMatchObject({ status: 'finished' });
  expect(noisy.requested.job.epsilon).toBe(600_000n);
  const counts = noisy.result!.counts as number[];
  expect(counts).toHaveLength(5);
  const [, spent] = await bed.buyer.publicClient.readContract({ ...computeMarket, functionName: 'releaseSpent', args: [budgeted, buyer] });
  expect(spent.epsilon).toBe(600_000n);

  // 0.4 is left: the SDK says so before paying.
  await expect(bed.client.request({ datasetId: budgeted, template: 'histogram', params: { column: 'spo2', bins: 5, range: [90, 100], noise: 'laplace', epsilon: 0.5 }, maxMinutes: 2 })).rejects.toThrow(ComputeJobError);
  await expect(bed.client.request({ datasetId: budgeted, template: 'histogram', params: { column: 'spo2', bins: 5, range: [90, 100], noise: 'laplace', epsilon: 0.5 }, maxMinutes: 2 })).rejects.toThrow('which leaves you ε 0.4');
}, 180_000);

test('the ε budget holds across two providers of the same dataset', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-second-provider-'));
  const port = await freePort();
  const config = { ...bed.services.config, compute: { ...bed.services.config.compute, port, url: `http://127.0.0.1:${port}`, dir } };
  const second = await ProviderNode.start({ config, operator: bed.services.account(SECOND_OPERATOR), resources: { cpus: 2, memoryMb: 4096, gpus: [], gpuDevices: [], cudaLibraryDirs: [] } });
  try {
    await new ComputeClient(bed.owner).setProvidersAllowed(budgeted, [second.providerId], true);
    const params = (epsilon: number) => ({ column: 'resp_rate', bins: 4, range: [8, 24], noise: 'laplace', epsilon });
    // The first provider's job spent 0.6 of the buyer's 1 (the test before); the second provider takes the 0.4 left.
    const requested = await bed.client.request({ datasetId: budgeted, template: 'histogram', params: params(0.4), maxMinutes: 2, providerId: second.providerId });
    expect(await bed.client.follow(requested.jobId)).toMatchObject({ status: 'finished' });
    const { computeMarket } = contractsOf(bed.buyer.deployments);
    const [, spent] = await bed.buyer.publicClient.readContract({ ...computeMarket, functionName: 'releaseSpent', args: [budgeted, bed.buyer.account!.address] });
    expect(spent.epsilon).toBe(1_000_000n);
    // Nothing is left on either provider: the SDK refuses, and the contract reverts for whoever skips it.
    for (const providerId of [bed.provider!.providerId, second.providerId]) {
      await expect(bed.client.request({ datasetId: budgeted, template: 'histogram', params: params(0.1), maxMinutes: 2, providerId })).rejects.toThrow('which leaves you ε 0');
    }
    const choice = { datasetId: budgeted, providerId: second.providerId, environment: 0, maxMinutes: 1, aiTraining: false };
    const quote = await quoteJob(bed.buyer.publicClient, bed.buyer.deployments.contracts, choice, bed.buyer.account!.address);
    const args = requestJobArgs(choice, { ...quote, epsilon: 100_000n }, templateByName('histogram')!.hash);
    await expect(bed.buyer.send('request over budget', { ...computeMarket, functionName: 'requestJob', args })).rejects.toMatchObject({ errorName: 'EpsilonOverBudget' });
  } finally {
    await second.stop();
  }
}, 180_000);

test('a job that reserved less ε than its parameters spend is refused before the data key is fetched', async () => {
  // Paid straight on the contract, reserving no ε, then sent with noisy parameters.
  const template = templateByName('histogram')!;
  const final = await payAndSubmit(bed, templatesOnly, { name: 'histogram.py', content: Buffer.from(template.source) }, { column: 'spo2', bins: 5, range: [90, 100], noise: 'laplace', epsilon: 2 });
  expect(final).toMatchObject({ status: 'failed', reason: 'budget-mismatch' });
  expect(final.minutesUsed ?? 0).toBe(0);
  expect(final.history.map((event) => event.detail ?? '').join('\n')).not.toMatch(/decrypting/);
}, 120_000);

test('a job that reserved no bytes of results is refused before the data key is fetched: its node would work unpaid', async () => {
  // The contract takes a reservation of 0 bytes: settlement could then count nothing released.
  const final = await payAndSubmit(bed, bed.datasetId, { name: 'aggregate_stats.py', content: readFileSync(path.join(EXAMPLES, 'aggregate_stats.py')) }, { group_by: 'alert' }, 0n, 0n);
  expect(final).toMatchObject({ status: 'failed', reason: 'compute-not-allowed' });
  expect(final.minutesUsed ?? 0).toBe(0);
  const history = final.history.map((event) => event.detail ?? '').join('\n');
  expect(history).toMatch(/the job reserved no bytes of results to release/);
  expect(history).not.toMatch(/decrypting/);
}, 120_000);
