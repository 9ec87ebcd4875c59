/**
 * The analytics reports on lineage and royalties: royalties paid per day, the assets their derivatives paid most,
 * and the largest lineage trees. They read royalty_rollup and the lineage tables (each derivative has at most 8
 * ancestors), never the royalties one by one.
 */
import { sql } from 'drizzle-orm';
import type { AssetKind, DerivativeRevenueReport, LineageTreesReport, RoyaltyVolumeReport } from './api';
import { KIND } from './lineage';
import { num, type Query, type Row } from './query';

const title = (r: Row) => (r.title as string | null) ?? null;
const owner = (r: Row) => (r.owner as string | null) ?? null;

async function royaltyVolume(q: Query): Promise<RoyaltyVolumeReport> {
  const rows = await q.rows(sql`
    with days as (${q.days()}),
    paid as (
      select r.key as day, sum(r.volume) as volume, sum(r.payments) as payments from royalty_rollup r
      where r.dimension = 'day' and r.key between ${q.params.from} and ${q.params.to} ${q.rollupWash()} group by r.key)
    select days.day, coalesce(paid.volume, 0)::text as volume, coalesce(paid.payments, 0)::int8 as payments
    from days left join paid using (day) order by days.day`);
  return {
    report: 'royalty-volume',
    symbol: q.symbol,
    wash: q.params.wash,
    from: q.params.from,
    to: q.params.to,
    days: rows.map((r) => ({ day: String(r.day), volume: q.amount(r.volume), payments: num(r.payments) })),
  };
}

/** Assets by the royalties received; `derivatives` counts every asset derived from each, at any depth. */
async function derivativeRevenue(q: Query): Promise<DerivativeRevenueReport> {
  const rows = await q.rows(sql`
    with ranked as (
      select r.key::bigint as id, sum(r.volume) as volume, sum(r.payments) as payments from royalty_rollup r
      where r.dimension = 'ancestor' ${q.rollupWash()}
      group by r.key order by sum(r.volume) desc, r.key::bigint limit ${q.params.limit})
    select ranked.id, d.title, d.owner, ${KIND} as kind, ranked.volume::text as volume, ranked.payments::int8 as payments,
      (select count(*) from asset_ancestors a where a.ancestor_id = ranked.id)::int8 as derivatives
    from ranked left join datasets d on d.id = ranked.id left join asset_lineage l on l.asset_id = ranked.id
    order by ranked.volume desc, ranked.id`);
  return {
    report: 'derivative-revenue',
    symbol: q.symbol,
    wash: q.params.wash,
    datasets: rows.map((r) => ({ datasetId: num(r.id), title: title(r), owner: owner(r), kind: r.kind as AssetKind, royalties: q.amount(r.volume), payments: num(r.payments), derivatives: num(r.derivatives) })),
  };
}

/**
 * Roots (assets without parents) by how many assets derive from them, then by depth: the generations of the longest
 * chain below them. An asset's ancestors are all of them (the registry keeps them whole), so one pass counts a tree.
 */
async function lineageTrees(q: Query): Promise<LineageTreesReport> {
  const rows = await q.rows(sql`
    with trees as (
      select a.ancestor_id as id, count(*) as descendants, max(a.distance) as depth from asset_ancestors a
      where not exists (select 1 from asset_ancestors x where x.asset_id = a.ancestor_id)
      group by a.ancestor_id order by count(*) desc, max(a.distance) desc, a.ancestor_id limit ${q.params.limit})
    select trees.id, d.title, d.owner, ${KIND} as kind, trees.descendants::int8 as descendants, trees.depth::int8 as depth
    from trees left join datasets d on d.id = trees.id left join asset_lineage l on l.asset_id = trees.id
    order by trees.descendants desc, trees.depth desc, trees.id`);
  return {
    report: 'lineage-trees',
    trees: rows.map((r) => ({ rootId: num(r.id), title: title(r), owner: owner(r), kind: r.kind as AssetKind, descendants: num(r.descendants), depth: num(r.depth) })),
  };
}

export const LINEAGE_REPORTS = {
  'royalty-volume': royaltyVolume,
  'derivative-revenue': derivativeRevenue,
  'lineage-trees': lineageTrees,
} as const;
