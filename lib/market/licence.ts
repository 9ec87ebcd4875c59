/** Download licences as the chain holds them: a dataset's offer now, a buyer's licence and when it ends. */
import type { Address, Chain, PublicClient, Transport } from 'viem';
import { datasetRegistryAbi, marketplaceAbi } from '../contracts';
import { AlreadyLicensedError, explainDatasetRead, TransactionRejectedError } from './errors';

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

/** Who reads a licence: the buyer's account on the market's chain. */
export interface LicenceReader {
  publicClient: PublicClient<Transport, Chain>;
  address: Address;
  contracts: { datasetRegistry: Address; marketplace: Address };
}

/** The dataset's offer now; DatasetNotFoundError for an id the registry does not know. */
export async function readOffer(publicClient: PublicClient<Transport, Chain>, registry: Address, id: bigint) {
  try {
    return await publicClient.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'getOffer', args: [id] });
  } catch (error) {
    throw explainDatasetRead(error, id);
  }
}

export async function readLicence({ publicClient, address, contracts }: LicenceReader, id: bigint) {
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
export async function heldLicence(buyer: LicenceReader, id: bigint): Promise<HeldLicence | undefined> {
  const [offer, licence, block] = await Promise.all([readOffer(buyer.publicClient, buyer.contracts.datasetRegistry, id), readLicence(buyer, id), buyer.publicClient.getBlock()]);
  if (licence.expiresAt <= block.timestamp) return undefined;
  return {
    expiresAt: new Date(Number(licence.expiresAt) * 1000),
    extendedTo: offer.accessDuration === 0n ? null : new Date(Number(licence.expiresAt + offer.accessDuration) * 1000),
  };
}
