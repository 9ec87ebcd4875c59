/**
 * Buying a download licence, for the SDK (a local account) and the web app (a browser wallet): the current
 * offer, the buyer's balance, the stablecoin approval if needed, and the purchase under the terms the buyer
 * accepted (the contract reverts with TermsMismatch if the owner switched them in flight).
 */
import { parseEventLogs, type Address, type Chain, type Hex, type PublicClient, type Transport } from 'viem';
import { datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from '../contracts';
import { ComputeOnlyError, DatasetNotFoundError, InsufficientFundsError, TransactionRejectedError } from './errors';
import type { SentWrite, WriteRequest } from './send';

export interface LicenceBuyer {
  publicClient: PublicClient<Transport, Chain>;
  address: Address;
  contracts: { datasetRegistry: Address; marketplace: Address };
  /** An amount of the market stablecoin for people ("12.5 dUSD"). */
  formatAmount(amount: bigint): string;
  send(action: string, request: WriteRequest): Promise<SentWrite>;
  /** Checked once the offer and the balance are, before any write (the SDK checks the account's ether). */
  beforeWrites?(action: string): Promise<void>;
}

/** What the buyer agreed to: the terms it read (default: the terms in force now) and the most it pays. */
export interface AcceptedOffer {
  termsId?: bigint;
  maxPrice?: bigint;
}

/** The owner switched terms between what the buyer read and the purchase. */
export function termsChanged(id: bigint, accepted: bigint, current: bigint): TransactionRejectedError {
  return new TransactionRejectedError(
    'TermsMismatch',
    `dataset ${id} is now sold under terms ${current}, not terms ${accepted} that you accepted; nothing was charged`,
    'read the new terms (`datagora show`, or reload the page) and buy again if they suit you',
  );
}

export async function buyLicence(buyer: LicenceBuyer, id: bigint, accepted: AcceptedOffer = {}): Promise<{ txHash: Hex; price: bigint; expiresAt: Date | null; termsId: bigint }> {
  const { publicClient, address, contracts } = buyer;
  const offer = await publicClient.readContract({ address: contracts.datasetRegistry, abi: datasetRegistryAbi, functionName: 'getOffer', args: [id] });
  if (offer.owner === '0x0000000000000000000000000000000000000000') throw new DatasetNotFoundError(id);
  const termsId = accepted.termsId ?? offer.termsId;
  if (termsId !== offer.termsId) throw termsChanged(id, termsId, offer.termsId);
  if (offer.computeOnly) throw new ComputeOnlyError(id);
  const price = offer.downloadPrice;
  const action = `buy a licence for dataset ${id}`;
  const balance = await publicClient.readContract({ address: offer.currency, abi: mockStablecoinAbi, functionName: 'balanceOf', args: [address] });
  if (balance < price) {
    throw new InsufficientFundsError(`cannot ${action}: it costs ${buyer.formatAmount(price)} but ${address} holds ${buyer.formatAmount(balance)}`, 'fund the account with the market stablecoin');
  }
  await buyer.beforeWrites?.(action);
  const allowance = await publicClient.readContract({ address: offer.currency, abi: mockStablecoinAbi, functionName: 'allowance', args: [address, contracts.marketplace] });
  if (allowance < price) {
    await buyer.send(`approve the marketplace to take ${buyer.formatAmount(price)}`, { address: offer.currency, abi: mockStablecoinAbi, functionName: 'approve', args: [contracts.marketplace, price] });
  }
  // The terms (and so the price, currency and rights) read here are the ones bought, even if the owner switches
  // them meanwhile: the contract then reverts with TermsMismatch.
  const { hash, logs } = await buyer.send(action, { address: contracts.marketplace, abi: marketplaceAbi, functionName: 'buyLicence', args: [id, termsId, accepted.maxPrice ?? price] });
  const [event] = parseEventLogs({ abi: marketplaceAbi, eventName: 'LicencePurchased', logs: logs as Parameters<typeof parseEventLogs>[0]['logs'] });
  const expiresAt = event && event.args.expiresAt !== 0n ? new Date(Number(event.args.expiresAt) * 1000) : null;
  return { txHash: hash, price, expiresAt, termsId };
}
