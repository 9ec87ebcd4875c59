/**
 * The indexer's tables, one schema for PGlite and Postgres (migrations/ creates exactly these; a test compares
 * them). Amounts are uint256 in the currency's base units, kept as numeric(78,0) and read as decimal strings.
 *
 * Three kinds of table:
 * - facts, one row per log (events, purchases, royalties, jobs' history…), unique by transaction hash + log index
 *   and deleted from the fork block on a reorg;
 * - state (datasets, terms, providers, dataset_providers, release_budgets, jobs, asset_lineage, asset_parents,
 *   asset_ancestors) that events update, rebuilt from the kept events after a reorg;
 * - rollups (sales_rollup, royalty_rollup, buyers, dataset_buyers) that analytics read instead of scanning every
 *   purchase or royalty, recomputed for the keys each batch touched.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const amount = (name: string) => numeric(name, { precision: 78, scale: 0 }).notNull();
const blockNumber = (name: string) => bigint(name, { mode: 'number' }).notNull();
/** Postgres full-text vector; written in SQL (see search.ts), never read into JavaScript. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
/** A uint64 set by anyone (an owner's budget can be 2⁶⁴ − 1, past Postgres's signed bigint), read as a decimal string. */
const uint64 = (name: string) => numeric(name, { precision: 20, scale: 0 }).notNull();
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' }).notNull();

/** Where the indexer is: the last block it has fully applied, and for which chain and contracts. */
export const cursor = pgTable('indexer_cursor', {
  id: text('id').primaryKey(),
  chainId: integer('chain_id').notNull(),
  /** Registry address: a database indexed for other contracts is refused. */
  registry: text('registry').notNull(),
  /** Hash of the deployment block: another hash means the chain was reset, and the rows belong to no chain. */
  startBlockHash: text('start_block_hash').notNull(),
  lastBlock: blockNumber('last_block'),
  lastBlockHash: text('last_block_hash').notNull(),
  updatedAt: at('updated_at'),
});

/** Hashes of recent applied blocks, to find the fork block after a reorg. */
export const blocks = pgTable('blocks', {
  number: bigint('number', { mode: 'number' }).primaryKey(),
  hash: text('hash').notNull(),
  timestamp: at('timestamp'),
});

/** Every log of the followed contracts, decoded: the source the state tables are rebuilt from. */
export const events = pgTable(
  'events',
  {
    txHash: text('tx_hash').notNull(),
    logIndex: integer('log_index').notNull(),
    blockNumber: blockNumber('block_number'),
    blockHash: text('block_hash').notNull(),
    timestamp: at('timestamp'),
    contract: text('contract').notNull(),
    name: text('name').notNull(),
    /** Decoded arguments, bigints as decimal strings. */
    args: jsonb('args').notNull(),
  },
  (t) => [primaryKey({ columns: [t.txHash, t.logIndex] }), index('events_block').on(t.blockNumber, t.logIndex)],
);

/** Verified metadata documents by CID (content-addressed, so never invalidated by a reorg). */
export const documents = pgTable('documents', {
  cid: text('cid').primaryKey(),
  /** The signed document, or null when it could not be read or verified. */
  document: jsonb('document'),
  signer: text('signer'),
  error: text('error'),
  attempts: integer('attempts').notNull(),
  fetchedAt: at('fetched_at'),
});

export const terms = pgTable('terms', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  currency: text('currency').notNull(),
  accessDuration: bigint('access_duration', { mode: 'number' }).notNull(),
  revShareBps: integer('rev_share_bps').notNull(),
  computeOnly: boolean('compute_only').notNull(),
  aiTraining: boolean('ai_training').notNull(),
  transferable: boolean('transferable').notNull(),
  commercialUse: boolean('commercial_use').notNull(),
  derivatives: boolean('derivatives').notNull(),
  downloadPrice: amount('download_price'),
  computePrice: amount('compute_price'),
  /** The licence preset these terms match (lib/licence/presets). */
  preset: text('preset').notNull(),
  uri: text('uri').notNull(),
});

export const datasets = pgTable(
  'datasets',
  {
    id: bigint('id', { mode: 'number' }).primaryKey(),
    owner: text('owner').notNull(),
    termsId: bigint('terms_id', { mode: 'number' }).notNull(),
    listed: boolean('listed').notNull(),
    version: integer('version').notNull(),
    metadataCid: text('metadata_cid').notNull(),
    publishedAt: at('published_at'),
    updatedAt: at('updated_at'),
    /** From the verified document of the current version; null until it is read. */
    title: text('title'),
    description: text('description'),
    tags: text('tags').array().notNull(),
    format: text('format'),
    size: bigint('size', { mode: 'number' }),
    rowCount: bigint('row_count', { mode: 'number' }),
    /** 'ok', 'pending' (not read yet) or 'invalid' (unreadable, or not signed as anchored). */
    metadataStatus: text('metadata_status').notNull(),
    /** Title and tags weighted above the description. */
    search: tsvector('search'),
  },
  (t) => [index('datasets_owner').on(t.owner), index('datasets_search').using('gin', t.search)],
);

export const datasetVersions = pgTable(
  'dataset_versions',
  {
    datasetId: bigint('dataset_id', { mode: 'number' }).notNull(),
    version: integer('version').notNull(),
    metadataCid: text('metadata_cid').notNull(),
    blockNumber: blockNumber('block_number'),
    txHash: text('tx_hash').notNull(),
    timestamp: at('timestamp'),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.version] })],
);

/** Licence sales. `wash` names why a sale is not counted as real volume: 'self' or 'owner-funded'. */
export const purchases = pgTable(
  'purchases',
  {
    txHash: text('tx_hash').notNull(),
    logIndex: integer('log_index').notNull(),
    blockNumber: blockNumber('block_number'),
    timestamp: at('timestamp'),
    datasetId: bigint('dataset_id', { mode: 'number' }).notNull(),
    buyer: text('buyer').notNull(),
    owner: text('owner').notNull(),
    termsId: bigint('terms_id', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    price: amount('price'),
    fee: amount('fee'),
    /** Null for a perpetual licence. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    wash: text('wash'),
  },
  (t) => [
    primaryKey({ columns: [t.txHash, t.logIndex] }),
    index('purchases_dataset').on(t.datasetId, t.timestamp),
    index('purchases_block').on(t.blockNumber),
    // The wash-trades report lists flagged sales, latest first: a few percent of the rows at most.
    index('purchases_wash').on(t.timestamp).where(sql`wash is not null`),
  ],
);

/**
 * Royalties a sale of a derivative paid one of its ancestors' owners (RoyaltyPaid of the Marketplace or the
 * ComputeMarket), with the log of the sale that paid it: the LicencePurchased or JobSettled right after it in the
 * same transaction. `wash` is the sale's flag: a royalty of a flagged sale is left out with it.
 */
export const royalties = pgTable(
  'royalties',
  {
    txHash: text('tx_hash').notNull(),
    logIndex: integer('log_index').notNull(),
    blockNumber: blockNumber('block_number'),
    timestamp: at('timestamp'),
    /** 'licence' (a licence sale) or 'compute' (a delivered job's data fee). */
    source: text('source').notNull(),
    assetId: bigint('asset_id', { mode: 'number' }).notNull(),
    ancestorId: bigint('ancestor_id', { mode: 'number' }).notNull(),
    /** The ancestor's owner at the sale, who was credited. */
    owner: text('owner').notNull(),
    currency: text('currency').notNull(),
    amount: amount('amount'),
    saleLogIndex: integer('sale_log_index').notNull(),
    /** The job whose settlement paid it (source 'compute'). */
    jobId: bigint('job_id', { mode: 'number' }),
    wash: text('wash'),
  },
  (t) => [
    primaryKey({ columns: [t.txHash, t.logIndex] }),
    index('royalties_ancestor').on(t.ancestorId),
    index('royalties_asset').on(t.assetId),
    index('royalties_owner').on(t.owner),
    index('royalties_block').on(t.blockNumber),
  ],
);

/** Stablecoin transfers, kept to see who funded a buyer before a purchase. */
export const tokenTransfers = pgTable(
  'token_transfers',
  {
    txHash: text('tx_hash').notNull(),
    logIndex: integer('log_index').notNull(),
    blockNumber: blockNumber('block_number'),
    timestamp: at('timestamp'),
    token: text('token').notNull(),
    from: text('from').notNull(),
    to: text('to').notNull(),
    value: amount('value'),
  },
  (t) => [primaryKey({ columns: [t.txHash, t.logIndex] }), index('token_transfers_to').on(t.to, t.from, t.timestamp), index('token_transfers_block').on(t.blockNumber)],
);

export const providers = pgTable('providers', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  owner: text('owner').notNull(),
  signer: text('signer').notNull(),
  endpoint: text('endpoint').notNull(),
  /** As registered: kind, cpus, memoryMb, gpus, gpuModel, pricePerMinute (decimal string). */
  environments: jsonb('environments').notNull(),
  active: boolean('active').notNull(),
  registeredAt: at('registered_at'),
});

/**
 * Providers a dataset's owner allowed (ProviderAllowanceSet): only these may run its jobs. A withdrawal keeps
 * the row with allowed = false, so the last change stays visible.
 */
export const datasetProviders = pgTable(
  'dataset_providers',
  {
    datasetId: bigint('dataset_id', { mode: 'number' }).notNull(),
    providerId: bigint('provider_id', { mode: 'number' }).notNull(),
    allowed: boolean('allowed').notNull(),
    updatedAt: at('updated_at'),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.providerId] })],
);

/**
 * What compute jobs may release from a dataset, as its owner last set it (ReleaseBudgetSet): ε in millionths in all
 * and per buyer, bytes per job and per buyer; '0' sets no limit. No row: the owner never set one, nothing is limited.
 */
export const releaseBudgets = pgTable('release_budgets', {
  datasetId: bigint('dataset_id', { mode: 'number' }).primaryKey(),
  epsilonTotal: uint64('epsilon_total'),
  epsilonPerBuyer: uint64('epsilon_per_buyer'),
  bytesPerJob: uint64('bytes_per_job'),
  bytesPerBuyer: uint64('bytes_per_buyer'),
  updatedAt: at('updated_at'),
});

/**
 * What an asset published with its lineage (LineageRegistered) is: a dataset or a model and the SHA-256 of its
 * plaintext. Assets published without lineage have no row (datasets, content not declared).
 */
export const assetLineage = pgTable('asset_lineage', {
  assetId: bigint('asset_id', { mode: 'number' }).primaryKey(),
  kind: text('kind').notNull(),
  contentHash: text('content_hash').notNull(),
  registeredAt: at('registered_at'),
});

/** A derivative's parents as registered: the job that entitled its publisher (null: a licence or ownership) and the parent's share. */
export const assetParents = pgTable(
  'asset_parents',
  {
    assetId: bigint('asset_id', { mode: 'number' }).notNull(),
    parentId: bigint('parent_id', { mode: 'number' }).notNull(),
    jobId: bigint('job_id', { mode: 'number' }),
    bps: integer('bps').notNull(),
  },
  (t) => [primaryKey({ columns: [t.assetId, t.parentId] }), index('asset_parents_parent').on(t.parentId)],
);

/**
 * Every ancestor of a derivative (the registry keeps at most 8, so this is the whole closure) with its absolute
 * share, and `distance`: the generations of the longest chain from the ancestor down to the asset.
 */
export const assetAncestors = pgTable(
  'asset_ancestors',
  {
    assetId: bigint('asset_id', { mode: 'number' }).notNull(),
    ancestorId: bigint('ancestor_id', { mode: 'number' }).notNull(),
    bps: integer('bps').notNull(),
    distance: integer('distance').notNull(),
  },
  (t) => [primaryKey({ columns: [t.assetId, t.ancestorId] }), index('asset_ancestors_ancestor').on(t.ancestorId)],
);

/** Compute jobs: requested, then accepted, then settled, cancelled or refunded. */
export const jobs = pgTable(
  'jobs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey(),
    datasetId: bigint('dataset_id', { mode: 'number' }).notNull(),
    providerId: bigint('provider_id', { mode: 'number' }).notNull(),
    buyer: text('buyer').notNull(),
    /** The dataset's owner when the job was requested. */
    owner: text('owner').notNull(),
    environment: integer('environment').notNull(),
    escrow: amount('escrow'),
    dataFee: amount('data_fee'),
    pricePerMinute: amount('price_per_minute'),
    maxMinutes: integer('max_minutes').notNull(),
    /**
     * What the job reserved from the dataset's release budgets: ε in millionths and bytes (ComputeMarket caps them
     * at 10⁸ and 2⁴⁰, so they fit a bigint). Delivered, its ε stays spent; released_bytes of its bytes stay counted.
     */
    epsilon: bigint('epsilon', { mode: 'number' }).notNull().default(0),
    releaseBytes: bigint('release_bytes', { mode: 'number' }).notNull().default(0),
    /** The run it was requested in (ComputeMarket.requestJob over several datasets): the run's first job; null for a job requested alone. */
    runId: bigint('run_id', { mode: 'number' }),
    /**
     * Whether its minutes are its own: false when its provider has an earlier job of the same run, on which the chain
     * priced and escrowed the run's minutes there; the node settles every job of the run with the same minutes.
     */
    metered: boolean('metered').notNull().default(true),
    status: text('status').notNull(),
    requestedAt: at('requested_at'),
    requestedBlock: blockNumber('requested_block'),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'date' }),
    minutesUsed: integer('minutes_used'),
    delivered: boolean('delivered'),
    /** Bytes of results released to the buyer, once closed (0 unless delivered). */
    releasedBytes: bigint('released_bytes', { mode: 'number' }),
    ownerAmount: numeric('owner_amount', { precision: 78, scale: 0 }),
    providerAmount: numeric('provider_amount', { precision: 78, scale: 0 }),
    marketFee: numeric('market_fee', { precision: 78, scale: 0 }),
    buyerRefund: numeric('buyer_refund', { precision: 78, scale: 0 }),
    wash: text('wash'),
  },
  (t) => [index('jobs_dataset').on(t.datasetId), index('jobs_provider').on(t.providerId)],
);

/**
 * Licence sales summed by one dimension: 'day' (YYYY-MM-DD, UTC), 'dataset' (id), 'licence' (preset) or
 * 'price' (bucket label). `wash` splits real sales from flagged ones.
 */
export const salesRollup = pgTable(
  'sales_rollup',
  {
    dimension: text('dimension').notNull(),
    key: text('key').notNull(),
    wash: boolean('wash').notNull(),
    sales: integer('sales').notNull(),
    volume: amount('volume'),
    fees: amount('fees'),
    /** What the sales paid their datasets' ancestors: the owners were credited volume − fees − royalties. */
    royalties: numeric('royalties', { precision: 78, scale: 0 }).notNull().default('0'),
    /**
     * Dataset rows only: distinct buyers — on the real row, buyers with a real purchase; on the flagged row,
     * buyers whose every purchase was flagged — so the two rows add up to all distinct buyers.
     */
    buyers: integer('buyers').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.dimension, t.key, t.wash] })],
);

/**
 * Royalties summed by 'day' (YYYY-MM-DD, UTC), by 'ancestor' (the id paid) and by 'source' ('licence' or 'compute');
 * `wash` splits those of flagged sales.
 */
export const royaltyRollup = pgTable(
  'royalty_rollup',
  {
    dimension: text('dimension').notNull(),
    key: text('key').notNull(),
    wash: boolean('wash').notNull(),
    payments: integer('payments').notNull(),
    volume: amount('volume'),
  },
  (t) => [primaryKey({ columns: [t.dimension, t.key, t.wash] })],
);

/** Per buyer of the market: licences and compute jobs bought, real and flagged. */
export const buyers = pgTable('buyers', {
  buyer: text('buyer').primaryKey(),
  purchases: integer('purchases').notNull(),
  washPurchases: integer('wash_purchases').notNull(),
});

/** Per dataset and buyer: licences bought, real and flagged (distinct buyers per dataset). */
export const datasetBuyers = pgTable(
  'dataset_buyers',
  {
    datasetId: bigint('dataset_id', { mode: 'number' }).notNull(),
    buyer: text('buyer').notNull(),
    purchases: integer('purchases').notNull(),
    washPurchases: integer('wash_purchases').notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.buyer] })],
);
