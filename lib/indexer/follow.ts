/**
 * Following the chain: batched getLogs from the last committed block towards the head, and reorgs.
 *
 * A batch is one transaction: its logs, the rows they produce, the rollups and the cursor commit together, so
 * a restart resumes exactly after the last committed block and a log (unique by transaction hash and log index)
 * is never applied twice. Every poll re-reads the hashes of the last `confirmations` blocks; on a mismatch the
 * rows from the fork block on are dropped, the state tables are rebuilt from the kept events, and indexing
 * goes on from the fork.
 */
import { BaseError, ResponseBodyTooLargeError, type Address, type Chain, type Hex, type Log, type PublicClient, type Transport } from 'viem';
import { desc, eq, gte, sql } from 'drizzle-orm';
import type { Deployments } from '../chain';
import type { IndexerConfig } from '../config';
import { mockStablecoinAbi } from '../contracts';
import type { Database } from './db';
import { contractAddresses, EventDecoder, type ContractKey, type DecodedEvent } from './events';
import { applyState, chunks, flagWash, insertEvents, insertFacts, isFact, replayState } from './project';
import { updateRollups } from './rollups';
import * as t from './schema';

/** Owners per stablecoin getLogs call (topics OR-lists stay small for any RPC). */
const OWNERS_PER_QUERY = 200;
/** Largest getLogs answer read (about 60,000 logs); a larger one is asked for again in halves. */
export const MAX_RESPONSE_BYTES = 64 * 2 ** 20;
/** Logs per getLogs answer below which the next batch may span twice the blocks. */
const SMALL_ANSWER = 2_500;

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

/** The last block whose logs are applied, and its hash. */
export async function readCursor(db: Database): Promise<{ lastBlock: number; lastBlockHash: string }> {
  const [row] = await db.select().from(t.cursor).where(eq(t.cursor.id, 'main'));
  return row!;
}

export class ChainFollower {
  private readonly addresses: Record<ContractKey, Address>;
  private readonly decoder: EventDecoder;
  /** The chain's head at the last read. */
  head = 0;
  /** Reorgs rolled back since the indexer opened. */
  reorgs = 0;
  /** Blocks per getLogs call: halved when the node refuses an answer as too large, regrown while answers are small. */
  private span: number;
  /** One whole unit of the stablecoin, in base units. */
  private readonly unit: bigint;

  constructor(
    private readonly config: IndexerConfig,
    deployments: Deployments,
    private readonly db: Database,
    private readonly client: PublicClient<Transport, Chain>,
    private readonly log: (line: string) => void,
  ) {
    this.addresses = contractAddresses(deployments);
    this.decoder = new EventDecoder(this.addresses, log);
    this.span = config.batchBlocks;
    this.unit = 10n ** BigInt(deployments.stablecoin.decimals);
  }

  async readHead(): Promise<void> {
    // Uncached: viem reuses a head read within its polling interval, and catchUp() must see every block mined
    // before it was called (a test's transaction, just confirmed).
    this.head = Number(await this.client.getBlockNumber({ cacheTime: 0 }));
  }

  /** The last block of the next batch from `from`. */
  batchEnd(from: number): number {
    return Math.min(from + this.span - 1, this.head);
  }

  // ------------------------------------------------------------------ reorgs

  /** Compares the stored hashes of the confirmation window with the chain; rolls back from the first fork. */
  async checkReorg(): Promise<void> {
    if (this.config.confirmations === 0) return;
    const { lastBlock } = await readCursor(this.db);
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
      for (const table of [t.events, t.purchases, t.royalties, t.tokenTransfers, t.datasetVersions]) {
        await tx.delete(table).where(gte(table.blockNumber, fork));
      }
      await tx.delete(t.blocks).where(gte(t.blocks.number, fork));
      await replayState(tx, this.config.washWindowSeconds, this.unit);
      await tx.update(t.cursor).set({ lastBlock: fork - 1, lastBlockHash: parent?.hash ?? '', updatedAt: new Date() }).where(eq(t.cursor.id, 'main'));
    });
  }

  // ------------------------------------------------------------------ batches

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

  /** The logs, decoded; undecodable ones are skipped. */
  private async decode(logs: Log<bigint, number, false>[]): Promise<DecodedEvent[]> {
    const times = await this.timestamps(logs);
    return logs.map((log) => this.decoder.decode(log, times)).filter((e): e is DecodedEvent => e !== undefined);
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

  /** Applies blocks `from`–`to` in one transaction. */
  async applyRange(from: number, to: number): Promise<void> {
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
      const marketEvents = await this.decode(marketLogs);
      const fresh = await insertEvents(tx, marketEvents.filter((e) => !isFact(e)));
      for (const event of fresh) await applyState(tx, event);

      const owners = (await tx.selectDistinct({ owner: t.datasets.owner }).from(t.datasets)).map((row) => row.owner);
      const transfers = await this.decode(owners.length > 0 ? await this.ownerTransfers(owners, from, to) : []);

      // Every market log: a royalty's row names the sale after it, a state event when the sale is a job's settlement.
      await insertFacts(tx, [...marketEvents, ...transfers], this.addresses.stablecoin);
      await flagWash(tx, { fromBlock: from, toBlock: to }, this.config.washWindowSeconds);
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
}
