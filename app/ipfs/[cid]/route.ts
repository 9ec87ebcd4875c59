import { gatewayAnswer } from '@/lib/web/gateway';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

type Context = { params: Promise<{ cid: string }> };

/** GET /ipfs/<cid>: the file, streamed, with Range and If-None-Match support (lib/storage/gateway). */
export async function GET(request: Request, { params }: Context): Promise<Response> {
  return gatewayAnswer(request, (await params).cid);
}

/** HEAD /ipfs/<cid>: the same headers, no body. */
export const HEAD = GET;
