/**
 * Lineage and royalties as the read API answers them: an asset's graph (its ancestors, which the registry bounds
 * to 8, and its descendants a few levels down, bounded here), what it earned and paid in royalties, and an owner's
 * royalty income. Royalties of wash-flagged sales are left out, like the sales themselves.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AssetKind, AssetLineage, AssetRoyalties, LineageEdge, LineageNode, RoyaltySum } from './api';
import type { IndexerDatabase } from './db';
import { QueryError } from './errors';

/** Generations of descendants a lineage answer goes down. */
export const MAX_LINEAGE_LEVELS = 3;
/** Nodes a lineage answer holds at most, the asset and its ancestors included. */
export const MAX_LINEAGE_NODES = 100;
/** Derivatives listed as paying an asset the most. */
export const MAX_PAYING_DERIVATIVES = 10;

type Row = Record<string, unknown>;

const ids = (values: number[]): SQL => sql.join(values.map((id) => sql`${id}`), sql`, `);

/** An asset's kind as stored: assets published without lineage are datasets. */
export const KIND = sql`coalesce(l.kind, 'dataset')`;

async function assertIndexed(idb: IndexerDatabase, assetId: number): Promise<void> {
  const [row] = await idb.rows(sql`select 1 as found from datasets where id = ${assetId}`);
  if (!row) throw new QueryError('datasetId', `no dataset ${assetId} is indexed`, 'check the id (`datagora datasets --all`); a dataset just published shows once the indexer reads its block');
}

/**
 * Descendants of `assetId` level by level, skipping those `seen`, while the nodes fit: each level asks for one more
 * than there is room for, so a popular dataset's thousands of children are never read. Returns whether some were left out.
 */
async function addDescendants(idb: IndexerDatabase, assetId: number, seen: Set<number>): Promise<boolean> {
  let frontier = [assetId];
  for (let level = 1; frontier.length > 0; level++) {
    const room = level > MAX_LINEAGE_LEVELS ? 0 : MAX_LINEAGE_NODES - seen.size;
    const children = await idb.rows<{ id: number }>(sql`
      select distinct a.asset_id as id from asset_parents a
      where a.parent_id in (${ids(frontier)}) and a.asset_id not in (${ids([...seen])})
      order by 1 limit ${room + 1}`);
    frontier = children.slice(0, room).map((row) => Number(row.id));
    for (const id of frontier) seen.add(id);
    if (children.length > room) return true;
  }
  return false;
}

/** The lineage graph around `assetId`; a QueryError when it is not indexed. */
export async function lineageOf(idb: IndexerDatabase, assetId: number): Promise<AssetLineage> {
  await assertIndexed(idb, assetId);
  const ancestors = await idb.rows<{ id: number }>(sql`select ancestor_id as id from asset_ancestors where asset_id = ${assetId}`);
  const seen = new Set([assetId, ...ancestors.map((row) => Number(row.id))]);
  const truncated = await addDescendants(idb, assetId, seen);
  const members = ids([...seen]);
  const [nodes, edges] = await Promise.all([
    idb.rows<Row>(sql`
      select d.id, ${KIND} as kind, d.title, d.owner,
        case when l.content_hash is null or doc.document is null then null
          else l.content_hash = '0x' || (doc.document->'document'->>'plaintextSha256') end as content_matches
      from datasets d left join asset_lineage l on l.asset_id = d.id left join documents doc on doc.cid = d.metadata_cid
      where d.id in (${members}) order by d.id`),
    idb.rows<Row>(sql`
      select a.parent_id, a.asset_id, a.bps, a.job_id from asset_parents a
      where a.asset_id in (${members}) and a.parent_id in (${members}) order by a.asset_id, a.parent_id`),
  ]);
  return {
    assetId: String(assetId),
    nodes: nodes.map((r): LineageNode => ({ id: String(r.id), kind: r.kind as AssetKind, title: (r.title as string | null) ?? null, owner: String(r.owner), contentMatches: r.content_matches === null ? null : Boolean(r.content_matches) })),
    edges: edges.map((r): LineageEdge => ({ parentId: String(r.parent_id), childId: String(r.asset_id), bps: Number(r.bps), jobId: r.job_id === null ? null : String(r.job_id) })),
    truncated,
  };
}

/** Real royalties matching `where` (alias r), per currency. */
async function sums(idb: IndexerDatabase, where: SQL): Promise<RoyaltySum[]> {
  const rows = await idb.rows<Row>(sql`
    select r.currency, sum(r.amount)::text as amount, count(*)::int8 as payments from royalties r
    where ${where} and r.wash is null group by r.currency order by r.currency`);
  return rows.map((r) => ({ currency: String(r.currency), amount: String(r.amount), payments: Number(r.payments) }));
}

/** What `assetId` earned as an ancestor and paid as a derivative; a QueryError when it is not indexed. */
export async function royaltiesOf(idb: IndexerDatabase, assetId: number): Promise<AssetRoyalties> {
  await assertIndexed(idb, assetId);
  const [earned, paid, payers] = await Promise.all([
    sums(idb, sql`r.ancestor_id = ${assetId}`),
    sums(idb, sql`r.asset_id = ${assetId}`),
    idb.rows<Row>(sql`
      select r.asset_id, d.title, sum(r.amount)::text as amount from royalties r left join datasets d on d.id = r.asset_id
      where r.ancestor_id = ${assetId} and r.wash is null
      group by r.asset_id, d.title order by sum(r.amount) desc, r.asset_id limit ${MAX_PAYING_DERIVATIVES}`),
  ]);
  return {
    earned,
    paid,
    fromDerivatives: payers.map((r) => ({ assetId: String(r.asset_id), title: (r.title as string | null) ?? null, amount: String(r.amount) })),
  };
}

/** Royalties `owner` was credited as an ancestor's owner, per currency. */
export function royaltyIncomeOf(idb: IndexerDatabase, owner: string): Promise<RoyaltySum[]> {
  return sums(idb, sql`r.owner = ${owner}`);
}
