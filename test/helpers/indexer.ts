/** An indexer of the test services' chain on a fresh database, serving its read API as `datagora indexer` does. */
import type { Config } from '@/lib/config';
import { IndexerClient } from '@/lib/indexer/client';
import { Indexer } from '@/lib/indexer/indexer';
import { startIndexerServer, type IndexerServer } from '@/lib/indexer/server';
import { freshDatabase, type DatabaseKind } from './database';

export interface ServedIndexer {
  indexer: Indexer;
  server: IndexerServer;
  /** A client of the server's read API, as the web app and the CLI read it. */
  client: IndexerClient;
  /** Stops the server and the indexer and drops the database. */
  stop(): Promise<void>;
}

/** Opens an indexer of `config`'s chain on a fresh database of `kind` and serves it on a free port of 127.0.0.1. */
export async function serveIndexer(config: Config, kind: DatabaseKind): Promise<ServedIndexer> {
  const database = await freshDatabase(kind);
  let indexer: Indexer | undefined;
  let server: IndexerServer | undefined;
  const stop = async () => {
    await server?.stop();
    await indexer?.stop();
    await database.drop();
  };
  try {
    indexer = await Indexer.open({ ...config, indexer: { ...config.indexer, database: database.config } });
    server = await startIndexerServer(indexer, '127.0.0.1', 0);
    return { indexer, server, client: new IndexerClient(server.url), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
