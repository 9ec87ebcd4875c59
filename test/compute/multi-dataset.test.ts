/**
 * One compute job over two datasets of two owners on one provider, against the real chain, IPFS node, key nodes
 * and a provider node running the algorithm once in the bubblewrap sandbox: paid with one requestJob (one job per
 * dataset, linked), submitted once as its first job, both datasets mounted at /data/inputs/<id>/0, each owner paid
 * its own fee, the provider's minutes once, one receipt naming both datasets with which every job settles. Attacks:
 * rows of the second dataset copied to the outputs, a later job of a run or two separately paid jobs submitted as
 * one, and a run whose second owner withdrew the provider after the request. A node that dies between two
 * settlements settles the rest alike once restarted.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getAbiItem, parseEventLogs, toFunctionSelector } from 'viem';
import { openJobResults } from '@/lib/compute/actions/results';
import { algorithmHash } from '@/lib/compute/algorithm';
import { jobAuthorization, providerRequest } from '@/lib/compute/auth';
import { jobInput, quoteJob } from '@/lib/compute/buyer/quote';
import { ComputeClient } from '@/lib/compute/buyer/client';
import type { ComputePort } from '@/lib/compute/port';
import { ProviderNode } from '@/lib/compute/provider/node';
import { JobStatus } from '@/lib/compute/settlement';
import { RUN_RECEIPT_FORMAT, verifyReceiptOnChain } from '@/lib/compute/receipt';
import { describeFiles, generateResultKeyPair, resultsDirectory, unwrapResultsKey, type ResultKeyPair } from '@/lib/compute/results';
import { templateByName } from '@/lib/compute/templates';
import { computeMarketAbi, contractsOf } from '@/lib/contracts';
import type { Market } from '@/lib/market';
import { resultHashOf, rootFromProof } from '@/lib/lineage/outputs';
import { removeWorkspace } from '@/lib/os/workspace';
import { contentProof } from '@/lib/lineage/provenance';
import { BUYER, delta, jobOnChain, ledger, OPERATOR, OWNER, publishComputeOnly, startComputeBed, type ComputeBed } from '../helpers/provider';
import { feeOn } from '../helpers/compute';
import { freePort } from '../helpers/market';

/** The second dataset's owner: another hospital. */
const OWNER_B = 5;
const WARD_ROWS = 1_500;

let bed: ComputeBed;
let ownerB: Market;
let wardId: bigint;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'datagora-multi-'));

/** A second hospital's vitals: another layout and other patients than the bed's dataset. */
function wardFile(): string {
  const rows = Array.from({ length: WARD_ROWS }, (_, i) => `W${String(i).padStart(5, '0')},ward-b,${60 + ((i * 37) % 50)},${90 + ((i * 13) % 10)}.${i % 10},${(36 + ((i * 7) % 30) / 10).toFixed(1)}`);
  return bed.services.file('ward-b.csv', `patient,ward,pulse,oxygen,temperature\n${rows.join('\n')}\n`);
}

beforeAll(async () => {
  bed = await startComputeBed();
  ownerB = await bed.services.market(OWNER_B);
  wardId = await publishComputeOnly(ownerB, wardFile(), { title: 'Ward B vitals' });
}, 180_000);

afterAll(async () => {
  await bed?.stop();
});

function accounts() {
  const { services } = bed;
  return { owner: services.account(OWNER).address, ownerB: services.account(OWNER_B).address, buyer: services.account(BUYER).address, operator: services.account(OPERATOR).address, treasury: services.account(0).address };
}

/** Reads every dataset it is given and writes their row counts: proof of what was mounted where. */
const COUNTS = `import json, os
dids = json.loads(os.environ["DIDS"])
rows = {d: sum(1 for _ in open(f"/data/inputs/{d}/0")) - 1 for d in dids}
ddos = {d: json.load(open(f"/data/ddos/{d}"))["id"] for d in dids}
json.dump({"dids": dids, "rows": rows, "ddos": ddos, "inputs": sorted(os.listdir("/data/inputs")), "total": sum(rows.values())}, open("/data/outputs/aggregate.json", "w"))
`;

interface PaidJob {
  jobId: bigint;
  job: Awaited<ReturnType<ComputeClient['job']>>['job'];
  escrow: bigint;
}

/** The buyer pays one requestJob over `datasetIds` (ascending) on the bed's provider for `algorithm`: one job per dataset. */
async function payRun(datasetIds: readonly bigint[], algorithm: string, maxMinutes = 2): Promise<PaidJob[]> {
  const { publicClient, deployments } = bed.buyer;
  const contracts = contractsOf(deployments);
  const choices = datasetIds.map((datasetId) => ({ datasetId, providerId: bed.provider!.providerId, environment: 0, maxMinutes, aiTraining: false }));
  const quotes = await Promise.all(choices.map((choice) => quoteJob(publicClient, deployments.contracts, choice, bed.buyer.account!.address)));
  // The provider's minutes are escrowed once, on the run's first job; each job holds its dataset's fee.
  const escrow = quotes.reduce((sum, quote, i) => sum + (i === 0 ? quote.escrow : quote.dataFee), 0n);
  await bed.buyer.send('approve', { ...contracts.stablecoin, functionName: 'approve', args: [deployments.contracts.computeMarket, escrow] });
  const inputs = choices.map((choice, i) => jobInput(choice, quotes[i]!));
  const { logs } = await bed.buyer.send('request', { ...contracts.computeMarket, functionName: 'requestJob', args: [inputs, algorithmHash(Buffer.from(algorithm)), false, maxMinutes, escrow] });
  return parseEventLogs({ abi: computeMarketAbi, eventName: 'JobRequested', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] }).map(({ args }) => ({ jobId: args.jobId, job: args.job, escrow: args.escrow }));
}

/** The buyer takes back the escrow of `jobs`, never accepted. */
async function cancel(jobs: readonly PaidJob[]): Promise<void> {
  for (const { jobId, job } of jobs) await bed.buyer.send(`cancel job ${jobId}`, { ...contractsOf(bed.buyer.deployments).computeMarket, functionName: 'cancelJob', args: [jobId, job] });
}

/** Submits `algorithm` for the run starting at `jobId`, as the SDK posts a paid job to its node. */
function submit(jobId: bigint, algorithm: string, keys: ResultKeyPair) {
  return bed.client.submit(jobId, bed.provider!.url, { name: 'aggregate.py', content: Buffer.from(algorithm), params: {}, resultKey: keys.publicKey });
}

/** Opens the run's results as its buyer into `out`, checked against the receipt and the first job's settlement. */
function open(jobId: bigint, keys: ResultKeyPair, out: string) {
  const { buyer } = bed;
  const port: ComputePort<ResultKeyPair> = {
    ...buyer.port(),
    signer: buyer.account!,
    newResultKey: async () => keys,
    keepJob: async () => undefined,
    openResultsKey: async (wrapped, key) => unwrapResultsKey(wrapped, key),
    ciphertext: (cid) => buyer.store.cat(cid),
  };
  const job = { jobId, endpoint: bed.provider!.url, chainId: buyer.deployments.chainId, computeMarket: buyer.deployments.contracts.computeMarket, resultKey: keys };
  return openJobResults(port, job, resultsDirectory(out), BigInt(buyer.deployments.startBlock));
}

/** Each job's JobSettled event, by job id. */
async function settlements(jobs: readonly PaidJob[]) {
  const { publicClient, deployments } = bed.buyer;
  const events = await publicClient.getContractEvents({ ...contractsOf(deployments).computeMarket, eventName: 'JobSettled', args: { jobId: jobs.map((job) => job.jobId) }, fromBlock: BigInt(deployments.startBlock) });
  return jobs.map(({ jobId }) => events.find((event) => event.args.jobId === jobId)!.args);
}

test('a job over two owners’ datasets mounts both, pays each owner its own fee and the provider once, and settles every job with one receipt naming both', async () => {
  const before = await ledger(bed.buyer, accounts());
  const jobs = await payRun([bed.datasetId, wardId], COUNTS);
  const [first, second] = jobs as [PaidJob, PaidJob];
  expect(second.jobId).toBe(first.jobId + 1n);
  expect(second.job.pricePerMinute).toBe(0n);
  const keys = generateResultKeyPair();
  await expect(submit(first.jobId, COUNTS, keys)).resolves.toMatchObject({ jobId: first.jobId.toString(), status: 'queued', linked: [{ jobId: second.jobId.toString(), datasetId: wardId.toString() }] });
  expect(await bed.client.follow(first.jobId)).toMatchObject({ status: 'finished' });

  const out = tmp();
  const results = await open(first.jobId, keys, out);
  const aggregate = JSON.parse(readFileSync(path.join(out, 'outputs', 'aggregate.json'), 'utf8')) as { dids: string[]; rows: Record<string, number>; ddos: Record<string, string>; inputs: string[] };
  const [a, b] = [bed.datasetId.toString(), wardId.toString()];
  expect(aggregate).toMatchObject({ dids: [a, b], rows: { [a]: 12_000, [b]: WARD_ROWS }, ddos: { [a]: a, [b]: b } });
  expect(aggregate.inputs).toEqual(expect.arrayContaining([a, b]));

  // One receipt names every dataset of the run, and holds against each job's own record on-chain.
  const { receipt: signed } = results;
  const [vitals, ward] = await Promise.all([bed.owner.getDataset(bed.datasetId), ownerB.getDataset(wardId)]);
  expect(signed.format).toBe(RUN_RECEIPT_FORMAT);
  expect(signed.receipt).toMatchObject({ jobId: first.jobId.toString(), delivered: true, status: 'finished' });
  expect(signed.receipt.datasets).toEqual([
    { jobId: first.jobId.toString(), datasetId: a, datasetCid: vitals.document.content.cid },
    { jobId: second.jobId.toString(), datasetId: b, datasetCid: ward.document.content.cid },
  ]);
  const { publicClient, deployments } = bed.buyer;
  const market = { chainId: deployments.chainId, computeMarket: deployments.contracts.computeMarket };
  const hashes = await Promise.all(jobs.map(async ({ jobId }) => verifyReceiptOnChain(signed, market, await jobOnChain(bed.buyer, jobId))));
  expect(hashes[1]).toBe(hashes[0]);

  // Every job settles alike: the same result, minutes, delivery and released bytes (what was released, once).
  const settled = await settlements(jobs);
  const released = (await describeFiles(path.join(out, 'outputs'))).reduce((sum, file) => sum + file.size, 0) + (await describeFiles(path.join(out, 'logs')).catch(() => [])).reduce((sum, file) => sum + file.size, 0);
  for (const event of settled) expect(event).toMatchObject({ resultHash: settled[0]!.resultHash, minutesUsed: signed.receipt.minutesUsed, delivered: true, releasedBytes: BigInt(released) });

  // Each owner is paid its own data fee, the provider its minutes once (the second job carries no price).
  const change = delta(before, await ledger(bed.buyer, accounts()));
  const providerFee = BigInt(signed.receipt.minutesUsed) * first.job.pricePerMinute;
  expect(change['owner.computeCredit']).toBe(first.job.dataFee - feeOn(first.job.dataFee, first.job.feeBps));
  expect(change['ownerB.computeCredit']).toBe(second.job.dataFee - feeOn(second.job.dataFee, second.job.feeBps));
  expect(change['operator.computeCredit']).toBe(providerFee - feeOn(providerFee, first.job.feeBps));
  expect(change['buyer.wallet']).toBe(-(first.escrow + second.escrow));
  expect(change['buyer.computeCredit']).toBe(first.escrow + second.escrow - first.job.dataFee - second.job.dataFee - providerFee);
  const withdrawn = await ownerB.withdraw();
  expect(withdrawn.amount).toBe(change['ownerB.computeCredit']);

  // A model trained here can claim each dataset as a parent through that dataset's own job: the one result proves
  // the output against either job, as the registry checks it.
  const output = (await describeFiles(path.join(out, 'outputs')))[0]!;
  const proof = contentProof(signed, await describeFiles(path.join(out, 'outputs')), output.sha256);
  const resultHash = resultHashOf(proof.receiptHash, rootFromProof(output.sha256, proof.outputsProof));
  for (const { jobId, job } of jobs) {
    expect(await publicClient.readContract({ ...contractsOf(deployments).computeMarket, functionName: 'isDeliveredResult', args: [jobId, job, resultHash] })).toBe(true);
  }

  // The second owner reads the run's report through its own job.
  await expect(new ComputeClient(ownerB).report(second.jobId)).resolves.toMatchObject({ jobId: first.jobId.toString(), status: 'finished' });
});

test('an algorithm copying rows of the second dataset to its outputs is blocked, and every data fee goes back', async () => {
  const copy = `import json, os
dids = json.loads(os.environ["DIDS"])
rows = open(f"/data/inputs/{dids[1]}/0").read().splitlines()[1:21]
open("/data/outputs/sample.csv", "w").write("\\n".join(rows) + "\\n")
`;
  const before = await ledger(bed.buyer, accounts());
  const jobs = await payRun([bed.datasetId, wardId], copy);
  const keys = generateResultKeyPair();
  await submit(jobs[0]!.jobId, copy, keys);
  expect(await bed.client.follow(jobs[0]!.jobId)).toMatchObject({ status: 'failed', reason: 'blocked-leak', guard: { kinds: { 'verbatim-leak': 1 } } });
  const results = await open(jobs[0]!.jobId, keys, tmp());
  expect(results.outputs).toEqual([]);
  expect(results.receipt.receipt).toMatchObject({ delivered: false, reason: 'blocked-leak' });
  for (const event of await settlements(jobs)) expect(event).toMatchObject({ delivered: false, releasedBytes: 0n });
  const change = delta(before, await ledger(bed.buyer, accounts()));
  expect(change['owner.computeCredit']).toBe(0n);
  expect(change['ownerB.computeCredit']).toBe(0n);
  // The algorithm ran: its minutes are the provider's; both data fees come back.
  const providerFee = BigInt(results.receipt.receipt.minutesUsed) * jobs[0]!.job.pricePerMinute;
  expect(change['buyer.computeCredit']).toBe(jobs[0]!.escrow + jobs[1]!.escrow - providerFee);
});

test('a later job of a run is refused, naming the first; two jobs paid apart cannot be submitted as one run', async () => {
  const jobs = await payRun([bed.datasetId, wardId], COUNTS);
  const keys = generateResultKeyPair();
  await expect(submit(jobs[1]!.jobId, COUNTS, keys)).rejects.toMatchObject({ status: 409, code: 'not-first-job', message: expect.stringContaining(`starts with job ${jobs[0]!.jobId}`) });
  await cancel(jobs);

  // Paid apart, each job is a run of its own: naming the other in the submission is refused, and submitted alone
  // the first runs on its own dataset only, whatever its algorithm expects.
  const [alone] = await payRun([bed.datasetId], COUNTS);
  const [other] = await payRun([wardId], COUNTS);
  const endpoint = bed.provider!.url;
  const authorization = await jobAuthorization(bed.buyer.account!, { endpoint, chainId: bed.buyer.deployments.chainId, jobId: alone!.jobId, resultKey: keys.publicKey });
  const glued = { jobId: alone!.jobId.toString(), jobIds: [alone!.jobId.toString(), other!.jobId.toString()], algorithm: { name: 'aggregate.py', content: Buffer.from(COUNTS).toString('base64') }, params: {}, resultKey: keys.publicKey };
  await expect(providerRequest(endpoint, '/api/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(glued) })).rejects.toMatchObject({ status: 400, code: 'malformed-submission' });
  await submit(alone!.jobId, COUNTS, keys);
  expect(await bed.client.follow(alone!.jobId)).toMatchObject({ status: 'finished' });
  const out = tmp();
  const results = await open(alone!.jobId, keys, out);
  expect(results.receipt.receipt.datasets).toBeUndefined();
  expect(JSON.parse(readFileSync(path.join(out, 'outputs', 'aggregate.json'), 'utf8'))).toMatchObject({ dids: [bed.datasetId.toString()], rows: { [bed.datasetId.toString()]: 12_000 } });
  await cancel([other!]);
});

test('a template over two datasets is refused before it runs, every fee back', async () => {
  const template = templateByName('aggregate')!;
  const before = await ledger(bed.buyer, accounts());
  const jobs = await payRun([bed.datasetId, wardId], template.source);
  await bed.client.submit(jobs[0]!.jobId, bed.provider!.url, { name: 'aggregate.py', content: Buffer.from(template.source), params: { groupBy: [], metrics: [{ column: 'pulse', fn: 'count' }] }, resultKey: generateResultKeyPair().publicKey });
  expect(await bed.client.follow(jobs[0]!.jobId)).toMatchObject({ status: 'failed', reason: 'template-one-dataset' });
  const change = delta(before, await ledger(bed.buyer, accounts()));
  expect(change['buyer.computeCredit']).toBe(jobs[0]!.escrow + jobs[1]!.escrow);
});

test('a run whose second owner withdrew the provider after the request fails before anything is decrypted, every fee back', async () => {
  const clientB = new ComputeClient(ownerB);
  const jobs = await payRun([bed.datasetId, wardId], COUNTS);
  await clientB.setProvidersAllowed(wardId, [bed.provider!.providerId], false);
  try {
    const before = await ledger(bed.buyer, accounts());
    const keys = generateResultKeyPair();
    await submit(jobs[0]!.jobId, COUNTS, keys);
    const final = await bed.client.follow(jobs[0]!.jobId);
    expect(final).toMatchObject({ status: 'failed', reason: 'provider-not-allowed' });
    expect(final.history.at(-1)!.detail).toContain(`the owner of dataset ${wardId} withdrew provider ${bed.provider!.providerId}`);
    const results = await open(jobs[0]!.jobId, keys, tmp());
    expect(results.receipt.receipt).toMatchObject({ delivered: false, minutesUsed: 0, exitCode: -1 });
    for (const event of await settlements(jobs)) expect(event).toMatchObject({ delivered: false, minutesUsed: 0 });
    const change = delta(before, await ledger(bed.buyer, accounts()));
    expect(change).toMatchObject({ 'owner.computeCredit': 0n, 'ownerB.computeCredit': 0n, 'operator.computeCredit': 0n, 'buyer.computeCredit': jobs[0]!.escrow + jobs[1]!.escrow });
    // Neither job was accepted: the node never had access to either dataset's key for this run.
    const accepted = await bed.buyer.publicClient.getContractEvents({ ...contractsOf(bed.buyer.deployments).computeMarket, eventName: 'JobAccepted', args: { jobId: jobs.map((job) => job.jobId) }, fromBlock: BigInt(bed.buyer.deployments.startBlock) });
    expect(accepted).toEqual([]);
  } finally {
    await clientB.setProvidersAllowed(wardId, [bed.provider!.providerId], true);
  }
});

test('a node that dies between two settlements of a run settles the rest with the receipt it signed once restarted, and runs nothing again', async () => {
  const jobs = await payRun([bed.datasetId, wardId], COUNTS);
  const keys = generateResultKeyPair();
  const { testClient } = bed.services.chain;
  const node = bed.provider!;
  const submitResult = toFunctionSelector(getAbiItem({ abi: computeMarketAbi, name: 'submitResult' }));
  const left = mkdtempSync(path.join(os.tmpdir(), 'datagora-crashed-node-'));
  // Blocks are mined by hand from here: every transaction of the node's, up to its second settlement.
  await testClient.setAutomine(false);
  try {
    await submit(jobs[0]!.jobId, COUNTS, keys);
    for (let settled = 0, crashed = false; !crashed; ) {
      const pending = Object.values((await testClient.getTxpoolContent()).pending).flatMap((byNonce) => Object.values(byNonce));
      const settling = pending.find((tx) => tx.input.startsWith(submitResult));
      if (settling && settled === 1) {
        // The node dies here: what it left on disk is its directory now, and its transaction never lands.
        cpSync(node.config.compute.dir, left, { recursive: true });
        await node.stop();
        await testClient.dropTransaction({ hash: settling.hash });
        crashed = true;
      } else if (pending.length > 0) {
        if (settling) settled += 1;
        await testClient.mine({ blocks: 1 });
      } else {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } finally {
    await testClient.setAutomine(true);
  }
  expect((await settlements(jobs.slice(0, 1)))[0]).toMatchObject({ delivered: true });
  expect(await bed.buyer.publicClient.readContract({ ...contractsOf(bed.buyer.deployments).computeMarket, functionName: 'jobStatus', args: [jobs[1]!.jobId] })).toBe(JobStatus.Accepted);

  const port = await freePort();
  bed.provider = await ProviderNode.start({ config: { ...node.config, compute: { ...node.config.compute, dir: left, port, url: `http://127.0.0.1:${port}` } }, operator: bed.services.account(OPERATOR), resources: node.resources });
  const [a, b] = await settlements(jobs);
  expect(b).toMatchObject({ delivered: true, resultHash: a!.resultHash, minutesUsed: a!.minutesUsed, releasedBytes: a!.releasedBytes });
  const record = JSON.parse(readFileSync(path.join(left, 'jobs', `${jobs[0]!.jobId}.json`), 'utf8')) as { attempts: number; status: string; pending?: unknown };
  expect(record).toMatchObject({ attempts: 1, status: 'finished' });
  expect(record.pending).toBeUndefined();
  // The buyer opens the one run's results, checked against each job's settlement.
  const out = tmp();
  await open(jobs[0]!.jobId, keys, out);
  expect(JSON.parse(readFileSync(path.join(out, 'outputs', 'aggregate.json'), 'utf8'))).toMatchObject({ total: 12_000 + WARD_ROWS });
  // The dead node's workspace, which a restart in its own directory would have removed.
  const work = path.join(node.config.compute.dir, 'work');
  for (const entry of readdirSync(work)) if (entry.startsWith('ws-')) await removeWorkspace(path.join(work, entry));
}, 240_000);
