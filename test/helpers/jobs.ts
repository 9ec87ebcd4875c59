/**
 * Compute jobs straight on ComputeMarket, as a provider node's buyers pay for them and as its node settles them,
 * for tests of what reads the chain afterwards (the indexer, the CLI's reports) without running a node.
 */
import type { Hex, TransactionReceipt } from 'viem';
import { devAccount } from '@/lib/chain';
import { quoteJob, requestJobArgs, type JobChoice } from '@/lib/compute/buyer/quote';
import { signJobResult, type Job } from '@/lib/compute/settlement';
import { computeMarketAbi, contractsOf } from '@/lib/contracts';
import { mined, onlyEvent } from './compute';
import type { TestMarket } from './market';

export interface RequestedJob {
  jobId: bigint;
  job: Job;
  escrow: bigint;
}

/** Dev account `who` pays a job into escrow at the quote; the choice's ε and bytes are reserved from the dataset's budgets. */
export async function requestJobOnChain(chain: TestMarket, who: number, choice: Omit<JobChoice, 'environment' | 'aiTraining'> & Partial<JobChoice>): Promise<RequestedJob> {
  const { publicClient, deployments } = chain;
  const contracts = contractsOf(deployments);
  const wallet = chain.wallet(who);
  const full: JobChoice = { environment: 0, aiTraining: false, ...choice };
  const quote = await quoteJob(publicClient, deployments.contracts, full, wallet.account.address);
  await mined(publicClient, wallet.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [deployments.contracts.computeMarket, quote.escrow] }));
  const receipt = await mined(publicClient, wallet.writeContract({ ...contracts.computeMarket, functionName: 'requestJob', args: requestJobArgs(full, quote, `0x${'cd'.repeat(32)}`) }));
  const { jobId, job, escrow } = onlyEvent(computeMarketAbi, receipt.logs, 'JobRequested');
  return { jobId, job, escrow };
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
