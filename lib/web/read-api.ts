/**
 * The routes that relay the indexer's read API to browsers: dataset search, analytics reports (JSON or CSV), an
 * account's purchases, an owner's summary and an asset's lineage and royalties. Each checks its parameters here too, so a bad query is a 400 even while the indexer is
 * down; 503 when the indexer does not answer.
 */
import { parseAnalyticsParams } from '../indexer/analytics';
import { parseAccount } from '../indexer/holdings';
import { parseDatasetId } from '../indexer/releases';
import { parseSearchParams } from '../indexer/search';
import { indexerResponse, NO_STORE } from './responses';
import { indexer } from './services';

/** GET /api/datasets: a search (parameters in lib/indexer/search.ts). */
export function searchAnswer(request: Request): Promise<Response> {
  const params = new URL(request.url).searchParams;
  return indexerResponse(() => {
    parseSearchParams(params);
    return indexer().search(Object.fromEntries(params));
  });
}

/** GET /api/analytics/<report>[.csv]: one report (lib/indexer/analytics.ts), as JSON or a CSV download. */
export function reportAnswer(request: Request, report: string): Promise<Response> {
  const csv = report.endsWith('.csv');
  const name = csv ? report.slice(0, -'.csv'.length) : report;
  const query = new URL(request.url).searchParams;
  return indexerResponse(async () => {
    // `name` is checked to be a known report too.
    parseAnalyticsParams(name, query);
    if (!csv) return indexer().report(name, Object.fromEntries(query));
    const body = await indexer().csv(name, Object.fromEntries(query));
    return new Response(body, { headers: { ...NO_STORE, 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="datagora-${name}.csv"` } });
  });
}

/** GET /api/purchases/<address>: the licences the account holds or held and the compute jobs it paid for. */
export function purchasesAnswer(address: string): Promise<Response> {
  return indexerResponse(() => indexer().purchases(parseAccount(address)));
}

/** GET /api/owners/<address>: the account's datasets, sales and royalty income (lib/indexer/holdings.ts). */
export function ownerAnswer(address: string): Promise<Response> {
  return indexerResponse(() => indexer().owner(parseAccount(address)));
}

/** GET /api/datasets/<id>/lineage: the asset's ancestors and descendants a few levels down (lib/indexer/lineage.ts). */
export function lineageAnswer(id: string): Promise<Response> {
  return indexerResponse(() => indexer().lineage(parseDatasetId(id)));
}

/** GET /api/datasets/<id>/royalties: what the asset earned from its derivatives and paid its ancestors. */
export function royaltiesAnswer(id: string): Promise<Response> {
  return indexerResponse(() => indexer().royalties(parseDatasetId(id)));
}
