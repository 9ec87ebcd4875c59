/**
 * The metadata documents the registry anchors: the indexer reads each dataset's current document once its
 * version is indexed, verifies it against the anchor, and copies its searchable fields into the dataset's row.
 * A document that cannot be reached is read again later, waiting longer after each failure; a malformed or
 * wrongly signed one marks the dataset invalid.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Address } from 'viem';
import { AnchorMismatchError, CeramicError, metadataPointer, MetadataStoreError, printable, verifyAnchored, type MetadataDomain, type MetadataStore, type SignedDataset } from '../metadata';
import type { Database, IndexerDatabase } from './db';
import { describeError } from './sanitise';
import * as t from './schema';
import { searchVector } from './search';

/** A dataset whose current document is not read yet. */
type PendingDataset = { id: number; cid: string; version: number; owner: string };

/** Metadata documents read per poll. */
const METADATA_PER_POLL = 16;
/** Longest wait before reading an unreachable document again (the wait doubles from 1 s up to this). */
const METADATA_RETRY_MAX_SECONDS = 300;

export class DocumentReader {
  constructor(
    private readonly database: IndexerDatabase,
    private readonly metadata: MetadataStore,
    private readonly domain: MetadataDomain,
    private readonly log: (line: string) => void,
  ) {}

  private get db(): Database {
    return this.database.db;
  }

  /**
   * Reads the documents of datasets whose current version is not read yet, a few per poll. Each dataset is read on
   * its own: one whose document or row the database refuses (a limit no schema foresaw) ends invalid, and the
   * others go on.
   */
  async readPending(): Promise<void> {
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
    let row: typeof t.documents.$inferSelect;
    try {
      const signed = await this.metadata.get(cid, this.domain, datasetId);
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
