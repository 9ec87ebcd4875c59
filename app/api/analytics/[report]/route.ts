import { loadConfig } from '@/lib/config';
import { parseAnalyticsParams } from '@/lib/indexer/analytics';
import { IndexerClient } from '@/lib/indexer/client';
import { failureResponse } from '@/lib/indexer/errors';

export const dynamic = 'force-dynamic';

/**
 * One analytics report (names and parameters in lib/indexer/analytics.ts), answered by the indexer: JSON, or a
 * CSV download when the name ends in `.csv`; 400 with the parameter at fault, 503 when the indexer does not answer.
 */
export async function GET(request: Request, { params }: { params: Promise<{ report: string }> }): Promise<Response> {
  const { report } = await params;
  const csv = report.endsWith('.csv');
  const name = csv ? report.slice(0, -'.csv'.length) : report;
  const query = new URL(request.url).searchParams;
  const headers = { 'Cache-Control': 'no-store' };
  try {
    // Checked here too: a bad query is a 400 even while the indexer is down, and `name` is a known report.
    parseAnalyticsParams(name, query);
    const client = new IndexerClient(loadConfig().indexer.url);
    if (!csv) return Response.json(await client.report(name, Object.fromEntries(query)), { headers });
    const body = await client.csv(name, Object.fromEntries(query));
    return new Response(body, { headers: { ...headers, 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="datagora-${name}.csv"` } });
  } catch (error) {
    const failure = failureResponse(error);
    if (failure) return Response.json(failure.body, { status: failure.status, headers });
    throw error;
  }
}
