/**
 * What compute jobs released from one dataset, for its owner: the release budget the owner last set and, per buyer,
 * the jobs, the ε their delivered jobs spent, the bytes they released and what open jobs still reserve. Every job
 * counts, wash-flagged or not: the chain's budget counts them all.
 */
import { sql } from 'drizzle-orm';
import type { IndexerDatabase } from './db';
import { QueryError } from './errors';
import type { BuyerReleases, DatasetReleases } from './api';

/** Buyers listed, the most released first (`totals.buyers` counts them all). */
export const MAX_RELEASE_BUYERS = 100;

type Row = Record<string, unknown>;

/** `text` as a dataset id, or a QueryError. */
export function parseDatasetId(text: string): number {
  const id = /^\d{1,15}$/.test(text) ? Number(text) : 0;
  if (id < 1) throw new QueryError('datasetId', `"${text.slice(0, 60)}" is not a dataset id`, 'a dataset id is a positive integer');
  return id;
}

/** What a set of jobs `j` spent and reserves (its columns, read by `sums`). */
const SUMS = sql`count(*)::int8 as jobs, count(*) filter (where j.delivered)::int8 as delivered,
  coalesce(sum(j.epsilon) filter (where j.delivered), 0)::text as epsilon,
  coalesce(sum(j.released_bytes), 0)::text as released_bytes,
  coalesce(sum(j.epsilon) filter (where j.closed_at is null), 0)::text as reserved_epsilon,
  coalesce(sum(j.release_bytes) filter (where j.closed_at is null), 0)::text as reserved_bytes`;

function sums(row: Row): Omit<BuyerReleases, 'buyer' | 'lastJobAt'> {
  return {
    jobs: Number(row.jobs),
    delivered: Number(row.delivered),
    epsilon: String(row.epsilon),
    releasedBytes: String(row.released_bytes),
    reserved: { epsilon: String(row.reserved_epsilon), bytes: String(row.reserved_bytes) },
  };
}

/** Dataset `datasetId`'s release budget and its buyers' spend; a QueryError when no such dataset is indexed. */
export async function releasesOf(idb: IndexerDatabase, datasetId: number): Promise<DatasetReleases> {
  const [[dataset], [totals], buyers] = await Promise.all([
    idb.rows<Row>(sql`
      select d.id, b.epsilon_total::text, b.epsilon_per_buyer::text, b.bytes_per_job::text, b.bytes_per_buyer::text, b.updated_at
      from datasets d left join release_budgets b on b.dataset_id = d.id where d.id = ${datasetId}`),
    idb.rows<Row>(sql`select count(distinct j.buyer)::int8 as buyers, ${SUMS} from jobs j where j.dataset_id = ${datasetId}`),
    idb.rows<Row>(sql`
      select j.buyer, max(j.requested_at) as last_job_at, ${SUMS} from jobs j where j.dataset_id = ${datasetId}
      group by j.buyer
      order by coalesce(sum(j.released_bytes), 0) desc, coalesce(sum(j.epsilon) filter (where j.delivered), 0) desc, j.buyer
      limit ${MAX_RELEASE_BUYERS}`),
  ]);
  if (!dataset) throw new QueryError('datasetId', `no dataset ${datasetId} is indexed`, 'check the id (`datagora datasets --all`); a dataset just published shows once the indexer reads its block');
  const budget =
    dataset.updated_at === null
      ? null
      : {
          epsilonTotal: String(dataset.epsilon_total),
          epsilonPerBuyer: String(dataset.epsilon_per_buyer),
          bytesPerJob: String(dataset.bytes_per_job),
          bytesPerBuyer: String(dataset.bytes_per_buyer),
          updatedAt: new Date(dataset.updated_at as string | Date).toISOString(),
        };
  return {
    datasetId,
    budget,
    totals: { buyers: Number(totals!.buyers), ...sums(totals!) },
    buyers: buyers.map((row) => ({ buyer: String(row.buyer), ...sums(row), lastJobAt: new Date(row.last_job_at as string | Date).toISOString() })),
  };
}
