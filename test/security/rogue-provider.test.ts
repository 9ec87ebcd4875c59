/**
 * Attack 1 of the trust issue, end to end: any account registers a provider with a node key it controls and asks
 * for jobs on someone else's compute-only data, hoping the key network then releases the data key to that node
 * key. With owners choosing their providers, the request reverts with ProviderNotAllowed, the key nodes refuse the
 * rogue key (the condition is false), the owner's chosen provider still runs jobs, and a provider the owner allowed
 * decrypts only while a job it accepted is open — and not a moment after the owner withdraws it.
 */
import path from 'node:path';
import { getAbiItem, parseEventLogs, type LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { AccessDeniedError, openKeyNetwork, parseEnvelope, type KeyNetwork } from '@/lib/access';
import { algorithmHash } from '@/lib/compute/algorithm';
import { ComputeClient } from '@/lib/compute/buyer/client';
import { quoteJob, requestJobArgs, type JobChoice } from '@/lib/compute/buyer/quote';
import { signProviderNode, type Job } from '@/lib/compute/settlement';
import { computeMarketAbi, contractsOf, mockStablecoinAbi } from '@/lib/contracts';
import { createSha256, decryptStream, toHex } from '@/lib/crypto';
import { TransactionRejectedError, type Market } from '@/lib/market';
import { BUYER, EXAMPLES, publishComputeOnly, startComputeBed, type ComputeBed } from '../helpers/provider';

const ROGUE = 6;
const ENVIRONMENTS = [{ kind: 0, cpus: 2, memoryMb: 2048, gpus: 0, gpuModel: '', pricePerMinute: 10_000n }];

let bed: ComputeBed;
let keys: KeyNetwork;

beforeAll(async () => {
  bed = await startComputeBed();
  keys = await openKeyNetwork(bed.services.config, bed.owner.deployments);
}, 180_000);

afterAll(async () => {
  await keys?.close();
  await bed?.stop();
});

/** Registers a provider owned by `market`'s account whose node key is a fresh key only this test holds. */
async function registerProvider(market: Market): Promise<{ providerId: bigint; node: LocalAccount }> {
  const node = privateKeyToAccount(generatePrivateKey());
  const { computeMarket } = contractsOf(market.deployments);
  const consent = await signProviderNode(node, { chainId: market.deployments.chainId, computeMarket: computeMarket.address }, market.account!.address, 'http://127.0.0.1:9/rogue');
  const { logs } = await market.send('register a provider', { ...computeMarket, functionName: 'registerProvider', args: ['http://127.0.0.1:9/rogue', node.address, ENVIRONMENTS, consent] });
  const [event] = parseEventLogs({ abi: [getAbiItem({ abi: computeMarketAbi, name: 'ProviderRegistered' })], logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  return { providerId: event!.args.providerId, node };
}

/** Pays a job into escrow directly on the contract (no node is asked to run it); returns its id and struct. */
async function payJob(market: Market, choice: JobChoice): Promise<{ jobId: bigint; job: Job }> {
  const { computeMarket } = contractsOf(market.deployments);
  const quote = await quoteJob(market.publicClient, market.deployments.contracts, choice, market.account!.address);
  await market.send('approve', { address: quote.currency, abi: mockStablecoinAbi, functionName: 'approve', args: [computeMarket.address, quote.escrow] });
  const { logs } = await market.send('request a job', { ...computeMarket, functionName: 'requestJob', args: requestJobArgs(choice, quote, algorithmHash(Buffer.from('print(1)'))) });
  const [event] = parseEventLogs({ abi: computeMarketAbi, eventName: 'JobRequested', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  return { jobId: event!.args.jobId, job: event!.args.job };
}

/** Asks the key network for the data key of `datasetId` as `account`, and decrypts the content with it. */
async function steal(datasetId: bigint, account: LocalAccount): Promise<string> {
  const { document } = await bed.owner.getDataset(datasetId);
  const dataKey = await keys.decryptKey(parseEnvelope(document.key, keys.kind), account);
  const hash = createSha256();
  for await (const chunk of decryptStream(dataKey, bed.owner.store.cat(document.content.cid))) hash.update(chunk);
  return toHex(hash.digest());
}

async function refusal(promise: Promise<unknown>): Promise<AccessDeniedError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AccessDeniedError);
  return error as AccessDeniedError;
}

test('a rogue provider cannot take a job on a dataset whose owner did not allow it, and the key nodes refuse its key', async () => {
  // Every shape of data the attack took on main: compute-only, approved-algorithms only, downloads and compute.
  const approvedOnly = await publishComputeOnly(bed.owner, bed.dataFile, { title: 'Vitals, approved only', compute: { algorithms: 'approved', outputGuard: { maxOutputBytes: 16 << 20, leakDetection: true } } });
  const { datasetId: both } = await bed.owner.publish(bed.dataFile, { title: 'Vitals, both', providers: [bed.provider!.providerId] }, { preset: 'commercial' }, { download: 9_000_000n, compute: 5_000_000n });
  const rogue = await bed.services.market(ROGUE);
  const { providerId, node } = await registerProvider(rogue);
  for (const datasetId of [bed.datasetId, approvedOnly, both]) {
    const choice = { datasetId, providerId, environment: 0, maxMinutes: 1, aiTraining: false };
    // The SDK says why before paying; the contract enforces it for anyone who skips the SDK.
    await expect(quoteJob(rogue.publicClient, rogue.deployments.contracts, choice, rogue.account!.address)).rejects.toThrow(`does not allow provider ${providerId}`);
    const { computeMarket } = contractsOf(rogue.deployments);
    const { termsId } = await rogue.getDataset(datasetId);
    const spec = await rogue.publicClient.readContract({ ...computeMarket, functionName: 'environmentHash', args: [providerId, 0] });
    const request = rogue.send('request a job on my own provider', {
      ...computeMarket,
      functionName: 'requestJob',
      args: [[{ datasetId, termsId, providerId, environment: 0, environmentSpec: spec, epsilon: 0n, releaseBytes: 4096n }], algorithmHash(Buffer.from('x')), false, 1, 10n ** 12n],
    });
    await expect(request).rejects.toMatchObject({ errorName: 'ProviderNotAllowed' });
    await expect(request).rejects.toBeInstanceOf(TransactionRejectedError);
    const denied = await refusal(steal(datasetId, node));
    expect(denied.refusals.map((r) => r.code)).toEqual(expect.arrayContaining(['conditions-not-met']));
  }
});

test('the owner’s chosen provider still runs a paid job to the end', async () => {
  const requested = await new ComputeClient(await bed.services.market(BUYER)).request({ datasetId: bed.datasetId, algorithm: path.join(EXAMPLES, 'aggregate_stats.py'), params: { group_by: 'alert', columns: ['heart_rate'] }, maxMinutes: 2 });
  const final = await bed.client.follow(requested.jobId);
  expect(final.status).toBe('finished');
});

test('an allowed provider decrypts only with a job it accepted, and loses access the moment the owner withdraws it', async () => {
  const operator = await bed.services.market(ROGUE);
  const { providerId, node } = await registerProvider(operator);
  await new ComputeClient(bed.owner).setProvidersAllowed(bed.datasetId, [providerId], true);
  const buyer = await bed.services.market(BUYER);
  const { jobId, job } = await payJob(buyer, { datasetId: bed.datasetId, providerId, environment: 0, maxMinutes: 5, aiTraining: false });
  // Requested, not accepted: a request alone (which the buyer could cancel at once for a full refund) grants nothing.
  await refusal(steal(bed.datasetId, node));
  await operator.send(`accept job ${jobId}`, { ...contractsOf(operator.deployments).computeMarket, functionName: 'acceptJob', args: [jobId, job] });
  const { document } = await bed.owner.getDataset(bed.datasetId);
  expect(await steal(bed.datasetId, node)).toBe(document.plaintextSha256);
  await new ComputeClient(bed.owner).setProvidersAllowed(bed.datasetId, [providerId], false);
  const denied = await refusal(steal(bed.datasetId, node));
  expect(denied.refusals.map((r) => r.code)).toEqual(expect.arrayContaining(['conditions-not-met']));
});
