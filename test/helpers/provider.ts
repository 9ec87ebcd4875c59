/**
 * Compute-to-data test bed: the market's services plus a provider node (in this process, or as its own
 * `datagora provider` process), a compute-only demo dataset published by its owner, and balance bookkeeping.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEventLogs, type Address } from 'viem';
import { algorithmHash } from '@/lib/compute/algorithm';
import type { JobView } from '@/lib/compute/api';
import type { JobOnChain } from '@/lib/compute/receipt';
import { ComputeClient } from '@/lib/compute/buyer/client';
import { quoteJob, requestJobArgs } from '@/lib/compute/buyer/quote';
import { generateResultKeyPair } from '@/lib/compute/results';
import { DEFAULT_GUARD_POLICY } from '@/lib/compute/guard';
import { PROVIDER_DEV_ACCOUNT, ProviderNode } from '@/lib/compute/provider/node';
import { computeMarketAbi, contractsOf } from '@/lib/contracts';
import { DEMO_DATASETS, writeDemoFile } from '@/lib/demo/datasets';
import type { DatasetInfo, Market } from '@/lib/market';
import { startTestServices, type TestServices } from './services';

export const OWNER = 4;
export const BUYER = 2;
export const OPERATOR = PROVIDER_DEV_ACCOUNT;
export const ROOT = path.resolve(__dirname, '..', '..');
export const EXAMPLES = path.join(ROOT, 'examples', 'algorithms');

export interface ComputeBed {
  services: TestServices;
  provider?: ProviderNode;
  /** The compute-only demo dataset (patient vitals) and its plaintext file. */
  datasetId: bigint;
  dataFile: string;
  owner: Market;
  buyer: Market;
  client: ComputeClient;
  startProvider(): Promise<ProviderNode>;
  stop(): Promise<void>;
}

/**
 * Publishes `file` as compute-only at 15 dUSD a job, as `market`'s account, allowing every registered provider.
 * Unless `info` says otherwise, any algorithm runs under the default output guard and no byte budget: the suites
 * that run free-form algorithms (guard, sandbox, settlement) test those, and the templates suites choose their own.
 */
export async function publishComputeOnly(market: Market, file: string, info: Partial<DatasetInfo> = {}): Promise<bigint> {
  const providers = await registeredProviders(market);
  const open = { compute: { algorithms: 'any', outputGuard: { ...DEFAULT_GUARD_POLICY } }, release: { bytesPerJob: DEFAULT_GUARD_POLICY.maxOutputBytes } } as const;
  const { datasetId } = await market.publish(file, { title: 'Vitals', tags: ['health'], providers, ...open, ...info }, { preset: 'compute-only' }, { download: 0n, compute: 15_000_000n });
  return datasetId;
}

/** The ids of every provider registered so far. */
async function registeredProviders(market: Market): Promise<bigint[]> {
  const count = await market.publicClient.readContract({ ...contractsOf(market.deployments).computeMarket, functionName: 'providerCount' });
  return Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
}

/** The owner of `datasetId` (acting as `owner`) allows every provider registered so far to run jobs on it. */
export async function allowEveryProvider(owner: Market, datasetId: bigint): Promise<void> {
  await new ComputeClient(owner).setProvidersAllowed(datasetId, await registeredProviders(owner), true);
}

export async function startComputeBed(options: { provider?: boolean } = {}): Promise<ComputeBed> {
  const services = await startTestServices();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datagora-compute-'));
  const vitals = DEMO_DATASETS.find((d) => d.file === 'patient-vitals.csv')!;
  const dataFile = await writeDemoFile(dir, vitals, 7);
  const owner = await services.market(OWNER);
  const buyer = await services.market(BUYER);
  const datasetId = await publishComputeOnly(owner, dataFile);
  const bed: ComputeBed = {
    services,
    datasetId,
    dataFile,
    owner,
    buyer,
    client: new ComputeClient(buyer),
    async startProvider() {
      bed.provider = await ProviderNode.start({ config: services.config, operator: services.account(OPERATOR), resources: { cpus: 2, memoryMb: 4096, gpus: [], gpuDevices: [], cudaLibraryDirs: [] }, ...(process.env.DATAGORA_TEST_LOG ? { log: (line: string) => console.log(line) } : {}) });
      await allowEveryProvider(owner, datasetId);
      return bed.provider;
    },
    async stop() {
      await bed.provider?.stop();
      await services.stop();
    },
  };
  if (options.provider ?? true) await bed.startProvider();
  return bed;
}

/** Every stablecoin amount a compute job can move: wallets and what each party can withdraw. */
export async function ledger(market: Market, accounts: Record<string, Address>): Promise<Record<string, bigint>> {
  const { publicClient, deployments } = market;
  const contracts = contractsOf(deployments);
  const token = deployments.stablecoin.address;
  const entries: [string, bigint][] = [];
  for (const [name, address] of Object.entries(accounts)) {
    const [wallet, compute, sales] = await Promise.all([
      publicClient.readContract({ ...contracts.stablecoin, functionName: 'balanceOf', args: [address] }),
      publicClient.readContract({ ...contracts.computeMarket, functionName: 'withdrawable', args: [token, address] }),
      publicClient.readContract({ ...contracts.marketplace, functionName: 'withdrawable', args: [token, address] }),
    ]);
    entries.push([`${name}.wallet`, wallet], [`${name}.computeCredit`, compute], [`${name}.salesCredit`, sales]);
  }
  entries.push(['escrow', await publicClient.readContract({ ...contracts.stablecoin, functionName: 'balanceOf', args: [deployments.contracts.computeMarket] })]);
  return Object.fromEntries(entries);
}

/** `after - before` per key. */
export function delta(before: Record<string, bigint>, after: Record<string, bigint>): Record<string, bigint> {
  return Object.fromEntries(Object.keys(after).map((key) => [key, after[key]! - (before[key] ?? 0n)]));
}

/**
 * A buyer who skips the SDK's checks: pays a job for `content` on the bed's provider straight on the contract,
 * reserving `epsilon` millionths (and `releaseBytes`, else what the quote offers), and submits it with `params`.
 * Returns the job's final view: what the provider node itself enforces.
 */
export async function payAndSubmit(bed: ComputeBed, datasetId: bigint, algorithm: { name: string; content: Uint8Array }, params: unknown, epsilon = 0n, releaseBytes?: bigint): Promise<JobView> {
  const { publicClient, deployments } = bed.buyer;
  const contracts = contractsOf(deployments);
  const choice = { datasetId, providerId: bed.provider!.providerId, environment: 0, maxMinutes: 1, aiTraining: false, epsilon };
  const quote = await quoteJob(publicClient, deployments.contracts, { ...choice, epsilon: 0n }, bed.buyer.account!.address);
  await bed.buyer.send('approve', { ...contracts.stablecoin, functionName: 'approve', args: [deployments.contracts.computeMarket, quote.escrow] });
  const { logs } = await bed.buyer.send('request', { ...contracts.computeMarket, functionName: 'requestJob', args: requestJobArgs(choice, { ...quote, epsilon, ...(releaseBytes !== undefined ? { releaseBytes } : {}) }, algorithmHash(algorithm.content)) });
  const [requested] = parseEventLogs({ abi: computeMarketAbi, eventName: 'JobRequested', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  const jobId = requested!.args.jobId;
  await bed.client.submit(jobId, quote.endpoint, { name: algorithm.name, content: algorithm.content, params, resultKey: generateResultKeyPair().publicKey });
  return bed.client.follow(jobId);
}

/** Job `jobId` as a receipt is checked against on-chain: its request, its provider's node key and its settlement. */
export async function jobOnChain(market: Market, jobId: bigint): Promise<JobOnChain> {
  const { publicClient, deployments } = market;
  const { computeMarket } = contractsOf(deployments);
  const fromBlock = BigInt(deployments.startBlock);
  const [requested, settled] = await Promise.all([
    publicClient.getContractEvents({ ...computeMarket, eventName: 'JobRequested', args: { jobId }, fromBlock }),
    publicClient.getContractEvents({ ...computeMarket, eventName: 'JobSettled', args: { jobId }, fromBlock }),
  ]);
  const job = requested[0]!.args.job!;
  const provider = await publicClient.readContract({ ...computeMarket, functionName: 'getProvider', args: [job.providerId] });
  const event = settled[0]?.args;
  const settlement = event?.resultHash && event.minutesUsed !== undefined && event.delivered !== undefined ? { resultHash: event.resultHash, minutesUsed: event.minutesUsed, delivered: event.delivered } : undefined;
  return { jobId, job, nodeKey: provider.signer, settlement };
}
