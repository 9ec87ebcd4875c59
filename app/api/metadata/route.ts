import { errorResponse, metadataDomain, metadataStore } from '@/lib/client/services';
import type { MetadataGrant } from '@/lib/metadata';

export const dynamic = 'force-dynamic';

/**
 * POST /api/metadata `{ signed, grant? }`: stores a dataset document the publisher signed in the browser, once
 * its schema and its EIP-712 signature for this registry check out; answers its CID for the on-chain anchor.
 * `grant` is the publisher's signed session when the store writes for them (Ceramic; see ./grant).
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const body = (await request.json().catch(() => null)) as { signed?: unknown; grant?: MetadataGrant } | null;
    const { cid } = await (await metadataStore()).putSigned(body?.signed, await metadataDomain(), body?.grant);
    return Response.json({ cid }, { status: 201 });
  } catch (error) {
    return errorResponse(error);
  }
}
