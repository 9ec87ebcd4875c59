/**
 * Exfiltration attempts on compute-only data, run as real paid jobs through the provider node and its sandbox:
 * every one is blocked by the output guard with the reason that fits it, releases nothing, and gives the buyer
 * the data fee back.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FAILURE_REASONS, type FailureReason } from '@/lib/compute/api';
import { BUYER, delta, EXAMPLES, ledger, OPERATOR, OWNER, payAndSubmit, publishComputeOnly, ROOT, startComputeBed, type ComputeBed } from '../helpers/provider';

const ATTACKS = path.join(ROOT, 'test', 'compute', 'exfiltration');

let bed: ComputeBed;

beforeAll(async () => {
  bed = await startComputeBed();
}, 180_000);

afterAll(async () => {
  await bed?.stop();
});

const blocked: [string, string, FailureReason][] = [
  ['copy-file.py', 'copies the dataset file to outputs', 'blocked-leak'],
  ['print-rows.py', 'prints rows to its log', 'blocked-leak'],
  ['base64.py', 'writes the data base64-encoded', 'blocked-leak'],
  ['hex.py', 'writes the data hex-encoded', 'blocked-leak'],
  ['gzip.py', 'writes the data gzipped', 'blocked-leak'],
  ['row-per-file.py', 'writes one row per output file', 'blocked-leak'],
  ['row-per-file-name.py', 'names one empty output file after each row', 'blocked-leak'],
  ['base64-gzip.py', 'writes the data gzipped then base64-encoded', 'blocked-leak'],
  ['reordered-columns.py', 'writes rows with reordered columns and another separator', 'blocked-leak'],
  ['model-smuggle.py', 'hides the compressed data inside a pickled "model"', 'blocked-leak'],
  ['undecodable.py', 'writes the data bzip2-compressed', 'blocked-undecodable'],
  ['fragments.py', 'cuts rows into pieces too short to match, one file each', 'blocked-layout'],
];

test.each(blocked)('%s (%s) is blocked as %s: nothing released, data fee refunded', async (script, _, reason) => {
  const accounts = { owner: bed.services.account(OWNER).address, buyer: bed.services.account(BUYER).address, operator: bed.services.account(OPERATOR).address };
  const before = await ledger(bed.buyer, accounts);
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm: path.join(ATTACKS, script), maxMinutes: 2 });
  const final = await bed.client.follow(requested.jobId);
  expect(final).toMatchObject({ status: 'failed', reason, reasonText: FAILURE_REASONS[reason] });
  expect(final.findings?.length).toBeGreaterThan(0);
  // The findings say where, never what: no data row appears in them.
  expect(JSON.stringify(final.findings)).not.toMatch(/P0\d{3},\d+,\d+/);

  const out = mkdtempSync(path.join(os.tmpdir(), 'datagora-exfil-'));
  const results = await bed.client.results(requested.jobId, out);
  expect(results).toMatchObject({ outputs: [], logs: [], delivered: false });
  expect(results.receipt.receipt).toMatchObject({ status: 'failed', reason, delivered: false, resultsCid: '' });

  const { job } = requested;
  const providerFee = BigInt(results.receipt.receipt.minutesUsed) * job.pricePerMinute;
  const change = delta(before, await ledger(bed.buyer, accounts));
  expect(change['owner.computeCredit']).toBe(0n);
  expect(change['buyer.computeCredit']).toBe(requested.escrow - providerFee);
  expect(change['operator.computeCredit']).toBe(providerFee - (providerFee * BigInt(job.feeBps)) / 10_000n);
});

test('an honest aggregate on the same data is released', async () => {
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm: path.join(EXAMPLES, 'aggregate_stats.py'), params: { group_by: 'patient_id' }, maxMinutes: 2 });
  expect(await bed.client.follow(requested.jobId)).toMatchObject({ status: 'finished' });
  const results = await bed.client.results(requested.jobId, mkdtempSync(path.join(os.tmpdir(), 'datagora-exfil-')));
  expect(results.delivered).toBe(true);
  expect(results.outputs.length).toBeGreaterThan(0);
});

test('an algorithm that exits with a byte of the data and writes nothing leaks neither its exit code nor its run time', async () => {
  const requested = await bed.client.request({ datasetId: bed.datasetId, algorithm: path.join(ATTACKS, 'exit-code.py'), maxMinutes: 2 });
  const final = await bed.client.follow(requested.jobId);
  expect(final).toMatchObject({ status: 'failed', reason: 'algorithm-error' });
  // The report the buyer reads and the signed receipt say only that the run failed.
  const report = await bed.client.report(requested.jobId);
  expect(report).not.toHaveProperty('exitCode');
  expect(report).not.toHaveProperty('runMs');
  expect(report).not.toHaveProperty('signal');
  const results = await bed.client.results(requested.jobId, mkdtempSync(path.join(os.tmpdir(), 'datagora-exfil-')));
  expect(results).toMatchObject({ outputs: [], logs: [], delivered: false });
  expect(results.receipt.receipt.exitCode).toBe(1);
});

test('under the templates policy every attack here is refused before the data key is fetched, and costs nothing', async () => {
  const templatesOnly = await publishComputeOnly(bed.owner, bed.dataFile, { compute: undefined, release: undefined });
  const attacks = readdirSync(ATTACKS).filter((file) => file.endsWith('.py') && !file.startsWith('benign-'));
  expect(attacks.length).toBeGreaterThanOrEqual(15);
  // The SDK refuses code before paying; a buyer who pays on the contract itself meets the node's refusal.
  await expect(bed.client.request({ datasetId: templatesOnly, algorithm: path.join(ATTACKS, attacks[0]!), maxMinutes: 1 })).rejects.toThrow('analysis templates');
  for (const script of attacks) {
    const final = await payAndSubmit(bed, templatesOnly, { name: script, content: readFileSync(path.join(ATTACKS, script)) }, {});
    expect({ script, status: final.status, reason: final.reason }).toEqual({ script, status: 'failed', reason: 'template-required' });
    expect(final.history.map((event) => event.detail ?? '').join('\n')).not.toMatch(/decrypting/);
    expect(final.settlement).toMatchObject({ delivered: false });
    expect(final.minutesUsed ?? 0).toBe(0);
  }
}, 300_000);
