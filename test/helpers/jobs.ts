/**
 * Compute jobs straight on ComputeMarket, as a provider node's buyers pay for them and as its node settles them,
 * for tests of what reads the chain afterwards (the indexer, the CLI's reports) without running a node.
 */
import { parseEventLogs, type Hex, type TransactionReceipt } from 'viem';
import { devAccount } from '@/lib/chain';
import { jobInput, quoteJob, type JobChoice } from '@/lib/compute/buyer/quote';
import { signJobResult, type Job } from '@/lib/compute/settlement';
import { computeMarketAbi, contractsOf } from '@/lib/contracts';
import { mined } from './compute';
import type { TestMarket } from './market';

export interface RequestedJob {
  jobId: bigint;
  job: Job;
  escrow: bigint;
}

type Choice = Omit<JobChoice, 'environment' | 'aiTraining'> & Partial<JobChoice>;

/** Dev account `who` pays a job into escrow at the quote; the choice's ε and bytes are reserved from the dataset's budgets. */
export async function requestJobOnChain(chain: TestMarket, who: number, choice: Choice): Promise<RequestedJob> {
  const [requested] = await requestRunOnChain(chain, who, [choice]);
  return requested!;
}

/**
 * Dev account `who` pays one run of a job per choice (datasets in ascending order), each on the provider it names,
 * for the first choice's minutes; returns the jobs in the run's order. Choices on several providers make a
 * federated run; on one, the run's minutes are priced once, on its first job.
 */
export async function requestRunOnChain(chain: TestMarket, who: number, choices: readonly Choice[]): Promise<RequestedJob[]> {
  const { publicClient, deployments } = chain;
  const contracts = contractsOf(deployments);
  const wallet = chain.wallet(who);
  const full = choices.map((choice): JobChoice => ({ environment: 0, aiTraining: false, ...choice }));
  const quotes = await Promise.all(full.map((choice) => quoteJob(publicClient, deployments.contracts, choice, wallet.account.address)));
  // Each quote prices the minutes as if alone: their sum bounds what the run takes.
  const maxPayment = quotes.reduce((sum, quote) => sum + quote.escrow, 0n);
  const [first] = full;
  await mined(publicClient, wallet.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [deployments.contracts.computeMarket, maxPayment] }));
  const inputs = full.map((choice, i) => jobInput(choice, quotes[i]!));
  const receipt = await mined(publicClient, wallet.writeContract({ ...contracts.computeMarket, functionName: 'requestJob', args: [inputs, `0x${'cd'.repeat(32)}`, first!.aiTraining, first!.maxMinutes, maxPayment] }));
  return parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'JobRequested', strict: true }).map(({ args: { jobId, job, escrow } }) => ({ jobId, job, escrow }));
}

/**
 * Dev account `nodeKey`, the provider's node key, signs the job's result and submits it, as a node settles; with
 * `resultHash` when a test proves outputs against it (lib/lineage/outputs.ts), else a fixed one. Returns the receipt.
 */
export async function settleJobOnChain(
  chain: TestMarket,
  nodeKey: number,
  requested: RequestedJob,
  result: { minutesUsed: number; delivered: boolean; releasedBytes: bigint; resultHash?: Hex },
): Promise<TransactionReceipt> {
  const { publicClient, deployments } = chain;
  const { resultHash = `0x${'ab'.repeat(32)}`, ...settled } = result;
  const signature = await signJobResult(devAccount(nodeKey), { chainId: deployments.chainId, computeMarket: deployments.contracts.computeMarket }, { jobId: requested.jobId, resultHash, ...settled });
  const args = [requested.jobId, requested.job, resultHash, settled.minutesUsed, settled.delivered, settled.releasedBytes, signature] as const;
  return mined(publicClient, chain.wallet(nodeKey).writeContract({ ...contractsOf(deployments).computeMarket, functionName: 'submitResult', args }));
}
