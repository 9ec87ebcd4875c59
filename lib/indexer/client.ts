/**
 * The indexer's read API as the web app and the CLI call it: search, analytics reports (JSON or CSV), an
 * account's purchases, an owner's profile, a dataset's releases, an asset's lineage and royalties, and health. Bad parameters come back as the
 * QueryError the service raised.
 */
import { IndexerUnavailableError, QueryError } from './errors';
import type { AccountPurchases, AssetLineage, AssetRoyalties, DatasetReleases, OwnerProfile } from './api';
import type { IndexerStatus } from './indexer';

/**
 * Whether the indexer's read model holds the chain at `block`: that block applied and every document it anchors
 * read. Only then may an answer of the indexer be kept as the market's state at that block.
 */
export function indexerHolds(status: Pick<IndexerStatus, 'lastBlock' | 'pendingMetadata'>, block: bigint): boolean {
  return BigInt(status.lastBlock) >= block && status.pendingMetadata === 0;
}

export type QueryParams = Record<string, string | number | boolean | undefined>;

/** `params` as URL search parameters, the unset ones left out. */
export function searchParamsOf(params: QueryParams): URLSearchParams {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  return search;
}

function queryString(params: QueryParams): string {
  const text = searchParamsOf(params).toString();
  return text ? `?${text}` : '';
}

export class IndexerClient {
  constructor(readonly url: string) {}

  private async fetch(path: string, params: QueryParams = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}${queryString(params)}`, { signal: AbortSignal.timeout(15_000) });
    } catch (cause) {
      throw new IndexerUnavailableError(this.url, 'does not answer', cause);
    }
    if (response.status === 400) {
      const body = (await response.json()) as { parameter: string; message: string; hint: string };
      throw new QueryError(body.parameter, body.message, body.hint);
    }
    if (!response.ok) throw new IndexerUnavailableError(this.url, `answered ${response.status} to ${path}: ${await response.text()}`);
    return response;
  }

  private async json<T>(path: string, params?: QueryParams): Promise<T> {
    return (await (await this.fetch(path, params)).json()) as T;
  }

  /** The indexer's progress: last block applied, chain head, lag. */
  health<T = Record<string, unknown>>(): Promise<T> {
    return this.json<T>('/health');
  }

  /** Datasets matching a search (see search.ts for the parameters). */
  search<T = unknown>(params: QueryParams): Promise<T> {
    return this.json<T>('/api/v1/datasets', params);
  }

  /** One analytics report as JSON (see analytics.ts for the reports and their parameters). */
  report<T = unknown>(name: string, params: QueryParams = {}): Promise<T> {
    return this.json<T>(`/api/v1/analytics/${encodeURIComponent(name)}`, params);
  }

  /** The licences `account` holds or held and the compute jobs it paid for (see holdings.ts). */
  purchases(account: string): Promise<AccountPurchases> {
    return this.json<AccountPurchases>(`/api/v1/accounts/${encodeURIComponent(account)}/purchases`);
  }

  /** `owner`'s datasets and sales (see holdings.ts). */
  owner(owner: string): Promise<OwnerProfile> {
    return this.json<OwnerProfile>(`/api/v1/owners/${encodeURIComponent(owner)}`);
  }

  /** Dataset `datasetId`'s release budget and what each buyer's compute jobs released (see releases.ts). */
  releases(datasetId: bigint | number): Promise<DatasetReleases> {
    return this.json<DatasetReleases>(`/api/v1/datasets/${datasetId}/releases`);
  }

  /** Asset `assetId`'s parents, ancestors and descendants a few levels down (see lineage.ts). */
  lineage(assetId: bigint | number): Promise<AssetLineage> {
    return this.json<AssetLineage>(`/api/v1/datasets/${assetId}/lineage`);
  }

  /** The royalties asset `assetId` earned as an ancestor and paid as a derivative (see lineage.ts). */
  royalties(assetId: bigint | number): Promise<AssetRoyalties> {
    return this.json<AssetRoyalties>(`/api/v1/datasets/${assetId}/royalties`);
  }

  /** One analytics report as CSV. */
  async csv(name: string, params: QueryParams = {}): Promise<string> {
    return (await this.fetch(`/api/v1/analytics/${encodeURIComponent(name)}.csv`, params)).text();
  }
}
