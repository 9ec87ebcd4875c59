import { purchasesAnswer } from '@/lib/web/read-api';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ address: string }> };

/**
 * GET /api/purchases/<address>: the licences the account holds or held and the compute jobs it paid for, as the
 * indexer reads them from the chain (lib/indexer/holdings.ts). All public; 400 for a malformed address, 503 when
 * the indexer does not answer.
 */
export async function GET(_: Request, { params }: Context): Promise<Response> {
  return purchasesAnswer((await params).address);
}
