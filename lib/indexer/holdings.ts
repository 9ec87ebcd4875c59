/**
 * What one account holds and what it sold, as the indexer reads them from the chain: a buyer's licences and paid
 * compute jobs (the web app's "My purchases", read by address so every browser sees the same), and an owner's
 * datasets with their sales (the owner's public page). Queries over the tables the indexer already fills.
 */
import { sql } from 'drizzle-orm';
import { formatUnits, getAddress, isAddress, type Address } from 'viem';
import type { IndexerDatabase } from './db';
import { QueryError } from './errors';
import type { AccountPurchases, Amount, HeldLicence, JobStatus, OwnerProfile, PaidJob } from './api';
import { royaltyIncomeOf } from './lineage';
import { searchDatasets } from './search';

/** The market's currency, to format amounts (structurally the indexer's IndexerContext). */
interface Currency {
  decimals: number;
  symbol: string;
}

export const MAX_JOBS = 100;
/** Datasets an owner's profile lists, newest first (the search's largest page). */
export const PROFILE_DATASETS = 100;
const PERPETUAL = 2n ** 64n - 1n;

/** `text` as a checksummed address, or a QueryError naming `parameter`. */
export function parseAccount(text: string, parameter = 'address'): Address {
  if (!isAddress(text, { strict: false })) throw new QueryError(parameter, `"${text.slice(0, 60)}" is not an address`, 'give a 0x-prefixed 20-byte address, e.g. 0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
  return getAddress(text.toLowerCase());
}

function amount(raw: unknown, { decimals }: Currency): Amount {
  const units = BigInt(raw === null || raw === undefined ? 0 : String(raw));
  return { raw: units.toString(), value: formatUnits(units, decimals) };
}

const iso = (value: unknown) => new Date(value as string | Date).toISOString();
const isoOrNull = (value: unknown) => (value === null || value === undefined ? null : iso(value));

type Row = Record<string, unknown>;

/** The account's licences: for each dataset, its latest purchase or licence transfer in or out, in chain order. */
async function licencesOf(idb: IndexerDatabase, account: Address, currency: Currency, now: Date): Promise<HeldLicence[]> {
  const rows = await idb.rows<Row>(sql`
    with touches as (
      select p.dataset_id, p.block_number, p.log_index, p.tx_hash, p.timestamp, p.expires_at, p.terms_id, true as held, 'purchase' as via
      from purchases p where p.buyer = ${account}
      union all
      select (e.args->>'datasetId')::bigint, e.block_number, e.log_index, e.tx_hash, e.timestamp,
        case when (e.args->>'expiresAt')::numeric >= ${PERPETUAL.toString()}::numeric then null else to_timestamp((e.args->>'expiresAt')::float8) end,
        -- The sender's latest purchase before the transfer names the terms the licence carries.
        (select p.terms_id from purchases p where p.dataset_id = (e.args->>'datasetId')::bigint and p.buyer = e.args->>'from'
           and (p.block_number, p.log_index) < (e.block_number, e.log_index) order by p.block_number desc, p.log_index desc limit 1),
        e.args->>'to' = ${account}, 'transfer'
      from events e
      where e.contract = 'marketplace' and e.name = 'LicenceTransferred' and (e.args->>'to' = ${account} or e.args->>'from' = ${account})
    ),
    latest as (select distinct on (dataset_id) * from touches order by dataset_id, block_number desc, log_index desc),
    bought as (
      select p.dataset_id, count(*)::int8 as purchases, sum(p.price)::text as paid from purchases p where p.buyer = ${account} group by p.dataset_id)
    select l.dataset_id, d.title, d.owner, l.terms_id, lt.preset, lt.commercial_use, lt.derivatives, lt.ai_training, lt.transferable,
      l.expires_at, l.via, l.tx_hash, l.timestamp as acquired_at, coalesce(b.purchases, 0)::int8 as purchases, coalesce(b.paid, '0') as paid,
      d.listed, d.terms_id as current_terms_id, ct.compute_only as current_compute_only, ct.download_price::text as current_price
    from latest l
    join datasets d on d.id = l.dataset_id
    join terms ct on ct.id = d.terms_id
    left join terms lt on lt.id = l.terms_id
    left join bought b on b.dataset_id = l.dataset_id
    where l.held
    order by l.block_number desc, l.log_index desc`);
  return rows.map((r) => {
    const expiresAt = isoOrNull(r.expires_at);
    const renewable = r.listed === true && r.current_compute_only !== true && expiresAt !== null;
    return {
      datasetId: Number(r.dataset_id),
      title: (r.title as string | null) ?? null,
      owner: String(r.owner),
      termsId: r.terms_id === null ? null : Number(r.terms_id),
      licence: (r.preset as string | null) ?? null,
      rights: r.preset === null ? null : { commercialUse: r.commercial_use === true, derivatives: r.derivatives === true, aiTraining: r.ai_training === true, transferable: r.transferable === true },
      expiresAt,
      active: expiresAt === null || Date.parse(expiresAt) > now.getTime(),
      via: r.via as HeldLicence['via'],
      txHash: String(r.tx_hash),
      acquiredAt: iso(r.acquired_at),
      purchases: Number(r.purchases),
      paid: amount(r.paid, currency),
      renewal: renewable ? { termsId: Number(r.current_terms_id), price: amount(r.current_price, currency) } : null,
    };
  });
}

const CLOSING_EVENTS = ['JobSettled', 'JobCancelled', 'JobRefunded'];

/** The account's compute jobs, latest first, with the transactions that paid and closed them. */
async function jobsOf(idb: IndexerDatabase, account: Address, currency: Currency): Promise<{ jobs: PaidJob[]; total: number }> {
  const [count] = await idb.rows<{ total: number }>(sql`select count(*)::int as total from jobs j where j.buyer = ${account}`);
  const rows = await idb.rows<Row>(sql`
    select j.id, j.dataset_id, d.title, j.provider_id, j.status, j.delivered, j.escrow::text as escrow, j.max_minutes, j.minutes_used,
      j.buyer_refund::text as refund, j.requested_at, j.closed_at
    from jobs j left join datasets d on d.id = j.dataset_id
    where j.buyer = ${account} order by j.requested_at desc, j.id desc limit ${MAX_JOBS}`);
  if (rows.length === 0) return { jobs: [], total: count!.total };
  // One pass over the compute market's events for every job shown (jobs keep no transaction hashes).
  const ids = rows.map((r) => String(r.id));
  const events = await idb.rows<Row>(sql`
    select e.args->>'jobId' as job_id, e.name, e.tx_hash, e.args->>'resultHash' as result_hash from events e
    where e.contract = 'computeMarket' and e.name in ('JobRequested', ${sql.join(CLOSING_EVENTS.map((name) => sql`${name}`), sql`, `)})
      and e.args->>'jobId' in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})
    order by e.block_number, e.log_index`);
  const requested = new Map<string, string>();
  const closed = new Map<string, Row>();
  for (const e of events) {
    if (e.name === 'JobRequested') requested.set(String(e.job_id), String(e.tx_hash));
    else closed.set(String(e.job_id), e);
  }
  const jobs = rows.map((r): PaidJob => {
    const id = String(r.id);
    const open = r.closed_at === null;
    const close = closed.get(id);
    return {
      jobId: Number(r.id),
      datasetId: Number(r.dataset_id),
      title: (r.title as string | null) ?? null,
      providerId: Number(r.provider_id),
      status: r.status as JobStatus,
      delivered: (r.delivered as boolean | null) ?? null,
      escrow: amount(r.escrow, currency),
      maxMinutes: Number(r.max_minutes),
      minutesUsed: r.minutes_used === null ? null : Number(r.minutes_used),
      spent: open ? null : amount(BigInt(String(r.escrow)) - BigInt(String(r.refund ?? 0)), currency),
      refund: open ? null : amount(r.refund, currency),
      requestedAt: iso(r.requested_at),
      closedAt: isoOrNull(r.closed_at),
      requestTx: requested.get(id) ?? null,
      closeTx: close ? String(close.tx_hash) : null,
      resultHash: close?.name === 'JobSettled' ? String(close.result_hash) : null,
    };
  });
  return { jobs, total: count!.total };
}

/** What `account` bought: its licences (held, expired or received) and its compute jobs. */
export async function purchasesOf(idb: IndexerDatabase, account: Address, currency: Currency, now = new Date()): Promise<AccountPurchases> {
  const [licences, { jobs, total }] = await Promise.all([licencesOf(idb, account, currency, now), jobsOf(idb, account, currency)]);
  return { account, symbol: currency.symbol, licences, jobs, jobsTotal: total };
}

/** `owner`'s datasets, what they sold and the royalties it earned from derivatives (real sales; wash trades left out). */
export async function ownerProfile(idb: IndexerDatabase, owner: Address, currency: Currency): Promise<OwnerProfile> {
  const [totals] = await idb.rows<Row>(sql`
    with owned as (select d.id, d.listed, d.published_at from datasets d where d.owner = ${owner})
    select (select count(*) from owned)::int8 as datasets, (select count(*) from owned where listed)::int8 as listed,
      (select min(published_at) from owned) as since,
      (select coalesce(sum(r.sales), 0) from sales_rollup r join owned o on r.key = o.id::text where r.dimension = 'dataset' and not r.wash)::int8 as licences,
      (select coalesce(sum(r.volume), 0) from sales_rollup r join owned o on r.key = o.id::text where r.dimension = 'dataset' and not r.wash)::text as revenue,
      (select coalesce(sum(r.fees), 0) from sales_rollup r join owned o on r.key = o.id::text where r.dimension = 'dataset' and not r.wash)::text as fees,
      (select coalesce(sum(r.royalties), 0) from sales_rollup r join owned o on r.key = o.id::text where r.dimension = 'dataset' and not r.wash)::text as royalties,
      (select count(distinct b.buyer) from dataset_buyers b join owned o on o.id = b.dataset_id where b.purchases > 0)::int8 as buyers,
      (select count(*) from jobs j join owned o on o.id = j.dataset_id where j.status = 'settled' and j.delivered and j.wash is null)::int8 as compute_jobs,
      (select coalesce(sum(j.owner_amount), 0) from jobs j join owned o on o.id = j.dataset_id where j.status = 'settled' and j.wash is null)::text as compute_earned`);
  const [datasets, royaltyIncome] = await Promise.all([
    searchDatasets(idb, { flags: {}, owner, listed: 'all', sort: 'newest', order: 'desc', page: 1, pageSize: PROFILE_DATASETS }, currency),
    royaltyIncomeOf(idb, owner),
  ]);
  const t = totals!;
  return {
    owner,
    symbol: currency.symbol,
    totals: {
      datasets: Number(t.datasets),
      listed: Number(t.listed),
      licences: Number(t.licences),
      revenue: amount(t.revenue, currency),
      earned: amount(BigInt(String(t.revenue)) - BigInt(String(t.fees)) - BigInt(String(t.royalties)), currency),
      buyers: Number(t.buyers),
      computeJobs: Number(t.compute_jobs),
      computeEarned: amount(t.compute_earned, currency),
      royaltyIncome,
    },
    since: isoOrNull(t.since),
    datasets,
  };
}
