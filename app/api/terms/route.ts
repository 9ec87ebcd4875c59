import { contentStore, deployments, errorResponse } from '@/lib/client/services';
import { prepareTerms } from '@/lib/market/terms';

export const dynamic = 'force-dynamic';

/**
 * POST /api/terms {preset, downloadPrice, computePrice, accessDays?, revShareBps?}: checks the licence, stores
 * its legal text on IPFS and answers the complete on-chain terms with their id (0 while unregistered).
 */
export async function POST(request: Request): Promise<Response> {
  try {
    return Response.json(await prepareTerms(await request.json().catch(() => null), await deployments(), await contentStore()));
  } catch (error) {
    return errorResponse(error);
  }
}
