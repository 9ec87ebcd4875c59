/**
 * A buyer's job over several datasets through the SDK's request action (the one the CLI and the page run),
 * against the real chain, IPFS node and key nodes: what a dataset's owner, policy or schema refuses is said before
 * anything is paid, naming the dataset; without a provider named, one every owner allows is picked, or the
 * refusal says which providers each dataset allows; the request links one job per dataset and keeps them all, so
 * cancelling or refunding it takes back every job's escrow, to the unit; and a run on a provider node settles
 * every job, each owner paid its own fee, read back from the first job.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnknownColumnError } from '@/lib/compute/algorithm';
import { ComputeClient } from '@/lib/compute/buyer/client';
import { JobDatasetError } from '@/lib/compute/errors';
import { JobStatus, signProviderNode } from '@/lib/compute/settlement';
import { contractsOf } from '@/lib/contracts';
import type { Market } from '@/lib/market';
import { cpuEnvironment, feeOn } from '../helpers/compute';
import { allowEveryProvider, BUYER, delta, EXAMPLES, ledger, OPERATOR, OWNER, publishComputeOnly, startComputeBed, type ComputeBed } from '../helpers/provider';

/** A second hospital, owner of the other datasets. */
const OWNER_B = 5;
const DEAD_PROVIDER_OWNER = 6;
const DEAD_NODE = 7;

let bed: ComputeBed;
let ownerB: Market;
/** The bed's vitals (provider 1 only, until a test allows the dead one), a ward allowing both, one allowing only the dead provider. */
let vitals: bigint;
let ward: bigint;
let onlyDead: bigint;
let templatesOnly: bigint;
let live: bigint;
let dead: bigint;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'datagora-run-'));

/** Reads every dataset it is given and writes their row counts: proof of what was mounted where. */
const COUNTS = `import json, os
dids = json.loads(os.environ["DIDS"])
rows = {d: sum(1 for _ in open(f"/data/inputs/{d}/0")) - 1 for d in dids}
json.dump({"dids": dids, "rows": rows}, open("/data/outputs/counts.json", "w"))
`;

function wardFile(name: string): string {
  const rows = Array.from({ length: 500 }, (_, i) => `W${i},${60 + ((i * 37) % 50)},${90 + (i % 10)}`);
  return bed.services.file(name, `patient,pulse,oxygen\n${rows.join('\n')}\n`);
}

beforeAll(async () => {
  bed = await startComputeBed();
  live = bed.provider!.providerId;
  vitals = bed.datasetId;
  ownerB = await bed.services.market(OWNER_B);
  // A provider registered on-chain whose node never answers: the jobs paid to it stay open.
  const { publicClient, deployments } = bed.buyer;
  const { computeMarket } = contractsOf(deployments);
  const owner = bed.services.chain.wallet(DEAD_PROVIDER_OWNER);
  const consent = await signProviderNode(bed.services.account(DEAD_NODE), { chainId: deployments.chainId, computeMarket: deployments.contracts.computeMarket }, owner.account.address, 'http://127.0.0.1:1');
  await publicClient.waitForTransactionReceipt({ hash: await owner.writeContract({ ...computeMarket, functionName: 'registerProvider', args: ['http://127.0.0.1:1', bed.services.account(DEAD_NODE).address, [cpuEnvironment(1_000n)], consent] }) });
  dead = await publicClient.readContract({ ...computeMarket, functionName: 'providerCount' });
  ward = await publishComputeOnly(ownerB, wardFile('ward.csv'), { title: 'Ward vitals' });
  onlyDead = await publishComputeOnly(ownerB, wardFile('ward-dead.csv'), { title: 'Ward vitals, another provider' });
  await new ComputeClient(ownerB).setProvidersAllowed(onlyDead, [live], false);
  templatesOnly = await publishComputeOnly(ownerB, wardFile('ward-templates.csv'), { title: 'Ward vitals, templates', compute: { algorithms: 'templates', outputGuard: { maxOutputBytes: 1 << 20, leakDetection: true, minGroupSize: 10 } } });
}, 240_000);

afterAll(async () => {
  await bed?.stop();
});

function accounts() {
  const { services } = bed;
  return { owner: services.account(OWNER).address, ownerB: services.account(OWNER_B).address, buyer: services.account(BUYER).address, operator: services.account(OPERATOR).address };
}

function algorithmFile(name: string, content: string): string {
  const file = path.join(tmp(), name);
  writeFileSync(file, content);
  return file;
}

test('what one dataset refuses is said before paying, naming it, and nothing is paid', async () => {
  const before = await ledger(bed.buyer, accounts());
  const counts = algorithmFile('counts.py', COUNTS);
  await expect(bed.client.request({ datasetId: [onlyDead, vitals], algorithm: counts, maxMinutes: 1 })).rejects.toThrow(
    `no active provider is allowed by the owner of every dataset: dataset ${vitals} allows provider ${live}; dataset ${onlyDead} allows provider ${dead}`,
  );
  const notAllowed = bed.client.request({ datasetId: [vitals, onlyDead], algorithm: counts, providerId: live, maxMinutes: 1 });
  await expect(notAllowed).rejects.toBeInstanceOf(JobDatasetError);
  await expect(notAllowed).rejects.toMatchObject({ datasetId: onlyDead, message: `the owner of dataset ${onlyDead} does not allow provider ${live} to run jobs on it` });
  await expect(bed.client.request({ datasetId: [vitals, templatesOnly], algorithm: counts, providerId: live, maxMinutes: 1 })).rejects.toMatchObject({
    datasetId: templatesOnly,
    message: `dataset ${templatesOnly} runs only its providers' analysis templates: its owner accepts no code`,
  });
  // train_model.py declares `target` a column: the vitals have `alert`, the ward does not.
  const unknown = bed.client.request({ datasetId: [vitals, ward], algorithm: path.join(EXAMPLES, 'train_model.py'), params: { target: 'alert' }, maxMinutes: 1 });
  await expect(unknown).rejects.toBeInstanceOf(UnknownColumnError);
  await expect(unknown).rejects.toThrow(`parameter "target" names the column "alert", which dataset ${ward} does not have; its columns: patient, pulse, oxygen`);
  expect(delta(before, await ledger(bed.buyer, accounts()))).toEqual(Object.fromEntries(Object.keys(before).map((key) => [key, 0n])));
});

test('cancelling or refunding a job over several datasets takes back every job’s escrow, from any of its job ids', async () => {
  await allowEveryProvider(bed.owner, vitals);
  const counts = algorithmFile('counts.py', COUNTS);
  const { publicClient, deployments } = bed.buyer;
  const { computeMarket } = contractsOf(deployments);
  // Paid to the provider whose node never answers: the sending fails, the jobs are paid and kept.
  const pay = async () => {
    await expect(bed.client.request({ datasetId: [ward, vitals], algorithm: counts, providerId: dead, maxMinutes: 1 })).rejects.toMatchObject({ code: 'unreachable' });
    const last = await publicClient.readContract({ ...computeMarket, functionName: 'jobCount' });
    return bed.client.run(last);
  };

  const cancelled = await pay();
  expect(cancelled.map(({ job }) => job.datasetId)).toEqual([vitals, ward].sort((a, b) => Number(a - b)));
  const escrow = cancelled.reduce((sum, job) => sum + job.escrow, 0n);
  expect(escrow).toBe(cancelled[0]!.job.dataFee + cancelled[1]!.job.dataFee + 1_000n);
  let before = await ledger(bed.buyer, accounts());
  expect(await bed.client.cancel(cancelled[0]!.jobId)).toHaveLength(2);
  expect(delta(before, await ledger(bed.buyer, accounts()))['buyer.computeCredit']).toBe(escrow);
  expect((await bed.client.run(cancelled[0]!.jobId)).map(({ status, returned }) => [status, returned])).toEqual(cancelled.map((job) => [JobStatus.Cancelled, job.escrow]));

  const stalled = await pay();
  const second = stalled[1]!.jobId;
  await expect(bed.client.refund(second)).rejects.toThrow(/DeadlineNotReached/);
  const block = await publicClient.getBlock();
  await bed.services.chain.testClient.increaseTime({ seconds: Number(stalled[0]!.job.deadline - block.timestamp) + 1 });
  await bed.services.chain.testClient.mine({ blocks: 1 });
  before = await ledger(bed.buyer, accounts());
  expect(await bed.client.refund(second)).toHaveLength(2);
  expect(delta(before, await ledger(bed.buyer, accounts()))['buyer.computeCredit']).toBe(stalled.reduce((sum, job) => sum + job.escrow, 0n));
  expect((await bed.client.run(second)).map(({ status }) => status)).toEqual([JobStatus.Refunded, JobStatus.Refunded]);
});

test('a job over two datasets runs once on the provider every owner allows, each owner paid its own fee, read from its first job', async () => {
  const before = await ledger(bed.buyer, accounts());
  const quoted: bigint[] = [];
  const requested = await bed.client.request({ datasetId: [ward, vitals], algorithm: algorithmFile('counts.py', COUNTS), maxMinutes: 2 }, (quote) => quoted.push(...quote.jobs.map((job) => job.dataFee), quote.escrow));
  // No provider named: the first one both owners allow is the live one (the dead one is registered after it).
  expect(requested.provider.id).toBe(live);
  expect(requested.linked.map((job) => job.jobId)).toEqual([requested.jobId + 1n]);
  expect(quoted).toEqual([requested.job.dataFee, requested.linked[0]!.job.dataFee, requested.escrow]);
  expect(await bed.client.follow(requested.linked[0]!.jobId)).toMatchObject({ jobId: requested.jobId.toString(), status: 'finished' });

  const out = tmp();
  const results = await bed.client.results(requested.linked[0]!.jobId, out);
  const written = JSON.parse(readFileSync(path.join(out, 'outputs', 'counts.json'), 'utf8')) as { dids: string[]; rows: Record<string, number> };
  expect(written.dids).toEqual([vitals, ward].sort((a, b) => Number(a - b)).map(String));
  expect(written.rows[ward.toString()]).toBe(500);
  expect(results.receipt.receipt.datasets?.map((entry) => entry.datasetId)).toEqual(written.dids);
  const fees = [requested.job, requested.linked[0]!.job].map((job) => [job.datasetId, job.dataFee - feeOn(job.dataFee, job.feeBps)]);
  expect(results.splits.map(({ datasetId, split }) => [datasetId, split.ownerAmount])).toEqual(fees);
  const change = delta(before, await ledger(bed.buyer, accounts()));
  const paid = Object.fromEntries(fees) as Record<string, bigint>;
  expect([change['owner.computeCredit'], change['ownerB.computeCredit']]).toEqual([paid[vitals.toString()], paid[ward.toString()]]);
}, 240_000);
