/**
 * The indexer: follows every event of the market's contracts (batched getLogs from the deployment block, then
 * live) into the database (./follow, ./project), with the stablecoin transfers dataset owners send (for the
 * wash-trade filter) and the metadata documents the registry anchors (./documents).
 */
import { eq, sql } from 'drizzle-orm';
import type { Chain, PublicClient, Transport } from 'viem';
import { connectPublic, readDeployments, type Deployments } from '../chain';
import type { Config, IndexerConfig } from '../config';
import { openMetadataStore, type MetadataStore } from '../metadata';
import { openStore, type ContentStore } from '../storage';
import { openDatabase, type Database, type IndexerDatabase } from './db';
import { DocumentReader } from './documents';
import { IndexerMismatchError, SyncError } from './errors';
import { ChainFollower, MAX_RESPONSE_BYTES, readCursor } from './follow';
import { clearTables } from './project';
import * as t from './schema';

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

/** Longest wait between tries while the same sync error repeats (the wait doubles from the poll interval). */
const RETRY_MAX_MS = 30_000;

export class Indexer {
  private readonly follower: ChainFollower;
  private readonly documents: DocumentReader;
  private reachedHead = false;
  private lastError?: string;
  private loop?: Promise<void>;
  private stopping = false;
  private wake?: () => void;

  private constructor(
    readonly config: IndexerConfig,
    readonly deployments: Deployments,
    readonly database: IndexerDatabase,
    client: PublicClient<Transport, Chain>,
    private readonly store: ContentStore,
    metadata: MetadataStore,
    private readonly log: (line: string) => void,
  ) {
    this.follower = new ChainFollower(config, deployments, database.db, client, log);
    this.documents = new DocumentReader(database, metadata, { chainId: deployments.chainId, registry: deployments.contracts.datasetRegistry }, log);
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

  // ------------------------------------------------------------------ sync

  /**
   * One step: checks the confirmation window for a reorg, then applies the next batch of blocks up to the
   * head and reads pending metadata. Returns the blocks applied (0 when already at the head).
   */
  async syncOnce(): Promise<number> {
    const step = async (name: string, run: () => Promise<void>) => {
      try {
        await run();
      } catch (error) {
        throw error instanceof SyncError ? error : new SyncError(name, error);
      }
    };
    await step('reading the head', () => this.follower.readHead());
    await step('checking for a reorg', () => this.follower.checkReorg());
    const { lastBlock } = await readCursor(this.db);
    const from = lastBlock + 1;
    const head = this.follower.head;
    let applied = 0;
    if (from <= head) {
      const to = this.follower.batchEnd(from);
      await step(`blocks ${from}–${to}`, () => this.follower.applyRange(from, to));
      applied = to - from + 1;
    }
    if (lastBlock + applied >= head) this.reachedHead = true;
    await step('reading metadata', () => this.documents.readPending());
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
      readCursor(this.db),
      this.database.rows<{ logs: number; datasets: number; pending: number }>(
        // Licence sales counted from the rollup: health is polled, and counting a million purchases is not free.
        sql`select (select count(*) from events) + (select coalesce(sum(sales), 0) from sales_rollup where dimension = 'licence')::int8 + (select count(*) from token_transfers) as logs, (select count(*) from datasets) as datasets, (select count(*) from datasets where metadata_status = 'pending') as pending`,
      ),
    ]);
    return {
      adapter: this.database.adapter,
      chainId: this.deployments.chainId,
      lastBlock,
      head: this.follower.head,
      lag: Math.max(0, this.follower.head - lastBlock),
      backfilling: !this.reachedHead,
      logs: counts!.logs,
      datasets: counts!.datasets,
      pendingMetadata: counts!.pending,
      reorgs: this.follower.reorgs,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      updatedAt: new Date().toISOString(),
    };
  }
}
