/**
 * The catalogue the home page lists: a search through the indexer's read model (filters, sorting, pages, sales),
 * or when the indexer does not answer, every dataset read through the market SDK (chain + verified metadata on
 * IPFS), once per block.
 */
import { DatagoraError } from '../../errors';
import { IndexerUnavailableError } from '../../indexer/errors';
import type { AssetKind, SearchItem, SearchResult } from '../../indexer/api';
import { parseSearchParams } from '../../indexer/search';
import { presetOf } from '../../licence/presets';
import { formatAmount, type Token } from '../../units';
import { chainReads, deployments, indexedRead, market as openMarket } from '../services';

export interface CatalogueEntry {
  id: string;
  /** Known only through the indexer. */
  kind?: AssetKind;
  /** Null while the indexer has not read and verified the metadata document. */
  title: string | null;
  description?: string;
  tags: string[];
  licence: string;
  price: string;
  format?: string;
  size?: number;
  rowCount?: number;
  owner: string;
  listed: boolean;
  version: number;
  /** Real licence sales; known only through the indexer. */
  sales?: number;
}

/** The search form's fields, as the page's URL carries them (names of lib/indexer/search.ts). */
export const CATALOGUE_FIELDS = ['q', 'kind', 'commercial', 'derivatives', 'aiTraining', 'computeOnly', 'minPrice', 'maxPrice', 'sort', 'page'] as const;
export type CatalogueFilters = Partial<Record<(typeof CATALOGUE_FIELDS)[number], string>>;

export type Catalogue =
  | { available: true; source: 'indexer'; entries: CatalogueEntry[]; total: number; page: number; pageSize: number }
  /** The indexer did not answer: every dataset from the chain, unfiltered, with a note saying so. */
  | { available: true; source: 'chain'; entries: CatalogueEntry[]; note: string }
  | { available: false; message: string; hint: string };

/** The form's fields from the page's search parameters; anything else in the URL is ignored. */
export function catalogueFilters(searchParams: Record<string, string | string[] | undefined>): CatalogueFilters {
  const filters: CatalogueFilters = {};
  for (const field of CATALOGUE_FIELDS) {
    const value = searchParams[field];
    const text = Array.isArray(value) ? value[0] : value;
    if (text) filters[field] = text;
  }
  return filters;
}

function fromIndexer(d: SearchItem, token: Token): CatalogueEntry {
  const price = formatAmount(BigInt(d.price), token);
  return {
    id: d.id,
    kind: d.kind,
    title: d.title,
    description: d.description ?? undefined,
    tags: d.tags,
    licence: d.licence,
    price: d.computeOnly ? `${price} per job` : price,
    format: d.format ?? undefined,
    size: d.size ?? undefined,
    rowCount: d.rowCount ?? undefined,
    owner: d.owner,
    listed: d.listed,
    version: d.version,
    sales: d.sales,
  };
}

async function readFromChain(): Promise<CatalogueEntry[]> {
  const market = await openMarket();
  return (await chainReads()).read('catalogue', async () =>
    (await market.listDatasets()).map((d) => ({
      id: d.id.toString(),
      title: d.document.title,
      description: d.document.description,
      tags: d.document.tags,
      licence: presetOf(d.terms),
      price: d.terms.computeOnly ? `${market.formatAmount(d.terms.computePrice)} per job` : market.formatAmount(d.terms.downloadPrice),
      format: d.document.format,
      size: d.document.size,
      rowCount: d.document.rowCount,
      owner: d.owner,
      listed: d.listed,
      version: d.version,
    })),
  );
}

/** The datasets matching `filters`; a failure comes back as a message the page shows instead of the list. */
export async function readCatalogue(filters: CatalogueFilters): Promise<Catalogue> {
  try {
    // A bad field is answered here, in the indexer's words, whether the indexer runs or not.
    parseSearchParams(new URLSearchParams(filters));
    try {
      const result = await indexedRead(`search:${new URLSearchParams(filters)}`, (client) => client.search<SearchResult>(filters));
      // Prices from their base units, written as every page writes amounts.
      const { stablecoin } = await deployments();
      return { available: true, source: 'indexer', entries: result.items.map((d) => fromIndexer(d, stablecoin)), total: result.total, page: result.page, pageSize: result.pageSize };
    } catch (error) {
      if (!(error instanceof IndexerUnavailableError)) throw error;
      const note = 'The indexer is not answering, so this is every dataset read from the chain: no search, filters or sales figures until it is back.';
      return { available: true, source: 'chain', entries: await readFromChain(), note };
    }
  } catch (error) {
    if (error instanceof DatagoraError) return { available: false, message: error.message, hint: error.hint };
    return { available: false, message: error instanceof Error ? error.message : String(error), hint: 'check `datagora health`' };
  }
}
