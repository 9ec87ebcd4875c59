/**
 * The indexer: follows every event of the market's contracts (batched getLogs from the deployment block, then
 * live) into the database, with the stablecoin transfers dataset owners send (for the wash-trade filter) and
 * the metadata documents the registry anchors.
 *
 * A batch is one transaction: its logs, the rows they produce, the rollups and the cursor commit together, so
 * a restart resumes exactly after the last committed block and a log (unique by transaction hash and log index)
 * is never applied twice. Every poll re-reads the hashes of the last `confirmations` blocks; on a mismatch the
 * rows from the fork block on are dropped, the state tables are rebuilt from the kept events, and indexing
 * goes on from the fork.
 */
import { BaseError, decodeAbiParameters, ResponseBodyTooLargeError, toEventSelector, type Abi, type AbiEvent, type Address, type Chain, type Hex, type Log, type PublicClient, type Transport } from 'viem';
import { and, asc, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import { connectPublic, readDeployments, type Deployments } from '../chain';
import type { Config, IndexerConfig } from '../config';
import { computeMarketAbi, datasetRegistryAbi, marketplaceAbi, mockStablecoinAbi } from '../contracts';
import { presetOf } from '../licence/presets';
import { AnchorMismatchError, CeramicError, cidFromPointer, metadataPointer, MetadataStoreError, openMetadataStore, printable, verifyAnchored, type MetadataPointer, type MetadataStore, type SignedDataset } from '../metadata';
import { openStore, type ContentStore } from '../storage';
import { openDatabase, type Database, type IndexerDatabase } from './db';
import { IndexerMismatchError, SyncError } from './errors';
import { updateRollups } from './rollups';
import { describeError, storableText } from './sanitise';
import * as t from './schema';
import { searchVector } from './search';

/** What readers need to format amounts. */
export interface IndexerContext {
  decimals: number;
  symbol: string;
}

export interface IndexerStatus {
  adapter: IndexerDatabase['adapter'];
  chainId: number;
  /** Last block whose logs are applied. */
  lastBlock: number;
  /** The chain's head at the last poll. */
  head: number;
  /** Blocks behind the head. */
  lag: number;
  /** True until the first time the indexer reached the head. */
  backfilling: boolean;
  /** Logs indexed: state events, licence sales and owners' stablecoin transfers. */
  logs: number;
  datasets: number;
  /** Datasets whose metadata document is not read yet. */
  pendingMetadata: number;
  reorgs: number;
  lastError?: string;
  updatedAt: string;
}

/** One decoded log, its arguments as JSON (bigints as decimal strings). */
interface DecodedEvent {
  txHash: Hex;
  logIndex: number;
  blockNumber: number;
  blockHash: Hex;
  timestamp: Date;
  contract: ContractKey;
  name: string;
  args: Record<string, unknown>;
}

type ContractKey = 'registry' | 'marketplace' | 'computeMarket' | 'stablecoin';

/** A dataset whose current document is not read yet. */
type PendingDataset = { id: number; cid: string; version: number; owner: string };

/** Each contract's events by topic (selectors computed once: decoding then never scans the ABI). */
const EVENTS_BY_TOPIC = Object.fromEntries(
  Object.entries({ registry: datasetRegistryAbi, marketplace: marketplaceAbi, computeMarket: computeMarketAbi, stablecoin: mockStablecoinAbi } satisfies Record<ContractKey, Abi>).map(([key, abi]) => [
    key,
    new Map((abi as Abi).filter((item): item is AbiEvent => item.type === 'event').map((item) => [toEventSelector(item), item])),
  ]),
) as Record<ContractKey, Map<Hex, AbiEvent>>;

/**
 * Logs that only add a row to their own table (bulk-inserted, unique by transaction hash and log index there).
 * Every other log is kept in `events`, updates state, and is replayed after a reorg.
 */
const FACT_EVENTS = new Set(['marketplace:LicencePurchased', 'stablecoin:Transfer']);
const isFact = (event: DecodedEvent) => FACT_EVENTS.has(`${event.contract}:${event.name}`);

/** Owners per stablecoin getLogs call (topics OR-lists stay small for any RPC). */
const OWNERS_PER_QUERY = 200;
/** Metadata documents read per poll. */
const METADATA_PER_POLL = 16;
/** Longest wait before reading an unreachable document again (the wait doubles from 1 s up to this). */
const METADATA_RETRY_MAX_SECONDS = 300;
const INSERT_CHUNK = 5_000;
/** Longest wait between tries while the same sync error repeats (the wait doubles from the poll interval). */
const RETRY_MAX_MS = 30_000;
/** Largest getLogs answer read (about 60,000 logs); a larger one is asked for again in halves. */
const MAX_RESPONSE_BYTES = 64 * 2 ** 20;
/** Logs per getLogs answer below which the next batch may span twice the blocks. */
const SMALL_ANSWER = 2_500;

const PURCHASE_COLUMNS = 'tx_hash text, log_index int, block_number bigint, "timestamp" timestamptz, dataset_id bigint, buyer text, owner text, terms_id bigint, currency text, price numeric, fee numeric, expires_at timestamptz, wash text';
const TRANSFER_COLUMNS = 'tx_hash text, log_index int, block_number bigint, "timestamp" timestamptz, token text, "from" text, "to" text, value numeric';

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

const TRANSFER_EVENT = mockStablecoinAbi.find((item) => item.type === 'event' && item.name === 'Transfer') as Extract<(typeof mockStablecoinAbi)[number], { type: 'event'; name: 'Transfer' }>;

/** RPC answers that mean "ask for fewer blocks": response size caps, result-count and range limits. */
function isLimitError(error: unknown): boolean {
  if (error instanceof ResponseBodyTooLargeError) return true;
  const text = error instanceof BaseError ? `${error.shortMessage} ${error.details ?? ''}` : String(error);
  return /more than \d+ results|too many (results|logs)|limit exceeded|range (is )?too (large|wide)|exceed(s|ed) (the )?(max|limit)|response size/i.test(text);
}

/** `read(from, to)`, halving the range while the node says the answer would be too large. */
async function splitOnLimit<T>(from: number, to: number, read: (from: number, to: number) => Promise<T[]>): Promise<T[]> {
  try {
    return await read(from, to);
  } catch (error) {
    if (from >= to || !isLimitError(error)) throw error;
    const middle = Math.floor((from + to) / 2);
    return [...(await splitOnLimit(from, middle, read)), ...(await splitOnLimit(middle + 1, to, read))];
  }
}

/**
 * An event's arguments by name. The event is already chosen by its topic, so this only decodes: viem's
 * decodeEventLog would hash the event's signature again for every log, most of the cost at 10,000 logs a
 * second. Indexed dynamic values are stored as hashes and stay the topic.
 */
function decodeArgs(item: AbiEvent, topics: readonly Hex[], data: Hex): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const indexed = item.inputs.filter((input) => input.indexed);
  if (topics.length !== indexed.length + 1) throw new Error(`${item.name} has ${indexed.length} indexed arguments, the log ${topics.length - 1}`);
  indexed.forEach((input, i) => {
    const topic = topics[i + 1]!;
    args[input.name!] = /^(string|bytes|tuple)$|\[/.test(input.type) ? topic : decodeAbiParameters([input], topic)[0];
  });
  const plain = item.inputs.filter((input) => !input.indexed);
  const values = plain.length > 0 ? decodeAbiParameters(plain, data) : [];
  plain.forEach((input, i) => (args[input.name!] = values[i]));
  return args;
}

/**
 * Decoded arguments as JSON values the database stores: bigints as decimal strings, strings (anyone's: an
 * endpoint, a terms URI) without NUL or lone surrogates.
 */
function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, toJson(v)]));
  return value;
}

const str = (value: unknown) => String(value);
const num = (value: unknown) => Number(value);
/** Addresses as viem decodes them (checksummed), also when read back from stored events. */
const addr = (value: unknown) => String(value) as Address;
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class Indexer {
  private readonly addresses: Record<ContractKey, Address>;
  private readonly byAddress: Map<string, ContractKey>;
  private head = 0;
  /** Blocks per getLogs call: halved when the node refuses an answer as too large, regrown while answers are small. */
  private span: number;
  private reachedHead = false;
  private reorgs = 0;
  private lastError?: string;
  private loop?: Promise<void>;
  private stopping = false;
  private wake?: () => void;

  private constructor(
    readonly config: IndexerConfig,
    readonly deployments: Deployments,
    readonly database: IndexerDatabase,
    private readonly client: PublicClient<Transport, Chain>,
    private readonly store: ContentStore,
    private readonly metadata: MetadataStore,
    private readonly log: (line: string) => void,
  ) {
    this.addresses = {
      registry: deployments.contracts.datasetRegistry,
      marketplace: deployments.contracts.marketplace,
      computeMarket: deployments.contracts.computeMarket,
      stablecoin: deployments.stablecoin.address,
    };
    this.span = config.batchBlocks;
    this.byAddress = new Map(Object.entries(this.addresses).map(([key, address]) => [address.toLowerCase(), key as ContractKey]));
  }

  /** Connects to the chain, storage and database; refuses a database indexed for other contracts. */
  static async open(config: Config, log: (line: string) => void = () => {}): Promise<Indexer> {
    const deployments = readDeployments(config.deploymentsFile);
    const client = await connectPublic(config.chain.rpcUrl, deployments.chainId, { maxResponseBytes: MAX_RESPONSE_BYTES });
    const database = await openDatabase(config.indexer.database);
    try {
      const start = await client.getBlock({ blockNumber: BigInt(deployments.startBlock) });
      const [existing] = await database.db.select().from(t.cursor).where(eq(t.cursor.id, 'main'));
      if (existing && (existing.chainId !== deployments.chainId || existing.registry !== deployments.contracts.datasetRegistry)) {
        throw new IndexerMismatchError(`registry ${existing.registry} on chain ${existing.chainId}, not ${deployments.contracts.datasetRegistry} on chain ${deployments.chainId}`);
      }
      if (existing && existing.startBlockHash !== start.hash) {
        log('the chain was reset since the last run (another deployment block): indexing it from the start');
        await clearTables(database.db);
      }
      if (!existing || existing.startBlockHash !== start.hash) {
        await database.db.insert(t.cursor).values({
          id: 'main',
          chainId: deployments.chainId,
          registry: deployments.contracts.datasetRegistry,
          startBlockHash: start.hash,
          lastBlock: deployments.startBlock - 1,
          lastBlockHash: '',
          updatedAt: new Date(),
        });
      }
      const store = await openStore(config.storage);
      const metadata = openMetadataStore(config, { blocks: store, publicClient: client, deployments });
      return new Indexer(config.indexer, deployments, database, client, store, metadata, log);
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  get context(): IndexerContext {
    return { decimals: this.deployments.stablecoin.decimals, symbol: this.deployments.stablecoin.symbol };
  }

  private get db(): Database {
    return this.database.db;
  }

  private async cursor(): Promise<{ lastBlock: number; lastBlockHash: string }> {
    const [row] = await this.db.select().from(t.cursor).where(eq(t.cursor.id, 'main'));
    return row!;
  }

  // ------------------------------------------------------------------ sync

  /**
   * One step: checks the confirmation window for a reorg, then applies the next batch of blocks up to the
   * head and reads pending metadata. Returns the blocks applied (0 when already at the head).
   */
  async syncOnce(): Promise<number> {
    // Uncached: viem reuses a head read within its polling interval, and catchUp() must see every block mined
    // before it was called (a test's transaction, just confirmed).
    const step = async (name: string, run: () => Promise<void>) => {
      try {
        await run();
      } catch (error) {
        throw error instanceof SyncError ? error : new SyncError(name, error);
      }
    };
    await step('reading the head', async () => {
      this.head = Number(await this.client.getBlockNumber({ cacheTime: 0 }));
    });
    await step('checking for a reorg', () => this.checkReorg());
    const { lastBlock } = await this.cursor();
    const from = lastBlock + 1;
    let applied = 0;
    if (from <= this.head) {
      const to = Math.min(from + this.span - 1, this.head);
      await step(`blocks ${from}–${to}`, () => this.applyRange(from, to));
      applied = to - from + 1;
    }
    if (lastBlock + applied >= this.head) this.reachedHead = true;
    await step('reading metadata', () => this.readMetadata());
    return applied;
  }

  /** Syncs until the head (tests and the first backfill). */
  async catchUp(): Promise<void> {
    while ((await this.syncOnce()) > 0) {
      // next batch
    }
  }

  /**
   * Polls every `pollMs` until stop(). A failure is logged once while it repeats, and retried after a wait that
   * doubles from `pollMs` up to 30 s; a new failure is logged again, and so is the recovery.
   */
  start(pollMs = 1_000): void {
    this.loop ??= (async () => {
      let failing: { reason: string; tries: number } | undefined;
      while (!this.stopping) {
        let applied = 0;
        try {
          applied = await this.syncOnce();
          if (failing) this.log(`sync recovered after ${failing.tries} failed ${failing.tries === 1 ? 'try' : 'tries'}`);
          failing = undefined;
          this.lastError = undefined;
        } catch (error) {
          const failure = error instanceof SyncError ? error : new SyncError('sync', error);
          if (failing?.reason !== failure.reason) {
            this.log(`sync failed (retrying, waiting up to ${RETRY_MAX_MS / 1000} s between tries): ${failure.message}`);
            failing = { reason: failure.reason, tries: 0 };
          }
          failing.tries++;
          this.lastError = failure.message;
        }
        const wait = failing ? Math.min(pollMs * 2 ** (failing.tries - 1), Math.max(pollMs, RETRY_MAX_MS)) : pollMs;
        if ((applied === 0 || failing) && !this.stopping) await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, wait);
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await Promise.all([this.database.close(), this.store.close()]);
  }

  async status(): Promise<IndexerStatus> {
    const [{ lastBlock }, [counts]] = await Promise.all([
      this.cursor(),
      this.database.rows<{ logs: number; datasets: number; pending: number }>(
        // Licence sales counted from the rollup: health is polled, and counting a million purchases is not free.
        sql`select (select count(*) from events) + (select coalesce(sum(sales), 0) from sales_rollup where dimension = 'licence')::int8 + (select count(*) from token_transfers) as logs, (select count(*) from datasets) as datasets, (select count(*) from datasets where metadata_status = 'pending') as pending`,
      ),
    ]);
    return {
      adapter: this.database.adapter,
      chainId: this.deployments.chainId,
      lastBlock,
      head: this.head,
      lag: Math.max(0, this.head - lastBlock),
      backfilling: !this.reachedHead,
      logs: counts!.logs,
      datasets: counts!.datasets,
      pendingMetadata: counts!.pending,
      reorgs: this.reorgs,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      updatedAt: new Date().toISOString(),
    };
  }

  // ------------------------------------------------------------------ reorgs

  /** Compares the stored hashes of the confirmation window with the chain; rolls back from the first fork. */
  private async checkReorg(): Promise<void> {
    if (this.config.confirmations === 0) return;
    const { lastBlock } = await this.cursor();
    const window = await this.db
      .select({ number: t.blocks.number, hash: t.blocks.hash })
      .from(t.blocks)
      .where(gte(t.blocks.number, lastBlock - this.config.confirmations))
      .orderBy(desc(t.blocks.number));
    // Newest first: a block's hash commits to its ancestors, so the first one still on the chain ends the
    // search (one read per poll when nothing changed), and the fork is the oldest replaced block above it.
    let fork: number | undefined;
    for (const block of window) {
      const current = block.number > this.head ? undefined : await this.client.getBlock({ blockNumber: BigInt(block.number) }).catch(() => undefined);
      if (current?.hash === block.hash) break;
      fork = block.number;
    }
    if (fork !== undefined) await this.rollback(fork);
  }

  /** Drops every row from `fork` on and rebuilds state from the events that remain. */
  private async rollback(fork: number): Promise<void> {
    this.log(`reorg: blocks from ${fork} were replaced; dropping their rows`);
    this.reorgs++;
    const parent = fork - 1 >= 0 ? await this.client.getBlock({ blockNumber: BigInt(fork - 1) }) : undefined;
    await this.db.transaction(async (tx) => {
      for (const table of [t.events, t.purchases, t.tokenTransfers, t.datasetVersions]) {
        await tx.delete(table).where(gte(table.blockNumber, fork));
      }
      await tx.delete(t.blocks).where(gte(t.blocks.number, fork));
      for (const table of [t.datasets, t.terms, t.providers, t.datasetProviders, t.jobs]) await tx.delete(table);
      const kept = await tx.select().from(t.events).orderBy(asc(t.events.blockNumber), asc(t.events.logIndex));
      for (const row of kept) {
        await this.applyState(tx, { ...row, contract: row.contract as ContractKey, txHash: row.txHash as Hex, blockHash: row.blockHash as Hex, args: row.args as Record<string, unknown> });
      }
      await this.flagWash(tx, 'all');
      await updateRollups(tx, 'all', this.unit);
      await tx.update(t.cursor).set({ lastBlock: fork - 1, lastBlockHash: parent?.hash ?? '', updatedAt: new Date() }).where(eq(t.cursor.id, 'main'));
    });
  }

  // ------------------------------------------------------------------ batches

  private get unit(): bigint {
    return 10n ** BigInt(this.deployments.stablecoin.decimals);
  }

  private decode(log: Log<bigint, number, false>, timestamps: Map<number, Date>): DecodedEvent | undefined {
    const contract = this.byAddress.get(log.address.toLowerCase());
    if (!contract) return undefined;
    const item = log.topics[0] && EVENTS_BY_TOPIC[contract].get(log.topics[0]);
    let args: Record<string, unknown>;
    try {
      if (!item) throw new Error('unknown event');
      args = decodeArgs(item, log.topics, log.data);
    } catch {
      this.log(`skipping an undecodable log of ${contract} in ${log.transactionHash}`);
      return undefined;
    }
    const blockNumber = Number(log.blockNumber);
    return {
      txHash: log.transactionHash,
      logIndex: log.logIndex,
      blockNumber,
      blockHash: log.blockHash,
      timestamp: timestamps.get(blockNumber)!,
      contract,
      name: item.name,
      args: toJson(args) as Record<string, unknown>,
    };
  }

  /** Block timestamps: from the logs when the node includes them, else one header read per block. */
  private async timestamps(logs: Log<bigint, number, false>[]): Promise<Map<number, Date>> {
    const times = new Map<number, Date>();
    const missing = new Set<number>();
    for (const log of logs) {
      const stamp = (log as { blockTimestamp?: bigint | Hex }).blockTimestamp;
      if (stamp !== undefined && stamp !== null) times.set(Number(log.blockNumber), new Date(Number(BigInt(stamp)) * 1000));
      else missing.add(Number(log.blockNumber));
    }
    for (const number of missing) {
      if (times.has(number)) continue;
      const block = await this.client.getBlock({ blockNumber: BigInt(number) });
      times.set(number, new Date(Number(block.timestamp) * 1000));
    }
    return times;
  }

  /** Stablecoin transfers sent by dataset owners in the range (the only ones the wash filter needs). */
  private async ownerTransfers(owners: string[], from: number, to: number): Promise<Log<bigint, number, false>[]> {
    const logs: Log<bigint, number, false>[] = [];
    for (const group of chunks(owners, OWNERS_PER_QUERY)) {
      logs.push(
        ...(await splitOnLimit(from, to, (a, b) =>
          this.client.getLogs({ address: this.addresses.stablecoin, event: TRANSFER_EVENT, args: { from: group as Address[] }, fromBlock: BigInt(a), toBlock: BigInt(b) }),
        )),
      );
    }
    return logs;
  }

  private async applyRange(from: number, to: number): Promise<void> {
    const market = [this.addresses.registry, this.addresses.marketplace, this.addresses.computeMarket];
    let widest = to - from + 1;
    const marketLogs = await splitOnLimit(from, to, async (a, b) => {
      const logs = await this.client.getLogs({ address: market, fromBlock: BigInt(a), toBlock: BigInt(b) });
      widest = Math.min(widest, b - a + 1);
      return logs;
    });
    this.span = widest < to - from + 1 ? widest : marketLogs.length < SMALL_ANSWER ? Math.min(this.config.batchBlocks, this.span * 2) : this.span;
    const end = await this.client.getBlock({ blockNumber: BigInt(to) });
    await this.db.transaction(async (tx) => {
      // State first: the batch's new owners count for the transfers read below.
      const marketTimes = await this.timestamps(marketLogs);
      const marketEvents = marketLogs.map((log) => this.decode(log, marketTimes)).filter((e): e is DecodedEvent => e !== undefined);
      const fresh = await this.insertEvents(tx, marketEvents.filter((e) => !isFact(e)));
      for (const event of fresh) await this.applyState(tx, event);

      const owners = (await tx.selectDistinct({ owner: t.datasets.owner }).from(t.datasets)).map((row) => row.owner);
      const transferLogs = owners.length > 0 ? await this.ownerTransfers(owners, from, to) : [];
      const transferTimes = await this.timestamps(transferLogs);
      const transfers = transferLogs.map((log) => this.decode(log, transferTimes)).filter((e): e is DecodedEvent => e !== undefined);

      await this.insertFacts(tx, [...marketEvents.filter(isFact), ...transfers]);
      await this.flagWash(tx, { fromBlock: from, toBlock: to });
      await updateRollups(tx, { fromBlock: from, toBlock: to }, this.unit);

      const seen = new Map<number, { hash: string; timestamp: Date }>();
      for (const event of [...marketEvents, ...transfers]) seen.set(event.blockNumber, { hash: event.blockHash, timestamp: event.timestamp });
      seen.set(to, { hash: end.hash, timestamp: new Date(Number(end.timestamp) * 1000) });
      const rows = [...seen].map(([number, block]) => ({ number, ...block }));
      await tx.insert(t.blocks).values(rows).onConflictDoUpdate({ target: t.blocks.number, set: { hash: sql`excluded.hash`, timestamp: sql`excluded.timestamp` } });
      // Only the window is needed to find a fork.
      await tx.delete(t.blocks).where(sql`${t.blocks.number} < ${to - this.config.confirmations - 1}`);
      await tx.update(t.cursor).set({ lastBlock: to, lastBlockHash: end.hash, updatedAt: new Date() }).where(eq(t.cursor.id, 'main'));
    });
  }

  /** Inserts the events; returns the ones not stored before (a replayed range applies nothing twice). */
  private async insertEvents(tx: Database, events: DecodedEvent[]): Promise<DecodedEvent[]> {
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

  /** Purchases and transfers, in bulk. A purchase from the owner's own account is flagged 'self' here. */
  private async insertFacts(tx: Database, events: DecodedEvent[]): Promise<void> {
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
      .map((e) => ({ tx_hash: e.txHash, log_index: e.logIndex, block_number: e.blockNumber, timestamp: e.timestamp.toISOString(), token: this.addresses.stablecoin, from: addr(e.args.from), to: addr(e.args.to), value: str(e.args.value) }));
    await bulkInsert(tx, 'purchases', PURCHASE_COLUMNS, purchases);
    await bulkInsert(tx, 'token_transfers', TRANSFER_COLUMNS, transfers);
  }

  /**
   * Flags purchases and jobs in the scope whose buyer the dataset's owner funded within the wash window
   * before (a stablecoin transfer from owner to buyer earlier in the chain's order).
   */
  private async flagWash(tx: Database, scope: { fromBlock: number; toBlock: number } | 'all'): Promise<void> {
    const window = this.config.washWindowSeconds;
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
  }

  // ------------------------------------------------------------------ state events

  private async applyState(tx: Database, e: DecodedEvent): Promise<void> {
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
            status: 'requested',
            requestedAt: e.timestamp,
            requestedBlock: e.blockNumber,
          })
          .onConflictDoNothing();
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
          .set({ status: e.name === 'JobCancelled' ? 'cancelled' : 'refunded', closedAt: e.timestamp, minutesUsed: 0, delivered: false, ownerAmount: '0', providerAmount: '0', marketFee: '0', buyerRefund: str(a.amount) })
          .where(eq(t.jobs.id, num(a.jobId)));
        return;
      default:
      // Kept in `events` only (roles, fees, approvals, licence transfers…).
    }
  }

  // ------------------------------------------------------------------ metadata

  /**
   * Reads the documents of datasets whose current version is not read yet, a few per poll. Each dataset is read on
   * its own: one whose document or row the database refuses (a limit no schema foresaw) ends invalid, and the
   * others go on.
   */
  private async readMetadata(): Promise<void> {
    // Unreachable documents wait longer after each failed read, so they never hold up the others.
    const pending = await this.database.rows<PendingDataset>(sql`
      select d.id, d.metadata_cid as cid, d.version, d.owner from datasets d left join documents c on c.cid = d.metadata_cid
      where d.metadata_status = 'pending'
        and (c.cid is null or c.document is not null or c.error not like 'unreachable%'
          or c.fetched_at < now() - make_interval(secs => least(power(2, c.attempts), ${METADATA_RETRY_MAX_SECONDS})))
      order by d.id limit ${METADATA_PER_POLL}`);
    if (pending.length === 0) return;
    const cached = new Map(
      (await this.db.select().from(t.documents).where(inArray(t.documents.cid, pending.map((p) => p.cid)))).map((row) => [row.cid, row]),
    );
    for (const dataset of pending) {
      try {
        await this.readDataset(dataset, cached.get(dataset.cid));
      } catch (error) {
        // A database that no longer answers is no dataset's fault: the sync fails with this error and is retried.
        await this.db.execute(sql`select 1`).catch(() => Promise.reject(error));
        await this.refuse(dataset, error);
      }
    }
  }

  /** Reads, verifies and indexes one dataset's current document (from `cached` when it was read before). */
  private async readDataset(dataset: PendingDataset, cached: typeof t.documents.$inferSelect | undefined): Promise<void> {
    let row = cached;
    if (!row || (row.document === null && row.error?.startsWith('unreachable'))) {
      row = await this.fetchDocument(BigInt(dataset.id), dataset.cid, row?.attempts ?? 0);
    }
    if (row.document === null) {
      // Unreachable: stays pending and is read again later. Malformed or badly signed: invalid for good.
      if (!row.error?.startsWith('unreachable')) await this.markInvalid(dataset);
      return;
    }
    const signed = row.document as SignedDataset;
    try {
      verifyAnchored({ datasetId: BigInt(dataset.id), pointer: metadataPointer(dataset.cid), version: dataset.version, owner: dataset.owner as Address }, { cid: dataset.cid, signed });
    } catch (error) {
      // Signed by the owner of the time, before the data NFT changed hands: still the anchored document.
      if (!(error instanceof AnchorMismatchError && error.reason === 'publisher')) {
        this.log(`dataset ${dataset.id}: ${printable(error instanceof Error ? error.message : String(error))}`);
        await this.markInvalid(dataset);
        return;
      }
    }
    const doc = signed.document;
    await this.db
      .update(t.datasets)
      .set({ title: doc.title, description: doc.description ?? null, tags: doc.tags, format: doc.format, size: doc.size, rowCount: doc.rowCount ?? null, metadataStatus: 'ok' })
      .where(and(eq(t.datasets.id, dataset.id), eq(t.datasets.metadataCid, dataset.cid)));
    await this.db.execute(sql`update datasets set search = ${searchVector()} where id = ${dataset.id}`);
  }

  /** The database refused `dataset`'s document or row: the document is kept as invalid, with the database's reason. */
  private async refuse(dataset: PendingDataset, error: unknown): Promise<void> {
    const reason = `invalid: the database refused it: ${describeError(error)}`;
    this.log(`dataset ${dataset.id}: metadata ${dataset.cid} is ${reason}`);
    const row = { document: null, signer: null, error: reason, fetchedAt: new Date() };
    await this.db
      .insert(t.documents)
      .values({ cid: dataset.cid, attempts: 1, ...row })
      .onConflictDoUpdate({ target: t.documents.cid, set: row });
    await this.markInvalid(dataset);
  }

  private async markInvalid(dataset: PendingDataset): Promise<void> {
    // Only the version that was read: a newer one anchored meanwhile stays pending.
    await this.db.update(t.datasets).set({ metadataStatus: 'invalid' }).where(and(eq(t.datasets.id, dataset.id), eq(t.datasets.metadataCid, dataset.cid)));
  }

  private async fetchDocument(datasetId: bigint, cid: string, attempts: number): Promise<typeof t.documents.$inferSelect> {
    const domain = { chainId: this.deployments.chainId, registry: this.addresses.registry };
    let row: typeof t.documents.$inferSelect;
    try {
      const signed = await this.metadata.get(cid, domain, datasetId);
      row = { cid, document: signed, signer: signed.signer, error: null, attempts: attempts + 1, fetchedAt: new Date() };
    } catch (error) {
      // The message may quote the document: printable, so it can be logged and stored.
      const message = printable(error instanceof Error ? error.message : String(error));
      const transient = error instanceof MetadataStoreError || error instanceof CeramicError;
      if (!transient || attempts === 0) this.log(`metadata ${cid}: ${message}${transient ? ' (will retry)' : ''}`);
      row = { cid, document: null, signer: null, error: `${transient ? 'unreachable' : 'invalid'}: ${message}`, attempts: attempts + 1, fetchedAt: new Date() };
    }
    await this.db.insert(t.documents).values(row).onConflictDoUpdate({ target: t.documents.cid, set: { document: row.document, signer: row.signer, error: row.error, attempts: row.attempts, fetchedAt: row.fetchedAt } });
    return row;
  }
}

/** Empties every table but the content-addressed documents (the chain the rows described is gone). */
async function clearTables(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of [t.cursor, t.blocks, t.events, t.terms, t.datasets, t.datasetVersions, t.purchases, t.tokenTransfers, t.providers, t.datasetProviders, t.jobs, t.salesRollup, t.buyers, t.datasetBuyers]) {
      await tx.delete(table);
    }
  });
}

/** Provider environments as JSON with readable kinds. */
function environments(value: unknown): unknown {
  return (value as Record<string, unknown>[]).map((env) => ({ ...env, kind: Number(env.kind) === 1 ? 'gpu' : 'cpu' }));
}
