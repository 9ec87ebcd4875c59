import { isAddress } from 'viem';
import { errorResponse, metadataDomain, metadataStore } from '@/lib/client/services';

export const dynamic = 'force-dynamic';

/**
 * GET /api/metadata/grant?address=0x…: the message a publisher signs so the metadata store may write for them
 * (a SIWE session for Ceramic), or `{ message: null }` when the store needs none.
 */
export async function GET(request: Request): Promise<Response> {
  try {
    const address = new URL(request.url).searchParams.get('address') ?? '';
    if (!isAddress(address)) return Response.json({ error: 'BadRequest', message: 'address must be an EVM address', hint: 'pass ?address=0x…' }, { status: 400 });
    const message = await (await metadataStore()).grantRequest(address, await metadataDomain());
    return Response.json({ message: message ?? null }, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
