/**
 * The byte budget of policy `any`, as real paid jobs through the provider node and its sandbox: algorithms written
 * to smuggle numbers past the output guard (base85 float64, which shares no text with the CSV) release at most the
 * bytes their job reserved, outputs and logs alike; the bytes each job released are counted on-chain per buyer, and
 * once a buyer's total is spent the SDK refuses the next job before paying and ComputeMarket reverts it. A job that
 * releases nothing gives the buyer the data fee back.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Address } from 'viem';
import { algorithmHash } from '@/lib/compute/algorithm';
import { LOG_TRUNCATED_MARKER } from '@/lib/compute/bubblewrap';
import { ComputeJobError } from '@/lib/compute/errors';
import { quoteJob, requestJobArgs } from '@/lib/compute/buyer/quote';
import { contractsOf } from '@/lib/contracts';
import { expectRevert } from '../helpers/expect';
import { BUYER, delta, ledger, OPERATOR, OWNER, publishComputeOnly, ROOT, startComputeBed, type ComputeBed } from '../helpers/provider';

const ATTACKS = path.join(ROOT, 'test', 'compute', 'exfiltration');
/** Any algorithm, under the output guard's leak detection; its own size cap far above the byte budget. */
const ANY = { algorithms: 'any', outputGuard: { maxOutputBytes: 64 * 1024 * 1024, leakDetection: true } } as const;
const BUDGET = { bytesPerJob: 4096, bytesPerBuyer: 10_000 };

let bed: ComputeBed;
let accounts: Record<'owner' | 'buyer' | 'operator', Address>;

beforeAll(async () => {
  bed = await startComputeBed();
  accounts = { owner: bed.services.account(OWNER).address, buyer: bed.services.account(BUYER).address, operator: bed.services.account(OPERATOR).address };
}, 180_000);

afterAll(async () => {
  await bed?.stop();
});

/** A fresh dataset under `any` and BUDGET, so each test starts with the buyer's whole 10,000 bytes. */
function publishBudgeted(): Promise<bigint> {
  return publishComputeOnly(bed.owner, bed.dataFile, { compute: ANY, release: BUDGET });
}

/** What `buyer` has released (or holds reserved) from `datasetId`, as ComputeMarket counts it. */
async function releaseSpent(datasetId: bigint): Promise<bigint> {
  const [, spent] = await bed.buyer.publicClient.readContract({ ...contractsOf(bed.buyer.deployments).computeMarket, functionName: 'releaseSpent', args: [datasetId, accounts.buyer] });
  return spent.released;
}

/**
 * Runs the attack `script` with `params` on `datasetId` to its settlement; returns its final view, the bytes the
 * buyer received (outputs and logs, as written to disk), the bytes its settlement reported, and the ledger's change.
 */
async function attack(datasetId: bigint, script: string, params: Record<string, unknown> = {}) {
  const before = await ledger(bed.buyer, accounts);
  const requested = await bed.client.request({ datasetId, algorithm: path.join(ATTACKS, script), params, maxMinutes: 1 });
  const final = await bed.client.follow(requested.jobId);
  const out = mkdtempSync(path.join(os.tmpdir(), 'datagora-budget-'));
  const results = await bed.client.results(requested.jobId, out);
  const sizes = (kind: 'outputs' | 'logs', files: string[]) => files.reduce((sum, file) => sum + statSync(path.join(out, kind, file)).size, 0);
  const received = sizes('outputs', results.outputs) + sizes('logs', results.logs);
  const [settled] = await bed.buyer.publicClient.getContractEvents({
    ...contractsOf(bed.buyer.deployments).computeMarket,
    eventName: 'JobSettled',
    args: { jobId: requested.jobId },
    fromBlock: BigInt(bed.buyer.deployments.startBlock),
  });
  const change = delta(before, await ledger(bed.buyer, accounts));
  const providerFee = BigInt(results.receipt.receipt.minutesUsed) * requested.job.pricePerMinute;
  return { requested, final, results, out, received, reported: settled!.args.releasedBytes!, change, providerFee };
}

/** The settlement reported exactly the bytes the buyer received; with none, the data fee went back to the buyer. */
function expectSettledFor(job: Awaited<ReturnType<typeof attack>>): void {
  expect(job.reported).toBe(BigInt(job.received));
  if (job.received > 0) return;
  expect(job.results.delivered).toBe(false);
  expect(job.change['owner.computeCredit']).toBe(0n);
  expect(job.change['buyer.computeCredit']).toBe(job.requested.escrow - job.providerFee);
}

test('100 KB of base85 float64 that the guard lets through releases at most the job’s 4,096 bytes', async () => {
  // On the bed's dataset (no byte budget) the leak guard alone releases all of it: the budget is what stops it.
  const unbounded = await attack(bed.datasetId, 'base85-floats.py');
  expect(unbounded.final).toMatchObject({ status: 'finished' });
  expect(unbounded.received).toBe(100_000);

  const datasetId = await publishBudgeted();
  const job = await attack(datasetId, 'base85-floats.py');
  expect(job.requested.job.releaseBytes).toBe(4096n);
  // Over its cap the run fails and its outputs stay behind; at most its log (a write error, where no tmpfs bounds
  // the outputs and the write is refused at the cap) leaves.
  expect(job.final).toMatchObject({ status: 'failed' });
  expect(job.results.outputs).toEqual([]);
  expect(job.received).toBeLessThanOrEqual(4096);
  expectSettledFor(job);
  expect(await releaseSpent(datasetId)).toBe(BigInt(job.received));
}, 120_000);

test('jobs of 3,000 bytes each spend the buyer’s 10,000: the rest caps the last job, then no job can be bought', async () => {
  const datasetId = await publishBudgeted();
  const released: bigint[] = [];
  for (let i = 0; i < 3; i++) {
    const job = await attack(datasetId, 'base85-floats.py', { bytes: 3000 });
    expect(job.final).toMatchObject({ status: 'finished' });
    expect(job.received).toBe(3000);
    expectSettledFor(job);
    expect(job.change['owner.computeCredit']).toBeGreaterThan(0n);
    released.push(await releaseSpent(datasetId));
  }
  expect(released).toEqual([3000n, 6000n, 9000n]);

  // A quote taken now reserves what is left, 1,000 bytes; it is paid only after the budget is spent (below).
  const providerId = (await bed.client.providers())[0]!.id;
  const choice = { datasetId, providerId, environment: 0, maxMinutes: 1, aiTraining: false };
  const stale = await quoteJob(bed.buyer.publicClient, bed.buyer.deployments.contracts, choice, accounts.buyer);
  expect(stale.releaseBytes).toBe(1000n);

  // 3,000 bytes where 1,000 are left: the job is held to 1,000, fails, and releases none of the dump (at most the
  // write error in its log); it spends only what it released.
  const over = await attack(datasetId, 'base85-floats.py', { bytes: 3000 });
  expect(over.requested.job.releaseBytes).toBe(1000n);
  expect(over.final).toMatchObject({ status: 'failed' });
  expect(over.results.outputs).toEqual([]);
  expect(over.received).toBeLessThanOrEqual(1000);
  expectSettledFor(over);
  expect(await releaseSpent(datasetId)).toBe(9000n + BigInt(over.received));

  const last = await attack(datasetId, 'base85-floats.py', { bytes: 1000 - over.received });
  expect(last.final).toMatchObject({ status: 'finished' });
  expect(last.received).toBe(1000 - over.received);
  expectSettledFor(last);
  expect(await releaseSpent(datasetId)).toBe(10_000n);

  // Spent: the SDK refuses before paying, and the stale quote's payment reverts on-chain.
  const before = await ledger(bed.buyer, accounts);
  const request = bed.client.request({ datasetId, algorithm: path.join(ATTACKS, 'base85-floats.py'), params: { bytes: 100 }, maxMinutes: 1 });
  await expect(request).rejects.toThrow(ComputeJobError);
  await expect(request).rejects.toThrow(`your byte budget on dataset ${datasetId} is spent`);
  expect(await ledger(bed.buyer, accounts)).toEqual(before);
  const { computeMarket } = contractsOf(bed.buyer.deployments);
  const hash = algorithmHash(Buffer.from('print(1)\n'));
  await expectRevert(bed.buyer.publicClient.simulateContract({ account: bed.buyer.account!, ...computeMarket, functionName: 'requestJob', args: requestJobArgs(choice, stale, hash) }), 'BytesOverBudget', [datasetId, accounts.buyer, 1000n, 0n]);
}, 180_000);

test('5,000 bytes printed to stdout release at most the job’s 4,096: the log counts against the budget', async () => {
  const datasetId = await publishBudgeted();
  const job = await attack(datasetId, 'print-floats.py');
  expect(job.final).toMatchObject({ status: 'finished' });
  expect(job.results.outputs).toEqual([]);
  // The node cuts the log at the job's reservation, its marker included.
  expect(job.received).toBe(4096);
  expect(readFileSync(path.join(job.out, 'logs', job.results.logs[0]!), 'utf8').endsWith(LOG_TRUNCATED_MARKER)).toBe(true);
  expectSettledFor(job);
  expect(await releaseSpent(datasetId)).toBe(4096n);
}, 120_000);
