/**
 * The indexer's read API: health with the indexer's lag, dataset search, analytics reports (JSON or CSV), an
 * account's purchases, an owner's profile, what compute jobs released from a dataset, and an asset's lineage and
 * royalties. Only GET; bad parameters
 * answer 400 with the QueryError, so the web app and the CLI show the same words.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DatagoraError } from '../errors';
import { send } from '../net/http';
import { parseAnalyticsParams, reportCsv, runReport } from './analytics';
import { failureResponse } from './errors';
import { ownerProfile, parseAccount, purchasesOf } from './holdings';
import type { Indexer } from './indexer';
import { lineageOf, royaltiesOf } from './lineage';
import { parseDatasetId, releasesOf } from './releases';
import { parseSearchParams, searchDatasets } from './search';

export interface IndexerServer {
  url: string;
  stop(): Promise<void>;
}

const REPORT_PATH = /^\/api\/v1\/analytics\/([a-z0-9-]+)(\.csv)?$/;
const PURCHASES_PATH = /^\/api\/v1\/accounts\/([^/]+)\/purchases$/;
const OWNER_PATH = /^\/api\/v1\/owners\/([^/]+)$/;
const RELEASES_PATH = /^\/api\/v1\/datasets\/([^/]+)\/releases$/;
const LINEAGE_PATH = /^\/api\/v1\/datasets\/([^/]+)\/lineage$/;
const ROYALTIES_PATH = /^\/api\/v1\/datasets\/([^/]+)\/royalties$/;

/** Serves `indexer`'s database on host:port (0 picks a free port). */
export async function startIndexerServer(indexer: Indexer, host: string, port: number, log: (line: string) => void = () => {}): Promise<IndexerServer> {
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://indexer');
      try {
        if (request.method !== 'GET') return send(response, 405, { error: 'method-not-allowed', message: 'the read API answers GET only' });
        if (url.pathname === '/health') return send(response, 200, await indexer.status());
        if (url.pathname === '/api/v1/datasets') return send(response, 200, await searchDatasets(indexer.database, parseSearchParams(url.searchParams), indexer.context));
        const buyer = PURCHASES_PATH.exec(url.pathname);
        if (buyer) return send(response, 200, await purchasesOf(indexer.database, parseAccount(buyer[1]!), indexer.context));
        const owner = OWNER_PATH.exec(url.pathname);
        if (owner) return send(response, 200, await ownerProfile(indexer.database, parseAccount(owner[1]!), indexer.context));
        const released = RELEASES_PATH.exec(url.pathname);
        if (released) return send(response, 200, await releasesOf(indexer.database, parseDatasetId(released[1]!)));
        const lineage = LINEAGE_PATH.exec(url.pathname);
        if (lineage) return send(response, 200, await lineageOf(indexer.database, parseDatasetId(lineage[1]!)));
        const royalties = ROYALTIES_PATH.exec(url.pathname);
        if (royalties) return send(response, 200, await royaltiesOf(indexer.database, parseDatasetId(royalties[1]!)));
        const report = REPORT_PATH.exec(url.pathname);
        if (report) {
          const [, name, csv] = report;
          const result = await runReport(indexer.database, name!, parseAnalyticsParams(name!, url.searchParams), indexer.context);
          return csv ? send(response, 200, reportCsv(name!, result), 'text/csv; charset=utf-8') : send(response, 200, result);
        }
        send(response, 404, { error: 'not-found', message: `no such path: ${url.pathname}` });
      } catch (error) {
        const failure = failureResponse(error);
        if (failure) return send(response, failure.status, failure.body);
        log(`${url.pathname} failed: ${error instanceof Error ? error.message : String(error)}`);
        send(response, 500, { error: 'internal', message: error instanceof DatagoraError ? error.message : 'the indexer could not answer; see its log' });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
