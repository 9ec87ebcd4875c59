/**
 * The analytics reports' queries. All but dataset-sales and wash-trades read the rollups (sales_rollup, buyers,
 * dataset_buyers) and the small state tables (datasets, jobs, providers), never `purchases`, so they stay fast
 * with millions of sales. Definitions:
 * - volume: what buyers paid for licences plus compute spend (settled jobs' escrow − buyer_refund);
 * - a closed job: settled (delivered or not) or refunded; a cancelled job was withdrawn by its buyer before a
 *   provider took it, so it does not count against the provider;
 * - success rate: delivered / closed; utilization: minutes used / max_minutes booked, over closed jobs;
 * - minutes (used and booked) count once per provider and run: a run's jobs on one provider are settled with the
 *   same minutes, priced on its first one (jobs.metered), while its jobs, escrows and spend count per job.
 */
import { sql } from 'drizzle-orm';
import { LICENCE_PRESETS } from '../licence/presets';
import type { AnalyticsParams, DailyReport, DatasetSalesReport, LicenceMixReport, PriceDistributionReport, ProvidersReport, RepeatBuyersReport, ReportName, ReportResult, RevenueSplitReport, SaleRow, TopDatasetsReport, TotalsReport, WashTradesReport } from './api';
import type { IndexerDatabase } from './db';
import { QueryError } from './errors';
import { LINEAGE_REPORTS } from './lineage-reports';
import { dayOf, num, Query, type AnalyticsContext, type Row } from './query';
import { PRICE_BUCKETS } from './rollups';

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

const ISO = sql.raw(`'YYYY-MM-DD"T"HH24:MI:SS"Z"'`);

/** Licence sales of one rollup dimension, summed per key. */
function rollup(q: Query, dimension: string): Promise<Row[]> {
  return q.rows(sql`
    select r.key, sum(r.sales)::int8 as sales, sum(r.volume)::text as volume, sum(r.fees)::text as fees, sum(r.royalties)::text as royalties
    from sales_rollup r where r.dimension = ${dimension} ${q.rollupWash()} group by r.key`);
}

async function totals(q: Query): Promise<TotalsReport> {
  const [counts] = await q.rows(sql`
    select (select count(*) from datasets)::int8 as datasets,
      (select count(distinct owner) from datasets)::int8 as owners,
      (select count(*) from buyers b where ${q.bought()} > 0)::int8 as buyers`);
  // Every sale is in each dimension once; 'licence' has the fewest keys.
  const sales = await q.rows(sql`
    select r.wash as flagged, sum(r.sales)::int8 as sales, sum(r.volume)::text as volume
    from sales_rollup r where r.dimension = 'licence' group by r.wash`);
  const jobs = await q.rows(sql`
    select j.wash is not null as flagged, count(*)::int8 as jobs,
      coalesce(sum(j.escrow - coalesce(j.buyer_refund, 0)) filter (where j.status = 'settled'), 0)::text as spend
    from jobs j group by 1`);
  const part = (rows: Row[], flagged: boolean, column: string) => rows.filter((r) => r.flagged === flagged).reduce((sum, r) => sum + BigInt(String(r[column])), 0n);
  const counted = (rows: Row[], column: string) => part(rows, false, column) + (q.params.wash === 'include' ? part(rows, true, column) : 0n);
  const licenceVolume = counted(sales, 'volume');
  const computeVolume = counted(jobs, 'spend');
  return {
    report: 'totals',
    symbol: q.symbol,
    wash: q.params.wash,
    datasets: num(counts?.datasets),
    owners: num(counts?.owners),
    buyers: num(counts?.buyers),
    licences: Number(counted(sales, 'sales')),
    jobs: Number(counted(jobs, 'jobs')),
    volume: q.amount(licenceVolume + computeVolume),
    licenceVolume: q.amount(licenceVolume),
    computeVolume: q.amount(computeVolume),
    flagged: { licences: Number(part(sales, true, 'sales')), jobs: Number(part(jobs, true, 'jobs')), volume: q.amount(part(sales, true, 'volume') + part(jobs, true, 'spend')) },
  };
}

async function daily(q: Query): Promise<DailyReport> {
  const { start, end } = q.range();
  const rows = await q.rows(sql`
    with days as (${q.days()}),
    sales as (
      select r.key as day, sum(r.sales) as sales, sum(r.volume) as volume from sales_rollup r
      where r.dimension = 'day' and r.key between ${q.params.from} and ${q.params.to} ${q.rollupWash()} group by r.key),
    listings as (
      select ${dayOf(sql`d.published_at`)} as at, count(*) as listings from datasets d
      where d.published_at >= ${start}::timestamptz and d.published_at < ${end}::timestamptz group by 1),
    requested as (
      select ${dayOf(sql`j.requested_at`)} as at, count(*) as jobs from jobs j
      where j.requested_at >= ${start}::timestamptz and j.requested_at < ${end}::timestamptz ${q.jobWash()} group by 1),
    settled as (
      select ${dayOf(sql`j.closed_at`)} as at, sum(j.minutes_used) filter (where j.metered) as minutes, sum(j.escrow - coalesce(j.buyer_refund, 0)) as spend from jobs j
      where j.status = 'settled' and j.closed_at >= ${start}::timestamptz and j.closed_at < ${end}::timestamptz ${q.jobWash()} group by 1)
    select days.day, coalesce(sales.sales, 0)::int8 as licences, coalesce(sales.volume, 0)::text as licence_volume,
      coalesce(settled.spend, 0)::text as compute_volume, coalesce(listings.listings, 0)::int8 as listings,
      coalesce(requested.jobs, 0)::int8 as jobs_requested, coalesce(settled.minutes, 0)::int8 as compute_minutes
    from days left join sales using (day) left join listings using (at) left join requested using (at) left join settled using (at)
    order by days.day`);
  return {
    report: 'daily',
    symbol: q.symbol,
    wash: q.params.wash,
    from: q.params.from,
    to: q.params.to,
    days: rows.map((r) => ({
      day: String(r.day),
      volume: q.amount(BigInt(String(r.licence_volume)) + BigInt(String(r.compute_volume))),
      licences: num(r.licences),
      licenceVolume: q.amount(r.licence_volume),
      computeVolume: q.amount(r.compute_volume),
      listings: num(r.listings),
      jobsRequested: num(r.jobs_requested),
      computeMinutes: num(r.compute_minutes),
    })),
  };
}

async function topDatasets(q: Query): Promise<TopDatasetsReport> {
  const { by, limit } = q.params;
  // The dataset rollup rows carry distinct buyers too (the real row and the flagged-only row add up).
  const rows = await q.rows(sql`
    with ranked as (
      select r.key::bigint as dataset_id, sum(r.sales) as sales, sum(r.volume) as volume, sum(r.buyers) as buyers
      from sales_rollup r where r.dimension = 'dataset' ${q.rollupWash()}
      group by r.key order by ${by === 'revenue' ? sql`sum(r.volume)` : sql`sum(r.buyers)`} desc, r.key::bigint limit ${limit})
    select ranked.dataset_id, d.title, d.owner, ranked.sales::int8 as sales, ranked.volume::text as volume, ranked.buyers::int8 as buyers
    from ranked left join datasets d on d.id = ranked.dataset_id
    order by ${by === 'revenue' ? sql`ranked.volume desc` : sql`ranked.buyers desc`}, ranked.dataset_id`);
  return {
    report: 'top-datasets',
    symbol: q.symbol,
    wash: q.params.wash,
    by,
    datasets: rows.map((r) => ({
      datasetId: num(r.dataset_id),
      title: (r.title as string | null) ?? null,
      owner: (r.owner as string | null) ?? null,
      sales: num(r.sales),
      revenue: q.amount(r.volume),
      buyers: num(r.buyers),
    })),
  };
}

async function revenueSplit(q: Query): Promise<RevenueSplitReport> {
  const licences = await rollup(q, 'licence');
  const volume = licences.reduce((sum, r) => sum + BigInt(String(r.volume)), 0n);
  const fees = licences.reduce((sum, r) => sum + BigInt(String(r.fees)), 0n);
  const royalties = licences.reduce((sum, r) => sum + BigInt(String(r.royalties)), 0n);
  // Jobs' owner_amount is already net of the royalties their data fees paid (the royalty rollup says how much).
  const [jobs] = await q.rows(sql`
    select coalesce(sum(j.escrow), 0)::text as paid,
      (select coalesce(sum(r.volume), 0) from royalty_rollup r where r.dimension = 'source' and r.key = 'compute' ${q.rollupWash()})::text as royalties,
      coalesce(sum(j.owner_amount) filter (where j.status = 'settled'), 0)::text as owners,
      coalesce(sum(j.provider_amount) filter (where j.status = 'settled'), 0)::text as providers,
      coalesce(sum(j.market_fee) filter (where j.status = 'settled'), 0)::text as fees,
      coalesce(sum(j.buyer_refund) filter (where j.status in ('settled', 'cancelled', 'refunded')), 0)::text as refunds,
      coalesce(sum(j.escrow) filter (where j.status in ('requested', 'accepted')), 0)::text as held
    from jobs j where true ${q.jobWash()}`);
  const compute = (column: string) => BigInt(String(jobs?.[column] ?? 0));
  return {
    report: 'revenue-split',
    symbol: q.symbol,
    wash: q.params.wash,
    paid: q.split(volume, compute('paid')),
    owners: q.split(volume - fees - royalties, compute('owners')),
    providers: q.split(0n, compute('providers')),
    marketFees: q.split(fees, compute('fees')),
    royalties: q.split(royalties, compute('royalties')),
    refunds: q.split(0n, compute('refunds')),
    held: q.split(0n, compute('held')),
  };
}

async function repeatBuyers(q: Query): Promise<RepeatBuyersReport> {
  const [row] = await q.rows(sql`
    select count(*) filter (where ${q.bought()} > 0)::int8 as buyers, count(*) filter (where ${q.bought()} >= 2)::int8 as repeat_buyers from buyers b`);
  const buyers = num(row?.buyers);
  const repeat = num(row?.repeat_buyers);
  return { report: 'repeat-buyers', symbol: q.symbol, wash: q.params.wash, buyers, repeatBuyers: repeat, rate: ratio(repeat, buyers) };
}

/** Rollup keys in a fixed order first (with zeros where nothing sold), then any other key alphabetically. */
function ordered(rows: Row[], keys: readonly string[]): { key: string; sales: number; volume: unknown }[] {
  const byKey = new Map(rows.map((r) => [String(r.key), r]));
  const others = [...byKey.keys()].filter((k) => !keys.includes(k)).sort();
  return [...keys, ...others].map((key) => ({ key, sales: num(byKey.get(key)?.sales), volume: byKey.get(key)?.volume ?? 0 }));
}

async function priceDistribution(q: Query): Promise<PriceDistributionReport> {
  const rows = ordered(await rollup(q, 'price'), PRICE_BUCKETS.map((b) => b.label));
  return {
    report: 'price-distribution',
    symbol: q.symbol,
    wash: q.params.wash,
    buckets: rows.map(({ key, sales, volume }) => {
      const bucket = PRICE_BUCKETS.find((b) => b.label === key);
      return { bucket: key, lower: bucket?.lower ?? 0, upper: bucket && bucket.upper !== Infinity ? bucket.upper : null, sales, volume: q.amount(volume) };
    }),
  };
}

async function licenceMix(q: Query): Promise<LicenceMixReport> {
  const rows = ordered(await rollup(q, 'licence'), LICENCE_PRESETS);
  return { report: 'licence-mix', symbol: q.symbol, wash: q.params.wash, licences: rows.map(({ key, sales, volume }) => ({ preset: key, sales, volume: q.amount(volume) })) };
}

async function providers(q: Query): Promise<ProvidersReport> {
  const rows = await q.rows(sql`
    select p.id, p.owner, p.endpoint, p.active, count(j.id)::int8 as jobs,
      count(*) filter (where j.status = 'settled')::int8 as settled,
      count(*) filter (where j.status = 'settled' and j.delivered)::int8 as delivered,
      count(*) filter (where (j.status = 'settled' and not coalesce(j.delivered, false)) or j.status = 'refunded')::int8 as failed,
      count(*) filter (where j.status = 'cancelled')::int8 as cancelled,
      coalesce(sum(j.minutes_used) filter (where j.status = 'settled' and j.metered), 0)::int8 as minutes,
      coalesce(sum(j.max_minutes) filter (where j.status in ('settled', 'refunded') and j.metered), 0)::int8 as booked,
      coalesce(sum(j.provider_amount) filter (where j.status = 'settled'), 0)::text as earnings
    from providers p left join jobs j on j.provider_id = p.id ${q.jobWash()}
    group by p.id order by p.id`);
  return {
    report: 'providers',
    symbol: q.symbol,
    wash: q.params.wash,
    providers: rows.map((r) => {
      const delivered = num(r.delivered);
      const failed = num(r.failed);
      return {
        providerId: num(r.id),
        owner: String(r.owner),
        endpoint: String(r.endpoint),
        active: r.active === true,
        jobs: num(r.jobs),
        settled: num(r.settled),
        delivered,
        failed,
        cancelled: num(r.cancelled),
        successRate: ratio(delivered, delivered + failed),
        computeMinutes: num(r.minutes),
        bookedMinutes: num(r.booked),
        utilization: ratio(num(r.minutes), num(r.booked)),
        earnings: q.amount(r.earnings),
      };
    }),
  };
}

function saleRow(q: Query, r: Row): SaleRow {
  return { txHash: String(r.tx_hash), logIndex: num(r.log_index), timestamp: String(r.at), buyer: String(r.buyer), price: q.amount(r.price), wash: (r.wash as string | null) ?? null };
}

const SALE_COLUMNS = sql`p.tx_hash, p.log_index, to_char(p.timestamp at time zone 'UTC', ${ISO}) as at, p.buyer, p.price::text as price, p.wash`;
const LATEST_FIRST = sql`order by p.timestamp desc, p.block_number desc, p.log_index desc`;

/** One dataset's sales from `purchases` through its (dataset_id, timestamp) index. */
async function datasetSales(q: Query): Promise<DatasetSalesReport> {
  const id = q.params.dataset!;
  const [dataset] = await q.rows(sql`
    select d.id, d.title, d.owner,
      (select coalesce(sum(r.sales), 0) from sales_rollup r where r.dimension = 'dataset' and r.key = ${String(id)} ${q.rollupWash()})::int8 as sales,
      (select coalesce(sum(r.volume), 0) from sales_rollup r where r.dimension = 'dataset' and r.key = ${String(id)} ${q.rollupWash()})::text as volume,
      (select count(*) from dataset_buyers b where b.dataset_id = d.id and ${q.bought()} > 0)::int8 as buyers
    from datasets d where d.id = ${id}`);
  if (!dataset) throw new QueryError('dataset', `no dataset ${id} is indexed`, 'pick an id from the dataset search (/api/v1/datasets)');
  const { start, end } = q.range();
  const days = await q.rows(sql`
    with days as (${q.days()}),
    sales as (
      select ${dayOf(sql`p.timestamp`)} as at, count(*) as sales, sum(p.price) as volume from purchases p
      where p.dataset_id = ${id} and p.timestamp >= ${start}::timestamptz and p.timestamp < ${end}::timestamptz ${q.purchaseWash()} group by 1)
    select days.day, coalesce(sales.sales, 0)::int8 as sales, coalesce(sales.volume, 0)::text as volume
    from days left join sales using (at) order by days.day`);
  const latest = await q.rows(sql`select ${SALE_COLUMNS} from purchases p where p.dataset_id = ${id} ${q.purchaseWash()} ${LATEST_FIRST} limit ${q.params.limit}`);
  return {
    report: 'dataset-sales',
    symbol: q.symbol,
    wash: q.params.wash,
    dataset: { datasetId: num(dataset.id), title: (dataset.title as string | null) ?? null, owner: String(dataset.owner), sales: num(dataset.sales), revenue: q.amount(dataset.volume), buyers: num(dataset.buyers) },
    from: q.params.from,
    to: q.params.to,
    days: days.map((r) => ({ day: String(r.day), sales: num(r.sales), volume: q.amount(r.volume) })),
    latest: latest.map((r) => saleRow(q, r)),
  };
}

/** Flagged purchases, latest first (optionally of one dataset). */
async function washTrades(q: Query): Promise<WashTradesReport> {
  const dataset = q.params.dataset === undefined ? sql.empty() : sql`and p.dataset_id = ${q.params.dataset}`;
  const rows = await q.rows(sql`
    select ${SALE_COLUMNS}, p.dataset_id, p.owner, d.title from purchases p left join datasets d on d.id = p.dataset_id
    where p.wash is not null ${dataset} ${LATEST_FIRST} limit ${q.params.limit}`);
  return {
    report: 'wash-trades',
    symbol: q.symbol,
    trades: rows.map((r) => ({ ...saleRow(q, r), datasetId: num(r.dataset_id), title: (r.title as string | null) ?? null, owner: String(r.owner), reason: String(r.wash) })),
  };
}

export const REPORTS = {
  totals,
  daily,
  'top-datasets': topDatasets,
  'revenue-split': revenueSplit,
  'repeat-buyers': repeatBuyers,
  'price-distribution': priceDistribution,
  'licence-mix': licenceMix,
  providers,
  'dataset-sales': datasetSales,
  'wash-trades': washTrades,
  ...LINEAGE_REPORTS,
} as const satisfies { [N in ReportName]: (q: Query) => Promise<Extract<ReportResult, { report: N }>> };

/** Runs report `name` over `idb`. */
export function queryReport(idb: IndexerDatabase, name: ReportName, params: AnalyticsParams, context: AnalyticsContext): Promise<ReportResult> {
  return REPORTS[name](new Query(idb, params, context));
}
