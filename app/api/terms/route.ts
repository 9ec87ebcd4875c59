import { termsAnswer } from '@/lib/web/publishing';

export const dynamic = 'force-dynamic';

/**
 * POST /api/terms {preset, downloadPrice, computePrice, accessDays?, revShareBps?}: checks the licence, stores
 * its legal text on IPFS and answers the complete on-chain terms with their id (0 while unregistered).
 */
export function POST(request: Request): Promise<Response> {
  return termsAnswer(request);
}
