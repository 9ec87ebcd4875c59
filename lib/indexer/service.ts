/** The indexer as a service: follows the chain in the background and serves its read API. */
import type { Config } from '../config';
import { assertPortFree } from '../net/ports';
import { redactUrl } from './db';
import { Indexer } from './indexer';
import { startIndexerServer } from './server';

export interface IndexerService {
  indexer: Indexer;
  url: string;
  stop(): Promise<void>;
}

/** How often the indexer polls the chain once it is at the head. */
export const POLL_MS = 1_000;

/** Opens the database, starts following the chain and serves the read API on the configured port. */
export async function startIndexerService(config: Config, log: (line: string) => void = () => {}, port = config.indexer.port): Promise<IndexerService> {
  // Before the database opens: a second indexer on the same home must not touch the first one's PGlite files.
  if (port !== 0) await assertPortFree(config.indexer.host, port, 'DATAGORA_INDEXER_PORT', 'indexer');
  const indexer = await Indexer.open(config, log);
  const database = config.indexer.database;
  log(`database: ${database.adapter === 'pglite' ? `PGlite in ${database.dir}` : `Postgres at ${redactUrl(database.url)}`}`);
  let server;
  try {
    server = await startIndexerServer(indexer, config.indexer.host, port, log);
  } catch (error) {
    await indexer.stop();
    throw error;
  }
  const { lastBlock } = await indexer.status();
  indexer.start(POLL_MS);
  const from = lastBlock < indexer.deployments.startBlock ? `from the deployment block ${indexer.deployments.startBlock}` : `resuming after block ${lastBlock}`;
  log(`indexing chain ${indexer.deployments.chainId} ${from}; read API on ${server.url}`);
  return {
    indexer,
    url: server.url,
    async stop() {
      await server.stop();
      await indexer.stop();
    },
  };
}
