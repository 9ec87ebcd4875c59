import { loadConfig } from '@/lib/config';
import { IndexerClient } from '@/lib/indexer/client';
import { failureResponse } from '@/lib/indexer/errors';
import { parseSearchParams } from '@/lib/indexer/search';

export const dynamic = 'force-dynamic';

/**
 * Dataset search (parameters in lib/indexer/search.ts), answered by the indexer: 400 with the parameter at
 * fault for a bad query, 503 when the indexer does not answer.
 */
export async function GET(request: Request): Promise<Response> {
  const params = new URL(request.url).searchParams;
  const headers = { 'Cache-Control': 'no-store' };
  try {
    // Checked here too, so a bad query is a 400 even while the indexer is down.
    parseSearchParams(params);
    const result = await new IndexerClient(loadConfig().indexer.url).search(Object.fromEntries(params));
    return Response.json(result, { headers });
  } catch (error) {
    const failure = failureResponse(error);
    if (failure) return Response.json(failure.body, { status: failure.status, headers });
    throw error;
  }
}
