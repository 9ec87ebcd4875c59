/**
 * Rollups: licence sales summed by day, dataset, licence preset and price bucket (with the royalties they paid),
 * royalties by day, by ancestor and by source (licence or compute), and purchases per buyer, so analytics never scan every purchase or royalty.
 * One SELECT per rollup serves two uses: added for the blocks a batch applied (`{ fromBlock, toBlock }`), or
 * rebuilt from every row after a reorg or a bulk load (`'all'`).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './db';

/** Blocks whose rows a batch just inserted, or every row. */
export type RollupScope = { fromBlock: number; toBlock: number } | 'all';

/** Price buckets of a sale, in whole currency units: [lower, upper). */
export const PRICE_BUCKETS = [
  { label: '<1', lower: 0, upper: 1 },
  { label: '1–5', lower: 1, upper: 5 },
  { label: '5–10', lower: 5, upper: 10 },
  { label: '10–50', lower: 10, upper: 50 },
  { label: '50–100', lower: 50, upper: 100 },
  { label: '100–500', lower: 100, upper: 500 },
  { label: '500–1000', lower: 500, upper: 1000 },
  { label: '≥1000', lower: 1000, upper: Infinity },
] as const;

function priceBucket(unit: bigint): SQL {
  const cases = PRICE_BUCKETS.filter((b) => b.upper !== Infinity).map((b) => sql`when p.price < ${(BigInt(b.upper) * unit).toString()}::numeric then ${b.label}`);
  return sql`case ${sql.join(cases, sql` `)} else ${PRICE_BUCKETS.at(-1)!.label} end`;
}

function purchasesIn(scope: RollupScope): SQL {
  return scope === 'all' ? sql`true` : sql`p.block_number between ${scope.fromBlock} and ${scope.toBlock}`;
}

function royaltiesIn(scope: RollupScope): SQL {
  return scope === 'all' ? sql`true` : sql`r.block_number between ${scope.fromBlock} and ${scope.toBlock}`;
}

function jobsIn(scope: RollupScope): SQL {
  return scope === 'all' ? sql`true` : sql`j.requested_block between ${scope.fromBlock} and ${scope.toBlock}`;
}

/** Adds the scope's rows to the rollups, or (scope 'all') rebuilds them. Run inside the batch's transaction. */
export async function updateRollups(db: Database, scope: RollupScope, unit: bigint): Promise<void> {
  const rebuild = scope === 'all';
  if (rebuild) {
    await db.execute(sql`delete from sales_rollup`);
    await db.execute(sql`delete from royalty_rollup`);
    await db.execute(sql`delete from buyers`);
    await db.execute(sql`delete from dataset_buyers`);
  }
  const dimensions: [string, SQL][] = [
    ['day', sql`to_char(p.timestamp at time zone 'UTC', 'YYYY-MM-DD')`],
    ['dataset', sql`p.dataset_id::text`],
    ['licence', sql`coalesce(t.preset, 'unknown')`],
    ['price', priceBucket(unit)],
  ];
  for (const [dimension, key] of dimensions) {
    await db.execute(sql`
      with paid as (
        select r.tx_hash, r.sale_log_index, sum(r.amount) as amount from royalties r
        where ${royaltiesIn(scope)} and r.source = 'licence' group by 1, 2)
      insert into sales_rollup (dimension, key, wash, sales, volume, fees, royalties)
      select ${dimension}, ${key}, p.wash is not null, count(*), sum(p.price), sum(p.fee), coalesce(sum(paid.amount), 0)
      from purchases p left join terms t on t.id = p.terms_id
      left join paid on paid.tx_hash = p.tx_hash and paid.sale_log_index = p.log_index
      where ${purchasesIn(scope)}
      group by 2, 3
      on conflict (dimension, key, wash) do update set
        sales = sales_rollup.sales + excluded.sales,
        volume = sales_rollup.volume + excluded.volume,
        fees = sales_rollup.fees + excluded.fees,
        royalties = sales_rollup.royalties + excluded.royalties`);
  }
  const royaltyDimensions: [string, SQL][] = [
    ['day', sql`to_char(r.timestamp at time zone 'UTC', 'YYYY-MM-DD')`],
    ['ancestor', sql`r.ancestor_id::text`],
    ['source', sql`r.source`],
  ];
  for (const [dimension, key] of royaltyDimensions) {
    await db.execute(sql`
      insert into royalty_rollup (dimension, key, wash, payments, volume)
      select ${dimension}, ${key}, r.wash is not null, count(*), sum(r.amount)
      from royalties r where ${royaltiesIn(scope)}
      group by 2, 3
      on conflict (dimension, key, wash) do update set
        payments = royalty_rollup.payments + excluded.payments,
        volume = royalty_rollup.volume + excluded.volume`);
  }
  // A buyer is anyone who bought a licence or paid for a compute job.
  await db.execute(sql`
    insert into buyers (buyer, purchases, wash_purchases)
    select buyer, count(*) filter (where wash is null), count(*) filter (where wash is not null)
    from (
      select p.buyer, p.wash from purchases p where ${purchasesIn(scope)}
      union all
      select j.buyer, j.wash from jobs j where ${jobsIn(scope)}
    ) bought
    group by buyer
    on conflict (buyer) do update set
      purchases = buyers.purchases + excluded.purchases,
      wash_purchases = buyers.wash_purchases + excluded.wash_purchases`);
  await db.execute(sql`
    insert into dataset_buyers (dataset_id, buyer, purchases, wash_purchases)
    select p.dataset_id, p.buyer, count(*) filter (where p.wash is null), count(*) filter (where p.wash is not null)
    from purchases p where ${purchasesIn(scope)}
    group by 1, 2
    on conflict (dataset_id, buyer) do update set
      purchases = dataset_buyers.purchases + excluded.purchases,
      wash_purchases = dataset_buyers.wash_purchases + excluded.wash_purchases`);
  const touched = scope === 'all' ? sql`true` : sql`b.dataset_id in (select p.dataset_id from purchases p where ${purchasesIn(scope)})`;
  await db.execute(sql`
    update sales_rollup r set buyers = case when r.wash then c.flagged else c.real end
    from (
      select b.dataset_id::text as key, count(*) filter (where b.purchases > 0) as real, count(*) filter (where b.purchases = 0 and b.wash_purchases > 0) as flagged
      from dataset_buyers b where ${touched} group by b.dataset_id
    ) c
    where r.dimension = 'dataset' and r.key = c.key`);
}
