import { storeDocumentAnswer } from '@/lib/web/publishing';

export const dynamic = 'force-dynamic';

/**
 * POST /api/metadata `{ signed, grant? }`: stores a dataset document the publisher signed in the browser, once
 * its schema and its EIP-712 signature for this registry check out; answers its CID for the on-chain anchor.
 * `grant` is the publisher's signed session when the store writes for them (Ceramic; see ./grant).
 */
export function POST(request: Request): Promise<Response> {
  return storeDocumentAnswer(request);
}
