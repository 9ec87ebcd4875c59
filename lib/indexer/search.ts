/**
 * Full-text search over the indexed datasets and models: titles, descriptions and tags, with kind, licence, price,
 * format, owner and compute-provider filters, sorting and pages.
 */
import { sql, type SQL } from 'drizzle-orm';
import { formatUnits, getAddress, isAddress } from 'viem';
import { unsafeCharacter } from '../metadata';
import type { AssetKind, SearchItem, SearchResult } from './api';
import type { IndexerDatabase } from './db';
import { QueryError } from './errors';
import { KIND } from './lineage';

/** The search vector of a dataset row: title and tags weigh more than the description. */
export function searchVector(): SQL {
  return sql`setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', array_to_string(tags, ' ')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')`;
}

export const SEARCH_SORTS = ['relevance', 'newest', 'price', 'sales', 'revenue'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

/** The licence flags a search can require (true) or exclude (false), by parameter name. */
const FLAGS = { commercial: 'commercial_use', derivatives: 'derivatives', aiTraining: 'ai_training', computeOnly: 'compute_only' } as const;
export type LicenceFlag = keyof typeof FLAGS;

export interface SearchQuery {
  q?: string;
  /** Only datasets, or only models. */
  kind?: AssetKind;
  flags: Partial<Record<LicenceFlag, boolean>>;
  /** Decimal amounts in whole currency units ("2.5"), compared with the compute price of compute-only data. */
  minPrice?: string;
  maxPrice?: string;
  format?: string;
  /** Checksummed, as the indexer stores owners. */
  owner?: string;
  /** The dataset takes compute jobs and its owner allows at least one active provider (or, when false, not). */
  hasProviders?: boolean;
  listed: 'true' | 'false' | 'all';
  sort: SearchSort;
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

/** The parameters a search takes; any other is refused. */
export const SEARCH_PARAMETERS = ['q', 'kind', ...Object.keys(FLAGS), 'minPrice', 'maxPrice', 'format', 'owner', 'hasProviders', 'listed', 'sort', 'order', 'page', 'pageSize'];
export const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
/** Far past any real catalogue, and keeps the row offset a safe integer. */
const MAX_PAGE = 1_000_000;
/** Longest parameter value: a search text of a few sentences (Postgres refuses a tsquery past about 1 MB). */
const MAX_VALUE_LENGTH = 500;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new QueryError(name, `"${value}" is not a value it takes`, `give one of: ${allowed.join(', ')}`);
  return value as T;
}

function flag(name: string, value: string): boolean {
  return oneOf(name, value, ['true', 'false']) === 'true';
}

function wholeNumber(name: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new QueryError(name, `"${value}" is not a whole number from ${min} to ${max}`, `give ${name}=${min}`);
  return n;
}

function amount(name: string, value: string): string {
  // At most uint256's 78 digits on each side: Postgres numeric overflows past 131,072.
  if (!/^\d{1,78}(\.\d{1,78})?$/.test(value)) throw new QueryError(name, `"${value}" is not a decimal amount`, `give whole currency units, e.g. ${name}=2.5`);
  return value;
}

/** Reads and checks a search's URL parameters; absent ones take their defaults. */
export function parseSearchParams(params: URLSearchParams): SearchQuery {
  for (const name of params.keys()) {
    if (!SEARCH_PARAMETERS.includes(name)) throw new QueryError(name, 'unknown parameter', `search takes ${SEARCH_PARAMETERS.join(', ')}`);
  }
  // Every value is checked before it is quoted in an error or reaches the database (which cannot take NUL).
  for (const [name, value] of params) {
    if (value.length > MAX_VALUE_LENGTH) throw new QueryError(name, `is ${value.length} characters long, over ${MAX_VALUE_LENGTH}`, `give ${name} in at most ${MAX_VALUE_LENGTH} characters`);
    const problem = unsafeCharacter(value);
    if (problem) throw new QueryError(name, problem, `remove the character from ${name}`);
  }
  const get = (name: string) => {
    const value = params.get(name)?.trim();
    return value === '' ? undefined : value;
  };
  const q = get('q');
  const flags: SearchQuery['flags'] = {};
  for (const name of Object.keys(FLAGS) as LicenceFlag[]) {
    const value = get(name);
    if (value !== undefined) flags[name] = flag(name, value);
  }
  const price = (name: string) => {
    const value = get(name);
    return value === undefined ? undefined : amount(name, value);
  };
  const minPrice = price('minPrice');
  const maxPrice = price('maxPrice');
  if (minPrice !== undefined && maxPrice !== undefined && Number(minPrice) > Number(maxPrice)) throw new QueryError('maxPrice', `${maxPrice} is below minPrice ${minPrice}`, 'give a maxPrice at least minPrice');
  const owner = get('owner');
  if (owner !== undefined && !isAddress(owner, { strict: false })) throw new QueryError('owner', `"${owner}" is not an address`, 'give a 0x-prefixed 20-byte address');
  const hasProviders = get('hasProviders');
  const kind = get('kind');
  const sort = oneOf('sort', get('sort') ?? (q ? 'relevance' : 'newest'), SEARCH_SORTS);
  if (sort === 'relevance' && !q) throw new QueryError('sort', 'relevance needs a search text', 'give q, or sort by newest, price, sales or revenue');
  // Cheapest first; everything else best or newest first.
  const order = oneOf('order', get('order') ?? (sort === 'price' ? 'asc' : 'desc'), ['asc', 'desc'] as const);
  return {
    ...(q ? { q } : {}),
    ...(kind !== undefined ? { kind: oneOf('kind', kind, ['dataset', 'model'] as const) } : {}),
    flags,
    ...(minPrice !== undefined ? { minPrice } : {}),
    ...(maxPrice !== undefined ? { maxPrice } : {}),
    ...(get('format') ? { format: get('format')!.toLowerCase() } : {}),
    ...(owner ? { owner: getAddress(owner.toLowerCase()) } : {}),
    ...(hasProviders !== undefined ? { hasProviders: flag('hasProviders', hasProviders) } : {}),
    listed: oneOf('listed', get('listed') ?? 'true', ['true', 'false', 'all'] as const),
    sort,
    order,
    page: wholeNumber('page', get('page') ?? '1', 1, MAX_PAGE),
    pageSize: wholeNumber('pageSize', get('pageSize') ?? String(DEFAULT_PAGE_SIZE), 1, MAX_PAGE_SIZE),
  };
}

/** What a dataset costs: the compute price when it is never downloaded. */
const PRICE = sql`case when t.compute_only then t.compute_price else t.download_price end`;
/** The data may be computed on: compute-only, or offered for compute at a price. */
const COMPUTABLE = sql`(t.compute_only or t.compute_price > 0)`;

function conditions(query: SearchQuery, decimals: number): SQL[] {
  const where: SQL[] = [];
  if (query.q !== undefined) where.push(sql`d.search @@ websearch_to_tsquery('english', ${query.q})`);
  if (query.kind !== undefined) where.push(sql`${KIND} = ${query.kind}`);
  for (const [name, wanted] of Object.entries(query.flags)) where.push(sql`t.${sql.raw(FLAGS[name as LicenceFlag])} = ${wanted}`);
  // Whole units to base units in numeric, exactly (a bound finer than the currency still compares right).
  const units = (value: string) => sql`(${value}::numeric * power(10::numeric, ${decimals}))`;
  if (query.minPrice !== undefined) where.push(sql`${PRICE} >= ${units(query.minPrice)}`);
  if (query.maxPrice !== undefined) where.push(sql`${PRICE} <= ${units(query.maxPrice)}`);
  if (query.format !== undefined) where.push(sql`lower(d.format) = ${query.format}`);
  if (query.owner !== undefined) where.push(sql`d.owner = ${query.owner}`);
  if (query.hasProviders !== undefined) {
    // A job can be requested only on a provider that is active and that the dataset's owner allows.
    const served = sql`(${COMPUTABLE} and exists (select 1 from dataset_providers a join providers p on p.id = a.provider_id where a.dataset_id = d.id and a.allowed and p.active))`;
    where.push(query.hasProviders ? served : sql`not ${served}`);
  }
  if (query.listed !== 'all') where.push(sql`d.listed = ${query.listed === 'true'}`);
  return where;
}

function orderBy(query: SearchQuery): SQL {
  const direction = sql.raw(query.order);
  const key: Record<SearchSort, SQL> = {
    relevance: sql`ts_rank(d.search, websearch_to_tsquery('english', ${query.q ?? ''}))`,
    newest: sql`d.published_at`,
    price: PRICE,
    sales: sql`coalesce(s.sales, 0)`,
    revenue: sql`coalesce(s.volume, 0)`,
  };
  // The id breaks ties so pages never overlap.
  return sql`${key[query.sort]} ${direction}, d.id ${direction}`;
}

/** A row as the query selects it: the item's columns under their own names, before formatting. */
type Row = Omit<SearchItem, 'formatted' | 'publishedAt' | 'updatedAt'> & { publishedAt: Date | string; updatedAt: Date | string };

const iso = (value: Date | string) => new Date(value).toISOString();

/** One page of the datasets that match `query`, with their real sales, revenue and distinct buyers (rollups). */
export async function searchDatasets(idb: IndexerDatabase, query: SearchQuery, context: { decimals: number; symbol: string }): Promise<SearchResult> {
  const where = conditions(query, context.decimals);
  const filter = where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``;
  // Terms exist before any dataset names them (the registry checks), so the join drops nothing.
  const from = sql`from datasets d join terms t on t.id = d.terms_id left join asset_lineage l on l.asset_id = d.id`;
  const [count] = await idb.rows<{ total: number }>(sql`select count(*)::int as total ${from} ${filter}`);
  const rows = await idb.rows<Row>(sql`
    select d.id::text as id, ${KIND} as kind, d.title, d.description, d.tags, d.format, d.size::float8 as size, d.row_count::float8 as "rowCount",
      d.owner, d.listed, d.version, d.metadata_cid as "metadataCid", t.preset as licence, t.commercial_use as commercial,
      t.derivatives, t.ai_training as "aiTraining", t.compute_only as "computeOnly",
      (${PRICE})::text as price, t.download_price::text as "downloadPrice", t.compute_price::text as "computePrice",
      coalesce(s.sales, 0)::int as sales, coalesce(s.volume, 0)::text as revenue, coalesce(s.buyers, 0)::int as buyers,
      d.published_at as "publishedAt", d.updated_at as "updatedAt", d.metadata_status as "metadataStatus"
    ${from}
    left join sales_rollup s on s.dimension = 'dataset' and s.key = d.id::text and s.wash = false
    ${filter}
    order by ${orderBy(query)}
    limit ${query.pageSize} offset ${(query.page - 1) * query.pageSize}`);
  const format = (units: string) => `${formatUnits(BigInt(units), context.decimals)} ${context.symbol}`;
  return {
    total: count!.total,
    page: query.page,
    pageSize: query.pageSize,
    items: rows.map((row) => ({
      ...row,
      formatted: { price: format(row.price), downloadPrice: format(row.downloadPrice), computePrice: format(row.computePrice), revenue: format(row.revenue) },
      publishedAt: iso(row.publishedAt),
      updatedAt: iso(row.updatedAt),
    })),
  };
}
