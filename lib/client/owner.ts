/**
 * The owner's desk in the browser reads: the account's datasets and income as the indexer sees them, and one
 * dataset as the chain and its signed metadata have it, with its approval queue, providers and release budget. The owner's writes
 * are the market's actions (lib/market/actions/owner.ts, update.ts) over the browser's port.
 */
import type { Address, Hex } from 'viem';
import { searchParamsOf } from '../indexer/client';
import type { DatasetReleases, OwnerProfile, ReleaseLimitsView, SearchItem, SearchResult } from '../indexer/api';
import type { DatasetDocument } from '../metadata/schema';
import { callApi } from './wallet';

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

/** What `owner`'s datasets sold and earned, and the royalties it was paid as an ancestor's owner (GET /api/owners/<address>). */
export function ownerSummary(owner: Address): Promise<OwnerProfile> {
  return callApi<OwnerProfile>(`/api/owners/${owner}`);
}

/**
 * Resolves once the indexer shows what the chain just confirmed for dataset `id`, so the desk reloads the new
 * state rather than the old; gives up quietly after a while (the change is on-chain either way).
 */
export function untilIndexed(owner: Address, id: bigint, shows: (item: SearchItem) => boolean): Promise<void> {
  return until(async () => {
    const item = (await ownedDatasets(owner)).find((d) => d.id === id.toString());
    return item !== undefined && shows(item);
  });
}

/** Resolves once the indexer shows `budget` as dataset `id`'s release budget, or gives up quietly as untilIndexed does. */
export function untilBudgetIndexed(id: bigint, budget: ReleaseLimitsView): Promise<void> {
  return until(async () => {
    const shown = (await ownedDataset(id)).releases?.budget;
    return shown !== null && shown !== undefined && (Object.keys(budget) as (keyof ReleaseLimitsView)[]).every((field) => shown[field] === budget[field]);
  });
}

async function until(indexed: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + INDEXER_WAIT_MS;
  while (Date.now() < deadline) {
    if (await indexed()) return;
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
  /** Its release budget and what each buyer's jobs released, from the indexer; null unless it takes compute jobs. */
  releases: DatasetReleases | null;
}

export function ownedDataset(id: bigint): Promise<OwnedDataset> {
  return callApi<OwnedDataset>(`/api/owner/datasets/${id}`);
}
