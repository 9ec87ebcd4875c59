/**
 * Buying a download licence, for the SDK (a local account) and the web app (a browser wallet): the current
 * offer, the buyer's balance, the stablecoin approval if needed, and the purchase under the terms the buyer
 * accepted (the contract reverts with TermsMismatch if the owner switched them in flight). The dataset's owner
 * never buys (it holds every right already), nor does the holder of a perpetual licence.
 */
import { parseEventLogs, type Address, type Chain, type Hex, type PublicClient, type Transport } from 'viem';
import { datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from '../contracts';
import { AlreadyLicensedError, ComputeOnlyError, explainDatasetRead, InsufficientFundsError, OwnDatasetError, TransactionRejectedError } from './errors';
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

/** Marketplace's expiry of a licence bought under terms of no duration (`type(uint64).max`). */
const PERPETUAL = 2n ** 64n - 1n;

/** A licence's end from Marketplace's `expiresAt`: null for a perpetual one (and for none, 0). */
export function licenceExpiry(expiresAt: bigint): Date | null {
  return expiresAt === 0n || expiresAt === PERPETUAL ? null : new Date(Number(expiresAt) * 1000);
}

type Reader = Pick<LicenceBuyer, 'publicClient' | 'address' | 'contracts'>;

/** The dataset's offer now; DatasetNotFoundError for an id the registry does not know. */
export async function readOffer(publicClient: PublicClient<Transport, Chain>, registry: Address, id: bigint) {
  try {
    return await publicClient.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'getOffer', args: [id] });
  } catch (error) {
    throw explainDatasetRead(error, id);
  }
}

async function readLicence({ publicClient, address, contracts }: Reader, id: bigint) {
  const licence = await publicClient.readContract({ address: contracts.marketplace, abi: marketplaceAbi, functionName: 'licenceOf', args: [id, address] });
  if (licence.expiresAt === PERPETUAL) throw new AlreadyLicensedError(`you hold a perpetual licence on dataset ${id}`, 'nothing to buy: it never expires');
  return licence;
}

/** A licence the buyer holds still, and where buying again would take it (null: perpetual). */
export interface HeldLicence {
  expiresAt: Date;
  extendedTo: Date | null;
}

/**
 * The still-valid licence the buyer holds on dataset `id` and the expiry buying again would give it (the contract
 * adds the terms' duration to the current expiry), or undefined when it holds none; AlreadyLicensedError when it
 * is perpetual: there is nothing to buy.
 */
export async function heldLicence(buyer: Reader, id: bigint): Promise<HeldLicence | undefined> {
  const [offer, licence, block] = await Promise.all([readOffer(buyer.publicClient, buyer.contracts.datasetRegistry, id), readLicence(buyer, id), buyer.publicClient.getBlock()]);
  if (licence.expiresAt <= block.timestamp) return undefined;
  return {
    expiresAt: new Date(Number(licence.expiresAt) * 1000),
    extendedTo: offer.accessDuration === 0n ? null : new Date(Number(licence.expiresAt + offer.accessDuration) * 1000),
  };
}

export async function buyLicence(buyer: LicenceBuyer, id: bigint, accepted: AcceptedOffer = {}): Promise<{ txHash: Hex; price: bigint; expiresAt: Date | null; termsId: bigint }> {
  const { publicClient, address, contracts } = buyer;
  const offer = await readOffer(publicClient, contracts.datasetRegistry, id);
  if (offer.owner.toLowerCase() === address.toLowerCase()) throw new OwnDatasetError(id, address);
  const termsId = accepted.termsId ?? offer.termsId;
  if (termsId !== offer.termsId) throw termsChanged(id, termsId, offer.termsId);
  if (offer.computeOnly) throw new ComputeOnlyError(id);
  await readLicence(buyer, id);
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
  return { txHash: hash, price, expiresAt: event ? licenceExpiry(event.args.expiresAt) : null, termsId };
}
