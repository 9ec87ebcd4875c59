/**
 * The owner's desk in the browser: the account's datasets as the indexer sees them, what it can withdraw, and
 * the owner's writes made with the wallet — delist and relist, a new metadata version signed in the page,
 * withdrawing from both contracts, answers to algorithms awaiting approval, and which compute providers may run
 * jobs. Mirrors Market's owner actions and ComputeClient.setAlgorithmApproval and setProvidersAllowed, with the
 * wallet and the web app's routes in place of a local key.
 */
import { isAddressEqual, type Address, type Chain, type Hex, type PublicClient, type Transport } from 'viem';
import { computeMarketAbi, datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from '../contracts';
import { searchParamsOf } from '../indexer/client';
import type { SearchItem, SearchResult } from '../indexer/search';
import { TransactionRejectedError } from '../market/errors';
import { setProvidersAllowed } from '../market/reserve';
import type { SentWrite } from '../market/send';
import { metadataPointer } from '../metadata/cid';
import type { DatasetDocument } from '../metadata/schema';
import { nextVersion } from '../market/document';
import { signDataset } from '../metadata/signing';
import type { ClientConfig } from './config';
import { storeDocument } from './metadata';
import { addressOf, callApi, send, signer, type BrowserWallet } from './wallet';

/** The largest page the search answers. */
const PAGE_SIZE = 100;
/** The indexer polls the chain every second; a change it has not shown by then is left to the next reload. */
const INDEXER_WAIT_MS = 15_000;

/** Every dataset `owner` holds, listed or not, newest first, with its sales (GET /api/datasets). */
export async function ownedDatasets(owner: Address): Promise<SearchItem[]> {
  const items: SearchItem[] = [];
  for (let page = 1; ; page++) {
    const result = await callApi<SearchResult>(`/api/datasets?${searchParamsOf({ owner, listed: 'all', sort: 'newest', pageSize: PAGE_SIZE, page })}`);
    items.push(...result.items);
    if (items.length >= result.total || result.items.length === 0) return items;
  }
}

/**
 * Resolves once the indexer shows what the chain just confirmed for dataset `id`, so the desk reloads the new
 * state rather than the old; gives up quietly after a while (the change is on-chain either way).
 */
export async function untilIndexed(owner: Address, id: bigint, shows: (item: SearchItem) => boolean): Promise<void> {
  const deadline = Date.now() + INDEXER_WAIT_MS;
  while (Date.now() < deadline) {
    const item = (await ownedDatasets(owner)).find((d) => d.id === id.toString());
    if (item && shows(item)) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** An algorithm of open jobs on the dataset that its owner has not approved. */
export interface AlgorithmRequest {
  algorithmHash: Hex;
  jobIds: string[];
  /** The owner said no on-chain: its jobs wait until their deadline and then fail, unless approved after all. */
  rejected: boolean;
}

/** A compute provider the owner may allow on a dataset (its node then sees the plaintext), or has allowed. */
export interface ProviderAllowance {
  id: string;
  endpoint: string;
  /** Its environments in words, with their prices formatted. */
  environments: { label: string; pricePerMinute: string }[];
  /** Retired providers take no jobs; one still allowed is listed so it can be withdrawn. */
  active: boolean;
  allowed: boolean;
}

/** One of the owner's datasets as the chain and its signed metadata have it (GET /api/owner/datasets/<id>). */
export interface OwnedDataset {
  datasetId: string;
  owner: Address;
  listed: boolean;
  version: number;
  metadataCid: string;
  document: DatasetDocument;
  /** The approval queue; null unless the dataset runs only algorithms its owner approved. */
  approvals: AlgorithmRequest[] | null;
  /** The active providers and those allowed; null unless the dataset takes compute jobs. */
  providers: ProviderAllowance[] | null;
}

export function ownedDataset(id: bigint): Promise<OwnedDataset> {
  return callApi<OwnedDataset>(`/api/owner/datasets/${id}`);
}

/** What the account holds and can withdraw, in the stablecoin's base units. */
export interface Earnings {
  /** Credited by the Marketplace for licence sales. */
  sales: bigint;
  /** Credited by the ComputeMarket for compute jobs. */
  compute: bigint;
  /** Already in the account. */
  wallet: bigint;
}

export async function readEarnings(publicClient: PublicClient<Transport, Chain>, config: ClientConfig, account: Address): Promise<Earnings> {
  const token = config.stablecoin.address;
  const [sales, compute, wallet] = await Promise.all([
    publicClient.readContract({ address: config.contracts.marketplace, abi: marketplaceAbi, functionName: 'withdrawable', args: [token, account] }),
    publicClient.readContract({ address: config.contracts.computeMarket, abi: computeMarketAbi, functionName: 'withdrawable', args: [token, account] }),
    publicClient.readContract({ address: token, abi: mockStablecoinAbi, functionName: 'balanceOf', args: [account] }),
  ]);
  return { sales, compute, wallet };
}

/** Withdraws everything credited to the wallet's account in the stablecoin, from each contract that owes some. */
export async function withdrawEarnings(wallet: BrowserWallet): Promise<{ amount: bigint; txHashes: Hex[] }> {
  const { config, publicClient } = wallet;
  const earnings = await readEarnings(publicClient, config, addressOf(wallet));
  const sources = [
    { name: 'marketplace', owed: earnings.sales, address: config.contracts.marketplace, abi: marketplaceAbi },
    { name: 'compute market', owed: earnings.compute, address: config.contracts.computeMarket, abi: computeMarketAbi },
  ] as const;
  const txHashes: Hex[] = [];
  for (const source of sources) {
    if (source.owed === 0n) continue;
    const { hash } = await send(wallet, `withdraw from the ${source.name}`, { address: source.address, abi: source.abi, functionName: 'withdraw', args: [config.stablecoin.address] });
    txHashes.push(hash);
  }
  return { amount: earnings.sales + earnings.compute, txHashes };
}

/** Delists (no new sales; licences sold stay valid) or relists dataset `id`. */
export function setListed(wallet: BrowserWallet, id: bigint, listed: boolean): Promise<SentWrite> {
  const functionName = listed ? 'relist' : 'delist';
  return send(wallet, `${functionName} dataset ${id}`, { address: wallet.config.contracts.datasetRegistry, abi: datasetRegistryAbi, functionName, args: [id] });
}

/** What an owner may change in a new version; the content, key and licence stay. */
/** The fields the desk's version form edits. */
export type VersionChanges = Pick<DatasetDocument, 'title' | 'description' | 'tags'>;

/**
 * Publishes a new metadata version of dataset `id`: the current document read again (so the version and its
 * predecessor are the chain's), the next one signed with the wallet (EIP-712), stored by the web app, and
 * anchored by the wallet.
 */
export async function publishNewVersion(wallet: BrowserWallet, id: bigint, changes: VersionChanges): Promise<{ version: number; metadataCid: string; txHash: Hex }> {
  const account = addressOf(wallet);
  const current = await ownedDataset(id);
  // Checked before the wallet is asked to sign: the registry would refuse the anchor anyway.
  if (!isAddressEqual(current.owner, account)) {
    throw new TransactionRejectedError('NotDatasetOwner', `cannot update dataset ${id}: ${account} does not own it`, 'switch your wallet to the account that owns the dataset');
  }
  const registry = wallet.config.contracts.datasetRegistry;
  const document = nextVersion(current, changes, account);
  const signed = await signDataset(document, signer(wallet), { chainId: wallet.config.chainId, registry });
  const cid = await storeDocument(wallet, signed);
  const { hash } = await send(wallet, `update dataset ${id}`, { address: registry, abi: datasetRegistryAbi, functionName: 'updateMetadata', args: [id, metadataPointer(cid)] });
  return { version: document.version, metadataCid: cid, txHash: hash };
}

/** Approves (its jobs run) or rejects (recorded on-chain; its jobs fail at their deadline) an algorithm on dataset `id`. */
export function answerAlgorithm(wallet: BrowserWallet, id: bigint, algorithmHash: Hex, approved: boolean): Promise<SentWrite> {
  return send(wallet, `${approved ? 'approve' : 'reject'} algorithm ${algorithmHash.slice(0, 10)}… for dataset ${id}`, {
    address: wallet.config.contracts.computeMarket,
    abi: computeMarketAbi,
    functionName: 'setAlgorithmApproval',
    args: [id, algorithmHash, approved],
  });
}

/** Allows provider `providerId` to run jobs on dataset `id` (and so to see its plaintext), or withdraws it at once. */
export function setProviderAllowed(wallet: BrowserWallet, id: bigint, providerId: bigint, allowed: boolean): Promise<SentWrite | undefined> {
  return setProvidersAllowed((action, request) => send(wallet, action, request), wallet.config.contracts.computeMarket, id, [providerId], allowed);
}
