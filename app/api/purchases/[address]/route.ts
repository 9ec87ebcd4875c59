import { loadConfig } from '@/lib/config';
import { IndexerClient } from '@/lib/indexer/client';
import { failureResponse } from '@/lib/indexer/errors';
import { parseAccount } from '@/lib/indexer/holdings';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ address: string }> };

/**
 * GET /api/purchases/<address>: the licences the account holds or held and the compute jobs it paid for, as the
 * indexer reads them from the chain (lib/indexer/holdings.ts). All public; 400 for a malformed address, 503 when
 * the indexer does not answer.
 */
export async function GET(_: Request, { params }: Context): Promise<Response> {
  const headers = { 'Cache-Control': 'no-store' };
  try {
    const account = parseAccount((await params).address);
    return Response.json(await new IndexerClient(loadConfig().indexer.url).purchases(account), { headers });
  } catch (error) {
    const failure = failureResponse(error);
    if (failure) return Response.json(failure.body, { status: failure.status, headers });
    throw error;
  }
}
