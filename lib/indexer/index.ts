/**
 * The market's indexer: contract events into PGlite or Postgres (one Drizzle schema), with dataset search and
 * analytics served over a small read API the web app and the CLI share.
 */
export { Indexer, type IndexerContext, type IndexerStatus } from './indexer';
export { IndexerClient, type QueryParams } from './client';
export { openDatabase, type IndexerDatabase } from './db';
export { startIndexerService, type IndexerService } from './service';
export * from './errors';
