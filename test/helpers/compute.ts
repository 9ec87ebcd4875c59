/**
 * Compute-market helpers for tests: the Job and Environment structs as viem encodes them, a node key's
 * EIP-712 result signature, and the settlement split computed independently of the contract.
 */
import { parseEventLogs } from 'viem';
import type { Abi, Account, Address, Chain, ContractEventName, ContractFunctionArgs, Hex, Log, ParseEventLogsReturnType, PublicClient, TransactionReceipt, Transport } from 'viem';
import type { LocalAccount } from 'viem/accounts';
import type { computeMarketAbi } from '@/lib/contracts';

/** ComputeMarket's Job struct, as emitted in JobRequested and passed back to every later call. */
export type Job = ContractFunctionArgs<typeof computeMarketAbi, 'nonpayable', 'acceptJob'>[1];

/** ComputeMarket's Environment struct. */
export type Environment = ContractFunctionArgs<typeof computeMarketAbi, 'nonpayable', 'registerProvider'>[2][number];

/** ComputeMarket's JobStatus enum. */
export const JobStatus = { None: 0, Requested: 1, Accepted: 2, Settled: 3, Refunded: 4, Cancelled: 5 } as const;

/** ResourceKind.Cpu and ResourceKind.Gpu. */
export const CPU = 0;
export const GPU = 1;

/** A CPU environment at `pricePerMinute` (6-decimal units). */
export function cpuEnvironment(pricePerMinute: bigint): Environment {
  return { kind: CPU, cpus: 8, memoryMb: 32_768, gpus: 0, gpuModel: '', pricePerMinute };
}

/** A GPU environment at `pricePerMinute`. */
export function gpuEnvironment(pricePerMinute: bigint): Environment {
  return { kind: GPU, cpus: 16, memoryMb: 131_072, gpus: 1, gpuModel: 'H100', pricePerMinute };
}

/** Waits for the transaction `hash` resolves to and fails the test unless it succeeded. */
export async function mined(publicClient: PublicClient<Transport, Chain>, hash: Promise<Hex>): Promise<TransactionReceipt> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash, pollingInterval: 50 });
  if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`);
  return receipt;
}

/** The args of the one `eventName` event `abi`'s contracts emitted in `logs`; fails unless there is exactly one. */
export function onlyEvent<const abi extends Abi, name extends ContractEventName<abi>>(
  abi: abi,
  logs: Log[],
  eventName: name,
): ParseEventLogsReturnType<abi, name, true>[number]['args'] {
  const events: ParseEventLogsReturnType<abi, name, true> = parseEventLogs({ abi, logs, eventName, strict: true });
  if (events.length !== 1) throw new Error(`expected one ${String(eventName)} event, found ${events.length}`);
  return events[0]!.args;
}

/** The EIP-712 domain results are signed in, written out here rather than read from the contract. */
export function resultDomain(chainId: number, computeMarket: Address) {
  return { name: 'Datagora ComputeMarket', version: '1', chainId, verifyingContract: computeMarket } as const;
}

export const jobResultTypes = {
  JobResult: [
    { name: 'jobId', type: 'uint256' },
    { name: 'resultHash', type: 'bytes32' },
    { name: 'minutesUsed', type: 'uint32' },
  ],
} as const;

/** `node`'s signature of JobResult(jobId, resultHash, minutesUsed) for the compute market at `computeMarket`. */
export function signResult(
  node: LocalAccount | Account,
  domain: { chainId: number; computeMarket: Address },
  result: { jobId: bigint; resultHash: Hex; minutesUsed: number },
): Promise<Hex> {
  if (!node.signTypedData) throw new Error(`account ${node.address} cannot sign typed data locally`);
  return node.signTypedData({
    domain: resultDomain(domain.chainId, domain.computeMarket),
    types: jobResultTypes,
    primaryType: 'JobResult',
    message: result,
  });
}

/** Market fee on `amount` at `bps`, rounded down. */
export function feeOn(amount: bigint, bps: number): bigint {
  return (amount * BigInt(bps)) / 10_000n;
}

/** Escrow of `job`: its data fee plus maxMinutes at its price per minute. */
export function escrowOf(job: Pick<Job, 'dataFee' | 'maxMinutes' | 'pricePerMinute'>): bigint {
  return job.dataFee + BigInt(job.maxMinutes) * job.pricePerMinute;
}

/** What each party is credited when `job` settles after `minutesUsed`. */
export interface ExpectedSplit {
  ownerAmount: bigint;
  providerAmount: bigint;
  marketFee: bigint;
  buyerRefund: bigint;
}

export function expectedSplit(job: Job, minutesUsed: number): ExpectedSplit {
  const providerFee = BigInt(minutesUsed) * job.pricePerMinute;
  const dataFeeCut = feeOn(job.dataFee, job.feeBps);
  const providerCut = feeOn(providerFee, job.feeBps);
  return {
    ownerAmount: job.dataFee - dataFeeCut,
    providerAmount: providerFee - providerCut,
    marketFee: dataFeeCut + providerCut,
    buyerRefund: escrowOf(job) - job.dataFee - providerFee,
  };
}
