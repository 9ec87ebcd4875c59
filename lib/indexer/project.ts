/**
 * Events into tables: each state event updates the rows it describes (datasets, terms, providers, release budgets,
 * jobs, lineage), sales, royalties and owners' stablecoin transfers are bulk-inserted, and wash trades are flagged.
 * Runs inside the batch's transaction, and again over the kept events after a reorg.
 */
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Address, Hex } from 'viem';
import { presetOf } from '../licence/presets';
import { ASSET_KINDS } from '../lineage/derivation';
import { cidFromPointer, type MetadataPointer } from '../metadata';
import type { Database } from './db';
import type { ContractKey, DecodedEvent } from './events';
import { updateRollups, type RollupScope } from './rollups';
import * as t from './schema';

/**
 * Logs that only add a row to their own table (bulk-inserted, unique by transaction hash and log index there).
 * Every other log is kept in `events`, updates state, and is replayed after a reorg.
 */
const FACT_EVENTS = new Set(['marketplace:LicencePurchased', 'marketplace:RoyaltyPaid', 'computeMarket:RoyaltyPaid', 'stablecoin:Transfer']);
export const isFact = (event: DecodedEvent) => FACT_EVENTS.has(`${event.contract}:${event.name}`);

const INSERT_CHUNK = 5_000;

const PURCHASE_COLUMNS = 'tx_hash text, log_index int, block_number bigint, "timestamp" timestamptz, dataset_id bigint, buyer text, owner text, terms_id bigint, currency text, price numeric, fee numeric, expires_at timestamptz, wash text';
const ROYALTY_COLUMNS = 'tx_hash text, log_index int, block_number bigint, "timestamp" timestamptz, source text, asset_id bigint, ancestor_id bigint, owner text, currency text, amount numeric, sale_log_index int, job_id bigint';
const TRANSFER_COLUMNS = 'tx_hash text, log_index int, block_number bigint, "timestamp" timestamptz, token text, "from" text, "to" text, value numeric';

const str = (value: unknown) => String(value);
const num = (value: unknown) => Number(value);
/** Addresses as viem decodes them (checksummed), also when read back from stored events. */
const addr = (value: unknown) => String(value) as Address;
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Inserts `rows` (objects keyed by column name) as one JSON parameter per chunk: Postgres parses it in C,
 * several times faster than thousands of bound parameters. Rows already there are skipped.
 */
async function bulkInsert(tx: Database, table: string, columns: string, rows: Record<string, unknown>[]): Promise<void> {
  const names = sql.raw(columns.split(',').map((column) => column.trim().split(' ')[0]).join(', '));
  for (const group of chunks(rows, INSERT_CHUNK)) {
    await tx.execute(sql`insert into ${sql.identifier(table)} (${names}) select ${names} from jsonb_to_recordset(${JSON.stringify(group)}::jsonb) as x(${sql.raw(columns)}) on conflict do nothing`);
  }
}

/** Applies one state event to the tables it changes. */
export async function applyState(tx: Database, e: DecodedEvent): Promise<void> {
  const a = e.args;
  switch (`${e.contract}:${e.name}`) {
    case 'registry:TermsRegistered': {
      const terms = a.terms as Record<string, unknown>;
      await tx
        .insert(t.terms)
        .values({
          id: num(a.termsId),
          currency: addr(terms.currency),
          accessDuration: num(terms.accessDuration),
          revShareBps: num(terms.commercialRevShare),
          computeOnly: terms.computeOnly === true,
          aiTraining: terms.aiTrainingAllowed === true,
          transferable: terms.transferable === true,
          commercialUse: terms.commercialUse === true,
          derivatives: terms.derivativesAllowed === true,
          downloadPrice: str(terms.downloadPrice),
          computePrice: str(terms.computePrice),
          preset: presetOf({ computeOnly: terms.computeOnly === true, aiTrainingAllowed: terms.aiTrainingAllowed === true, commercialUse: terms.commercialUse === true, derivativesAllowed: terms.derivativesAllowed === true }),
          uri: str(terms.uri),
        })
        .onConflictDoNothing();
      return;
    }
    case 'registry:DatasetPublished': {
      const cid = cidFromPointer(a.metadata as MetadataPointer);
      await tx
        .insert(t.datasets)
        .values({ id: num(a.datasetId), owner: addr(a.owner), termsId: num(a.termsId), listed: true, version: 1, metadataCid: cid, publishedAt: e.timestamp, updatedAt: e.timestamp, tags: [], metadataStatus: 'pending' })
        .onConflictDoNothing();
      await tx.insert(t.datasetVersions).values({ datasetId: num(a.datasetId), version: 1, metadataCid: cid, blockNumber: e.blockNumber, txHash: e.txHash, timestamp: e.timestamp }).onConflictDoNothing();
      return;
    }
    case 'registry:MetadataUpdated': {
      const cid = cidFromPointer(a.metadata as MetadataPointer);
      await tx.update(t.datasets).set({ version: num(a.version), metadataCid: cid, updatedAt: e.timestamp, metadataStatus: 'pending' }).where(eq(t.datasets.id, num(a.datasetId)));
      await tx.insert(t.datasetVersions).values({ datasetId: num(a.datasetId), version: num(a.version), metadataCid: cid, blockNumber: e.blockNumber, txHash: e.txHash, timestamp: e.timestamp }).onConflictDoNothing();
      return;
    }
    case 'registry:LineageRegistered':
      await applyLineage(tx, e);
      return;
    case 'registry:TermsChanged':
      await tx.update(t.datasets).set({ termsId: num(a.termsId), updatedAt: e.timestamp }).where(eq(t.datasets.id, num(a.datasetId)));
      return;
    case 'registry:ListingChanged':
      await tx.update(t.datasets).set({ listed: a.listed === true, updatedAt: e.timestamp }).where(eq(t.datasets.id, num(a.datasetId)));
      return;
    case 'registry:Transfer':
      // The data NFT changed hands (mints are DatasetPublished's).
      if (addr(a.from) !== ZERO_ADDRESS) await tx.update(t.datasets).set({ owner: addr(a.to) }).where(eq(t.datasets.id, num(a.tokenId)));
      return;
    case 'computeMarket:ProviderRegistered':
      await tx
        .insert(t.providers)
        .values({ id: num(a.providerId), owner: addr(a.owner), signer: addr(a.signer), endpoint: str(a.endpoint), environments: environments(a.environments), active: true, registeredAt: e.timestamp })
        .onConflictDoNothing();
      return;
    case 'computeMarket:ProviderUpdated':
      await tx.update(t.providers).set({ signer: addr(a.signer), endpoint: str(a.endpoint), environments: environments(a.environments) }).where(eq(t.providers.id, num(a.providerId)));
      return;
    case 'computeMarket:ProviderRetired':
      await tx.update(t.providers).set({ active: false }).where(eq(t.providers.id, num(a.providerId)));
      return;
    case 'computeMarket:ProviderAllowanceSet': {
      const allowance = { allowed: a.allowed === true, updatedAt: e.timestamp };
      await tx
        .insert(t.datasetProviders)
        .values({ datasetId: num(a.datasetId), providerId: num(a.providerId), ...allowance })
        .onConflictDoUpdate({ target: [t.datasetProviders.datasetId, t.datasetProviders.providerId], set: allowance });
      return;
    }
    case 'computeMarket:ReleaseBudgetSet': {
      const budget = a.budget as Record<string, unknown>;
      const limits = { epsilonTotal: str(budget.epsilonTotal), epsilonPerBuyer: str(budget.epsilonPerBuyer), bytesPerJob: str(budget.bytesPerJob), bytesPerBuyer: str(budget.bytesPerBuyer), updatedAt: e.timestamp };
      await tx
        .insert(t.releaseBudgets)
        .values({ datasetId: num(a.datasetId), ...limits })
        .onConflictDoUpdate({ target: t.releaseBudgets.datasetId, set: limits });
      return;
    }
    case 'computeMarket:JobRequested': {
      const job = a.job as Record<string, unknown>;
      const [dataset] = await tx.select({ owner: t.datasets.owner }).from(t.datasets).where(eq(t.datasets.id, num(a.datasetId)));
      await tx
        .insert(t.jobs)
        .values({
          id: num(a.jobId),
          datasetId: num(a.datasetId),
          providerId: num(a.providerId),
          buyer: addr(job.buyer),
          owner: dataset?.owner ?? '',
          environment: num(job.environment),
          escrow: str(a.escrow),
          dataFee: str(job.dataFee),
          pricePerMinute: str(job.pricePerMinute),
          maxMinutes: num(job.maxMinutes),
          epsilon: num(job.epsilon),
          releaseBytes: num(job.releaseBytes),
          status: 'requested',
          requestedAt: e.timestamp,
          requestedBlock: e.blockNumber,
        })
        .onConflictDoNothing();
      return;
    }
    case 'computeMarket:JobsLinked': {
      // After the run's JobRequested logs. The chain priced each provider's minutes on its first job of the run.
      const first = num(a.firstJobId);
      await tx.execute(sql`
        update jobs j set run_id = ${first}, metered = not exists (
          select 1 from jobs e where e.id >= ${first} and e.id < j.id and e.provider_id = j.provider_id)
        where j.id >= ${first} and j.id < ${first + num(a.count)}`);
      return;
    }
    case 'computeMarket:JobAccepted':
      await tx.update(t.jobs).set({ status: 'accepted' }).where(eq(t.jobs.id, num(a.jobId)));
      return;
    case 'computeMarket:JobSettled': {
      const split = a.split as Record<string, unknown>;
      await tx
        .update(t.jobs)
        .set({
          status: 'settled',
          closedAt: e.timestamp,
          minutesUsed: num(a.minutesUsed),
          delivered: a.delivered === true,
          releasedBytes: num(a.releasedBytes),
          ownerAmount: str(split.ownerAmount),
          providerAmount: str(split.providerAmount),
          marketFee: str(split.marketFee),
          buyerRefund: str(split.buyerRefund),
        })
        .where(eq(t.jobs.id, num(a.jobId)));
      return;
    }
    case 'computeMarket:JobCancelled':
    case 'computeMarket:JobRefunded':
      await tx
        .update(t.jobs)
        .set({ status: e.name === 'JobCancelled' ? 'cancelled' : 'refunded', closedAt: e.timestamp, minutesUsed: 0, delivered: false, releasedBytes: 0, ownerAmount: '0', providerAmount: '0', marketFee: '0', buyerRefund: str(a.amount) })
        .where(eq(t.jobs.id, num(a.jobId)));
      return;
    default:
    // Kept in `events` only (roles, fees, approvals, licence transfers…).
  }
}

/** Inserts the events; returns the ones not stored before (a replayed range applies nothing twice). */
export async function insertEvents(tx: Database, events: DecodedEvent[]): Promise<DecodedEvent[]> {
  const fresh = new Set<string>();
  for (const group of chunks(events, INSERT_CHUNK)) {
    const inserted = await tx
      .insert(t.events)
      .values(group.map((e) => ({ txHash: e.txHash, logIndex: e.logIndex, blockNumber: e.blockNumber, blockHash: e.blockHash, timestamp: e.timestamp, contract: e.contract, name: e.name, args: e.args })))
      .onConflictDoNothing()
      .returning({ txHash: t.events.txHash, logIndex: t.events.logIndex });
    for (const row of inserted) fresh.add(`${row.txHash}:${row.logIndex}`);
  }
  return events.filter((e) => fresh.has(`${e.txHash}:${e.logIndex}`));
}

/**
 * Purchases, royalties and transfers among `events` (a batch's logs, in chain order), in bulk. A purchase from the
 * owner's own account is flagged 'self' here.
 */
export async function insertFacts(tx: Database, events: DecodedEvent[], stablecoin: Address): Promise<void> {
  const purchases = events
    .filter((e) => e.contract === 'marketplace' && e.name === 'LicencePurchased')
    .map((e) => {
      const a = e.args;
      const expiresAt = BigInt(str(a.expiresAt));
      return {
        tx_hash: e.txHash,
        log_index: e.logIndex,
        block_number: e.blockNumber,
        timestamp: e.timestamp.toISOString(),
        dataset_id: num(a.datasetId),
        buyer: addr(a.buyer),
        owner: addr(a.owner),
        terms_id: num(a.termsId),
        currency: addr(a.currency),
        price: str(a.price),
        fee: str(a.fee),
        expires_at: expiresAt >= 2n ** 64n - 1n ? null : new Date(Number(expiresAt) * 1000).toISOString(),
        wash: addr(a.buyer) === addr(a.owner) ? 'self' : null,
      };
    });
  const transfers = events
    .filter((e) => e.contract === 'stablecoin' && e.name === 'Transfer')
    .map((e) => ({ tx_hash: e.txHash, log_index: e.logIndex, block_number: e.blockNumber, timestamp: e.timestamp.toISOString(), token: stablecoin, from: addr(e.args.from), to: addr(e.args.to), value: str(e.args.value) }));
  await bulkInsert(tx, 'purchases', PURCHASE_COLUMNS, purchases);
  await bulkInsert(tx, 'royalties', ROYALTY_COLUMNS, royaltyRows(events));
  await bulkInsert(tx, 'token_transfers', TRANSFER_COLUMNS, transfers);
}

const SALE_EVENTS: Partial<Record<ContractKey, { sale: string; source: 'licence' | 'compute' }>> = {
  marketplace: { sale: 'LicencePurchased', source: 'licence' },
  computeMarket: { sale: 'JobSettled', source: 'compute' },
};

/**
 * Royalty rows of the RoyaltyPaid logs among `events`, each with the sale that paid it: the markets emit a sale's
 * royalties right before the sale's own log (LicencePurchased, JobSettled), in the same transaction.
 */
function royaltyRows(events: DecodedEvent[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  let waiting: DecodedEvent[] = [];
  for (const e of events) {
    const market = SALE_EVENTS[e.contract];
    if (!market) continue;
    if (e.name === 'RoyaltyPaid') {
      waiting.push(e);
      continue;
    }
    if (e.name !== market.sale) continue;
    for (const r of waiting.filter((w) => w.txHash === e.txHash && w.contract === e.contract)) {
      rows.push({
        tx_hash: r.txHash,
        log_index: r.logIndex,
        block_number: r.blockNumber,
        timestamp: r.timestamp.toISOString(),
        source: market.source,
        asset_id: num(r.args.assetId),
        ancestor_id: num(r.args.ancestorId),
        owner: addr(r.args.owner),
        currency: addr(r.args.currency),
        amount: str(r.args.amount),
        sale_log_index: e.logIndex,
        job_id: market.source === 'compute' ? num(e.args.jobId) : null,
      });
    }
    waiting = waiting.filter((w) => !(w.txHash === e.txHash && w.contract === e.contract));
  }
  return rows;
}

/**
 * Flags purchases and jobs in the scope whose buyer the dataset's owner funded within the wash window
 * before (a stablecoin transfer from owner to buyer earlier in the chain's order).
 */
export async function flagWash(tx: Database, scope: RollupScope, window: number): Promise<void> {
  const purchasesIn = scope === 'all' ? sql`true` : sql`p.block_number between ${scope.fromBlock} and ${scope.toBlock}`;
  await tx.execute(sql`
    update purchases p set wash = 'owner-funded'
    where ${purchasesIn} and p.wash is null and exists (
      select 1 from token_transfers f
      where f."from" = p.owner and f."to" = p.buyer
        and f.timestamp >= p.timestamp - make_interval(secs => ${window})
        and (f.block_number < p.block_number or (f.block_number = p.block_number and f.log_index < p.log_index)))`);
  const jobsIn = scope === 'all' ? sql`true` : sql`j.requested_block between ${scope.fromBlock} and ${scope.toBlock}`;
  await tx.execute(sql`
    update jobs j set wash = case when j.buyer = j.owner then 'self' else 'owner-funded' end
    where ${jobsIn} and j.wash is null and (j.buyer = j.owner or exists (
      select 1 from token_transfers f
      where f."from" = j.owner and f."to" = j.buyer
        and f.timestamp >= j.requested_at - make_interval(secs => ${window})
        and f.block_number <= j.requested_block))`);
  // A royalty carries the flag of the sale that paid it.
  const royaltiesIn = scope === 'all' ? sql`true` : sql`r.block_number between ${scope.fromBlock} and ${scope.toBlock}`;
  await tx.execute(sql`
    update royalties r set wash = p.wash from purchases p
    where ${royaltiesIn} and r.source = 'licence' and p.tx_hash = r.tx_hash and p.log_index = r.sale_log_index and r.wash is distinct from p.wash`);
  await tx.execute(sql`
    update royalties r set wash = j.wash from jobs j
    where ${royaltiesIn} and r.source = 'compute' and j.id = r.job_id and r.wash is distinct from j.wash`);
}

/**
 * Rebuilds the state tables from the events kept in `events` (after a reorg dropped the rows of the replaced
 * blocks), then the wash flags and the rollups.
 */
export async function replayState(tx: Database, washWindow: number, unit: bigint): Promise<void> {
  for (const table of [t.datasets, t.terms, t.providers, t.datasetProviders, t.releaseBudgets, t.jobs, t.assetLineage, t.assetParents, t.assetAncestors]) await tx.delete(table);
  const kept = await tx.select().from(t.events).orderBy(asc(t.events.blockNumber), asc(t.events.logIndex));
  for (const row of kept) {
    await applyState(tx, { ...row, contract: row.contract as ContractKey, txHash: row.txHash as Hex, blockHash: row.blockHash as Hex, args: row.args as Record<string, unknown> });
  }
  await flagWash(tx, 'all', washWindow);
  await updateRollups(tx, 'all', unit);
}

/** Empties every table but the content-addressed documents (the chain the rows described is gone). */
export async function clearTables(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of [t.cursor, t.blocks, t.events, t.terms, t.datasets, t.datasetVersions, t.purchases, t.tokenTransfers, t.providers, t.datasetProviders, t.releaseBudgets, t.jobs, t.assetLineage, t.assetParents, t.assetAncestors, t.royalties, t.salesRollup, t.royaltyRollup, t.buyers, t.datasetBuyers]) {
      await tx.delete(table);
    }
  });
}

/** Provider environments as JSON with readable kinds. */
function environments(value: unknown): unknown {
  return (value as Record<string, unknown>[]).map((env) => ({ ...env, kind: Number(env.kind) === 1 ? 'gpu' : 'cpu' }));
}

/**
 * A derivative's lineage as registered (LineageRegistered comes before its DatasetPublished): its kind and content
 * hash, its parents, and its ancestors with the longest chain from each, one more than through the parents.
 */
async function applyLineage(tx: Database, e: DecodedEvent): Promise<void> {
  const a = e.args;
  const assetId = num(a.assetId);
  const parents = (a.parents as Record<string, unknown>[]).map((p) => ({ assetId, parentId: num(p.parentId), jobId: BigInt(str(p.jobId)) === 0n ? null : num(p.jobId), bps: num(p.bps) }));
  await tx
    .insert(t.assetLineage)
    .values({ assetId, kind: ASSET_KINDS[num(a.kind)] ?? 'dataset', contentHash: str(a.contentHash), registeredAt: e.timestamp })
    .onConflictDoNothing();
  if (parents.length === 0) return;
  await tx.insert(t.assetParents).values(parents).onConflictDoNothing();
  const inherited = await tx
    .select({ ancestorId: t.assetAncestors.ancestorId, distance: t.assetAncestors.distance })
    .from(t.assetAncestors)
    .where(inArray(t.assetAncestors.assetId, parents.map((p) => p.parentId)));
  const distance = new Map<number, number>(parents.map((p) => [p.parentId, 1]));
  for (const row of inherited) distance.set(row.ancestorId, Math.max(distance.get(row.ancestorId) ?? 0, row.distance + 1));
  const ancestors = (a.ancestors as Record<string, unknown>[]).map((x) => ({ assetId, ancestorId: num(x.assetId), bps: num(x.bps), distance: distance.get(num(x.assetId)) ?? 1 }));
  await tx.insert(t.assetAncestors).values(ancestors).onConflictDoNothing();
}
