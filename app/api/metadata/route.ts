import { errorResponse, metadataDomain, metadataStore } from '@/lib/client/services';

export const dynamic = 'force-dynamic';

/**
 * POST /api/metadata: stores a dataset document the publisher signed in the browser, once its schema and its
 * EIP-712 signature for this registry check out; answers its CID for the on-chain anchor.
 */
export async function POST(request: Request): Promise<Response> {
  try {
    const { cid } = await (await metadataStore()).putSigned(await request.json().catch(() => null), await metadataDomain());
    return Response.json({ cid }, { status: 201 });
  } catch (error) {
    return errorResponse(error);
  }
}
