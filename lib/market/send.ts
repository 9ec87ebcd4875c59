/**
 * One contract write as a person makes it, for the SDK (a local account) and the web app (a browser wallet)
 * alike: simulate, estimate with a margin, sign and send, wait, and turn a revert into a readable typed error.
 */
import type { Account, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem';
import { explainFailure, TransactionRejectedError } from './errors';

/** Gas added to every estimate, besides a quarter: two storage slots set again from zero. */
const GAS_MARGIN = 40_000n;

export type WriteRequest = Parameters<PublicClient<Transport, Chain>['simulateContract']>[0];

/** Where a write is: waiting for the wallet's signature, sent and waiting for a block, or mined. */
export type WritePhase = { phase: 'signing'; action: string } | { phase: 'pending' | 'confirmed'; action: string; hash: Hex };

export interface SentWrite {
  hash: Hex;
  logs: readonly { data: Hex; topics: readonly Hex[] }[];
}

export async function sendWrite(
  publicClient: PublicClient<Transport, Chain>,
  wallet: WalletClient<Transport, Chain, Account>,
  action: string,
  request: WriteRequest,
  onPhase?: (phase: WritePhase) => void,
): Promise<SentWrite> {
  const account = wallet.account;
  try {
    const call = { ...request, account } as WriteRequest;
    const { request: prepared } = await publicClient.simulateContract(call);
    // Storage written by others before inclusion can make the call dearer than estimated (a slot that went
    // back to zero costs 20,000 gas to set again): a margin keeps it from running out. Unused gas is not paid.
    const estimate = await publicClient.estimateContractGas(call as Parameters<PublicClient<Transport, Chain>['estimateContractGas']>[0]);
    onPhase?.({ phase: 'signing', action });
    const hash = await wallet.writeContract({ ...prepared, gas: estimate + estimate / 4n + GAS_MARGIN } as Parameters<typeof wallet.writeContract>[0]);
    onPhase?.({ phase: 'pending', action, hash });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') {
      // The state changed between simulation and inclusion (e.g. a concurrent publisher): replaying the
      // call on the new state tells why, as the same typed error a simulation would give.
      await publicClient.simulateContract(call);
      throw new TransactionRejectedError('reverted', `cannot ${action}: the transaction ${hash} reverted`, 'retry; if it persists, report it');
    }
    onPhase?.({ phase: 'confirmed', action, hash });
    return { hash, logs: receipt.logs as SentWrite['logs'] };
  } catch (error) {
    throw explainFailure(error, action);
  }
}
