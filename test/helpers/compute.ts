/**
 * Compute-market helpers for tests: ready-made environments, mining and event checks, and the settlement split
 * computed independently of the contract. The structs, enums and the result signature come from
 * `@/lib/compute/settlement`, which the provider node uses too.
 */
import { parseEventLogs } from 'viem';
import type { Abi, Chain, ContractEventName, Hex, Log, ParseEventLogsReturnType, PublicClient, TransactionReceipt, Transport } from 'viem';
import { ResourceKind, type Environment, type Job } from '@/lib/compute/settlement';

/** ResourceKind.Cpu and ResourceKind.Gpu. */
export const CPU = ResourceKind.Cpu;
export const GPU = ResourceKind.Gpu;

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

/** Market fee on `amount` at `bps`, rounded down. */
export function feeOn(amount: bigint, bps: number): bigint {
  return (amount * BigInt(bps)) / 10_000n;
}

/** Escrow of `job`: its data fee plus maxMinutes at its price per minute. */
export function escrowOf(job: Pick<Job, 'dataFee' | 'maxMinutes' | 'pricePerMinute'>): bigint {
  return job.dataFee + BigInt(job.maxMinutes) * job.pricePerMinute;
}

/** What each party is credited when a job settles. */
export interface ExpectedSplit {
  ownerAmount: bigint;
  providerAmount: bigint;
  marketFee: bigint;
  buyerRefund: bigint;
}

/**
 * What each party is credited when `job` settles after `minutesUsed`: the data fee goes to the owner (less the
 * fee) only if the results were `delivered`; otherwise all of it goes back to the buyer, with no fee on it.
 */
export function expectedSplit(job: Job, minutesUsed: number, delivered = true): ExpectedSplit {
  const dataFee = delivered ? job.dataFee : 0n;
  const providerFee = BigInt(minutesUsed) * job.pricePerMinute;
  const dataFeeCut = feeOn(dataFee, job.feeBps);
  const providerCut = feeOn(providerFee, job.feeBps);
  return {
    ownerAmount: dataFee - dataFeeCut,
    providerAmount: providerFee - providerCut,
    marketFee: dataFeeCut + providerCut,
    buyerRefund: escrowOf(job) - dataFee - providerFee,
  };
}
